"""The command palette (ctrl+p): jump to any module, to any contact by name, to a ticket by
number or subject, to a ledger screen, or to an account's register by name or code."""

from __future__ import annotations

import asyncio
from functools import partial

from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Provider

from bizsuite.core.errors import Refused
from bizsuite.screens import allowed_modules
from bizsuite.screens.ledger import palette_accounts, palette_sections
from bizsuite.screens.tickets import open_ticket

CONTACT_HITS = 20
TICKET_HITS = 10


class BizsuiteCommands(Provider):
    @property
    def _app(self):
        return self.app

    def _modules(self):
        app = self._app
        if getattr(app, "actor", None) is None:
            return []
        return [("Home", "home", "whose books, who you are, the modules")] + [
            (m.title, m.name, m.description) for m in allowed_modules(app.actor)
        ]

    async def discover(self) -> Hits:
        for title, name, help_ in self._modules():
            yield DiscoveryHit(f"Open {title}", partial(self._app.open_module, name), help=help_)
        for text, callback, help_ in palette_sections(self._app):
            yield DiscoveryHit(text, callback, help=help_)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, name, help_ in self._modules():
            text = f"Open {title}"
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), partial(self._app.open_module, name), text=text, help=help_)
        for text, callback, help_ in palette_sections(self._app):
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), callback, text=text, help=help_)
        if query.strip() and self._app.can("ledger.read"):
            try:
                accounts = await asyncio.to_thread(palette_accounts, self._app, query)
            except Refused:
                accounts = []
            for name, callback, help_ in accounts:
                label = Text("Account ", style="dim")
                label.append(name)
                yield Hit(max(matcher.match(name), 0.3), label, callback, text=name, help=help_)
        if query.strip() and self._app.can("tickets.read"):
            try:
                tickets = await asyncio.to_thread(self._tickets, query)
            except Refused:
                tickets = []
            for t in tickets:
                text = f"#{t.id} {t.subject}"
                exact = query.strip().lstrip("#") == str(t.id)
                score = 1.0 if exact else max(matcher.match(text), 0.3)
                label = Text(f"Ticket #{t.id} ", style="dim")
                label.append(t.subject)
                yield Hit(score, label, partial(open_ticket, self._app, t.id), text=text,
                          help=f"{t.contact} · {t.status.replace('_', ' ')} · {t.priority}")
        if query.strip() and self._app.can("contacts.read"):
            try:
                rows = await asyncio.to_thread(self._contacts, query)
            except Refused:
                return
            for row in rows:
                label = Text(row.name)
                if row.company:
                    label.append(f" · {row.company}", style="dim")
                detail = " ".join(p for p in (row.kind, row.email or "", row.city or "") if p)
                score = max(matcher.match(row.name), 0.3)
                yield Hit(score, label, partial(self._app.open_contact, row.id), text=row.name, help=detail)

    def _tickets(self, query: str):
        app = self._app
        with app.store.read(app.actor) as books:
            return books.tickets.search(query, limit=TICKET_HITS)

    def _contacts(self, query: str):
        app = self._app
        with app.store.read(app.actor) as books:
            return books.contacts.page(query=query, limit=CONTACT_HITS, with_total=False).rows

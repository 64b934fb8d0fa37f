"""The command palette (ctrl+p): jump to any module, to a module's own screens, or to any record
that an installed module's searcher finds (contacts by name, tickets by number, accounts by name
or code, …). Nothing here knows a module: it loops over their declarations."""

from __future__ import annotations

import asyncio
from functools import partial

from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Provider

from bizsuite.core.errors import Refused
from bizsuite.core.modules import Module, load
from bizsuite.screens import allowed_modules


class BizsuiteCommands(Provider):
    @property
    def _app(self):
        return self.app

    def _allowed(self) -> list[Module]:
        app = self._app
        if getattr(app, "actor", None) is None:
            return []
        return allowed_modules(app.actor)

    def _modules(self):
        return [("Home", "home", "whose books, who you are, the modules")] + [
            (m.title, m.name, m.description) for m in self._allowed()
        ]

    def _sections(self):
        out = []
        for m in self._allowed():
            if m.palette:
                out.extend(load(m.palette)(self._app))
        return out

    async def discover(self) -> Hits:
        for title, name, help_ in self._modules():
            yield DiscoveryHit(f"Open {title}", partial(self._app.open_module, name), help=help_)
        for text, callback, help_ in self._sections():
            yield DiscoveryHit(text, callback, help=help_)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, name, help_ in self._modules():
            text = f"Open {title}"
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), partial(self._app.open_module, name), text=text, help=help_)
        for text, callback, help_ in self._sections():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), callback, text=text, help=help_)
        if not query.strip():
            return
        for m in self._allowed():
            if not m.search:
                continue
            try:
                hits = await asyncio.to_thread(self._find, m, query)
            except Refused:
                continue
            for h in hits:
                kind = h.label if h.label is not None else h.kind.capitalize()
                prefix = f"{kind} " if kind else ""
                if kind and h.number and h.number != h.title:
                    prefix += f"{h.number} "
                label = Text(prefix, style="dim")
                label.append(h.title)
                text = f"{prefix}{h.title}".strip()
                score = max(h.score, matcher.match(h.title))
                yield Hit(score, label, partial(self._app.open_record, h.kind, h.id), text=text, help=h.detail)

    def _find(self, m: Module, query: str):
        app = self._app
        with app.store.read(app.actor) as books:
            return load(m.search)(books, query)

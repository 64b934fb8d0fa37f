"""The app's screens, and the registry of modules the home screen and the palette offer.

A later module (ledger, tickets, …) adds one :class:`Module` to ``MODULES``: its key on the home
screen, the permission that lets a role open it, and the screen that starts it.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from textual.screen import Screen

    from bizsuite.core.auth import Actor
    from bizsuite.core.store import Books


@dataclass(frozen=True)
class Module:
    name: str  # the app mode's name, e.g. "contacts"
    title: str
    key: str  # the key that opens it from the home screen
    permission: str  # what a role needs to open it
    description: str
    screen: str  # "package.module:ScreenClass", imported when first opened
    summary: Callable[["Books"], str] | None = None  # a one-line figure for the home screen

    def make_screen(self) -> "Screen":
        module, _, cls = self.screen.partition(":")
        return getattr(import_module(module), cls)()

    def allowed(self, actor: "Actor") -> bool:
        return actor.can(self.permission)


def _contacts_summary(books: "Books") -> str:
    n = books.contacts.count()
    return f"{n:,} contact{'s' if n != 1 else ''}"


def _ledger_summary(books: "Books") -> str:
    n = books.ledger.journal_page(limit=0).total  # posted entries (a count, no rows)
    return f"{n:,} entr{'ies' if n != 1 else 'y'}"


def _tickets_summary(books: "Books") -> str:
    s = books.tickets.summary()
    return f"{s['active']:,} active · {s['breached']:,} breached"


MODULES: tuple[Module, ...] = (
    Module(
        name="contacts",
        title="Contacts",
        key="c",
        permission="contacts.read",
        description="Companies and people: roles, tags, notes, timeline, duplicates",
        screen="bizsuite.screens.contacts:ContactsScreen",
        summary=_contacts_summary,
    ),
    Module(
        name="ledger",
        title="Ledger",
        key="l",
        permission="ledger.read",
        description="Accounts, journal entries, registers, trial balance, P&L, balance sheet",
        screen="bizsuite.screens.ledger:AccountsScreen",
        summary=_ledger_summary,
    ),
    Module(
        name="tickets",
        title="Tickets",
        key="t",
        permission="tickets.read",
        description="Support queue by SLA due time: threads, replies, notes",
        screen="bizsuite.screens.tickets:QueueScreen",
        summary=_tickets_summary,
    ),
)


def module(name: str) -> Module:
    for m in MODULES:
        if m.name == name:
            return m
    raise KeyError(name)


def allowed_modules(actor: "Actor") -> list[Module]:
    return [m for m in MODULES if m.allowed(actor)]

"""What the ledger's screens share: how figures read, moving between the screens (the
section keys, the palette), the base screens, and reversing an entry."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Callable

from textual.screen import Screen
from textual.suggester import Suggester

from bizsuite.core import clock
from bizsuite.core.errors import Refused
from bizsuite.core.money import format_human
from bizsuite.erp.ledger.repository import why_not_reverse
from bizsuite.screens.base import BizScreen
from bizsuite.widgets.confirm import Confirm
from bizsuite.widgets.paged_table import PagedTable
from bizsuite.widgets.keymap import bind

PAGE_SIZE = 100
ACCOUNT_HITS = 8
TYPE_FILTERS = [("Assets", "asset"), ("Liabilities", "liability"), ("Equity", "equity"),
                ("Income", "income"), ("Expenses", "expense")]



# -- how figures read ---------------------------------------------------------------------------


def leaves(names: str) -> str:
    """``expenses:rent, assets:bank:checking +2`` → ``rent, checking +2`` (for narrow columns)."""
    return ", ".join(n.rsplit(":", 1)[-1] for n in names.split(", ")) if names else ""


def money(value: Decimal | None, *, blank_zero: bool = False) -> str:
    """``1,234.50`` (as many decimals as the value has: the books' currency's); empty for None
    (and for zero when ``blank_zero``)."""
    if value is None or (blank_zero and not value):
        return ""
    return format_human(value, None)


def problems(exc: Refused) -> str:
    return "; ".join(exc.problems)


def text_or_none(value: str) -> str | None:
    value = value.strip()
    return value or None


class AccountSuggester(Suggester):
    """Completes an account's full name or code as you type (``accounts_matching``, in a thread)."""

    def __init__(self, store, actor, *, active_only: bool = False) -> None:
        super().__init__(use_cache=False, case_sensitive=False)
        self.store, self.actor, self.active_only = store, actor, active_only

    async def get_suggestion(self, value: str) -> str | None:
        if not value.strip():
            return None
        return await asyncio.to_thread(self._lookup, value)

    def _lookup(self, value: str) -> str | None:
        try:
            with self.store.read(self.actor) as books:
                found = books.ledger.accounts_matching(value, limit=ACCOUNT_HITS, active_only=self.active_only)
                names = [(a.name, a.code) for a in found]
        except Refused:
            return None
        folded = value.casefold()
        for name, code in names:
            if name.casefold().startswith(folded):
                return name
            if code and code.startswith(value):
                return code
        return None


# -- moving around the ledger -------------------------------------------------------------------


SECTION_TITLES = {
    "journal": ("Journal", "posted entries, newest first: filter, open, reverse"),
    "drafts": ("Drafts", "entries saved as drafts, to finish and post"),
    "entry": ("New entry", "post a journal entry (or save a draft)"),
    "trial_balance": ("Trial balance", "debits, credits and balance per account as of a date"),
    "pnl": ("Profit and loss", "income and expenses for a period, by month when it fits"),
    "balance_sheet": ("Balance sheet", "assets, liabilities and equity as of a date"),
}


def make_section(name: str) -> Screen:
    from bizsuite.screens.ledger.journal import JournalScreen

    if name == "journal":
        return JournalScreen()
    if name == "drafts":
        return JournalScreen(drafts=True)
    if name == "entry":
        from bizsuite.screens.ledger.forms import EntryForm

        return EntryForm()
    from bizsuite.screens.ledger import reports

    return {"trial_balance": reports.TrialBalanceScreen, "pnl": reports.ProfitLossScreen,
            "balance_sheet": reports.BalanceSheetScreen}[name]()


def show_section(app, name: str) -> None:
    """Open a ledger section: over the accounts tree, or in place of the section showing now."""
    screen = make_section(name)
    if isinstance(app.screen, LedgerSection):
        app.switch_screen(screen)
    else:
        app.push_screen(screen)


def open_ledger(app, section: str | None = None) -> None:
    """From anywhere (the command palette): the ledger mode, then a section of it."""
    if not app.can("ledger.read"):
        app.notify("Ledger: your role may not open it", severity="error")
        return
    if app.current_mode != "ledger":
        app.switch_mode("ledger")
    if section is not None:
        if section == "entry" and not app.can("ledger.write"):
            app.notify("Your role may not post entries", severity="error")
            return
        show_section(app, section)


def open_register(app, account_id: int) -> None:
    """An account's register from anywhere (the command palette)."""
    if not app.can("ledger.read"):
        return
    from bizsuite.screens.ledger.register import RegisterScreen

    if app.current_mode != "ledger":
        app.switch_mode("ledger")
    app.push_screen(RegisterScreen(account_id))


def palette_sections(app) -> list[tuple[str, Callable[[], None], str]]:
    """``(text, callback, help)`` for the palette: the ledger's screens the user may open."""
    if getattr(app, "actor", None) is None or not app.can("ledger.read"):
        return []
    out = []
    for name, (title, help_) in SECTION_TITLES.items():
        if name in ("entry", "drafts") and not app.can("ledger.write"):
            continue
        out.append((f"Ledger: {title.lower() if name != 'pnl' else 'profit and loss'}",
                    lambda name=name: open_ledger(app, name), help_))
    return out


def palette_accounts(app, query: str) -> list[tuple[str, Callable[[], None], str]]:
    """Accounts matching ``query`` (blocking: call it in a thread); each opens its register."""
    with app.store.read(app.actor) as books:
        found = [(a.id, a.name, a.code, a.type, a.active)
                 for a in books.ledger.accounts_matching(query, limit=ACCOUNT_HITS, active_only=False)]
    return [(name, lambda aid=aid: open_register(app, aid),
             " · ".join(p for p in (code, type_, "" if active else "inactive") if p) + " — register")
            for aid, name, code, type_, active in found]


NAV_BINDINGS = [
    bind("ledger_nav.new_entry", "new_entry", "Entry"),
    bind("ledger_nav.section_journal", "section('journal')", "Journal"),
    bind("ledger_nav.section_trial_balance", "section('trial_balance')", "Reports"),
]


class LedgerScreen(BizScreen):
    """What every ledger screen shares: the keys that open the other ledger screens."""

    CSS_PATH = "ledger.tcss"

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "new_entry" or (action == "section" and parameters[:1] == ("drafts",)):
            return self.actor.can("ledger.write")
        return super().check_action(action, parameters)

    def action_section(self, name: str) -> None:
        show_section(self.app, name)

    def action_new_entry(self) -> None:
        from bizsuite.screens.ledger.forms import EntryForm

        self.app.push_screen(EntryForm())

    def open_entry(self, entry_id: int) -> None:
        from bizsuite.screens.ledger.journal import EntryScreen

        self.app.push_screen(EntryScreen(entry_id))

    def open_register(self, account_id: int, *, start: str = "", end: str = "") -> None:
        from bizsuite.screens.ledger.register import RegisterScreen

        self.app.push_screen(RegisterScreen(account_id, start=start, end=end))


class LedgerSection(LedgerScreen):
    """A screen reached with the ledger's section keys: the journal, the reports."""

    def action_back(self) -> None:
        focused = self.focused
        table = self.query(PagedTable)
        if table and focused is not None and focused is not table.first():
            table.first().focus()
            return
        self.dismiss()


class _Reverses:
    """Reverse a posted entry, after asking; what may not be reversed is said at once (the
    domain's :func:`why_not_reverse`), without a confirmation the repository would refuse."""

    def ask_reverse(self, entry, memo: str) -> None:
        why = why_not_reverse(entry)
        if why is not None:
            self.notify(why, title="Not reversed", severity="warning", timeout=10)
            return
        entry_id = entry.id

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.reverse(entry_id)

        self.app.push_screen(Confirm(
            f"Reverse #{entry_id}?",
            f"Posts a new entry dated {clock.today()} with every amount of #{entry_id} "
            f"({memo or 'no memo'}) turned around, linked to it. #{entry_id} itself never changes.",
            yes="reverse",
        ), confirmed)

    def reverse(self, entry_id: int) -> None:
        def reversed_(new_id: int) -> None:
            self.notify(f"Posted #{new_id}, reversing #{entry_id}")
            self._reversed(entry_id, new_id)

        self.submit(lambda books: books.ledger.reverse(entry_id).id, reversed_, title="Not reversed")  # type: ignore[attr-defined]

    def _reversed(self, entry_id: int, new_id: int) -> None:
        raise NotImplementedError

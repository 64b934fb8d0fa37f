"""Ledger: the accounts tree, the journal, one entry, an account's register.

The reports are in :mod:`ledger_reports`, the entry form and the account form in
:mod:`ledger_forms`. Every figure, check and refusal is the repository's (``books.ledger``): the
screens only ask, in worker threads, and show what comes back — including a ``Refused`` or
``ValidationFailed`` message, word for word.

The ledger mode starts on the accounts tree. The journal and the reports open on top of it and
replace one another (``j``, ``r``/``t``/``p``/``b``), so Escape always leads back to the tree; a
register or an entry opens on top of whatever shows it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.suggester import Suggester
from textual.widgets import Footer, Input, Select, Static

from bizsuite.core import clock
from bizsuite.core.auth import Actor
from bizsuite.core.errors import Refused
from bizsuite.core.money import format_human
from bizsuite.erp.ledger.repository import why_not_reverse
from bizsuite.screens.base import BizScreen, when
from bizsuite.widgets.confirm import Confirm
from bizsuite.widgets.paged_table import Column, PagedTable

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
    if name == "journal":
        return JournalScreen()
    if name == "drafts":
        return JournalScreen(drafts=True)
    if name == "entry":
        from bizsuite.screens.ledger_forms import EntryForm

        return EntryForm()
    from bizsuite.screens import ledger_reports as reports

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
    Binding("n", "new_entry", "Entry"),
    Binding("j", "section('journal')", "Journal"),
    Binding("r", "section('trial_balance')", "Reports"),
]


class LedgerScreen(BizScreen):
    """What every ledger screen shares: the keys that open the other ledger screens."""

    CSS_PATH = "ledger.tcss"

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "new_entry" or (action == "section" and parameters[:1] == ("drafts",)):
            return self.actor.can("ledger.write")
        return True

    def action_section(self, name: str) -> None:
        show_section(self.app, name)

    def action_new_entry(self) -> None:
        from bizsuite.screens.ledger_forms import EntryForm

        self.app.push_screen(EntryForm())

    def open_entry(self, entry_id: int) -> None:
        self.app.push_screen(EntryScreen(entry_id))

    def open_register(self, account_id: int, *, start: str = "", end: str = "") -> None:
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

    @work(thread=True, exclusive=True, exit_on_error=False, group="reverse")
    def reverse(self, entry_id: int) -> None:
        try:
            with self.store.transaction(self.actor) as books:
                r = books.ledger.reverse(entry_id)
                new_id = r.id
        except Refused as exc:
            self.app.call_from_thread(self.notify, problems(exc), title="Not reversed", severity="error",
                                      timeout=10)
            return
        self.app.call_from_thread(self.notify, f"Posted #{new_id}, reversing #{entry_id}")
        self.app.call_from_thread(self._reversed, entry_id, new_id)

    def _reversed(self, entry_id: int, new_id: int) -> None:
        raise NotImplementedError


# -- the accounts tree --------------------------------------------------------------------------


@dataclass
class TreeRow:
    id: int
    name: str
    leaf: str
    code: str | None
    type: str
    active: bool
    depth: int
    total: Decimal
    postings: int
    has_children: bool
    parent: str | None
    collapsed: bool = False


def _tree_label(row: TreeRow) -> Text:
    marker = ("▸ " if row.collapsed else "▾ ") if row.has_children else "  "
    text = Text()
    text.append("  " * (row.depth - 1) + marker, style="dim")
    text.append(row.leaf, style="bold" if row.has_children else "")
    if not row.active:
        text.append(" (inactive)", style="dim italic")
    return text


TREE_COLUMNS = [
    Column("code", "Code", width=6, render=lambda r: Text(r.code or "", style="dim" if not r.active else "")),
    Column("name", "Account", ratio=1, min_width=12, render=_tree_label),
    Column("type", "Type", width=9),
    Column("total", "Balance", width=16, align="right",
           render=lambda r: Text(money(r.total, blank_zero=True), style="bold" if r.has_children else "")),
]


class AccountsScreen(LedgerScreen):
    PLACE = "Ledger"
    HELP = (
        "The chart of accounts as a tree, each with its balance as of the date in 'As of' "
        "(sub-accounts included; debits positive, credits negative, as in hledger). Type a date "
        "and press Enter to see the balances on that day; Tab reaches the type filter. Left "
        "folds an account's sub-accounts away, Right unfolds them; i shows or hides inactive "
        "accounts. Enter opens the account's register.\n\n"
        "a adds an account, e edits the one under the cursor (name, code, type while unused, "
        "active). n posts a new entry; j opens the journal, r the reports (t trial balance, "
        "p profit and loss, b balance sheet); d lists the drafts."
    )
    BINDINGS = [
        Binding("a", "add", "Add"),
        Binding("e", "edit", "Edit"),
        *NAV_BINDINGS,
        Binding("escape", "back", "Home", show=False),
        Binding("left", "fold", "Fold", show=False),
        Binding("right", "unfold", "Unfold", show=False),
        Binding("i", "inactive", "Show inactive", show=False),
        Binding("t", "section('trial_balance')", "Trial balance", show=False),
        Binding("p", "section('pnl')", "Profit and loss", show=False),
        Binding("b", "section('balance_sheet')", "Balance sheet", show=False),
        Binding("d", "section('drafts')", "Drafts", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[TreeRow] = []
        self._folded: set[str] = set()
        self._inactive = False
        self._applied: tuple | None = None
        self._as_of = ""
        self._cursor_on: str | None = None
        self._cursor_index: int | None = None

    def compose(self) -> ComposeResult:
        yield self.title_bar()
        with Horizontal(id="controls"):
            yield Static("As of", classes="label")
            yield Input(clock.today().isoformat(), id="as-of", compact=True, placeholder="all dates",
                        classes="date")
            yield Select(TYPE_FILTERS, prompt="Any type", id="type", compact=True)
            yield Static("", id="controls-hint")
        yield PagedTable(TREE_COLUMNS, id="tree", page_size=PAGE_SIZE, empty_text="No accounts.")
        yield Static("", id="status")
        yield Footer()

    @property
    def table(self) -> PagedTable:
        return self.query_one("#tree", PagedTable)

    def on_mount(self) -> None:
        super().on_mount()
        self.table.focus()
        self.load()

    def reload_on_return(self) -> None:
        self.load(force=True)

    # -- loading -------------------------------------------------------------------------------
    def load(self, *, force: bool = False) -> None:
        as_of = self.query_one("#as-of", Input).value.strip()
        type_ = self.query_one("#type", Select).value
        wanted = (as_of, None if type_ is Select.NULL else type_)
        if wanted == self._applied and not force:
            return
        self._applied = wanted
        self.query_one("#status", Static).update("loading…")
        self.load_tree(*wanted)

    @work(thread=True, exclusive=True, exit_on_error=False, group="tree")
    def load_tree(self, as_of: str, type_: str | None) -> None:
        try:
            with self.store.read(self.actor) as books:
                nodes = books.ledger.account_tree(as_of=as_of or None, type=type_)
                rows = [TreeRow(id=n.account.id, name=n.account.name, leaf=n.account.leaf, code=n.account.code,
                                type=n.account.type, active=n.account.active, depth=n.depth, total=n.total,
                                postings=n.postings, has_children=n.has_children,
                                parent=n.account.name.rsplit(":", 1)[0] if ":" in n.account.name else None)
                        for n in nodes]
        except Refused as exc:
            self.app.call_from_thread(self._failed, problems(exc))
            return
        self.app.call_from_thread(self._loaded, as_of, rows)

    def _failed(self, message: str) -> None:
        self._applied = None
        status = self.query_one("#status", Static)
        status.update(Text(message, style="bold red"))
        self.notify(message, severity="error")

    def _loaded(self, as_of: str, rows: list[TreeRow]) -> None:
        self._rows = rows
        self._as_of = as_of
        cursor_on, self._cursor_on = self._cursor_on, None
        if cursor_on is not None:
            for f in list(self._folded):
                if cursor_on.startswith(f + ":"):
                    self._folded.discard(f)
        self._show(keep_cursor=True, cursor_on=cursor_on)

    def _visible(self) -> list[TreeRow]:
        out = []
        folded = self._folded
        for r in self._rows:
            if not self._inactive and not r.active:
                continue
            if any(r.name.startswith(f + ":") for f in folded):
                continue
            r.collapsed = r.name in folded
            out.append(r)
        return out

    def _show(self, *, keep_cursor: bool, cursor_on: str | None = None) -> None:
        rows = self._visible()
        if cursor_on is not None:
            self._cursor_index = next((i for i, r in enumerate(rows) if r.name == cursor_on), None)
        self.table.reload(lambda offset, limit: (rows[offset:offset + limit], len(rows)), keep_cursor=keep_cursor)
        hidden = sum(1 for r in self._rows if not r.active)
        parts = [f"{len(self._rows) - (0 if self._inactive else hidden):,} accounts"]
        parts.append(f"balances as of {self._as_of}" if self._as_of else "balances of all dates")
        if hidden and not self._inactive:
            parts.append(f"{hidden} inactive hidden (i shows them)")
        self.query_one("#status", Static).update(" · ".join(parts))

    # -- events --------------------------------------------------------------------------------
    @on(Input.Submitted, "#as-of")
    def _as_of_submitted(self) -> None:
        self.load()
        self.table.focus()

    @on(Input.Blurred, "#as-of")
    def _as_of_left(self) -> None:
        self.load()

    @on(Select.Changed, "#type")
    def _type_changed(self) -> None:
        self.load()

    def on_paged_table_counted(self, event: PagedTable.Counted) -> None:
        if self._cursor_index is not None and not self.table.is_loading:
            index, self._cursor_index = self._cursor_index, None
            self.table.move_cursor(index)

    def on_paged_table_row_selected(self, event: PagedTable.RowSelected) -> None:
        self.open_register(event.row.id, end=self._as_of)

    # -- actions -------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action in ("add", "edit"):
            return self.actor.can("ledger.write")
        if action in ("fold", "unfold"):
            return self.focused is self.table
        return super().check_action(action, parameters)

    def action_back(self) -> None:
        if self.focused is not None and self.focused is not self.table:
            self.table.focus()
            return
        self.bizapp.open_module("home")

    def action_fold(self) -> None:
        row = self.table.cursor_row
        if row is None:
            return
        if row.has_children and row.name not in self._folded:
            self._folded.add(row.name)
            self._show(keep_cursor=True)
        elif row.parent is not None:
            self._folded.add(row.parent)
            self._show(keep_cursor=False, cursor_on=row.parent)

    def action_unfold(self) -> None:
        row = self.table.cursor_row
        if row is not None and row.name in self._folded:
            self._folded.discard(row.name)
            self._show(keep_cursor=True)

    def action_inactive(self) -> None:
        self._inactive = not self._inactive
        self._show(keep_cursor=False)

    def action_add(self) -> None:
        from bizsuite.screens.ledger_forms import AccountForm

        row = self.table.cursor_row
        prefix = f"{row.name}:" if row is not None and row.has_children else ""
        self.app.push_screen(AccountForm(prefix=prefix), self._account_saved)

    def action_edit(self) -> None:
        from bizsuite.screens.ledger_forms import AccountForm

        row = self.table.cursor_row
        if row is None:
            return
        self.app.push_screen(AccountForm(account_id=row.id), self._account_saved)

    def _account_saved(self, name: str | None) -> None:
        if name:
            self.notify(f"Saved {name}")
            self._cursor_on = name  # the tree reloads on resume, with the cursor on it


# -- the journal --------------------------------------------------------------------------------


def _marker(row) -> Text:
    if row.reversed_by:
        return Text("×", style="bold")
    if row.reverses_id:
        return Text("↩")
    return Text("")


def _journal_memo(row) -> Text:
    text = Text()
    if row.code:
        text.append(f"{row.code} ", style="dim")
    text.append(row.memo or "", style="dim" if row.reversed_by else "")
    return text


def _line_account(ln) -> Text:
    text = Text()
    if ln.code:
        text.append(f"{ln.code} ", style="dim")
    text.append(ln.account)
    return text


JOURNAL_COLUMNS = [
    Column("id", "#", width=6, align="right", render=lambda r: str(r.id)),
    Column("date", "Date", width=10, render=lambda r: r.date.isoformat()),
    Column("marker", "", width=1, render=_marker),
    Column("memo", "Memo", ratio=3, min_width=10, render=_journal_memo),
    Column("accounts", "Accounts", ratio=2, min_width=8, render=lambda r: Text(leaves(r.accounts), style="dim")),
    Column("total", "Amount", width=13, align="right", render=lambda r: money(r.total)),
]


def journal_source(store, actor: Actor, **filters):
    """``fetch`` and ``count`` for a :class:`PagedTable` of entries, newest first."""

    def fetch(offset: int, limit: int):
        with store.read(actor) as books:
            return books.ledger.journal_page(offset=offset, limit=limit, with_total=False, **filters).rows, None

    def count() -> int:
        with store.read(actor) as books:
            return books.ledger.journal_page(offset=0, limit=0, with_total=True, **filters).total

    return fetch, count


class JournalScreen(_Reverses, LedgerSection):
    PLACE = "Ledger › Journal"
    HELP = (
        "Posted entries, newest first, a page at a time. Type in the search box to find words "
        "in memos, references and comments; From and To limit the dates and Account the "
        "entries that touch an account or its sub-accounts (a name, its last part or a code; "
        "Enter or Tab applies them). × marks an entry that has been reversed, ↩ a reversal.\n\n"
        "Enter opens the entry under the cursor; v reverses it (a new entry with every amount "
        "turned around, linked to it — posted entries never change). d switches between posted "
        "entries and drafts. n posts a new entry; r opens the reports; Escape goes back to the "
        "accounts."
    )
    BINDINGS = [
        Binding("v", "reverse", "Reverse"),
        Binding("d", "drafts(True)", "Drafts"),
        Binding("d", "drafts(False)", "Posted"),
        Binding("slash", "search", "Search", key_display="/"),
        *NAV_BINDINGS[:1], NAV_BINDINGS[2],
        Binding("escape", "back", "Back"),
        Binding("j", "section('journal')", "Journal", show=False),
        Binding("t", "section('trial_balance')", "Trial balance", show=False),
        Binding("p", "section('pnl')", "Profit and loss", show=False),
        Binding("b", "section('balance_sheet')", "Balance sheet", show=False),
        Binding("down", "to_table", "To the list", show=False),
    ]

    def __init__(self, *, drafts: bool = False, account: str = "") -> None:
        super().__init__()
        self.drafts = drafts
        self.account = account
        self._applied: dict[str, Any] | None = None
        self._total: int | None = None
        self._all: int | None = None
        self._cursor_id: int | None = None
        if drafts:
            self.PLACE = "Ledger › Drafts"

    def compose(self) -> ComposeResult:
        yield self.title_bar()
        yield Input(placeholder="Search memos, references, comments…", id="search", compact=True)
        with Horizontal(id="controls"):
            yield Static("From", classes="label")
            yield Input(id="from", compact=True, placeholder="YYYY-MM-DD", classes="date")
            yield Static("To", classes="label short")
            yield Input(id="to", compact=True, placeholder="YYYY-MM-DD", classes="date")
            yield Static("Account", classes="label")
            yield Input(self.account, id="account", compact=True, placeholder="any account",
                        suggester=AccountSuggester(self.store, self.actor))
        yield PagedTable(JOURNAL_COLUMNS, id="journal", page_size=PAGE_SIZE,
                         empty_text="No drafts." if self.drafts else "No entries match.")
        yield Static("", id="status")
        yield Footer()

    @property
    def table(self) -> PagedTable:
        return self.query_one("#journal", PagedTable)

    def on_mount(self) -> None:
        super().on_mount()
        self.table.focus()
        self.refresh_list(keep_cursor=False)

    def reload_on_return(self) -> None:
        self.refresh_list(keep_cursor=True)

    # -- loading -------------------------------------------------------------------------------
    def filters(self) -> dict[str, Any]:
        def value(widget_id: str) -> str | None:
            return text_or_none(self.query_one(f"#{widget_id}", Input).value)

        return {"text": self.query_one("#search", Input).value, "start": value("from"), "end": value("to"),
                "account": value("account"), "status": "draft" if self.drafts else "posted"}

    def refresh_list(self, *, keep_cursor: bool) -> None:
        self._reload(keep_cursor=keep_cursor, force=True)
        self.count_all()

    def _reload(self, *, keep_cursor: bool = False, force: bool = False) -> None:
        filters = self.filters()
        if filters == self._applied and not force:
            return
        self._applied = filters
        fetch, count = journal_source(self.store, self.actor, **filters)
        self._total = None
        self.table.reload(fetch, count=count, keep_cursor=keep_cursor)
        self._show_status()

    @work(thread=True, exclusive=True, exit_on_error=False, group="count")
    def count_all(self) -> None:
        try:
            with self.store.read(self.actor) as books:
                total = books.ledger.journal_page(limit=0, status="draft" if self.drafts else "posted").total
        except Refused:
            return
        self.app.call_from_thread(self._counted_all, total)

    def _counted_all(self, total: int) -> None:
        self._all = total
        self._show_status()

    def _show_status(self) -> None:
        what = "draft" if self.drafts else "entry"
        plural = "drafts" if self.drafts else "entries"
        total, everything = self._total, self._all
        f = self._applied or {}
        filtered = bool((f.get("text") or "").strip() or f.get("start") or f.get("end") or f.get("account"))
        if total is None:
            text = "counting…" if self.table.is_loading else ""
        elif filtered and everything is not None:
            text = f"{total:,} of {everything:,} {plural}"
        else:
            text = f"{total:,} {what if total == 1 else plural}"
        if text and not self.drafts:
            text += " · newest first"
        self.query_one("#status", Static).update(text)

    # -- events --------------------------------------------------------------------------------
    def on_paged_table_counted(self, event: PagedTable.Counted) -> None:
        self._total = event.total
        self._show_status()
        if self._cursor_id is not None and not self.table.is_loading:  # not a count of an older reload
            entry_id, self._cursor_id = self._cursor_id, None
            index = next((i for i, r in enumerate(self.table.loaded_rows()) if r.id == entry_id), None)
            if index is not None:
                self.table.move_cursor(index)

    def on_paged_table_load_failed(self, event: PagedTable.LoadFailed) -> None:
        self._total = 0
        self._show_status()

    def on_paged_table_row_selected(self, event: PagedTable.RowSelected) -> None:
        if self.drafts:
            self.edit_draft(event.row.id)
        else:
            self.open_entry(event.row.id)

    @on(Input.Changed, "#search")
    def _search_changed(self) -> None:
        self._reload()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self._reload()
        if event.input.id == "search":
            self.table.focus()
        else:
            self.focus_next()

    @on(Input.Blurred)
    def _left(self, event: Input.Blurred) -> None:
        if event.input.id in ("from", "to", "account"):
            self._reload()

    # -- actions -------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "reverse":
            return self.actor.can("ledger.write") and not self.drafts
        if action == "drafts":
            return parameters[0] != self.drafts and (self.actor.can("ledger.write") or self.drafts)
        if action == "to_table":
            return self.focused is not None and self.focused.id == "search"
        return super().check_action(action, parameters)

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_to_table(self) -> None:
        self.table.focus()

    def action_drafts(self, drafts: bool) -> None:
        show_section(self.app, "drafts" if drafts else "journal")

    def action_reverse(self) -> None:
        row = self.table.cursor_row
        if row is None:
            self.notify("No entry under the cursor", severity="warning")
            return
        self.ask_reverse(row, row.memo)

    def _reversed(self, entry_id: int, new_id: int) -> None:
        self._cursor_id = entry_id  # the reversal comes in above it: keep the cursor on it
        self.refresh_list(keep_cursor=True)

    def edit_draft(self, entry_id: int) -> None:
        from bizsuite.screens.ledger_forms import EntryForm

        self.app.push_screen(EntryForm(draft_id=entry_id))


# -- one entry ----------------------------------------------------------------------------------


@dataclass
class EntryView:
    """Everything the entry screen shows, copied out of the transaction."""

    id: int
    date: date
    status: str
    memo: str
    code: str | None
    comment: str | None
    source: str
    source_kind: str
    source_ref: str | None
    reverses_id: int | None
    reversed_by: int | None
    created: str
    posted: str
    lines: list
    total: Decimal
    difference: Decimal

    @classmethod
    def load(cls, books, entry_id: int) -> "EntryView":
        d = books.ledger.entry(entry_id)
        e = d.entry
        source = e.source_kind + (f" #{e.source_id}" if e.source_id is not None else "")
        return cls(id=e.id, date=e.date, status=e.status, memo=e.memo, code=e.code, comment=e.comment,
                   source=source, source_kind=e.source_kind, source_ref=e.source_ref, reverses_id=e.reverses_id, reversed_by=d.reversed_by,
                   created=f"{when(e.created_at)} by {e.created_by}",
                   posted=f"{when(e.posted_at)} by {e.posted_by}" if e.posted_at else "",
                   lines=list(d.lines), total=d.total, difference=d.difference)


ENTRY_COLUMNS = [
    Column("account", "Account", ratio=3, min_width=12, render=_line_account),
    Column("memo", "Memo", ratio=2, min_width=6, render=lambda ln: ln.memo or ""),
    Column("debit", "Debit", width=13, align="right", render=lambda ln: money(ln.debit)),
    Column("credit", "Credit", width=13, align="right", render=lambda ln: money(ln.credit)),
]


class EntryScreen(_Reverses, LedgerScreen):
    PLACE = "Entry"
    HELP = (
        "One journal entry: its date, memo, reference and source (manual, import, or the "
        "document of a module that posted it), who made and posted it, and its lines. Enter "
        "opens the register of the account under the cursor.\n\n"
        "Posted entries never change: v reverses one instead (a new entry, linked to it, with "
        "every amount turned around; refused on or before the lock date, or when it is already "
        "reversed). o opens the entry this one reverses, g the entry that reverses it. A draft "
        "is edited and posted with e, or deleted with x."
    )
    BINDINGS = [
        Binding("v", "reverse", "Reverse"),
        Binding("o", "linked('original')", "Original"),
        Binding("g", "linked('reversal')", "Reversal"),
        Binding("e", "edit", "Edit draft"),
        Binding("x", "delete", "Delete draft"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, entry_id: int) -> None:
        super().__init__()
        self.entry_id = entry_id
        self.view: EntryView | None = None
        self.PLACE = f"Entry #{entry_id}"

    def compose(self) -> ComposeResult:
        yield self.title_bar()
        with Vertical(id="entry"):
            yield Static("", id="heading")
            yield Static("", id="facts")
            yield PagedTable(ENTRY_COLUMNS, id="lines", page_size=200, empty_text="No lines.")
            yield Static("", id="totals")
        yield Footer()

    @property
    def table(self) -> PagedTable:
        return self.query_one("#lines", PagedTable)

    def on_mount(self) -> None:
        super().on_mount()
        self.table.focus()
        self.load()

    def reload_on_return(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="entry")
    def load(self) -> None:
        self.fetch_and_show(lambda books: EntryView.load(books, self.entry_id), self._show)

    def _show(self, v: EntryView) -> None:
        self.view = v
        self.PLACE = f"Entry #{v.id}" if v.status == "posted" else f"Draft #{v.id}"
        self._update_title_bar()
        heading = Table.grid(expand=True, padding=(0, 1))
        heading.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        heading.add_column(justify="right", no_wrap=True)
        left = Text(f"{v.date}  ", style="bold")
        left.append(v.memo or "(no memo)", style="bold")
        status = Text(v.status, style="bold yellow" if v.status == "draft" else "dim")
        heading.add_row(left, status)
        self.query_one("#heading", Static).update(heading)

        facts = Text()

        def fact(label: str, value: str, style: str = "") -> None:
            if facts:
                facts.append(" · ", style="dim")
            facts.append(f"{label} ", style="dim")
            facts.append(value, style=style)

        if v.code:
            fact("ref", v.code)
        fact("source", v.source + (f" ({v.source_ref})" if v.source_ref else ""))
        fact("made", v.created)
        if v.posted and v.posted != v.created:
            fact("posted", v.posted)
        if v.reverses_id:
            fact("reverses", f"#{v.reverses_id}", "bold")
        if v.reversed_by:
            fact("reversed by", f"#{v.reversed_by}", "bold")
        if v.comment:
            fact("comment", v.comment.replace("\n", " "))
        self.query_one("#facts", Static).update(facts)

        lines = list(v.lines)
        self.table.reload(lambda offset, limit: (lines[offset:offset + limit], len(lines)), keep_cursor=True)
        credits = v.total - v.difference if v.status == "posted" else sum(
            (ln.credit or Decimal(0) for ln in lines), Decimal("0.00"))
        totals = Table.grid(expand=True, padding=(0, 1))
        totals.add_column(ratio=1)
        totals.add_column(width=13, justify="right")
        totals.add_column(width=13, justify="right")
        note = Text(f"{len(lines)} line{'s' if len(lines) != 1 else ''}", style="dim")
        if v.difference:
            note.append(f" · difference {money(v.difference)}", style="bold red")
        totals.add_row(note, Text(money(v.total), style="bold"), Text(money(credits), style="bold"))
        self.query_one("#totals", Static).update(totals)
        self.refresh_bindings()

    def on_paged_table_row_selected(self, event: PagedTable.RowSelected) -> None:
        self.open_register(event.row.account_id)

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        v = self.view
        if action == "reverse":
            return self.actor.can("ledger.write") and (v is None or v.status == "posted")
        if action in ("edit", "delete"):
            return self.actor.can("ledger.write") and v is not None and v.status == "draft"
        if action == "linked":
            if v is None:
                return False
            return bool(v.reverses_id if parameters[0] == "original" else v.reversed_by)
        return super().check_action(action, parameters)

    def action_back(self) -> None:
        self.dismiss()

    def action_reverse(self) -> None:
        if self.view is not None:
            self.ask_reverse(self.view, self.view.memo)

    def _reversed(self, entry_id: int, new_id: int) -> None:
        self.load()

    def action_linked(self, which: str) -> None:
        v = self.view
        if v is None:
            return
        target = v.reverses_id if which == "original" else v.reversed_by
        if target:
            self.open_entry(target)

    def action_edit(self) -> None:
        from bizsuite.screens.ledger_forms import EntryForm

        if self.view is not None:  # back here, the screen reloads: a posted draft shows as posted
            self.app.push_screen(EntryForm(draft_id=self.view.id))

    def action_delete(self) -> None:
        v = self.view
        if v is None:
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.delete_draft()

        self.app.push_screen(Confirm(f"Delete draft #{v.id}?", f"{v.memo or 'The draft'} and its "
                                     f"{len(v.lines)} lines are deleted for good.", yes="delete"), confirmed)

    @work(thread=True, exclusive=True, exit_on_error=False, group="change")
    def delete_draft(self) -> None:
        try:
            with self.store.transaction(self.actor) as books:
                books.ledger.delete_entry(self.entry_id)
        except Refused as exc:
            self.app.call_from_thread(self.notify, problems(exc), title="Not deleted", severity="error",
                                      timeout=10)
            return
        self.app.call_from_thread(self.notify, f"Deleted draft #{self.entry_id}")
        self.app.call_from_thread(self.dismiss)


# -- an account's register ----------------------------------------------------------------------


class RegisterScreen(LedgerScreen):
    PLACE = "Register"
    HELP = (
        "The postings of one account (and of its sub-accounts), each with the account's "
        "balance after it: debits positive, credits negative. Newest first; s shows the oldest "
        "first. From and To limit the dates (Enter or Tab applies them; the balances stay the "
        "account's true running balance). Against lists the other accounts of the entry; a "
        "posting to a sub-account shows the sub-account first. Enter opens the entry."
    )
    BINDINGS = [
        Binding("s", "order(False)", "Oldest first"),
        Binding("s", "order(True)", "Newest first"),
        Binding("n", "new_entry", "Entry"),
        Binding("escape", "back", "Back"),
        Binding("down", "to_table", "To the list", show=False),
    ]

    def __init__(self, account_id: int, *, start: str = "", end: str = "") -> None:
        super().__init__()
        self.account_id = account_id
        self.start, self.end = start, end
        self.account_name = ""
        self.newest_first = True
        self._applied: tuple | None = None
        self._total: int | None = None
        self._fit: dict[str, int] = {}  # column widths that fit the rows seen (see _fit_page)

    def compose(self) -> ComposeResult:
        yield self.title_bar()
        yield Static("", id="heading")
        with Horizontal(id="controls"):
            yield Static("From", classes="label")
            yield Input(self.start, id="from", compact=True, placeholder="YYYY-MM-DD", classes="date")
            yield Static("To", classes="label short")
            yield Input(self.end, id="to", compact=True, placeholder="YYYY-MM-DD", classes="date")
            yield Static("", id="controls-hint")
        yield PagedTable(self._columns(), id="register", page_size=PAGE_SIZE, empty_text="No postings.")
        yield Static("", id="status")
        yield Footer()

    def _columns(self) -> list[Column]:
        def memo(r) -> Text:
            text = Text()
            if self.account_name and r.account != self.account_name:
                text.append(r.account[len(self.account_name) + 1:] if r.account.startswith(self.account_name + ":")
                            else r.account, style="bold")
                text.append(" ")
            text.append(r.memo or "")
            return text

        fit = self._fit
        return [
            Column("date", "Date", width=fit.get("date", 10), render=lambda r: r.date.isoformat()),
            Column("entry_id", "#", width=fit.get("entry_id", 4), align="right", render=lambda r: str(r.entry_id)),
            Column("memo", "Memo", ratio=fit.get("memo", 3), min_width=8, render=memo),
            Column("other_accounts", "Against", ratio=fit.get("other_accounts", 2), min_width=6,
                   render=lambda r: Text(leaves(r.other_accounts), style="dim")),
            Column("amount", "Amount", width=fit.get("amount", 10), align="right", render=lambda r: money(r.amount)),
            Column("balance", "Balance", width=fit.get("balance", 10), align="right",
                   render=lambda r: money(r.balance)),
        ]

    def _fit_page(self, rows) -> None:
        """Widths from what the rows hold (kept as wide as the widest page seen): the fixed
        columns as wide as their content, the memo and the accounts sharing the rest in
        proportion to theirs."""
        if not rows:
            return
        prefix = len(self.account_name) + 1 if self.account_name else 0
        seen = {
            "date": max(len(r.date.isoformat()) for r in rows),
            "entry_id": max(1, *(len(str(r.entry_id)) for r in rows)),
            "amount": max(len("Amount"), *(len(money(r.amount)) for r in rows)),
            "balance": max(len("Balance"), *(len(money(r.balance)) for r in rows)),
            "memo": max(len("Memo"), *(len(r.memo or "") + (len(r.account) - prefix + 1 if r.account != self.account_name
                                                             else 0) for r in rows)),
            "other_accounts": max(len("Against"), *(len(leaves(r.other_accounts)) for r in rows)),
        }
        fit = {k: max(v, self._fit.get(k, 0)) for k, v in seen.items()}
        if fit != self._fit:
            self._fit = fit
            self.table.columns = self._columns()
            self.table.refresh()

    @property
    def table(self) -> PagedTable:
        return self.query_one("#register", PagedTable)

    def on_mount(self) -> None:
        super().on_mount()
        self.table.focus()
        self.refresh_list(keep_cursor=False)

    def reload_on_return(self) -> None:
        self.refresh_list(keep_cursor=True)

    def refresh_list(self, *, keep_cursor: bool) -> None:
        self._reload(keep_cursor=keep_cursor, force=True)
        self.load_heading()

    def _reload(self, *, keep_cursor: bool = False, force: bool = False) -> None:
        start = text_or_none(self.query_one("#from", Input).value)
        end = text_or_none(self.query_one("#to", Input).value)
        wanted = (start, end, self.newest_first)
        if wanted == self._applied and not force:
            return
        self._applied = wanted
        store, actor, account_id, newest = self.store, self.actor, self.account_id, self.newest_first

        def fetch(offset: int, limit: int):
            with store.read(actor) as books:
                page = books.ledger.register(account_id, start=start, end=end, offset=offset, limit=limit,
                                             newest_first=newest, with_total=False)
            self.app.call_from_thread(self._fit_page, page.rows)
            return page.rows, None

        def count() -> int:
            with store.read(actor) as books:
                return books.ledger.register(account_id, start=start, end=end, limit=0).total

        self._total = None
        self.table.reload(fetch, count=count, keep_cursor=keep_cursor)
        self._show_status()

    @work(thread=True, exclusive=True, exit_on_error=False, group="heading")
    def load_heading(self) -> None:
        try:
            with self.store.read(self.actor) as books:
                a = books.ledger.account(self.account_id)
                name, code, type_, active = a.name, a.code, a.type, a.active
                balance = books.ledger.balance(a.id)
        except Refused as exc:
            self.app.call_from_thread(self.notify, problems(exc), severity="error")
            return
        self.app.call_from_thread(self._heading, name, code, type_, active, balance)

    def _heading(self, name: str, code: str | None, type_: str, active: bool, balance: Decimal) -> None:
        renamed = self.account_name != name
        self.account_name = name
        self.PLACE = f"Register · {name}"
        self._update_title_bar()
        grid = Table.grid(expand=True, padding=(0, 1))
        grid.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        grid.add_column(justify="right", no_wrap=True)
        left = Text(name, style="bold")
        right = Text(" · ".join(p for p in (code, type_, "" if active else "inactive") if p), style="dim")
        right.append("  balance ", style="dim")
        right.append(money(balance), style="bold")
        grid.add_row(left, right)
        self.query_one("#heading", Static).update(grid)
        if renamed:
            self.table.refresh()

    def _show_status(self) -> None:
        total = self._total
        if total is None:
            text = "counting…" if self.table.is_loading else ""
        else:
            text = f"{total:,} posting{'' if total == 1 else 's'}"
        order = "newest first" if self.newest_first else "oldest first"
        self.query_one("#status", Static).update(f"{text} · {order}" if text else order)
        self.query_one("#controls-hint", Static).update(order)

    # -- events --------------------------------------------------------------------------------
    def on_paged_table_counted(self, event: PagedTable.Counted) -> None:
        self._total = event.total
        self._show_status()

    def on_paged_table_load_failed(self, event: PagedTable.LoadFailed) -> None:
        self._total = 0
        self._show_status()

    def on_paged_table_row_selected(self, event: PagedTable.RowSelected) -> None:
        self.open_entry(event.row.entry_id)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self._reload()
        if event.input.id == "to":
            self.table.focus()
        else:
            self.focus_next()

    @on(Input.Blurred)
    def _left(self) -> None:
        self._reload()

    # -- actions -------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "to_table":
            return self.focused is not None and isinstance(self.focused, Input)
        if action == "order":
            return parameters[0] != self.newest_first  # the key offers the other order
        return super().check_action(action, parameters)

    def action_to_table(self) -> None:
        self.table.focus()

    def action_order(self, newest_first: bool) -> None:
        self.newest_first = newest_first
        self._reload(force=True)
        self.refresh_bindings()

    def action_back(self) -> None:
        if self.focused is not None and self.focused is not self.table:
            self.table.focus()
            return
        self.dismiss()

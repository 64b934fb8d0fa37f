"""The accounts tree: every account with its balance as of a date, folded or by type."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Footer, Input, Select, Static

from bizsuite.core import clock
from bizsuite.core.errors import Refused
from bizsuite.screens.ledger.common import (
    NAV_BINDINGS,
    PAGE_SIZE,
    TYPE_FILTERS,
    LedgerScreen,
    money,
    problems,
)
from bizsuite.erp.ledger.reports import TREE_SORTS
from bizsuite.screens.lists import SORT_BINDINGS, Sortable
from bizsuite.widgets.paged_table import Column, PagedTable
from bizsuite.widgets.keymap import bind

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
    Column("code", "Code", width=6, render=lambda r: Text(r.code or "", style="dim" if not r.active else ""),
           sort="code"),
    Column("name", "Account", ratio=1, min_width=12, render=_tree_label, sort="name"),
    Column("type", "Type", width=9, sort="type"),
    Column("total", "Balance", width=16, align="right",
           render=lambda r: Text(money(r.total, blank_zero=True), style="bold" if r.has_children else ""),
           sort="balance"),
]
# x writes the columns of `bizsuite ledger accounts --format csv`
TREE_EXPORT = [
    ("code", lambda r: r.code), ("account", lambda r: r.name), ("type", lambda r: r.type),
    ("active", lambda r: str(r.active)), ("balance", lambda r: r.total),  # True/False, as the CLI writes it
    ("postings", lambda r: r.postings),
]


class AccountsScreen(Sortable, LedgerScreen):
    PLACE = "Ledger"
    HELP = (
        "The chart of accounts as a tree, each with its balance as of the date in 'As of' "
        "(sub-accounts included; debits positive, credits negative, as in hledger). Type a date "
        "and press Enter to see the balances on that day; Tab reaches the type filter. Left "
        "folds an account's sub-accounts away, Right unfolds them; i shows or hides inactive "
        "accounts. Enter opens the account's register.\n\n"
        "a adds an account, e edits the one under the cursor (name, code, type while unused, "
        "active). n posts a new entry; j opens the journal, r the reports (t trial balance, "
        "p profit and loss, b balance sheet); d lists the drafts.\n\n"
        "o sorts the accounts under each parent by the next column (code, name, type, balance), O "
        "turns the order around; sub-accounts stay under their parent. x writes the accounts shown "
        "to a CSV with the columns of `bizsuite ledger accounts --format csv`."
    )
    BINDINGS = [
        bind("accounts_screen.add", "add", "Add"),
        bind("accounts_screen.edit", "edit", "Edit"),
        *NAV_BINDINGS,
        bind("accounts_screen.back", "back", "Home", show=False),
        bind("accounts_screen.fold", "fold", "Fold", show=False),
        bind("accounts_screen.unfold", "unfold", "Unfold", show=False),
        bind("accounts_screen.inactive", "inactive", "Show inactive", show=False),
        bind("accounts_screen.section_trial_balance", "section('trial_balance')", "Trial balance", show=False),
        bind("accounts_screen.section_pnl", "section('pnl')", "Profit and loss", show=False),
        bind("accounts_screen.section_balance_sheet", "section('balance_sheet')", "Balance sheet", show=False),
        bind("accounts_screen.section_drafts", "section('drafts')", "Drafts", show=False),
        *SORT_BINDINGS,
    ]
    SORTS = TREE_SORTS
    EXPORT_NAME = "accounts"

    def __init__(self) -> None:
        super().__init__()
        self.init_sort()
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
        table = PagedTable(TREE_COLUMNS, id="tree", page_size=PAGE_SIZE, empty_text="No accounts.")
        table.mark_sort(self.sort.key, self.sort.descending)
        yield table
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
        wanted = (as_of, None if type_ is Select.NULL else type_, self.sort)
        if wanted == self._applied and not force:
            return
        self._applied = wanted
        self.query_one("#status", Static).update("loading…")
        self.load_tree(*wanted)

    @work(thread=True, exclusive=True, exit_on_error=False, group="tree")
    def load_tree(self, as_of: str, type_: str | None, sort) -> None:
        try:
            with self.store.read(self.actor) as books:
                nodes = books.ledger.account_tree(as_of=as_of or None, type=type_, sort=sort)
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

    def sort_changed(self) -> None:
        self.load()

    def export_columns(self):
        return TREE_EXPORT

    def export_rows(self, books):
        return iter(self._visible())  # what is shown: folded and inactive accounts as on screen

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
        from bizsuite.screens.ledger.forms import AccountForm

        row = self.table.cursor_row
        prefix = f"{row.name}:" if row is not None and row.has_children else ""
        self.app.push_screen(AccountForm(prefix=prefix), self._account_saved)

    def action_edit(self) -> None:
        from bizsuite.screens.ledger.forms import AccountForm

        row = self.table.cursor_row
        if row is None:
            return
        self.app.push_screen(AccountForm(account_id=row.id), self._account_saved)

    def _account_saved(self, name: str | None) -> None:
        if name:
            self.notify(f"Saved {name}")
            self._cursor_on = name  # the tree reloads on resume, with the cursor on it

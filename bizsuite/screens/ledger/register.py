"""An account's register: its postings (sub-accounts included) with the running balance."""

from __future__ import annotations

from decimal import Decimal

from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Footer, Input, Static

from bizsuite.core.errors import Refused
from bizsuite.erp.ledger.reports import REGISTER_SORTS
from bizsuite.screens.lists import ListScreen
from bizsuite.screens.ledger.common import PAGE_SIZE, LedgerScreen, leaves, money, problems, text_or_none
from bizsuite.widgets.paged_table import Column, PagedTable
from bizsuite.widgets.keymap import bind

# -- an account's register ----------------------------------------------------------------------

# x writes these, the columns of `bizsuite ledger register --format csv`
REGISTER_EXPORT = [
    ("date", lambda r: r.date), ("entry", lambda r: r.entry_id), ("memo", lambda r: r.memo),
    ("account", lambda r: r.account), ("other_accounts", lambda r: r.other_accounts),
    ("amount", lambda r: r.amount), ("balance", lambda r: r.balance),
]


class RegisterScreen(LedgerScreen, ListScreen):  # LedgerScreen first: its CSS applies
    PLACE = "Register"
    HELP = (
        "The postings of one account (and of its sub-accounts), each with the account's "
        "balance after it: debits positive, credits negative. Newest first. From and To limit "
        "the dates (Enter or Tab applies them; the balances stay the account's true running "
        "balance). Against lists the other accounts of the entry; a posting to a sub-account "
        "shows the sub-account first. Enter opens the entry.\n\n"
        "O shows the oldest first (and back); o sorts by the next column (entry, memo, amount, "
        "balance — each posting keeps its balance), a click on a heading sorts by it. x writes "
        "every posting shown, in this order, to a CSV with the columns of `bizsuite ledger "
        "register --format csv`."
    )
    BINDINGS = [
        bind("register_screen.new_entry", "new_entry", "Entry"),
        bind("register_screen.back", "back", "Back"),
    ]
    TABLE_ID = "register"
    SORTS = REGISTER_SORTS
    SORT = "date:desc"
    PAGE_SIZE = PAGE_SIZE
    NOUNS = ("posting", "postings")
    EMPTY = "No postings."
    EXPORT_NAME = "register"
    FILTER_INPUTS = ("from", "to")

    def __init__(self, account_id: int, *, start: str = "", end: str = "") -> None:
        super().__init__()
        self.account_id = account_id
        self.start, self.end = start, end
        self.account_name = ""
        self._unfitted: list = []  # rows that arrived before the account's name (see _fit_page)
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
        yield self.list_table()
        yield self.status_line()
        yield Footer()

    def list_columns(self) -> list[Column]:
        return self._columns()

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
            Column("date", "Date", width=fit.get("date", 10), render=lambda r: r.date.isoformat(), sort="date"),
            Column("entry_id", "#", width=fit.get("entry_id", 4), align="right", render=lambda r: str(r.entry_id),
                   sort="entry"),
            Column("memo", "Memo", ratio=fit.get("memo", 3), min_width=8, render=memo, sort="memo"),
            Column("other_accounts", "Against", ratio=fit.get("other_accounts", 2), min_width=6,
                   render=lambda r: Text(leaves(r.other_accounts), style="dim")),
            Column("amount", "Amount", width=fit.get("amount", 10), align="right", render=lambda r: money(r.amount),
                   sort="amount"),
            Column("balance", "Balance", width=fit.get("balance", 10), align="right",
                   render=lambda r: money(r.balance), sort="balance"),
        ]

    def _fit_page(self, rows) -> None:
        """Widths from what the rows hold (kept as wide as the widest page seen): the fixed
        columns as wide as their content, the memo and the accounts sharing the rest in
        proportion to theirs."""
        if not rows:
            return
        if not self.account_name:  # the heading's worker has not said whose register this is yet:
            self._unfitted = list(rows)  # how wide a memo is depends on it, so wait (_heading)
            return
        prefix = len(self.account_name) + 1
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

    def refresh_list(self, *, keep_cursor: bool) -> None:
        super().refresh_list(keep_cursor=keep_cursor)
        self.load_heading()

    def filters(self) -> dict:
        return {"start": text_or_none(self.query_one("#from", Input).value),
                "end": text_or_none(self.query_one("#to", Input).value)}

    def is_filtered(self, filters) -> bool:
        return False  # a date range is not "N of M": the balances are the account's all the same

    def fetch_page(self, books, filters, sort, offset, limit):
        page = books.ledger.register(self.account_id, offset=offset, limit=limit, sort=sort, with_total=False,
                                     **filters)
        return page.rows

    def fit(self, rows) -> None:
        self.app.call_from_thread(self._fit_page, rows)

    def count_rows(self, books, filters) -> int:
        return books.ledger.register(self.account_id, limit=0, **filters).total

    def export_columns(self):
        return REGISTER_EXPORT

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
        if self._unfitted:
            rows, self._unfitted = self._unfitted, []
            self._fit_page(rows)

    def show_status(self) -> None:
        super().show_status()
        self.query_one("#controls-hint", Static).update(self.sort_words(always=True))

    # -- events --------------------------------------------------------------------------------
    def on_paged_table_row_selected(self, event: PagedTable.RowSelected) -> None:
        self.open_entry(event.row.entry_id)

    # -- actions -------------------------------------------------------------------------------
    def action_back(self) -> None:
        if self.focused is not None and self.focused is not self.table:
            self.table.focus()
            return
        self.dismiss()

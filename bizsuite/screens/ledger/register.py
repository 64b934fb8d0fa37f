"""An account's register: its postings (sub-accounts included) with the running balance."""

from __future__ import annotations

from decimal import Decimal

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Footer, Input, Static

from bizsuite.core.errors import Refused
from bizsuite.screens.ledger.common import PAGE_SIZE, LedgerScreen, leaves, money, problems, text_or_none
from bizsuite.widgets.paged_table import Column, PagedTable
from bizsuite.widgets.keymap import bind

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
        bind("register_screen.order_false", "order(False)", "Oldest first"),
        bind("register_screen.order_true", "order(True)", "Newest first"),
        bind("register_screen.new_entry", "new_entry", "Entry"),
        bind("register_screen.back", "back", "Back"),
        bind("register_screen.to_table", "to_table", "To the list", show=False),
    ]

    def __init__(self, account_id: int, *, start: str = "", end: str = "") -> None:
        super().__init__()
        self.account_id = account_id
        self.start, self.end = start, end
        self.account_name = ""
        self._unfitted: list = []  # rows that arrived before the account's name (see _fit_page)
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
        if self._unfitted:
            rows, self._unfitted = self._unfitted, []
            self._fit_page(rows)

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

"""Purchasing: the purchase orders list (by status) and one order's page (per line what was
ordered, received, billed and paid; the order's bills). The receive, bill and pay dialogs are in
:mod:`purchasing_forms`.

Every query and change goes through ``books.purchasing`` in a worker thread; the handlers that
receive the results are the only code that touches widgets.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Callable

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Footer, Select, Static

from bizsuite.erp.purchasing.models import STATUS_LABELS, STATUSES, OrderView
from bizsuite.screens.base import BizScreen
from bizsuite.screens.lists import ListScreen
from bizsuite.screens.stock import money, price, qty
from bizsuite.widgets.keymap import bind
from bizsuite.widgets.paged_table import Column, PagedTable

PAGE_SIZE = 100
SUPPLIERS = 500  # the new order's supplier list: the first this many by name
STATUS_FILTERS = [("Open orders", "open"), ("All orders", ""),
                  *((STATUS_LABELS[s].capitalize(), s) for s in STATUSES)]
STATUS_STYLE = {"draft": "dim", "confirmed": "", "partially_received": "yellow", "received": "cyan",
                "closed": "green", "cancelled": "dim strike"}


STATUS_SHORT = {"partially_received": "partial"}  # the list's column: at most nine cells


def status_text(status: str, *, short: bool = False) -> Text:
    label = STATUS_SHORT.get(status, STATUS_LABELS.get(status, status)) if short else STATUS_LABELS.get(status, status)
    return Text(label, style=STATUS_STYLE.get(status, ""))


def open_orders(app) -> None:
    if not app.can("purchasing.read"):
        return
    if app.current_mode != "purchasing":
        app.switch_mode("purchasing")


def open_order(app, order_id: int) -> None:
    """Show an order from anywhere (the command palette): in the purchasing mode, over the list."""
    if not app.can("purchasing.read"):
        return
    if app.current_mode != "purchasing":
        app.switch_mode("purchasing")
    app.push_screen(OrderScreen(order_id))


def palette_sections(app) -> list[tuple[str, Callable[[], None], str]]:
    if getattr(app, "actor", None) is None or not app.can("purchasing.read"):
        return []
    return [("Purchasing: open orders", lambda: open_orders(app), "purchase orders not yet closed or cancelled")]


# -- the orders list ------------------------------------------------------------------------------


class OrdersScreen(ListScreen):
    PLACE = "Purchasing"
    HELP = (
        "Purchase orders, newest first: the supplier, the status, the order's total (tax included), "
        "what the supplier's bills on it came to and what of that is paid. The filter (Tab) shows "
        "the open orders (not yet closed or cancelled), every order, or the orders of one status (partial: partially received). "
        "Enter opens the order: per line what was ordered, received, billed and paid, and its "
        "bills; there you confirm a draft, receive goods, enter a bill and pay it. n starts a new order (a draft, "
        "products picked as you type); s shows the reorder suggestions (and drafts orders from them)."
    )
    BINDINGS = [
        bind("orders_screen.new", "new", "New order"),
        bind("orders_screen.suggest", "suggest", "Reorder"),
        bind("orders_screen.back", "back", "Home"),
    ]
    CSS_PATH = "purchasing.tcss"
    TABLE_ID = "orders"
    PAGE_SIZE = PAGE_SIZE
    NOUNS = ("order", "orders")
    EMPTY = "No purchase orders match: create one with bizsuite purchase create SUPPLIER --line 'SKU QTY PRICE'."
    EXPORT_NAME = "orders"

    def compose(self) -> ComposeResult:
        yield self.title_bar()
        with Horizontal(id="filters"):
            yield Select(STATUS_FILTERS, allow_blank=False, value="open", id="show", compact=True)
        yield self.list_table()
        yield self.status_line()
        yield Footer()

    def list_columns(self) -> list[Column]:
        return [
            Column("number", "Order", width=8),
            Column("date", "Date", width=10, render=lambda r: r.date.isoformat()),
            Column("supplier", "Supplier", ratio=1, min_width=10),
            Column("status", "Status", width=9, render=lambda r: status_text(r.status, short=True)),
            Column("total", "Total", width=10, align="right", render=lambda r: money(r.total)),
            Column("billed", "Billed", width=9, align="right",
                   render=lambda r: money(r.billed) if r.billed else Text("—", style="dim")),
            Column("paid", "Paid", width=9, align="right",
                   render=lambda r: money(r.paid) if r.paid else Text("—", style="dim")),
        ]

    def filters(self) -> dict[str, Any]:
        return {"status": self.query_one("#show", Select).value}

    def is_filtered(self, filters: dict[str, Any]) -> bool:
        return bool(filters["status"])

    def fetch_page(self, books, filters, sort, offset, limit):
        return books.purchasing.orders_page(status=filters["status"] or None, offset=offset, limit=limit,
                                            with_total=False).rows

    def count_rows(self, books, filters) -> int:
        return books.purchasing.orders_page(status=filters["status"] or None, limit=0).total

    def count_everything(self, books) -> int:
        return books.purchasing.counts()["orders"]

    def on_paged_table_row_selected(self, event: PagedTable.RowSelected) -> None:
        self.app.push_screen(OrderScreen(event.row.id))

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "suggest":
            return self.actor.can("purchasing.read")
        if action == "new":
            return self.actor.can("purchasing.write")
        return super().check_action(action, parameters)

    @work(thread=True, exclusive=True, exit_on_error=False, group="form")
    def action_new(self) -> None:
        """The suppliers first (contacts with the supplier role), then the form."""
        with self.store.read(self.actor) as books:
            page = books.contacts.page(role="supplier", limit=SUPPLIERS, with_total=False)
            suppliers = [(r.name + (f" ({r.company})" if r.company else ""), r.id) for r in page.rows]
        self.app.call_from_thread(self._new_form, suppliers)

    def _new_form(self, suppliers) -> None:
        from bizsuite.screens.purchasing_forms import NewOrderForm

        if not suppliers:
            self.notify("No contact is a supplier yet: give one the supplier role first", severity="warning")
            return

        def saved(made) -> None:
            if made:
                order_id, number = made
                self.notify(f"{number} saved as a draft")
                self.refresh_list(keep_cursor=True)
                self.app.push_screen(OrderScreen(order_id))

        self.app.push_screen(NewOrderForm(suppliers), saved)

    def action_suggest(self) -> None:
        self.app.push_screen(SuggestionsScreen())


# -- one order ------------------------------------------------------------------------------------


def _dash_or(value: Decimal, text: str) -> Text | str:
    return text if value else Text("—", style="dim")


def lines_table(v: OrderView) -> Table:
    t = Table(box=None, padding=(0, 1), show_edge=False, header_style="bold", expand=True)
    t.add_column("SKU", no_wrap=True, overflow="ellipsis", max_width=12)
    t.add_column("Name", no_wrap=True, overflow="ellipsis", ratio=1)
    for name in ("Ordered", "Received", "Billed", "Price", "Paid"):
        t.add_column(name, justify="right", no_wrap=True)
    for ln in v.lines:
        received = Text(qty(ln.received, ln.unit), style="yellow" if ln.received < ln.ordered else "")
        t.add_row(ln.sku, ln.name, f"{qty(ln.ordered, ln.unit)} {ln.unit}", received,
                  _dash_or(ln.billed, qty(ln.billed, ln.unit)), price(ln.unit_price), _dash_or(ln.paid, money(ln.paid)))
    return t


def bills_table(v: OrderView) -> Table | Text:
    if not v.bills:
        return Text("No bills yet.", style="dim")
    t = Table(box=None, padding=(0, 1), show_edge=False, header_style="bold", expand=True)
    t.add_column("Bill", no_wrap=True)
    t.add_column("Supplier's ref", no_wrap=True, overflow="ellipsis", ratio=1)
    t.add_column("Date", no_wrap=True)
    t.add_column("Due", no_wrap=True)
    for name in ("Total", "Paid", "Owed"):
        t.add_column(name, justify="right", no_wrap=True)
    for b in v.bills:
        t.add_row(b.number, b.ref, b.date.isoformat(), b.due.isoformat(), money(b.total),
                  _dash_or(b.paid, money(b.paid)), Text(money(b.owed), style="bold") if b.owed else Text("—", style="dim"))
    return t


class OrderScreen(BizScreen):
    PLACE = "Purchasing"
    HELP = (
        "One purchase order: per line what was ordered, received (yellow while some is still due), "
        "billed and paid (a bill's payments spread over its lines by amount), then the order's "
        "bills with what each still owes.\n\n"
        "c confirms a draft (it is then on order and can be received). r receives goods: a quantity per line, each defaulting to what is still due; they move into "
        "stock at the line's price. b enters the supplier's bill: its reference, and per line the "
        "quantity and price, defaulting to what was received and not yet billed; billing more than "
        "was received is refused, line by line, and nothing is written. p pays a bill, in part or "
        "what it still owes. x cancels an order on which nothing has been received, after asking."
    )
    BINDINGS = [
        bind("order_screen.confirm", "confirm", "Confirm"),
        bind("order_screen.receive", "receive", "Receive"),
        bind("order_screen.bill", "bill", "Bill"),
        bind("order_screen.pay", "pay", "Pay"),
        bind("order_screen.cancel_order", "cancel_order", "Cancel order"),
        bind("order_screen.back", "back", "Back"),
    ]
    CSS_PATH = "purchasing.tcss"

    def __init__(self, order_id: int) -> None:
        super().__init__()
        self.order_id = order_id
        self.view: OrderView | None = None

    def compose(self) -> ComposeResult:
        yield self.title_bar()
        yield Static("", id="heading")
        with VerticalScroll(id="body"):
            yield Static("", id="lines")
            yield Static("Bills", id="bills-title")
            yield Static("", id="bills")
        yield Static("", id="totals")
        yield Footer()

    def on_mount(self) -> None:
        super().on_mount()
        self.load_order()

    def reload_on_return(self) -> None:
        self.load_order()

    @work(thread=True, exclusive=True, exit_on_error=False, group="order")
    def load_order(self) -> None:
        self.fetch_and_show(lambda books: books.purchasing.order(self.order_id), self._show)

    def _show(self, v: OrderView) -> None:
        self.view = v
        self.PLACE = f"Purchasing › {v.number}"
        self._update_title_bar()
        heading = Table.grid(expand=True, padding=(0, 1))
        heading.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        heading.add_column(justify="right", no_wrap=True)
        left = Text()
        left.append(v.number, style="bold")
        left.append(f"  {v.supplier}")
        right = Text()
        right.append_text(status_text(v.status))
        right.append(f" · {v.date.isoformat()}", style="dim")
        if v.expected:
            right.append(f" · expected {v.expected.isoformat()}", style="dim")
        heading.add_row(left, right)
        self.query_one("#heading", Static).update(heading)
        self.query_one("#lines", Static).update(lines_table(v))
        self.query_one("#bills-title", Static).update(Text(f"Bills ({len(v.bills)})", style="bold"))
        self.query_one("#bills", Static).update(bills_table(v))
        totals = Text(no_wrap=True, overflow="ellipsis")  # what matters most first: a narrow line cuts the rest
        totals.append("owed ", style="dim")
        totals.append(money(v.owed), style="bold" if v.owed else "")
        totals.append(" · billed ", style="dim")
        totals.append(money(v.billed))
        totals.append(" · paid ", style="dim")
        totals.append(money(v.paid))
        totals.append(" · order total ", style="dim")
        totals.append(money(v.total), style="bold")
        totals.append(f" incl. tax {money(v.tax)}", style="dim")
        self.query_one("#totals", Static).update(totals)
        self.refresh_bindings()

    # -- keys ----------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "confirm":
            if not self.actor.can("purchasing.write"):
                return False
            return self.view is not None and self.view.status == "draft"
        if action == "cancel_order":  # only while nothing is received: the footer offers it only then
            if not self.actor.can("purchasing.write"):
                return False
            v = self.view
            return v is not None and v.status in ("draft", "confirmed") and not any(ln.received for ln in v.lines)
        need = {"receive": "purchasing.receive", "bill": "purchasing.bill", "pay": "purchasing.pay"}.get(action)
        if need is None:
            return super().check_action(action, parameters)
        if not self.actor.can(need):
            return False
        return True if self.view is not None else None

    def action_back(self) -> None:
        self.dismiss()

    def _open(self, form) -> None:
        def saved(message: str | None) -> None:
            if message:
                self.notify(message)
                self.load_order()

        self.app.push_screen(form, saved)

    def action_confirm(self) -> None:
        v = self.view
        if v is None or v.status != "draft":
            return
        order_id = v.id

        def done(view: OrderView) -> None:
            self.notify(f"{view.number} confirmed: {len(view.lines)} line{'s' if len(view.lines) != 1 else ''} on order")
            self.load_order()

        self.submit(lambda books: books.purchasing.confirm(order_id), done, title="Not confirmed")

    def action_cancel_order(self) -> None:
        from bizsuite.widgets.confirm import Confirm

        v = self.view
        if v is None:
            return
        if v.status in ("cancelled", "closed"):
            self.notify(f"{v.number} is {STATUS_LABELS[v.status]}: there is nothing to cancel", severity="warning")
            return
        order_id, number = v.id, v.number

        def done(view: OrderView) -> None:
            self.notify(f"{view.number} cancelled")
            self.load_order()

        def answered(yes: bool | None) -> None:
            if yes:  # the rule (nothing received yet) is the repository's: a refusal is shown as it says it
                self.submit(lambda books: books.purchasing.cancel(order_id), done, title="Not cancelled")

        self.app.push_screen(Confirm(f"Cancel {number}?", f"{number} stays in the list, cancelled; it cannot be "
                                     "confirmed or received again.", yes="cancel it"), answered)

    def action_receive(self) -> None:
        from bizsuite.screens.purchasing_forms import ReceiveForm

        v = self.view
        if v is None:
            return
        if v.status in ("draft", "cancelled", "closed"):
            self.notify(f"{v.number} is {STATUS_LABELS[v.status]}: nothing can be received on it", severity="warning")
            return
        if not any(ln.due for ln in v.lines):
            self.notify(f"{v.number}: nothing is still due", severity="warning")
            return
        self._open(ReceiveForm(v))

    def action_bill(self) -> None:
        from bizsuite.screens.purchasing_forms import BillForm

        v = self.view
        if v is None:
            return
        if not any(ln.received > ln.billed for ln in v.lines):
            self.notify(f"{v.number}: nothing received is left to bill", severity="warning")
            return
        self._open(BillForm(v))

    def action_pay(self) -> None:
        from bizsuite.screens.purchasing_forms import PayForm

        v = self.view
        if v is None:
            return
        if not any(b.owed > 0 for b in v.bills):
            self.notify(f"{v.number}: no bill is owed", severity="warning")
            return
        self._open(PayForm(v))


# -- reorder suggestions --------------------------------------------------------------------------


SHOWN_UP_TO = 500  # suggestions drawn on screen; the rest are counted (and c drafts them all)


def suggestions_table(rows) -> Table | Group | Text:
    if not rows:
        return Text("Nothing to reorder: every product is above its reorder point, counting what is on order.",
                    style="dim")
    more = len(rows) - SHOWN_UP_TO
    rows = rows[:SHOWN_UP_TO]
    t = Table(box=None, padding=(0, 1), show_edge=False, header_style="bold", expand=True)
    t.add_column("SKU", no_wrap=True, overflow="ellipsis", max_width=12)
    t.add_column("Name", no_wrap=True, overflow="ellipsis", ratio=1)
    for name in ("On hand", "Coming", "Point", "Order", "Price"):
        t.add_column(name, justify="right", no_wrap=True)
    t.add_column("Supplier", no_wrap=True, overflow="ellipsis", max_width=16)
    for r in rows:
        t.add_row(r.sku, r.name, qty(r.on_hand, r.unit), qty(r.on_order, r.unit) if r.on_order else Text("—", style="dim"),
                  qty(r.reorder_point, r.unit), Text(qty(r.quantity, r.unit), style="bold"), price(r.unit_price),
                  r.supplier or Text("no supplier", style="yellow"))
    if more > 0:
        return Group(t, Text(f" … and {more:,} more: all of them with bizsuite purchase suggest --format csv",
                             style="dim"))
    return t


class SuggestionsScreen(BizScreen):
    PLACE = "Purchasing › Reorder"
    HELP = (
        "Products at or below their reorder point, counting what is already on order and on draft "
        "orders (Coming): what to order of each (the reorder quantity, or more to reach the point), "
        "at the last price paid (else the average cost), and the preferred supplier. c drafts one "
        "order per supplier from them (`bizsuite purchase suggest --create`); products with no "
        "supplier (yellow) stay listed and are not ordered: give them one in stock. The drafts are "
        "then in the orders list, to check and confirm."
    )
    BINDINGS = [
        bind("suggestions_screen.create", "create", "Draft orders"),
        bind("suggestions_screen.back", "back", "Back"),
    ]
    CSS_PATH = "purchasing.tcss"

    def __init__(self) -> None:
        super().__init__()
        self.rows: list | None = None

    def compose(self) -> ComposeResult:
        yield self.title_bar()
        with VerticalScroll(id="body"):
            yield Static(Text("Looking for products at or below their reorder point…", style="dim"),
                         id="suggestions")
        yield Static("", id="summary")
        yield Footer()

    def on_mount(self) -> None:
        super().on_mount()
        self.load()

    def reload_on_return(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="suggest")
    def load(self) -> None:
        self.fetch_and_show(lambda books: books.purchasing.suggest()[0], self._show)

    def _show(self, rows) -> None:
        self.rows = rows
        self.query_one("#suggestions", Static).update(suggestions_table(rows))
        orderable = [r for r in rows if r.supplier_id is not None]
        suppliers = {r.supplier_id for r in orderable}
        summary = Text(style="dim", no_wrap=True, overflow="ellipsis")
        summary.append(f"{len(rows):,} to reorder")
        if rows:
            summary.append(f" · c drafts {len(suppliers):,} order{'s' if len(suppliers) != 1 else ''} "
                           f"for {len(orderable):,}")
            if len(orderable) < len(rows):
                summary.append(f" · {len(rows) - len(orderable):,} with no supplier", style="yellow")
        self.query_one("#summary", Static).update(summary)
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "create":
            if not self.actor.can("purchasing.write"):
                return False
            return bool(self.rows) and any(r.supplier_id is not None for r in self.rows)
        return super().check_action(action, parameters)

    def action_back(self) -> None:
        self.dismiss()

    def action_create(self) -> None:
        def done(made) -> None:
            orders = made[1]
            if orders:
                self.notify("Drafted " + ", ".join(f"{o.number} ({o.supplier}, {len(o.lines)} "
                                                   f"line{'s' if len(o.lines) != 1 else ''})" for o in orders))
            else:
                self.notify("Nothing to draft", severity="warning")
            self.load()

        self.submit(lambda books: books.purchasing.suggest(create=True), done, title="Not drafted")


__all__ = ["OrderScreen", "OrdersScreen", "SuggestionsScreen", "open_order", "palette_sections"]

"""Sales: the orders list (quotations and orders, filtered by what is left to do), one order's page
(per line what was ordered, delivered, invoiced and returned; its deliveries, invoices, credit
notes and payments; its deal), the invoices list and one invoice, a payment, the AR aging and a
customer's statement. The dialogs (a quotation with its product picker, deliver, invoice, pay,
credit note, the statement's PDF) are in :mod:`sales_forms`; the contact page's sections in
:mod:`sales_panel`.

Every query and change goes through ``books.sales`` in a worker thread; the handlers that receive
the results are the only code that touches widgets. A key whose work the user's role may not do
stays on the screen and says so when pressed (a warehouse clerk may deliver, not invoice).
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import threading
from decimal import Decimal
from typing import Any, Callable

from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Footer, Input, OptionList, Select, Static
from textual.widgets.option_list import Option

from bizsuite.core import clock
from bizsuite.core.errors import PermissionDenied
from bizsuite.erp.sales.models import STATUS_LABELS, AgingRow, OrderView
from bizsuite.screens.base import BizModal, BizScreen
from bizsuite.screens.lists import ListScreen
from bizsuite.screens.stock import money, price, qty
from bizsuite.widgets.keymap import bind
from bizsuite.widgets.paged_table import Column, PagedTable

ANALYSIS = "bizsuite.screens.sales_analysis"  # the customer analysis screen (CustomersScreen), its own module
ORDER_FILTERS = [("Open orders", "open"), ("Quotations", "quotation"), ("To deliver", "to_deliver"),
                 ("To invoice", "to_invoice"), ("Unpaid", "unpaid"), ("All", "all"),
                 ("Partially delivered", "partially_delivered"), ("Delivered", "delivered"), ("Closed", "closed"),
                 ("Cancelled", "cancelled"), ("History", "history")]
INVOICE_FILTERS = [("Open invoices", "open"), ("Overdue", "overdue"), ("Paid", "paid"), ("Cancelled", "cancelled"),
                   ("All invoices", "all")]
STATUS_STYLE = {"quotation": "cyan", "confirmed": "", "partially_delivered": "yellow", "delivered": "bold",
                "closed": "green", "cancelled": "dim strike", "history": "dim"}
STATUS_SHORT = {"partially_delivered": "partial"}  # the list's column: at most nine cells
INVOICE_STYLE = {"open": "", "overdue": "bold red", "paid": "green", "cancelled": "dim strike"}


def status_text(status: str, *, short: bool = False) -> Text:
    label = STATUS_SHORT.get(status, STATUS_LABELS.get(status, status)) if short else STATUS_LABELS.get(status, status)
    return Text(label, style=STATUS_STYLE.get(status, ""))


def dash() -> Text:
    return Text("—", style="dim")


def plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def pct(r: Decimal) -> str:
    return f"{r.normalize():f}%"


def may(screen, permission: str, title: str) -> bool:
    """Whether the user may: if not, the screen says so (the one sentence the books would say)."""
    try:
        screen.actor.require(permission)
    except PermissionDenied as exc:
        screen.notify("; ".join(exc.problems), title=title, severity="error", timeout=8)
        return False
    return True


def analysis_installed() -> bool:
    return importlib.util.find_spec(ANALYSIS) is not None


# -- from anywhere (the palette, records, a contact's page, the pipeline) -------------------------


def _into_sales(app, here: bool) -> bool:
    if not app.can("sales.read"):
        app.notify("Sales: your role may not open it", severity="error")
        return False
    if not here and app.current_mode != "sales":
        app.switch_mode("sales")
    return True


def open_orders(app) -> None:
    if app.can("sales.read") and app.current_mode != "sales":
        app.switch_mode("sales")


def open_order(app, order_id: int, *, here: bool = False) -> None:
    """An order's page: from the palette in the sales mode, over the orders; ``here`` (a contact's
    page, the pipeline) over what is showing, so Esc goes back to it."""
    if _into_sales(app, here):
        app.push_screen(SalesOrderScreen(order_id))


def open_invoice(app, invoice_id: int, *, here: bool = False) -> None:
    if _into_sales(app, here):
        app.push_screen(SalesInvoiceScreen(invoice_id))


def open_statement(app, customer_id: int, *, end: dt.date | None = None, here: bool = True) -> None:
    if _into_sales(app, here):
        app.push_screen(StatementScreen(customer_id, end=end))


def open_payment(app, payment_id: int) -> None:
    if app.can("sales.read"):
        app.push_screen(PaymentDialog(payment_id))


def open_screen(app, screen_factory: Callable[[], Any]) -> None:
    if _into_sales(app, False):
        app.push_screen(screen_factory())


def open_analysis(app) -> None:
    if not analysis_installed():
        app.notify("The customer analysis screen is not installed", severity="warning")
        return
    from importlib import import_module

    open_screen(app, import_module(ANALYSIS).CustomersScreen)


def new_quotation(app, *, deal_id: int | None = None, customer: str | None = None) -> None:
    """The quotation form over what is showing; saved, the new quotation's page opens there."""
    from bizsuite.screens.sales_forms import QuotationForm

    if not app.can("sales.read"):
        return
    try:
        app.actor.require("sales.write")
    except PermissionDenied as exc:
        app.notify("; ".join(exc.problems), title="No quotation", severity="error", timeout=8)
        return

    def saved(made) -> None:
        if made:
            order_id, number, warnings = made
            app.notify(f"{number} saved as a quotation")
            for w in warnings:
                app.notify(w, title=f"{number}: more than available", severity="warning", timeout=10)
            app.push_screen(SalesOrderScreen(order_id))

    app.push_screen(QuotationForm(deal_id=deal_id, customer=customer), saved)


def quote_deal(app, deal_id: int) -> None:
    """The ``deal_quotation`` record (the pipeline's q on a deal): a quotation for the deal."""
    new_quotation(app, deal_id=deal_id)


def palette_sections(app) -> list[tuple[str, Callable[[], None], str]]:
    if getattr(app, "actor", None) is None or not app.can("sales.read"):
        return []
    out = [
        ("Sales: open orders", lambda: open_orders(app), "confirmed orders not yet closed: to deliver, to invoice"),
        ("Sales: open invoices", lambda: open_screen(app, lambda: SalesInvoicesScreen("open")),
         "invoices not yet paid, the oldest due first"),
        ("Sales: overdue invoices", lambda: open_screen(app, lambda: SalesInvoicesScreen("overdue")),
         "open invoices past their due date"),
        ("Sales: AR aging", lambda: open_screen(app, AgingScreen),
         "what each customer owes by days past due; Enter: their statement"),
    ]
    if app.can("sales.write"):
        out.append(("Sales: new quotation", lambda: new_quotation(app),
                    "a customer, products picked as you type, showing on hand and available"))
    if analysis_installed():
        out.append(("Sales: customer analysis", lambda: open_analysis(app),
                    "RFM segments, lifetime value, customers at risk, top customers by margin"))
    return out


# -- the orders list ------------------------------------------------------------------------------


class SalesOrdersScreen(ListScreen):
    PLACE = "Sales"
    HELP = (
        "Quotations and sales orders, newest first: the customer, the status (partial: partly "
        "delivered; delivered: all of it, not all invoiced; closed: delivered and invoiced), the "
        "total (tax included), what its invoices came to (less credit notes) and what of that is "
        "paid. The filter (Tab) shows the "
        "open orders (confirmed, not yet closed), the quotations, the orders to deliver, those with "
        "something to invoice, those with an invoice still unpaid, every order, or one status "
        "(partial: partially delivered; history: imported past orders). The search box (/) finds an "
        "order by number (so-12) or by words of the customer's name.\n\n"
        "Enter opens the order: there you confirm a quotation, deliver, invoice, take a payment, "
        "cancel, and open its deal. n starts a quotation (products picked as you type, with what is "
        "on hand and available); i lists the invoices; a shows the AR aging (Enter on a customer: "
        "their statement); c the customer analysis, when installed."
    )
    BINDINGS = [
        bind("sales_orders_screen.new", "new", "New quote"),
        bind("sales_orders_screen.invoices", "invoices", "Invoices"),
        bind("sales_orders_screen.aging", "aging", "Aging"),
        bind("sales_orders_screen.customers", "customers", "Customers"),
        bind("sales_orders_screen.back", "back", "Home"),
    ]
    CSS_PATH = "sales.tcss"
    TABLE_ID = "orders"
    NOUNS = ("order", "orders")
    EMPTY = "No orders match: n starts a quotation (or bizsuite sales create --customer C --line 'SKU QTY')."
    EXPORT_NAME = "sales-orders"

    def compose(self) -> ComposeResult:
        yield self.title_bar()
        with Horizontal(id="filters"):
            yield Select(ORDER_FILTERS, allow_blank=False, value="open", id="show", compact=True)
            yield Input(id="search", compact=True, placeholder="/ an order's number or the customer")
        yield self.list_table()
        yield self.status_line()
        yield Footer()

    def list_columns(self) -> list[Column]:
        return [
            Column("number", "Order", width=8),
            Column("date", "Date", width=10, render=lambda r: r.date.isoformat()),
            Column("customer", "Customer", ratio=1, min_width=10),
            Column("status", "Status", width=9, render=lambda r: status_text(r.status, short=True)),
            Column("total", "Total", width=10, align="right", render=lambda r: money(r.total)),
            Column("invoiced", "Invoiced", width=9, align="right",
                   render=lambda r: money(r.invoiced) if r.invoiced else dash()),
            Column("paid", "Paid", width=9, align="right", render=lambda r: money(r.paid) if r.paid else dash()),
        ]

    def export_columns(self):
        return [(k, (lambda row, k=k: getattr(row, k))) for k in
                ("number", "date", "customer", "status", "total", "delivered", "invoiced", "paid")]

    def filters(self) -> dict[str, Any]:
        return {"show": self.query_one("#show", Select).value, "search": self.query_one("#search", Input).value}

    def is_filtered(self, filters: dict[str, Any]) -> bool:
        return filters["show"] != "all" or bool(filters["search"].strip())

    def fetch_page(self, books, filters, sort, offset, limit):
        return books.sales.orders_page(show=filters["show"], search=filters["search"], offset=offset, limit=limit)

    def count_rows(self, books, filters) -> int:
        return books.sales.orders_count(show=filters["show"], search=filters["search"])

    def count_everything(self, books) -> int:
        return books.sales.counts()["orders"]

    def on_paged_table_row_selected(self, event: PagedTable.RowSelected) -> None:
        self.app.push_screen(SalesOrderScreen(event.row.id))

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "customers":
            return analysis_installed()
        return super().check_action(action, parameters)

    def action_new(self) -> None:
        new_quotation(self.app)

    def action_invoices(self) -> None:
        self.app.push_screen(SalesInvoicesScreen())

    def action_aging(self) -> None:
        self.app.push_screen(AgingScreen())

    def action_customers(self) -> None:
        open_analysis(self.app)


# -- one order ------------------------------------------------------------------------------------


def lines_table(v: OrderView) -> Table:
    """Per line ordered, delivered (yellow while some is still to deliver), invoiced, returned;
    a quotation shows what is available instead (yellow: less than asked)."""
    quote = v.status == "quotation"
    t = Table(box=None, padding=(0, 1), show_edge=False, header_style="bold", expand=True)
    t.add_column("SKU", no_wrap=True, overflow="ellipsis", max_width=10)
    t.add_column("Name", no_wrap=True, overflow="ellipsis", ratio=1)
    t.add_column("Ordered", justify="right", no_wrap=True)
    for name in (("Avail.",) if quote else ("Deliv.", "Inv.", "Ret.")):
        t.add_column(name, justify="right", no_wrap=True)
    t.add_column("Price", justify="right", no_wrap=True)
    t.add_column("Disc", justify="right", no_wrap=True)
    t.add_column("Total", justify="right", no_wrap=True)
    for ln in v.lines:
        cells: list[Any] = [ln.sku, ln.name, f"{qty(ln.ordered, ln.unit)} {ln.unit}"]
        if quote:
            short = ln.available < ln.ordered
            cells.append(Text(("! " if short else "") + qty(max(ln.available, Decimal(0)), ln.unit),
                              style="bold yellow" if short else ""))
        else:
            cells.append(Text(qty(ln.delivered, ln.unit), style="yellow" if ln.to_deliver and v.status != "history"
                              else ""))
            cells.append(Text(qty(ln.invoiced, ln.unit), style="yellow" if ln.invoiced < ln.delivered else "")
                         if ln.invoiced or ln.delivered else dash())
            cells.append(qty(ln.returned, ln.unit) if ln.returned else dash())
        cells += [price(ln.unit_price), pct(ln.discount) if ln.discount else dash(), money(ln.total)]
        t.add_row(*cells)
    return t


def doc_option(kind: str, ident: int, number: str, day: dt.date, what: Text | str, amount: Text | str) -> Option:
    grid = Table.grid(expand=True, padding=(0, 1))
    grid.add_column(no_wrap=True, width=9)
    grid.add_column(no_wrap=True, width=10)
    grid.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
    grid.add_column(no_wrap=True, justify="right")
    grid.add_row(Text(number, style="bold"), Text(day.isoformat(), style="dim"), what, amount)
    return Option(grid, id=f"{kind}:{ident}")


def invoice_state(i, today: dt.date) -> Text:
    if i.cancelled:
        return Text("cancelled", style="dim strike")
    if i.open <= 0:
        return Text("paid", style="green")
    late = (today - i.due).days
    text = Text(f"owes {money(i.open)}", style="bold" if late > 0 else "")
    if late > 0:
        text.append(f" ! {late}d overdue", style="bold red")
    return text


CN_WHAT = {"return": "goods returned", "allowance": "allowance", "cancel": "cancelled"}


def document_options(v: OrderView, docs) -> list[Option]:
    """The order's documents by day: deliveries, invoices, credit notes, payments."""
    today = clock.today()
    items: list[tuple[dt.date, int, Option]] = []
    for d in docs.deliveries:
        what = Text("delivery ", style="bold")
        what.append(", ".join(f"{sku} {qty(q, unit)} {unit}" for sku, q, unit in d.lines))
        what.append(f" · from {d.location}", style="dim")
        items.append((d.date, 0, doc_option("delivery", d.id, "Delivery", d.date, what,
                                            Text(f"cost {money(d.value)}", style="dim"))))
    for i in v.invoices:
        what = Text(f"invoice, due {i.due.isoformat()} · ")
        what.append_text(invoice_state(i, today))
        items.append((i.date, 1, doc_option("invoice", i.id, i.number, i.date, what, money(i.total))))
    for c in docs.credit_notes:
        what = Text(f"{CN_WHAT.get(c.kind, c.kind)} on {c.invoice}" + (f": {c.reason}" if c.reason else ""))
        items.append((c.date, 2, doc_option("credit_note", c.invoice_id, c.number, c.date, what, f"−{money(c.total)}")))
    for p in docs.payments:
        what = Text("payment")
        if p.applied != p.amount:
            what.append(f" of {money(p.amount)}", style="dim")
        if p.ref:
            what.append(f" · {p.ref}", style="dim")
        items.append((p.date, 3, doc_option("payment", p.id, p.number, p.date, what, money(p.applied))))
    items.sort(key=lambda x: (x[0], x[1]))
    return [o for _, _, o in items]


class SalesOrderScreen(BizScreen):
    PLACE = "Sales › Order"
    HELP = (
        "One quotation or sales order. Per line: ordered, delivered (yellow while some is still to "
        "deliver), invoiced (yellow while delivered units are not yet invoiced), returned, the unit "
        "price, the discount and the line's total with tax; a quotation shows what is available at "
        "the warehouse instead ('!' and yellow: less than asked). Below, its documents by day: "
        "deliveries (what went out, from where, at what cost), invoices (what each still owes, "
        "overdue in red), credit notes and payments; Enter opens an invoice (a credit note: its "
        "invoice; a payment: what it settled).\n\n"
        "c confirms a quotation: it becomes an order, its stock is reserved and its deal won. d "
        "delivers, in part or all (the rest stays to deliver). i invoices what was delivered and not "
        "yet invoiced. p takes a payment from the customer (against chosen invoices, or the oldest "
        "due first; more than they owe is kept as their credit). x cancels a quotation, or an order "
        "with nothing delivered or invoiced (its stock is released and its deal reopened). g opens "
        "the deal, s the customer's statement. A key your role may not use says so."
    )
    BINDINGS = [
        bind("sales_order_screen.confirm", "confirm", "Confirm"),
        bind("sales_order_screen.deliver", "deliver", "Deliver"),
        bind("sales_order_screen.invoice", "invoice", "Invoice"),
        bind("sales_order_screen.pay", "pay", "Payment"),
        bind("sales_order_screen.cancel_order", "cancel_order", "Cancel"),
        bind("sales_order_screen.deal", "deal", "Deal"),
        bind("sales_order_screen.statement", "statement", "Statement", show=False),
        bind("sales_order_screen.back", "back", "Back"),
    ]
    CSS_PATH = "sales.tcss"

    def __init__(self, order_id: int) -> None:
        super().__init__()
        self.order_id = order_id
        self.view: OrderView | None = None
        self.docs = None
        self.preview: list = []

    def compose(self) -> ComposeResult:
        yield self.title_bar()
        yield Static("", id="heading")
        with VerticalScroll(id="lines-box"):
            yield Static("", id="lines")
        yield Static("", id="docs-title", classes="section")
        yield OptionList(id="docs")
        yield Static("", id="totals")
        yield Footer()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#docs").focus()
        self.load_order()

    def reload_on_return(self) -> None:
        self.load_order()

    @work(thread=True, exclusive=True, exit_on_error=False, group="order")
    def load_order(self) -> None:
        def fetch(books):
            return books.sales.order(self.order_id), books.sales.order_documents(self.order_id), \
                books.sales.invoice_preview(self.order_id)

        self.fetch_and_show(fetch, lambda got: self._show(*got))

    def _show(self, v: OrderView, docs, preview) -> None:
        self.view, self.docs, self.preview = v, docs, preview
        self.PLACE = f"Sales › {v.number}"
        self._update_title_bar()
        heading = Table.grid(expand=True, padding=(0, 1))
        heading.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        heading.add_column(justify="right", no_wrap=True)
        left = Text()
        left.append(v.number, style="bold")
        left.append(f"  {v.customer}")
        right = Text()
        right.append_text(status_text(v.status))
        right.append(f" · {v.date.isoformat()}", style="dim")
        if v.status == "quotation" and v.valid_until:
            right.append(f" · valid to {v.valid_until.isoformat()}", style="dim")
        if v.deal:
            right.append(f" · {v.deal}", style="bold")
        heading.add_row(left, right)
        self.query_one("#heading", Static).update(heading)
        self.query_one("#lines", Static).update(lines_table(v))
        options = document_options(v, docs)
        title = Text("Documents", style="bold")
        title.append(f" ({len(options)})" if options else "")
        if v.warnings:
            title.append(f" · ! {v.warnings[0]}", style="bold yellow")
        self.query_one("#docs-title", Static).update(title)
        ol = self.query_one("#docs", OptionList)
        highlighted = ol.highlighted
        ol.clear_options()
        if options:
            ol.add_options(options)
            ol.highlighted = min(highlighted or 0, len(options) - 1)
        else:
            hint = ("A quotation: c confirms it (reserving the stock), x cancels it." if v.status == "quotation"
                    else "Nothing delivered or invoiced yet: d delivers.")
            ol.add_option(Option(Text(hint, style="dim"), disabled=True))
        totals = Text(no_wrap=True, overflow="ellipsis")  # what matters most first: a narrow line cuts the rest
        totals.append("owed ", style="dim")
        totals.append(money(v.owed), style="bold" if v.owed else "")
        totals.append(" · invoiced ", style="dim")
        totals.append(money(v.invoiced))
        totals.append(" · paid ", style="dim")
        totals.append(money(v.paid))
        totals.append(" · total ", style="dim")
        totals.append(money(v.total), style="bold")
        totals.append(f" incl. tax {money(v.tax)}", style="dim")
        if v.discount:
            totals.append(f" · {pct(v.discount)} off", style="dim")
        self.query_one("#totals", Static).update(totals)
        self.refresh_bindings()

    # -- keys ----------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple) -> bool | None:
        v = self.view
        if action in ("confirm", "deliver", "invoice", "pay", "cancel_order", "deal", "statement"):
            if v is None:
                return None
            if action == "confirm":
                return v.status == "quotation"
            if action == "deliver":
                return v.status in ("confirmed", "partially_delivered") and any(ln.to_deliver for ln in v.lines)
            if action == "invoice":
                return bool(self.preview)
            if action == "pay":
                return v.owed > 0
            if action == "cancel_order":
                return v.status in ("quotation", "confirmed") and not any(ln.delivered or ln.invoiced for ln in v.lines)
            if action == "deal":
                return v.deal_id is not None
            return True
        return super().check_action(action, parameters)

    def action_back(self) -> None:
        self.dismiss()

    def _open(self, form) -> None:
        def saved(message: str | None) -> None:
            if message:
                self.notify(message)
                self.load_order()

        self.app.push_screen(form, saved)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        kind, _, ident = (event.option.id or "").partition(":")
        if kind in ("invoice", "credit_note"):
            self.app.push_screen(SalesInvoiceScreen(int(ident)))
        elif kind == "payment":
            self.app.push_screen(PaymentDialog(int(ident)))

    def action_confirm(self) -> None:
        from bizsuite.widgets.confirm import Confirm

        v = self.view
        if v is None or v.status != "quotation" or not may(self, "sales.write", "Not confirmed"):
            return
        order_id, version, number = v.id, v.version, v.number
        short = [ln for ln in v.lines if ln.available < ln.ordered]
        message = (f"It becomes a sales order for {v.customer}: {plural(len(v.lines), 'line')} reserved at the "
                   f"warehouse, total {money(v.total)}" + (f"; {v.deal} is marked won" if v.deal else "") + ".")
        if short:
            message += " Short of stock: " + ", ".join(f"{ln.sku} (available {qty(max(ln.available, Decimal(0)), ln.unit)})"
                                                       for ln in short) + " — refused unless backorders are allowed."

        def done(view: OrderView) -> None:
            self.notify(f"{view.number} confirmed: stock reserved" + (f"; {view.deal} won" if view.deal else ""))
            for w in view.warnings:
                self.notify(w, title="Backorder", severity="warning", timeout=10)
            self.load_order()

        def answered(yes: bool | None) -> None:
            if yes:
                self.submit(lambda books: books.sales.confirm(order_id, expect_version=version), done,
                            title="Not confirmed", refused=self.load_order)

        self.app.push_screen(Confirm(f"Confirm {number}?", message, yes="confirm it"), answered)

    def action_cancel_order(self) -> None:
        from bizsuite.widgets.confirm import Confirm

        v = self.view
        if v is None or not may(self, "sales.write", "Not cancelled"):
            return
        order_id, version, number = v.id, v.version, v.number
        what = "quotation" if v.status == "quotation" else "order"
        message = (f"{number} stays in the list, cancelled" + ("; its reserved stock is released" if what == "order" else "")
                   + (f" and {v.deal} reopened" if what == "order" and v.deal else "") + ".")

        def done(view: OrderView) -> None:
            self.notify(f"{view.number} cancelled")
            self.load_order()

        def answered(yes: bool | None) -> None:
            if yes:  # the rule (nothing delivered or invoiced) is the repository's: a refusal says it
                self.submit(lambda books: books.sales.cancel(order_id, expect_version=version), done,
                            title="Not cancelled", refused=self.load_order)

        self.app.push_screen(Confirm(f"Cancel {what} {number}?", message, yes="cancel it"), answered)

    def action_deliver(self) -> None:
        v = self.view
        if v is None or not may(self, "sales.deliver", "Not delivered"):
            return
        if not any(ln.to_deliver for ln in v.lines):
            self.notify(f"{v.number}: nothing is still to deliver", severity="warning")
            return
        self._deliver_form(v)

    @work(thread=True, exclusive=True, exit_on_error=False, group="form")
    def _deliver_form(self, v: OrderView) -> None:
        with self.store.read(self.actor) as books:
            places = [(loc.name, loc.id) for loc in books.stock.locations()]
            default = books.stock.default_location().id
        self.app.call_from_thread(self._open_deliver, v, places, default)

    def _open_deliver(self, v, places, default) -> None:
        from bizsuite.screens.sales_forms import DeliverForm

        self._open(DeliverForm(v, places, default))

    def action_invoice(self) -> None:
        from bizsuite.screens.sales_forms import InvoiceForm

        v = self.view
        if v is None or not may(self, "sales.invoice", "Not invoiced"):
            return
        if not self.preview:
            self.notify(f"{v.number}: nothing is left to invoice", severity="warning")
            return
        self._open(InvoiceForm(v, self.preview))

    def action_pay(self) -> None:
        v = self.view
        if v is None or not may(self, "sales.pay", "No payment"):
            return
        preselect = {i.id for i in v.invoices if not i.cancelled and i.open > 0}
        open_payment_form(self, v.customer_id, v.customer, preselect, self.load_order)

    def action_deal(self) -> None:
        v = self.view
        if v is None or v.deal_id is None:
            return
        if not self.app.can("pipeline.read"):
            self.notify(f"{v.deal}: your role may not open the pipeline", severity="error")
            return
        from bizsuite.screens.pipeline import DealScreen

        self.app.push_screen(DealScreen(v.deal_id))  # over this order: Esc comes back here

    def action_statement(self) -> None:
        if self.view is not None:
            self.app.push_screen(StatementScreen(self.view.customer_id))


def open_payment_form(screen, customer_id: int, customer: str, preselect: set[int], reload: Callable[[], None]) -> None:
    """The payment dialog for a customer, with their open invoices (``preselect`` ticked)."""

    def fetch() -> None:
        with screen.store.read(screen.actor) as books:
            rows = books.sales.invoices(customer=customer_id, open_only=True, limit=200)
        screen.app.call_from_thread(show, rows)

    def show(rows) -> None:
        from bizsuite.screens.sales_forms import PaymentForm

        def saved(message: str | None) -> None:
            if message:
                screen.notify(message, timeout=8)
                reload()

        rows = sorted(rows, key=lambda i: (i.due, i.id))  # the oldest due first, as a payment settles them
        screen.app.push_screen(PaymentForm(customer_id, customer, rows, preselect), saved)

    screen.run_worker(fetch, thread=True, exclusive=True, group="form", exit_on_error=False)


# -- invoices -------------------------------------------------------------------------------------


def _late(r) -> Text:
    today = clock.today()
    days = (today - r.due).days
    if r.cancelled or r.open <= 0 or days <= 0:
        return Text("")
    return Text(f"{days:,}d", style="bold red")


class SalesInvoicesScreen(ListScreen):
    PLACE = "Sales › Invoices"
    HELP = (
        "Invoices: the open ones (not yet paid), the oldest due first, with how many days each is "
        "past its due date (Late, in red). The filter (Tab) shows only the overdue ones, the paid, "
        "the cancelled, or all invoices (then the newest first); the search box (/) finds one by "
        "number (inv-3) or by the customer's name. Enter opens the invoice: its lines, what paid it, "
        "its credit notes. p takes a payment from the selected invoice's customer (against it), s "
        "shows their statement."
    )
    BINDINGS = [
        bind("sales_invoices_screen.pay", "pay", "Payment"),
        bind("sales_invoices_screen.statement", "statement", "Statement"),
        bind("sales_invoices_screen.back", "back", "Back"),
    ]
    CSS_PATH = "sales.tcss"
    TABLE_ID = "invoices"
    NOUNS = ("invoice", "invoices")
    EMPTY = "No invoices match."
    EXPORT_NAME = "invoices"

    def __init__(self, show: str = "open") -> None:
        super().__init__()
        self.show = show

    def compose(self) -> ComposeResult:
        yield self.title_bar()
        with Horizontal(id="filters"):
            yield Select(INVOICE_FILTERS, allow_blank=False, value=self.show, id="show", compact=True)
            yield Input(id="search", compact=True, placeholder="/ an invoice's number or the customer")
        yield self.list_table()
        yield self.status_line()
        yield Footer()

    def list_columns(self) -> list[Column]:
        return [
            Column("number", "Invoice", width=9),
            Column("order", "Order", width=8),
            Column("customer", "Customer", ratio=1, min_width=10),
            Column("due", "Due", width=10, render=lambda r: r.due.isoformat()),
            Column("late", "Late", width=5, align="right", render=_late),
            Column("total", "Total", width=10, align="right", render=lambda r: money(r.total)),
            Column("open", "Open", width=10, align="right",
                   render=lambda r: Text("cancelled", style="dim") if r.cancelled
                   else (money(r.open) if r.open else Text("paid", style="green"))),
        ]

    def export_columns(self):
        return [(k, (lambda row, k=k: getattr(row, k))) for k in
                ("number", "order", "customer", "date", "due", "total", "settled", "open")]

    def filters(self) -> dict[str, Any]:
        return {"show": self.query_one("#show", Select).value, "search": self.query_one("#search", Input).value}

    def is_filtered(self, filters: dict[str, Any]) -> bool:
        return filters["show"] != "all" or bool(filters["search"].strip())

    def fetch_page(self, books, filters, sort, offset, limit):
        return books.sales.invoices_page(show=filters["show"], search=filters["search"], offset=offset, limit=limit)

    def count_rows(self, books, filters) -> int:
        return books.sales.invoices_count(show=filters["show"], search=filters["search"])

    def count_everything(self, books) -> int:
        return books.sales.counts()["invoices"]

    def on_paged_table_row_selected(self, event: PagedTable.RowSelected) -> None:
        self.app.push_screen(SalesInvoiceScreen(event.row.id))

    def action_back(self) -> None:
        if self.focused is not None and self.focused is not self.table:
            self.table.focus()
            return
        self.dismiss()

    def action_pay(self) -> None:
        row = self.table.cursor_row
        if row is None or not may(self, "sales.pay", "No payment"):
            return
        open_payment_form(self, row.customer_id, row.customer,
                          {row.id} if row.open > 0 and not row.cancelled else set(),
                          lambda: self.refresh_list(keep_cursor=True))

    def action_statement(self) -> None:
        row = self.table.cursor_row
        if row is not None:
            self.app.push_screen(StatementScreen(row.customer_id))


def invoice_lines_table(inv) -> Table:
    t = Table(box=None, padding=(0, 1), show_edge=False, header_style="bold", expand=True)
    t.add_column("SKU", no_wrap=True, overflow="ellipsis", max_width=10)
    t.add_column("Name", no_wrap=True, overflow="ellipsis", ratio=1)
    for name in ("Qty", "Price", "Disc", "Tax", "Net", "Credited"):
        t.add_column(name, justify="right", no_wrap=True)
    for ln in inv.lines:
        if ln.credited:
            credited = Text(f"{qty(ln.credited, ln.unit)} {ln.unit}")
        elif ln.credited_net:
            credited = Text(money(ln.credited_net), style="dim")  # an allowance: money only
        else:
            credited = dash()
        t.add_row(ln.sku, ln.name, f"{qty(ln.quantity, ln.unit)} {ln.unit}", price(ln.unit_price),
                  pct(ln.discount) if ln.discount else dash(), pct(ln.tax_rate), money(ln.net), credited)
    return t


class SalesInvoiceScreen(BizScreen):
    PLACE = "Sales › Invoice"
    HELP = (
        "One invoice: per line the quantity, the unit price, the discount, the tax rate, the net "
        "amount and what credit notes took back (units returned or cancelled; an allowance, money "
        "only, in grey). Below, what settled it, by day: payments and credit notes; Enter on a "
        "payment shows what else it paid. The line at the bottom says what it still owes.\n\n"
        "p takes a payment against it. n writes a credit note: a return (the goods come back into "
        "stock at the cost they went out at, and are neither delivered nor invoiced any more) or an "
        "allowance (money only: the goods stay with the customer). x cancels an invoice made in "
        "error that nothing has paid (a credit note for all of it; its units are to invoice again). "
        "o opens its order, s the customer's statement."
    )
    BINDINGS = [
        bind("sales_invoice_screen.pay", "pay", "Payment"),
        bind("sales_invoice_screen.credit", "credit", "Credit note"),
        bind("sales_invoice_screen.cancel_invoice", "cancel_invoice", "Cancel"),
        bind("sales_invoice_screen.order", "order", "Order"),
        bind("sales_invoice_screen.statement", "statement", "Statement"),
        bind("sales_invoice_screen.back", "back", "Back"),
    ]
    CSS_PATH = "sales.tcss"

    def __init__(self, invoice_id: int) -> None:
        super().__init__()
        self.invoice_id = invoice_id
        self.view = None

    def compose(self) -> ComposeResult:
        yield self.title_bar()
        yield Static("", id="heading")
        with VerticalScroll(id="lines-box"):
            yield Static("", id="lines")
        yield Static("", id="docs-title", classes="section")
        yield OptionList(id="docs")
        yield Static("", id="totals")
        yield Footer()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#docs").focus()
        self.load_invoice()

    def reload_on_return(self) -> None:
        self.load_invoice()

    @work(thread=True, exclusive=True, exit_on_error=False, group="invoice")
    def load_invoice(self) -> None:
        self.fetch_and_show(lambda books: books.sales.invoice_view(self.invoice_id), self._show)

    def _show(self, v) -> None:
        self.view = v
        i = v.invoice
        self.PLACE = f"Sales › {i.number}"
        self._update_title_bar()
        heading = Table.grid(expand=True, padding=(0, 1))
        heading.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        heading.add_column(justify="right", no_wrap=True)
        left = Text()
        left.append(i.number, style="bold")
        left.append(f"  {i.customer}")
        right = Text(v.status + (f" {v.days_late}d" if v.days_late else ""), style=INVOICE_STYLE.get(v.status, ""))
        right.append(f" · {i.order} · {i.date.isoformat()} · due {i.due.isoformat()}", style="dim")
        heading.add_row(left, right)
        self.query_one("#heading", Static).update(heading)
        self.query_one("#lines", Static).update(invoice_lines_table(v))
        notes = {c.number: c for c in v.credit_notes}
        options = []
        for s in v.settlements:
            if s.kind == "payment":
                options.append(doc_option("payment", s.id, s.number, s.date, "payment", money(s.amount)))
            else:
                c = notes.get(s.number)
                what = f"credit note, {CN_WHAT.get(c.kind, c.kind)}" + (f": {c.reason}" if c and c.reason else "") \
                    if c else "credit note"
                options.append(doc_option("credit_note", s.id, s.number, s.date, what, money(s.amount)))
        for c in v.credit_notes:  # a credit note that settled nothing here (the invoice was already paid)
            if not any(s.kind == "credit_note" and s.number == c.number for s in v.settlements):
                options.append(doc_option("credit_note", c.id, c.number, c.date,
                                          Text(f"credit note, {CN_WHAT.get(c.kind, c.kind)}: all to the customer's "
                                               f"credit", style="dim"), f"−{money(c.total)}"))
        title = Text("Settled by", style="bold")
        title.append(f" ({len(options)})" if options else "")
        self.query_one("#docs-title", Static).update(title)
        ol = self.query_one("#docs", OptionList)
        ol.clear_options()
        if options:
            ol.add_options(options)
            ol.highlighted = 0
        else:
            ol.add_option(Option(Text("Nothing has paid it yet: p takes a payment.", style="dim"), disabled=True))
        totals = Text(no_wrap=True, overflow="ellipsis")
        totals.append("owes ", style="dim")
        totals.append(money(i.open if not i.cancelled else Decimal(0)), style="bold" if i.open and not i.cancelled else "")
        totals.append(" · settled ", style="dim")
        totals.append(money(i.settled))
        totals.append(" · total ", style="dim")
        totals.append(money(i.total), style="bold")
        totals.append(f" (net {money(i.net)}, tax {money(i.tax)})", style="dim")
        self.query_one("#totals", Static).update(totals)
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        v = self.view
        if action in ("pay", "credit", "cancel_invoice", "order", "statement"):
            if v is None:
                return None
            i = v.invoice
            if action == "pay":
                return not i.cancelled and i.open > 0
            if action == "credit":
                return not i.cancelled and any(ln.creditable > 0 or ln.net > ln.credited_net for ln in v.lines)
            if action == "cancel_invoice":
                return not i.cancelled and not any(s.kind == "payment" for s in v.settlements) and not v.credit_notes
            return True
        return super().check_action(action, parameters)

    def action_back(self) -> None:
        self.dismiss()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        kind, _, ident = (event.option.id or "").partition(":")
        if kind == "payment":
            self.app.push_screen(PaymentDialog(int(ident)))

    def _open(self, form) -> None:
        def saved(message: str | None) -> None:
            if message:
                self.notify(message, timeout=8)
                self.load_invoice()

        self.app.push_screen(form, saved)

    def action_pay(self) -> None:
        v = self.view
        if v is None or not may(self, "sales.pay", "No payment"):
            return
        open_payment_form(self, v.invoice.customer_id, v.invoice.customer, {v.invoice.id}, self.load_invoice)

    def action_credit(self) -> None:
        from bizsuite.screens.sales_forms import CreditNoteForm

        v = self.view
        if v is None or not may(self, "sales.invoice", "No credit note"):
            return
        self._open(CreditNoteForm(v))

    def action_cancel_invoice(self) -> None:
        from bizsuite.widgets.confirm import Confirm

        v = self.view
        if v is None or not may(self, "sales.invoice", "Not cancelled"):
            return
        invoice_id, number = v.invoice.id, v.invoice.number

        def done(c) -> None:
            self.notify(f"{number} cancelled by {c.number}: its units are to invoice again")
            self.load_invoice()

        def answered(yes: bool | None) -> None:
            if yes:
                self.submit(lambda books: books.sales.cancel_invoice(invoice_id), done, title="Not cancelled",
                            refused=self.load_invoice)

        self.app.push_screen(Confirm(f"Cancel {number}?", f"A credit note for all of {number} "
                                     f"({money(v.invoice.total)}) is written, numbered in its series; the units "
                                     "are to invoice again on the order. Only for an invoice made in error that "
                                     "nothing has paid.", yes="cancel it"), answered)

    def action_order(self) -> None:
        if self.view is not None:
            self.app.push_screen(SalesOrderScreen(self.view.order_id))

    def action_statement(self) -> None:
        if self.view is not None:
            self.app.push_screen(StatementScreen(self.view.invoice.customer_id))


class PaymentDialog(BizModal):
    """One customer payment: what it settled (Enter opens an invoice) and the credit it left."""

    PLACE = "Sales › Payment"
    HELP = (
        "A payment from a customer: its day, amount and reference, the invoices it settled and how "
        "much of it went to each, and what is left of it as the customer's credit (later invoices "
        "use it first). Enter opens an invoice; Esc closes."
    )
    BINDINGS = [bind("payment_dialog.close", "close", "Close")]
    DEFAULT_CSS = """
    PaymentDialog {
        align: center middle;
        & > Vertical { width: 64; max-width: 100%; height: auto; max-height: 100%; border: round $accent;
                       border-title-style: bold; background: $surface; padding: 0 1; }
        & #payment { height: auto; margin-bottom: 1; }
        & #settled { height: auto; max-height: 10; border: none; padding: 0; background: $surface; }
    }
    """

    def __init__(self, payment_id: int) -> None:
        super().__init__()
        self.payment_id = payment_id
        self.invoices: dict[str, int] = {}

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Payment"
            yield Static(Text("…", style="dim"), id="payment")
            yield OptionList(id="settled")
        yield Footer()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#settled").focus()
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def load(self) -> None:
        with self.store.read(self.actor) as books:
            p = books.sales.payment(self.payment_id)
            ids = {n: books.sales.invoice_record(n).id for n, _ in p.allocations}
        self.app.call_from_thread(self._show, p, ids)

    def _show(self, p, ids: dict[str, int]) -> None:
        self.invoices = ids
        self.query_one(Vertical).border_title = f"Payment {p.number}"
        text = Text()
        text.append(p.customer, style="bold")
        text.append(f"\n{p.date.isoformat()} · {money(p.amount)}")
        if p.credit:
            text.append(f" · {money(p.credit)} left as credit", style="bold")
        text.append(f"\nsettled {plural(len(p.allocations), 'invoice')}" if p.allocations else
                    "\nsettled no invoice: all of it is the customer's credit", style="dim")
        self.query_one("#payment", Static).update(text)
        ol = self.query_one("#settled", OptionList)
        ol.clear_options()
        for number, amount in p.allocations:
            ol.add_option(Option(Text.assemble((f"{number:<10}", "bold"), f"{money(amount):>12}"), id=number))
        if p.allocations:
            ol.highlighted = 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        invoice_id = self.invoices.get(event.option.id or "")
        if invoice_id is not None:
            self.dismiss()
            self.app.push_screen(SalesInvoiceScreen(invoice_id))

    def action_close(self) -> None:
        self.dismiss()


# -- AR aging -------------------------------------------------------------------------------------


class _Cache:
    """A report computed whole once per set of filters (aging, a statement), paged from memory."""

    def __init__(self) -> None:
        self.key: Any = object()
        self.value: Any = None
        self.lock = threading.Lock()

    def get(self, key, make: Callable[[], Any]):
        with self.lock:
            if key != self.key:
                self.value, self.key = make(), key
            return self.value


class AgingScreen(ListScreen):
    PLACE = "Sales › AR aging"
    HELP = (
        "What each customer owes at the end of the day given (As of; empty: today), by days past "
        "the invoices' due dates: current (not yet due), 1-30, 31-60, 61-90 and over 90 days; "
        "unused credit (payments and credit notes not yet used) counts, less, as current. The same "
        "figures as bizsuite sales aging. The line below adds them up. Enter (or s) opens the "
        "customer's statement up to that day; x writes the list to a CSV."
    )
    BINDINGS = [
        bind("aging_screen.statement", "statement", "Statement"),
        bind("aging_screen.back", "back", "Back"),
    ]
    CSS_PATH = "sales.tcss"
    TABLE_ID = "aging"
    NOUNS = ("customer", "customers")
    EMPTY = "No customer owes anything at that day."
    EXPORT_NAME = "ar-aging"
    FILTER_INPUTS = ("as-of",)
    PAGE_SIZE = 200

    def __init__(self) -> None:
        super().__init__()
        self.cache = _Cache()
        self.rows: list[AgingRow] | None = None
        self.day: dt.date | None = None
        self.problem: str | None = None

    def compose(self) -> ComposeResult:
        yield self.title_bar()
        with Horizontal(id="filters"):
            yield Static("As of", classes="filter-label")
            yield Input(id="as-of", compact=True, placeholder=f"{clock.today().isoformat()} (today)")
        yield self.list_table()
        yield self.status_line()
        yield Footer()

    def list_columns(self) -> list[Column]:
        def amount(key: str):
            return lambda r: money(getattr(r, key)) if getattr(r, key) else dash()

        return [
            Column("customer", "Customer", ratio=1, min_width=10),
            Column("current", "Current", width=9, align="right", render=amount("current")),
            Column("d1_30", "1-30", width=9, align="right", render=amount("d1_30")),
            Column("d31_60", "31-60", width=9, align="right", render=amount("d31_60")),
            Column("d61_90", "61-90", width=9, align="right", render=amount("d61_90")),
            Column("d90_plus", "90+", width=9, align="right", render=amount("d90_plus")),
            Column("total", "Total", width=10, align="right", render=lambda r: Text(money(r.total), style="bold")),
        ]

    def export_columns(self):
        keys = (("customer", "customer"), ("current", "current"), ("1-30", "d1_30"), ("31-60", "d31_60"),
                ("61-90", "d61_90"), ("90+", "d90_plus"), ("total", "total"))
        return [(name, (lambda row, k=k: getattr(row, k))) for name, k in keys]

    def filters(self) -> dict[str, Any]:
        return {"as_of": self.query_one("#as-of", Input).value.strip()}

    def is_filtered(self, filters: dict[str, Any]) -> bool:
        return False

    def _aging(self, books, filters) -> tuple[dt.date, list[AgingRow]]:
        from bizsuite.erp.stock.repository import parse_day

        def make():
            day = parse_day(filters["as_of"] or None, "as_of")
            return day, books.sales.aging(as_of=day)

        return self.cache.get(filters["as_of"], make)

    def fetch_page(self, books, filters, sort, offset, limit):
        day, rows = self._aging(books, filters)
        self.app.call_from_thread(self._summed, day, rows)
        return rows[offset:offset + limit]

    def count_rows(self, books, filters) -> int:
        return len(self._aging(books, filters)[1])

    def _summed(self, day: dt.date, rows: list[AgingRow]) -> None:
        self.day, self.rows = day, rows
        self.show_status()

    def status_parts(self) -> list[str]:
        parts = super().status_parts()
        if self.rows is not None and self.day is not None:
            total = sum((r.total for r in self.rows), Decimal(0))
            overdue = sum((r.d1_30 + r.d31_60 + r.d61_90 + r.d90_plus for r in self.rows), Decimal(0))
            parts += [f"as of {self.day.isoformat()}", f"owed {money(total)}", f"overdue {money(overdue)}"]
        return parts

    def on_paged_table_row_selected(self, event: PagedTable.RowSelected) -> None:
        self.app.push_screen(StatementScreen(event.row.customer_id, end=self.day))

    def action_statement(self) -> None:
        row = self.table.cursor_row
        if row is not None:
            self.app.push_screen(StatementScreen(row.customer_id, end=self.day))

    def action_back(self) -> None:
        if self.focused is not None and self.focused is not self.table:
            self.table.focus()
            return
        self.dismiss()


# -- a customer's statement -----------------------------------------------------------------------


class StatementScreen(ListScreen):
    PLACE = "Sales › Statement"
    HELP = (
        "A customer's statement from one day to another (From: the first of the end's month by "
        "default; To: today): the balance forward at the start, every invoice, credit note and "
        "payment dated in between with what it adds to what they owe (payments and credit notes "
        "less) and the running balance, then the balance due at the end and their aging on that "
        "day. The same figures as bizsuite sales statement. w writes it as a PDF to send to the "
        "customer (it says where); x writes the lines to a CSV."
    )
    BINDINGS = [
        bind("statement_screen.pdf", "pdf", "PDF"),
        bind("statement_screen.back", "back", "Back"),
    ]
    CSS_PATH = "sales.tcss"
    TABLE_ID = "statement"
    NOUNS = ("line", "lines")
    EMPTY = "Nothing in this period."
    EXPORT_NAME = "statement"
    FILTER_INPUTS = ("from", "to")
    PAGE_SIZE = 200

    def __init__(self, customer_id: int, *, start: dt.date | None = None, end: dt.date | None = None) -> None:
        super().__init__()
        self.customer_id = customer_id
        self.start, self.end = start, end
        self.cache = _Cache()
        self.statement = None

    def compose(self) -> ComposeResult:
        end = self.end or clock.today()
        yield self.title_bar()
        yield Static("", id="heading")
        with Horizontal(id="filters"):
            yield Static("From", classes="filter-label")
            yield Input(self.start.isoformat() if self.start else "", id="from", compact=True,
                        placeholder=end.replace(day=1).isoformat())
            yield Static("To", classes="filter-label")
            yield Input(self.end.isoformat() if self.end else "", id="to", compact=True,
                        placeholder=f"{clock.today().isoformat()} (today)")
        yield self.list_table()
        yield Static("", id="closing")
        yield self.status_line()
        yield Footer()

    def list_columns(self) -> list[Column]:
        def amount(r) -> Text | str:
            a = r["amount"]
            if a is None:
                return ""
            return Text(money(a), style="green" if a < 0 else "")

        return [
            Column("date", "Date", width=10, render=lambda r: r["date"].isoformat()),
            Column("document", "Document", width=9),
            Column("description", "Description", ratio=1, min_width=10),
            Column("amount", "Amount", width=11, align="right", render=amount),
            Column("balance", "Balance", width=11, align="right", render=lambda r: Text(money(r["balance"]),
                                                                                      style="bold")),
        ]

    def export_columns(self):
        return [(k, (lambda row, k=k: row[k])) for k in ("date", "document", "description", "amount", "balance")]

    def filters(self) -> dict[str, Any]:
        return {"from": self.query_one("#from", Input).value.strip(), "to": self.query_one("#to", Input).value.strip()}

    def is_filtered(self, filters: dict[str, Any]) -> bool:
        return False

    def _statement(self, books, filters):
        def make():
            st = books.sales.statement(self.customer_id, start=filters["from"] or None, end=filters["to"] or None)
            rows = [{"date": st.start, "document": "", "description": "Balance forward", "amount": None,
                     "balance": st.opening}]
            rows += [{"date": ln.date, "document": ln.document, "description": ln.description, "amount": ln.amount,
                      "balance": ln.balance} for ln in st.lines]
            return st, rows

        return self.cache.get((filters["from"], filters["to"]), make)

    def fetch_page(self, books, filters, sort, offset, limit):
        st, rows = self._statement(books, filters)
        self.app.call_from_thread(self._shown, st)
        return rows[offset:offset + limit]

    def count_rows(self, books, filters) -> int:
        return len(self._statement(books, filters)[1])

    def _shown(self, st) -> None:
        self.statement = st
        self.PLACE = f"Sales › Statement › {st.customer}"
        self._update_title_bar()
        heading = Table.grid(expand=True, padding=(0, 1))
        heading.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        heading.add_column(justify="right", no_wrap=True)
        heading.add_row(Text.assemble((st.customer, "bold"), (f"  {st.address}" if st.address else "", "dim")),
                        Text(f"{st.start.isoformat()} to {st.end.isoformat()}", style="dim"))
        self.query_one("#heading", Static).update(heading)
        closing = Table(box=None, padding=(0, 1), show_edge=False, header_style="dim", expand=True)
        a = st.aging
        buckets = (("Current", a.current), ("1-30", a.d1_30), ("31-60", a.d31_60), ("61-90", a.d61_90),
                   ("90+", a.d90_plus)) if a is not None else ()
        for name, _ in buckets:
            closing.add_column(name, justify="right", no_wrap=True, ratio=1)
        closing.add_column("Balance due", justify="right", no_wrap=True, ratio=1)
        closing.add_row(*[Text(money(v), style="bold red" if v and n != "Current" else "") for n, v in buckets],
                        Text(money(st.closing), style="bold"))
        self.query_one("#closing", Static).update(closing)
        self.show_status()
        self.refresh_bindings()

    def status_parts(self) -> list[str]:
        parts = super().status_parts()
        st = self.statement
        if st is not None:
            parts.append(f"balance forward {money(st.opening)} at {st.start.isoformat()}")
            parts.append(f"aging at {st.end.isoformat()}")
        return parts

    def on_paged_table_load_failed(self, event: PagedTable.LoadFailed) -> None:
        super().on_paged_table_load_failed(event)
        self.statement = None
        self.query_one("#closing", Static).update("")
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "pdf":
            return self.statement is not None
        return super().check_action(action, parameters)

    def action_back(self) -> None:
        if self.focused is not None and self.focused is not self.table:
            self.table.focus()
            return
        self.dismiss()

    def action_pdf(self) -> None:
        from bizsuite.screens.sales_forms import PdfDialog

        st = self.statement
        if st is None:
            return
        self.app.push_screen(PdfDialog(st.customer_id, st.customer, st.start, st.end))


__all__ = ["AgingScreen", "PaymentDialog", "SalesInvoiceScreen", "SalesInvoicesScreen", "SalesOrderScreen",
           "SalesOrdersScreen", "StatementScreen", "open_invoice", "open_order", "palette_sections", "quote_deal"]

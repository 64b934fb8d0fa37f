"""The sales dialogs: a quotation (the customer, or a deal's; products picked as you type, each
showing on hand and available; quantity, price, discount; a warning while a line asks for more
than is available), deliver, invoice, a customer payment (against chosen invoices or the oldest
due first, saying what it leaves as credit), a credit note (a return or an allowance) and the
statement's PDF. Each calls one repository method in a worker; what is refused appears under its
field (a line's quantity, the customer, the date…) and nothing is written then. Esc asks before
dropping what was typed."""

from __future__ import annotations

import datetime as dt
import os
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Footer, Input, Select, Static

from bizsuite.core import clock
from bizsuite.core.errors import FieldError, Refused, ValidationFailed
from bizsuite.erp.sales.repository import LineIn
from bizsuite.screens.base import BizModal
from bizsuite.screens.contact_forms import DIALOG_CSS
from bizsuite.screens.sales import dash, pct, plural
from bizsuite.screens.stock import money, price, qty
from bizsuite.widgets.checkbox import Checkbox
from bizsuite.widgets.form import Form, FormField
from bizsuite.widgets.keymap import bind
from bizsuite.widgets.product_picker import Pick, ProductPicker

FORM_CSS = DIALOG_CSS + """
    & > .dialog { width: 78; }
    & .about { height: auto; margin-bottom: 1; }
    & Select:focus > SelectCurrent { background: $accent 35%; text-style: bold; }
    & .line { height: 1; }
    & .line Input { margin-right: 1; }
    & .line .sku { width: 16; }
    & .line .info { width: 1fr; color: $text-muted; }
    & .line .info.-short { color: $text-warning; text-style: bold; }
    & .head { height: 1; color: $text-muted; padding-left: 10; }
    & #lines { height: auto; }
"""
HITS = 6  # products the quotation's picker shows as you type
_LINE = re.compile(r"^line (\d+)(?:: (.+))?$")


def placed(exc: Refused, given: list[tuple[str, str]]) -> Refused:
    """The repository names a line by its place among those given ("line 2", "line 2: price"),
    now and then by the order's own line number with the SKU first in the message, or by the SKU
    alone: put each error under that line's field (``given``: (sku, field) in the order given)."""
    if not isinstance(exc, ValidationFailed):
        return exc
    out = []
    for e in exc.errors:
        m = _LINE.match(e.field)
        target = None
        message = e.message
        if m:
            k, part = int(m.group(1)), m.group(2)
            if part is None:
                target = next((f for sku, f in given if message.startswith((f"{sku}:", f"{sku} "))), None)
            if target is None and 1 <= k <= len(given):
                target = given[k - 1][1]
            if part and part != "quantity":
                message = f"{part}: {message}"
        else:
            target = next((f for sku, f in given if e.field == sku), None)
        out.append(FieldError(target, message) if target else e)
    return ValidationFailed(out)


def number(text: str) -> Decimal | None:
    """A quantity or amount as typed, for what the form says while you type (the books parse it
    again, by their own rules, when it is saved)."""
    try:
        value = Decimal(text.replace(",", "").strip())
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


def _label(sku: str, width: int = 12) -> str:
    return sku if len(sku) <= width else sku[:width - 1] + "…"


def today_hint() -> str:
    return f"{clock.today().isoformat()} (today)"


class _SalesForm(BizModal):
    BINDINGS = [bind("sales_form.save", "save", "Save"), bind("sales_form.cancel", "cancel", "Cancel")]
    DEFAULT_CSS = ""

    def on_mount(self) -> None:
        super().on_mount()
        for form in self.query(Form):
            form.can_focus = False
        first = next((w for w in self.query("Input, Select, Checkbox") if w.focusable), None)
        if first is not None:
            first.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter moves on to the next field (Ctrl+S saves)."""
        event.stop()
        self.focus_next()

    def action_cancel(self) -> None:
        self.leave()

    def value(self, name: str) -> str:
        return self.query_one(f"#{name}", Input).value.strip()


def order_about(v, extra: str = "") -> Static:
    text = Text()
    text.append(v.number, style="bold")
    text.append(f"  {v.customer}")
    if v.deal:
        text.append(f" · {v.deal}", style="dim")
    if extra:
        text.append(f"\n{extra}", style="dim")
    return Static(text, classes="about")


# -- a quotation ----------------------------------------------------------------------------------


class QuotationForm(_SalesForm):
    """A new quotation; dismisses with (its id, number, warnings) or None."""

    PLACE = "Sales › New quotation"
    HELP = (
        "A quotation: the customer (a contact with the customer or lead role: type the name — → "
        "accepts the suggestion — an email or #id; a deal's quotation is for the deal's customer), "
        "then the products: type part of a SKU or a name (any case, any script) in Product and the "
        "matches show below with their price, what is on hand and what is available at the "
        "warehouse (on hand less what orders hold); Down reaches them, Enter adds one as a line "
        "(Enter in the box adds the first). Each line takes a quantity, a unit price (the "
        "product's) and a discount in % (empty: the quotation's Discount); its tax rate is the "
        "product's. A line asking for more than is available says so ('! short') — a warning: "
        "the quotation is saved all the same, and confirming it is refused unless backorders are "
        "allowed. A line left without a quantity is dropped. Valid to: 30 days unless given. "
        "Ctrl+S saves it as a quotation; confirm it on its page."
    )
    BINDINGS = [bind("sales_form.save", "save", "Save quotation"), bind("sales_form.cancel", "cancel", "Cancel")]
    DEFAULT_CSS = "QuotationForm {" + FORM_CSS + """
        & .line .q { width: 9; } & .line .p { width: 10; } & .line .d { width: 6; }
    }"""
    HEAD = f"{'product (unit)':<16}{'quantity':<10}{'price':<11}{'disc%':<7}tax · available"

    def __init__(self, *, deal_id: int | None = None, customer: str | None = None) -> None:
        super().__init__()
        self.deal_id, self.customer = deal_id, customer
        self.lines: list = []  # the PickRow of each line, in the order added

    def compose(self) -> ComposeResult:
        from bizsuite.screens.pipeline_forms import CustomerSuggester

        with Vertical(classes="dialog") as dialog:
            dialog.border_title = "New quotation"
            if self.deal_id is not None:
                yield Static(Text("…", style="dim"), id="deal", classes="about")
            with Form():
                if self.deal_id is None:
                    yield FormField("Customer", Input(self.customer or "", id="customer", compact=True,
                                                      placeholder="name, email or #id",
                                                      suggester=CustomerSuggester(self.store, self.actor)),
                                    field="customer")
                yield ProductPicker(self._search, self._describe, field="lines")
                yield Static(self.HEAD, classes="head", id="head")
                yield Vertical(id="lines")
                yield FormField("Discount", Input(id="discount", compact=True,
                                                  placeholder="% on every line without its own"), field="discount")
                yield FormField("Date", Input(id="date", compact=True, placeholder=today_hint()), field="date")
                yield FormField("Valid to", Input(id="valid_until", compact=True, placeholder="30 days after"),
                                field="valid_until")
        yield Footer()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#head").display = False
        if self.deal_id is not None:
            self.load_deal()

    @work(thread=True, exclusive=True, exit_on_error=False, group="deal")
    def load_deal(self) -> None:
        try:
            with self.store.read(self.actor) as books:
                d = books.pipeline.deal(self.deal_id)
        except Refused as exc:
            self.app.call_from_thread(self.query_one(Form).set_message, "; ".join(exc.problems))
            return
        self.app.call_from_thread(self._deal_shown, d)

    def _deal_shown(self, d) -> None:
        text = Text()
        text.append(d.number, style="bold")
        text.append(f"  {d.title}")
        text.append(f"\nfor {d.customer} · {d.stage} · {money(d.amount)}", style="dim")
        self.query_one("#deal", Static).update(text)
        self.query_one(".dialog").border_title = f"Quotation for {d.number}"
        self.mark_unchanged()

    # -- the picker ----------------------------------------------------------------------------
    def _search(self, text: str) -> list[Pick]:  # in the picker's worker thread
        try:
            with self.store.read(self.actor) as books:
                rows = books.sales.pick_products(text, limit=HITS)
        except Refused:
            return []
        return [Pick(r.id, r.sku, r.unit, r) for r in rows]

    @staticmethod
    def _describe(pick: Pick, taken: bool) -> Table:
        r = pick.data
        grid = Table.grid(expand=True, padding=(0, 1))
        grid.add_column(no_wrap=True)
        grid.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        grid.add_column(no_wrap=True, justify="right")
        if taken:
            right = Text("already a line", style="dim")
        else:
            right = Text(price(r.price) if r.price is not None else "no price", style="")
            right.append(f"  on hand {qty(r.on_hand, r.unit)} · avail ", style="dim")
            right.append(qty(max(r.available, Decimal(0)), r.unit), style="bold" if r.available > 0 else "bold yellow")
        grid.add_row(Text(r.sku, style="bold"), Text(r.name), right)
        return grid

    async def on_product_picker_picked(self, event: ProductPicker.Picked) -> None:
        event.stop()
        r = event.pick.data
        if any(x.id == r.id for x in self.lines):
            return
        self.lines.append(r)
        picker = self.query_one(ProductPicker)
        picker.taken.add(r.id)
        n = len(self.lines)
        row = Horizontal(Static(Text(f"{_label(r.sku, 10)} ({r.unit})", no_wrap=True, overflow="ellipsis"),
                                classes="sku"),
                         Input(id=f"q{n}", compact=True, placeholder=r.unit, classes="q"),
                         Input(price(r.price).replace(",", "") if r.price is not None else "", id=f"p{n}",
                               compact=True, placeholder="price", classes="p"),
                         Input(id=f"d{n}", compact=True, placeholder="%", classes="d"),
                         Static(self._info(r, None), id=f"i{n}", classes="info"), classes="line")
        await self.query_one("#lines", Vertical).mount(FormField(f"Line {n}", row, field=f"line{n}"))
        self.query_one("#head").display = True
        picker.clear()
        self.query_one(f"#q{n}", Input).focus()

    @staticmethod
    def _info(r, asked: Decimal | None) -> Text:
        avail = max(r.available, Decimal(0))
        if asked is not None and asked > avail:
            return Text(f"! avail {qty(avail, r.unit)}: {qty(asked - avail, r.unit)} short", no_wrap=True,
                        overflow="ellipsis")
        return Text(f"{pct(r.tax_rate)} · avail {qty(avail, r.unit)}", no_wrap=True, overflow="ellipsis")

    def on_input_changed(self, event: Input.Changed) -> None:
        ident = event.input.id or ""
        if ident.startswith("q") and ident[1:].isdigit():
            n = int(ident[1:])
            r = self.lines[n - 1]
            asked = number(event.value)
            info = self.query_one(f"#i{n}", Static)
            info.update(self._info(r, asked))
            info.set_class(asked is not None and asked > max(r.available, Decimal(0)), "-short")

    # -- saving --------------------------------------------------------------------------------
    def action_save(self) -> None:
        customer = self.value("customer") if self.deal_id is None else None
        lines, given = [], []
        for n, r in enumerate(self.lines, 1):
            q = self.value(f"q{n}")
            if q in ("", "0"):
                continue  # a line without a quantity is dropped
            lines.append(LineIn(r.sku, q, self.value(f"p{n}") or None, self.value(f"d{n}") or None))
            given.append((r.sku, f"line{n}"))
        discount, date, valid = self.value("discount"), self.value("date"), self.value("valid_until")
        deal_id = self.deal_id

        def save(books):
            try:
                v = books.sales.create(customer or None, lines, date=date or None, discount=discount or None,
                                       valid_until=valid or None, deal=deal_id)
            except Refused as exc:
                raise placed(exc, given) from None
            return v.id, v.number, v.warnings

        self.submit(save, self.dismiss)


# -- deliver, invoice -----------------------------------------------------------------------------


class DeliverForm(_SalesForm):
    """Goods out: a quantity per line still to deliver (default: all of it); dismisses with what was done."""

    PLACE = "Sales › Deliver"
    HELP = (
        "Goods going out to the customer on this order: a quantity per line, each filled with what "
        "is still to deliver. Lower it for a partial delivery (the rest stays on the order, to "
        "deliver later), clear it for a line that does not go now. The goods leave the location "
        "chosen (the warehouse by default) at the moving-average cost, posting cost of goods "
        "sold/inventory. More than is still to deliver, or more than this order may take there "
        "(on hand less what other orders hold), is refused line by line and nothing moves. Enter "
        "moves to the next field; Ctrl+S delivers."
    )
    BINDINGS = [bind("sales_form.save", "save", "Deliver"), bind("sales_form.cancel", "cancel", "Cancel")]
    DEFAULT_CSS = "DeliverForm {" + FORM_CSS + "& .line .q { width: 12; } }"

    def __init__(self, view, places: list[tuple[str, int]], default: int) -> None:
        super().__init__()
        self.view, self.places, self.default = view, places, default

    def _due(self):
        return [ln for ln in self.view.lines if ln.to_deliver > 0]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as dialog:
            dialog.border_title = f"Deliver on {self.view.number}"
            yield order_about(self.view, "a quantity per line, filled with what is still to deliver")
            with Form():
                for ln in self._due():
                    row = Horizontal(Input(f"{qty(ln.to_deliver, ln.unit)}".replace(",", ""), id=f"q{ln.line_no}",
                                           compact=True, placeholder=ln.unit, classes="q"),
                                     Static(Text(f"{ln.unit} of {qty(ln.to_deliver, ln.unit)} to deliver · held "
                                                 f"{qty(ln.reserved, ln.unit)} · on hand {qty(ln.on_hand, ln.unit)}",
                                                 no_wrap=True, overflow="ellipsis"), classes="info"), classes="line")
                    yield FormField(_label(ln.sku, 9), row, field=f"q{ln.line_no}")
                yield FormField("From", Select(self.places, value=self.default, allow_blank=False, id="location",
                                               compact=True), field="location")
                yield FormField("Date", Input(id="date", compact=True, placeholder=today_hint()), field="date")
        yield Footer()

    def action_save(self) -> None:
        v = self.view
        lines, given = [], []
        for ln in self._due():
            typed = self.value(f"q{ln.line_no}")
            if typed in ("", "0"):
                continue
            lines.append(LineIn(ln.sku, typed))
            given.append((ln.sku, f"q{ln.line_no}"))
        date = self.value("date")
        location = self.query_one("#location", Select).value
        first = f"q{self._due()[0].line_no}" if self._due() else "date"

        def save(books) -> str:
            if not lines:
                raise ValidationFailed([FieldError(first, "give a quantity for at least one line")])
            try:
                d = books.sales.deliver(v.id, lines, date=date or None, location=f"#{location}")
            except Refused as exc:
                raise placed(exc, given) from None
            left = [x for x in d.order.lines if x.to_deliver]
            return (f"{v.number}: delivered " + ", ".join(f"{sku} {qty(q, unit)} {unit}" for sku, q, unit in d.lines)
                    + (f"; {plural(len(left), 'line')} still to deliver" if left else ""))

        self.submit(save, self.dismiss)


class InvoiceForm(_SalesForm):
    """Invoice what is to invoice (shown, line by line); dismisses with what was done."""

    PLACE = "Sales › Invoice"
    HELP = (
        "The invoice this order gets now: every line delivered and not yet invoiced (or, if the "
        "books invoice what was ordered, ordered and not yet invoiced), at the order's prices and "
        "discounts, with the products' tax. It is numbered next in the invoices' series (no gaps), "
        "posts receivable/revenue/output tax, and the customer's credit, if any, settles it first. "
        "Date: today unless given; Due: the books' terms after it unless given. Ctrl+S invoices."
    )
    BINDINGS = [bind("sales_form.save", "save", "Invoice"), bind("sales_form.cancel", "cancel", "Cancel")]
    DEFAULT_CSS = "InvoiceForm {" + FORM_CSS + "& #preview { height: auto; max-height: 10; margin-bottom: 1; } }"

    def __init__(self, view, preview: list) -> None:
        super().__init__()
        self.view, self.preview = view, preview

    def compose(self) -> ComposeResult:
        t = Table(box=None, padding=(0, 1), show_edge=False, header_style="bold", expand=True)
        t.add_column("SKU", no_wrap=True, max_width=12, overflow="ellipsis")
        t.add_column("Name", ratio=1, no_wrap=True, overflow="ellipsis")
        for name in ("Quantity", "Net", "Tax", "Total"):
            t.add_column(name, justify="right", no_wrap=True)
        for p in self.preview:
            t.add_row(p.sku, p.name, f"{qty(p.quantity, p.unit)} {p.unit}", money(p.net), money(p.tax), money(p.total))
        total = sum((p.total for p in self.preview), Decimal(0))
        t.add_row("", Text("to invoice", style="bold"), "", "", "", Text(money(total), style="bold"))
        with Vertical(classes="dialog") as dialog:
            dialog.border_title = f"Invoice {self.view.number}"
            yield order_about(self.view)
            with VerticalScroll(id="preview"):
                yield Static(t)
            with Form():
                yield FormField("Date", Input(id="date", compact=True, placeholder=today_hint()), field="date")
                yield FormField("Due", Input(id="due", compact=True, placeholder="the usual terms after the date"),
                                field="due")
        yield Footer()

    def action_save(self) -> None:
        order_id, date, due = self.view.id, self.value("date"), self.value("due")

        def save(books) -> str:
            i = books.sales.invoice(order_id, date=date or None, due=due or None)
            return (f"{i.number} for {i.order}: {money(i.total)} due {i.due.isoformat()}"
                    + (f"; {money(i.settled)} settled from the customer's credit" if i.settled else ""))

        self.submit(save, self.dismiss)


# -- a payment ------------------------------------------------------------------------------------


class PaymentForm(_SalesForm):
    """Money from a customer, against the ticked invoices (none: the oldest due first); dismisses
    with what was done (what it settled, and the credit it leaves)."""

    PLACE = "Sales › Payment"
    HELP = (
        "Money received from the customer. Tick the invoices it pays (Space) — they are settled in "
        "the order listed — or tick none: it then settles their open invoices, the oldest due "
        "first. The amount is filled with what the ticked invoices (or all of them) still owe; "
        "less pays part, more is kept as the customer's credit, which their next invoices use "
        "first; the line under the invoices says which. Ref: the bank's reference or the cheque "
        "number. The payment posts bank/receivable. Ctrl+S takes it."
    )
    BINDINGS = [bind("sales_form.save", "save", "Take payment"), bind("sales_form.cancel", "cancel", "Cancel")]
    DEFAULT_CSS = "PaymentForm {" + FORM_CSS + """
        & #invoices { height: auto; max-height: 8; padding-left: 10; }
        & #invoices Checkbox { height: 1; border: none; padding: 0; background: $surface; width: 1fr; }
        & #invoices Checkbox:focus { background: $boost; }
        & #plan { height: auto; color: $text-muted; padding-left: 10; }
    }"""

    def __init__(self, customer_id: int, customer: str, invoices: list, preselect: set[int]) -> None:
        super().__init__()
        self.customer_id, self.customer, self.invoices = customer_id, customer, invoices
        self.preselect = {i.id for i in invoices if i.id in preselect}

    def compose(self) -> ComposeResult:
        today = clock.today()
        targets = [i for i in self.invoices if i.id in self.preselect] or self.invoices
        owed = sum((i.open for i in targets), Decimal(0))
        with Vertical(classes="dialog") as dialog:
            dialog.border_title = f"Payment from {self.customer}"
            about = Text(self.customer, style="bold")
            about.append(f"\n{plural(len(self.invoices), 'open invoice')}, owing "
                         f"{money(sum((i.open for i in self.invoices), Decimal(0)))}" if self.invoices
                         else "\nno open invoice: all of it becomes their credit", style="dim")
            yield Static(about, classes="about")
            with Form():
                yield FormField("Amount", Input(f"{owed:f}" if owed else "", id="amount", compact=True,
                                                placeholder="0.00"), field="amount")
                if self.invoices:
                    with VerticalScroll(id="invoices"):
                        for i in self.invoices:
                            late = (today - i.due).days
                            label = (f"{i.number}  {i.order:<8}  due {i.due.isoformat()}  owes {money(i.open):>10}"
                                     + (f"  ! {late}d overdue" if late > 0 else ""))
                            yield Checkbox(label, value=i.id in self.preselect, id=f"inv{i.id}")
                    yield Static("", id="plan")
                yield FormField("Date", Input(id="date", compact=True, placeholder=today_hint()), field="date")
                yield FormField("Ref", Input(id="ref", compact=True, placeholder="bank reference, cheque number"),
                                field="ref")
        yield Footer()

    def on_mount(self) -> None:
        super().on_mount()
        self._plan()

    def ticked(self) -> list:
        return [i for i in self.invoices if self.query_one(f"#inv{i.id}", Checkbox).value]

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        self._plan()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "amount":
            self._plan()

    def _plan(self) -> None:
        """Which invoices it goes to and what it leaves, in words (the books allocate it when saved)."""
        if not self.invoices:
            return
        ticked = self.ticked()
        targets = ticked or self.invoices
        owed = sum((i.open for i in targets), Decimal(0))
        text = Text()
        text.append("to " + ", ".join(i.number for i in targets[:4]) + (" …" if len(targets) > 4 else "")
                    + (" (ticked)" if ticked else " (none ticked: the oldest due first)"))
        amount = number(self.value("amount"))
        if amount is not None and amount > 0:
            if amount > owed:
                text.append(f"\n{money(amount - owed)} is left as {self.customer}'s credit", style="bold")
            elif amount < owed:
                text.append(f"\npays part: {money(owed - amount)} still owed on them")
            else:
                text.append("\npays them in full")
        self.query_one("#plan", Static).update(text)

    def action_save(self) -> None:
        customer_id, amount = self.customer_id, self.value("amount")
        invoices = [i.number for i in self.ticked()] if self.invoices else []
        date, ref = self.value("date"), self.value("ref")

        def save(books) -> str:
            p = books.sales.pay(f"#{customer_id}", amount, invoices=invoices, date=date or None, ref=ref or None)
            settled = ", ".join(f"{n} {money(a)}" for n, a in p.allocations)
            return (f"{p.number} from {p.customer}: {money(p.amount)}" + (f", settles {settled}" if settled else "")
                    + (f"; {money(p.credit)} is left as {p.customer}'s credit" if p.credit else ""))

        self.submit(save, self.dismiss)


# -- a credit note --------------------------------------------------------------------------------


CN_KINDS = [("Return: the goods come back into stock", "return"),
            ("Allowance: money only, the goods stay", "allowance")]


class CreditNoteForm(_SalesForm):
    """A credit note on an invoice: a return or an allowance, per line; dismisses with what was done."""

    PLACE = "Sales › Credit note"
    HELP = (
        "Take back all or part of the invoice. A return: the goods come back into stock at the "
        "warehouse, at the cost they went out at, and the units are "
        "neither delivered nor invoiced on the order any more — at most what was delivered. An "
        "allowance: money only (a price reduction, damaged goods the customer keeps): the units "
        "stay invoiced; give a price per unit (price/unit) to credit less than the invoice's. Each line is "
        "filled with what is not yet credited (of …), beside what is delivered now (out …); clear a "
        "line to leave it. The credit settles what "
        "the invoice still owes first; the rest is the customer's credit. Numbered next in the "
        "credit notes' series. Ctrl+S writes it."
    )
    BINDINGS = [bind("sales_form.save", "save", "Write credit note"), bind("sales_form.cancel", "cancel", "Cancel")]
    DEFAULT_CSS = "CreditNoteForm {" + FORM_CSS + """
        & .line .q { width: 11; } & .line .unit { width: 7; color: $text-muted; } & .line .p { width: 12; }
    }"""

    def __init__(self, view) -> None:
        super().__init__()
        self.view = view

    def _open(self):
        return [ln for ln in self.view.lines if ln.creditable > 0 or ln.net > ln.credited_net]

    def compose(self) -> ComposeResult:
        i = self.view.invoice
        with Vertical(classes="dialog") as dialog:
            dialog.border_title = f"Credit note on {i.number}"
            text = Text()
            text.append(i.number, style="bold")
            text.append(f"  {i.customer} · {i.order}")
            text.append(f"\ntotal {money(i.total)}, owes {money(i.open)}", style="dim")
            yield Static(text, classes="about")
            with Form():
                yield FormField("Kind", Select(CN_KINDS, value="return", allow_blank=False, id="kind", compact=True),
                                field="kind")
                for ln in self._open():
                    row = Horizontal(Input(f"{qty(ln.creditable, ln.unit)}".replace(",", ""), id=f"q{ln.invoice_line_id}",
                                           compact=True, placeholder=ln.unit, classes="q"),
                                     Static(ln.unit, classes="unit"),
                                     Input(id=f"p{ln.invoice_line_id}", compact=True, placeholder="price/unit",
                                           classes="p"),
                                     Static(Text(f"of {qty(ln.creditable, ln.unit)} · out {qty(ln.delivered, ln.unit)}",
                                                 no_wrap=True, overflow="ellipsis"), classes="info"), classes="line")
                    yield FormField(_label(ln.sku, 9), row, field=f"q{ln.invoice_line_id}")
                yield FormField("Reason", Input(id="reason", compact=True, placeholder="chipped, wrong size…"),
                                field="reason")
                yield FormField("Date", Input(id="date", compact=True, placeholder=today_hint()), field="date")
        yield Footer()

    def action_save(self) -> None:
        invoice_id = self.view.invoice.id
        kind = self.query_one("#kind", Select).value
        lines, given = [], []
        for ln in self._open():
            typed = self.value(f"q{ln.invoice_line_id}")
            if typed in ("", "0"):
                continue
            lines.append(LineIn(ln.sku, typed, self.value(f"p{ln.invoice_line_id}") or None))
            given.append((ln.sku, f"q{ln.invoice_line_id}"))
        reason, date = self.value("reason"), self.value("date")
        first = f"q{self._open()[0].invoice_line_id}" if self._open() else "reason"

        def save(books) -> str:
            if not lines:
                raise ValidationFailed([FieldError(first, "give a quantity for at least one line")])
            try:
                c = books.sales.credit_note(invoice_id, lines, return_goods=kind == "return", date=date or None,
                                            reason=reason or None)
            except Refused as exc:
                raise placed(exc, given) from None
            back = ", ".join(f"{s} {qty(q, u)} {u}" for s, q, u in c.returned)
            credit = c.total - c.allocated
            return (f"{c.number} on {c.invoice}: {money(c.total)}" + (f"; {back} back in stock" if back else "")
                    + (f"; {money(credit)} is left as {c.customer}'s credit" if credit else ""))

        self.submit(save, self.dismiss)


# -- the statement's PDF --------------------------------------------------------------------------


def pdf_name(customer: str, end: dt.date) -> str:
    slug = re.sub(r"[^\w]+", "-", customer, flags=re.UNICODE).strip("-").lower() or "customer"
    return f"statement-{slug}-{end.isoformat()}.pdf"


class PdfDialog(BizModal):
    """Where to write a statement as a PDF; writes it and says where (dismisses with the path)."""

    PLACE = "Sales › Statement PDF"
    HELP = (
        "Type the file to write (relative to the directory bizsuite was started in, or absolute; ~ "
        "is your home). The PDF is the statement a customer can be sent: the company, the customer "
        "and their address, the period, the balance forward, every document with its running "
        "balance, the balance due and the aging. Names in Chinese need a CJK font on this machine "
        "(or BIZSUITE_PDF_FONT); without one it is refused and says how to fix it. An existing "
        "file is replaced. Enter or Ctrl+S writes it."
    )
    BINDINGS = [bind("sales_form.save", "save", "Write"), bind("sales_form.cancel", "cancel", "Cancel")]
    DEFAULT_CSS = "PdfDialog {" + DIALOG_CSS + "& .about { color: $text-muted; margin-bottom: 1; } }"

    def __init__(self, customer_id: int, customer: str, start: dt.date, end: dt.date) -> None:
        super().__init__()
        self.customer_id, self.customer, self.start, self.end = customer_id, customer, start, end

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as dialog:
            dialog.border_title = "Statement as a PDF"
            yield Static(f"{self.customer}, {self.start.isoformat()} to {self.end.isoformat()}", classes="about",
                         markup=False)
            with Form():
                yield FormField("File", Input(pdf_name(self.customer, self.end), id="path", compact=True), field="path")
        yield Footer()

    def on_mount(self) -> None:
        super().on_mount()
        path = self.query_one("#path", Input)
        path.focus()
        path.cursor_position = len(path.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_save(self) -> None:
        typed = self.query_one("#path", Input).value.strip()
        if not typed:
            self.query_one(Form).show_errors([FieldError("path", "give the file to write")])
            return
        self.write(typed)

    @work(thread=True, exclusive=True, exit_on_error=False, group="pdf")
    def write(self, typed: str) -> tuple[str, str] | None:
        from bizsuite.erp.sales.statement_pdf import render

        path = Path(typed).expanduser()
        tmp = path.with_name(path.name + ".partial")
        try:
            with self.store.read(self.actor) as books:
                st = books.sales.statement(self.customer_id, start=self.start, end=self.end)
                data = render(st, company=books.company, currency=books.currency)
            with open(tmp, "wb") as out:
                out.write(data)
            os.replace(tmp, path)
        except OSError as exc:
            _unlink(tmp)
            self.app.call_from_thread(self.query_one(Form).show_errors,
                                      [FieldError("path", f"cannot write {typed}: {exc.strerror or exc}")])
            return
        except Refused as exc:
            _unlink(tmp)
            self.app.call_from_thread(self.query_one(Form).set_message, "; ".join(exc.problems))
            return
        where = str(path.resolve())
        return where, (f"Wrote the statement of {st.customer} ({st.start} to {st.end}, {plural(len(st.lines), 'line')}, "
                       f"balance due {money(st.closing)}) to {where}")

    def on_worker_state_changed(self, event) -> None:
        """Written: say where and close, once the worker is done (closing the dialog from inside
        its own worker would cancel it)."""
        from textual.worker import WorkerState

        if event.worker.group == "pdf" and event.state == WorkerState.SUCCESS and event.worker.result:
            where, message = event.worker.result
            self.notify(message, timeout=12)
            self.dismiss(where)
            return
        super().on_worker_state_changed(event)


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass


__all__ = ["CreditNoteForm", "DeliverForm", "InvoiceForm", "PaymentForm", "PdfDialog", "QuotationForm", "dash",
           "placed"]

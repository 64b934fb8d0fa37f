"""The purchase order's dialogs: receive goods, enter the supplier's bill, pay a bill. Each calls
one repository method (``receive``, ``bill``, ``pay``) in a worker; what is refused appears under
its field (a line's quantity or price), the rest in the form's message line; nothing is written
then. Esc asks before dropping what was typed."""

from __future__ import annotations

import re

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Input, Select, Static

from bizsuite.core import clock
from bizsuite.core.errors import FieldError, Refused, ValidationFailed
from bizsuite.erp.purchasing.models import OrderView
from bizsuite.erp.purchasing.repository import LineIn
from bizsuite.screens.base import BizModal
from bizsuite.screens.contact_forms import DIALOG_CSS
from bizsuite.screens.stock import money, price, qty
from bizsuite.widgets.form import Form, FormField
from bizsuite.widgets.keymap import bind
from bizsuite.widgets.product_picker import Pick, ProductPicker

FORM_CSS = DIALOG_CSS + """
    & > .dialog { width: 70; }
    & #order { height: auto; margin-bottom: 1; }
    & Select:focus > SelectCurrent { background: $accent 35%; text-style: bold; }
"""
_WHERE = re.compile(r"^line (\d+)(?:: ([a-z_]+))?$")


def placed(exc: Refused, given: list[tuple[int, str]]) -> Refused:
    """The repository names a given line by its place ("line 2", "line 2: quantity"): put the
    error under that line's own field (``given``: (line no, field kind) in the order given)."""
    if not isinstance(exc, ValidationFailed):
        return exc
    errors = []
    for e in exc.errors:
        m = _WHERE.match(e.field)
        if m and 1 <= int(m.group(1)) <= len(given):
            line_no, kind = given[int(m.group(1)) - 1]
            kind = "p" if m.group(2) == "price" else kind
            errors.append(FieldError(f"{kind}{line_no}", e.message))
        else:
            errors.append(e)
    return ValidationFailed(errors)


def _label(sku: str, width: int = 12) -> str:
    return sku if len(sku) <= width else sku[:width - 1] + "…"


class _OrderForm(BizModal):
    DEFAULT_CSS = ""

    def __init__(self, view: OrderView) -> None:
        super().__init__()
        self.view = view

    def order_line(self, extra: str = "") -> Static:
        v = self.view
        text = Text()
        text.append(v.number, style="bold")
        text.append(f"  {v.supplier}")
        if extra:
            text.append(f"\n{extra}", style="dim")
        return Static(text, id="order")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(Form).can_focus = False
        first = next(iter(self.query(Input)), None)
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


class ReceiveForm(_OrderForm):
    """Goods in: a quantity per line still due (default: all of it); dismisses with what was done."""

    PLACE = "Purchasing › Receive"
    HELP = (
        "Goods that came in against this order: a quantity per line, each filled with what is still "
        "due. Lower it for a partial delivery (the rest stays on order), clear it or give 0 for a "
        "line that did not come. The goods move into stock at the line's price and post "
        "inventory/GRNI. More than is due is refused unless Over says why (a supplier's extra, a "
        "rounded pack); the reason is kept on the receipt. "
        "Enter moves to the next field; Ctrl+S receives."
    )
    BINDINGS = [bind("receive_form.save", "save", "Receive"), bind("receive_form.cancel", "cancel", "Cancel")]
    DEFAULT_CSS = "ReceiveForm {" + FORM_CSS + "}"

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as dialog:
            dialog.border_title = f"Receive on {self.view.number}"
            yield self.order_line("a quantity per line, filled with what is still due")
            with Form():
                for ln in self.view.lines:
                    if ln.due:
                        yield FormField(_label(ln.sku, 10),
                                        Input(qty(ln.due, ln.unit).replace(",", ""), id=f"q{ln.line_no}",
                                              compact=True, placeholder=f"{ln.unit}, due {qty(ln.due, ln.unit)}"),
                                        field=f"q{ln.line_no}")
                yield FormField("Date", Input(id="date", compact=True,
                                              placeholder=f"{clock.today().isoformat()} (today)"), field="date")
                yield FormField("Over", Input(id="over", compact=True,
                                              placeholder="why more than ordered came (only then)"), field="over")
        yield Footer()

    def action_save(self) -> None:
        v = self.view
        lines, given = [], []
        for ln in v.lines:
            if not ln.due:
                continue
            typed = self.value(f"q{ln.line_no}")
            if typed in ("", "0"):
                continue
            lines.append(LineIn(ln.sku, typed))
            given.append((ln.line_no, "q"))
        date, over = self.value("date"), self.value("over")
        first = next((f"q{ln.line_no}" for ln in v.lines if ln.due), "date")

        def save(books) -> str:
            if not lines:
                raise ValidationFailed([FieldError(first, "give a quantity for at least one line")])
            try:
                done = books.purchasing.receive(v.id, lines, date=date or None, over=over or None)
            except Refused as exc:
                raise placed(exc, given) from None
            got = ", ".join(f"{sku} {qty(q, unit)} {unit}" for sku, q, unit in done.lines)
            return f"{v.number}: received {got}"

        self.submit(save, self.dismiss)


class BillForm(_OrderForm):
    """The supplier's bill: reference, and per line quantity and price (default: received, not yet
    billed, at the order's price); dismisses with what was done."""

    PLACE = "Purchasing › Bill"
    HELP = (
        "The supplier's invoice against this order: their reference (one bill per reference), "
        "then per line the quantity and the unit price, filled with what was received and not yet "
        "billed at the order's price. Billing more than was received is refused, line by line, "
        "and nothing is written. A price other than the order's posts the difference to the price "
        "difference account. Due: by default the usual terms after the bill's date. Enter moves "
        "to the next field; Ctrl+S enters the bill."
    )
    BINDINGS = [bind("bill_form.save", "save", "Enter bill"), bind("bill_form.cancel", "cancel", "Cancel")]
    DEFAULT_CSS = "BillForm {" + FORM_CSS + "}"

    def _open_lines(self):
        return [ln for ln in self.view.lines if ln.received > ln.billed]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as dialog:
            dialog.border_title = f"Bill on {self.view.number}"
            yield self.order_line("per line: quantity and price, filled with what is received and not billed")
            with Form():
                yield FormField("Their ref", Input(id="ref", compact=True, placeholder="their invoice number"),
                                field="ref")
                for ln in self._open_lines():
                    open_ = ln.received - ln.billed
                    yield FormField(_label(ln.sku, 10),
                                    Input(qty(open_, ln.unit).replace(",", ""), id=f"q{ln.line_no}", compact=True,
                                          placeholder=f"{ln.unit}, received, not billed: {qty(open_, ln.unit)}"),
                                    field=f"q{ln.line_no}")
                    yield FormField("price", Input(price(ln.unit_price).replace(",", ""), id=f"p{ln.line_no}",
                                                         compact=True), field=f"p{ln.line_no}")
                yield FormField("Date", Input(id="date", compact=True,
                                              placeholder=f"{clock.today().isoformat()} (today)"), field="date")
                yield FormField("Due", Input(id="due", compact=True, placeholder="the usual terms"), field="due")
        yield Footer()

    def action_save(self) -> None:
        v = self.view
        ref, date, due = self.value("ref"), self.value("date"), self.value("due")
        lines, given = [], []
        for ln in self._open_lines():
            typed = self.value(f"q{ln.line_no}")
            if typed in ("", "0"):
                continue
            lines.append(LineIn(ln.sku, typed, self.value(f"p{ln.line_no}") or None))
            given.append((ln.line_no, "q"))
        first = next((f"q{ln.line_no}" for ln in self._open_lines()), "ref")

        def save(books) -> str:
            if not lines:
                raise ValidationFailed([FieldError(first, "give a quantity for at least one line")])
            try:
                b = books.purchasing.bill(v.id, supplier_ref=ref, lines=lines, date=date or None, due=due or None)
            except Refused as exc:
                raise placed(exc, given) from None
            return f"{b.number} ({b.ref}) for {money(b.total)} on {v.number}, due {b.due.isoformat()}"

        self.submit(save, self.dismiss)


class PayForm(_OrderForm):
    """Pay one of the order's bills, in part or what it still owes; dismisses with what was done."""

    PLACE = "Purchasing › Pay"
    HELP = (
        "Pay one of this order's bills: the amount is filled with what the bill still owes; a "
        "smaller amount pays part of it. More than it owes is refused. The payment posts "
        "AP/bank. Enter moves to the next field; Ctrl+S pays."
    )
    BINDINGS = [bind("pay_form.save", "save", "Pay"), bind("pay_form.cancel", "cancel", "Cancel")]
    DEFAULT_CSS = "PayForm {" + FORM_CSS + "}"

    def _owed(self):
        return [b for b in self.view.bills if b.owed > 0]

    def compose(self) -> ComposeResult:
        bills = self._owed()
        with Vertical(classes="dialog") as dialog:
            dialog.border_title = f"Pay a bill of {self.view.number}"
            yield self.order_line()
            with Form():
                yield FormField("Bill", Select([(f"{b.number} {b.ref} · owes {money(b.owed)} · due {b.due}", b.id)
                                                for b in bills], value=bills[0].id, allow_blank=False,
                                               id="bill", compact=True), field="bill")
                yield FormField("Amount", Input(f"{bills[0].owed:f}", id="amount", compact=True), field="amount")
                yield FormField("Date", Input(id="date", compact=True,
                                              placeholder=f"{clock.today().isoformat()} (today)"), field="date")
        yield Footer()

    def on_select_changed(self, event: Select.Changed) -> None:
        b = next((b for b in self._owed() if b.id == event.value), None)
        if b is not None:
            self.query_one("#amount", Input).value = f"{b.owed:f}"

    def action_save(self) -> None:
        bill_id = self.query_one("#bill", Select).value
        amount, date = self.value("amount"), self.value("date")
        number = self.view.number

        def save(books) -> str:
            p = books.purchasing.pay(bill_id, amount or None, date=date or None)
            left = f", {money(p.owed)} still owed" if p.owed else ", paid in full"
            return f"{p.number}: {money(p.amount)} paid on {p.bill} ({number}){left}"

        self.submit(save, self.dismiss)


HITS = 6  # products the picker shows as you type


class NewOrderForm(BizModal):
    """A draft order: the supplier, then products picked by typing part of a SKU or a name, each
    with a quantity and a price; dismisses with the new order's id and number (or None)."""

    PLACE = "Purchasing › New order"
    HELP = (
        "A new purchase order, saved as a draft (confirm it on its page to put it on order). Pick "
        "the supplier, then type part of a product's SKU or name (any case, any script) in "
        "Product: the matches show below as you type; Down reaches them and Enter adds the "
        "product as a line (Enter in the box adds the first match). Each line takes a quantity and "
        "a unit price (filled with the product's average cost); its tax rate is the product's. "
        "One line per product. Ctrl+S saves the draft; what is wrong appears under its field."
    )
    BINDINGS = [bind("new_order_form.save", "save", "Save draft"), bind("new_order_form.cancel", "cancel", "Cancel")]
    DEFAULT_CSS = "NewOrderForm {" + FORM_CSS + """
        & #lines { height: auto; }
        & .line { height: 1; }
        & .line Input { width: 1fr; margin-right: 1; }
        & .line .sku { width: 24; }
    }"""

    def __init__(self, suppliers: list[tuple[str, int]]) -> None:
        super().__init__()
        self.suppliers = suppliers
        self.lines: list[tuple[int, str, str]] = []  # (product id, sku, unit), in the order added

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as dialog:
            dialog.border_title = "New purchase order"
            with Form():
                yield FormField("Supplier", Select(self.suppliers, value=self.suppliers[0][1], allow_blank=False,
                                                   id="supplier", compact=True), field="supplier")
                yield ProductPicker(self._search, self._describe, field="lines")
                yield Vertical(id="lines")
                yield FormField("Date", Input(id="date", compact=True,
                                              placeholder=f"{clock.today().isoformat()} (today)"), field="date")
                yield FormField("Expected", Input(id="expected", compact=True, placeholder="optional"),
                                field="expected")
        yield Footer()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(Form).can_focus = False
        self.query_one("#find", Input).focus()

    def action_cancel(self) -> None:
        self.leave()

    # -- the picker (widgets/product_picker.py) ------------------------------------------------
    def _search(self, text: str) -> list[Pick]:  # in the picker's worker thread
        with self.store.read(self.actor) as books:
            rows = books.stock.products(search=text, limit=HITS, with_total=False).rows
            return [Pick(r.id, r.sku, r.unit, (r.name, price(r.unit_cost) if r.unit_cost else "")) for r in rows]

    @staticmethod
    def _describe(pick: Pick, taken: bool) -> Text:
        label = Text(pick.sku, style="bold")
        label.append(f"  {pick.data[0]}")
        label.append(f"  ({pick.unit})" + ("  already a line" if taken else ""), style="dim")
        return label

    async def on_product_picker_picked(self, event: ProductPicker.Picked) -> None:
        event.stop()
        await self._add(event.pick)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_next()

    async def _add(self, pick: Pick) -> None:
        if any(pid == pick.id for pid, _, _ in self.lines):
            return
        pid, sku, unit, cost = pick.id, pick.sku, pick.unit, pick.data[1]
        self.lines.append((pid, sku, unit))
        self.query_one(ProductPicker).taken.add(pid)
        n = len(self.lines)
        row = Horizontal(Static(Text(f"{_label(sku, 16)} ({unit})"), classes="sku"),
                         Input(id=f"q{n}", compact=True, placeholder=f"quantity ({unit})"),
                         Input(cost, id=f"p{n}", compact=True, placeholder="unit price"), classes="line")
        container = self.query_one("#lines", Vertical)
        await container.mount(FormField(f"Line {n}", row, field=f"q{n}"))  # its quantity's and its price's errors
        self.query_one(ProductPicker).clear()
        self.query_one(f"#q{n}", Input).focus()

    # -- saving --------------------------------------------------------------------------------
    def value(self, name: str) -> str:
        return self.query_one(f"#{name}", Input).value.strip()

    def action_save(self) -> None:
        supplier = self.query_one("#supplier", Select).value
        date, expected = self.value("date"), self.value("expected")
        lines = [LineIn(sku, self.value(f"q{n}"), self.value(f"p{n}"))
                 for n, (_, sku, _) in enumerate(self.lines, 1)]
        given = [(n, "q") for n in range(1, len(lines) + 1)]

        def save(books) -> tuple[int, str]:
            try:
                v = books.purchasing.create(f"#{supplier}", lines, date=date or None, expected=expected or None)
            except Refused as exc:
                out = placed(exc, given)
                if isinstance(out, ValidationFailed):  # one field holds a line's errors, its price's too
                    out = ValidationFailed([FieldError("q" + e.field[1:], e.message) if e.field[:1] == "p"
                                            and e.field[1:].isdigit() else e for e in out.errors])
                raise out from None
            return v.id, v.number

        self.submit(save, self.dismiss)


__all__ = ["BillForm", "NewOrderForm", "PayForm", "ReceiveForm"]

"""The stock module's forms: adjust a product's stock (a count or a correction) and transfer it
between locations. Each calls one repository method in a worker; what is refused appears under
its field; Esc asks before dropping what was typed."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Footer, Input, Select, Static

from bizsuite.core import clock
from bizsuite.core.errors import FieldError, Refused, ValidationFailed
from bizsuite.screens.base import BizModal
from bizsuite.screens.contact_forms import DIALOG_CSS
from bizsuite.widgets.form import Form, FormField
from bizsuite.widgets.keymap import bind

if TYPE_CHECKING:
    from bizsuite.screens.stock import ProductView

FORM_CSS = DIALOG_CSS + """
    & > .dialog { width: 64; }
    & #product { height: auto; margin-bottom: 1; }
    & Select:focus > SelectCurrent { background: $accent 35%; text-style: bold; }
"""
_FIELD = re.compile(r"^([a-z_]+): (.*)$", re.S)


def placed(exc: Refused, fields: set[str], *, quantity: str, sku: str) -> Refused:
    """A refusal as errors under the form's fields: a field's own error stays under it; a line
    naming the product at a location (the stock it would leave, or a count that is already so)
    goes under the quantity; a locked period under the date; one that asks for a unit cost under
    it; the rest (and what names a field the form does not have) in the form's message line."""
    if isinstance(exc, ValidationFailed):
        return exc
    errors: list[FieldError] = []
    for line in exc.problems:
        m = _FIELD.match(line)
        if m and m.group(1) in fields:
            errors.append(FieldError(m.group(1), m.group(2)))
        elif line.startswith(f"{sku} at "):
            errors.append(FieldError(quantity, line))
        elif "lock date" in line:
            errors.append(FieldError("date", line))
        elif "unit cost" in line and "unit_cost" in fields:
            errors.append(FieldError("unit_cost", line))
        else:
            return exc  # the whole refusal in the message line: it belongs to no one field
    return ValidationFailed(errors)


class _StockForm(BizModal):
    """What the two forms share: the product's line, Enter to move on, Ctrl+S, Esc."""

    DEFAULT_CSS = ""
    TITLE_TEXT = ""

    def __init__(self, view: "ProductView") -> None:
        super().__init__()
        self.view = view

    def product_line(self) -> Static:
        from bizsuite.screens.stock import qty

        r = self.view.row
        text = Text()
        text.append(r.sku, style="bold")
        text.append(f"  {r.name}")
        text.append(f"\non hand {qty(r.on_hand, r.unit)} {r.unit}", style="dim")
        if r.reserved:
            text.append(f", reserved {qty(r.reserved, r.unit)}", style="dim")
        return Static(text, id="product")

    def location_options(self) -> list[tuple[str, int]]:
        from bizsuite.screens.stock import qty

        r = self.view.row
        return [(f"{name} · {qty(self.view.at(lid), r.unit)} {r.unit}" + (" · default" if default else ""), lid)
                for lid, name, default in self.view.locations]

    def default_location(self) -> int | None:
        return next((lid for lid, _, default in self.view.locations if default),
                    self.view.locations[0][0] if self.view.locations else None)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(Form).can_focus = False  # not a Tab stop of its own: the fields are

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter moves on to the next field (Ctrl+S saves): a half-filled form is never sent by
        a habit."""
        event.stop()
        self.focus_next()

    def action_cancel(self) -> None:
        self.leave()  # asks first if anything was typed

    def value(self, name: str) -> str:
        return self.query_one(f"#{name}", Input).value.strip()

    def fields(self) -> set[str]:
        return set(self.query_one(Form).fields)


class AdjustForm(_StockForm):
    """Correct what one location holds; dismisses with what was done (or None)."""

    PLACE = "Stock › Adjust"
    HELP = (
        "Correct what one location holds of this product: either give the change (+5 found, "
        "-3 broken) or what you counted (the stock becomes that), and always why (a count, "
        "breakage, a correction). The difference is valued at the average cost (units found may "
        "carry their own unit cost) and posted to the stock adjustment account. A date in the past "
        "is allowed: later moves are valued again. Taking away more than the location holds, on "
        "that date or any later one, is refused and nothing is written. Enter moves to the next "
        "field; Ctrl+S adjusts; what is wrong appears under its field."
    )
    BINDINGS = [
        bind("adjust_form.save", "save", "Adjust"),
        bind("adjust_form.cancel", "cancel", "Cancel"),
    ]
    DEFAULT_CSS = "AdjustForm {" + FORM_CSS + "}"

    def compose(self) -> ComposeResult:
        unit = self.view.row.unit
        with Vertical(classes="dialog") as dialog:
            dialog.border_title = f"Adjust {self.view.row.sku}"
            yield self.product_line()
            with Form():
                yield FormField("Location", Select(self.location_options(), value=self.default_location(),
                                                   allow_blank=False, id="location", compact=True), field="location")
                yield FormField("Change by", Input(id="by", compact=True, placeholder=f"+5 or -3 ({unit})"),
                                field="by")
                yield FormField("Counted", Input(id="to", compact=True,
                                                 placeholder=f"or: what is there now ({unit})"),
                                field="to")
                yield FormField("Reason", Input(id="reason", compact=True, placeholder="a count, breakage, a correction…"),
                                field="reason")
                yield FormField("Date", Input(id="date", compact=True,
                                              placeholder=f"{clock.today().isoformat()} (today)"), field="date")
                yield FormField("Unit cost", Input(id="unit_cost", compact=True,
                                                   placeholder="units found: the average cost"), field="unit_cost")
        yield Footer()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#by", Input).focus()

    def action_save(self) -> None:
        sku, by, to = self.view.row.sku, self.value("by"), self.value("to")
        location = self.query_one("#location", Select).value
        reason, date, unit_cost = self.value("reason"), self.value("date"), self.value("unit_cost")
        fields = self.fields()
        product_id = self.view.row.id
        unit = self.view.row.unit

        def save(books) -> str:
            try:
                if by and to:
                    raise ValidationFailed([FieldError("to", "give the change or what you counted, not both")])
                if not by and not to:
                    raise ValidationFailed([FieldError("by", "give the change (+5, -3) or what you counted")])
                done = books.stock.adjust(product_id, by=by or None, to=to or None, reason=reason,
                                          location=None if location is Select.NULL else location,
                                          date=date or None, unit_cost=unit_cost or None)
            except Refused as exc:
                raise placed(exc, fields, quantity="to" if to else "by", sku=sku) from None
            m = done.moves[0]
            from bizsuite.screens.stock import qty

            return (f"{sku}: {qty(m.qty_delta, unit, signed=True)} {unit} at {books.stock.location(location).name}"
                    + (f", entry #{m.entry_id}" if m.entry_id else ""))

        self.submit(save, self.dismiss)


class TransferForm(_StockForm):
    """Move stock from one location to another; dismisses with what was done (or None)."""

    PLACE = "Stock › Transfer"
    HELP = (
        "Move this product from one location to another: its value goes with it, so nothing is "
        "posted. Moving more than the location holds, on that date or any later one, is refused "
        "and nothing is written. Enter moves to the next field; Ctrl+S transfers; what is wrong "
        "appears under its field."
    )
    BINDINGS = [
        bind("transfer_form.save", "save", "Transfer"),
        bind("transfer_form.cancel", "cancel", "Cancel"),
    ]
    DEFAULT_CSS = "TransferForm {" + FORM_CSS + "}"

    def compose(self) -> ComposeResult:
        unit = self.view.row.unit
        source = next((r.location_id for r in sorted(self.view.onhand, key=lambda r: -r.available)),
                      self.default_location())
        target = next((lid for lid, _, _ in self.view.locations if lid != source), None)
        with Vertical(classes="dialog") as dialog:
            dialog.border_title = f"Transfer {self.view.row.sku}"
            yield self.product_line()
            with Form():
                yield FormField("From", Select(self.location_options(), value=source, allow_blank=False,
                                               id="from", compact=True), field="from")
                yield FormField("To", Select(self.location_options(), value=target, allow_blank=False,
                                             id="to", compact=True), field="to")
                yield FormField("Quantity", Input(id="quantity", compact=True, placeholder=f"how many ({unit})"),
                                field="quantity")
                yield FormField("Date", Input(id="date", compact=True,
                                              placeholder=f"{clock.today().isoformat()} (today)"), field="date")
                yield FormField("Reason", Input(id="reason", compact=True, placeholder="optional"), field="reason")
        yield Footer()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#quantity", Input).focus()

    def action_save(self) -> None:
        sku, quantity = self.view.row.sku, self.value("quantity")
        source, target = self.query_one("#from", Select).value, self.query_one("#to", Select).value
        date, reason = self.value("date"), self.value("reason")
        fields = self.fields()
        product_id, unit = self.view.row.id, self.view.row.unit

        def save(books) -> str:
            try:
                done = books.stock.transfer(product_id, quantity, from_location=source, to_location=target,
                                            date=date or None, reason=reason or None)
            except Refused as exc:
                raise placed(exc, fields, quantity="quantity", sku=sku) from None
            from bizsuite.screens.stock import qty

            m = done.moves[0]
            return (f"{sku}: {qty(m.quantity, unit)} {unit} from {books.stock.location(source).name} "
                    f"to {books.stock.location(target).name}")

        self.submit(save, self.dismiss)


__all__ = ["AdjustForm", "TransferForm"]

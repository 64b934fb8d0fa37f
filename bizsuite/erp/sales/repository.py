"""The sales API (``books.sales``): quotations and orders, deliveries, invoices, payments, credit
notes, what a customer owes.

**From a quotation to cash.** ``quote`` (or ``create``) writes a quotation: product lines at the
product's price unless given, the order's discount on every line unless a line has its own, the
product's tax rate; each line says what is on hand and available, and a line asking for more
than is available is a warning, not a refusal. ``confirm`` makes it a sales order, reserves its
stock at the warehouse (``books.stock.reserve``; short lines are refused unless the books allow
backorders, ``sales.backorders``), makes a lead a customer, and marks its deal won.
``deliver`` moves the goods out at the moving average (COGS/inventory, through the stock
module), never more than still wanted, nor more than this order may take (on hand less what
other orders hold). ``invoice`` bills what was delivered and not yet invoiced (or what was
ordered, by the setting ``sales.invoice_policy``): receivable/revenue/output tax, numbered
``INV-`` without gaps, and uses any credit the customer has. ``pay`` takes money from a customer
against named invoices or the oldest due first; what is left over is the customer's credit,
said so. ``credit_note`` takes back an invoice in part or whole: with ``return_goods`` the units
come back into stock at the cost they went out at and are neither delivered nor invoiced any
more; without, it is an allowance (money only); ``cancel_invoice`` credits an unpaid invoice
whole and leaves its units to invoice again. ``cancel`` releases an order's stock and reopens its
deal; an order with deliveries is refused (return the goods first).

**Money** is exact: a line's net is quantity × price less the discount, rounded once to the
currency; its tax is rounded once per line (as purchasing does); an order's total is the sum of
its lines'. Every document's entry posts in the same unit of work as the document.

**Concurrency.** Every change locks its order (or invoice, or the customer's open documents)
first; stock is reserved and moved under the stock module's product locks, so two clerks
confirming orders for the last unit at once get one order each way: one confirmed, one refused.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Sequence

from sqlalchemy import func, or_, select, true

from bizsuite.core import clock, numbering, versioning
from bizsuite.core.errors import FieldError, NotFound, Refused, ValidationFailed
from bizsuite.core.money import clean_amount, line_value
from bizsuite.core.parsing import fits, record_id, text_field
from bizsuite.erp.sales.models import (
    ACTIVE,
    CANCELLED,
    CLOSED,
    CN_ALLOWANCE,
    CN_CANCEL,
    CN_RETURN,
    CONFIRMED,
    DELIVERED,
    HISTORY,
    PARTIAL,
    QUOTATION,
    STATUS_LABELS,
    STATUSES,
    AgingRow,
    Allocation,
    CreditNote,
    CreditNoteLine,
    CreditNoteView,
    Delivery,
    DeliveryDone,
    DeliveryLine,
    Invoice,
    InvoiceLine,
    InvoiceRow,
    LineView,
    OrderRow,
    OrderView,
    Payment,
    PaymentView,
    SalesOrder,
    SalesOrderLine,
    Statement,
    StatementLine,
)

SERIES_SO, SERIES_INV, SERIES_CN = "sales.order", "sales.invoice", "sales.credit_note"
PREFIX_SO, PREFIX_INV, PREFIX_CN, PREFIX_PAY = "SO-", "INV-", "CN-", "PAY-"
SOURCE_ORDER = "sales_order"  # what reserves stock
SOURCE_DELIVERY, SOURCE_INVOICE, SOURCE_PAYMENT = "sales_delivery", "sales_invoice", "sales_payment"
SOURCE_CREDIT, SOURCE_RETURN = "sales_credit_note", "sales_return"
POLICY_SETTING, BACKORDER_SETTING, TERMS_SETTING = "sales.invoice_policy", "sales.backorders", "sales.terms_days"
POLICIES = ("delivered", "ordered")
DEFAULT_TERMS = 30  # days from an invoice's date to its due date
QUOTE_VALID = 30  # days a quotation holds
MAX_LINES = 1000
_HUNDRED = Decimal(100)


@dataclass
class LineIn:
    """One line as a caller gives it: a product (SKU, ``#id`` or id), a quantity, and where the
    document takes one, a unit price (None: the product's) and a discount (None: the order's)."""

    product: int | str
    quantity: Decimal | str
    unit_price: Decimal | str | None = None
    discount: Decimal | str | None = None


def parse_line(text: str, what: str, *, price: bool = True) -> LineIn:
    """``"SKU QTY [PRICE]"`` (``price``) or ``"SKU QTY"`` as typed on the command line."""
    parts = (text or "").split()
    most = 3 if price else 2
    if not (2 <= len(parts) <= most):
        raise ValidationFailed([FieldError(what, f"{text.strip()!r} is not {'SKU QTY [PRICE]' if price else 'SKU QTY'}")])
    return LineIn(parts[0], parts[1], parts[2] if len(parts) > 2 else None)


def _lines_in(lines, *, price: bool = True) -> list[LineIn]:
    return [parse_line(ln, f"line {n}", price=price) if isinstance(ln, str) else ln
            for n, ln in enumerate(lines or (), 1)]


def qty_text(q: Decimal, unit: str) -> str:
    text = f"{q.normalize():f}" if q != 0 else "0"
    return f"{text} {unit}"


def _percent(value, field: str) -> Decimal:
    from bizsuite.erp.stock.repository import parse_rate

    try:
        return parse_rate(value, field)
    except ValidationFailed as exc:
        raise ValidationFailed([FieldError(field, e.message.replace("tax rate", "discount")) for e in exc.errors]) from None


class SalesRepository:
    def __init__(self, books):
        self.books = books
        self.session = books.session

    @property
    def scale(self) -> int:
        return self.books.ledger.scale

    # -- money, the one way --------------------------------------------------------------------
    def _net(self, q: Decimal, price: Decimal, discount: Decimal) -> Decimal:
        """quantity × price less the discount, rounded once to the currency (half-even)."""
        return line_value(q, price * (_HUNDRED - discount) / _HUNDRED, self.scale)

    def _tax(self, net: Decimal, rate: Decimal) -> Decimal:
        return line_value(net, rate / _HUNDRED, self.scale)

    def _zero(self) -> Decimal:
        return Decimal(0).quantize(Decimal(1).scaleb(-self.scale))

    # -- settings ------------------------------------------------------------------------------
    def invoice_policy(self) -> str:
        value = self.books.setting(POLICY_SETTING)
        return value if value in POLICIES else "delivered"

    def backorders_allowed(self) -> bool:
        return (self.books.setting(BACKORDER_SETTING) or "no") == "yes"

    def terms(self) -> int:
        value = self.books.setting(TERMS_SETTING)
        return int(value) if value and value.isdigit() else DEFAULT_TERMS

    def configure(self, *, invoice_policy: str | None = None, backorders: bool | None = None,
                  terms: int | None = None) -> dict:
        """The sales settings (owner): invoice what was delivered or what was ordered; allow
        confirming orders short of stock; days from an invoice to its due date."""
        self.books.require("sales.admin")
        if invoice_policy is not None:
            if invoice_policy not in POLICIES:
                raise ValidationFailed([FieldError("invoice_policy", f"{invoice_policy!r} is not one of "
                                                                     f"{', '.join(POLICIES)}")])
            self.books.set_setting(POLICY_SETTING, invoice_policy)
        if backorders is not None:
            self.books.set_setting(BACKORDER_SETTING, "yes" if backorders else "no")
        if terms is not None:
            if not 0 <= terms <= 3650:
                raise ValidationFailed([FieldError("terms", f"{terms} is not 0 to 3650 days")])
            self.books.set_setting(TERMS_SETTING, str(terms))
        return {"invoice_policy": self.invoice_policy(), "backorders": self.backorders_allowed(),
                "terms": self.terms()}

    # -- finding documents ---------------------------------------------------------------------
    def _find(self, model, prefix: str, what: str, ref, *, lock: bool = False):
        text = str(ref).strip()
        n = ref if isinstance(ref, int) else record_id(ref)
        q = select(model)
        if n is not None:
            q = q.where(model.id == n) if fits(n) else None
        else:
            q = q.where(model.number == numbering.parse_label(text, prefix))
        row = None
        if q is not None:
            if lock:
                q = q.with_for_update().execution_options(populate_existing=True)
            row = self.session.scalars(q).first()
        if row is None:
            raise NotFound(f"no {what} {text!r}")
        return row

    def _order(self, ref, *, lock: bool = False) -> SalesOrder:
        return self._find(SalesOrder, PREFIX_SO, "sales order", ref, lock=lock)

    def _invoice(self, ref, *, lock: bool = False) -> Invoice:
        return self._find(Invoice, PREFIX_INV, "invoice", ref, lock=lock)

    def _lines(self, so: SalesOrder, *, lock: bool = False) -> list[SalesOrderLine]:
        q = select(SalesOrderLine).where(SalesOrderLine.order_id == so.id).order_by(SalesOrderLine.line_no)
        if lock:
            q = q.with_for_update().execution_options(populate_existing=True)
        return list(self.session.scalars(q))

    def _customer(self, ref, *, field: str = "customer"):
        if ref in (None, ""):
            raise ValidationFailed([FieldError(field, "is required (#id, email or name)")])
        try:
            c = self.books.contacts.get(ref) if isinstance(ref, int) else self.books.contacts.resolve(str(ref))
        except Refused as exc:
            raise ValidationFailed([FieldError(field, exc.problems[0])]) from None
        if not (c.is_customer or c.is_lead):
            raise ValidationFailed([FieldError(field, f"{c.name} (#{c.id}) is neither a customer nor a lead; give "
                                                      f"the contact the customer role first")])
        return c

    # -- quotations and orders -----------------------------------------------------------------
    def create(self, customer, lines: Sequence[LineIn | str], *, date=None, discount=None, valid_until=None,
               deal=None, notes=None) -> OrderView:
        """A quotation: ``lines`` are ``LineIn`` or ``"SKU QTY [PRICE]"`` (the product's price
        unless given); ``discount`` (%) applies to every line; one line per product. A line
        asking for more than is available is a warning on the view, not a refusal."""
        from bizsuite.erp.stock.repository import parse_day, parse_price, parse_quantity

        self.books.require("sales.write")
        errors: list[FieldError] = []
        deal_row = None
        if deal not in (None, ""):
            deal_row = self._deal_for_quote(deal)
            if customer in (None, ""):
                customer = deal_row.customer_id
        c = None
        try:
            c = self._customer(customer)
        except ValidationFailed as exc:
            errors.extend(exc.errors)
        if deal_row is not None and c is not None and deal_row.customer_id != c.id:
            errors.append(FieldError("customer", f"{deal_row.number} is a deal with contact #{deal_row.customer_id}, "
                                                 f"not {c.name}; a deal's quotation is for the deal's customer"))
        day = valid = None
        try:
            day = parse_day(date, "date")
            valid = parse_day(valid_until, "valid_until") if valid_until not in (None, "") else \
                day + dt.timedelta(days=QUOTE_VALID)
            if valid < day:
                errors.append(FieldError("valid_until", f"{valid} is before the quotation's date {day}"))
        except ValidationFailed as exc:
            errors.extend(exc.errors)
        disc = Decimal(0)
        if discount not in (None, ""):
            try:
                disc = _percent(discount, "discount")
            except ValidationFailed as exc:
                errors.extend(exc.errors)
        note = None
        try:
            note = text_field(notes, "notes", 10_000, multiline=True)
        except ValidationFailed as exc:
            errors.extend(exc.errors)
        given = _lines_in(lines)
        if not given:
            errors.append(FieldError("lines", 'a quotation needs at least one line (--line "SKU QTY [PRICE]")'))
        if len(given) > MAX_LINES:
            raise ValidationFailed([FieldError("lines", f"{len(given)} lines; an order holds at most {MAX_LINES}")])
        made, seen = [], {}
        for n, ln in enumerate(given, 1):
            where = f"line {n}"
            try:
                p = self.books.stock.product(ln.product)
                if not p.active:
                    raise Refused(f"{p.sku} is inactive")
                if p.id in seen:
                    raise Refused(f"{p.sku} is already line {seen[p.id]}; one line per product")
                seen[p.id] = n
                q = parse_quantity(ln.quantity, p.unit, "quantity")
                price = parse_price(ln.unit_price, "price") if ln.unit_price not in (None, "") else p.price
                if price is None:
                    raise ValidationFailed([FieldError("price", f"{p.sku} has no price; give one (SKU QTY PRICE)")])
                d = _percent(ln.discount, "discount") if ln.discount not in (None, "") else disc
                made.append((p, q, price, d))
            except ValidationFailed as exc:
                errors.extend(FieldError(f"{where}: {e.field}", e.message) for e in exc.errors)
            except Refused as exc:
                errors.append(FieldError(where, exc.problems[0]))
        if errors:
            raise ValidationFailed(errors)
        now, who = clock.now(), self.books.actor.name
        so = SalesOrder(number=numbering.label(numbering.take(self.books, SERIES_SO), prefix=PREFIX_SO),
                        customer_id=c.id, deal_id=deal_row.id if deal_row else None, status=QUOTATION, date=day,
                        valid_until=valid, discount=disc, notes=note,
                        created_at=now, created_by=who, updated_at=now, updated_by=who)
        self.session.add(so)
        self.session.flush()
        for n, (p, q, price, d) in enumerate(made, 1):
            self.session.add(SalesOrderLine(order_id=so.id, line_no=n, product_id=p.id, quantity=q, unit_price=price,
                                            discount=d, tax_rate=p.tax_rate))
        self.session.flush()
        return self.order(so.id)

    def _deal_for_quote(self, ref):
        d = self.books.pipeline._deal(ref)
        if d.status == "lost":
            raise Refused(f"{d.number} is lost; reopen it first: bizsuite pipeline reopen {d.number}")
        return d

    def confirm(self, ref, *, expect_version: int | None = None) -> OrderView:
        """A quotation becomes a sales order: its stock is reserved (short lines are refused
        unless backorders are allowed: then what there is is reserved), a lead becomes a customer,
        and its deal is won."""
        self.books.require("sales.write")
        so = self._order(ref, lock=True)
        versioning.expect(so, expect_version, so.number)
        if so.status != QUOTATION:
            raise Refused(f"{so.number} is {STATUS_LABELS[so.status]}; only a quotation can be confirmed")
        lines = self._lines(so, lock=True)
        stock = self.books.stock
        stock._lock_products(ln.product_id for ln in lines)  # one order at a time takes the last unit
        short, takes = [], []
        for ln in lines:  # everything is looked at before anything is held: a refusal holds nothing
            p = stock.product(ln.product_id)
            free = self._available(p.id)
            take = min(ln.quantity, max(free, Decimal(0)))
            if take < ln.quantity:
                short.append(FieldError(f"line {ln.line_no}", f"{p.sku}: {qty_text(ln.quantity - take, p.unit)} short "
                                                              f"(available {qty_text(max(free, Decimal(0)), p.unit)}, "
                                                              f"ordered {qty_text(ln.quantity, p.unit)})"))
            takes.append((p, take))
        if short and not self.backorders_allowed():
            raise ValidationFailed(short + [FieldError("stock", "not enough to confirm; deliver in parts by allowing "
                                                                "backorders (bizsuite sales settings --backorders yes)")])
        for p, take in takes:
            if take > 0:
                stock.reserve((SOURCE_ORDER, so.id), p.id, take)
        customer = self.books.contacts.get(so.customer_id)
        if not customer.is_customer:
            self.books.contacts.add_role(customer.id, "customer", because="sales.write")
        so.status = CONFIRMED
        versioning.touch(so, self.books.actor.name)
        self.session.flush()
        if so.deal_id is not None:
            d = self.books.pipeline._deal(so.deal_id)
            if d.status == "open":
                self.books.pipeline.won(d.id)
        view = self.order(so.id)
        view.warnings = [f"{e.field}: {e.message}; the rest is a backorder" for e in short]
        return view

    def _available(self, product_id: int) -> Decimal:
        """On hand at the warehouse less what every order holds there."""
        from bizsuite.erp.stock.models import Quant

        loc = self.books.stock.default_location()
        quant = self.session.get(Quant, (product_id, loc.id))
        return (quant.quantity - quant.reserved) if quant else Decimal(0)

    def cancel(self, ref, *, expect_version: int | None = None) -> OrderView:
        """Cancel a quotation, or an order with nothing delivered (return the goods first): its
        stock is released and its deal reopened (unless another order of the deal stands)."""
        self.books.require("sales.write")
        so = self._order(ref, lock=True)
        versioning.expect(so, expect_version, so.number)
        if so.status in (CANCELLED, HISTORY, CLOSED):
            raise Refused(f"{so.number} is {STATUS_LABELS[so.status]}; it cannot be cancelled")
        lines = self._lines(so, lock=True)
        out = [ln for ln in lines if ln.delivered > 0]
        if out:
            p = self.books.stock.product(out[0].product_id)
            raise Refused(f"{so.number} has deliveries ({p.sku} {qty_text(out[0].delivered, p.unit)} delivered); "
                          f"return the goods first (bizsuite sales credit-note INV --return), then cancel")
        if any(ln.invoiced > 0 for ln in lines):
            raise Refused(f"{so.number} is invoiced; credit its invoices first (bizsuite sales credit-note INV)")
        was_order = so.status != QUOTATION
        self.books.stock.release((SOURCE_ORDER, so.id))
        so.status = CANCELLED
        versioning.touch(so, self.books.actor.name)
        self.session.flush()
        if was_order and so.deal_id is not None:
            others = self.session.scalar(select(func.count()).select_from(SalesOrder).where(
                SalesOrder.deal_id == so.deal_id, SalesOrder.id != so.id, SalesOrder.status.in_(ACTIVE + (CLOSED,))))
            d = self.books.pipeline._deal(so.deal_id)
            if not others and d.status == "won":
                self.books.pipeline.reopen(d.id)
        return self.order(so.id)

    def _set_status(self, so: SalesOrder, lines: list[SalesOrderLine]) -> None:
        if so.status in (QUOTATION, CANCELLED, HISTORY):
            return
        wanted = [(ln, ln.quantity - ln.returned) for ln in lines]
        if all(ln.delivered >= w for ln, w in wanted):
            new = CLOSED if all(ln.invoiced >= ln.delivered and ln.invoiced >= (w if self.invoice_policy() == "ordered"
                                                                                 else ln.delivered)
                                for ln, w in wanted) else DELIVERED
        elif any(ln.delivered > 0 for ln in lines):
            new = PARTIAL
        else:
            new = CONFIRMED
        if new != so.status:
            so.status = new
            versioning.touch(so, self.books.actor.name)

    def _match(self, so: SalesOrder, lines: list[SalesOrderLine], given: list[LineIn]):
        by_product = {ln.product_id: ln for ln in lines}
        out, errors = [], []
        for n, g in enumerate(given, 1):
            where = f"line {n}"
            try:
                p = self.books.stock.product(g.product)
            except Refused as exc:
                errors.append(FieldError(where, exc.problems[0]))
                continue
            ol = by_product.get(p.id)
            if ol is None:
                errors.append(FieldError(where, f"{p.sku} is not on {so.number}"))
            elif any(o is ol for o, _, _ in out):
                errors.append(FieldError(where, f"{p.sku} is given twice"))
            else:
                out.append((ol, g, where))
        if errors:
            raise ValidationFailed(errors)
        return out

    # -- deliveries ----------------------------------------------------------------------------
    def deliver(self, ref, lines: Sequence[LineIn | str] | None = None, *, date=None, location=None) -> DeliveryDone:
        """Goods out against a confirmed order: ``lines`` (``"SKU QTY"``) or everything still to
        deliver; the rest stays on the order (a backorder). At the moving average, through stock."""
        from bizsuite.erp.stock.models import MoveIn
        from bizsuite.erp.stock.repository import parse_day, parse_quantity

        self.books.require("sales.deliver")
        so = self._order(ref, lock=True)
        if so.status == QUOTATION:
            raise Refused(f"{so.number} is a quotation; confirm it first: bizsuite sales confirm {so.number}")
        if so.status in (CANCELLED, CLOSED, HISTORY):
            raise Refused(f"{so.number} is {STATUS_LABELS[so.status]}; nothing can be delivered on it")
        day = parse_day(date, "date")
        if day < so.date:
            raise ValidationFailed([FieldError("date", f"{day} is before the order's date {so.date}")])
        order_lines = self._lines(so, lock=True)
        stock = self.books.stock
        products = {ol.product_id: stock.product(ol.product_id) for ol in order_lines}
        given = _lines_in(lines, price=False)
        plan: list[tuple[SalesOrderLine, Decimal]] = []
        errors: list[FieldError] = []
        if given:
            for ol, g, where in self._match(so, order_lines, given):
                p = products[ol.product_id]
                try:
                    q = parse_quantity(g.quantity, p.unit, "quantity")
                except ValidationFailed as exc:
                    errors.extend(FieldError(f"{where}: {e.field}", e.message) for e in exc.errors)
                    continue
                due = max(ol.quantity - ol.returned - ol.delivered, Decimal(0))
                if q > due:
                    errors.append(FieldError(where, f"{p.sku}: delivering {qty_text(q, p.unit)} is more than the "
                                                    f"{qty_text(due, p.unit)} still to deliver on {so.number} (ordered "
                                                    f"{qty_text(ol.quantity, p.unit)}, delivered "
                                                    f"{qty_text(ol.delivered, p.unit)})"))
                    continue
                plan.append((ol, q))
        else:
            plan = [(ol, ol.quantity - ol.returned - ol.delivered) for ol in order_lines
                    if ol.quantity - ol.returned > ol.delivered]
            if not plan:
                raise Refused(f"{so.number}: nothing is still to deliver")
        if errors:
            raise ValidationFailed(errors)
        loc = stock.location(location) if location not in (None, "") else stock.default_location()
        stock._lock_products(ol.product_id for ol, _ in plan)
        # what this order may take: on hand there less what the other orders hold
        from bizsuite.erp.stock.models import Quant, Reservation

        for ol, q in plan:
            p = products[ol.product_id]
            quant = self.session.get(Quant, (p.id, loc.id))
            mine = self.session.scalar(select(Reservation.quantity).where(
                Reservation.source_kind == SOURCE_ORDER, Reservation.source_id == so.id,
                Reservation.product_id == p.id, Reservation.location_id == loc.id)) or Decimal(0)
            free = (quant.quantity - quant.reserved + mine) if quant else Decimal(0)
            if q > free:
                errors.append(FieldError(f"line {ol.line_no}", f"{p.sku} at {loc.name}: {qty_text(q - max(free, Decimal(0)), p.unit)} short "
                                                               f"(on hand {qty_text(quant.quantity if quant else Decimal(0), p.unit)}, "
                                                               f"held for other orders "
                                                               f"{qty_text((quant.reserved - mine) if quant else Decimal(0), p.unit)}, "
                                                               f"delivering {qty_text(q, p.unit)})"))
        if errors:
            raise ValidationFailed(errors)
        for ol, q in plan:
            stock.release((SOURCE_ORDER, so.id), ol.product_id, q)
        now, who = clock.now(), self.books.actor.name
        dl = Delivery(order_id=so.id, date=day, location_id=loc.id, created_at=now, created_by=who)
        self.session.add(dl)
        self.session.flush()
        moved = stock.move("delivery", [MoveIn(ol.product_id, q, None, loc.id) for ol, q in plan], date=day,
                           source=(SOURCE_DELIVERY, dl.id), ref=so.number, contact_id=so.customer_id,
                           memo=f"Delivery {so.number}")
        done = []
        for (ol, q), m in zip(plan, moved.moves):
            self.session.add(DeliveryLine(delivery_id=dl.id, order_line_id=ol.id, quantity=q, unit_cost=m.unit_cost,
                                          value=m.value, move_id=m.id))
            ol.delivered = ol.delivered + q
            p = products[ol.product_id]
            done.append((p.sku, q, p.unit))
        dl.entry_id = moved.entry_ids[0] if moved.entry_ids else None
        self._set_status(so, order_lines)
        self.session.flush()
        return DeliveryDone(self.order(so.id), dl.id, dl.entry_id, done)

    # -- invoices ------------------------------------------------------------------------------
    def invoice(self, ref, *, date=None, due=None) -> InvoiceRow:
        """Invoice what was delivered and not yet invoiced (or, by the setting, what was ordered):
        receivable/revenue/output tax; the customer's credit, if any, settles it first."""
        from bizsuite.erp.stock.repository import parse_day

        self.books.require("sales.invoice")
        so = self._order(ref, lock=True)
        if so.status in (QUOTATION, CANCELLED, HISTORY):
            raise Refused(f"{so.number} is {STATUS_LABELS[so.status]}; there is nothing on it to invoice")
        day = parse_day(date, "date")
        if day < so.date:
            raise ValidationFailed([FieldError("date", f"{day} is before the order's date {so.date}")])
        due_day = parse_day(due, "due") if due not in (None, "") else day + dt.timedelta(days=self.terms())
        if due_day < day:
            raise ValidationFailed([FieldError("due", f"{due_day} is before the invoice's date {day}")])
        order_lines = self._lines(so, lock=True)
        ordered = self.invoice_policy() == "ordered"
        plan = []
        for ol in order_lines:
            basis = (ol.quantity - ol.returned) if ordered else ol.delivered
            if basis > ol.invoiced:
                plan.append((ol, basis - ol.invoiced))
        if not plan:
            what = "ordered" if ordered else "delivered"
            raise Refused(f"{so.number}: nothing {what} is left to invoice")
        made = []
        for ol, q in plan:
            net = self._net(q, ol.unit_price, ol.discount)
            made.append((ol, q, net, self._tax(net, ol.tax_rate)))
        net_total = sum((m[2] for m in made), self._zero())
        tax_total = sum((m[3] for m in made), self._zero())
        now, who = clock.now(), self.books.actor.name
        inv = Invoice(number=numbering.label(numbering.take(self.books, SERIES_INV), prefix=PREFIX_INV),
                      order_id=so.id, customer_id=so.customer_id, date=day, due=due_day, net=net_total, tax=tax_total,
                      total=net_total + tax_total, settled=self._zero(), created_at=now, created_by=who)
        self.session.add(inv)
        self.session.flush()
        ledger = self.books.ledger
        sales_acct = ledger.role_account("sales")
        entry = [(ledger.role_account("receivable").id, inv.total, f"{inv.number} {so.number}")]
        for ol, q, net, tax in made:
            p = self.books.stock.product(ol.product_id)
            self.session.add(InvoiceLine(invoice_id=inv.id, order_line_id=ol.id, quantity=q, unit_price=ol.unit_price,
                                         discount=ol.discount, tax_rate=ol.tax_rate, net=net, tax=tax))
            ol.invoiced = ol.invoiced + q
            if net:
                entry.append((sales_acct.id, -net, f"{p.sku} {qty_text(q, p.unit)}"))
        if tax_total:
            entry.append((ledger.role_account("tax_payable").id, -tax_total, "output tax"))
        if inv.total:
            e = ledger.post_entry(day, f"Invoice {inv.number} for {so.number}", entry, source=(SOURCE_INVOICE, inv.id),
                                  source_ref=inv.number, contact_id=so.customer_id)
            inv.entry_id = e.id
        self._set_status(so, order_lines)
        self.session.flush()
        self._use_credit(so.customer_id, [inv])
        return self._invoice_row(inv)

    def _use_credit(self, customer_id: int, invoices: list[Invoice]) -> None:
        """Settle ``invoices`` (oldest due first) from the customer's unallocated payments and
        credit notes (oldest first)."""
        open_ = [i for i in sorted(invoices, key=lambda i: (i.due, i.id)) if i.total > i.settled and not i.cancelled]
        if not open_:
            return
        pays = list(self.session.scalars(select(Payment).where(Payment.customer_id == customer_id,
                                                                Payment.allocated < Payment.amount)
                                         .order_by(Payment.date, Payment.id).with_for_update()))
        notes = list(self.session.scalars(select(CreditNote).where(CreditNote.customer_id == customer_id,
                                                                    CreditNote.allocated < CreditNote.total)
                                          .order_by(CreditNote.date, CreditNote.id).with_for_update()))
        for src in notes + pays:
            for inv in open_:
                left = (src.amount if isinstance(src, Payment) else src.total) - src.allocated
                if left <= 0:
                    break
                self._allocate(src, inv, min(left, inv.total - inv.settled))

    def _allocate(self, src, inv: Invoice, amount: Decimal) -> None:
        if amount <= 0:
            return
        day = max(src.date, inv.date)
        a = Allocation(invoice_id=inv.id, amount=amount, date=day, created_at=clock.now(),
                       created_by=self.books.actor.name,
                       payment_id=src.id if isinstance(src, Payment) else None,
                       credit_note_id=src.id if isinstance(src, CreditNote) else None)
        self.session.add(a)
        src.allocated = src.allocated + amount
        inv.settled = inv.settled + amount
        self.session.flush()

    # -- payments ------------------------------------------------------------------------------
    def pay(self, customer, amount, *, invoices: Sequence[str | int] = (), date=None, ref=None) -> PaymentView:
        """Money from a customer: settles the named invoices in order (or their open invoices,
        the oldest due first); what is left over is their credit, which later invoices use."""
        from bizsuite.erp.stock.repository import parse_day

        self.books.require("sales.pay")
        c = self._customer(customer)
        try:
            value = clean_amount(amount if isinstance(amount, Decimal) else str(amount).strip(), self.scale)
        except ValueError as exc:
            raise ValidationFailed([FieldError("amount", str(exc).removeprefix("amount "))]) from None
        if value <= 0:
            raise ValidationFailed([FieldError("amount", f"must be more than zero, not {value}")])
        day = parse_day(date, "date")
        bank_ref = text_field(ref, "ref", 100)
        targets = []
        for r in invoices or ():
            inv = self._invoice(r, lock=True)
            if inv.customer_id != c.id:
                raise ValidationFailed([FieldError("invoice", f"{inv.number} is not {c.name}'s")])
            if inv.cancelled:
                raise Refused(f"{inv.number} is cancelled; it cannot be paid")
            if inv.settled >= inv.total:
                raise Refused(f"{inv.number} is paid in full")
            if inv.date > day:
                raise ValidationFailed([FieldError("date", f"{day} is before {inv.number}'s date {inv.date}")])
            if any(t.id == inv.id for t in targets):
                raise ValidationFailed([FieldError("invoice", f"{inv.number} is given twice")])
            targets.append(inv)
        if not targets:
            targets = list(self.session.scalars(
                select(Invoice).where(Invoice.customer_id == c.id, Invoice.settled < Invoice.total,
                                      Invoice.cancelled.is_(False), Invoice.date <= day)
                .order_by(Invoice.due, Invoice.id).with_for_update()))
        now, who = clock.now(), self.books.actor.name
        pay = Payment(number=numbering.label(numbering.take(self.books, numbering.PAYMENTS), prefix=PREFIX_PAY),
                      customer_id=c.id, date=day, amount=value, allocated=self._zero(), ref=bank_ref,
                      created_at=now, created_by=who)
        self.session.add(pay)
        self.session.flush()
        ledger = self.books.ledger
        e = ledger.post_entry(day, f"Payment {pay.number} from {c.name}" + (f" ({bank_ref})" if bank_ref else ""),
                              [(ledger.role_account("bank").id, value, None),
                               (ledger.role_account("receivable").id, None, pay.number)],
                              source=(SOURCE_PAYMENT, pay.id), source_ref=pay.number, contact_id=c.id)
        pay.entry_id = e.id
        done = []
        for inv in targets:
            left = pay.amount - pay.allocated
            if left <= 0:
                break
            take = min(left, inv.total - inv.settled)
            self._allocate(pay, inv, take)
            done.append((inv.number, take))
        self.session.flush()
        return PaymentView(pay.id, pay.number, c.id, c.name, day, value, done, pay.amount - pay.allocated, e.id)

    # -- credit notes --------------------------------------------------------------------------
    def credit_note(self, ref, lines: Sequence[LineIn | str] | None = None, *, return_goods: bool = False,
                    date=None, reason=None, location=None) -> CreditNoteView:
        """Credit an invoice: ``lines`` (``"SKU QTY [PRICE]"``: a price is a per-unit allowance,
        money only) or all of it still uncredited. ``return_goods``: the units come back into
        stock at the cost they went out at (kind ``return``); otherwise an allowance, money only
        (kind ``allowance``). The credit settles the invoice's open amount first; the rest is the
        customer's credit."""
        from bizsuite.erp.stock.repository import parse_day, parse_price, parse_quantity

        self.books.require("sales.invoice")
        if return_goods:
            self.books.require("sales.deliver")
        inv = self._invoice(ref, lock=True)
        if inv.cancelled:
            raise Refused(f"{inv.number} is cancelled; there is nothing left on it to credit")
        day = parse_day(date, "date")
        if day < inv.date:
            raise ValidationFailed([FieldError("date", f"{day} is before {inv.number}'s date {inv.date}")])
        why = text_field(reason, "reason", 200)
        so = self._order(inv.order_id, lock=True)
        order_lines = {ol.id: ol for ol in self._lines(so, lock=True)}
        inv_lines = list(self.session.scalars(select(InvoiceLine).where(InvoiceLine.invoice_id == inv.id)
                                              .order_by(InvoiceLine.id).with_for_update()))
        stock = self.books.stock
        products = {il.id: stock.product(order_lines[il.order_line_id].product_id) for il in inv_lines}
        given = _lines_in(lines)
        plan = []  # (invoice line, quantity, unit net price or None (the invoice's))
        errors: list[FieldError] = []
        if given:
            by_product = {products[il.id].id: il for il in inv_lines}
            for n, g in enumerate(given, 1):
                where = f"line {n}"
                try:
                    p = stock.product(g.product)
                    il = by_product.get(p.id)
                    if il is None:
                        raise Refused(f"{p.sku} is not on {inv.number}")
                    if any(x[0] is il for x in plan):
                        raise Refused(f"{p.sku} is given twice")
                    q = parse_quantity(g.quantity, p.unit, "quantity")
                    price = parse_price(g.unit_price, "price") if g.unit_price not in (None, "") else None
                except ValidationFailed as exc:
                    errors.extend(FieldError(f"{where}: {e.field}", e.message) for e in exc.errors)
                    continue
                except Refused as exc:
                    errors.append(FieldError(where, exc.problems[0]))
                    continue
                left = il.quantity - il.credited
                if q > left:
                    errors.append(FieldError(where, f"{p.sku}: crediting {qty_text(q, p.unit)} is more than the "
                                                    f"{qty_text(left, p.unit)} of {inv.number} not yet returned or "
                                                    f"cancelled"))
                    continue
                if price is not None and return_goods:
                    errors.append(FieldError(where, f"{p.sku}: returned goods are credited at the invoice's price; "
                                                    f"a price is for an allowance (without --return)"))
                    continue
                plan.append((il, q, price))
        else:
            plan = [(il, il.quantity - il.credited, None) for il in inv_lines
                    if il.quantity > il.credited and il.net + il.tax > il.credited_net + self._credited_tax(il)]
            if not plan:
                raise Refused(f"{inv.number}: everything on it is already credited")
        if errors:
            raise ValidationFailed(errors)
        if return_goods:
            for il, q, _ in plan:
                ol = order_lines[il.order_line_id]
                if q > ol.delivered:
                    p = products[il.id]
                    errors.append(FieldError(f"{p.sku}", f"returning {qty_text(q, p.unit)} is more than the "
                                                         f"{qty_text(ol.delivered, p.unit)} delivered on {so.number}"))
            if errors:
                raise ValidationFailed(errors)
        made = []
        for il, q, price in plan:
            unit_net = price if price is not None else il.unit_price * (_HUNDRED - il.discount) / _HUNDRED
            if price is None and q == il.quantity - il.credited:
                net = il.net - il.credited_net  # the last units take what is left: no cent lost to rounding
            else:
                net = line_value(q, unit_net, self.scale)
            left_net = il.net - il.credited_net
            if net > left_net:
                p = products[il.id]
                raise ValidationFailed([FieldError(p.sku, f"crediting {net} is more than the {left_net} of "
                                                          f"{inv.number}'s line not yet credited")])
            tax = self._tax(net, il.tax_rate) if not (price is None and q == il.quantity - il.credited) else \
                self._tax_left(il, net)
            made.append((il, q, unit_net, net, tax))
        kind = CN_RETURN if return_goods else CN_ALLOWANCE
        cn = self._write_credit(inv, so, kind, made, day, why, return_goods, order_lines, products, location)
        return cn

    def _credited_tax(self, il: InvoiceLine) -> Decimal:
        return sum(self.session.scalars(select(CreditNoteLine.tax).where(CreditNoteLine.invoice_line_id == il.id)),
                   Decimal(0))

    def _tax_left(self, il: InvoiceLine, net: Decimal) -> Decimal:
        """The tax still on a line once the rest of its net is credited: what is left of it."""
        return il.tax - self._credited_tax(il)

    def _write_credit(self, inv, so, kind, made, day, why, return_goods, order_lines, products, location) -> CreditNoteView:
        from bizsuite.erp.stock.models import MoveIn

        net_total = sum((m[3] for m in made), self._zero())
        tax_total = sum((m[4] for m in made), self._zero())
        now, who = clock.now(), self.books.actor.name
        cn = CreditNote(number=numbering.label(numbering.take(self.books, SERIES_CN), prefix=PREFIX_CN),
                        invoice_id=inv.id, customer_id=inv.customer_id, kind=kind, date=day, reason=why,
                        net=net_total, tax=tax_total, total=net_total + tax_total, allocated=self._zero(),
                        created_at=now, created_by=who)
        self.session.add(cn)
        self.session.flush()
        ledger = self.books.ledger
        sales_acct = ledger.role_account("sales")
        entry = []
        rows = []
        for il, q, unit_net, net, tax in made:
            p = products[il.id]
            row = CreditNoteLine(credit_note_id=cn.id, invoice_line_id=il.id, quantity=q, unit_price=unit_net,
                                 net=net, tax=tax)
            self.session.add(row)
            rows.append((row, il, q))
            il.credited_net = il.credited_net + net
            if kind in (CN_RETURN, CN_CANCEL):
                il.credited = il.credited + q
                order_lines[il.order_line_id].invoiced -= q
            if net:
                entry.append((sales_acct.id, net, f"{p.sku} {qty_text(q, p.unit)}"))
        if tax_total:
            entry.append((ledger.role_account("tax_payable").id, tax_total, "output tax"))
        if cn.total:
            entry.append((ledger.role_account("receivable").id, -cn.total, f"{cn.number} {inv.number}"))
            e = ledger.post_entry(day, f"Credit note {cn.number} for {inv.number}" + (f": {why}" if why else ""), entry,
                                  source=(SOURCE_CREDIT, cn.id), source_ref=cn.number, contact_id=inv.customer_id)
            cn.entry_id = e.id
        self.session.flush()
        returned = []
        if return_goods:
            stock = self.books.stock
            loc = stock.location(location) if location not in (None, "") else stock.default_location()
            costs = [self._return_cost(order_lines[il.order_line_id], q) for _row, il, q in rows]
            moved = stock.move("return", [MoveIn(products[il.id].id, q, cost, loc.id)
                                          for (_row, il, q), cost in zip(rows, costs)],
                               date=day, source=(SOURCE_RETURN, cn.id), ref=cn.number, contact_id=inv.customer_id,
                               memo=f"Return {cn.number} of {so.number}")
            for (row, il, q), m in zip(rows, moved.moves):
                ol = order_lines[il.order_line_id]
                row.returned, row.move_id, row.cost = q, m.id, m.value
                ol.delivered -= q
                ol.returned += q
                p = products[il.id]
                returned.append((p.sku, q, p.unit))
            cn.return_entry_id = moved.entry_ids[0] if moved.entry_ids else None
        self._allocate(cn, inv, min(cn.total, inv.total - inv.settled))
        self._set_status(so, list(order_lines.values()))
        self.session.flush()
        if cn.allocated < cn.total:  # more than the invoice still owed: the customer's credit, for later invoices
            self._use_credit(inv.customer_id, list(self.session.scalars(
                select(Invoice).where(Invoice.customer_id == inv.customer_id, Invoice.settled < Invoice.total,
                                      Invoice.cancelled.is_(False)))))
        return self._credit_view(cn, returned)

    def _return_cost(self, ol: SalesOrderLine, q: Decimal) -> Decimal:
        """The unit cost returned goods come back at: what they went out at, the latest
        deliveries first (those not yet returned); marks them returned."""
        rows = list(self.session.scalars(select(DeliveryLine).where(
            DeliveryLine.order_line_id == ol.id, DeliveryLine.returned < DeliveryLine.quantity)
            .order_by(DeliveryLine.id.desc()).with_for_update()))
        left, value = q, Decimal(0)
        for dl in rows:
            if left <= 0:
                break
            take = min(left, dl.quantity - dl.returned)
            value += take * dl.unit_cost
            dl.returned = dl.returned + take
            left -= take
        if left > 0:  # pragma: no cover - the caller checked what was delivered
            raise RuntimeError("returning more than was delivered")
        unit = value / q
        return unit.quantize(Decimal("0.000001"))

    def cancel_invoice(self, ref, *, date=None, reason=None) -> CreditNoteView:
        """Cancel an unpaid invoice made in error: a credit note for all of it; its units are to
        invoice again (the order shows them so)."""
        from bizsuite.erp.stock.repository import parse_day

        self.books.require("sales.invoice")
        inv = self._invoice(ref, lock=True)
        if inv.cancelled:
            raise Refused(f"{inv.number} is already cancelled")
        paid = self.session.scalar(select(func.count()).select_from(Allocation).where(
            Allocation.invoice_id == inv.id, Allocation.payment_id.is_not(None)))
        credited = self.session.scalar(select(func.count()).select_from(CreditNote).where(CreditNote.invoice_id == inv.id))
        if paid:
            raise Refused(f"{inv.number} has payments; credit it instead (bizsuite sales credit-note {inv.number})")
        if credited:
            raise Refused(f"{inv.number} has credit notes; credit the rest instead")
        day = parse_day(date, "date")
        if day < inv.date:
            raise ValidationFailed([FieldError("date", f"{day} is before {inv.number}'s date {inv.date}")])
        why = text_field(reason, "reason", 200)
        so = self._order(inv.order_id, lock=True)
        order_lines = {ol.id: ol for ol in self._lines(so, lock=True)}
        inv_lines = list(self.session.scalars(select(InvoiceLine).where(InvoiceLine.invoice_id == inv.id)
                                              .order_by(InvoiceLine.id).with_for_update()))
        products = {il.id: self.books.stock.product(order_lines[il.order_line_id].product_id) for il in inv_lines}
        made = [(il, il.quantity, il.unit_price * (_HUNDRED - il.discount) / _HUNDRED, il.net, il.tax) for il in inv_lines]
        inv.cancelled = True
        view = self._write_credit(inv, so, CN_CANCEL, made, day, why or "cancelled", False, order_lines, products, None)
        self.session.flush()
        return view

    # -- reading -------------------------------------------------------------------------------
    def _invoice_row(self, inv: Invoice, names: dict[int, str] | None = None, orders: dict[int, str] | None = None) -> InvoiceRow:
        names = names if names is not None else self.books.contacts.names([inv.customer_id])
        order = orders[inv.order_id] if orders is not None else self.session.get(SalesOrder, inv.order_id).number
        return InvoiceRow(inv.id, inv.number, order, inv.customer_id, names.get(inv.customer_id, f"#{inv.customer_id}"),
                          inv.date, inv.due, inv.net, inv.tax, inv.total, inv.settled, inv.cancelled)

    def _credit_view(self, cn: CreditNote, returned) -> CreditNoteView:
        names = self.books.contacts.names([cn.customer_id])
        inv = self.session.get(Invoice, cn.invoice_id)
        return CreditNoteView(cn.id, cn.number, cn.kind, inv.number, cn.customer_id, names.get(cn.customer_id, ""),
                              cn.date, cn.net, cn.tax, cn.total, cn.allocated, returned, cn.entry_id)

    def order(self, ref) -> OrderView:
        """An order with, per line, what was ordered, delivered, returned and invoiced, what is on
        hand and available of the product, and its invoices."""
        from bizsuite.erp.stock.models import Reservation

        self.books.require("sales.read")
        so = self._order(ref)
        lines = self._lines(so)
        stock = self.books.stock
        rows = {r.id: r for r in stock._rows([stock.product(ln.product_id) for ln in lines])} if lines else {}
        held = dict(self.session.execute(select(Reservation.product_id, func.sum(Reservation.quantity)).where(
            Reservation.source_kind == SOURCE_ORDER, Reservation.source_id == so.id)
            .group_by(Reservation.product_id)).all()) if lines else {}
        views, net_total, tax_total = [], self._zero(), self._zero()
        for ln in lines:
            r = rows[ln.product_id]
            net = self._net(ln.quantity, ln.unit_price, ln.discount)
            tax = self._tax(net, ln.tax_rate)
            net_total += net
            tax_total += tax
            views.append(LineView(ln.line_no, ln.product_id, r.sku, r.name, r.unit, ln.quantity, ln.delivered,
                                  ln.invoiced, ln.returned, ln.unit_price, ln.discount, ln.tax_rate, net, tax,
                                  net + tax, r.on_hand, self._available(ln.product_id),
                                  Decimal(held.get(ln.product_id) or 0)))
        names = self.books.contacts.names([so.customer_id])
        invoices = [self._invoice_row(i, names, {so.id: so.number}) for i in self.session.scalars(
            select(Invoice).where(Invoice.order_id == so.id).order_by(Invoice.id))]
        credited = self.session.scalar(select(func.coalesce(func.sum(CreditNote.total), 0)).join(
            Invoice, Invoice.id == CreditNote.invoice_id).where(Invoice.order_id == so.id))
        invoiced = sum((i.total for i in invoices), self._zero()) - Decimal(credited or 0)
        paid = self.session.scalar(select(func.coalesce(func.sum(Allocation.amount), 0)).join(
            Invoice, Invoice.id == Allocation.invoice_id).where(Invoice.order_id == so.id,
                                                                 Allocation.payment_id.is_not(None)))
        deal = None
        if so.deal_id is not None:
            deal = self.books.pipeline._deal(so.deal_id).number
        warnings = []
        if so.status == QUOTATION:
            for v in views:
                if v.ordered > v.available:
                    warnings.append(f"line {v.line_no}: {v.sku}: {qty_text(v.ordered, v.unit)} asked, "
                                    f"{qty_text(max(v.available, Decimal(0)), v.unit)} available")
        return OrderView(so.id, so.number, so.status, so.customer_id, names.get(so.customer_id, ""), so.deal_id, deal,
                         so.date, so.valid_until, so.discount, views, invoices, net_total, tax_total,
                         net_total + tax_total, invoiced.quantize(Decimal(1).scaleb(-self.scale)),
                         Decimal(paid or 0).quantize(Decimal(1).scaleb(-self.scale)), so.version, warnings)

    def orders(self, *, status: str | None = None, customer=None, deal=None, limit: int | None = None,
               offset: int = 0) -> list[OrderRow]:
        """Orders, newest first: ``status`` one of the statuses, ``open`` (confirmed and not yet
        closed), or None for all."""
        self.books.require("sales.read")
        q = select(SalesOrder)
        if status not in (None, "", "all"):
            if status == "open":
                q = q.where(SalesOrder.status.in_(ACTIVE))
            elif status in STATUSES:
                q = q.where(SalesOrder.status == status)
            else:
                raise ValidationFailed([FieldError("status", f"{status!r} is not one of open, all, "
                                                             f"{', '.join(STATUSES)}")])
        if customer not in (None, ""):
            c = self.books.contacts.get(customer) if isinstance(customer, int) else self.books.contacts.resolve(str(customer))
            q = q.where(SalesOrder.customer_id == c.id)
        if deal not in (None, ""):
            q = q.where(SalesOrder.deal_id == self.books.pipeline._deal(deal).id)
        q = q.order_by(SalesOrder.date.desc(), SalesOrder.id.desc()).offset(offset)
        if limit is not None:
            q = q.limit(limit)
        return self._rows(list(self.session.scalars(q)))

    def _rows(self, orders: list[SalesOrder]) -> list[OrderRow]:
        if not orders:
            return []
        ids = [o.id for o in orders]
        names = self.books.contacts.names({o.customer_id for o in orders})
        sums: dict[int, list] = {i: [self._zero(), Decimal(0), Decimal(0)] for i in ids}
        for ln in self.session.scalars(select(SalesOrderLine).where(SalesOrderLine.order_id.in_(ids))):
            net = self._net(ln.quantity, ln.unit_price, ln.discount)
            s = sums[ln.order_id]
            s[0] += net + self._tax(net, ln.tax_rate)
            s[1] += ln.delivered
            s[2] += ln.quantity - ln.returned
        invoiced = dict(self.session.execute(select(Invoice.order_id, func.sum(Invoice.total))
                                             .where(Invoice.order_id.in_(ids)).group_by(Invoice.order_id)).all())
        credited = dict(self.session.execute(select(Invoice.order_id, func.sum(CreditNote.total))
                                             .join(Invoice, Invoice.id == CreditNote.invoice_id)
                                             .where(Invoice.order_id.in_(ids)).group_by(Invoice.order_id)).all())
        paid = dict(self.session.execute(select(Invoice.order_id, func.sum(Allocation.amount))
                                         .join(Invoice, Invoice.id == Allocation.invoice_id)
                                         .where(Invoice.order_id.in_(ids), Allocation.payment_id.is_not(None))
                                         .group_by(Invoice.order_id)).all())
        deals = {}
        deal_ids = {o.deal_id for o in orders if o.deal_id}
        if deal_ids:
            from bizsuite.crm.pipeline.models import Deal

            deals = dict(self.session.execute(select(Deal.id, Deal.number).where(Deal.id.in_(deal_ids))).all())
        zero = self._zero()
        out = []
        for o in orders:
            total, done, wanted = sums[o.id]
            delivered = ("—" if o.status == HISTORY else "all" if wanted and done >= wanted
                         else f"{done.normalize():f}/{wanted.normalize():f}")
            inv = (Decimal(invoiced.get(o.id) or 0) - Decimal(credited.get(o.id) or 0)) + zero
            out.append(OrderRow(o.id, o.number, o.date, o.customer_id, names.get(o.customer_id, ""), o.status, total,
                                delivered, inv, Decimal(paid.get(o.id) or 0) + zero, deals.get(o.deal_id)))
        return out

    def invoices(self, *, customer=None, open_only: bool = False, limit: int | None = None) -> list[InvoiceRow]:
        self.books.require("sales.read")
        q = select(Invoice)
        if customer not in (None, ""):
            c = self.books.contacts.get(customer) if isinstance(customer, int) else self.books.contacts.resolve(str(customer))
            q = q.where(Invoice.customer_id == c.id)
        if open_only:
            q = q.where(Invoice.settled < Invoice.total, Invoice.cancelled.is_(False))
        q = q.order_by(Invoice.date.desc(), Invoice.id.desc())
        if limit is not None:
            q = q.limit(limit)
        rows = list(self.session.scalars(q))
        names = self.books.contacts.names({i.customer_id for i in rows})
        orders = dict(self.session.execute(select(SalesOrder.id, SalesOrder.number).where(
            SalesOrder.id.in_({i.order_id for i in rows}))).all()) if rows else {}
        return [self._invoice_row(i, names, orders) for i in rows]

    def invoice_record(self, ref) -> InvoiceRow:
        self.books.require("sales.read")
        return self._invoice_row(self._invoice(ref))

    def balance(self, customer) -> dict:
        """What a customer owes now: open invoices, the part overdue, and their unused credit."""
        self.books.require("sales.read")
        c = self._customer(customer)
        today = clock.today()
        open_ = [(t - st, due) for t, st, due in self.session.execute(select(Invoice.total, Invoice.settled, Invoice.due)
                 .where(Invoice.customer_id == c.id, Invoice.settled < Invoice.total, Invoice.cancelled.is_(False)))]
        owed = sum((a for a, _ in open_), self._zero())
        overdue = sum((a for a, due in open_ if due < today), self._zero())
        credit = sum((a - u for a, u in self.session.execute(select(Payment.amount, Payment.allocated).where(
            Payment.customer_id == c.id, Payment.allocated < Payment.amount))), self._zero())
        credit += sum((t - u for t, u in self.session.execute(select(CreditNote.total, CreditNote.allocated).where(
            CreditNote.customer_id == c.id, CreditNote.allocated < CreditNote.total))), self._zero())
        return {"owed": owed, "overdue": overdue, "credit": credit, "balance": owed - credit}

    def aging(self, *, as_of=None, customer_id: int | None = None) -> list[AgingRow]:
        """What each customer owes at the end of ``as_of`` (today), by days past due: current (not
        yet due), 1–30, 31–60, 61–90, 90+; their unused credit at that day counts as current, less.

        The database sums it, per customer and bucket, and reads only the documents open now or
        touched by an allocation after the day (what allocations up to the day took from each is
        summed over its allocations' index): 200k invoices, mostly paid, cost what their open
        ones do (bench/sales.py: 4.1 s when every allocation and payment came back to Python)."""
        from sqlalchemy import BigInteger, case, type_coerce

        from bizsuite.core.money import from_minor
        from bizsuite.erp.stock.repository import parse_day

        self.books.require("sales.read")
        day = parse_day(as_of, "as_of")
        A = Allocation

        def raw(expr):  # the minor units the database holds
            return type_coerce(expr, BigInteger)

        def one(col):
            return col == customer_id if customer_id is not None else true()

        def by_day(mine):  # what allocations up to the day took from (or gave of) the document
            return func.coalesce(select(func.sum(raw(A.amount))).where(mine, A.date <= day).scalar_subquery(), 0)

        def since(col):  # the documents allocations after the day touched
            return select(col).where(A.date > day, col.is_not(None))

        rows: dict[int, list[int]] = {}
        past = [day - dt.timedelta(days=n) for n in (30, 60, 90)]
        slot = case((Invoice.due >= day, 0), (Invoice.due >= past[0], 1), (Invoice.due >= past[1], 2),
                    (Invoice.due >= past[2], 3), else_=4)
        # one row per open document, added up here: a GROUP BY in SQL makes SQLite (which plans
        # without statistics) walk the customer index and fetch every row from it, 4x slower
        for cid, k, units in self.session.execute(
                select(Invoice.customer_id, slot, raw(Invoice.total) - by_day(A.invoice_id == Invoice.id))
                .where(Invoice.date <= day, one(Invoice.customer_id),
                       or_(Invoice.settled < Invoice.total, Invoice.id.in_(since(A.invoice_id))))):
            if units:
                rows.setdefault(cid, [0] * 5)[k] += int(units)
        for model, amount, key in ((Payment, Payment.amount, A.payment_id),
                                   (CreditNote, CreditNote.total, A.credit_note_id)):
            for cid, units in self.session.execute(
                    select(model.customer_id, raw(amount) - by_day(key == model.id))
                    .where(model.date <= day, one(model.customer_id),
                           or_(model.allocated < amount, model.id.in_(since(key))))):
                if units:
                    rows.setdefault(cid, [0] * 5)[0] -= int(units)
        names = self.books.contacts.names(rows)
        scale, zero = self.scale, self._zero()
        out = [AgingRow(cid, names.get(cid, f"#{cid}"), *(from_minor(v, scale) if v else zero for v in units))
               for cid, units in rows.items() if any(units)]
        out.sort(key=lambda r: (r.customer.casefold(), r.customer_id))
        return out

    def statement(self, customer, *, start=None, end=None) -> Statement:
        """A customer's statement from ``start`` (the first of this month) to ``end`` (today): the
        balance forward, every invoice, credit note and payment dated in between with a running
        balance, the closing balance, and their aging at the end. Three queries, one per kind of
        document, each over the customer's index."""
        from bizsuite.erp.stock.repository import parse_day

        self.books.require("sales.read")
        c = self._customer(customer)
        last = parse_day(end, "to")
        first = parse_day(start, "from") if start not in (None, "") else last.replace(day=1)
        if first > last:
            raise ValidationFailed([FieldError("from", f"{first} is after the statement's end {last}")])
        zero = self._zero()
        opening = zero
        items: list[tuple] = []  # (date, order within the day, number, kind, description, amount)
        orders = dict(self.session.execute(select(SalesOrder.id, SalesOrder.number)
                                           .where(SalesOrder.customer_id == c.id)).all())
        for num, day, total, oid, due, cancelled in self.session.execute(
                select(Invoice.number, Invoice.date, Invoice.total, Invoice.order_id, Invoice.due, Invoice.cancelled)
                .where(Invoice.customer_id == c.id, Invoice.date <= last)):
            if day < first:
                opening += total
            else:
                items.append((day, 0, num, "invoice", f"Invoice for {orders.get(oid, '')}, due {due}", total))
        notes = dict(self.session.execute(select(Invoice.id, Invoice.number).where(Invoice.customer_id == c.id)).all())
        for num, day, total, iid, kind, why in self.session.execute(
                select(CreditNote.number, CreditNote.date, CreditNote.total, CreditNote.invoice_id, CreditNote.kind,
                       CreditNote.reason).where(CreditNote.customer_id == c.id, CreditNote.date <= last)):
            if day < first:
                opening -= total
            else:
                what = {CN_RETURN: "Goods returned", CN_ALLOWANCE: "Allowance", CN_CANCEL: "Invoice cancelled"}[kind]
                items.append((day, 1, num, "credit_note", f"{what} on {notes.get(iid, '')}" + (f": {why}" if why else ""),
                              -total))
        for num, day, amount, ref in self.session.execute(
                select(Payment.number, Payment.date, Payment.amount, Payment.ref)
                .where(Payment.customer_id == c.id, Payment.date <= last)):
            if day < first:
                opening -= amount
            else:
                items.append((day, 2, num, "payment", "Payment received" + (f", {ref}" if ref else ""), -amount))
        items.sort(key=lambda x: (x[0], x[1], x[2]))
        running = opening
        lines = []
        for day, _, num, kind, text, amount in items:
            running += amount
            lines.append(StatementLine(day, num, kind, text, amount, running))
        aging = next(iter(self.aging(as_of=last, customer_id=c.id)), None)
        address = ", ".join(x for x in (c.address, c.city, c.country) if x) or None
        return Statement(c.id, c.name, address, first, last, opening, lines, running, aging)

    def deal_documents(self, deal_id: int) -> dict | None:
        """A deal's quotations and orders, its invoices' total and what of that is paid (the
        pipeline's deal page and ``pipeline show``, through the ``pipeline.deal_documents`` hook),
        and the record kind an order opens as; None for a role that may not read sales."""
        if not self.books.actor.can("sales.read"):
            return None
        rows = self.orders(deal=deal_id)
        return {"orders": rows, "invoiced": sum((r.invoiced for r in rows), self._zero()),
                "paid": sum((r.paid for r in rows), self._zero()), "opens": "sales_order"}

    def summary(self) -> dict:
        """The home screen's figure: how many orders are open (confirmed, not yet closed) and what
        the open invoices past their due day still ask for."""
        self.books.require("sales.read")
        open_ = self.session.scalar(select(func.count()).select_from(SalesOrder)
                                    .where(SalesOrder.status.in_(ACTIVE))) or 0
        # each column summed on its own keeps its type (minor units back to money); a difference would not
        total, settled = self.session.execute(select(func.sum(Invoice.total), func.sum(Invoice.settled)).where(
            Invoice.cancelled.is_(False), Invoice.settled < Invoice.total, Invoice.due < clock.today())).one()
        return {"open": open_, "overdue": (total or 0) - (settled or 0) + self._zero()}

    def counts(self) -> dict[str, int]:
        return {"orders": self.session.scalar(select(func.count()).select_from(SalesOrder)) or 0,
                "invoices": self.session.scalar(select(func.count()).select_from(Invoice)) or 0}

    # -- what the screens read (read-only) -----------------------------------------------------
    ORDER_SHOWS = ("open", "quotation", "to_deliver", "to_invoice", "unpaid", "all", *STATUSES)
    INVOICE_SHOWS = ("open", "overdue", "paid", "cancelled", "all")
    SEARCH_CUSTOMERS = 500  # a search by name looks at the documents of this many matching customers

    def _search_where(self, model, prefix: str, search: str):
        """A list's search box: a document's number (``so-12``, ``12``), else words of the
        customer's name (the contacts' own search, its first matches)."""
        text = (search or "").strip()
        if not text:
            return None
        n = record_id(text)
        number = numbering.label(n, prefix=prefix) if n is not None and fits(n) else \
            numbering.parse_label(text, prefix)
        ids = [r.id for r in self.books.contacts.page(query=text, limit=self.SEARCH_CUSTOMERS, with_total=False).rows]
        return or_(model.number == number, model.customer_id.in_(ids)) if ids else model.number == number

    def _orders_where(self, q, show: str | None, search: str | None):
        show = show or "all"
        if show not in self.ORDER_SHOWS:
            raise ValidationFailed([FieldError("show", f"{show!r} is not one of {', '.join(self.ORDER_SHOWS)}")])
        if show == "open":
            q = q.where(SalesOrder.status.in_(ACTIVE))
        elif show == "to_deliver":
            q = q.where(SalesOrder.status.in_((CONFIRMED, PARTIAL)))
        elif show == "to_invoice":  # what ``invoice`` would bill: delivered (or ordered) and not yet invoiced
            basis = ((SalesOrderLine.quantity - SalesOrderLine.returned) if self.invoice_policy() == "ordered"
                     else SalesOrderLine.delivered)
            q = q.where(SalesOrder.status.in_(ACTIVE), select(SalesOrderLine.id).where(
                SalesOrderLine.order_id == SalesOrder.id, basis > SalesOrderLine.invoiced).exists())
        elif show == "unpaid":
            q = q.where(select(Invoice.id).where(Invoice.order_id == SalesOrder.id, Invoice.settled < Invoice.total,
                                                 Invoice.cancelled.is_(False)).exists())
        elif show != "all":
            q = q.where(SalesOrder.status == show)
        where = self._search_where(SalesOrder, PREFIX_SO, search or "")
        return q.where(where) if where is not None else q

    def orders_page(self, *, show: str | None = "open", search: str | None = "", offset: int = 0,
                    limit: int = 100) -> list[OrderRow]:
        """A page of orders, newest first: ``show`` one of ``ORDER_SHOWS`` (open: confirmed and
        not yet closed; to_deliver; to_invoice: something delivered, or ordered by the policy,
        is not yet invoiced; unpaid: an invoice is still open; or a status), ``search`` a
        number or words of the customer's name."""
        self.books.require("sales.read")
        q = self._orders_where(select(SalesOrder), show, search)
        q = q.order_by(SalesOrder.date.desc(), SalesOrder.id.desc()).offset(offset).limit(limit)
        return self._rows(list(self.session.scalars(q)))

    def orders_count(self, *, show: str | None = "open", search: str | None = "") -> int:
        self.books.require("sales.read")
        q = self._orders_where(select(func.count()).select_from(SalesOrder), show, search)
        return self.session.scalar(q) or 0

    def _invoices_where(self, q, show: str | None, search: str | None):
        show = show or "all"
        if show not in self.INVOICE_SHOWS:
            raise ValidationFailed([FieldError("show", f"{show!r} is not one of {', '.join(self.INVOICE_SHOWS)}")])
        open_ = (Invoice.settled < Invoice.total, Invoice.cancelled.is_(False))
        if show == "open":
            q = q.where(*open_)
        elif show == "overdue":
            q = q.where(*open_, Invoice.due < clock.today())
        elif show == "paid":
            q = q.where(Invoice.settled >= Invoice.total, Invoice.cancelled.is_(False))
        elif show == "cancelled":
            q = q.where(Invoice.cancelled.is_(True))
        where = self._search_where(Invoice, PREFIX_INV, search or "")
        return q.where(where) if where is not None else q

    def invoices_page(self, *, show: str | None = "open", search: str | None = "", offset: int = 0,
                      limit: int = 100) -> list[InvoiceRow]:
        """A page of invoices: the open and the overdue ones the oldest due first, the others
        newest first; ``show`` one of ``INVOICE_SHOWS``, ``search`` a number or a customer."""
        self.books.require("sales.read")
        q = self._invoices_where(select(Invoice), show, search)
        order = ((Invoice.due, Invoice.id) if show in ("open", "overdue") else (Invoice.date.desc(), Invoice.id.desc()))
        rows = list(self.session.scalars(q.order_by(*order).offset(offset).limit(limit)))
        names = self.books.contacts.names({i.customer_id for i in rows})
        orders = dict(self.session.execute(select(SalesOrder.id, SalesOrder.number).where(
            SalesOrder.id.in_({i.order_id for i in rows}))).all()) if rows else {}
        return [self._invoice_row(i, names, orders) for i in rows]

    def invoices_count(self, *, show: str | None = "open", search: str | None = "") -> int:
        self.books.require("sales.read")
        return self.session.scalar(self._invoices_where(select(func.count()).select_from(Invoice), show, search)) or 0

    def _credit_rows(self, where) -> list:
        from bizsuite.erp.sales.views import CreditNoteRow

        rows = list(self.session.execute(select(CreditNote, Invoice.number).join(Invoice, Invoice.id == CreditNote.invoice_id)
                                         .where(where).order_by(CreditNote.date, CreditNote.id)).all())
        return [CreditNoteRow(cn.id, cn.number, cn.kind, cn.invoice_id, number, cn.date, cn.total, cn.allocated, cn.reason)
                for cn, number in rows]

    def _payment_rows(self, where) -> list:
        """Payments with what of each settled the invoices ``where`` picks."""
        from bizsuite.erp.sales.views import PaymentRow

        q = (select(Payment, func.sum(Allocation.amount)).join(Allocation, Allocation.payment_id == Payment.id)
             .join(Invoice, Invoice.id == Allocation.invoice_id).where(where)
             .group_by(Payment.id).order_by(Payment.date, Payment.id))
        zero = self._zero()
        return [PaymentRow(p.id, p.number, p.date, p.amount, Decimal(applied or 0) + zero, p.ref)
                for p, applied in self.session.execute(q).all()]

    def order_documents(self, ref):  # -> views.OrderDocuments
        """An order's deliveries (what went out, from where, at what cost), the credit notes on
        its invoices, and the payments that settled them (how much of each went to this order)."""
        from bizsuite.erp.sales.views import DeliveryRow, OrderDocuments

        self.books.require("sales.read")
        so = self._order(ref)
        lines = {ln.id: ln for ln in self._lines(so)}
        stock = self.books.stock
        products = {ln.product_id: stock.product(ln.product_id) for ln in lines.values()}
        deliveries = list(self.session.scalars(select(Delivery).where(Delivery.order_id == so.id)
                                               .order_by(Delivery.date, Delivery.id)))
        by_delivery: dict[int, list[DeliveryLine]] = {}
        if deliveries:
            for dl in self.session.scalars(select(DeliveryLine).where(
                    DeliveryLine.delivery_id.in_([d.id for d in deliveries])).order_by(DeliveryLine.id)):
                by_delivery.setdefault(dl.delivery_id, []).append(dl)
        places: dict[int, str] = {}
        out = []
        for d in deliveries:
            if d.location_id not in places:
                places[d.location_id] = stock.location(d.location_id).name
            moved = by_delivery.get(d.id, [])
            out.append(DeliveryRow(d.id, d.date, places[d.location_id],
                                   [(products[lines[dl.order_line_id].product_id].sku, dl.quantity,
                                     products[lines[dl.order_line_id].product_id].unit) for dl in moved],
                                   sum((dl.value for dl in moved), self._zero()), d.created_by))
        return OrderDocuments(out, self._credit_rows(Invoice.order_id == so.id),
                              self._payment_rows(Invoice.order_id == so.id))

    def invoice_view(self, ref):  # -> views.InvoiceView
        """One invoice: its lines (with what credit notes took back and what the order's line has
        delivered now), what settled it (payments and credit notes, by day) and its credit notes."""
        from bizsuite.erp.sales.views import InvoiceLineView, InvoiceView, Settlement

        self.books.require("sales.read")
        inv = self._invoice(ref)
        row = self._invoice_row(inv)
        order_lines = {ln.id: ln for ln in self._lines(self._order(inv.order_id))}
        stock = self.books.stock
        lines = []
        for il in self.session.scalars(select(InvoiceLine).where(InvoiceLine.invoice_id == inv.id).order_by(InvoiceLine.id)):
            ol = order_lines[il.order_line_id]
            p = stock.product(ol.product_id)
            lines.append(InvoiceLineView(il.id, p.sku, p.name, p.unit, il.quantity, il.unit_price, il.discount,
                                         il.tax_rate, il.net, il.tax, il.credited, il.credited_net, ol.delivered))
        settled = []
        allocations = list(self.session.scalars(select(Allocation).where(Allocation.invoice_id == inv.id)
                                                .order_by(Allocation.date, Allocation.id)))
        pay_ids = {a.payment_id for a in allocations if a.payment_id}
        note_ids = {a.credit_note_id for a in allocations if a.credit_note_id}
        pays = dict(self.session.execute(select(Payment.id, Payment.number).where(Payment.id.in_(pay_ids))).all()) \
            if pay_ids else {}
        notes = dict(self.session.execute(select(CreditNote.id, CreditNote.number).where(
            CreditNote.id.in_(note_ids))).all()) if note_ids else {}
        for a in allocations:
            if a.payment_id:
                settled.append(Settlement("payment", a.payment_id, pays[a.payment_id], a.date, a.amount))
            else:
                settled.append(Settlement("credit_note", a.credit_note_id, notes[a.credit_note_id], a.date, a.amount))
        today = clock.today()
        late = (today - inv.due).days if not inv.cancelled and inv.settled < inv.total and inv.due < today else 0
        status = ("cancelled" if inv.cancelled else "paid" if inv.settled >= inv.total else
                  "overdue" if late else "open")
        return InvoiceView(row, inv.order_id, status, late, lines, settled, self._credit_rows(CreditNote.invoice_id == inv.id))

    def payment(self, ref) -> PaymentView:
        """A customer's payment (``PAY-00003`` or its id): the invoices it settled and what of it
        is left as their credit."""
        self.books.require("sales.read")
        return self._payment_views([self._find(Payment, PREFIX_PAY, "customer payment", ref)])[0]

    def customer_payments(self, customer, *, limit: int = 20) -> list[PaymentView]:
        """A customer's payments, newest first."""
        self.books.require("sales.read")
        c = self.books.contacts.get(customer) if isinstance(customer, int) else self.books.contacts.resolve(str(customer))
        return self._payment_views(list(self.session.scalars(
            select(Payment).where(Payment.customer_id == c.id).order_by(Payment.date.desc(), Payment.id.desc())
            .limit(limit))))

    def _payment_views(self, pays: list[Payment]) -> list[PaymentView]:
        if not pays:
            return []
        names = self.books.contacts.names({p.customer_id for p in pays})
        done: dict[int, list[tuple[str, Decimal]]] = {p.id: [] for p in pays}
        for pid, number, amount in self.session.execute(
                select(Allocation.payment_id, Invoice.number, Allocation.amount)
                .join(Invoice, Invoice.id == Allocation.invoice_id)
                .where(Allocation.payment_id.in_(list(done))).order_by(Allocation.id)):
            done[pid].append((number, amount))
        return [PaymentView(p.id, p.number, p.customer_id, names.get(p.customer_id, ""), p.date, p.amount, done[p.id],
                            p.amount - p.allocated, p.entry_id) for p in pays]

    def pick_products(self, search: str, *, limit: int = 6) -> list:  # of views.PickRow
        """Active products matching ``search`` (SKU or name, any case or script) as a quotation's
        picker shows them: the price and tax rate a line takes, on hand, and available to a new
        order (at the warehouse, less what every order holds: what ``confirm`` can reserve)."""
        from bizsuite.erp.sales.views import PickRow

        self.books.require("sales.read")
        rows = self.books.stock.products(search=search, limit=limit, with_total=False).rows
        return [PickRow(r.id, r.sku, r.name, r.unit, r.price, r.tax_rate, r.on_hand, self._available(r.id))
                for r in rows]

    def invoice_preview(self, ref) -> list:  # of views.InvoicePreviewLine
        """What ``invoice`` would bill on an order now, line by line (the same basis: what was
        delivered, or ordered by the policy, and not yet invoiced; the same rounding); empty when
        nothing is to invoice."""
        from bizsuite.erp.sales.views import InvoicePreviewLine

        self.books.require("sales.read")
        so = self._order(ref)
        if so.status in (QUOTATION, CANCELLED, HISTORY):
            return []
        ordered = self.invoice_policy() == "ordered"
        out = []
        for ol in self._lines(so):
            basis = (ol.quantity - ol.returned) if ordered else ol.delivered
            if basis > ol.invoiced:
                q = basis - ol.invoiced
                p = self.books.stock.product(ol.product_id)
                net = self._net(q, ol.unit_price, ol.discount)
                out.append(InvoicePreviewLine(p.sku, p.name, p.unit, q, net, self._tax(net, ol.tax_rate)))
        return out


def quote_for_deal(books, deal, lines, **options) -> tuple[str, dict, list[str]]:
    """The ``pipeline.quote`` hook: a quotation tied to a deal, for its customer — what the
    command says, the quotation's record, and its warnings."""
    from bizsuite.erp.sales.records import order_record

    o = books.sales.create(None, lines, deal=deal, **options)
    text = f"created {o.number} for {o.customer}: {len(o.lines)} lines, total {o.total} (quotation for {o.deal})"
    return text, order_record(o), o.warnings


def deal_documents(books, deal_id: int) -> dict | None:
    """The ``pipeline.deal_documents`` hook."""
    return books.sales.deal_documents(deal_id)

"""The purchasing API (``books.purchasing``): orders, receipts, bills, payments, suggestions, aging.

**Receipts move stock** through ``books.stock.move("receipt", …, source=("purchase_receipt",
receipt_id), ref=PO number, contact_id=supplier)`` in the same unit of work as the receipt:
inventory/GRNI at the order line's price. Over-receipt is refused unless a reason is given.

**Bills** (3-way match, line by line): a bill line never takes more than was received on its
order line and not yet billed — the bill is refused, its quantity is never rewritten
(odoo/odoo#250925). Each bill line clears GRNI at the **receipts' value** of the units it bills
(the receipt lines it matches, oldest first, by :func:`bizsuite.core.money.share` of each
receipt line's value, so a receipt billed in full clears exactly its value and GRNI ends at
zero). What the bill charges beyond (or below) that value goes to the ``price_difference``
account; its tax to ``input_tax``; the total to AP (``payable``, the supplier on the line).

Price difference, the choice: inventory stays at the receipt's price and the whole difference
goes to the price-difference account, whether or not the goods are still on hand. Odoo's AVCO
(purchase_stock) instead adds the on-hand share to the stock's value; that needs a value-only
revaluation from stock, which its public API does not offer yet (see the report). Example: PO
10 @ 10.00 (tax 13%), receive 10 → Dr inventory 100.00 / Cr GRNI 100.00; bill 10 @ 12.00 → Dr
GRNI 100.00, Dr price difference 20.00, Dr input tax 15.60 / Cr AP 135.60. GRNI is 0.

**Payments** post AP/bank, never more than a bill still owes.

**Concurrency.** Every write on an order locks the order's row first (``FOR UPDATE``; SQLite's
writer lock does the same), then stock locks its products, then the ledger its own: two clerks
receiving the last unit due are served one after the other, the second sees nothing due.
A payment locks its bill's row.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Sequence

from sqlalchemy import BigInteger, func, or_, select, type_coerce

from bizsuite.core import clock, numbering, versioning
from bizsuite.core.errors import FieldError, NotFound, Refused, ValidationFailed
from bizsuite.core.money import QUANTITY_SCALE, clean_amount, from_minor, line_value, share, to_minor
from bizsuite.core.parsing import fits, record_id, text_field
from bizsuite.erp.purchasing.models import (
    CANCELLED,
    CLOSED,
    CONFIRMED,
    DRAFT,
    OPEN_STATUSES,
    PARTIAL,
    RECEIVED,
    STATUS_LABELS,
    STATUSES,
    AgingRow,
    Bill,
    BillLine,
    BillView,
    LineView,
    OrderLine,
    OrderRow,
    OrderView,
    Payment,
    PaymentView,
    PurchaseOrder,
    Receipt,
    ReceiptDone,
    ReceiptLine,
    Suggestion,
    SupplierSummary,
)
from bizsuite.erp.stock.models import Page

SERIES_PO, SERIES_BILL, SERIES_PAY = "purchasing.po", "purchasing.bill", numbering.PAYMENTS
PREFIX_PO, PREFIX_BILL, PREFIX_PAY = "PO-", "BILL-", "PAY-"
SOURCE_RECEIPT, SOURCE_BILL, SOURCE_PAYMENT = "purchase_receipt", "supplier_bill", "supplier_payment"
NOT_DONE = (DRAFT, CONFIRMED, PARTIAL, RECEIVED)  # an "open" order: not yet closed or cancelled
MAX_LINES = 1000  # lines on one order (a bill posts up to two ledger lines per order line)
DEFAULT_TERMS = 30  # days from a bill's date to its due date when none is given

_OL, _PO, _B, _P = OrderLine.__table__, PurchaseOrder.__table__, Bill.__table__, Payment.__table__


def _raw(expr):
    return type_coerce(expr, BigInteger)


def _q(units) -> Decimal:
    return from_minor(int(units or 0), QUANTITY_SCALE)


def qty_text(q: Decimal, unit: str) -> str:
    """``5 pcs``, ``2.5 kg``: a quantity as people read it."""
    text = f"{q.normalize():f}" if q != 0 else "0"
    return f"{text} {unit}"



@dataclass
class LineIn:
    """One line as a caller gives it: a product (SKU, ``#id`` or id), a quantity, and where the
    document takes one, a unit price and a tax rate (None: the default)."""

    product: int | str
    quantity: Decimal | str
    unit_price: Decimal | str | None = None
    tax_rate: Decimal | str | None = None


def parse_line(text: str, what: str, *, price: str = "no") -> LineIn:
    """``"SKU QTY [PRICE [TAX%]]"`` as typed on the command line. ``price``: "required",
    "optional" or "no"."""
    parts = (text or "").split()
    most = {"required": 4, "optional": 3, "no": 2}[price]
    least = 3 if price == "required" else 2
    if not (least <= len(parts) <= most):
        shape = {"required": "SKU QTY PRICE [TAX%]", "optional": "SKU QTY [PRICE]", "no": "SKU QTY"}[price]
        raise ValidationFailed([FieldError(what, f"{text.strip()!r} is not {shape}")])
    return LineIn(parts[0], parts[1], parts[2] if len(parts) > 2 else None, parts[3] if len(parts) > 3 else None)



def _lines_in(lines, price: str) -> list[LineIn]:
    out = []
    for n, ln in enumerate(lines or (), 1):
        out.append(parse_line(ln, f"line {n}", price=price) if isinstance(ln, str) else ln)
    return out


def _money_total(net: Decimal, rate: Decimal, scale: int) -> tuple[Decimal, Decimal]:
    """(net, tax) of a line: tax rounded once, like the goods (core.money.line_value)."""
    return net, line_value(net, rate / Decimal(100), scale)


def on_order(books, product_ids: Sequence[int]) -> dict[int, Decimal]:
    """The ``stock.on_order`` hook: what confirmed orders still expect of each product."""
    ids = list(product_ids)
    if not ids:
        return {}
    due = _raw(_OL.c.quantity) - _raw(_OL.c.received)
    q = (select(_OL.c.product_id, func.sum(due))
         .select_from(_OL.join(_PO, _PO.c.id == _OL.c.order_id))
         .where(_PO.c.status.in_(OPEN_STATUSES), _OL.c.quantity > _OL.c.received, _OL.c.product_id.in_(ids))
         .group_by(_OL.c.product_id))
    return {pid: _q(units) for pid, units in books.session.execute(q)}


class PurchasingRepository:
    def __init__(self, books):
        self.books = books
        self.session = books.session

    @property
    def scale(self) -> int:
        return self.books.ledger.scale

    # -- finding documents --------------------------------------------------------------------
    def _order(self, ref: int | str, *, lock: bool = False) -> PurchaseOrder:
        """An order by its number (``PO-00012``, any case) or its id (``12``, ``#12``)."""
        text = str(ref).strip()
        number = record_id(ref)
        q = select(PurchaseOrder)
        if number is not None:
            q = q.where(PurchaseOrder.id == number) if fits(number) else None
        else:
            q = q.where(PurchaseOrder.number == numbering.parse_label(text, PREFIX_PO))
        po = None
        if q is not None:
            if lock:
                q = q.with_for_update().execution_options(populate_existing=True)
            po = self.session.scalars(q).first()
        if po is None:
            raise NotFound(f"no purchase order {text!r}")
        return po

    def _bill(self, ref: int | str, *, lock: bool = False) -> Bill:
        text = str(ref).strip()
        number = record_id(ref)
        q = select(Bill)
        if number is not None:
            q = q.where(Bill.id == number) if fits(number) else None
        else:
            q = q.where(Bill.number == numbering.parse_label(text, PREFIX_BILL))
        b = None
        if q is not None:
            if lock:
                q = q.with_for_update().execution_options(populate_existing=True)
            b = self.session.scalars(q).first()
        if b is None:
            raise NotFound(f"no bill {text!r}")
        return b

    def _lines(self, po: PurchaseOrder, *, lock: bool = False) -> list[OrderLine]:
        q = select(OrderLine).where(OrderLine.order_id == po.id).order_by(OrderLine.line_no)
        if lock:
            q = q.with_for_update().execution_options(populate_existing=True)
        return list(self.session.scalars(q))

    def _supplier(self, ref) -> "object":
        try:
            c = self.books.contacts.get(ref) if isinstance(ref, int) else self.books.contacts.resolve(str(ref))
        except Refused as exc:
            raise ValidationFailed([FieldError("supplier", exc.problems[0])]) from None
        if not c.is_supplier:
            raise ValidationFailed([FieldError("supplier", f"{c.name} (#{c.id}) is not a supplier; give the contact "
                                                           f"the supplier role first")])
        return c

    # -- orders -------------------------------------------------------------------------------
    def create(self, supplier: int | str, lines: Sequence[LineIn | str], *, date=None, expected=None) -> OrderView:
        """A draft order: ``lines`` are ``LineIn`` or ``"SKU QTY PRICE [TAX%]"``; the tax rate is
        the product's unless given. One line per product."""
        from bizsuite.erp.stock.repository import parse_day, parse_price, parse_quantity, parse_rate

        self.books.require("purchasing.write")
        c = self._supplier(supplier)
        day = parse_day(date, "date")
        exp = parse_day(expected, "expected") if expected not in (None, "") else None
        errors: list[FieldError] = []
        if exp is not None and exp < day:
            errors.append(FieldError("expected", f"{exp} is before the order's date {day}"))
        given = _lines_in(lines, "required")
        if not given:
            errors.append(FieldError("lines", "an order needs at least one line (--line \"SKU QTY PRICE\")"))
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
                if ln.unit_price in (None, ""):
                    raise ValidationFailed([FieldError("price", "is required (SKU QTY PRICE)")])
                price = parse_price(ln.unit_price, "price")
                rate = parse_rate(ln.tax_rate, "tax_rate") if ln.tax_rate not in (None, "") else p.tax_rate
                made.append((p, q, price, rate))
            except ValidationFailed as exc:
                errors.extend(FieldError(f"{where}: {e.field}", e.message) for e in exc.errors)
            except Refused as exc:
                errors.append(FieldError(where, exc.problems[0]))
        if errors:
            raise ValidationFailed(errors)
        now, who = clock.now(), self.books.actor.name
        po = PurchaseOrder(number=numbering.label(numbering.take(self.books, SERIES_PO), prefix=PREFIX_PO),
                           supplier_id=c.id, status=DRAFT, date=day, expected=exp,
                           created_at=now, created_by=who, updated_at=now, updated_by=who)
        self.session.add(po)
        self.session.flush()
        for n, (p, q, price, rate) in enumerate(made, 1):
            self.session.add(OrderLine(order_id=po.id, line_no=n, product_id=p.id, quantity=q, unit_price=price,
                                       tax_rate=rate))
        self.session.flush()
        return self.order(po.id)

    def confirm(self, ref: int | str) -> OrderView:
        self.books.require("purchasing.write")
        po = self._order(ref, lock=True)
        if po.status != DRAFT:
            raise Refused(f"{po.number} is {STATUS_LABELS[po.status]}; only a draft can be confirmed")
        po.status = CONFIRMED
        versioning.touch(po, self.books.actor.name)
        self.session.flush()
        return self.order(po.id)

    def cancel(self, ref: int | str) -> OrderView:
        """Cancel an order on which nothing has been received."""
        self.books.require("purchasing.write")
        po = self._order(ref, lock=True)
        lines = self._lines(po)
        got = [ln for ln in lines if ln.received > 0]
        if got:
            p = self.books.stock.product(got[0].product_id)
            raise Refused(f"{po.number} has receipts ({p.sku} {qty_text(got[0].received, p.unit)} received); "
                          f"an order with receipts cannot be cancelled")
        if po.status not in (DRAFT, CONFIRMED):
            raise Refused(f"{po.number} is {STATUS_LABELS[po.status]}; it cannot be cancelled")
        po.status = CANCELLED
        versioning.touch(po, self.books.actor.name)
        self.session.flush()
        return self.order(po.id)

    def _set_status(self, po: PurchaseOrder, lines: list[OrderLine]) -> None:
        if po.status in (DRAFT, CANCELLED):
            return
        if all(ln.received >= ln.quantity for ln in lines):
            new = CLOSED if all(ln.billed == ln.received for ln in lines) else RECEIVED
        elif any(ln.received > 0 for ln in lines):
            new = PARTIAL
        else:
            new = CONFIRMED
        if new != po.status:
            po.status = new
            versioning.touch(po, self.books.actor.name)

    def _match(self, po: PurchaseOrder, lines: list[OrderLine], given: list[LineIn]) -> list[tuple[OrderLine, LineIn, str]]:
        """Each given line's order line (by product), with where it was given ("line 2")."""
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
                errors.append(FieldError(where, f"{p.sku} is not on {po.number}"))
            elif any(o is ol for o, _, _ in out):
                errors.append(FieldError(where, f"{p.sku} is given twice"))
            else:
                out.append((ol, g, where))
        if errors:
            raise ValidationFailed(errors)
        return out

    # -- receipts -----------------------------------------------------------------------------
    def receive(self, ref: int | str, lines: Sequence[LineIn | str] | None = None, *, date=None,
                location: int | str | None = None, over: str | None = None) -> ReceiptDone:
        """Goods in against a confirmed order: ``lines`` (``"SKU QTY"``), or everything still due.
        More than ordered is refused unless ``over`` gives the reason."""
        from bizsuite.erp.stock.models import MoveIn
        from bizsuite.erp.stock.repository import parse_day, parse_quantity

        self.books.require("purchasing.receive")
        over = text_field(over, "over", 200)
        po = self._order(ref, lock=True)
        if po.status == DRAFT:
            raise Refused(f"{po.number} is a draft; confirm it first: bizsuite purchase confirm {po.number}")
        if po.status in (CANCELLED, CLOSED):
            raise Refused(f"{po.number} is {STATUS_LABELS[po.status]}; nothing can be received on it")
        day = parse_day(date, "date")
        if day < po.date:
            raise ValidationFailed([FieldError("date", f"{day} is before the order's date {po.date}")])
        order_lines = self._lines(po, lock=True)
        given = _lines_in(lines, "no")
        plan: list[tuple[OrderLine, Decimal]] = []
        errors: list[FieldError] = []
        products = {ol.product_id: self.books.stock.product(ol.product_id) for ol in order_lines}
        if given:
            for ol, g, where in self._match(po, order_lines, given):
                p = products[ol.product_id]
                try:
                    q = parse_quantity(g.quantity, p.unit, "quantity")
                except ValidationFailed as exc:
                    errors.extend(FieldError(f"{where}: {e.field}", e.message) for e in exc.errors)
                    continue
                if ol.received + q > ol.quantity and not over:
                    due = max(ol.quantity - ol.received, Decimal(0))
                    errors.append(FieldError(where, f"{p.sku}: receiving {qty_text(q, p.unit)} is more than the "
                                                    f"{qty_text(due, p.unit)} still due on {po.number} (ordered "
                                                    f"{qty_text(ol.quantity, p.unit)}, received "
                                                    f"{qty_text(ol.received, p.unit)}); to take more than ordered, "
                                                    f"give the reason (over)"))
                    continue
                plan.append((ol, q))
        else:
            plan = [(ol, ol.quantity - ol.received) for ol in order_lines if ol.received < ol.quantity]
            if not plan:
                raise Refused(f"{po.number}: nothing is still due")
        if errors:
            raise ValidationFailed(errors)
        over_used = any(ol.received + q > ol.quantity for ol, q in plan)
        loc = self.books.stock.location(location) if location not in (None, "") else self.books.stock.default_location()
        now, who = clock.now(), self.books.actor.name
        r = Receipt(order_id=po.id, date=day, location_id=loc.id, over_reason=over if over_used else None,
                    created_at=now, created_by=who)
        self.session.add(r)
        self.session.flush()
        moved = self.books.stock.move(
            "receipt", [MoveIn(ol.product_id, q, ol.unit_price, loc.id) for ol, q in plan], date=day,
            source=(SOURCE_RECEIPT, r.id), ref=po.number, contact_id=po.supplier_id,
            memo=f"Receipt {po.number}" + (f" (over: {over})" if over_used else ""))
        done = []
        for (ol, q), m in zip(plan, moved.moves):
            self.session.add(ReceiptLine(receipt_id=r.id, order_line_id=ol.id, quantity=q, unit_cost=m.unit_cost,
                                         value=m.value, move_id=m.id))
            ol.received = ol.received + q
            p = products[ol.product_id]
            done.append((p.sku, q, p.unit))
        r.entry_id = moved.entry_ids[0] if moved.entry_ids else None
        self._set_status(po, order_lines)
        self.session.flush()
        return ReceiptDone(self.order(po.id), r.id, r.entry_id, done)

    # -- bills --------------------------------------------------------------------------------
    def bill(self, ref: int | str, *, supplier_ref: str, lines: Sequence[LineIn | str] | None = None,
             date=None, due=None) -> BillView:
        """The supplier's bill against an order: ``lines`` (``"SKU QTY [PRICE]"``), or everything
        received and not yet billed at the order's prices. Never more than received, line by line."""
        from bizsuite.erp.stock.repository import parse_day, parse_price, parse_quantity

        self.books.require("purchasing.bill")
        sref = text_field(supplier_ref, "ref", 100)
        if not sref:
            raise ValidationFailed([FieldError("ref", "the supplier's invoice number is required (--ref)")])
        po = self._order(ref, lock=True)
        if po.status in (DRAFT, CANCELLED):
            raise Refused(f"{po.number} is {STATUS_LABELS[po.status]}; there is nothing on it to bill")
        day = parse_day(date, "date")
        due_day = parse_day(due, "due") if due not in (None, "") else day + dt.timedelta(days=DEFAULT_TERMS)
        if due_day < day:
            raise ValidationFailed([FieldError("due", f"{due_day} is before the bill's date {day}")])
        key = " ".join(sref.split()).casefold()
        twin = self.session.scalars(select(Bill).where(Bill.supplier_id == po.supplier_id, Bill.ref_key == key)).first()
        if twin is not None:
            raise Refused(f"the supplier's bill {sref!r} is already in the books as {twin.number}")
        order_lines = self._lines(po, lock=True)
        products = {ol.product_id: self.books.stock.product(ol.product_id) for ol in order_lines}
        given = _lines_in(lines, "optional")
        plan: list[tuple[OrderLine, Decimal, Decimal]] = []
        errors: list[FieldError] = []
        if given:
            for ol, g, where in self._match(po, order_lines, given):
                p = products[ol.product_id]
                try:
                    q = parse_quantity(g.quantity, p.unit, "quantity")
                    price = parse_price(g.unit_price, "price") if g.unit_price not in (None, "") else ol.unit_price
                except ValidationFailed as exc:
                    errors.extend(FieldError(f"{where}: {e.field}", e.message) for e in exc.errors)
                    continue
                open_ = ol.received - ol.billed
                if q > open_:
                    errors.append(FieldError(where, f"{p.sku}: billing {qty_text(q, p.unit)} is more than the "
                                                    f"{qty_text(open_, p.unit)} received and not yet billed on "
                                                    f"{po.number} (ordered {qty_text(ol.quantity, p.unit)}, received "
                                                    f"{qty_text(ol.received, p.unit)}, billed "
                                                    f"{qty_text(ol.billed, p.unit)})"))
                    continue
                plan.append((ol, q, price))
        else:
            plan = [(ol, ol.received - ol.billed, ol.unit_price) for ol in order_lines if ol.received > ol.billed]
            if not plan:
                raise Refused(f"{po.number}: nothing received is left to bill")
        if errors:
            raise ValidationFailed(errors)
        scale = self.scale
        made = []
        for ol, q, price in plan:
            try:
                net = clean_amount(line_value(q, price, scale), scale, what="amount")
            except ValueError as exc:
                raise ValidationFailed([FieldError("price", str(exc))]) from None
            net, tax = _money_total(net, ol.tax_rate, scale)
            grni = self._clear_grni(ol, q)
            made.append((ol, q, price, net, tax, grni))
        net_total = sum((m[3] for m in made), Decimal(0))
        tax_total = sum((m[4] for m in made), Decimal(0))
        now, who = clock.now(), self.books.actor.name
        b = Bill(number=numbering.label(numbering.take(self.books, SERIES_BILL), prefix=PREFIX_BILL), order_id=po.id,
                 supplier_id=po.supplier_id, ref=sref, ref_key=key, date=day, due=due_day, net=net_total,
                 tax=tax_total, total=net_total + tax_total, paid=from_minor(0, scale), created_at=now, created_by=who)
        self.session.add(b)
        self.session.flush()
        ledger = self.books.ledger
        entry_lines = []
        grni_acct = ledger.role_account("grni")
        diff_acct = None
        for ol, q, price, net, tax, grni in made:
            p = products[ol.product_id]
            self.session.add(BillLine(bill_id=b.id, order_line_id=ol.id, quantity=q, unit_price=price,
                                      tax_rate=ol.tax_rate, net=net, tax=tax, grni=grni, difference=net - grni))
            ol.billed = ol.billed + q
            if grni:
                entry_lines.append((grni_acct.id, grni, f"{p.sku} {qty_text(q, p.unit)}"))
            if net != grni:
                diff_acct = diff_acct or ledger.role_account("price_difference")
                entry_lines.append((diff_acct.id, net - grni, f"{p.sku} {qty_text(q, p.unit)} at {price.normalize():f}"))
        if tax_total:
            entry_lines.append((ledger.role_account("input_tax").id, tax_total, "input tax"))
        if entry_lines:
            entry_lines.append((ledger.role_account("payable").id, None, f"{sref}"))
            e = ledger.post_entry(day, f"Bill {b.number} {sref} for {po.number}", entry_lines,
                                  source=(SOURCE_BILL, b.id), source_ref=b.number, contact_id=po.supplier_id)
            b.entry_id = e.id
        self._set_status(po, order_lines)
        self.session.flush()
        return self._bill_view(b)

    def _clear_grni(self, ol: OrderLine, q: Decimal) -> Decimal:
        """Match ``q`` billed units to the line's receipts, oldest first: the GRNI they clear, the
        receipt lines' value share by share (a receipt line billed in full clears its value)."""
        scale = self.scale
        rows = self.session.scalars(
            select(ReceiptLine).join(Receipt, Receipt.id == ReceiptLine.receipt_id)
            .where(ReceiptLine.order_line_id == ol.id, ReceiptLine.billed < ReceiptLine.quantity)
            .order_by(Receipt.date, ReceiptLine.id)).all()
        left, units = q, 0
        for rl in rows:
            if left <= 0:
                break
            take = min(left, rl.quantity - rl.billed)
            worth = to_minor(rl.value, scale)
            units += share(worth, rl.billed + take, rl.quantity) - share(worth, rl.billed, rl.quantity)
            rl.billed = rl.billed + take
            left -= take
        if left > 0:  # pragma: no cover - the caller checked received − billed
            raise RuntimeError("billing more than the receipts hold")
        return from_minor(units, scale)

    # -- payments -----------------------------------------------------------------------------
    def pay(self, ref: int | str, amount=None, *, date=None) -> PaymentView:
        """Pay a bill, in part (``amount``) or what it still owes (None): AP/bank."""
        from bizsuite.erp.stock.repository import parse_day

        self.books.require("purchasing.pay")
        b = self._bill(ref, lock=True)
        owed = b.total - b.paid
        if owed <= 0:
            raise Refused(f"{b.number} is paid in full")
        if amount in (None, ""):
            value = owed
        else:
            try:
                value = clean_amount(str(amount).strip() if not isinstance(amount, Decimal) else amount, self.scale)
            except ValueError as exc:
                raise ValidationFailed([FieldError("amount", str(exc).removeprefix("amount "))]) from None
            if value <= 0:
                raise ValidationFailed([FieldError("amount", f"must be more than zero, not {value}")])
            if value > owed:
                raise ValidationFailed([FieldError("amount", f"{value} is more than {b.number} still owes ({owed})")])
        day = parse_day(date, "date")
        if day < b.date:
            raise ValidationFailed([FieldError("date", f"{day} is before the bill's date {b.date}")])
        now, who = clock.now(), self.books.actor.name
        pay = Payment(number=numbering.label(numbering.take(self.books, SERIES_PAY), prefix=PREFIX_PAY), bill_id=b.id,
                      date=day, amount=value, created_at=now, created_by=who)
        self.session.add(pay)
        self.session.flush()
        ledger = self.books.ledger
        e = ledger.post_entry(day, f"Payment {pay.number} of {b.number} ({b.ref})",
                              [(ledger.role_account("payable").id, value, b.number),
                               (ledger.role_account("bank").id, None, None)],
                              source=(SOURCE_PAYMENT, pay.id), source_ref=pay.number, contact_id=b.supplier_id)
        pay.entry_id = e.id
        b.paid = b.paid + value
        self.session.flush()
        return PaymentView(pay.id, pay.number, b.number, day, value, b.total - b.paid, e.id)

    # -- reading ------------------------------------------------------------------------------
    def _bill_view(self, b: Bill, names: dict[int, str] | None = None, orders: dict[int, str] | None = None) -> BillView:
        names = names if names is not None else self.books.contacts.names([b.supplier_id])
        order = orders[b.order_id] if orders is not None else self.session.get(PurchaseOrder, b.order_id).number
        return BillView(b.id, b.number, b.ref, b.date, b.due, b.net, b.tax, b.total, b.paid, order, b.supplier_id,
                        names.get(b.supplier_id, f"#{b.supplier_id}"))

    def order(self, ref: int | str) -> OrderView:
        """An order with, per line, what was ordered, received, billed and paid."""
        self.books.require("purchasing.read")
        po = self._order(ref)
        scale = self.scale
        lines = self._lines(po)
        bills = list(self.session.scalars(select(Bill).where(Bill.order_id == po.id).order_by(Bill.id)))
        bill_lines = list(self.session.scalars(select(BillLine).where(BillLine.bill_id.in_([b.id for b in bills]))
                                               .order_by(BillLine.id))) if bills else []
        billed_amount: dict[int, Decimal] = defaultdict(lambda: from_minor(0, scale))
        paid: dict[int, int] = defaultdict(int)
        by_bill = defaultdict(list)
        for bl in bill_lines:
            billed_amount[bl.order_line_id] += bl.net + bl.tax
            by_bill[bl.bill_id].append(bl)
        for b in bills:  # a bill's payments spread over its lines by amount, the last takes the rest
            total, done, cum = to_minor(b.total, scale), 0, 0
            if total <= 0:
                continue
            for bl in by_bill[b.id]:
                cum += to_minor(bl.net + bl.tax, scale)
                upto = share(to_minor(b.paid, scale), Decimal(cum), Decimal(total))
                paid[bl.order_line_id] += upto - done
                done = upto
        views = []
        for ol in lines:
            p = self.books.stock.product(ol.product_id)
            net, tax = _money_total(line_value(ol.quantity, ol.unit_price, scale), ol.tax_rate, scale)
            views.append(LineView(ol.line_no, p.id, p.sku, p.name, p.unit, ol.quantity, ol.received, ol.billed,
                                  ol.unit_price, ol.tax_rate, net, tax, net + tax, billed_amount[ol.id],
                                  from_minor(paid[ol.id], scale)))
        names = self.books.contacts.names([po.supplier_id])
        bviews = [self._bill_view(b, names, {po.id: po.number}) for b in bills]
        net = sum((v.net for v in views), Decimal(0))
        tax = sum((v.tax for v in views), Decimal(0))
        return OrderView(po.id, po.number, po.status, po.supplier_id, names.get(po.supplier_id, ""), po.date,
                         po.expected, views, bviews, net, tax, net + tax,
                         sum((b.total for b in bills), Decimal(0)), sum((b.paid for b in bills), Decimal(0)))

    def _orders_query(self, status: str | None, supplier: int | str | None):
        q = select(PurchaseOrder)
        if status not in (None, ""):
            key = str(status).strip().casefold().replace(" ", "_")
            key = {"partial": PARTIAL, "canceled": CANCELLED}.get(key, key)
            if key == "open":
                q = q.where(PurchaseOrder.status.in_(NOT_DONE))
            elif key not in STATUSES:
                raise ValidationFailed([FieldError("status", f"{status!r} is not a status; statuses: open, "
                                                             f"{', '.join(STATUSES)}")])
            else:
                q = q.where(PurchaseOrder.status == key)
        if supplier not in (None, ""):
            q = q.where(PurchaseOrder.supplier_id == self._supplier(supplier).id)
        return q

    def orders(self, *, status: str | None = None, supplier: int | str | None = None) -> list[OrderRow]:
        """Orders, newest first, with their totals, what was billed and paid. ``status`` "open":
        those not yet closed or cancelled."""
        self.books.require("purchasing.read")
        q = self._orders_query(status, supplier).order_by(PurchaseOrder.id.desc())
        return self._rows(list(self.session.scalars(q)))

    def orders_page(self, *, status: str | None = None, supplier: int | str | None = None, offset: int = 0,
                    limit: int | None = 50, with_total: bool = True) -> Page:
        """One page of :meth:`orders` (newest first), and how many there are in all."""
        self.books.require("purchasing.read")
        q = self._orders_query(status, supplier)
        total = self.session.scalar(select(func.count()).select_from(q.subquery())) if with_total else None
        q = q.order_by(PurchaseOrder.id.desc()).offset(offset)
        if limit is not None:
            q = q.limit(limit)
        rows = self._rows(list(self.session.scalars(q)))
        return Page(rows, total if total is not None else offset + len(rows), offset)

    def _rows(self, pos: list[PurchaseOrder]) -> list[OrderRow]:
        if not pos:
            return []
        scale = self.scale
        ids = [po.id for po in pos]
        totals: dict[int, Decimal] = defaultdict(Decimal)
        for oid, qty, price, rate in self.session.execute(
                select(OrderLine.order_id, OrderLine.quantity, OrderLine.unit_price, OrderLine.tax_rate)
                .where(OrderLine.order_id.in_(ids))):
            net, tax = _money_total(line_value(qty, price, scale), rate, scale)
            totals[oid] += net + tax
        billed: dict[int, tuple[Decimal, Decimal]] = {}
        for oid, total, paid in self.session.execute(
                select(Bill.order_id, func.sum(_raw(_B.c.total)), func.sum(_raw(_B.c.paid)))
                .where(Bill.order_id.in_(ids)).group_by(Bill.order_id)):
            billed[oid] = (from_minor(int(total), scale), from_minor(int(paid), scale))
        names = self.books.contacts.names({po.supplier_id for po in pos})
        zero = from_minor(0, scale)
        return [OrderRow(po.id, po.number, po.date, names.get(po.supplier_id, ""), po.status,
                         totals.get(po.id, zero), *billed.get(po.id, (zero, zero)), po.expected) for po in pos]

    def bill_record(self, ref: int | str) -> BillView:
        self.books.require("purchasing.read")
        return self._bill_view(self._bill(ref))

    def supplier_summary(self, supplier: int | str, *, open_only: bool = False,
                         limit: int | None = None) -> SupplierSummary:
        """What a supplier's contact page shows: their orders (``open_only``: not yet closed or
        cancelled), their bills still open (oldest due first), each list at most ``limit`` long,
        and the balance we owe them (what all their open bills still owe, however many)."""
        self.books.require("purchasing.read")
        c = self.books.contacts.get(supplier) if isinstance(supplier, int) else self.books.contacts.resolve(supplier)
        q = select(PurchaseOrder).where(PurchaseOrder.supplier_id == c.id)
        if open_only:
            q = q.where(PurchaseOrder.status.in_(NOT_DONE))
        pos = list(self.session.scalars(q.order_by(PurchaseOrder.id.desc()).limit(limit)))
        open_ = (Bill.supplier_id == c.id, Bill.paid < Bill.total)
        bills = list(self.session.scalars(select(Bill).where(*open_).order_by(Bill.due, Bill.id).limit(limit)))
        owed = self.session.scalar(select(func.sum(_raw(_B.c.total) - _raw(_B.c.paid))).where(*open_))
        numbers = dict(self.session.execute(select(PurchaseOrder.id, PurchaseOrder.number)
                                            .where(PurchaseOrder.id.in_({b.order_id for b in bills}))).all()) if bills else {}
        names = {c.id: c.name}
        open_bills = [self._bill_view(b, names, numbers) for b in bills]
        return SupplierSummary(c.id, self._rows(pos), open_bills, from_minor(int(owed or 0), self.scale))

    # -- reorder suggestions ------------------------------------------------------------------
    def suggest(self, *, create: bool = False) -> tuple[list[Suggestion], list[OrderView]]:
        """Products at or below their reorder point, counting what is on order (and on draft
        orders, so a second ``--create`` does not order them twice): what to order of each, at
        the last price ordered at (else the average cost, or for what has sold out the cost it last
        moved at). ``create``: one draft order per preferred
        supplier; products without one are listed, not ordered."""
        from bizsuite.erp.stock.repository import unit_decimals

        self.books.require("purchasing.write" if create else "purchasing.read")
        # stock's "low" (on hand + on order ≤ the point) holds every product that may need ordering;
        # draft orders only take some of them out
        rows = self.books.stock.products(low=True, limit=None).rows
        drafts = self._drafted([r.id for r in rows])
        out = []
        for r in rows:
            coming = r.on_order + drafts.get(r.id, Decimal(0))
            position = r.on_hand + coming
            if position > r.reorder_point:
                continue
            step = Decimal(1).scaleb(-unit_decimals(r.unit))
            qty = max(r.reorder_qty, r.reorder_point - position)
            qty = qty.quantize(step, rounding="ROUND_CEILING") if qty > 0 else Decimal(1)
            out.append(Suggestion(r.id, r.sku, r.name, r.unit, r.on_hand, coming, r.reorder_point, qty,
                                  r.unit_cost, r.supplier_id, r.supplier))
        last = self._last_prices()
        for x in out:
            if x.product_id in last:
                x.unit_price = last[x.product_id]
        sold_out = [x for x in out if x.product_id not in last and not x.on_hand]
        if sold_out:  # no order, nothing left to average: the cost it last moved at
            cost = self.books.stock.last_unit_costs([x.product_id for x in sold_out])
            for x in sold_out:
                x.unit_price = cost.get(x.product_id, x.unit_price)
        made = []
        if create:
            by_supplier: dict[int, list[Suggestion]] = defaultdict(list)
            for s in out:
                if s.supplier_id is not None:
                    by_supplier[s.supplier_id].append(s)
            for sid in sorted(by_supplier):
                made.append(self.create(sid, [LineIn(s.product_id, s.quantity, s.unit_price) for s in by_supplier[sid]]))
        return out, made

    def _drafted(self, ids: list[int]) -> dict[int, Decimal]:
        if not ids:
            return {}
        q = (select(_OL.c.product_id, func.sum(_raw(_OL.c.quantity)))
             .select_from(_OL.join(_PO, _PO.c.id == _OL.c.order_id))
             .where(_PO.c.status == DRAFT, _OL.c.product_id.in_(ids)).group_by(_OL.c.product_id))
        return {pid: _q(units) for pid, units in self.session.execute(q)}

    def _last_prices(self) -> dict[int, Decimal]:
        """The price of each product's latest order line (by order date, then line), cancelled
        orders left out: one query (a window over the order lines), not one per product."""
        latest = (select(_OL.c.product_id, _OL.c.unit_price,
                         func.row_number().over(partition_by=_OL.c.product_id,
                                                order_by=(_PO.c.date.desc(), _OL.c.id.desc())).label("n"))
                  .select_from(_OL.join(_PO, _PO.c.id == _OL.c.order_id))
                  .where(_PO.c.status != CANCELLED).subquery())
        return dict(self.session.execute(select(latest.c.product_id, latest.c.unit_price).where(latest.c.n == 1)).all())

    # -- AP aging -----------------------------------------------------------------------------
    def aging(self, *, as_of=None) -> list[AgingRow]:
        """What each supplier's bills still owe at the end of ``as_of`` (today), by days past
        their due date: current (not yet due), 1–30, 31–60, 61–90, 90+."""
        from bizsuite.erp.stock.repository import parse_day

        self.books.require("purchasing.read")
        day = parse_day(as_of, "as_of")
        scale = self.scale
        paid = dict(self.session.execute(
            select(Payment.bill_id, func.sum(_raw(_P.c.amount))).where(Payment.date <= day).group_by(Payment.bill_id)).all())
        rows: dict[int, list[int]] = {}
        for bid, sid, due, total in self.session.execute(
                select(Bill.id, Bill.supplier_id, Bill.due, _raw(_B.c.total)).where(
                    Bill.date <= day, or_(Bill.paid < Bill.total,  # open now, or paid after the day
                                          Bill.id.in_(select(Payment.bill_id).where(Payment.date > day))))):
            owed = int(total) - int(paid.get(bid) or 0)
            if owed == 0:
                continue
            late = (day - due).days
            slot = 0 if late <= 0 else 1 if late <= 30 else 2 if late <= 60 else 3 if late <= 90 else 4
            rows.setdefault(sid, [0] * 5)[slot] += owed
        names = self.books.contacts.names(rows)
        out = [AgingRow(sid, names.get(sid, f"#{sid}"), *(from_minor(u, scale) for u in units))
               for sid, units in rows.items()]
        out.sort(key=lambda r: (r.supplier.casefold(), r.supplier_id))
        return out

    def counts(self) -> dict[str, int]:
        return {"orders": self.session.scalar(select(func.count()).select_from(_PO)) or 0,
                "bills": self.session.scalar(select(func.count()).select_from(_B)) or 0}


"""What ``bizsuite check`` proves about sales: an order line's delivered, invoiced and returned are
what its deliveries, invoices, returns and credit notes did; each delivery and return line is
the stock move it made; an invoice's settled, a payment's and a credit note's allocated are the
sums of their allocations; the receivable the ledger holds from sales documents is what the
documents say the customers owe (less their credit); and no order holds stock it no longer wants."""

from __future__ import annotations

from sqlalchemy import BigInteger, func, select, type_coerce

from bizsuite.core.admin import CheckResult
from bizsuite.core.money import from_minor
from bizsuite.erp.sales.models import (
    CN_CANCEL,
    CN_RETURN,
    ACTIVE,
    Allocation,
    CreditNote,
    CreditNoteLine,
    Delivery,
    DeliveryLine,
    Invoice,
    InvoiceLine,
    Payment,
    SalesOrder,
    SalesOrderLine,
)
from bizsuite.erp.sales.repository import (
    SOURCE_CREDIT,
    SOURCE_DELIVERY,
    SOURCE_INVOICE,
    SOURCE_ORDER,
    SOURCE_PAYMENT,
    SOURCE_RETURN,
)

_OL, _DL, _D, _IL, _I = (SalesOrderLine.__table__, DeliveryLine.__table__, Delivery.__table__, InvoiceLine.__table__,
                         Invoice.__table__)
_CN, _CL, _P, _A = CreditNote.__table__, CreditNoteLine.__table__, Payment.__table__, Allocation.__table__


def _raw(expr):
    return type_coerce(expr, BigInteger)


def _sums(session, key, col, *, select_from=None, where=None) -> dict:
    q = select(key, func.sum(_raw(col)))
    if select_from is not None:
        q = q.select_from(select_from)
    if where is not None:
        q = q.where(where)
    return {k: int(v or 0) for k, v in session.execute(q.group_by(key))}


def sales_checks(books) -> list[CheckResult]:
    from bizsuite.erp.ledger.models import Entry, Line
    from bizsuite.erp.stock.models import Move, Reservation

    s = books.session
    out: list[CheckResult] = []

    # order lines against their documents
    lines = {oid: (int(d), int(i), int(r)) for oid, d, i, r in s.execute(
        select(_OL.c.id, _raw(_OL.c.delivered), _raw(_OL.c.invoiced), _raw(_OL.c.returned)))}
    delivered = _sums(s, _DL.c.order_line_id, _DL.c.quantity)
    returned = _sums(s, _IL.c.order_line_id, _CL.c.returned, select_from=_CL.join(_IL, _IL.c.id == _CL.c.invoice_line_id))
    invoiced = _sums(s, _IL.c.order_line_id, _IL.c.quantity)
    uninvoiced = _sums(s, _IL.c.order_line_id, _CL.c.quantity,
                       select_from=_CL.join(_IL, _IL.c.id == _CL.c.invoice_line_id).join(_CN, _CN.c.id == _CL.c.credit_note_id),
                       where=_CN.c.kind.in_((CN_RETURN, CN_CANCEL)))
    bad = [oid for oid, (d, i, r) in lines.items()
           if d != delivered.get(oid, 0) - returned.get(oid, 0) or r != returned.get(oid, 0)
           or i != invoiced.get(oid, 0) - uninvoiced.get(oid, 0)]
    out.append(CheckResult("sales order lines: delivered, invoiced and returned are what their documents did", not bad,
                           f"{len(bad)} order lines differ, e.g. line #{bad[0]}" if bad else ""))

    _M = Move.__table__
    wrong = s.execute(
        select(_DL.c.id).select_from(_DL.join(_D, _D.c.id == _DL.c.delivery_id).outerjoin(_M, _M.c.id == _DL.c.move_id))
        .where((_M.c.id.is_(None)) | (_M.c.source_kind != SOURCE_DELIVERY) | (_M.c.source_id != _D.c.id)
               | (_raw(_M.c.quantity) != _raw(_DL.c.quantity)) | (_raw(_M.c.value) != _raw(_DL.c.value))
               | (_M.c.kind != "delivery"))).scalars().all()
    wrong += s.execute(
        select(_CL.c.id).select_from(_CL.outerjoin(_M, _M.c.id == _CL.c.move_id))
        .where(_CL.c.returned > 0, (_M.c.id.is_(None)) | (_M.c.source_kind != SOURCE_RETURN)
               | (_M.c.source_id != _CL.c.credit_note_id) | (_raw(_M.c.quantity) != _raw(_CL.c.returned))
               | (_M.c.kind != "return"))).scalars().all()
    out.append(CheckResult("sales deliveries and returns: each line is the stock move it made", not wrong,
                           f"{len(wrong)} lines differ from their moves, e.g. #{wrong[0]}" if wrong else ""))

    by_invoice = _sums(s, _A.c.invoice_id, _A.c.amount)
    by_payment = _sums(s, _A.c.payment_id, _A.c.amount, where=_A.c.payment_id.is_not(None))
    by_note = _sums(s, _A.c.credit_note_id, _A.c.amount, where=_A.c.credit_note_id.is_not(None))
    inv_lines = {k: v for k, v in s.execute(select(_IL.c.invoice_id, func.sum(_raw(_IL.c.net) + _raw(_IL.c.tax)))
                                             .group_by(_IL.c.invoice_id))}
    off = [n for i, n, total, settled in s.execute(select(_I.c.id, _I.c.number, _raw(_I.c.total), _raw(_I.c.settled)))
           if settled != by_invoice.get(i, 0) or total != int(inv_lines.get(i) or 0)]
    off += [n for i, n, alloc in s.execute(select(_P.c.id, _P.c.number, _raw(_P.c.allocated))) if alloc != by_payment.get(i, 0)]
    off += [n for i, n, alloc in s.execute(select(_CN.c.id, _CN.c.number, _raw(_CN.c.allocated))) if alloc != by_note.get(i, 0)]
    out.append(CheckResult("invoices, payments and credit notes: totals are their lines, settled and allocated the sums "
                           "of their allocations", not off, f"{len(off)} documents differ, e.g. {off[0]}" if off else ""))

    # the ledger's receivable from sales documents = invoices less credit notes less payments
    acct = books.ledger.role_accounts().get("receivable")
    if acct is not None:
        _L, _E = Line.__table__, Entry.__table__
        posted = int(s.scalar(select(func.coalesce(func.sum(_raw(_L.c.amount)), 0))
                              .select_from(_L.join(_E, _E.c.id == _L.c.entry_id))
                              .where(_L.c.account_id == acct.id,
                                     _E.c.source_kind.in_((SOURCE_INVOICE, SOURCE_CREDIT, SOURCE_PAYMENT)))))
        owed = (int(s.scalar(select(func.coalesce(func.sum(_raw(_I.c.total)), 0))))
                - int(s.scalar(select(func.coalesce(func.sum(_raw(_CN.c.total)), 0))))
                - int(s.scalar(select(func.coalesce(func.sum(_raw(_P.c.amount)), 0)))))
        scale = books.ledger.scale
        out.append(CheckResult("AR from sales is what the invoices say the customers owe, less their credit",
                               posted == owed, "" if posted == owed else
                               f"the ledger holds {from_minor(posted, scale)} receivable from sales documents; the "
                               f"documents say {from_minor(owed, scale)}"))

    # reservations: only orders with work left hold stock, and no more than they still want
    _R = Reservation.__table__
    _SO = SalesOrder.__table__
    held = s.execute(select(_R.c.source_id, _R.c.product_id, _raw(_R.c.quantity)).where(_R.c.source_kind == SOURCE_ORDER)).all()
    want = {(o, p): int(q) - int(r) - int(d) for o, p, q, r, d in s.execute(
        select(_OL.c.order_id, _OL.c.product_id, _raw(_OL.c.quantity), _raw(_OL.c.returned), _raw(_OL.c.delivered))
        .select_from(_OL.join(_SO, _SO.c.id == _OL.c.order_id)).where(_SO.c.status.in_(ACTIVE)))}
    over = [f"order #{o}" for o, p, q in held if int(q) > want.get((o, p), 0)]
    out.append(CheckResult("sales orders hold no more stock than they still want", not over,
                           f"{len(over)} reservations are more than their orders want, e.g. {over[0]}" if over else ""))
    return out

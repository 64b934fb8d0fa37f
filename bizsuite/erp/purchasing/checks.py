"""What ``bizsuite check`` proves about purchasing: what an order line says was received and
billed is the sum of its receipts and bills, each receipt line is the stock move it made, a
bill's paid is the sum of its payments, and the ledger's GRNI and AP from purchasing documents
are what the documents say is still open."""

from __future__ import annotations

from sqlalchemy import BigInteger, func, select, type_coerce

from bizsuite.core.admin import CheckResult
from bizsuite.core.money import from_minor
from bizsuite.erp.purchasing.models import Bill, BillLine, OrderLine, Payment, Receipt, ReceiptLine
from bizsuite.erp.purchasing.repository import SOURCE_BILL, SOURCE_PAYMENT, SOURCE_RECEIPT

_OL, _RL, _BL, _B, _P, _R = (OrderLine.__table__, ReceiptLine.__table__, BillLine.__table__, Bill.__table__,
                             Payment.__table__, Receipt.__table__)


def _raw(expr):
    return type_coerce(expr, BigInteger)


def _sums(session, key, *cols, where=None):
    q = select(key, *(func.sum(_raw(c)) for c in cols))
    if where is not None:
        q = q.where(where)
    return {row[0]: tuple(int(v or 0) for v in row[1:]) for row in session.execute(q.group_by(key))}


def purchasing_checks(books) -> list[CheckResult]:
    from bizsuite.erp.ledger.models import Entry, Line
    from bizsuite.erp.stock.models import Move

    s = books.session
    out: list[CheckResult] = []

    lines = {oid: (int(r), int(b)) for oid, r, b in s.execute(
        select(_OL.c.id, _raw(_OL.c.received), _raw(_OL.c.billed)))}
    received = _sums(s, _RL.c.order_line_id, _RL.c.quantity)
    billed = _sums(s, _BL.c.order_line_id, _BL.c.quantity)
    matched = _sums(s, _RL.c.order_line_id, _RL.c.billed)
    bad = [oid for oid, (r, b) in lines.items()
           if r != received.get(oid, (0,))[0] or b != billed.get(oid, (0,))[0] or b != matched.get(oid, (0,))[0]]
    bad += [oid for oid in set(received) | set(billed) if oid not in lines]
    out.append(CheckResult("purchase order lines: received and billed are the sums of their receipts and bills",
                           not bad, f"{len(bad)} order lines differ, e.g. line #{bad[0]}" if bad else ""))

    _M = Move.__table__
    wrong = s.execute(
        select(_RL.c.id).select_from(_RL.join(_R, _R.c.id == _RL.c.receipt_id).outerjoin(_M, _M.c.id == _RL.c.move_id))
        .where((_M.c.id.is_(None)) | (_M.c.source_kind != SOURCE_RECEIPT) | (_M.c.source_id != _R.c.id)
               | (_raw(_M.c.quantity) != _raw(_RL.c.quantity)) | (_raw(_M.c.value) != _raw(_RL.c.value))
               | (_M.c.kind != "receipt"))).scalars().all()
    out.append(CheckResult("purchase receipts: each line is the stock move it made", not wrong,
                           f"{len(wrong)} receipt lines differ from their moves, e.g. #{wrong[0]}" if wrong else ""))

    pays = _sums(s, _P.c.bill_id, _P.c.amount)
    blines = _sums(s, _BL.c.bill_id, _BL.c.net, _BL.c.tax)
    bills = s.execute(select(_B.c.id, _B.c.number, _raw(_B.c.net), _raw(_B.c.tax), _raw(_B.c.total),
                             _raw(_B.c.paid))).all()
    off = [num for bid, num, net, tax, total, paid in bills
           if paid != pays.get(bid, (0,))[0] or total != net + tax or (net, tax) != blines.get(bid, (0, 0))]
    out.append(CheckResult("supplier bills: totals are their lines, paid the sum of their payments", not off,
                           f"{len(off)} bills differ, e.g. {off[0]}" if off else ""))

    # the ledger: GRNI posted by receipts and bills = the receipts' value not yet billed;
    # AP posted by bills and payments = what bills still owe
    roles = books.ledger.role_accounts()
    scale = books.ledger.scale

    def posted(role, kinds) -> int | None:
        acct = roles.get(role)
        if acct is None:
            return None
        return int(s.scalar(select(func.coalesce(func.sum(_raw(Line.__table__.c.amount)), 0))
                            .select_from(Line.__table__.join(Entry.__table__, Entry.__table__.c.id == Line.__table__.c.entry_id))
                            .where(Line.__table__.c.account_id == acct.id, Entry.__table__.c.source_kind.in_(kinds))))

    receipt_value = int(s.scalar(select(func.coalesce(func.sum(_raw(_RL.c.value)), 0))))
    cleared = int(s.scalar(select(func.coalesce(func.sum(_raw(_BL.c.grni)), 0))))
    grni = posted("grni", (SOURCE_RECEIPT, SOURCE_BILL))
    ok = grni is None or -grni == receipt_value - cleared
    out.append(CheckResult("GRNI from purchasing is the value received and not yet billed", ok,
                           "" if ok else f"the ledger holds {from_minor(-grni, scale)} on GRNI from receipts and bills; "
                                         f"the documents say {from_minor(receipt_value - cleared, scale)}"))
    owed = sum(total - paid for _, _, _, _, total, paid in bills)
    ap = posted("payable", (SOURCE_BILL, SOURCE_PAYMENT))
    ok = ap is None or -ap == owed
    out.append(CheckResult("AP from purchasing is what supplier bills still owe", ok,
                           "" if ok else f"the ledger owes {from_minor(-ap, scale)} from bills and payments; the bills "
                                         f"say {from_minor(owed, scale)}"))
    return out

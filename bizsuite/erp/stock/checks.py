"""What ``bizsuite check`` proves about stock: quantities are the sum of their moves, values the
sum of their moves and revaluations, and the inventory account equals the valuation at every
month end."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import BigInteger, func, select, text, type_coerce

from decimal import Decimal

from bizsuite.core import clock
from bizsuite.core.admin import CheckResult
from bizsuite.core.money import from_minor
from bizsuite.erp.stock.models import Move, Product, Quant, Revaluation

_M, _P, _Q, _R = Move.__table__, Product.__table__, Quant.__table__, Revaluation.__table__


def _raw(expr):
    return type_coerce(expr, BigInteger)

SQLITE_TRIGGERS = {"stock_moves_never_update", "stock_moves_never_delete", "stock_revaluations_never_update",
                   "stock_revaluations_never_delete"}
PG_TRIGGERS = SQLITE_TRIGGERS | {"stock_moves_never_truncate", "stock_revaluations_never_truncate"}


def _month_ends(first: dt.date, last: dt.date) -> list[dt.date]:
    out = []
    y, m = first.year, first.month
    while (y, m) <= (last.year, last.month):
        ny, nm = (y + 1, 1) if m == 12 else (y, m + 1)
        out.append(dt.date(ny, nm, 1) - dt.timedelta(days=1))
        y, m = ny, nm
    return out


def moves_stock(books) -> bool:
    """Do these books keep stock (any move made)? From then on the inventory account is the
    valuation (the check below) and only stock's documents post to it (Module.keeps)."""
    return books.session.scalar(select(_M.c.id).limit(1)) is not None


def stock_checks(books) -> list[CheckResult]:
    s = books.session
    scale = books.ledger.scale
    out: list[CheckResult] = []

    # every location's quantity is the sum of its moves
    legs: dict[tuple[int, int], int] = defaultdict(int)
    for col, sign in ((_M.c.to_location_id, 1), (_M.c.from_location_id, -1)):
        for pid, lid, q in s.execute(select(_M.c.product_id, col, func.sum(_raw(_M.c.quantity)))
                                     .where(col.is_not(None)).group_by(_M.c.product_id, col)):
            legs[pid, lid] += sign * int(q)
    quants = {(pid, lid): int(q) for pid, lid, q in s.execute(text(
        "SELECT product_id, location_id, quantity FROM stock_quants"))}
    bad = [k for k in set(legs) | set(quants) if legs.get(k, 0) != quants.get(k, 0)]
    skus = dict(s.execute(select(_P.c.id, _P.c.sku)).all())
    out.append(CheckResult("stock on hand is the sum of its moves", not bad,
                           f"{len(bad)} product/location pairs differ, e.g. {skus.get(bad[0][0])} at location "
                           f"#{bad[0][1]}" if bad else ""))

    # every product's totals (kept on the product) are the sums of its moves and revaluations
    moved = {pid: (int(q), int(v)) for pid, q, v in s.execute(
        select(_M.c.product_id, func.sum(_raw(_M.c.qty_delta)), func.sum(_raw(_M.c.value_delta))).group_by(_M.c.product_id))}
    revalued = {pid: int(v) for pid, v in s.execute(
        select(_R.c.product_id, func.sum(_raw(_R.c.value_delta))).group_by(_R.c.product_id))}
    wrong = []
    for pid, q, v in s.execute(text("SELECT id, on_hand, value FROM stock_products")):
        mq, mv = moved.get(pid, (0, 0))
        if int(q) != mq or int(v) != mv + revalued.get(pid, 0):
            wrong.append(pid)
        elif mq == 0 and int(v) != 0:
            wrong.append(pid)
    out.append(CheckResult("each product's stock and value are the sums of its moves", not wrong,
                           f"{len(wrong)} products differ, e.g. {skus.get(wrong[0])}" if wrong else ""))

    # the inventory account equals the valuation at every month end (and at the last move)
    first = s.scalar(select(func.min(_M.c.date)))
    if first is not None:
        acct = books.ledger.role_accounts().get("inventory")
        last = max(s.scalar(select(func.max(_M.c.date))), clock.today())
        changes: dict[tuple[int, int], int] = defaultdict(int)
        for table in (_M, _R):
            for d, v in s.execute(select(table.c.date, func.sum(_raw(table.c.value_delta))).group_by(table.c.date)):
                changes[(d.year, d.month)] += int(v)
        run, mismatch = 0, None
        for end in _month_ends(first, last):
            run += changes.get((end.year, end.month), 0)
            held = books.ledger.balance(acct.id, as_of=end) if acct is not None else Decimal(0)
            if from_minor(run, scale) != held:
                mismatch = (end, from_minor(run, scale), held)
                break
        out.append(CheckResult(
            "the inventory account equals the stock valuation at every month end", mismatch is None,
            f"at {mismatch[0]}: stock is worth {mismatch[1]}, the inventory account ({acct.name if acct else 'none'}) "
            f"holds {mismatch[2]}" if mismatch else ""))

    if books.dialect == "sqlite":
        names = set(s.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")))
        missing = SQLITE_TRIGGERS - names
    else:
        names = set(s.scalars(text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")))
        missing = PG_TRIGGERS - names
    out.append(CheckResult("stock moves are protected", not missing,
                           "missing triggers: " + ", ".join(sorted(missing)) if missing else ""))
    return out

"""The purchasing part of the demo company: a year of buying what ran low.

On the demo's timeline (``DemoPart(..., daily=...)``, see :mod:`bizsuite.demo`), after the stock
part on each day. Its setup (:func:`add_demo_purchasing`) gives each supplier a lead time and
each product the price its preferred supplier asks (its opening cost). Then, day by day
(:func:`demo_day`), as a buyer would:

- on the first of the month the suppliers' prices drift (mostly up, now and then down), so
  receipts come in at other costs than the moving average and the average moves;
- the goods due that day are received (a few orders in two parts: the rest, a backorder, a week
  or two later; more of them in the year's last two weeks, so some are still open at today);
  now and then a receipt is entered late, dated the day the goods really came (a few days
  before, ahead of a dispatch of one of them): a backdated receipt, so stock re-values the
  deliveries made since (a revaluation);
- the supplier's bill comes a few days after the goods (a few at another price than ordered: the
  difference goes to the price-difference account) and is paid three to six weeks later, some
  in two instalments;
- on Mondays, every product whose stock, counting what is on order, is at or below its reorder
  point is ordered (its reorder quantity) from its preferred supplier, one order per supplier,
  confirmed the same day (a few are cancelled the next day); products with no supplier are not
  ordered: they run low and stay low. The last week's orders are still drafts.

So at "today" every status is there (draft, confirmed, partially received, received not billed,
closed, cancelled) and a handful of products are at or below their reorder point, some with an
order already open, some without. Every document goes through the purchasing repository
(``create``, ``confirm``, ``receive``, ``bill``, ``pay``, ``cancel``), exactly as a clerk would.

Everything comes from ``rng`` and ``base``: a seed gives the same orders on the same day.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal
from typing import Callable

from sqlalchemy import func, select

LATE_ENTRY = 0.3  # receipts entered a few days after the goods came (dated back)
SPLIT = 0.15  # orders delivered in two parts
CANCELLED = 0.04  # orders cancelled the day after
OTHER_PRICE = 0.1  # bills at another price than ordered
DRAFT_DAYS = 7  # the last week's orders are not sent yet
# The large company's buyer (50k products) places a few orders a week, for the most urgent lines
# only: this many orders, of at most this many lines each (the rest stay low, for the suggestions).
LARGE_ORDERS, LARGE_LINES = 4, 6


def add_demo_purchasing(books, rng: random.Random, size: str, *, base: dt.datetime, seed: int = 0,
                        progress: Callable[[int, int], None] | None = None,
                        state: dict | None = None) -> dict[str, int]:
    """Suppliers' lead times and prices, kept in ``state`` for :func:`demo_day`."""
    from bizsuite.erp.stock.models import Product

    if size not in ("small", "large"):
        raise ValueError(f"size {size!r} is not one of small, large")
    books.require("purchasing.write")
    state = {} if state is None else state
    r = rng
    suppliers = [c.id for c in books.contacts.page(role="supplier", kind="company", limit=200,
                                                   with_total=False).rows]
    products = books.session.execute(
        select(Product.id, Product.unit, Product.on_hand, Product.value)
        .where(Product.active.is_(True)).order_by(Product.id)).all()
    state.update(
        end=base.date() if isinstance(base, dt.datetime) else base,
        lead={s: r.randint(5, 12) for s in suppliers},
        price={pid: (value / q / 2).quantize(Decimal("0.01")) * 2 for pid, _, q, value in products if q},
        unit={pid: u for pid, u, _, _ in products},
        coming=defaultdict(Decimal),  # ordered (drafts too), not received nor cancelled
        due=defaultdict(list),  # day -> [(step, order number, what)]
        orders=0, active=bool(suppliers and products), cap=(LARGE_ORDERS, LARGE_LINES) if size == "large" else None,
    )
    if progress:
        progress(1, 1)
    return {"purchase orders": 0, "receipts": 0, "supplier bills": 0, "supplier payments": 0}


def demo_day(books, rng: random.Random, day: dt.date, state: dict) -> dict[str, int]:
    """One day of buying: prices drift on the 1st, what is due is received, billed and paid, and
    on Mondays what ran low is ordered (see the module doc)."""
    from bizsuite.erp.purchasing.repository import LineIn
    from bizsuite.erp.stock.models import Move, Product

    if not state.get("active"):
        return {}
    purchasing = books.purchasing
    r = rng
    made: dict[str, int] = defaultdict(int)
    price, unit, coming, due = state["price"], state["unit"], state["coming"], state["due"]
    if day.day == 1:
        for pid in sorted(price):
            price[pid] = max(Decimal("0.02"),
                             (price[pid] * (100 + r.randint(-2, 6)) / 200).quantize(Decimal("0.01")) * 2)

    def later(when: dt.date, step: int, number: str, what: tuple) -> None:
        if when <= state["end"]:
            due[when].append((step, number, what))

    for step, number, what in sorted(due.pop(day, []), key=lambda e: (e[0], e[1])):
        kind = what[0]
        if kind == "cancel":
            purchasing.cancel(number)
            for pid, q, _ in what[1]:
                coming[pid] -= q
        elif kind == "receive":  # what it brings, the rest (a part), the day it came, the order's lines, ordered
            _, brings, rest, came, order_lines, ordered = what
            if ordered is not None:  # entered late: the goods came before the last dispatch of one of them
                last = books.session.scalar(select(func.max(Move.date)).where(
                    Move.product_id.in_([pid for pid, _ in brings]), Move.kind == "delivery",
                    Move.date > ordered + dt.timedelta(days=1)))
                if last is not None:
                    came = max(ordered + dt.timedelta(days=1), last - dt.timedelta(days=r.randint(1, 3)))
            purchasing.receive(number, [LineIn(pid, q) for pid, q in brings] if rest else None, date=came)
            made["receipts"] += 1
            for pid, q in brings:
                coming[pid] -= q
            if rest:  # the backorder comes a week or two later (entered on time; never on a day gone by)
                back = max(day + dt.timedelta(days=1), came + dt.timedelta(days=r.randint(7, 14)))
                later(back, 1, number, ("receive", rest, None, back, order_lines, None))
            else:
                later(day + dt.timedelta(days=r.randint(1, 10)), 2, number, ("bill", order_lines))
        elif kind == "bill":
            other = r.random() < OTHER_PRICE
            lines = [LineIn(pid, q, p + Decimal(r.choice((-1, 1)) * r.randint(1, 20) * 2) / 100
                            if other and k == 0 else p) for k, (pid, q, p) in enumerate(what[1])]
            bill = purchasing.bill(number, supplier_ref=f"{r.randint(10_000, 99_999)}-{number}", lines=lines, date=day)
            made["supplier bills"] += 1
            if r.random() < 0.2:  # in two instalments
                later(day + dt.timedelta(days=r.randint(7, 15)), 3, bill.number, ("pay", "part"))
            later(day + dt.timedelta(days=r.randint(20, 40)), 3, bill.number, ("pay", None))
        elif kind == "pay":
            record = purchasing.bill_record(number)
            owed = record.total - record.paid
            if owed > 0:
                amount = (owed / 2).quantize(Decimal("0.01")) if what[1] == "part" else None
                purchasing.pay(number, amount, date=day)
                made["supplier payments"] += 1

    if day.weekday() == 0:  # Monday: order what ran low, counting what is on order
        rows = books.session.execute(  # what is on order only lowers the position: the SQL filter holds
            select(Product.id, Product.on_hand, Product.reorder_point, Product.reorder_qty, Product.supplier_id)
            .where(Product.active.is_(True), Product.supplier_id.is_not(None),
                   Product.on_hand <= Product.reorder_point).order_by(Product.id)).all()
        by_supplier: dict[int, list[tuple[int, Decimal, Decimal]]] = defaultdict(list)
        urgency: dict[int, list] = defaultdict(list)
        for pid, on_hand, point, qty, supplier in rows:
            position = on_hand + coming[pid]
            if pid in price and position <= point:
                by_supplier[supplier].append((pid, max(qty, point - position + 1).to_integral_value(), price[pid]))
                urgency[supplier].append(((position - point) / max(point, 1), -point))  # the best sellers first
        if state.get("cap"):  # the suppliers of the most urgent lines, their most urgent lines
            orders, most = state["cap"]
            for supplier, lines in by_supplier.items():
                keep = sorted(range(len(lines)), key=lambda i: (urgency[supplier][i], i))[:most]
                by_supplier[supplier] = [lines[i] for i in sorted(keep)]
                urgency[supplier] = min(urgency[supplier])
            first = sorted(by_supplier, key=lambda x: (urgency[x], x))[:orders]
            by_supplier = defaultdict(list, {x: by_supplier[x] for x in first})
        draft = day > state["end"] - dt.timedelta(days=DRAFT_DAYS)
        for supplier, lines in sorted(by_supplier.items()):
            po = purchasing.create(supplier, [LineIn(pid, q, p) for pid, q, p in lines], date=day,
                                   expected=day + dt.timedelta(days=state["lead"][supplier]))
            made["purchase orders"] += 1
            for pid, q, _ in lines:
                coming[pid] += q
            if draft:
                continue
            if r.random() < CANCELLED:  # changed their mind
                later(day + dt.timedelta(days=1), 0, po.number, ("cancel", lines))
                continue
            purchasing.confirm(po.number)
            came = day + dt.timedelta(days=state["lead"][supplier] + r.randint(0, 3))
            late = day if r.random() < LATE_ENTRY else None  # entered days after the goods came
            # near the year's end, suppliers run short more often: backorders still open at today
            if r.random() < (SPLIT if came < state["end"] - dt.timedelta(days=14) else 0.6):
                pid, q, _ = lines[0]
                first = [(pid, _half(q, unit[pid]))] + [(p2, q2) for p2, q2, _ in lines[1:]]
                rest = [(pid, q - first[0][1])]
                later(came, 1, po.number, ("receive", first, rest, came, lines, late))
            else:
                later(came, 1, po.number, ("receive", [(p2, q2) for p2, q2, _ in lines], None, came, lines, late))
    return dict(made)


def _half(q: Decimal, unit: str) -> Decimal:
    """About half of ``q``, in the unit's steps (whole pieces, half kilograms), at least one step."""
    step = Decimal(1) if unit == "pcs" else Decimal("0.5")
    return max(step, (q / 2 / step).to_integral_value() * step)

"""The purchasing part of the demo company: a year of buying from its suppliers.

About two purchase orders a week over the demo's year, each to one supplier from the contacts
part (for the products it supplies, or any when it supplies none) at the product's cost; most
are confirmed, received a week or two later (now and then in two deliveries: a backorder), billed
by the supplier (a few at another price than ordered: the difference goes to the price-difference
account) and paid about a month after the bill, some in two instalments. The latest orders are
still open, so every status is there: draft, confirmed, partially received, received (not
billed yet), closed (fully billed), and a few cancelled before anything came.

Every document goes through the purchasing repository (``create``, ``confirm``, ``receive``,
``bill``, ``pay``, ``cancel``) in date order, so receipts move stock in (inventory/GRNI), bills
post GRNI and input tax against payables, payments payables against the bank, exactly as a clerk
would. Receipts are dated back before the stock part's later deliveries; they come in at the
product's moving average (the stock part keeps it exact), so they re-value nothing.

Everything comes from ``rng`` and ``base``: a seed gives the same orders on the same day.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal
from typing import Callable

from sqlalchemy import select

ORDERS_PER_WEEK = {"small": 2}


def add_demo_purchasing(books, rng: random.Random, size: str, *, base: dt.datetime, seed: int = 0,
                        progress: Callable[[int, int], None] | None = None) -> dict[str, int]:
    from bizsuite.erp.purchasing.repository import LineIn
    from bizsuite.erp.stock.models import Product

    if size not in ("small", "large"):
        raise ValueError(f"size {size!r} is not one of small, large")
    books.require("purchasing.write")
    purchasing = books.purchasing
    r = rng
    report = progress or (lambda done, total: None)
    end = base.date() if isinstance(base, dt.datetime) else base
    start = end - dt.timedelta(days=364)
    suppliers = [c.id for c in books.contacts.page(role="supplier", kind="company", limit=200,
                                                   with_total=False).rows]
    products = books.session.execute(
        select(Product.id, Product.unit, Product.on_hand, Product.value, Product.supplier_id)
        .where(Product.active.is_(True)).order_by(Product.id)).all()
    if not suppliers or not products:
        return {"purchase orders": 0}
    cost = {pid: (value / q).quantize(Decimal("0.01")) for pid, _, q, value, _ in products if q}
    unit = {pid: u for pid, u, _, _, _ in products}
    supplies: dict[int, list[int]] = defaultdict(list)
    for pid, _, _, _, sup in products:
        if sup is not None and pid in cost:
            supplies[sup].append(pid)
    every = [pid for pid in unit if pid in cost]

    # -- the plan: (date, order, step, what) — done in date order ------------------------------
    events: list[tuple[dt.date, int, int, tuple]] = []
    n_orders = 52 * ORDERS_PER_WEEK["small"]
    for n in range(n_orders):
        day = start + dt.timedelta(days=7 + n * 357 // n_orders + r.randint(0, 2))
        if day > end:
            continue
        supplier = r.choice(suppliers)
        pool = supplies.get(supplier) or every
        picks = r.sample(pool, min(len(pool), r.randint(1, 4)))
        lines = [(pid, Decimal(r.randint(10, 60)) if unit[pid] == "pcs" else Decimal(r.randint(5, 30)))
                 for pid in picks]
        events.append((day, n, 0, ("create", supplier, lines)))
        if r.random() < 0.04:  # changed their mind
            events.append((day + dt.timedelta(days=r.randint(0, 3)), n, 1, ("cancel",)))
            continue
        if n >= n_orders - 2 or day > end - dt.timedelta(days=3):  # the latest orders are still drafts
            continue
        events.append((day + dt.timedelta(days=r.randint(0, 1)), n, 1, ("confirm",)))
        got = day + dt.timedelta(days=r.randint(6, 14))
        split = r.random() < 0.15
        if split:  # a part first, the rest (a backorder) a week or two later
            first = [(pid, _half(q, unit[pid])) for pid, q in lines[:1]]
            events.append((got, n, 2, ("receive", first)))
            got = got + dt.timedelta(days=r.randint(7, 14))
            if r.random() < 0.5:
                continue  # still waiting for the rest
        events.append((got, n, 3, ("receive", None)))
        billed = got + dt.timedelta(days=r.randint(1, 10))
        if billed > end - dt.timedelta(days=10):
            continue  # received, the bill not in yet
        other = r.random() < 0.1
        bill_lines = ([LineIn(pid, q, cost[pid] + Decimal(r.choice((-1, 1)) * r.randint(1, 40)) / 100)
                       for pid, q in lines[:1]] + [LineIn(pid, q) for pid, q in lines[1:]]) if other else None
        events.append((billed, n, 4, ("bill", f"{r.randint(10_000, 99_999)}-{n + 1}", bill_lines)))
        paid = billed + dt.timedelta(days=r.randint(20, 40))
        if r.random() < 0.2:  # in two instalments
            events.append((billed + dt.timedelta(days=r.randint(7, 15)), n, 5, ("pay", "part")))
        events.append((paid, n, 6, ("pay", None)))
    events = [e for e in events if e[0] <= end]
    events.sort(key=lambda e: (e[0], e[1], e[2]))

    numbers: dict[int, str] = {}
    bills: dict[int, str] = {}
    made = {"purchase orders": 0, "receipts": 0, "supplier bills": 0, "supplier payments": 0}
    for i, (day, n, _, ev) in enumerate(events):
        what = ev[0]
        if what == "create":
            _, supplier, lines = ev
            po = purchasing.create(supplier, [LineIn(pid, q, cost[pid]) for pid, q in lines], date=day,
                                   expected=day + dt.timedelta(days=10))
            numbers[n] = po.number
            made["purchase orders"] += 1
        elif n not in numbers:
            continue
        elif what == "cancel":
            purchasing.cancel(numbers[n])
        elif what == "confirm":
            purchasing.confirm(numbers[n])
        elif what == "receive":
            lines = ev[1]
            purchasing.receive(numbers[n], [LineIn(pid, q) for pid, q in lines] if lines else None, date=day)
            made["receipts"] += 1
        elif what == "bill":
            _, ref, lines = ev
            bills[n] = purchasing.bill(numbers[n], supplier_ref=ref, lines=lines, date=day).number
            made["supplier bills"] += 1
        elif what == "pay" and n in bills:
            record = purchasing.bill_record(bills[n])
            owed = record.total - record.paid
            if owed <= 0:
                continue
            amount = (owed / 2).quantize(Decimal("0.01")) if ev[1] == "part" else None
            purchasing.pay(bills[n], amount, date=day)
            made["supplier payments"] += 1
        if i % 40 == 0:
            report(i, len(events))
    report(1, 1)
    return made


def _half(q: Decimal, unit: str) -> Decimal:
    """About half of ``q``, in the unit's steps (whole pieces, half kilograms), at least one step."""
    step = Decimal(1) if unit == "pcs" else Decimal("0.5")
    return max(step, (q / 2 / step).to_integral_value() * step)

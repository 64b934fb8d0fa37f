"""The stock part of the large demo company: 50,000 products and about a million moves in a year.

A wholesaler's catalogue: the small company's twenty kinds of goods in many variants and models
(half of them with Chinese names, the teas, spices and rice sold by the kilogram), the warehouse
(the default location) and the shop. Its setup (:func:`setup`, called by
:func:`bizsuite.erp.stock.demo.add_demo_stock` for ``size="large"``):

- writes the products through the products import (:func:`bizsuite.erp.stock.importer.import_products`,
  a CSV made in a temporary folder): the import's own rules and bulk writer, about 3 s;
- gives each product a share of the year's sales (a Zipf-like popularity: a few sell every day,
  most a few times a year), a reorder point of about six weeks of its sales and a reorder
  quantity of about five months;
- books an opening stock on the first day of the year of about a year of each product's sales
  (between 0.9 and 1.8 of it), so some run low during the year and purchasing reorders them.

Then, day by day on the demo's timeline (:func:`day`), the day's dispatch from the warehouse and
the shop's counter sales — as many lines as the ledger part's sales of that day call for (a busy
day has more), each product drawn by its popularity, never more than its location holds (what is
sold out is not sent) — a few dozen transfers to the shop and a few counts and breakages.

Every day's moves go through :func:`bizsuite.erp.stock.bulk.load_moves`: valued by the module's
one rule (in at cost, out at the moving average), refused if a location would go below zero, and
posted to the ledger summarised (one entry a day per kind and direction), so ``bizsuite check``
finds the inventory account equal to the valuation at every month end. Purchasing, after stock on
the same day, receives through its repository (:mod:`bizsuite.erp.purchasing.demo`); what it
brought in is read back the next morning (the moves with a higher id than the last one seen).

Everything comes from ``rng`` and the dates: a seed gives the same stock on the same day.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import random
import tempfile
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Callable

from sqlalchemy import func, select

PRODUCTS = 50_000
MOVES = 1_000_000  # about: opening stock, the dispatches, the shop's transfers and counts
TRANSFERS = 0.03  # of the moves: to the shop's shelves
COUNTS = 0.006  # of the moves: counts and breakages
SHOP_SHARE = 0.08  # of the day's lines, sold over the shop's counter
POPULARITY = 0.8  # the exponent of the products' Zipf-like shares of the sales
SOURCE_ISSUE = "stock_issue"
_HALF = Decimal("0.5")


def setup(books, r: random.Random, *, start: dt.date, end: dt.date, suppliers: list[int], state: dict,
          report: Callable[[int, int], None], products: int = PRODUCTS, moves: int = MOVES) -> dict[str, int]:
    from bizsuite.erp.stock.bulk import BulkMove, load_moves
    from bizsuite.erp.stock.demo import ITEMS, MARGIN_COST_PCT, SHOP, TAX_RATES, VARIANTS, _sales
    from bizsuite.erp.stock.importer import import_products
    from bizsuite.erp.stock.models import Move, Product

    stock = books.stock
    n = products
    days = (end - start).days + 1
    # each product's share of the year's lines, in a shuffled order (SKU order is not popularity)
    weights = [1 / (rank + 1) ** POPULARITY for rank in range(n)]
    r.shuffle(weights)
    per_day = _lines_per_day(books, start, end, days, _sales)
    scale = (moves - n) / sum(per_day.values())  # every move of the year after the opening stock
    per_day = {d: round(v * scale) for d, v in per_day.items()}
    year_lines = sum(per_day.values())
    total_w = sum(weights)

    rows = []
    specs = []  # (sku, unit, cost, year units)
    by_prefix: dict[str, int] = defaultdict(int)
    for k in range(n):
        i = k % len(ITEMS)
        v = (k // len(ITEMS)) % len(VARIANTS)
        model = k // (len(ITEMS) * len(VARIANTS)) + 1
        en, cn, unit, (lo, hi), prefix = ITEMS[i]
        ven, vcn = VARIANTS[v]
        by_prefix[prefix] += 1
        sku = f"{prefix}-{by_prefix[prefix]:05d}"
        name = (f"{cn}{vcn} {model}号" if k % 2 else f"{en}{', ' + ven if ven else ''}, no. {model}")
        cost = Decimal(r.randint(lo // 2, hi // 2) * 2) / 100
        price = (cost * 100 / r.randint(*MARGIN_COST_PCT)).quantize(Decimal("0.01"))
        lines = year_lines * weights[k] / total_w
        units = lines * (2.5 if unit == "pcs" else 1.5)  # the mean of a line's quantity, below
        point = max(2, round(units * 6 / 52))
        qty = max(5, round(units * 5 / 12))
        supplier = f"#{r.choice(suppliers)}" if suppliers and r.random() < 0.96 else ""
        rows.append((sku, name, unit, f"{price}", f"{r.choice(TAX_RATES)}", point, qty, supplier))
        specs.append((sku, unit, cost, units))
    with tempfile.TemporaryDirectory(prefix="bizsuite-demo-") as tmp:
        path = Path(tmp) / "products.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(("sku", "name", "unit", "price", "tax_rate", "reorder_point", "reorder_qty", "supplier"))
            w.writerows(rows)
        done = import_products(books, path, display="the large demo's products")
    if done.imported != n:  # pragma: no cover - the rows above are all valid
        raise RuntimeError(f"the large demo's products: {done.imported} of {n} imported")
    report(3, 10)

    ids = dict(books.session.execute(select(Product.sku, Product.id)).all())
    main = stock.default_location().id
    shop = stock.add_location(SHOP).id
    opening, have = [], {}
    for sku, unit, cost, units in specs:
        q = _step(Decimal(units * r.uniform(0.9, 1.8)), unit, at_least=True)
        pid = ids[sku]
        opening.append(BulkMove(pid, "opening", start, q, main, cost, ref="opening stock"))
        have[pid, main] = q
    load_moves(books, opening, audit_source="the large demo: opening stock")
    report(9, 10)
    pids = [ids[sku] for sku, _, _, _ in specs]
    state.update(large=True, main=main, shop=shop, have=have, pids=pids,
                 unit={ids[sku]: unit for sku, unit, _, _ in specs},
                 cum=list(itertools.accumulate(weights)), per_day=per_day,
                 seen=books.session.scalar(select(func.max(Move.id))) or 0)
    report(1, 1)
    return {"products": n, "stock moves": n}


def day(books, r: random.Random, today: dt.date, state: dict) -> dict[str, int]:
    """One day of the large company's stock: what came in since yesterday is counted, then the
    transfers to the shop, a few counts and breakages, and the day's dispatch and counter sales."""
    from bizsuite.erp.stock.bulk import BulkMove, load_moves
    from bizsuite.erp.stock.models import Move

    have, unit, main, shop, pids, cum = (state[k] for k in ("have", "unit", "main", "shop", "pids", "cum"))
    s = books.session
    for mid, pid, frm, to, q in s.execute(
            select(Move.id, Move.product_id, Move.from_location_id, Move.to_location_id, Move.quantity)
            .where(Move.id > state["seen"])):  # purchasing's receipts of yesterday (and any dated back)
        if to is not None:
            have[pid, to] = have.get((pid, to), 0) + q
        if frm is not None:
            have[pid, frm] = have.get((pid, frm), 0) - q
        state["seen"] = max(state["seen"], mid)

    moves: list = []
    planned = state["per_day"].get(today)
    if planned is None:  # no sales, no dispatch: the shop is closed too
        return {}
    transfers, counts = max(1, round(planned * TRANSFERS)), max(1, round(planned * COUNTS))  # a few every day
    lines = planned - transfers - counts

    def take(pid: int, loc: int, q: Decimal) -> Decimal:
        q = min(q, _step(have.get((pid, loc), 0), unit[pid], down=True))
        if q > 0:
            have[pid, loc] -= q
        return q

    for pid in r.choices(pids, cum_weights=cum, k=transfers):
        q = take(pid, main, Decimal(r.randint(2, 6)))
        if q > 0:
            have[pid, shop] = have.get((pid, shop), 0) + q
            moves.append(BulkMove(pid, "transfer", today, q, main, to_location_id=shop,
                                  reason="shelves in the shop"))
    for pid in r.choices(pids, cum_weights=cum, k=counts):
        loc = shop if r.random() < 0.5 else main
        if have.get((pid, loc), 0) < 2:
            continue
        if r.random() < 0.5:
            q = take(pid, loc, Decimal(1))
            moves.append(BulkMove(pid, "adjustment", today, -q, loc, reason="broken"))
        else:
            by = Decimal(r.choice((-1, 1))) * (_HALF if unit[pid] != "pcs" and r.random() < 0.5 else 1)
            if by < 0:
                take(pid, loc, -by)
            else:
                have[pid, loc] += by
            moves.append(BulkMove(pid, "adjustment", today, by, loc, reason="count"))
    refs = {main: f"dispatch {today}", shop: f"shop sales {today}"}
    # each a line of a customer's order; what has sold out there, the customer swaps for
    # something else (up to two more tries), so a day dispatches about what its sales call for
    picks = iter(r.choices(pids, cum_weights=cum, k=lines * 3))
    for _ in range(lines):
        loc = shop if r.random() < SHOP_SHARE else main
        for pid in itertools.islice(picks, 3):
            if have.get((pid, loc), 0) > 0:
                break
        want = (Decimal(r.randint(1, 4)) if unit[pid] == "pcs"
                else Decimal(r.choice((1, 2, 2, 3, 4, 6))) * _HALF)
        q = take(pid, loc, want)
        if q > 0:
            moves.append(BulkMove(pid, "delivery", today, q, loc, source=SOURCE_ISSUE, ref=refs[loc]))
    if not moves:
        return {}
    load_moves(books, moves, audit_source=f"the large demo: {today}")
    state["seen"] = s.scalar(select(func.max(Move.id))) or 0
    return {"stock moves": len(moves)}


def _lines_per_day(books, start, end, days, sales) -> dict[dt.date, float]:
    """Each day's share of the year's delivery lines: the ledger part's net sales of that day
    (so a busy day dispatches more), or every weekday alike if it booked none."""
    by_day: dict[dt.date, Decimal] = defaultdict(Decimal)
    for d, _, net in sales(books, start, end):
        by_day[d] += net
    if not by_day:
        by_day = {start + dt.timedelta(days=i): Decimal(1) for i in range(days)
                  if (start + dt.timedelta(days=i)).weekday() < 5}
    return {d: float(v) for d, v in by_day.items() if v > 0}


def _step(q, unit: str, *, down: bool = False, at_least: bool = False) -> Decimal:
    """``q`` in the unit's steps (whole pieces, half kilograms): rounded down, or to the nearest."""
    q = Decimal(q)
    step = Decimal(1) if unit == "pcs" else _HALF
    units = (q / step).to_integral_value(rounding="ROUND_FLOOR" if down else "ROUND_HALF_EVEN")
    if at_least:
        units = max(units, 1)
    return units * step


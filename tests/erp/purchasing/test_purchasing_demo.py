"""The stock and purchasing parts of the demo, on the timeline: a year a shop owner would
recognise (built once per database, with the clock frozen at BASE)."""

from __future__ import annotations

from collections import defaultdict

import pytest
from sqlalchemy import func, select

from bizsuite.core import clock
from bizsuite.core.store import Store
from bizsuite.demo import BASE
from bizsuite.erp.purchasing.models import STATUSES, PurchaseOrder
from bizsuite.erp.stock.models import Move, Revaluation


@pytest.fixture
def demo(demo_location, owner_name):
    """The run's small demo (conftest's ``demo_location``: built once on each database)."""
    store = Store.open(demo_location)
    try:
        with clock.freeze(BASE), store.read(store.actor_for(owner_name)) as b:
            yield b
    finally:
        store.close()


def test_a_believable_year_of_stock_and_purchasing(demo):
    b = demo
    s = b.session
    # every status of a purchase order is there
    statuses = dict(s.execute(select(PurchaseOrder.status, func.count()).group_by(PurchaseOrder.status)).all())
    assert set(statuses) == set(STATUSES), statuses

    # at today a handful of products are at or below their reorder point: some already on order
    # (or drafted), some not, and some of those with no supplier to order from
    rows = b.stock.products(limit=None).rows
    drafted = set(s.scalars(select(PurchaseOrder.id).where(PurchaseOrder.status == "draft")))
    assert drafted
    low = [r for r in rows if r.on_hand <= r.reorder_point]
    assert 3 <= len(low) <= len(rows) // 4, len(low)
    assert any(r.on_order > 0 for r in low)
    assert any(r.on_order == 0 and r.supplier_id is not None for r in low)
    assert any(r.supplier_id is None for r in low)
    suggested, _ = b.purchasing.suggest()
    assert suggested and any(x.supplier_id is None for x in suggested)
    assert all(r.on_hand < r.reorder_point + r.reorder_qty * 2 for r in rows)  # modest stock, not a year's

    # the moves: receipts and deliveries interleave through the year; everything but a few late
    # receipts was entered in date order, and those re-valued what was delivered since
    moves = s.execute(select(Move.id, Move.date, Move.kind, Move.product_id, Move.unit_cost).order_by(Move.id)).all()
    by_date = [kind for _, _, kind, _, _ in sorted(moves, key=lambda m: (m[1], m[0]))
               if kind in ("receipt", "delivery")]
    switches = sum(1 for a, c in zip(by_date, by_date[1:]) if a != c)
    assert switches >= 100, switches
    latest = None
    backdated = 0
    for _, day, kind, _, _ in moves:
        if latest is not None and day < latest:
            assert kind == "receipt", (day, kind, latest)
            backdated += 1
        latest = max(latest or day, day)
    assert backdated >= 1
    assert s.scalar(select(func.count()).select_from(Revaluation)) >= 1
    first = min(m[1] for m in moves)
    assert (BASE.date() - first).days == 364
    assert max(m[1] for m in moves) == BASE.date()  # deliveries up to today

    # suppliers' prices drift, so receipts come in at several costs and the average moves
    costs = defaultdict(set)
    for _, _, kind, pid, cost in moves:
        if kind == "receipt":
            costs[pid].add(cost)
    assert sum(1 for c in costs.values() if len(c) > 1) >= 10

    # and everything adds up: inventory = valuation, GRNI, AP, every check
    failed = [r for r in b.admin.check() if not r.ok]
    assert not failed, failed

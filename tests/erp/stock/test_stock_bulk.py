"""The bulk path (erp/stock/bulk.py) against the one-move-at-a-time path, on the same history.

A seeded random history (opening stock, receipts at odd costs, deliveries, transfers between two
locations, adjustments both ways, pieces and kilograms) is written twice in one set of books:
once through :meth:`StockRepository.move` for products ``A-*``, once through
:func:`bulk.load_moves` for their twins ``B-*``. Each twin must end with the same moves (kind,
date, quantity, value, unit cost, at average, locations, counter account), the same quants and
totals, and the ledger must hold the same amounts per day and account for each set (the bulk
path's entries are summarised, the normal path's one per move), with ``bizsuite check`` green.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal as D

import pytest
from sqlalchemy import func, select

from stock_helpers import check_failures, product

from bizsuite.core.errors import Refused
from bizsuite.erp.ledger.models import Line
from bizsuite.erp.stock.bulk import BulkMove, load_moves
from bizsuite.erp.stock.models import Move, MoveIn, Quant

START = dt.date(2024, 3, 1)


def _history(seed: int, products: list[tuple[int, str]], main: int, back: int) -> list[BulkMove]:
    """Valid moves (never below zero anywhere), in date order, for ``products`` (index, unit)."""
    r = random.Random(seed)
    have: dict[tuple[int, int], D] = defaultdict(D)
    out: list[BulkMove] = []

    def qty(unit: str, most: D | None = None) -> D:
        q = D(r.randint(1, 12)) if unit == "pcs" else D(r.randint(1, 9000)) / 1000
        return q if most is None else min(q, most)

    for i, unit in products:
        q = qty(unit) * 3
        out.append(BulkMove(i, "opening", START, q, main, D(r.randint(101, 9_999)) / 100))
        have[i, main] += q
    for day in range(1, 40):
        d = START + dt.timedelta(days=day)
        for i, unit in products:
            roll = r.random()
            loc = r.choice((main, back))
            if roll < 0.3:
                q = qty(unit)
                cost = D(r.randint(1, 9_999_999)) / 10 ** r.choice((2, 3, 6))
                out.append(BulkMove(i, "receipt", d, q, loc, cost, source="stock_adjustment", ref=f"R{day}"))
                have[i, loc] += q
            elif roll < 0.65 and have[i, loc] > 0:
                q = have[i, loc] if r.random() < 0.15 else qty(unit, have[i, loc])  # now and then the last units
                out.append(BulkMove(i, "delivery", d, q, loc, ref=f"D{day}"))
                have[i, loc] -= q
            elif roll < 0.8 and have[i, loc] > 0:
                to = back if loc == main else main
                q = qty(unit, have[i, loc])
                out.append(BulkMove(i, "transfer", d, q, loc, to_location_id=to, reason="shelves"))
                have[i, loc] -= q
                have[i, to] += q
            elif roll < 0.9 and have[i, loc] > 0:
                q = qty(unit, have[i, loc])
                out.append(BulkMove(i, "adjustment", d, -q, loc, reason="broken"))
                have[i, loc] -= q
            elif roll < 0.95 and sum(v for (j, _), v in have.items() if j == i) > 0:
                q = qty(unit)  # found more, at the average of its moment
                out.append(BulkMove(i, "adjustment", d, q, loc, reason="count"))
                have[i, loc] += q
    return out


def _normal(b, m: BulkMove, pid: int) -> None:
    q = -m.quantity if m.kind == "adjustment" and m.quantity < 0 else m.quantity
    if m.kind == "adjustment":
        line = MoveIn(pid, m.quantity, m.unit_cost, m.location_id)
    else:
        line = MoveIn(pid, q, m.unit_cost, m.location_id, m.to_location_id)
    source = m.source or {"opening": "stock_opening", "adjustment": "stock_adjustment", "transfer": "stock_transfer",
                          "delivery": "stock_issue"}[m.kind]
    b.stock.move(m.kind, [line], date=m.date, source=(source, None), ref=m.ref, reason=m.reason)


def _moves(b, pid: int) -> list[tuple]:
    return [(m.kind, m.date, m.quantity, m.qty_delta, m.value, m.value_delta, m.unit_cost, m.at_average,
             m.from_location_id, m.to_location_id, m.counter_role, m.source_kind)
            for m in b.session.scalars(select(Move).where(Move.product_id == pid).order_by(Move.date, Move.id))]


def _posted(b, pids: list[int]) -> dict[tuple, D]:
    """What the entries of these products' moves post, per day and account."""
    entries = select(Move.entry_id).where(Move.product_id.in_(pids), Move.entry_id.is_not(None)).distinct()
    return {(d, a): v for d, a, v in b.session.execute(
        select(Line.date, Line.account_id, func.sum(Line.amount)).where(Line.entry_id.in_(entries))
        .group_by(Line.date, Line.account_id))}


@pytest.mark.parametrize("seed", [1, 2])
def test_bulk_gives_what_the_moves_one_by_one_give(stock_store, owner, seed):
    units = ["pcs", "kg", "pcs", "kg", "pcs"]
    with stock_store.transaction(owner) as b:
        main, back = b.stock.location("Main").id, b.stock.location("Back").id
        a = [product(b, f"A-{i}", u).id for i, u in enumerate(units)]
        bb = [product(b, f"B-{i}", u).id for i, u in enumerate(units)]
    history = _history(seed, list(enumerate(units)), main, back)
    kinds = {m.kind for m in history}
    assert kinds == {"opening", "receipt", "delivery", "transfer", "adjustment"}
    with stock_store.transaction(owner) as b:
        for m in history:
            _normal(b, m, a[m.product_id])
    with stock_store.transaction(owner) as b:
        done = load_moves(b, [m._replace(product_id=bb[m.product_id]) for m in history])
        assert done.moves == len(history)
    with stock_store.read(owner) as b:
        for pa, pb in zip(a, bb):
            assert _moves(b, pa) == _moves(b, pb)
            x, y = b.stock.product(pa), b.stock.product(pb)
            assert (x.on_hand, x.value, x.last_move) == (y.on_hand, y.value, y.last_move)
            qa = {q.location_id: q.quantity for q in b.session.scalars(select(Quant).where(Quant.product_id == pa))}
            qb = {q.location_id: q.quantity for q in b.session.scalars(select(Quant).where(Quant.product_id == pb))}
            assert qa == qb
        posted_a, posted_b = _posted(b, a), _posted(b, bb)
        assert posted_a == posted_b and posted_a
        # fewer entries: one per day, kind and direction rather than one per move
        n_a = b.session.scalar(select(func.count(func.distinct(Move.entry_id))).where(Move.product_id.in_(a)))
        n_b = b.session.scalar(select(func.count(func.distinct(Move.entry_id))).where(Move.product_id.in_(bb)))
        assert n_b < n_a
        assert check_failures(b) == []
        assert [r.name for r in b.admin.check() if not r.ok] == []


def test_bulk_refuses_negative_stock_and_writes_nothing(stock_store, owner):
    with stock_store.transaction(owner) as b:
        main = b.stock.location("Main").id
        pid = product(b, "NEG").id
    moves = [BulkMove(pid, "opening", START, D(5), main, D("2.50")),
             BulkMove(pid, "delivery", START + dt.timedelta(days=1), D(3), main),
             BulkMove(pid, "delivery", START + dt.timedelta(days=2), D(3), main)]
    with pytest.raises(Refused, match=r"move 3: NEG at Main on 2024-03-03: 1 pcs short \(on hand 2 pcs, taking 3 pcs\)"):
        with stock_store.transaction(owner) as b:
            load_moves(b, moves)
    with stock_store.read(owner) as b:
        assert b.stock.counts()["moves"] == 0
        assert b.stock.product("NEG").on_hand == 0
        assert b.session.scalar(select(func.count()).select_from(Line)) == 0
    # and it appends only: a move before the product's last one is the normal path's (it re-values)
    with stock_store.transaction(owner) as b:
        load_moves(b, moves[:2])
    with pytest.raises(Refused, match="NEG has moves up to 2024-03-02"):
        with stock_store.transaction(owner) as b:
            load_moves(b, [BulkMove(pid, "receipt", START, D(1), main, D(1), source="stock_adjustment")])

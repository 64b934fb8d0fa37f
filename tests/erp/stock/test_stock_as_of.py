"""On hand and valuation as of any date, against the moves themselves.

A random history (receipts, deliveries, transfers, counts, some dated back so revaluations come
in) on two products and two locations; then, for every day of it, what ``onhand`` and
``valuation`` say as of that day must be what the moves (and revaluations) dated up to it add up
to — computed here the plain way, row by row. The days near the end of a product's history take
the repository's other path (now, less the moves after), so both are held to the same answer.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from collections import defaultdict
from decimal import Decimal as D

import pytest
from sqlalchemy import select

from stock_helpers import check_failures, product, receive

from bizsuite.core.errors import Refused

START = dt.date(2026, 3, 1)
DAYS = 24


def history(store, owner, seed: int) -> None:
    """Each move its own unit of work, as clerks enter them: a refused one leaves nothing."""
    r = random.Random(seed)
    for i in range(36):
        day = START + dt.timedelta(days=r.randrange(DAYS))
        sku = r.choice(("AS-1", "AS-2"))
        where = r.choice(("Main", "Back"))
        kind = r.random()
        try:
            with store.transaction(owner) as b:
                if kind < 0.45:
                    receive(b, sku, r.randint(1, 9), r.choice(("2.50", "3.10", "4.00")), date=day, location=where)
                elif kind < 0.75:
                    b.stock.move("delivery", [_line(sku, r.randint(1, 4), where)], date=day,
                                 source=("stock_issue", None), ref=f"d{i}")
                elif kind < 0.9:
                    b.stock.transfer(sku, r.randint(1, 3), from_location=where,
                                     to_location="Back" if where == "Main" else "Main", date=day)
                else:
                    b.stock.adjust(sku, by=r.choice((-1, 1, 2)), reason="count", location=where, date=day,
                                   unit_cost="3.00")
        except Refused:
            pass  # not enough there on that day (or later): refused, nothing written — as a clerk would see


def _line(sku, q, where):
    from bizsuite.erp.stock.models import MoveIn

    return MoveIn(sku, D(q), None, where)


def plain(b, day: dt.date):
    """(sku, location) → quantity and sku → (quantity, value) at the end of ``day``, row by row."""
    from bizsuite.erp.stock.models import Location, Move, Product, Revaluation

    s = b.session
    sku = dict(s.execute(select(Product.id, Product.sku)).all())
    loc = dict(s.execute(select(Location.id, Location.name)).all())
    at: dict = defaultdict(D)
    totals: dict = defaultdict(lambda: [D(0), D(0)])
    for m in s.scalars(select(Move).where(Move.date <= day)):
        if m.to_location_id is not None:
            at[sku[m.product_id], loc[m.to_location_id]] += m.quantity
        if m.from_location_id is not None:
            at[sku[m.product_id], loc[m.from_location_id]] -= m.quantity
        totals[sku[m.product_id]][0] += m.qty_delta
        totals[sku[m.product_id]][1] += m.value_delta
    for rv in s.scalars(select(Revaluation).where(Revaluation.date <= day)):
        totals[sku[rv.product_id]][1] += rv.value_delta
    return ({k: v for k, v in at.items() if v}, {k: tuple(v) for k, v in totals.items() if any(v)})


@pytest.mark.parametrize("seed", [3, 11, 29])
def test_on_hand_and_valuation_as_of_every_day_are_the_moves_to_that_day(stock_store, owner, seed):
    from bizsuite.erp.stock.models import Revaluation

    with stock_store.transaction(owner) as b:
        product(b, "AS-1")
        product(b, "AS-2")
    history(stock_store, owner, seed)
    with stock_store.read(owner) as b:
        assert check_failures(b) == []
        moved = b.stock.counts()["moves"]
        assert moved >= 20  # a history worth the name (refused moves are not in it)
        if seed == 3:
            assert b.session.scalar(select(Revaluation.id).limit(1)) is not None  # backdated moves re-valued
        for offset in range(-1, DAYS + 1):
            day = START + dt.timedelta(days=offset)
            at, totals = plain(b, day)
            for sku in ("AS-1", "AS-2"):
                got = {(r.sku, r.location): r.on_hand for r in b.stock.onhand(sku, as_of=day)}
                assert got == {k: v for k, v in at.items() if k[0] == sku}, (sku, day)
                got = {(r.sku, r.location): r.on_hand for r in b.stock.onhand(sku, location="Back", as_of=day)}
                assert got == {k: v for k, v in at.items() if k == (sku, "Back")}, (sku, day)
            assert {(r.sku, r.location): r.on_hand for r in b.stock.onhand(as_of=day)} == at, day
            assert {r.sku: (r.quantity, r.value) for r in b.stock.valuation(as_of=day)} == totals, day
            assert b.stock.total_value(as_of=day) == sum((v for _, v in totals.values()), D(0))


def test_on_hand_as_of_from_the_command_line(stock_store, owner, tmp_path):
    """``stock onhand SKU --as-of D`` and ``stock valuation --as-of D`` in CSV: the figures of that day."""
    from cli_runner import Bizsuite

    with stock_store.transaction(owner) as b:
        product(b, "AS-1")
        receive(b, "AS-1", 10, "2.00", date=START, location="Main")
        receive(b, "AS-1", 10, "4.00", date=START + dt.timedelta(days=5), location="Main")
        b.stock.transfer("AS-1", 4, from_location="Main", to_location="Back", date=START + dt.timedelta(days=6))
    loc = stock_store.location
    url = str(loc.path) if loc.is_sqlite else loc.url
    cli = Bizsuite(tmp_path)
    r = cli("stock", "onhand", "AS-1", "--as-of", str(START + dt.timedelta(days=1)), "--format", "csv", db=url)
    assert r.rc == 0, r.stderr
    assert [(x["sku"], x["location"], x["on_hand"]) for x in csv.DictReader(io.StringIO(r.stdout))] == \
        [("AS-1", "Main", "10")]
    r = cli("stock", "onhand", "AS-1", "--as-of", str(START + dt.timedelta(days=6)), "--format", "csv", db=url)
    assert {(x["location"], x["on_hand"]) for x in csv.DictReader(io.StringIO(r.stdout))} == {("Main", "16"), ("Back", "4")}
    r = cli("stock", "valuation", "--as-of", str(START + dt.timedelta(days=1)), "--format", "csv", db=url)
    assert r.rc == 0, r.stderr
    (row,) = csv.DictReader(io.StringIO(r.stdout))
    assert (row["sku"], row["value"]) == ("AS-1", "20.00")  # 10 at 2.00, before the second receipt

"""The large demo's stock and purchasing, on the large code paths at a smaller scale.

The large company itself (50k products, about a million moves) is built by ``bizsuite demo
--size large`` and measured there (bench/stock.py, the closing notes); here every large part runs
with its sizes turned down (800 products and 14,000 moves), so the bulk path is proved by the
same checks as the small company: on hand = the moves, the inventory account = the valuation at
every month end, the purchase orders agree with their documents — on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from collections import defaultdict

import pytest
from sqlalchemy import func, select

from bizsuite.core import clock
from bizsuite.core.auth import os_login
from bizsuite.core.store import Store
from bizsuite.demo import BASE, prepare_demo

CJK = re.compile(r"[\u3400-\u9fff]")
PRODUCTS, MOVES = 800, 14_000


@pytest.fixture(scope="module")
def large_books(module_location):
    import bizsuite.crm.contacts.demo as contacts_demo
    import bizsuite.crm.pipeline.demo as pipeline_demo
    import bizsuite.crm.tickets.demo as tickets_demo
    import bizsuite.erp.ledger.demo as ledger_demo
    import bizsuite.erp.stock.demo as stock_demo

    mp = pytest.MonkeyPatch()
    mp.setitem(contacts_demo.SIZES, "large", 600)
    mp.setitem(tickets_demo.SIZES, "large", 60)
    mp.setitem(pipeline_demo.SIZES, "large", 600)  # its own test proves the bulk deals
    # stock and purchasing as they run on their own: sales' deliveries (and the opening stock it
    # adds for them) have their own test, tests/erp/sales/test_sales_demo.py
    import bizsuite.demo as demo

    mp.setattr(demo, "parts", lambda _parts=demo.parts: [p for p in _parts() if p.name != "sales"])
    mp.setitem(ledger_demo.BUSIER, "large", 2)
    mp.setitem(stock_demo.LARGE, "products", PRODUCTS)
    mp.setitem(stock_demo.LARGE, "moves", MOVES)
    try:
        with clock.freeze(BASE):
            prepare_demo(module_location, size="large", dedicated=False, echo=lambda m: None)
    finally:
        mp.undo()
    store = Store.open(module_location)
    with store.read(store.actor_for(os_login())) as books:
        yield books
    store.close()


def test_products_in_two_scripts_some_by_weight(large_books):
    from bizsuite.erp.stock.models import Product

    rows = large_books.session.execute(select(Product.sku, Product.name, Product.unit, Product.supplier_id,
                                              Product.reorder_point)).all()
    assert len(rows) == PRODUCTS
    assert len({sku.casefold() for sku, *_ in rows}) == PRODUCTS
    chinese = sum(1 for _, name, *_ in rows if CJK.search(name))
    assert 0.45 * PRODUCTS <= chinese <= 0.55 * PRODUCTS
    assert 0.2 * PRODUCTS <= sum(1 for r in rows if r.unit == "kg") <= 0.5 * PRODUCTS
    assert 0.9 * PRODUCTS <= sum(1 for r in rows if r.supplier_id) < PRODUCTS  # a few with no supplier
    assert all(r.reorder_point > 0 for r in rows)


def test_about_the_moves_asked_for_of_every_kind_over_the_year(large_books):
    from bizsuite.erp.stock.models import Move

    s = large_books.session
    kinds = dict(s.execute(select(Move.kind, func.count()).group_by(Move.kind)).all())
    assert {"opening", "delivery", "receipt", "transfer", "adjustment"} <= set(kinds), kinds
    assert kinds["opening"] == PRODUCTS
    assert 0.85 * MOVES <= sum(kinds.values()) <= 1.05 * MOVES, kinds
    first, last = s.execute(select(func.min(Move.date), func.max(Move.date))).one()
    assert (BASE.date() - first).days == 364 and last == BASE.date()
    # popular products sell every day, most a few times a year
    per_product = sorted(s.scalars(select(func.count()).select_from(Move).where(Move.kind == "delivery")
                                   .group_by(Move.product_id)), reverse=True)
    assert per_product[0] > 20 * per_product[len(per_product) // 2]


def test_every_check_passes_on_the_bulk_books(large_books):
    """On hand = the moves, the products' totals = moves + revaluations, the inventory account =
    the valuation at every month end, the purchase orders = their documents."""
    results = large_books.admin.check()
    names = {r.name for r in results}
    assert "the inventory account equals the stock valuation at every month end" in names
    assert all(r.ok for r in results), [(r.name, r.detail) for r in results if not r.ok]


def test_nothing_is_below_zero_and_the_ledger_is_the_valuation(large_books):
    from bizsuite.erp.stock.models import Product, Quant

    s = large_books.session
    assert s.scalar(select(func.min(Quant.quantity))) >= 0
    assert s.scalar(select(func.count()).select_from(Product).where(Product.value < 0)) == 0
    ledger = large_books.ledger
    assert ledger.balance(ledger.role_account("inventory").id) == large_books.stock.total_value() > 0
    # the dispatches cost something: COGS comes from the bulk moves' summarised entries
    assert ledger.balance(ledger.role_account("cogs").id) > 0


def test_the_buyer_orders_the_most_urgent_lines_a_week_and_the_rest_run_low(large_books):
    from bizsuite.erp.purchasing.demo import LARGE_LINES, LARGE_ORDERS
    from bizsuite.erp.purchasing.models import STATUSES, OrderLine, PurchaseOrder

    s = large_books.session
    orders = s.execute(select(PurchaseOrder.date, PurchaseOrder.id, func.count())
                       .join(OrderLine, OrderLine.order_id == PurchaseOrder.id).group_by(PurchaseOrder.id)).all()
    by_day: dict = defaultdict(list)
    for day, _, lines in orders:
        by_day[day].append(lines)
    assert len(by_day) >= 25 and all(d.weekday() == 0 for d in by_day)  # Mondays, once stock runs low
    assert max(len(x) for x in by_day.values()) == LARGE_ORDERS
    assert max(max(x) for x in by_day.values()) == LARGE_LINES
    statuses = set(s.scalars(select(PurchaseOrder.status).distinct()))
    assert {"closed", "draft"} <= statuses <= set(STATUSES)  # the last week's are drafts
    assert statuses & {"confirmed", "partial", "received"}  # some still open
    suggestions, _ = large_books.purchasing.suggest()
    assert len(suggestions) > LARGE_LINES  # more ran low than one week's buying
    assert all(x.on_hand + x.on_order <= x.reorder_point for x in suggestions)

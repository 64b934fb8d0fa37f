"""The sales part of the demo: a year of selling on the timeline (read on the shared small demo, at
BASE) — won deals become orders, every stage of the flow is there, stock and the ledger agree,
the same seed gives the same figures — and the large company's sales in bulk (at a reduced
size, on SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib
import random
import sqlite3
from collections import Counter, defaultdict
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from bizsuite.core import clock
from bizsuite.core.auth import os_login
from bizsuite.core.db import Location, to_url
from bizsuite.core.store import Store
from bizsuite.crm.pipeline.models import Deal
from bizsuite.demo import BASE, DAYS
from bizsuite.erp.sales.models import (
    Allocation,
    CreditNote,
    CreditNoteLine,
    Delivery,
    DeliveryLine,
    Invoice,
    Payment,
    SalesOrder,
    SalesOrderLine,
)

TODAY = BASE.date()
FIRST = TODAY - timedelta(days=DAYS - 1)


@pytest.fixture(autouse=True)
def _at_base():
    """The demo is read on the day it was built: "today" is BASE's day."""
    with clock.freeze(BASE):
        yield


@pytest.fixture(scope="module")
def demo(small_demo_file):
    store = Store.open(Location(to_url(str(small_demo_file())), "test"))
    try:
        with store.read(store.actor_for(os_login())) as books:
            yield books
    finally:
        store.close()


def _all(books, model):
    return list(books.session.scalars(select(model).order_by(model.id)))


# -- the small company, on the timeline -------------------------------------------------------


def test_every_won_deal_is_a_confirmed_order_for_its_customer_on_the_day_it_was_won(demo):
    won = list(demo.session.scalars(select(Deal).where(Deal.status == "won")))
    orders = _all(demo, SalesOrder)
    by_deal = defaultdict(list)
    for o in orders:
        if o.deal_id is not None:
            by_deal[o.deal_id].append(o)
    assert len(won) >= 40
    for d in won:
        confirmed = [o for o in by_deal[d.id] if o.status not in ("quotation", "cancelled")]
        assert len(confirmed) == 1, d.number
        o = confirmed[0]
        assert o.customer_id == d.customer_id and o.date <= d.closed_on, (d.number, o.number)
        assert demo.contacts.get(o.customer_id).is_customer  # a lead who won a deal is a customer now
    # a quotation drawn up at a big deal's proposal: confirmed when won, left or declined when lost
    deals = {d.id: d for d in demo.session.scalars(select(Deal).where(Deal.id.in_(list(by_deal))))}
    early = [o for o in orders if o.deal_id is not None and deals[o.deal_id].closed_on is not None
             and o.date < deals[o.deal_id].closed_on]
    assert any(deals[o.deal_id].status == "won" for o in early)
    assert any(deals[o.deal_id].status == "lost" for o in early)
    assert all(deals[o.deal_id].status == "won" for o in orders if o.deal_id and o.status not in
               ("quotation", "cancelled"))
    # the deal's page shows its order, what is invoiced and paid (the pipeline.deal_documents hook)
    some = next(d for d in won if by_deal[d.id])
    docs = demo.sales.deal_documents(some.id)
    assert {r.number for r in docs["orders"]} == {o.number for o in by_deal[some.id]}
    assert docs["invoiced"] > 0
    # and about the deal's amount: the quotation is priced from it (less what stock could not offer)
    ratios = sorted(demo.sales.order(o.id).net / deals[o.deal_id].amount
                    for o in orders if o.deal_id and deals[o.deal_id].status == "won" and o.status == "closed")
    assert Decimal("0.7") <= ratios[len(ratios) // 2] <= Decimal("1.2"), ratios


def test_every_stage_of_the_flow_is_there(demo):
    orders = _all(demo, SalesOrder)
    status = Counter(o.status for o in orders)
    assert {"quotation", "confirmed", "partially_delivered", "closed", "cancelled"} <= set(status), status
    assert 150 <= len(orders) <= 350 and status["closed"] > len(orders) / 2  # hundreds, not thousands
    # quotations left to expire, and quotations declined (cancelled with nothing delivered)
    assert any(o.status == "quotation" and o.valid_until < TODAY for o in orders)
    delivered = {ln.order_id for ln in _all(demo, SalesOrderLine) if ln.delivered > 0}
    assert any(o.status == "cancelled" and o.id not in delivered for o in orders)
    # delivered in parts: an order closed after two deliveries or more, and backorders open today
    deliveries = Counter(d.order_id for d in _all(demo, Delivery))
    closed = {o.id for o in orders if o.status == "closed"}
    assert any(n >= 2 for oid, n in deliveries.items() if oid in closed)
    partial = [o for o in orders if o.status == "partially_delivered"]
    assert all(0 < demo.sales.order(o.id).lines[0].ordered for o in partial)
    # deliveries a few days after the order, each invoiced the same day
    invoices = _all(demo, Invoice)
    by_order = defaultdict(list)
    for i in invoices:
        by_order[i.order_id].append(i)
    for d in _all(demo, Delivery):
        o = next(x for x in orders if x.id == d.order_id)
        assert d.date >= o.date and d.date.weekday() < 5
        assert any(i.date == d.date for i in by_order[d.order_id]), o.number
    # paid, partly paid, open and overdue at today
    open_ = [i for i in invoices if not i.cancelled and i.settled < i.total]
    assert sum(1 for i in invoices if i.settled == i.total) > len(invoices) * 0.7
    assert any(0 < i.settled < i.total for i in open_)
    overdue = [i for i in open_ if i.due < TODAY]
    assert 3 <= len(overdue) <= 40, len(overdue)
    aging = demo.sales.aging()
    assert sum(r.d1_30 + r.d31_60 + r.d61_90 + r.d90_plus for r in aging) == sum(i.total - i.settled for i in overdue)
    # payments: one covering several invoices; one more than was owed, whose credit a later invoice used
    allocs = _all(demo, Allocation)
    per_payment = Counter(a.payment_id for a in allocs if a.payment_id)
    assert any(n >= 2 for n in per_payment.values())
    pays = {p.id: p for p in _all(demo, Payment)}
    dates = {i.id: i.date for i in invoices}
    assert any(a.payment_id and dates[a.invoice_id] > pays[a.payment_id].date for a in allocs)


def test_credit_notes_of_both_kinds_and_an_invoice_made_again(demo):
    notes = _all(demo, CreditNote)
    kinds = Counter(n.kind for n in notes)
    assert kinds["return"] >= 2 and kinds["allowance"] >= 2 and kinds["cancel"] >= 1, kinds
    lines = defaultdict(list)
    for ln in _all(demo, CreditNoteLine):
        lines[ln.credit_note_id].append(ln)
    for n in notes:
        if n.kind == "return":  # the goods came back into stock, at the cost they went out at
            assert all(ln.returned > 0 and ln.move_id for ln in lines[n.id])
            assert n.reason
        elif n.kind == "allowance":  # money only
            assert all(ln.returned == 0 and ln.move_id is None for ln in lines[n.id])
            assert n.total < demo.session.get(Invoice, n.invoice_id).total
    cancelled = next(n for n in notes if n.kind == "cancel")
    inv = demo.session.get(Invoice, cancelled.invoice_id)
    assert inv.cancelled and cancelled.total == inv.total
    again = [i for i in _all(demo, Invoice) if i.order_id == inv.order_id and i.id > inv.id]
    assert again[0].date == cancelled.date and again[0].total == inv.total  # the same units invoiced again
    # the returned goods were written off as broken (a stock adjustment of the same day)
    from bizsuite.erp.stock.models import Move

    returns = [n for n in notes if n.kind == "return"]
    for n in returns:
        assert demo.session.scalar(select(func.count()).select_from(Move).where(
            Move.kind == "adjustment", Move.date == n.date, Move.reason.like("returned %"))) >= 1


def test_stock_and_the_ledger_agree(demo):
    failed = [(r.name, r.detail) for r in demo.admin.check() if not r.ok]
    assert not failed, failed
    tb = demo.ledger.trial_balance()
    assert sum(r.balance for r in tb) == 0
    # the ledger part left the selling to sales: no invoices or customers' payments of its own
    from bizsuite.erp.ledger.models import SOURCE_DEMO, Entry

    memos = demo.session.scalars(select(Entry.memo).where(Entry.source_kind == SOURCE_DEMO)).all()
    assert not [m for m in memos if m.startswith(("Invoice INV-", "Payment for INV-"))]
    assert any(m.startswith("Cash sale") for m in memos)
    # what the receivable account holds is what the documents say is owed
    receivable = demo.ledger.role_account("receivable")
    owed = sum(r.total for r in demo.sales.aging())
    assert demo.ledger.balance(receivable.id) == owed
    # each delivery's cost of goods is what its moves took out of stock, at the moving average
    from bizsuite.erp.stock.models import Move

    for dl in _all(demo, DeliveryLine)[:50]:
        m = demo.session.get(Move, dl.move_id)
        assert m.kind == "delivery" and m.value == dl.value and m.quantity == dl.quantity
    # the output tax was paid over each quarter
    tax_paid = [m for m in memos if m.startswith("Sales tax paid")]
    assert len(tax_paid) >= 3
    # a business that works: a turnover a small wholesaler has, and a profit
    pnl = demo.ledger.profit_and_loss(start=FIRST, end=TODAY)
    totals = {r.label: r.amounts[0] for r in pnl.totals}
    assert Decimal(800_000) < totals["total income"] < Decimal(4_000_000) and totals["net income"] > 0, totals


def _sales_digest(path) -> str:
    h = hashlib.sha256()
    with sqlite3.connect(path) as conn:
        for table in ("sales_orders", "sales_order_lines", "sales_invoices", "sales_invoice_lines", "sales_payments",
                      "sales_allocations", "sales_credit_notes", "sales_deliveries", "sales_delivery_lines"):
            cols = [c[1] for c in conn.execute(f"PRAGMA table_info({table})") if c[1] not in ("created_at",
                                                                                               "updated_at")]
            for row in conn.execute(f"SELECT {', '.join(cols)} FROM {table} ORDER BY id"):
                h.update(repr(row).encode())
    return h.hexdigest()


def test_the_same_seed_gives_the_same_sales(small_demo_file):
    first = _sales_digest(small_demo_file())
    assert _sales_digest(small_demo_file(7, copy="again")) == first  # a build of its own
    assert _sales_digest(small_demo_file(8)) != first


# -- the large company, in bulk (at a reduced size) ----------------------------------------------

LARGE_INVOICES = 1_500


@pytest.fixture(scope="module")
def large_books(module_location):
    """The parts the large sales part needs, turned down (300 products, 600 deals, 1,500
    invoices), and the year's days of stock and sales."""
    import bizsuite.erp.sales.demo as sales_demo
    import bizsuite.erp.stock.demo as stock_demo
    from bizsuite.crm.contacts.demo import add_demo_contacts
    from bizsuite.crm.pipeline.demo import add_demo_pipeline
    from bizsuite.erp.ledger.demo import add_demo_ledger

    mp = pytest.MonkeyPatch()
    mp.setitem(stock_demo.LARGE, "products", 300)
    mp.setitem(stock_demo.LARGE, "moves", 3_000)
    mp.setitem(sales_demo.LARGE, "invoices", LARGE_INVOICES)
    store = Store.open_or_create_empty(module_location)
    try:
        store.initialise(company="Large Co", currency="USD", owner=os_login())
        actor = store.actor_for(os_login())
        with clock.freeze(BASE), store.transaction(actor) as books:
            add_demo_contacts(books, random.Random("7:contacts"), "small", base=BASE)
            add_demo_ledger(books, random.Random("7:ledger"), "small", base=BASE, seed=7)
            rs, ss = random.Random("7:stock"), {}
            stock_demo.add_demo_stock(books, rs, "large", base=BASE, seed=7, state=ss)
            add_demo_pipeline(books, random.Random("7:pipeline"), "large", base=BASE, seed=7, state={}, count=600)
            ra, sa = random.Random("7:sales"), {}
            made = sales_demo.add_demo_sales(books, ra, "large", base=BASE, seed=7, state=sa)
            assert made["sales orders"] > LARGE_INVOICES * 0.8 and sa["large"]
            for i in range(DAYS):
                day = FIRST + timedelta(days=i)
                stock_demo.demo_day(books, rs, day, ss)
                sales_demo.demo_day(books, ra, day, sa)
        with store.read(actor) as books:
            yield books
    finally:
        mp.undo()
        store.close()


def test_large_sales_in_bulk_numbered_without_gaps_consistent_and_checked(large_books):
    """One test per backend: the books are built once (a module fixture per xdist worker)."""
    b = large_books
    invoices = _all(b, Invoice)
    assert 0.85 * LARGE_INVOICES <= len(invoices) <= 1.1 * LARGE_INVOICES
    assert [i.number for i in invoices] == [f"INV-{n:05d}" for n in range(1, len(invoices) + 1)]
    assert all(a.date <= c.date for a, c in zip(invoices, invoices[1:]))
    assert min(i.date for i in invoices) >= FIRST and max(i.date for i in invoices) <= TODAY
    failed = [(r.name, r.detail) for r in b.admin.check() if not r.ok]
    assert not failed, failed
    assert sum(r.balance for r in b.ledger.trial_balance()) == 0
    # AR at today, from the documents: what the open invoices still want, less credit
    open_ = [i for i in invoices if not i.cancelled and i.settled < i.total]
    credit = sum((p.amount - p.allocated for p in _all(b, Payment)), Decimal(0)) + \
        sum((n.total - n.allocated for n in _all(b, CreditNote)), Decimal(0))
    assert sum(r.total for r in b.sales.aging()) == sum((i.total - i.settled for i in open_), Decimal(0)) - credit
    assert any(i.due < TODAY for i in open_) and any(0 < i.settled < i.total for i in open_)
    assert b.ledger.balance(b.ledger.role_account("receivable").id) == sum(r.total for r in b.sales.aging())
    # orders for the won deals, for their customers; some delivered in two parts; credit notes
    orders = _all(b, SalesOrder)
    deals = {d.id: d for d in b.session.scalars(select(Deal).where(Deal.status == "won"))}
    with_deal = [o for o in orders if o.deal_id is not None]
    assert with_deal and all(o.deal_id in deals and o.customer_id == deals[o.deal_id].customer_id
                             for o in with_deal)
    assert all(b.contacts.get(o.customer_id).is_customer for o in with_deal[:50])
    status = Counter(o.status for o in orders)
    assert {"quotation", "cancelled", "closed"} <= set(status) and status["closed"] > 0.8 * len(orders)
    deliveries = Counter(d.order_id for d in _all(b, Delivery))
    assert any(n >= 2 for n in deliveries.values())  # some in two parts
    kinds = Counter(n.kind for n in _all(b, CreditNote))
    assert kinds["allowance"] >= 1 and kinds["return"] >= 1, kinds
    paid_twice = Counter(a.invoice_id for a in _all(b, Allocation) if a.payment_id)
    assert any(n >= 2 for n in paid_twice.values())  # in two halves

"""Pipeline and sales at scale: the targets of issue 10, each beside the raw SQL floor on the same
data, on SQLite and PostgreSQL.

    python bench/sales.py [--small] [--runs 5] [--pg URL] [--no-pg] [--no-tui] [--keep DIR]

For each database (SQLite; PostgreSQL when ``--pg`` or ``BIZSUITE_TEST_PG_URL`` gives a server: a
fresh database is made there and dropped afterwards):

1. **The books.** The demo's contacts (``large``: 100k, about 52k of them customers) and 100k deals
   from the pipeline demo's bulk writer (``add_demo_pipeline(..., "large", count=...)``), at the
   demo's BASE; products with opening stock.
2. **200k invoices, by bulk SQL here** (through the repository one by one they would take hours),
   written as the sales repository writes them: for each, a confirmed order of one to three lines
   at the products' prices (a tenth with an order discount), delivered in full a few days later
   (the stock moves through ``stock.bulk.load_moves``: valued at the moving average, each delivery
   its own COGS/inventory entry, the delivery lines pointing at their moves), invoiced the day of
   the delivery (``INV-`` without gaps in date order, due in the terms' 30 days, the net and tax
   of each line rounded by the repository's own ``_net``/``_tax``), and the order closed. Then
   the money: most invoices paid on time, some late, some in two halves, one in a hundred first
   given an allowance (a credit note of a tenth off a line, allocated to it, the rest paid), some
   never paid; a payment dated after today is not made, so those invoices are open (current or
   overdue). Every payment and credit note settles its invoice by an allocation on its day. The
   ledger gets one entry a day per kind of document (receivable per invoice, payment or note,
   naming the customer; revenue, output tax and bank as the day's sums), through the ledger's
   bulk writer. Over the two years before today, each customer from the day they were added.
   **One customer has about 5,000 statement lines** in the last twelve months (invoices, payments
   and credit notes) and a balance forward from the year before. ``bizsuite check`` is run at
   the end and its verdict printed: order lines = their documents, delivery lines = their moves,
   settled = the allocations, the receivable the ledger holds = what the documents say, the
   inventory account = the valuation.
3. **Figures.** The kanban board (``BoardScreen`` in a headless Textual app at 80x24): from
   opening the pipeline to the first render of a board with its columns (< 0.5 s), beside the bare
   GROUP BY per stage over the deals; ``books.sales.aging()`` over the 200k invoices (< 1 s),
   beside the bare SQL aging GROUP BY; ``books.sales.statement(...)`` of the 5k-line customer
   (< 0.3 s) and its PDF (``statement_pdf.render``, < 2 s; and as a whole ``sales statement
   --format pdf`` process), beside the bare SELECT of that customer's documents; quote → confirm
   → deliver → invoice → pay as five ``bizsuite sales`` processes on small books (< 2 s), beside
   five start-ups of ``bizsuite --help``; ``bizsuite sales import`` of a 100k-line CSV as a
   process (< 5 s), beside a raw executemany (SQLite) / COPY (PostgreSQL) of the same orders and
   lines into bare tables. The processes run with a bytecode cache, filled before the timing, as an
   installed bizsuite has.

Not a test: nothing fails the run. ``--small`` (the demo's small contacts, 3k deals, 6k invoices,
a 500-line statement, a 5k-line import) is CI's smoke test. Every file lives in a temporary
directory (HOME and XDG dirs of the subprocesses too) and is removed.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import itertools
import os
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from benchlib import Figure, bizsuite_exe, env_for, pg_database, print_figures, secs, timed_process  # noqa: E402

DAYS = 730  # the sales history: the two years up to today
TEN_THOUSANDTHS = 10_000  # what the books store of a Quantity and a Percent (core.money: scale 4)
PRICE_SCALE = 1_000_000  # and of a UnitPrice (scale 6)
REASONS = ("Damaged in transit", "Late delivery", "Short-dated stock", "Goodwill", "包装破损")


def sizes(small: bool) -> dict:
    if small:
        return {"contacts": "small", "deals": 3_000, "invoices": 6_000, "hot": 500, "import": 5_000, "products": 40}
    return {"contacts": "large", "deals": 100_000, "invoices": 200_000, "hot": 5_000, "import": 100_000,
            "products": 400}


def best(fn, runs: int) -> tuple[float, float]:
    """(first call, fastest of ``runs``)."""
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out[0], min(out)


# -- the books: contacts, deals, products ------------------------------------------------------


def open_books(url: str):
    from bizsuite.core.auth import os_login
    from bizsuite.core.db import Location
    from bizsuite.core.store import Store

    location = Location(url, "bench")
    store = Store.open_or_create_empty(location)
    store.initialise(company="Bench Co", currency="USD", owner=os_login())
    return store, store.actor_for(os_login()), location


def build(url: str, n: dict, seed: int = 7):
    """Fresh books: the chart, a warehouse, the demo's contacts and ``n["deals"]`` deals, products."""
    from bizsuite.core import clock
    from bizsuite.crm.contacts.demo import add_demo_contacts
    from bizsuite.crm.pipeline.demo import add_demo_pipeline
    from bizsuite.demo import BASE
    from bizsuite.erp.stock.models import ProductIn

    store, actor, location = open_books(url)
    info = {}
    t = time.perf_counter()
    with clock.freeze(BASE), store.transaction(actor) as b:  # the demo's parts are written as of its day
        b.ledger.load_chart("standard")
        b.stock.add_location("Main")
        add_demo_contacts(b, random.Random(f"{seed}:contacts"), n["contacts"], base=BASE, seed=seed)
        made = add_demo_pipeline(b, random.Random(f"{seed}:pipeline"), "large", base=BASE, seed=seed,
                                 count=n["deals"])
        info["deals"] = made["deals"]
    r = random.Random(f"{seed}:products")
    with store.transaction(actor) as b:
        for i in range(n["products"]):
            unit = "kg" if i % 5 == 4 else "pcs"
            name = f"龙井茶 {i} 号" if i % 3 == 0 else f"Gift box {i} ({('S', 'M', 'L')[i % 3]})"
            b.stock.add_product(ProductIn(sku=f"P-{i:04d}", name=name, unit=unit,
                                          price=str(Decimal(r.randrange(200, 20_000)).scaleb(-2)),
                                          tax_rate=r.choice(("13", "9", "6", "0"))))
    info["took"] = time.perf_counter() - t
    return store, actor, location, info


# -- 200k invoices, by bulk SQL ------------------------------------------------------------------


class Plan:
    """Every document to write, in Python first: orders (with their delivery and invoice), credit
    notes, payments."""

    def __init__(self):
        self.orders: list[list] = []  # [customer, order day, invoice day, discount, lines, net, tax, total]
        self.notes: list[tuple] = []  # (order index, day, line index, allowance per unit, quantity, tax rate, reason)
        self.payments: list[tuple] = []  # (order index, day, amount in cents); while planned, an allowance's
        # payment is (order index, -1, its note's index): the rest of the invoice, some days after the note


def _fates(r: random.Random, plan: Plan, o: int, today: dt.date, cents) -> None:
    """How an invoice is settled: on time, late, in halves, an allowance then paid, or never;
    nothing dated after today."""
    _, _, inv_day, _, lines, _, _, total = plan.orders[o]
    due = inv_day + dt.timedelta(days=30)
    total_c = cents(total)
    x = r.random()

    def pay(day: dt.date, amount: int) -> None:
        if day <= today and amount > 0:
            plan.payments.append((o, day, amount))

    if x < 0.80:
        pay(inv_day + dt.timedelta(days=r.randint(3, 30)), total_c)
    elif x < 0.90:
        pay(due + dt.timedelta(days=r.randint(1, 150)), total_c)
    elif x < 0.93:
        half = total_c // 2
        pay(inv_day + dt.timedelta(days=r.randint(5, 25)), half)
        pay(due + dt.timedelta(days=r.randint(0, 90)), total_c - half)
    elif x < 0.94:
        day = inv_day + dt.timedelta(days=r.randint(1, 10))
        if day > today:
            return
        k = r.randrange(len(lines))
        pid, q, price, disc, rate, net, tax = lines[k]
        unit = (price * (100 - disc) / 100 / 10).quantize(Decimal("0.01"))
        if unit <= 0:
            return
        plan.notes.append((o, day, k, unit, q, rate, r.choice(REASONS)))
        plan.payments.append((o, -1, len(plan.notes) - 1))  # placeholder: paid the rest, filled in below
    # the rest (6 %): never paid


def make_plan(n: dict, customers: list[tuple], hot: int, products: list[tuple], sales, today: dt.date,
              seed: int) -> tuple[Plan, dict]:
    """The documents: the hot customer's first (about ``n["hot"]`` statement lines in the last
    twelve months, a year before that for the balance forward), then the rest over the others."""
    start = today - dt.timedelta(days=DAYS - 1)
    stmt_from = today - dt.timedelta(days=364)
    weights = [1 / (rank + 1) ** 0.7 for rank in range(len(products))]
    pcum = list(itertools.accumulate(weights))
    nets: dict[tuple, Decimal] = {}
    taxes: dict[tuple, Decimal] = {}

    def cents(v: Decimal) -> int:
        return int(v.scaleb(2))

    def order(r: random.Random, plan: Plan, cid: int, day: dt.date) -> None:
        inv_day = min(day + dt.timedelta(days=r.choice((0, 0, 1, 1, 2, 3))), today)
        disc = Decimal(r.choice((5, 10))) if r.random() < 0.1 else Decimal(0)
        k = r.choices((1, 2, 3), (50, 35, 15))[0]
        picks = sorted({p for p in r.choices(range(len(products)), cum_weights=pcum, k=k)})
        lines = []
        for i in picks:
            pid, _, unit, price, rate = products[i]
            q = Decimal(r.randint(1, 24)) if unit == "pcs" else Decimal(r.randint(1, 40)) / 2
            key = (q, price, disc)
            net = nets.get(key)
            if net is None:
                net = nets[key] = sales._net(q, price, disc)
            tax = taxes.get((net, rate))
            if tax is None:
                tax = taxes[(net, rate)] = sales._tax(net, rate)
            lines.append((pid, q, price, disc, rate, net, tax))
        net = sum(ln[5] for ln in lines)
        tax = sum(ln[6] for ln in lines)
        plan.orders.append([cid, day, inv_day, disc, lines, net, tax, net + tax])
        _fates(r, plan, len(plan.orders) - 1, today, cents)

    def hot_plan(k_period: int) -> Plan:
        r = random.Random(f"{seed}:hot")
        plan = Plan()
        first = max(start, next(c[1] for c in customers if c[0] == hot))
        k_before = round(k_period * max(0, (stmt_from - first).days) / 365)
        days = sorted([first + dt.timedelta(days=r.randrange(max(1, (stmt_from - first).days))) for _ in range(k_before)]
                      + [stmt_from + dt.timedelta(days=r.randrange(365)) for _ in range(k_period)])
        for day in days:
            order(r, plan, hot, day)
        return plan

    def statement_lines(plan: Plan) -> int:
        inv = sum(1 for o in plan.orders if o[2] >= stmt_from)
        notes = sum(1 for nt in plan.notes if nt[1] >= stmt_from)
        pays = sum(1 for p in plan.payments if (p[1] == -1 and plan.notes[p[2]][1] >= stmt_from) or
                   (p[1] != -1 and p[1] >= stmt_from))
        return inv + notes + pays

    k = max(1, round(n["hot"] / 1.9))
    plan = hot_plan(k)
    for _ in range(2):  # a couple of proportional steps bring it near the size asked for
        got = statement_lines(plan)
        k = max(1, round(k * n["hot"] / max(1, got)))
        plan = hot_plan(k)
    hot_orders = len(plan.orders)

    r = random.Random(f"{seed}:invoices")
    others = [c for c in customers if c[0] != hot]
    cum = list(itertools.accumulate(4 if c[2] else 1 for c in others))
    rest = max(0, n["invoices"] - hot_orders)
    today_o = today.toordinal()
    for c in r.choices(others, cum_weights=cum, k=rest):
        first = max(start, c[1]).toordinal()
        order(r, plan, c[0], dt.date.fromordinal(r.randint(min(first, today_o), today_o)))
    # an allowance's payment: the rest of the invoice, some days after the note (if by today)
    pays = []
    for p in plan.payments:
        if p[1] != -1:
            pays.append(p)
            continue
        o, note_day, _, unit, q, rate, _ = plan.notes[p[2]]
        day = note_day + dt.timedelta(days=r.randint(5, 30))
        if day <= today:
            cn_net = sales._net(q, unit, Decimal(0))
            cn_total = cn_net + sales._tax(cn_net, rate)
            pays.append((o, day, cents(plan.orders[o][7]) - cents(cn_total)))
    plan.payments = [p for p in pays if p[2] > 0]
    return plan, {"hot_orders": hot_orders, "stmt_from": stmt_from, "start": start}


def write_sales(store, actor, n: dict, seed: int = 11) -> dict:
    """The plan, written as the repository writes it (see the module doc)."""
    from sqlalchemy import select, text

    from bizsuite.core import audit, clock, numbering
    from bizsuite.core.db import insert_rows, reserve_ids
    from bizsuite.crm.contacts.models import Contact
    from bizsuite.erp.ledger.importer import NewEntry, write_entries
    from bizsuite.erp.sales.models import (
        CLOSED,
        CN_ALLOWANCE,
        Allocation,
        CreditNote,
        CreditNoteLine,
        Delivery,
        DeliveryLine,
        Invoice,
        InvoiceLine,
        Payment,
        SalesOrder,
        SalesOrderLine,
    )
    from bizsuite.erp.sales.repository import (
        PREFIX_CN,
        PREFIX_INV,
        PREFIX_PAY,
        PREFIX_SO,
        SERIES_CN,
        SERIES_INV,
        SERIES_SO,
        SOURCE_CREDIT,
        SOURCE_DELIVERY,
        SOURCE_INVOICE,
        SOURCE_PAYMENT,
    )
    from bizsuite.erp.stock.bulk import BulkMove, load_moves
    from bizsuite.erp.stock.models import Product

    today = clock.today()
    info: dict = {}
    with store.transaction(actor) as b:
        s = b.session
        conn = s.connection()
        pg = conn.dialect.name == "postgresql"
        sales, ledger = b.sales, b.ledger
        assert ledger.scale == 2, "the bench writes cents"
        customers = [(cid, created.date(), kind == "company")
                     for cid, created, kind in s.execute(select(Contact.id, Contact.created_at, Contact.kind)
                                                         .where(Contact.is_customer.is_(True)).order_by(Contact.id))]
        # the busy customer: the oldest company among them
        hot = min((c for c in customers if c[2]), key=lambda c: (c[1], c[0]))[0]
        products = s.execute(select(Product.id, Product.sku, Product.unit, Product.price, Product.tax_rate)
                             .order_by(Product.id)).all()
        t = time.perf_counter()
        plan, extra = make_plan(n, customers, hot, products, sales, today, seed)
        info.update(extra, hot=hot)
        info["plan_s"] = time.perf_counter() - t

        # order of the documents: orders by their day, invoices (and their deliveries) by theirs
        by_order_day = sorted(range(len(plan.orders)), key=lambda i: (plan.orders[i][1], i))
        by_inv_day = sorted(range(len(plan.orders)), key=lambda i: (plan.orders[i][2], i))
        n_orders = len(plan.orders)
        so_ids = reserve_ids(s, SalesOrder.__table__, n_orders)
        so_no = numbering.take_many(b, SERIES_SO, n_orders)
        order_id, order_number = [0] * n_orders, [""] * n_orders
        for k, i in enumerate(by_order_day):
            order_id[i], order_number[i] = so_ids[k], numbering.label(so_no[k], prefix=PREFIX_SO)
        dl_ids = reserve_ids(s, Delivery.__table__, n_orders)
        inv_ids = reserve_ids(s, Invoice.__table__, n_orders)
        inv_no = numbering.take_many(b, SERIES_INV, n_orders)
        delivery_id, invoice_id, invoice_number = [0] * n_orders, [0] * n_orders, [""] * n_orders
        for k, i in enumerate(by_inv_day):
            delivery_id[i], invoice_id[i] = dl_ids[k], inv_ids[k]
            invoice_number[i] = numbering.label(inv_no[k], prefix=PREFIX_INV)
        date_proc = SalesOrder.__table__.c.date.type._cached_bind_processor(conn.dialect) or (lambda v: v)
        dates: dict[dt.date, object] = {}

        def D(day: dt.date):
            v = dates.get(day)
            if v is None:
                v = dates[day] = date_proc(day)
            return v

        def c(v: Decimal) -> int:  # money in cents
            return int(v.scaleb(2))

        def qty(v: Decimal) -> int:
            return int(v * TEN_THOUSANDTHS)

        now, who = clock.now(), actor.name

        # orders and their lines
        rows, lines = [], []
        line_ids = reserve_ids(s, SalesOrderLine.__table__, sum(len(o[4]) for o in plan.orders))
        line_id: list[list[int]] = [[] for _ in range(n_orders)]
        it = iter(line_ids)
        for i in by_order_day:
            cid, day, _, disc, ls, *_ = plan.orders[i]
            rows.append((order_id[i], order_number[i], cid, D(day), qty(disc)))
            for no, (pid, q, price, ldisc, rate, _, _) in enumerate(ls, 1):
                lid = next(it)
                line_id[i].append(lid)
                lines.append((lid, order_id[i], no, pid, qty(q), int(price * PRICE_SCALE), qty(ldisc), qty(rate),
                              qty(q), qty(q)))
        for k in range(0, len(rows), 100_000):
            insert_rows(conn, SalesOrder.__table__, ["id", "number", "customer_id", "date", "discount"],
                        {"deal_id": None, "status": CLOSED, "valid_until": None, "notes": None, "import_key": None,
                         "version": 1, "created_at": now, "created_by": who, "updated_at": now, "updated_by": who},
                        rows[k:k + 100_000])
        for k in range(0, len(lines), 100_000):
            insert_rows(conn, SalesOrderLine.__table__,
                        ["id", "order_id", "line_no", "product_id", "quantity", "unit_price", "discount", "tax_rate",
                         "delivered", "invoiced"], {"returned": Decimal(0)}, lines[k:k + 100_000])
        info["orders"], info["order lines"] = len(rows), len(lines)

        # stock: an opening for each product, then every delivery's moves, through the stock module
        t = time.perf_counter()
        need: dict[int, Decimal] = defaultdict(Decimal)
        for o in plan.orders:
            for ln in o[4]:
                need[ln[0]] += ln[1]
        price_of = {p[0]: p[3] for p in products}
        start = info["start"] - dt.timedelta(days=1)
        moves = [BulkMove(pid, "opening", start, q + 100, unit_cost=(price_of[pid] * Decimal("0.55")).quantize(Decimal("0.01")))
                 for pid, q in sorted(need.items())]
        for i in by_inv_day:
            cid, _, inv_day, _, ls, *_ = plan.orders[i]
            for ln in ls:
                moves.append(BulkMove(ln[0], "delivery", inv_day, ln[1], source=SOURCE_DELIVERY,
                                      source_id=delivery_id[i], ref=order_number[i], contact_id=cid))
        loaded = load_moves(b, moves, audit_source="bench/sales.py")
        info["moves"], info["stock entries"] = loaded.moves or len(moves), len(loaded.entry_ids)
        moved = {(sid, pid): (mid, uc, value, eid) for mid, sid, pid, uc, value, eid in conn.execute(text(
            "SELECT id, source_id, product_id, unit_cost, value, entry_id FROM stock_moves "
            "WHERE source_kind = :k"), {"k": SOURCE_DELIVERY})}
        info["stock_s"] = time.perf_counter() - t

        loc = b.stock.default_location().id
        drows, dlines = [], []
        for i in by_inv_day:
            ls = plan.orders[i][4]
            eid = None
            for ln, lid in zip(ls, line_id[i]):
                mid, uc, value, eid = moved[delivery_id[i], ln[0]]
                dlines.append((delivery_id[i], lid, qty(ln[1]), int(uc), int(value), mid))
            drows.append((delivery_id[i], order_id[i], D(plan.orders[i][2]), eid))
        insert_rows(conn, Delivery.__table__, ["id", "order_id", "date", "entry_id"],
                    {"location_id": loc, "created_at": now, "created_by": who}, drows)
        for k in range(0, len(dlines), 100_000):
            insert_rows(conn, DeliveryLine.__table__,
                        ["delivery_id", "order_line_id", "quantity", "unit_cost", "value", "move_id"],
                        {"returned": Decimal(0)}, dlines[k:k + 100_000])

        # the money: credit notes, payments, what each settles
        receivable = ledger.role_account("receivable").id
        revenue = ledger.role_account("sales").id
        tax_acct = ledger.role_account("tax_payable").id
        bank = ledger.role_account("bank").id
        settled = [0] * n_orders
        open_c = [c(o[7]) for o in plan.orders]
        allocs = []  # (invoice id, payment id or None, credit note id or None, cents, day)
        cn_order = sorted(range(len(plan.notes)), key=lambda k: (plan.notes[k][1], k))
        cn_ids = reserve_ids(s, CreditNote.__table__, len(plan.notes))
        cn_no = numbering.take_many(b, SERIES_CN, len(plan.notes))
        cn_rows, cn_lines, credited = [], [], defaultdict(int)  # credited: invoice line id → net cents
        cn_by_day: dict[dt.date, list] = defaultdict(list)
        il_ids = reserve_ids(s, InvoiceLine.__table__, len(lines))
        il_id: list[list[int]] = []
        it = iter(il_ids)
        for i in range(n_orders):
            il_id.append([next(it) for _ in plan.orders[i][4]])
        for k, j in enumerate(cn_order):
            o, day, li, unit, q, rate, why = plan.notes[j]
            net = sales._net(q, unit, Decimal(0))
            tax = sales._tax(net, rate)
            total = c(net + tax)
            number = numbering.label(cn_no[k], prefix=PREFIX_CN)
            take = min(total, open_c[o])
            open_c[o] -= take
            settled[o] += take
            allocs.append((invoice_id[o], None, cn_ids[k], take, day))
            cn_rows.append([cn_ids[k], number, invoice_id[o], plan.orders[o][0], D(day), why, c(net), c(tax), total,
                            take, None])
            cn_lines.append((cn_ids[k], il_id[o][li], qty(q), int(unit * PRICE_SCALE), c(net), c(tax)))
            credited[il_id[o][li]] += c(net)
            cn_by_day[day].append((k, c(net), c(tax), total, f"{number} {invoice_number[o]}", plan.orders[o][0]))
        pay_order = sorted(range(len(plan.payments)), key=lambda k: (plan.payments[k][1], k))
        pay_ids = reserve_ids(s, Payment.__table__, len(plan.payments))
        pay_no = numbering.take_many(b, numbering.PAYMENTS, len(plan.payments))
        pay_rows = []
        pay_by_day: dict[dt.date, list] = defaultdict(list)
        for k, j in enumerate(pay_order):
            o, day, amount = plan.payments[j]
            number = numbering.label(pay_no[k], prefix=PREFIX_PAY)
            take = min(amount, open_c[o])
            open_c[o] -= take
            settled[o] += take
            if take:
                allocs.append((invoice_id[o], pay_ids[k], None, take, max(day, plan.orders[o][2])))
            pay_rows.append([pay_ids[k], number, plan.orders[o][0], D(day), amount, take, None])
            pay_by_day[day].append((k, amount, number, plan.orders[o][0]))

        # the ledger: a day's invoices, payments and credit notes, one entry each
        inv_by_day: dict[dt.date, list[int]] = defaultdict(list)
        for i in by_inv_day:
            inv_by_day[plan.orders[i][2]].append(i)
        entries, inv_days = [], sorted(inv_by_day)
        for day in inv_days:
            docs = inv_by_day[day]
            net = sum(c(plan.orders[i][5]) for i in docs)
            tax = sum(c(plan.orders[i][6]) for i in docs)
            ls = [(receivable, c(plan.orders[i][7]), f"{invoice_number[i]} {order_number[i]}", plan.orders[i][0])
                  for i in docs]
            ls.append((revenue, -net, None, None))
            if tax:
                ls.append((tax_acct, -tax, None, None))
            entries.append(NewEntry(date=day, memo=f"Invoices of {day} ({len(docs)})", code=None, mark="", comment=None,
                                    source_ref=None, import_key=None, contact_id=None, lines=ls))
        inv_entry = dict(zip(inv_days, write_entries(b, entries, source_kind=SOURCE_INVOICE, audit_summary={
            "entries": len(entries), "source": "bench/sales.py: invoices"})))
        entries, pay_days = [], sorted(pay_by_day)
        for day in pay_days:
            docs = pay_by_day[day]
            ls = [(bank, sum(d[1] for d in docs), None, None)] + [(receivable, -d[1], d[2], d[3]) for d in docs]
            entries.append(NewEntry(date=day, memo=f"Payments received on {day} ({len(docs)})", code=None, mark="",
                                    comment=None, source_ref=None, import_key=None, contact_id=None, lines=ls))
        for day, eid in zip(pay_days, write_entries(b, entries, source_kind=SOURCE_PAYMENT, audit_summary={
                "entries": len(entries), "source": "bench/sales.py: payments"})):
            for k, *_ in pay_by_day[day]:
                pay_rows[k][6] = eid
        entries, cn_days = [], sorted(cn_by_day)
        for day in cn_days:
            docs = cn_by_day[day]
            ls = [(revenue, sum(d[1] for d in docs), None, None)]
            if sum(d[2] for d in docs):
                ls.append((tax_acct, sum(d[2] for d in docs), None, None))
            ls += [(receivable, -d[3], d[4], d[5]) for d in docs]
            entries.append(NewEntry(date=day, memo=f"Credit notes of {day} ({len(docs)})", code=None, mark="",
                                    comment=None, source_ref=None, import_key=None, contact_id=None, lines=ls))
        for day, eid in zip(cn_days, write_entries(b, entries, source_kind=SOURCE_CREDIT, audit_summary={
                "entries": len(entries), "source": "bench/sales.py: credit notes"})):
            for k, *_ in cn_by_day[day]:
                cn_rows[k][10] = eid

        # invoices and their lines, then the notes, payments and allocations
        irows, ilines = [], []
        for i in by_inv_day:
            cid, _, inv_day, _, ls, net, tax, total = plan.orders[i]
            irows.append((invoice_id[i], invoice_number[i], order_id[i], cid, D(inv_day),
                          D(inv_day + dt.timedelta(days=30)), c(net), c(tax), c(total), settled[i], inv_entry[inv_day]))
            for (pid, q, price, ldisc, rate, lnet, ltax), lid, ilid in zip(ls, line_id[i], il_id[i]):
                ilines.append((ilid, invoice_id[i], lid, qty(q), int(price * PRICE_SCALE), qty(ldisc), qty(rate),
                               c(lnet), c(ltax), credited.get(ilid, 0)))
        for k in range(0, len(irows), 100_000):
            insert_rows(conn, Invoice.__table__, ["id", "number", "order_id", "customer_id", "date", "due", "net",
                                                  "tax", "total", "settled", "entry_id"],
                        {"cancelled": False, "created_at": now, "created_by": who}, irows[k:k + 100_000])
        for k in range(0, len(ilines), 100_000):
            insert_rows(conn, InvoiceLine.__table__, ["id", "invoice_id", "order_line_id", "quantity", "unit_price",
                                                      "discount", "tax_rate", "net", "tax", "credited_net"],
                        {"credited": Decimal(0)}, ilines[k:k + 100_000])
        insert_rows(conn, CreditNote.__table__, ["id", "number", "invoice_id", "customer_id", "date", "reason", "net",
                                                 "tax", "total", "allocated", "entry_id"],
                    {"kind": CN_ALLOWANCE, "return_entry_id": None, "created_at": now, "created_by": who},
                    [tuple(r) for r in cn_rows])
        insert_rows(conn, CreditNoteLine.__table__, ["credit_note_id", "invoice_line_id", "quantity", "unit_price",
                                                     "net", "tax"],
                    {"returned": Decimal(0), "move_id": None, "cost": Decimal(0)}, cn_lines)
        for k in range(0, len(pay_rows), 100_000):
            insert_rows(conn, Payment.__table__, ["id", "number", "customer_id", "date", "amount", "allocated",
                                                  "entry_id"],
                        {"ref": None, "created_at": now, "created_by": who}, [tuple(r) for r in pay_rows[k:k + 100_000]])
        allocs = [(inv, pay, cn, amount, D(day)) for inv, pay, cn, amount, day in allocs]
        for k in range(0, len(allocs), 100_000):
            insert_rows(conn, Allocation.__table__, ["invoice_id", "payment_id", "credit_note_id", "amount", "date"],
                        {"created_at": now, "created_by": who}, allocs[k:k + 100_000])
        for table, ids in (("sales_orders", so_ids), ("sales_deliveries", dl_ids), ("sales_invoices", inv_ids),
                           ("sales_payments", pay_ids), ("sales_credit_notes", cn_ids)):
            audit.record_load(s, table, ids, {"records": len(ids), "source": "bench/sales.py"})
        info.update(invoices=len(irows), payments=len(pay_rows), notes=len(cn_rows), allocations=len(allocs),
                    open=sum(1 for v in open_c if v), hot_name=s.scalar(select(Contact.name).where(Contact.id == hot)))
    if pg:
        with store.transaction(actor) as b:
            b.session.execute(text("ANALYZE"))
    return info


# -- the order import's CSV and its raw floor ----------------------------------------------------

IMPORT_HEADER = "order,date,customer,sku,quantity,price,discount"


def make_import_csv(store, actor, path: Path, lines: int, seed: int = 5) -> tuple[list[tuple], list[tuple]]:
    """``lines`` order lines in orders of one to five products, over the customers (by email where
    they have one, else ``#id``), in the last two years; returns the orders and the lines as the
    import would store them, for the raw floor."""
    from sqlalchemy import func, select

    from bizsuite.core import clock
    from bizsuite.crm.contacts.models import Contact
    from bizsuite.erp.stock.models import Product

    r = random.Random(seed)
    with store.read(actor) as b:
        customers = b.session.execute(select(Contact.id, Contact.email).where(Contact.is_customer.is_(True))
                                      .order_by(Contact.id)).all()
        products = b.session.execute(select(Product.id, Product.sku, Product.unit, Product.price, Product.tax_rate)
                                     .order_by(Product.id)).all()
        # an email names a customer when no other contact has it (the import refuses it otherwise)
        shared = {e for (e,) in b.session.execute(select(Contact.email).where(Contact.email.is_not(None))
                                                  .group_by(Contact.email).having(func.count() > 1))}
    today = clock.today()
    heads, rows = [], []
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(IMPORT_HEADER + "\n")
        n = 0
        while len(rows) < lines:
            n += 1
            ref = f"W-{n:06d}"
            cid, email = r.choice(customers)
            who = email if email and email not in shared and r.random() < 0.6 else f"#{cid}"
            day = today - dt.timedelta(days=r.randrange(DAYS))
            heads.append((n, ref, cid, day))
            k = min(r.choices((1, 2, 3, 4, 5), (30, 30, 20, 12, 8))[0], lines - len(rows))
            for no, i in enumerate(sorted(r.sample(range(len(products)), k)), 1):
                pid, sku, unit, price, rate = products[i]
                q = Decimal(r.randint(1, 50)) if unit == "pcs" else Decimal(r.randint(1, 80)) / 4
                given = r.random() < 0.3
                p = (price * Decimal("0.95")).quantize(Decimal("0.01")) if given else price
                disc = Decimal(r.choice((5, 10, 15))) if r.random() < 0.15 else Decimal(0)
                fh.write(f"{ref},{day},{who},{sku},{q},{p if given else ''},{disc if disc else ''}\n")
                rows.append((n, no, pid, int(q * TEN_THOUSANDTHS), int(p * PRICE_SCALE), int(disc * TEN_THOUSANDTHS),
                             int(rate * TEN_THOUSANDTHS)))
    return heads, rows


def raw_import_floor(url: str, heads: list[tuple], rows: list[tuple]) -> float:
    """The same orders and lines into two bare tables of their columns in one transaction:
    executemany (SQLite), COPY (PostgreSQL)."""
    ddl = ("CREATE TABLE bench_raw_orders (id INTEGER PRIMARY KEY, number TEXT UNIQUE, customer_id INTEGER, "
           "date DATE, import_key TEXT UNIQUE)",
           "CREATE TABLE bench_raw_lines (order_id INTEGER, line_no INTEGER, product_id INTEGER, quantity BIGINT, "
           "unit_price BIGINT, discount BIGINT, tax_rate BIGINT)")
    drop = ("DROP TABLE bench_raw_lines", "DROP TABLE bench_raw_orders")
    heads = [(i, f"SO-{i:05d}", cid, day.isoformat(), f"ref:{ref}") for i, ref, cid, day in heads]
    if url.startswith("sqlite"):
        conn = sqlite3.connect(url.split("///", 1)[1], isolation_level=None)
        for q in ddl:
            conn.execute(q)
        t = time.perf_counter()
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO bench_raw_orders VALUES (?, ?, ?, ?, ?)", heads)
        conn.executemany("INSERT INTO bench_raw_lines VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        conn.execute("COMMIT")
        took = time.perf_counter() - t
        for q in drop:
            conn.execute(q)
        conn.close()
        return took
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://", 1)) as conn:
        for q in ddl:
            conn.execute(q)
        conn.commit()
        t = time.perf_counter()
        with conn.cursor() as cur:
            with cur.copy("COPY bench_raw_orders FROM STDIN") as cp:
                for h in heads:
                    cp.write_row(h)
            with cur.copy("COPY bench_raw_lines FROM STDIN") as cp:
                for row in rows:
                    cp.write_row(row)
        conn.commit()
        took = time.perf_counter() - t
        for q in drop:
            conn.execute(q)
        conn.commit()
    return took


# -- the kanban board in a headless app ----------------------------------------------------------


def board_first_paint(store, actor, location, runs: int) -> tuple[list[float], list | None]:
    """Seconds from opening the pipeline (its mode, the board screen mounting, its worker reading
    the stages, the totals and each column's first page) to the first render of a board with its
    columns, each run a new app; and the columns' (stage, deals) of the last."""
    from bizsuite.app import make_app
    from bizsuite.widgets.kanban import Kanban

    painted: dict[str, float] = {}
    plain = Kanban.render

    def render(self):
        out = plain(self)
        if self.columns and "at" not in painted:
            painted["at"] = time.perf_counter()
        return out

    async def once() -> tuple[float, list]:
        app = make_app(store, actor, location)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            painted.clear()
            t = time.perf_counter()
            app.open_module("pipeline")
            while "at" not in painted:
                if time.perf_counter() - t > 60:
                    raise TimeoutError("no board in 60 s")
                await asyncio.sleep(0.001)
            took = painted["at"] - t
            cols = [(c.stage, c.totals.deals) for c in app.screen.query_one(Kanban).columns]
            return took, cols

    Kanban.render = render
    try:
        out, cols = [], None
        for _ in range(runs):
            took, cols = asyncio.run(once())
            out.append(took)
    finally:
        Kanban.render = plain
    return out, cols


# -- the figures ---------------------------------------------------------------------------------

AGING_SQL = """
SELECT i.customer_id,
       sum(CASE WHEN i.due >= :d THEN i.total - coalesce(a.paid, 0) ELSE 0 END),
       sum(CASE WHEN i.due < :d AND i.due >= :d30 THEN i.total - coalesce(a.paid, 0) ELSE 0 END),
       sum(CASE WHEN i.due < :d30 AND i.due >= :d60 THEN i.total - coalesce(a.paid, 0) ELSE 0 END),
       sum(CASE WHEN i.due < :d60 AND i.due >= :d90 THEN i.total - coalesce(a.paid, 0) ELSE 0 END),
       sum(CASE WHEN i.due < :d90 THEN i.total - coalesce(a.paid, 0) ELSE 0 END)
FROM sales_invoices i
LEFT JOIN (SELECT invoice_id, sum(amount) AS paid FROM sales_allocations WHERE date <= :d GROUP BY invoice_id) a
       ON a.invoice_id = i.id
WHERE i.date <= :d AND i.total > coalesce(a.paid, 0)
GROUP BY i.customer_id
"""

STATEMENT_SQL = """
SELECT date, number, total FROM sales_invoices WHERE customer_id = :c AND date <= :e
UNION ALL SELECT date, number, -total FROM sales_credit_notes WHERE customer_id = :c AND date <= :e
UNION ALL SELECT date, number, -amount FROM sales_payments WHERE customer_id = :c AND date <= :e
ORDER BY 1, 2
"""

BOARD_SQL = "SELECT stage_id, count(*), sum(amount), sum(amount * probability) FROM deals WHERE status = 'open' " \
            "GROUP BY stage_id"


def five_processes(label: str, url: str, env: dict, runs: int) -> list[Figure]:
    """quote → confirm → deliver → invoice → pay as five ``bizsuite sales`` processes on small books."""
    from bizsuite.crm.contacts.models import ContactIn
    from bizsuite.erp.stock.models import MoveIn, ProductIn

    store, actor, _ = open_books(url)
    with store.transaction(actor) as b:
        b.ledger.load_chart("standard")
        b.stock.add_location("Main")
        b.contacts.add(ContactIn(name="Acme Trading", kind="company", roles=["customer"], email="buy@acme.example"))
        b.stock.add_product(ProductIn(sku="A-1", name="Widget", price="10", tax_rate="13"))
        b.stock.add_product(ProductIn(sku="K-1", name="Flour", unit="kg", price="2.5"))
        b.stock.move("receipt", [MoveIn("A-1", Decimal(1000), Decimal(4)), MoveIn("K-1", Decimal(1000), Decimal(1))],
                     date="2026-01-05", source=("stock_adjustment", None))
    store.close()
    exe = [*bizsuite_exe(), "--db", url]
    totals, steps, last = [], defaultdict(list), None
    for _ in range(runs):
        total = 0.0
        took, done = timed_process([*exe, "sales", "create", "--customer", "buy@acme.example", "--line", "A-1 3",
                                    "--line", "K-1 2.5"], env)
        so = re.search(r"SO-\d+", done.stdout)
        if done.returncode or not so:
            last = done
            break
        total += took
        steps["create"].append(took)
        inv = None
        for step, args in (("confirm", ["confirm", so[0]]), ("deliver", ["deliver", so[0]]),
                           ("invoice", ["invoice", so[0]])):
            took, done = timed_process([*exe, "sales", *args], env)
            if done.returncode:
                break
            total += took
            steps[step].append(took)
            inv = re.search(r"(INV-\d+) for \S+: ([\d.]+)", done.stdout) if step == "invoice" else inv
        if done.returncode or not inv:
            last = done
            break
        took, done = timed_process([*exe, "sales", "pay", "buy@acme.example", inv[2], "--invoice", inv[1]], env)
        last = done
        if done.returncode:
            break
        total += took
        steps["pay"].append(took)
        totals.append(total)
    helps = [timed_process([*bizsuite_exe(), "--help"], env)[0] for _ in range(runs)]
    imports = [timed_process([sys.executable, "-c", "import os, sqlalchemy, sqlmodel; os._exit(0)"], env)[0]
               for _ in range(runs)]
    reads = [timed_process([*exe, "sales", "orders", "--format", "csv"], env)[0] for _ in range(runs)]
    figs = [Figure(f"{label}: 5 × bizsuite --help (start-up floor)", None, 5 * min(helps), "1.0x",
                   f"one start-up {secs(min(helps))}"),
            Figure(f"{label}: … python -c 'import sqlalchemy, sqlmodel' (any command on the books)", None,
                   min(imports)),
            Figure(f"{label}: … bizsuite sales orders (process, a read on the small books)", None, min(reads))]
    ok = bool(totals) and len(totals) == runs
    note = (last.stdout.strip().splitlines()[-1][:60] if ok else (last.stderr or last.stdout).strip()[-80:]) if last else ""
    figs.append(Figure(f"{label}: quote→confirm→deliver→invoice→pay (5 processes)", 2.0, min(totals) if ok else None,
                       f"{min(totals) / (5 * min(helps)):.1f}x" if ok else "",
                       (f"median {secs(statistics.median(totals))}; " if ok else "") + note))
    if ok:
        figs.append(Figure(f"{label}: … the five steps' fastest, added", None, sum(min(v) for v in steps.values()),
                           note=", ".join(f"{k} {secs(min(v))}" for k, v in steps.items())))
    return figs


def bench_backend(label: str, url: str, small_url: str, tmp: Path, env: dict, n: dict, runs: int, tui: bool,
                  proc_runs: int) -> list[Figure]:
    from sqlalchemy import text

    from bizsuite.core import clock
    from bizsuite.erp.sales.statement_pdf import render

    figs: list[Figure] = []
    exe = bizsuite_exe()
    t = time.perf_counter()
    store, actor, location, built = build(url, n)
    t1 = time.perf_counter()
    info = write_sales(store, actor, n)
    t2 = time.perf_counter()
    print(f"{label}: books with {built['deals']:,} deals in {t1 - t:.1f} s; {info['invoices']:,} invoices "
          f"({info['order lines']:,} lines, {info['moves']:,} moves), {info['payments']:,} payments, "
          f"{info['notes']:,} credit notes in {t2 - t1:.1f} s ({info['open']:,} invoices open)", file=sys.stderr)

    def q(sql, **params):
        with store.read(actor) as b:
            return b.session.execute(text(sql), params).all()

    mark = [time.perf_counter()]

    def phase(what: str) -> None:  # how long each part of the bench took, for whoever sizes its runs
        now = time.perf_counter()
        print(f"{label}: {what} in {now - mark[0]:.1f} s", file=sys.stderr)
        mark[0] = now

    # 1. the kanban board
    _, floor = best(lambda: q(BOARD_SQL), runs)
    groups = {sid: cnt for sid, cnt, *_ in q(BOARD_SQL)}
    figs.append(Figure(f"{label}: bare GROUP BY per stage over {built['deals']:,} deals", None, floor, "1.0x"))
    if tui:
        try:
            paints, cols = board_first_paint(store, actor, location, runs)
            with store.read(actor) as b:
                stage_ids = {s.name: s.id for s in b.pipeline.stages()}
            agree = all(groups.get(stage_ids[name], 0) == deals for name, deals in cols)
            figs.append(Figure(f"{label}: kanban first paint ({sum(d for _, d in cols):,} open deals, 80x24)", 0.5,
                               min(paints), f"{min(paints) / floor:.0f}x GROUP BY",
                               f"first app {secs(paints[0])}; headers " + ("= the GROUP BY" if agree else "DIFFER")))
        except Exception as exc:  # noqa: BLE001 - an optional figure
            figs.append(Figure(f"{label}: kanban first paint", 0.5, None, note=f"{type(exc).__name__}: {exc}"[:80]))

        def board_reads():
            from bizsuite.crm.pipeline.models import OPEN
            with store.read(actor) as b:
                stages = [s for s in b.pipeline.stages() if s.kind == OPEN]
                b.pipeline.stage_totals()
                rows = [r for s in stages for r in b.pipeline.list(stage=s.name, limit=50)]
                b.pipeline.versions(r.id for r in rows)

        _, got = best(board_reads, runs)
        figs.append(Figure(f"{label}: … the board's reads alone (totals, 4 × 50 cards)", None, got,
                           f"{got / floor:.1f}x GROUP BY"))

    phase("the kanban board")
    # 2. AR aging
    day = clock.today()
    params = {"d": day, "d30": day - dt.timedelta(days=30), "d60": day - dt.timedelta(days=60),
              "d90": day - dt.timedelta(days=90)}
    if not url.startswith("postgresql"):
        params = {k: v.isoformat() for k, v in params.items()}
    _, floor = best(lambda: q(AGING_SQL, **params), runs)
    raw_total = sum(sum(int(x) for x in row[1:]) for row in q(AGING_SQL, **params))
    figs.append(Figure(f"{label}: bare SQL aging GROUP BY over {info['invoices']:,} invoices", None, floor, "1.0x"))

    def aging():
        with store.read(actor) as b:
            return b.sales.aging()

    first, got = best(aging, runs)
    rows = aging()
    total = sum(r.total for r in rows)
    figs.append(Figure(f"{label}: sales aging ({len(rows):,} customers owing)", 1.0, got, f"{got / floor:.1f}x raw",
                       f"first call {secs(first)}; total " + ("= the raw SQL's" if int(total * 100) == raw_total
                                                            else f"{total} ≠ raw {raw_total / 100}")))

    phase("aging")
    # 3. the statement of the busy customer, and its PDF
    hot, start = info["hot"], info["stmt_from"]
    end = {"e": day if url.startswith("postgresql") else day.isoformat()}
    _, floor = best(lambda: q(STATEMENT_SQL, c=hot, **end), runs)
    figs.append(Figure(f"{label}: bare SELECT of the customer's documents", None, floor, "1.0x"))

    def statement():
        with store.read(actor) as b:
            return b.sales.statement(hot, start=start, end=day)

    first, got = best(statement, runs)
    st = statement()
    figs.append(Figure(f"{label}: statement of {info['hot_name']} ({len(st.lines):,} lines)", 0.3, got,
                       f"{got / floor:.1f}x raw", f"first call {secs(first)}"))

    def pdf():
        with store.read(actor) as b:
            return render(b.sales.statement(hot, start=start, end=day), company=b.company, currency=b.currency)

    first, got = best(pdf, max(1, runs // 2))
    size = len(pdf())
    figs.append(Figure(f"{label}: … its PDF (statement + statement_pdf.render)", 2.0, got, f"{got / floor:.0f}x raw",
                       f"{size / 1024:.0f} KB; first call {secs(first)}"))
    store.engine.dispose()
    out = tmp / f"statement-{label}.pdf"
    took, done = timed_process([*exe, "--db", url, "sales", "statement", f"#{hot}", "--from", str(start), "--to",
                                str(day), "--format", "pdf", "-o", str(out)], env)
    figs.append(Figure(f"{label}: … sales statement --format pdf (process)", 2.0, took if not done.returncode else None,
                       note=done.stdout.strip()[:70] if not done.returncode else done.stderr.strip()[-80:]))

    phase("the statement")
    # 4. the order import
    csv_path = tmp / f"orders-{label}.csv"
    heads, lines = make_import_csv(store, actor, csv_path, n["import"])
    floor = raw_import_floor(url, heads, lines)
    figs.append(Figure(f"{label}: raw {'executemany' if url.startswith('sqlite') else 'COPY'} {len(heads):,} orders, "
                       f"{len(lines):,} lines (bare tables)", None, floor, "1.0x"))
    store.engine.dispose()
    took, done = timed_process([*exe, "--db", url, "sales", "import", str(csv_path)], env)
    figs.append(Figure(f"{label}: sales import {len(lines):,} lines (process)", 5.0, took if not done.returncode else None,
                       f"{took / floor:.1f}x raw",
                       done.stdout.strip().split(": ", 1)[-1][:60] if not done.returncode else done.stderr.strip()[-80:]))
    took, done = timed_process([*exe, "--db", url, "sales", "import", str(csv_path)], env)
    figs.append(Figure(f"{label}: … the same file again (adds nothing)", None, took,
                       note=done.stdout.strip().split(": ", 1)[-1][:60] if not done.returncode else done.stderr.strip()[-80:]))

    phase("the import")
    # 5. the books still hold
    t = time.perf_counter()
    with store.read(actor) as b:
        results = b.admin.check()
    bad = [r.name for r in results if not r.ok]
    figs.append(Figure(f"{label}: bizsuite check, every invariant", None, time.perf_counter() - t,
                       note="all pass" if not bad else "FAILED: " + "; ".join(bad)[:120]))
    store.close()

    phase("check")
    # 6. lead to cash as five processes, on small books
    figs += five_processes(label, small_url, env, proc_runs)
    phase("five processes")
    return figs


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--small", "--quick", action="store_true",
                    help="small contacts, 3k deals, 6k invoices, a 500-line statement, a 5k-line import (CI smoke test)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--pg", metavar="URL", default=os.environ.get("BIZSUITE_TEST_PG_URL"),
                    help="a PostgreSQL server to bench too (default: BIZSUITE_TEST_PG_URL)")
    ap.add_argument("--no-pg", action="store_true")
    ap.add_argument("--no-tui", action="store_true", help="skip the kanban figure")
    ap.add_argument("--keep", metavar="DIR", help="keep the SQLite books, the CSV and the PDF here")
    args = ap.parse_args()
    n = sizes(args.small)
    runs = 2 if args.small else args.runs
    proc_runs = 1 if args.small else args.runs  # the five processes: once in the smoke run
    started = time.perf_counter()
    load = os.getloadavg()
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="bizsuite-bench-sales-") as tmp_:
        tmp = Path(args.keep) if args.keep else Path(tmp_)
        tmp.mkdir(parents=True, exist_ok=True)
        home = tmp / "home"
        home.mkdir(exist_ok=True)
        env = env_for(home, bytecode=tmp / "pycache")  # an installed bizsuite has its .pyc files
        warm = ["--db", f"sqlite:///{tmp / 'warm.sqlite'}"]  # fills them: every module's code is loaded
        timed_process([*bizsuite_exe(), *warm, "init", "--company", "Warm", "--currency", "USD"], env)
        timed_process([*bizsuite_exe(), *warm, "sales", "orders"], env)
        timed_process([*bizsuite_exe(), *warm, "sales", "aging"], env)
        os.environ.update({k: env[k] for k in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME")})
        os.environ.pop("BIZSUITE_DB", None)
        paths = [tmp / "sales.sqlite", tmp / "small.sqlite"]
        for db in paths:
            for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
                p.unlink(missing_ok=True)
        figures += bench_backend("SQLite", f"sqlite:///{paths[0]}", f"sqlite:///{paths[1]}", tmp, env, n, runs,
                                 not args.no_tui, proc_runs)
        if args.pg and not args.no_pg:
            url, drop = pg_database(args.pg, "bizsuite_bench_sales")
            small_url, drop_small = pg_database(args.pg, "bizsuite_bench_sales_small")
            try:
                figures += bench_backend("PostgreSQL", url, small_url, tmp, env, n, runs, not args.no_tui, proc_runs)
            finally:
                drop()
                drop_small()
        else:
            figures.append(Figure("PostgreSQL", None, None, note="no server given (--pg or BIZSUITE_TEST_PG_URL)"))
    end = os.getloadavg()
    print_figures(f"bizsuite sales bench: {n['deals']:,} deals, {n['invoices']:,} invoices, a {n['hot']:,}-line "
                  f"statement, a {n['import']:,}-line import; Python {sys.version.split()[0]}, SQLite "
                  f"{sqlite3.sqlite_version}, {os.cpu_count()} CPUs, load {load[0]:.1f} at the start, {end[0]:.1f} at "
                  "the end (1-minute average)", figures, started)
    return 0


if __name__ == "__main__":
    sys.exit(main())

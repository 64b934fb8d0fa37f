"""The sales part of the large demo company: 200,000 invoices in a year, written in bulk.

Its setup (:func:`build`, called by :func:`bizsuite.erp.sales.demo.add_demo_sales` for
``size="large"``) writes the year's orders at once (numbers taken together, ids reserved, one
executemany per table, one audit row): an order for each deal the pipeline part won (for the
deal's customer, on the day it was won, lines for about the deal's amount — a lead who wins a
deal becomes a customer, as ``confirm`` makes them), and the repeat orders of the customers
(more of them as the year goes on, and in the gift season), each of a few of the 50,000 products
(the popular ones far more often), in the products' units at their prices; a few quotations
never confirmed and a few declined (cancelled). About a tenth of the invoices come from orders
delivered in two parts.

Then, day by day on the demo's timeline (:func:`day`, after stock, purchasing and the pipeline on
the same day, as the small company's), in bulk:

- the day's deliveries, two to six working days after an order was confirmed: only what the
  warehouse has then (the rest a backorder, tried again a few days later), through
  :func:`bizsuite.erp.stock.bulk.load_moves` — valued at the moving average by the stock module's
  one rule, never below zero, each delivery its own COGS/inventory entry — so stock's and
  purchasing's own moves of the year and these interleave by date, each day seeing the others'
  of the days before (the stock part reads what left since yesterday the next morning);
- each delivery invoiced the same day (receivable/revenue/output tax: one ledger entry for the
  day's invoices, a receivable line per invoice naming its customer), numbered ``INV-`` without
  gaps in date order;
- the customers' payments (mostly on time, some late, some in two halves, a few never: open and
  overdue at today), one payment per customer and day, one ledger entry for the day's payments;
- now and then an allowance (a tenth off a line, money only); on the last day a few damaged goods
  come back through ``books.sales.credit_note(return_goods=True)`` itself;
- the quarter's output tax paid over on the 20th of January, April, July and October.

Ledger entries go through the ledger's bulk writer (sealed at commit), so ``bizsuite check`` finds
every sales invariant (order lines = their documents, delivery lines = their moves, settled =
allocations, AR = what the documents say) and the inventory account equal to the valuation. The
large company's open orders hold no reservations (the small company's do, through ``confirm``):
the bulk path has no way to reserve stock that is not the stock module's own.

``invoices`` (tests) sets the size; by default it follows the ledger part's scale of the large
company (:data:`bizsuite.erp.ledger.demo.BUSIER`: 200,000 invoices at its 66 times the small
company), so the large company's revenue keeps up with its wages and rent.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
from collections import Counter, defaultdict
from decimal import Decimal
from typing import Callable

from sqlalchemy import bindparam, select, update

INVOICES = 200_000
SPLIT = 0.08  # orders delivered in two parts by choice
QUOTES, DECLINED = 0.03, 0.02  # orders left as quotations, quotations declined
DEALS_AT_MOST = 0.35  # of the orders: those for won deals (a reduced company may win more deals than it sells)
PAY_ON_TIME, PAY_LATE, PAY_HALVES = 0.83, 0.12, 0.03  # the rest are never paid (open, overdue, at today)
ALLOWANCE = 0.003  # invoices with a tenth off a line
RETURNS = 10  # damaged goods sent back on the last day, through the repository
CHUNK = 20_000
_HUNDRED = Decimal(100)


def _target() -> int:
    from bizsuite.erp.ledger.demo import BUSIER

    return max(100, round(INVOICES * BUSIER["large"] / 66))


def build(books, r: random.Random, *, start: dt.date, end: dt.date, seed: int, report: Callable[[int, int], None],
          state: dict, invoices: int | None = None) -> dict[str, int]:
    """The year's orders in bulk, and the plan of their deliveries (kept in ``state``)."""
    from bizsuite.core import audit, numbering
    from bizsuite.core.db import bulk_insert, reserve_ids
    from bizsuite.crm.contacts.models import Contact
    from bizsuite.crm.pipeline.models import Deal
    from bizsuite.erp.sales.demo import _round_qty, _step, _workday
    from bizsuite.erp.sales.models import CANCELLED, CONFIRMED, QUOTATION, SalesOrder, SalesOrderLine
    from bizsuite.erp.sales.repository import PREFIX_SO, QUOTE_VALID, SERIES_SO
    from bizsuite.erp.stock.models import Product

    target = invoices or _target()
    made = {"sales orders": 0, "invoices": 0, "customer payments": 0, "credit notes": 0}
    state.update(active=False)
    s = books.session
    products = s.execute(select(Product.id, Product.unit, Product.price, Product.tax_rate)
                         .where(Product.active.is_(True), Product.price > 0, Product.supplier_id.is_not(None))
                         .order_by(Product.id)).all()
    customers = s.execute(select(Contact.id, Contact.kind, Contact.created_at)
                          .where(Contact.is_customer.is_(True)).order_by(Contact.created_at, Contact.id)).all()
    if not products or not customers:
        return made
    books.sales.configure(backorders=True)
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(products))]
    r.shuffle(weights)
    pcum = list(itertools.accumulate(weights))
    created = [c.date() for _, _, c in customers]
    ccum = list(itertools.accumulate(4 if kind == "company" else 1 for _, kind, _ in customers))

    confirmed = round(target / (1 + SPLIT))
    n_orders = round(confirmed / (1 - QUOTES - DECLINED))
    won = s.execute(select(Deal.id, Deal.customer_id, Deal.amount, Deal.closed_on)
                    .where(Deal.status == "won", Deal.closed_on >= start, Deal.closed_on <= end)
                    .order_by(Deal.closed_on, Deal.id)).all()
    keep = min(len(won), round(n_orders * DEALS_AT_MOST))
    deals = [won[i * len(won) // keep] for i in range(keep)] if keep else []
    weekdays = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)
                if (start + dt.timedelta(days=i)).weekday() < 5]
    span = max(1, (end - start).days)
    season = [(0.8 + 0.4 * (d - start).days / span) * (1.3 if d.month in (10, 11, 12, 1) else 1) for d in weekdays]
    days = Counter(r.choices(weekdays, season, k=n_orders - len(deals)))

    def basket(net: Decimal | None) -> list[tuple]:
        n = r.choices((1, 2, 3, 4), (30, 35, 22, 13))[0]
        picks = {products[bisect.bisect_left(pcum, r.random() * pcum[-1])] for _ in range(n)}
        out = []
        for pid, unit, price, rate in sorted(picks):
            if net is None:
                q = Decimal(r.randint(1, 8)) if unit == "pcs" else Decimal(r.randint(1, 8)) / 2
            else:
                q = _round_qty(net / len(picks) / price, unit)
            out.append((pid, _step(q, unit), price, rate))
        return out

    plan = []  # (day, customer, deal, lines)
    for d_id, cid, amount, closed in deals:
        plan.append((_workday(closed) if _workday(closed) <= end else closed, cid, d_id, basket(Decimal(amount))))
    for d in sorted(days):
        known = max(1, bisect.bisect_right(created, d))
        top = ccum[known - 1]
        for _ in range(days[d]):
            c = customers[bisect.bisect_left(ccum, r.random() * top)][0]
            plan.append((d, c, None, basket(None)))
    plan.sort(key=lambda x: (x[0], x[2] is None, x[1]))
    report(2, 10)

    # -- leads who win a deal become customers (as confirming its order makes them) -------------
    leads = {cid for _, cid, deal, _ in plan if deal is not None} - {c for c, _, _ in customers}
    for cid in sorted(leads):
        books.contacts.add_role(cid, "customer", because="sales.write")

    numbers = numbering.take_many(books, SERIES_SO, len(plan))
    ids = reserve_ids(s, SalesOrder.__table__, len(plan))
    n_lines = sum(len(p[3]) for p in plan)
    line_ids = iter(reserve_ids(s, SalesOrderLine.__table__, n_lines))
    by = books.actor.name
    zero = Decimal(0)
    orders, lines, todo = [], [], defaultdict(list)
    state_orders: dict[int, list] = {}
    for k, ((d, cid, deal, items), oid, number) in enumerate(zip(plan, ids, numbers)):
        x = r.random()
        status = CONFIRMED if deal is not None or x >= QUOTES + DECLINED else QUOTATION if x < QUOTES else CANCELLED
        disc = Decimal(5) if r.random() < 0.1 else zero
        at = dt.datetime.combine(d, dt.time(9), dt.timezone.utc) + dt.timedelta(minutes=k % 470)
        orders.append({"id": oid, "number": numbering.label(number, prefix=PREFIX_SO), "customer_id": cid,
                       "deal_id": deal, "status": status, "date": d, "valid_until": d + dt.timedelta(days=QUOTE_VALID),
                       "discount": disc, "notes": None, "import_key": None, "version": 1 if status == QUOTATION else 2,
                       "created_at": at, "created_by": by, "updated_at": at, "updated_by": by})
        mine = []
        for n, (pid, q, price, rate) in enumerate(items, 1):
            lid = next(line_ids)
            lines.append({"id": lid, "order_id": oid, "line_no": n, "product_id": pid, "quantity": q,
                          "unit_price": price, "discount": disc, "tax_rate": rate, "delivered": zero,
                          "invoiced": zero, "returned": zero})
            mine.append([lid, pid, q, price, disc, rate, zero])  # [line, product, ordered, price, disc, rate, delivered]
        if status == CONFIRMED:
            state_orders[oid] = [orders[-1]["number"], cid, mine, 0]  # [number, customer, lines, tries]
            first = _workday(d + dt.timedelta(days=r.randint(2, 6)))
            if first <= end:
                todo[first].append((oid, r.random() < SPLIT))
    _top_up(books, r, start, lines, orders)
    report(4, 10)
    for i in range(0, len(orders), CHUNK):
        bulk_insert(s, SalesOrder.__table__, orders[i:i + CHUNK])
    report(5, 10)
    for i in range(0, len(lines), CHUNK * 2):
        bulk_insert(s, SalesOrderLine.__table__, lines[i:i + CHUNK * 2])
    audit.record_load(s, "sales_orders", ids, {"orders": len(orders), "lines": len(lines),
                                               "source": f"demo large, seed {seed}"})
    units = {pid: unit for pid, unit, _, _ in products}
    state.update(active=True, large=True, end=end, start=start, orders=state_orders, todo=todo, unit=units,
                 main=books.stock.default_location().id, pay=defaultdict(list), allow=defaultdict(list),
                 taxed=set(), seed=seed)
    report(1, 1)
    made["sales orders"] = len(orders)
    return made


def _top_up(books, r: random.Random, start: dt.date, lines: list[dict], orders: list[dict]) -> None:
    """More opening stock on the first day, at each product's opening cost, for what the year's
    confirmed orders will take of it (the stock part sized its opening for its own dispatches):
    a wholesaler's stock, so most orders go out whole and the year's invoices are there."""
    from bizsuite.erp.sales.demo import _step
    from bizsuite.erp.sales.models import CONFIRMED
    from bizsuite.erp.stock.bulk import BulkMove, load_moves
    from bizsuite.erp.stock.models import Product

    confirmed = {o["id"] for o in orders if o["status"] == CONFIRMED}
    want: dict[int, Decimal] = defaultdict(Decimal)
    for ln in lines:
        if ln["order_id"] in confirmed:
            want[ln["product_id"]] += ln["quantity"]
    if not want:
        return
    s = books.session
    main = books.stock.default_location().id
    rows = {}
    pids = sorted(want)
    for i in range(0, len(pids), 5_000):
        rows.update({pid: (unit, q, v, price) for pid, unit, q, v, price in s.execute(
            select(Product.id, Product.unit, Product.on_hand, Product.value, Product.price)
            .where(Product.id.in_(pids[i:i + 5_000])))})
    moves = []
    for pid in pids:
        unit, q, value, price = rows[pid]
        cost = (value / q if q else price * Decimal("0.55")).quantize(Decimal("0.000001"))
        moves.append(BulkMove(pid, "opening", start, _step(want[pid] * Decimal(r.randint(100, 130)) / 100, unit),
                              main, cost, ref="opening stock: the wholesale shelves"))
    load_moves(books, moves, audit_source="the large demo's sales: opening stock for the year's orders")


def day(books, r: random.Random, today: dt.date, state: dict) -> dict[str, int]:
    """One day of the large company's sales office, in bulk (see the module doc)."""
    made: dict[str, int] = defaultdict(int)
    if today.weekday() < 5:
        _deliveries(books, r, today, state, made)
        _allowances(books, r, today, state, made)
        _payments(books, r, today, state, made)
        from bizsuite.erp.sales.demo import TAX_DAY, TAX_MONTHS, _tax

        if today.month in TAX_MONTHS and today.day >= TAX_DAY and (today.year, today.month) not in state["taxed"]:
            state["taxed"].add((today.year, today.month))
            _tax(books, r, state, today, None, made)
    if today == state["end"]:
        _returns(books, r, today, state, made)
    return dict(made)


def _at(today: dt.date, minute: int) -> dt.datetime:
    return dt.datetime.combine(today, dt.time(9), dt.timezone.utc) + dt.timedelta(minutes=minute % 470)


def _deliveries(books, r, today, state, made) -> None:
    from bizsuite.core import numbering
    from bizsuite.core.db import bulk_insert, reserve_ids
    from bizsuite.erp.ledger.importer import NewEntry, write_entries
    from bizsuite.erp.sales.demo import _step, _workday
    from bizsuite.erp.sales.models import (
        CLOSED,
        PARTIAL,
        Delivery,
        DeliveryLine,
        Invoice,
        InvoiceLine,
        SalesOrder,
        SalesOrderLine,
    )
    from bizsuite.erp.sales.repository import PREFIX_INV, SERIES_INV, SOURCE_DELIVERY, SOURCE_INVOICE
    from bizsuite.erp.stock.bulk import BulkMove, load_moves
    from bizsuite.erp.stock.models import Move, Quant

    due = state["todo"].pop(today, [])
    if not due:
        return
    s = books.session
    orders, unit, main, end = state["orders"], state["unit"], state["main"], state["end"]
    pids = sorted({ln[1] for oid, _ in due for ln in orders[oid][2]})
    free: dict[int, Decimal] = {}
    for i in range(0, len(pids), 5_000):
        free.update(s.execute(select(Quant.product_id, Quant.quantity).where(
            Quant.location_id == main, Quant.product_id.in_(pids[i:i + 5_000]))).all())
    plan = []  # (order, [(line, q)])
    for oid, split in due:
        number, cid, lines, tries = orders[oid]
        out, short = [], False
        for ln in lines:
            want = ln[2] - ln[6]
            if want <= 0:
                continue
            q = min(want, _step(free.get(ln[1], Decimal(0)), unit[ln[1]], down=True))
            if q < want:
                short = True
            if q > 0:
                out.append((ln, q))
        if split and out and not short:
            ln, q = out[0]
            half = _step(q / 2, unit[ln[1]], down=True)
            if 0 < half < q:
                out[0], short = (ln, half), True
        for ln, q in out:
            free[ln[1]] -= q
        if out:
            plan.append((oid, out))
        if short and tries < 4:
            orders[oid][3] = tries + 1
            later = _workday(today + dt.timedelta(days=r.randint(3, 8)))
            if later <= end:
                state["todo"][later].append((oid, False))
    if not plan:
        return
    delivery_ids = reserve_ids(s, Delivery.__table__, len(plan))
    moves = [BulkMove(ln[1], "delivery", today, q, main, source=SOURCE_DELIVERY, source_id=did, ref=orders[oid][0],
                      contact_id=orders[oid][1])
             for did, (oid, out) in zip(delivery_ids, plan) for ln, q in out]
    loaded = load_moves(books, moves, audit_source=f"the large demo's sales: {today}")
    _M = Move.__table__
    got = {mid: (uc, v, eid) for mid, uc, v, eid in s.execute(
        select(_M.c.id, _M.c.unit_cost, _M.c.value, _M.c.entry_id).where(
            _M.c.id >= loaded.move_ids[0], _M.c.id <= loaded.move_ids[-1]))}
    by = books.actor.name
    scale = books.ledger.scale
    sales = books.sales
    zero = Decimal(0).quantize(Decimal(1).scaleb(-scale))
    n_inv = len(plan)
    numbers = numbering.take_many(books, SERIES_INV, n_inv)
    inv_ids = reserve_ids(s, Invoice.__table__, n_inv)
    il_ids = iter(reserve_ids(s, InvoiceLine.__table__, len(moves)))
    dl_ids = iter(reserve_ids(s, DeliveryLine.__table__, len(moves)))
    deliveries, dlines, invoices, ilines, touched_orders, touched_lines = [], [], [], [], [], []
    receivable, sales_net, sales_tax = [], Decimal(0), Decimal(0)
    m = iter(zip(loaded.move_ids, moves))
    ledger = books.ledger
    acct_r, acct_s, acct_t = (ledger.role_account(x).id for x in ("receivable", "sales", "tax_payable"))
    for k, ((oid, out), did, inv_id, number) in enumerate(zip(plan, delivery_ids, inv_ids, numbers)):
        onum, cid, lines, _ = orders[oid]
        at = _at(today, k)
        d_entry = None
        net_total = tax_total = zero
        first_line = None
        for ln, q in out:
            mid, _bm = next(m)
            uc, value, eid = got[mid]
            d_entry = d_entry or eid
            dlines.append({"id": next(dl_ids), "delivery_id": did, "order_line_id": ln[0], "quantity": q,
                           "unit_cost": uc, "value": value, "move_id": mid, "returned": Decimal(0)})
            ln[6] += q
            net = sales._net(q, ln[3], ln[4])
            tax = sales._tax(net, ln[5])
            ilid = next(il_ids)
            first_line = first_line or (ilid, ln, q, net)
            ilines.append({"id": ilid, "invoice_id": inv_id, "order_line_id": ln[0], "quantity": q,
                           "unit_price": ln[3], "discount": ln[4], "tax_rate": ln[5], "net": net, "tax": tax,
                           "credited": Decimal(0), "credited_net": zero})
            net_total += net
            tax_total += tax
            touched_lines.append({"b_id": ln[0], "b_q": ln[6]})
        deliveries.append({"id": did, "order_id": oid, "date": today, "location_id": main, "entry_id": d_entry,
                           "created_at": at, "created_by": by})
        total = net_total + tax_total
        inv_number = numbering.label(number, prefix=PREFIX_INV)
        settled = _plan_money(r, state, today, cid, inv_id, total, first_line, ilines, scale)
        invoices.append({"id": inv_id, "number": inv_number, "order_id": oid, "customer_id": cid, "date": today,
                         "due": today + dt.timedelta(days=30), "net": net_total, "tax": tax_total, "total": total,
                         "settled": settled, "cancelled": False, "entry_id": None,
                         "created_at": at, "created_by": by})
        if total:
            receivable.append((acct_r, _minor(total, scale), f"{inv_number} {onum}", cid))
        sales_net += net_total
        sales_tax += tax_total
        status = CLOSED if all(ln[6] >= ln[2] for ln in lines) else PARTIAL
        touched_orders.append({"b_id": oid, "b_status": status, "b_at": at})
    bulk_insert(s, Delivery.__table__, deliveries)
    bulk_insert(s, DeliveryLine.__table__, dlines)
    if receivable:
        lines = receivable + [(acct_s, -_minor(sales_net, scale), "sales", None)]
        if sales_tax:
            lines.append((acct_t, -_minor(sales_tax, scale), "output tax", None))
        first, last = invoices[0]["number"], invoices[-1]["number"]
        made_ids = write_entries(books, [NewEntry(
            date=today, memo=f"Invoices {first}–{last} of {today}" if n_inv > 1 else f"Invoice {first}",
            code=None, mark="", comment=None, source_ref=f"{first}–{last}" if n_inv > 1 else first, import_key=None,
            contact_id=None, lines=lines)], source_kind=SOURCE_INVOICE,
            audit_summary={"entries": 1, "source": f"the large demo's invoices of {today}"})
        for row in invoices:
            if row["total"]:
                row["entry_id"] = made_ids[0]
    bulk_insert(s, Invoice.__table__, invoices)
    bulk_insert(s, InvoiceLine.__table__, ilines)
    s.execute(update(SalesOrderLine.__table__).where(SalesOrderLine.__table__.c.id == bindparam("b_id"))
              .values(delivered=bindparam("b_q"), invoiced=bindparam("b_q")), touched_lines)
    _SO = SalesOrder.__table__
    s.execute(update(_SO).where(_SO.c.id == bindparam("b_id"))
              .values(status=bindparam("b_status"), updated_at=bindparam("b_at"), version=_SO.c.version + 1),
              touched_orders)
    made["invoices"] += n_inv


def _minor(value: Decimal, scale: int) -> int:
    from bizsuite.core.money import to_minor

    return to_minor(value, scale)


def _plan_money(r, state, today, cid, inv_id, total, first_line, ilines, scale) -> Decimal:
    """What will settle an invoice by today — an allowance, its payments — planned now (kept in
    ``state`` for their days); returns what they will have settled."""
    from bizsuite.erp.sales.demo import _plus

    end = state["end"]
    zero = Decimal(0).quantize(Decimal(1).scaleb(-scale))
    settled = zero
    left = total
    if first_line is not None and r.random() < ALLOWANCE:
        ilid, ln, q, net = first_line
        off = (ln[3] * (_HUNDRED - ln[4]) / 1000).quantize(Decimal("0.01"))
        when = _plus(today, r.randint(3, 12))
        if off > 0 and when <= end:
            from bizsuite.core.money import line_value

            cn_net = line_value(q, off, scale)
            cn_tax = line_value(cn_net, ln[5] / _HUNDRED, scale)
            if 0 < cn_net <= net:
                for row in reversed(ilines):
                    if row["id"] == ilid:
                        row["credited_net"] = cn_net
                        break
                state["allow"][when].append((inv_id, cid, ilid, q, off, cn_net, cn_tax))
                settled += cn_net + cn_tax
                left -= cn_net + cn_tax
    if left <= 0:
        return settled
    x = r.random()
    if x < PAY_ON_TIME:
        pays = [(_plus(today, r.randint(5, 30)), left)]
    elif x < PAY_ON_TIME + PAY_LATE:
        pays = [(_plus(today, 30 + r.randint(5, 75)), left)]
    elif x < PAY_ON_TIME + PAY_LATE + PAY_HALVES:
        half = (left / 2).quantize(Decimal(1).scaleb(-scale))
        first = _plus(today, r.randint(20, 35))
        pays = [(first, half), (_plus(first, r.randint(20, 40)), left - half)]
    else:
        pays = []
    for when, amount in pays:
        if when <= end and amount > 0:
            state["pay"][when].append((cid, inv_id, amount))
            settled += amount
    return settled


def _allowances(books, r, today, state, made) -> None:
    from bizsuite.core import numbering
    from bizsuite.core.db import bulk_insert, reserve_ids
    from bizsuite.erp.ledger.importer import NewEntry, write_entries
    from bizsuite.erp.sales.models import CN_ALLOWANCE, Allocation, CreditNote, CreditNoteLine
    from bizsuite.erp.sales.repository import PREFIX_CN, SERIES_CN, SOURCE_CREDIT

    todo = state["allow"].pop(today, [])
    if not todo:
        return
    s = books.session
    scale = books.ledger.scale
    ledger = books.ledger
    ids = reserve_ids(s, CreditNote.__table__, len(todo))
    numbers = numbering.take_many(books, SERIES_CN, len(todo))
    line_ids = reserve_ids(s, CreditNoteLine.__table__, len(todo))
    alloc_ids = reserve_ids(s, Allocation.__table__, len(todo))
    by = books.actor.name
    notes, nlines, allocs, receivable = [], [], [], []
    net_sum = tax_sum = Decimal(0)
    for k, ((inv_id, cid, ilid, q, off, net, tax), nid, number, lid, aid) in enumerate(
            zip(todo, ids, numbers, line_ids, alloc_ids)):
        at = _at(today, 300 + k)
        label = numbering.label(number, prefix=PREFIX_CN)
        notes.append({"id": nid, "number": label, "invoice_id": inv_id, "customer_id": cid, "kind": CN_ALLOWANCE,
                      "date": today, "reason": "late delivery: 10% off", "net": net, "tax": tax, "total": net + tax,
                      "allocated": net + tax, "entry_id": None, "return_entry_id": None, "created_at": at,
                      "created_by": by})
        nlines.append({"id": lid, "credit_note_id": nid, "invoice_line_id": ilid, "quantity": q, "unit_price": off,
                       "net": net, "tax": tax, "returned": Decimal(0), "move_id": None, "cost": Decimal(0)})
        allocs.append({"id": aid, "invoice_id": inv_id, "payment_id": None, "credit_note_id": nid,
                       "amount": net + tax, "date": today, "created_at": at, "created_by": by})
        receivable.append((ledger.role_account("receivable").id, -_minor(net + tax, scale), label, cid))
        net_sum += net
        tax_sum += tax
    lines = [(ledger.role_account("sales").id, _minor(net_sum, scale), "allowances", None)]
    if tax_sum:
        lines.append((ledger.role_account("tax_payable").id, _minor(tax_sum, scale), "output tax", None))
    first, last = notes[0]["number"], notes[-1]["number"]
    eid = write_entries(books, [NewEntry(date=today, memo=f"Credit notes {first}–{last} of {today}" if len(notes) > 1
                                         else f"Credit note {first}", code=None, mark="", comment=None,
                                         source_ref=first if len(notes) == 1 else f"{first}–{last}", import_key=None,
                                         contact_id=None, lines=lines + receivable)],
                        source_kind=SOURCE_CREDIT, audit_summary={"entries": 1, "source": f"the large demo: {today}"})[0]
    for n in notes:
        n["entry_id"] = eid
    bulk_insert(s, CreditNote.__table__, notes)
    bulk_insert(s, CreditNoteLine.__table__, nlines)
    bulk_insert(s, Allocation.__table__, allocs)
    made["credit notes"] += len(notes)


def _payments(books, r, today, state, made) -> None:
    from bizsuite.core import numbering
    from bizsuite.core.db import bulk_insert, reserve_ids
    from bizsuite.erp.ledger.importer import NewEntry, write_entries
    from bizsuite.erp.sales.models import Allocation, Payment
    from bizsuite.erp.sales.repository import PREFIX_PAY, SOURCE_PAYMENT

    todo = state["pay"].pop(today, [])
    if not todo:
        return
    s = books.session
    scale = books.ledger.scale
    ledger = books.ledger
    by_customer: dict[int, list] = defaultdict(list)
    for cid, inv_id, amount in todo:
        by_customer[cid].append((inv_id, amount))
    cids = sorted(by_customer)
    ids = reserve_ids(s, Payment.__table__, len(cids))
    numbers = numbering.take_many(books, numbering.PAYMENTS, len(cids))
    alloc_ids = iter(reserve_ids(s, Allocation.__table__, len(todo)))
    by = books.actor.name
    pays, allocs, receivable = [], [], []
    bank = Decimal(0)
    acct_r = ledger.role_account("receivable").id
    for k, (cid, pid, number) in enumerate(zip(cids, ids, numbers)):
        at = _at(today, k)
        amount = sum((a for _, a in by_customer[cid]), Decimal(0))
        label = numbering.label(number, prefix=PREFIX_PAY)
        pays.append({"id": pid, "number": label, "customer_id": cid, "date": today, "amount": amount,
                     "allocated": amount, "ref": f"bank transfer {r.randint(100000, 999999)}", "entry_id": None,
                     "created_at": at, "created_by": by})
        for inv_id, a in by_customer[cid]:
            allocs.append({"id": next(alloc_ids), "invoice_id": inv_id, "payment_id": pid, "credit_note_id": None,
                           "amount": a, "date": today, "created_at": at, "created_by": by})
        receivable.append((acct_r, -_minor(amount, scale), label, cid))
        bank += amount
    first, last = pays[0]["number"], pays[-1]["number"]
    eid = write_entries(books, [NewEntry(
        date=today, memo=f"Payments {first}–{last} from customers" if len(pays) > 1 else f"Payment {first}",
        code=None, mark="", comment=None, source_ref=first if len(pays) == 1 else f"{first}–{last}", import_key=None,
        contact_id=None, lines=[(ledger.role_account("bank").id, _minor(bank, scale), None, None)] + receivable)],
        source_kind=SOURCE_PAYMENT, audit_summary={"entries": 1, "source": f"the large demo: {today}"})[0]
    for p in pays:
        p["entry_id"] = eid
    bulk_insert(s, Payment.__table__, pays)
    bulk_insert(s, Allocation.__table__, allocs)
    made["customer payments"] += len(pays)


def _returns(books, r, today, state, made) -> None:
    """A few damaged goods sent back on the last day, through the repository (the bulk rows are
    the same records it works on)."""
    from bizsuite.core import clock
    from bizsuite.erp.sales.models import Invoice, InvoiceLine, SalesOrderLine
    from bizsuite.erp.sales.repository import LineIn

    s = books.session
    rows = s.execute(
        select(Invoice.id, SalesOrderLine.product_id, SalesOrderLine.delivered)
        .join(InvoiceLine, InvoiceLine.invoice_id == Invoice.id)
        .join(SalesOrderLine, SalesOrderLine.id == InvoiceLine.order_line_id)
        .where(Invoice.date >= today - dt.timedelta(days=30), Invoice.date < today, Invoice.cancelled.is_(False),
               InvoiceLine.credited_net == 0)
        .order_by(Invoice.id).limit(2_000)).all()
    done, seen = 0, set()
    for k, (inv_id, pid, delivered) in enumerate(r.sample(rows, min(len(rows), RETURNS * 3))):
        one = Decimal(1) if state["unit"].get(pid) == "pcs" else Decimal("0.5")
        if done >= RETURNS or inv_id in seen or delivered < one:
            continue
        seen.add(inv_id)
        with clock.freeze(_at(today, 400 + k)):
            books.sales.credit_note(inv_id, [LineIn(pid, one)], return_goods=True, date=today,
                                    reason="damaged in transit")
        done += 1
    made["credit notes"] += done

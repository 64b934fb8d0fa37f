"""``sales import``: order history and open orders from a spreadsheet, on SQLite and PostgreSQL —
by the same rules as ``sales create``, an order's rows together, all or nothing, never twice."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from sqlalchemy import text

from bizsuite.core import clock
from bizsuite.core.errors import Refused
from bizsuite.core.importer import ImportFailed
from bizsuite.erp.sales.importer import import_orders

NOW = dt.datetime(2026, 5, 20, 10, tzinfo=dt.timezone.utc)
GOOD = """Order No,Order Date,Customer,Item Code,Qty,Unit Price,Discount %
W-1,2026-01-05,buy@acmetrading.com,A-1,2,9.50,
W-1,2026-01-05,buy@acmetrading.com,K-1,1.5,,10
W-2,2026-02-01,王小明,A-1,3,,
"""


def counts(store) -> dict:
    with store.engine.connect() as conn:
        return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar()
                for t in ("sales_orders", "sales_order_lines", "stock_reservations", "stock_moves", "ledger_entries")}


def run(store, owner, tmp_path, body, name="orders.csv", **kw):
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    with clock.freeze(NOW), store.transaction(owner) as b:
        return import_orders(b, path, display=name, **kw)


def test_history_is_recorded_for_the_customer_moving_no_stock_and_posting_nothing(sstore, owner, tmp_path):
    before = counts(sstore)
    report = run(sstore, owner, tmp_path, GOOD)
    assert (report.read, report.imported, report.counts["orders created"]) == (3, 3, 2)
    after = counts(sstore)
    assert (after["sales_orders"], after["sales_order_lines"]) == (2, 3)
    assert {k: after[k] for k in ("stock_reservations", "stock_moves", "ledger_entries")} == \
        {k: before[k] for k in ("stock_reservations", "stock_moves", "ledger_entries")}
    with sstore.read(owner) as b:
        w1, w2 = b.sales.order("SO-00001"), b.sales.order("SO-00002")
        # W-1: 2 × 9.50 = 19.00 + 2.47 tax; K-1 1.5 kg × 2.50 less 10 % = 3.375 → 3.38 (half-even), no tax
        assert (w1.status, w1.customer, w1.date, w1.net, w1.total) == \
            ("history", "Acme Trading", dt.date(2026, 1, 5), D("22.38"), D("24.85"))
        assert (w2.customer, w2.total) == ("王小明", D("33.90"))
        assert b.contacts.get(2).is_customer  # a lead with orders is a customer
        assert [r.delivered for r in b.sales.orders(status="history")] == ["—", "—"]
        assert not [c for c in b.admin.check() if not c.ok]
    again = run(sstore, owner, tmp_path, GOOD)
    assert (again.imported, again.unchanged) == (0, 2) and counts(sstore) == after


def test_confirmed_orders_hold_their_stock_and_short_ones_are_refused(sstore, owner, tmp_path):
    report = run(sstore, owner, tmp_path, GOOD, as_="confirmed")
    assert report.counts["orders created"] == 2
    with sstore.read(owner) as b:
        assert [v.available for v in b.sales.order("SO-00002").lines] == [D(5)]  # 10 less 2 and 3 held
        assert b.sales.order("SO-00001").status == "confirmed"
    with pytest.raises(Refused, match=r"order W-9: A-1: 1 pcs short \(available 5 pcs, ordered 6 pcs\)"):
        run(sstore, owner, tmp_path, "order,customer,sku,quantity\nW-9,#1,A-1,6\n", as_="confirmed")
    assert counts(sstore)["sales_orders"] == 2


BAD = """order,date,customer,sku,quantity,price,discount
B-1,2026-01-05,#1,A-1,2,,
B-1,2026-01-06,#1,K-1,1,,
B-2,2026-01-05,Nobody Ltd,A-1,1,,
B-3,2027-01-05,Parts Co,ZZ-9,0,-1,200
B-4,2026-01-05,#1,A-1,1,,
"""


def test_bad_rows_are_named_by_line_a_bad_row_takes_its_order_with_it_and_nothing_is_written(sstore, owner, tmp_path):
    before = counts(sstore)
    with pytest.raises(ImportFailed) as e:
        run(sstore, owner, tmp_path, BAD, name="bad.csv")
    assert list(e.value.problems) == [
        "bad.csv:2: order: order B-1 has a bad row (line 3)",
        "bad.csv:3: order: B-1 began on line 2 with 2026-01-05 for Acme Trading; one order has one date and one "
        "customer",
        "bad.csv:4: customer: no contact 'Nobody Ltd'; add it first (bizsuite contacts add)",
        "bad.csv:5: date: 2027-01-05 is in the future",
        "bad.csv:5: customer: Parts Co (#3) is neither a customer nor a lead",
        "bad.csv:5: sku: no product 'ZZ-9' (bizsuite stock products)",
        "bad.csv:5: discount: must be a percentage from 0 to 100, not 200",
    ]
    assert counts(sstore) == before
    report = run(sstore, owner, tmp_path, BAD, name="bad.csv", skip_invalid=True)
    assert (report.counts["orders created"], len(report.rejected)) == (1, 4)
    with sstore.read(owner) as b:
        assert [(r.number, r.total) for r in b.sales.orders()] == [("SO-00001", D("11.30"))]  # B-4

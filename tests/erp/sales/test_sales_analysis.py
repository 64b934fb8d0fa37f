"""Customer analysis (``bizsuite.erp.sales.analysis``, ``bizsuite sales customers``) on SQLite and
PostgreSQL: RFM scores worked out by hand on seven customers — ties on each score, a customer
with only history orders, one whose only invoice was credited back, one delivered but not yet
invoiced — their segments by the published 125-code map, recency at the as-of day, at risk by
their own rhythm, lifetime value, margin; the command's columns and its refusals.

The shop, at Monday 2026-03-16 (A-1: price 10.00, cost 4.00; K-1: 2.50 a kg, cost 1.00):

- Acme Trading: SO 2026-03-02 A-1 ×2 (20.00, cost 8.00) and SO 2026-03-10 K-1 4 kg (10.00, cost
  4.00), both delivered and invoiced the same day;
- Bella Foods: history W-1 2025-12-01 A-1 1, W-2 2025-12-08 A-1 1, W-3 2026-01-05 K-1 3 kg less
  10 % (6.75), W-4 2026-02-01 A-1 1 at 9.99: 36.74;
- Cora Ltd: history 2025-06-01, 2025-07-01, 2025-08-01, each A-1 ×2: 60.00;
- Dino SA: history 2024-11-20 A-1 ×10: 100.00;
- 王小明: history 2026-03-10 K-1 1.5 kg less 10 % (3.375 → 3.38, half-even) and A-1 3 at 11.12
  (33.36): 36.74, as much as Bella;
- Eve Shop: SO 2026-03-05 A-1 ×1 delivered and invoiced (10.00), all of it returned on the 12th;
- Faro GmbH: SO 2026-03-03 A-1 ×3 at 5.00 delivered on the 3rd (cost 12.00), not invoiced.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal as D

import pytest
from sqlalchemy import text

from bizsuite.core import clock
from bizsuite.core.errors import Refused, ValidationFailed
from bizsuite.crm.contacts.models import ContactIn
from bizsuite.erp.sales.analysis import (
    SEGMENT_CODES,
    SEGMENTS,
    CustomerAnalysis,
    find_segment,
    quintile_scores,
    segment_of,
)
from bizsuite.erp.sales.importer import import_orders

NOW = dt.datetime(2026, 3, 16, 9, 30, tzinfo=dt.timezone.utc)
HISTORY = """order,date,customer,sku,quantity,price,discount
W-1,2025-12-01,Bella Foods,A-1,1,,
W-2,2025-12-08,Bella Foods,A-1,1,,
W-3,2026-01-05,Bella Foods,K-1,3,,10
W-4,2026-02-01,Bella Foods,A-1,1,9.99,
C-1,2025-06-01,Cora Ltd,A-1,2,,
C-2,2025-07-01,Cora Ltd,A-1,2,,
C-3,2025-08-01,Cora Ltd,A-1,2,,
D-1,2024-11-20,Dino SA,A-1,10,,
X-1,2026-03-10,王小明,K-1,1.5,,10
X-1,2026-03-10,王小明,A-1,3,11.12,
"""


@pytest.fixture(scope="module")
def shop(module_location, tmp_path_factory):
    """The shop above, built once per backend (the tests only read it): (store, owner)."""
    from bizsuite.core.auth import os_login
    from bizsuite.core.store import Store
    from bizsuite.erp.stock.models import MoveIn, ProductIn

    store = Store.open_or_create_empty(module_location)
    store.initialise(company="Test Co", currency="USD", owner=os_login())
    owner = store.actor_for(os_login())
    path = tmp_path_factory.mktemp("analysis") / "history.csv"
    path.write_text(HISTORY, encoding="utf-8")
    with clock.freeze(NOW), store.transaction(owner) as b:
        b.ledger.load_chart("standard")
        b.contacts.add(ContactIn(name="Acme Trading", kind="company", roles=["customer"]))
        b.contacts.add(ContactIn(name="王小明", roles=["lead"]))
        for name in ("Bella Foods", "Cora Ltd", "Dino SA", "Eve Shop", "Faro GmbH"):
            b.contacts.add(ContactIn(name=name, kind="company", roles=["customer"]))
        b.stock.add_location("Main")
        b.stock.add_product(ProductIn(sku="A-1", name="Widget", price="10", tax_rate="13"))
        b.stock.add_product(ProductIn(sku="K-1", name="Flour", unit="kg", price="2.5"))
        b.stock.move("receipt", [MoveIn("A-1", D(10), D(4)), MoveIn("K-1", D(20), D(1))], date="2026-03-01",
                     source=("stock_adjustment", None))
        for customer, line, day in (("Acme Trading", "A-1 2", "2026-03-02"), ("Acme Trading", "K-1 4", "2026-03-10"),
                                    ("Eve Shop", "A-1 1", "2026-03-05"), ("Faro GmbH", "A-1 3 5", "2026-03-03")):
            o = b.sales.create(customer, [line], date=day)
            b.sales.confirm(o.number)
            b.sales.deliver(o.number, date=day)
            if customer != "Faro GmbH":
                inv = b.sales.invoice(o.number, date=day)
        b.sales.credit_note(inv.number, return_goods=True, date="2026-03-12", reason="all of it came back")
        import_orders(b, path, display="history.csv")
    yield store, owner
    store.close()


@pytest.fixture
def db(shop, module_location) -> str:
    return str(module_location.path) if module_location.is_sqlite else module_location.url


def analysis(shop, as_of=None) -> CustomerAnalysis:
    store, owner = shop
    with clock.freeze(NOW), store.read(owner) as b:
        a = CustomerAnalysis(b, as_of=as_of)
        a.scores(), a.margins(), a.at_risk(), a.at_risk(factor="1.5")
        return a


# -- the rules, on their own ------------------------------------------------------------------------


def test_quintiles_share_ties_and_spread_distinct_figures():
    assert quintile_scores([10, 20, 30, 40, 50]) == [1, 2, 3, 4, 5]
    assert quintile_scores([10, 20, 30, 40, 50], higher_is_better=False) == [5, 4, 3, 2, 1]
    assert quintile_scores([7] * 4) == [3, 3, 3, 3]  # a figure every customer shares: the middle
    # the blocks' middles at 20 %, 50 % and 80 % of the line: the 2nd, 3rd and 5th fifths (an edge is the upper's)
    assert quintile_scores([1, 1, 2, 3, 3]) == [2, 2, 3, 5, 5]
    assert quintile_scores([]) == []


def test_the_segment_map_is_the_published_one():
    """The "Segmentation" table of github.com/Tien-Dung-86/Python-RFM-Analysis-and-Visualization
    (README.md): each of the 125 codes in one segment; a few rows of it as printed there."""
    codes = [c for cs in SEGMENT_CODES.values() for c in cs]
    assert sorted(codes) == sorted(f"{r}{f}{m}" for r in range(1, 6) for f in range(1, 6) for m in range(1, 6))
    assert SEGMENT_CODES["Champions"] == ("555", "554", "544", "545", "454", "455", "445")
    assert SEGMENT_CODES["Can't lose them"] == ("155", "154", "144", "214", "215", "115", "114", "113")
    assert SEGMENT_CODES["Lost"] == ("111", "112", "121", "131", "141", "151")
    assert (segment_of(5, 5, 5), segment_of(5, 1, 1), segment_of(2, 3, 1), segment_of(1, 1, 1)) == \
        ("Champions", "New customers", "About to sleep", "Lost")
    assert len(SEGMENTS) == 11
    assert find_segment("cant-lose-them") == find_segment("Can't lose them") == "Can't lose them"
    assert find_segment(" AT_RISK ") == "At risk"
    with pytest.raises(ValidationFailed) as e:
        find_segment("Whales")
    assert e.value.problems == ["segment: 'Whales' is not a segment; the segments are Champions, Loyal customers, "
                                "Potential loyalists, New customers, Promising, Need attention, About to sleep, "
                                "At risk, Can't lose them, Hibernating, Lost"]


# -- on the books ---------------------------------------------------------------------------------


def test_rfm_scores_and_segments_worked_by_hand(shop):
    """Recency days 6, 6, 43, 227, 481 (lower is better) → R 5, 5, 3, 2, 1; orders 2, 4, 3, 1, 1 →
    F 3, 5, 4, 2, 2; revenue 30.00, 36.74, 36.74, 60.00, 100.00 → M 1, 3, 3, 4, 5. Eve's only
    invoice was credited back and Faro's order is not invoiced: they bought nothing yet."""
    a = analysis(shop)
    assert a.day == dt.date(2026, 3, 16)
    with pytest.raises(Refused) as e:
        analysis(shop, as_of="2026-02-30")
    assert e.value.problems == ["as_of: 2026-02-30 is not a date (no such day)"]
    got = {s.customer: (s.orders, s.revenue, s.last_order.isoformat(), s.recency_days, s.code, s.segment)
           for s in a.scores()}
    assert got == {
        "Acme Trading": (2, D("30.00"), "2026-03-10", 6, "531", "Potential loyalists"),
        "Bella Foods": (4, D("36.74"), "2026-02-01", 43, "353", "Potential loyalists"),
        "王小明": (1, D("36.74"), "2026-03-10", 6, "523", "Promising"),
        "Cora Ltd": (3, D("60.00"), "2025-08-01", 227, "244", "At risk"),
        "Dino SA": (1, D("100.00"), "2024-11-20", 481, "125", "At risk"),
    }
    assert a.unscored == 2
    # by segment as the map lists them, the most revenue first
    assert [s.customer for s in a.scores()] == ["Bella Foods", "Acme Trading", "王小明", "Dino SA", "Cora Ltd"]
    assert [s.customer for s in a.customers(segment="at risk")] == ["Dino SA", "Cora Ltd"]
    summary = {s.name: (s.customers, s.revenue, s.share) for s in a.segments() if s.customers}
    # of 263.48: 66.74 is 25.33 %, 36.74 13.94 %, 160.00 60.73 %
    assert summary == {"Potential loyalists": (2, D("66.74"), D("25.3")), "Promising": (1, D("36.74"), D("13.9")),
                       "At risk": (2, D("160.00"), D("60.7"))}
    assert [s.name for s in a.segments()] == list(SEGMENTS)


def test_lifetime_value_is_revenue_to_date_and_a_year_of_average_orders(shop):
    a = analysis(shop)
    by = {s.customer: s for s in a.scores()}
    bella, dino = by["Bella Foods"], by["Dino SA"]
    # Bella: 36.74 / 4 = 9.185 → 9.18 (half-even); a tenure of 105 days counts as a year
    assert (bella.average_order, bella.orders_per_year, bella.annual_value) == (D("9.18"), D("4.00"), D("36.74"))
    # Dino: one order 481 days ago: 365/481 = 0.7588… orders a year, 100 × 365/481 = 75.883…
    assert (dino.first_order, dino.average_order, dino.orders_per_year, dino.annual_value) == \
        (dt.date(2024, 11, 20), D("100.00"), D("0.76"), D("75.88"))


def test_recency_and_who_bought_follow_the_as_of_day(shop):
    """On the 11th Eve's credit note (the 12th) was not written yet: she had bought 10.00. On the
    1st Acme had ordered nothing; before 2024-11-20 nobody had."""
    a = analysis(shop, as_of="2026-03-11")
    by = {s.customer: s for s in a.scores()}
    assert (by["Eve Shop"].revenue, by["Eve Shop"].recency_days, by["Acme Trading"].recency_days,
            by["Acme Trading"].orders, by["Dino SA"].recency_days) == (D("10.00"), 6, 1, 2, 476)
    assert "王小明" in by and a.unscored == 1  # Faro: delivered, not invoiced
    a = analysis(shop, as_of="2026-03-01")
    assert {s.customer for s in a.scores()} == {"Bella Foods", "Cora Ltd", "Dino SA"}
    assert {s.customer: s.recency_days for s in a.scores()}["Bella Foods"] == 28
    assert analysis(shop, as_of="2024-11-19").scores() == []


def test_at_risk_by_their_own_rhythm(shop):
    """Cora ordered every 30 or 31 days (median 30.5) and has been silent 227 days: at risk.
    Bella's gaps are 7, 28 and 27 days: median 27 — 43 days is not twice that (their mean,
    20.67, would have said so). Acme's one gap is 8 days, 6 since; Dino and 王小明 have one
    order day each: no rhythm."""
    a = analysis(shop)
    assert [(r.customer, r.usual_gap, r.recency_days, r.times_usual, r.segment) for r in a.at_risk()] == [
        ("Cora Ltd", D("30.5"), 227, D("7.4"), "At risk")]
    # at 1.5 times the usual gap Bella is late too (43 > 40.5); the most revenue first
    assert [(r.customer, r.usual_gap, r.times_usual) for r in a.at_risk(factor="1.5")] == [
        ("Cora Ltd", D("30.5"), D("7.4")), ("Bella Foods", D("27.0"), D("1.6"))]
    assert a.at_risk(segment="Potential loyalists") == []
    with pytest.raises(ValidationFailed):
        a.at_risk(factor="0")


def test_margin_is_revenue_less_the_cost_of_what_was_delivered(shop):
    """Acme: 30.00 invoiced, 2 × 4.00 + 4 × 1.00 delivered: 18.00 (60 %). Faro: 12.00 of goods out,
    nothing invoiced yet. Eve: 10.00 invoiced and credited, the unit back at its 4.00: nothing.
    History orders carry no cost and are left out."""
    a = analysis(shop)
    assert [(m.customer, m.revenue, m.cost, m.margin, m.margin_pct, m.segment) for m in a.margins()] == [
        ("Acme Trading", D("30.00"), D("12.00"), D("18.00"), D("60.0"), "Potential loyalists"),
        ("Faro GmbH", D("0.00"), D("12.00"), D("-12.00"), None, None)]
    assert [m.customer for m in a.top_margin(1)] == ["Acme Trading"]
    assert a.top_margin(5, segment="promising") == []
    with pytest.raises(ValidationFailed):
        a.top_margin(0)


def test_it_needs_sales_read(shop):
    from bizsuite.core.auth import Actor

    store, _ = shop
    with pytest.raises(Refused):
        with store.read(Actor(name="hal", role="hr")) as b:
            CustomerAnalysis(b)


# -- the command line -------------------------------------------------------------------------------


def rows(r) -> list[dict]:
    assert r.rc == 0, r
    return list(csv.DictReader(io.StringIO(r.stdout)))


def test_sales_customers_prints_product_md_columns(cli, db):
    r = cli("sales", "customers", "--format", "csv", db=db, now=NOW)
    assert r.stdout.splitlines()[0] == "customer,orders,revenue,last_order,recency_days,segment"
    assert [tuple(x.values()) for x in rows(r)] == [
        ("Bella Foods", "4", "36.74", "2026-02-01", "43", "Potential loyalists"),
        ("Acme Trading", "2", "30.00", "2026-03-10", "6", "Potential loyalists"),
        ("王小明", "1", "36.74", "2026-03-10", "6", "Promising"),
        ("Dino SA", "1", "100.00", "2024-11-20", "481", "At risk"),
        ("Cora Ltd", "3", "60.00", "2025-08-01", "227", "At risk")]
    detail = rows(cli("sales", "customers", "--detail", "--segment", "at-risk", "--as-of", "2026-03-11", "--format",
                      "csv", db=db, now=NOW))
    assert list(detail[0]) == ["customer", "orders", "revenue", "last_order", "recency_days", "segment", "r", "f",
                               "m", "first_order", "average_order", "orders_per_year", "annual_value"]
    # on the 11th Eve was a customer too (six scored): Dino's 476 days the worst, Cora's 222 next
    assert [(x["customer"], x["recency_days"], x["r"], x["f"], x["m"], x["annual_value"]) for x in detail] == [
        ("Dino SA", "476", "1", "2", "5", "76.68"), ("Cora Ltd", "222", "2", "4", "4", "60.00")]
    risk = rows(cli("sales", "customers", "--at-risk", "--format", "csv", db=db, now=NOW))
    assert list(risk[0]) == ["customer", "orders", "revenue", "last_order", "recency_days", "usual_gap_days",
                             "times_usual", "segment"]
    assert [tuple(x.values()) for x in risk] == [("Cora Ltd", "3", "60.00", "2025-08-01", "227", "30.5", "7.4",
                                                  "At risk")]
    r = cli("sales", "customers", "--top-margin", "5", "--format", "csv", db=db, now=NOW)
    assert r.stdout.splitlines()[0] == "customer,revenue,cost,margin,margin_pct,segment"
    assert [tuple(x.values()) for x in rows(r)] == [
        ("Acme Trading", "30.00", "12.00", "18.00", "60.0", "Potential loyalists"),
        ("Faro GmbH", "0.00", "12.00", "-12.00", "", "")]


def count_all(store) -> dict:
    with store.engine.connect() as conn:
        return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar()
                for t in ("sales_orders", "sales_invoices", "audit_log")}


@pytest.mark.parametrize("args, code, line", [
    (["--segment", "Whales"], 1, "segment: 'Whales' is not a segment; the segments are Champions, Loyal customers, "
                                 "Potential loyalists, New customers, Promising, Need attention, About to sleep, "
                                 "At risk, Can't lose them, Hibernating, Lost"),
    (["--at-risk", "--top-margin", "3"], 2, "--at-risk and --top-margin are two reports; give one of them"),
])
def test_bad_input_is_one_line_and_nothing_written(cli, shop, db, args, code, line):
    before = count_all(shop[0])
    r = cli("sales", "customers", *args, db=db, now=NOW)
    assert (r.rc, r.stdout, r.err_lines) == (code, "", [line]), r
    assert count_all(shop[0]) == before

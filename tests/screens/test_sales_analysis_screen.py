"""The customer analysis screen (``bizsuite.screens.sales_analysis.CustomersScreen``) at 80x24:
the segments with their customers and revenue, the customers of the one highlighted, those at
risk by their own rhythm, the customers by margin, Enter to a customer's contact page and back
— by keyboard alone — and one snapshot (frozen clock: Monday 2026-03-16 09:30 UTC).

Regenerate the snapshot with ``pytest tests/screens/test_sales_analysis_screen.py
--snapshot-update`` and look at the SVG as a picture before keeping it.

The customers (the fixed contacts of ``conftest.fill``, the stock of ``stock_data.fill_stock``):

- 王小明: history orders on the 10th of every month from April 2025 to March 2026 — 12 orders,
  RICE-5 10 kg at 4.20 each (42.00): 504.00;
- Alice Martin: history orders on the 1st of May to September 2025, MUG-CL 10 at 6.50 (65.00):
  325.00 — then silent for 196 days against a usual gap of 31 (gaps of 31, 30, 31 and 31 days):
  at risk by her rhythm;
- Acme Trading Ltd: 200 BOLT-M6 at 0.35 sold on 2026-03-10 (70.00), delivered at the bolts'
  moving average (0.12 a bolt: 24.00) and invoiced;
- 北京科技有限公司: 4 GLUE-1 at 18.90 on 2026-03-12 (75.60) at 7.80 each (31.20), invoiced;
- Bob Stone: one history order of 2024-12-02, CABLE-3 50 m at 2.40: 120.00;
- 李华 (a lead, a customer once she ordered): one history order of 2026-03-05, GLUE-1 1: 18.90.
"""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import pytest
from screen_helpers import SIZE, settle
from stock_data import fill_stock

from bizsuite.core import clock

HISTORY = "order,date,customer,sku,quantity,price,discount\n" + "".join(
    f"X-{m},{y}-{m:02d}-10,王小明,RICE-5,10,,\n" for y, m in [(2025, m) for m in range(4, 13)] + [(2026, 1)]) + \
    "X-14,2026-02-10,王小明,RICE-5,10,,\nX-15,2026-03-10,王小明,RICE-5,10,,\n" + "".join(
    f"A-{m},2025-{m:02d}-01,Alice Martin,MUG-CL,10,,\n" for m in range(5, 10)) + \
    "B-1,2024-12-02,Bob Stone,CABLE-3,50,,\nL-1,2026-03-05,李华,GLUE-1,1,,\n"


@pytest.fixture
def sales(books, tmp_path):
    from bizsuite.erp.sales.importer import import_orders

    store, owner, ids = books
    fill_stock(store, owner, ids)
    path = tmp_path / "history.csv"
    path.write_text(HISTORY, encoding="utf-8")
    for who, line, day in ((ids["Acme Trading Ltd"], "BOLT-M6 200", "2026-03-10"),
                           (ids["北京科技有限公司"], "GLUE-1 4", "2026-03-12")):
        with clock.freeze(datetime.fromisoformat(day).replace(hour=10, tzinfo=timezone.utc)), \
                store.transaction(owner) as b:
            o = b.sales.create(f"#{who}", [line], date=day)
            b.sales.confirm(o.number)
            b.sales.deliver(o.number, date=day)
            b.sales.invoice(o.number, date=day)
    with store.transaction(owner) as b:
        import_orders(b, path, display="history.csv")
    return ids


async def _open(pilot):
    from bizsuite.screens.sales_analysis import CustomersScreen

    await settle(pilot)
    pilot.app.push_screen(CustomersScreen())
    await settle(pilot)
    return pilot.app.screen


def shown(screen) -> list[str]:
    return [getattr(r, "customer") for r in screen.table.loaded_rows()]


async def test_segments_at_risk_margin_and_a_customer_by_keyboard(app, books, sales):
    from bizsuite.screens.contacts import ContactDetailScreen
    from bizsuite.screens.sales_analysis import CustomersScreen

    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(pilot)
        assert isinstance(screen, CustomersScreen)
        r = screen.result
        assert (r.day.isoformat(), len(r.scores), r.unscored, r.total) == ("2026-03-16", 6, 0, Decimal("1113.50"))
        # opened on the first segment that holds customers; the list on the left says each one's count
        assert screen.view == "segment:Champions" and shown(screen) == ["王小明"]
        views = screen.query_one("#views")
        prompts = [str(views.get_option_at_index(i).prompt) for i in range(views.option_count)]
        assert prompts[0].split() == ["Champions", "1", "504"]
        assert prompts[7].startswith("At risk") and prompts[7].split()[-2:] == ["1", "325"]
        assert prompts[-2].split() == ["At", "risk", "by", "rhythm", "1"]
        assert "6 bought · revenue 1,113.50" in str(screen.query_one("#summary").render())
        # down the segments to "At risk by rhythm": Alice, 196 days against her usual 31
        views.focus()
        await pilot.press(*["down"] * 11)
        await settle(pilot)
        assert screen.view == "at_risk"
        assert [(a.customer, a.recency_days, a.usual_gap, a.times_usual) for a in screen.table.loaded_rows()] == [
            ("Alice Martin", 196, Decimal("31.0"), Decimal("6.3"))]
        await pilot.press("down")  # top by margin: 北京科技 44.40, Acme 46.00 — Acme first
        await settle(pilot)
        assert [(m.customer, m.margin, m.margin_pct) for m in screen.table.loaded_rows()] == [
            ("Acme Trading Ltd", Decimal("46.00"), Decimal("65.7")),
            ("北京科技有限公司", Decimal("44.40"), Decimal("58.7"))]
        assert "margin 90.40 on revenue 145.60" in str(screen.query_one("#status").render())
        await pilot.press("enter")  # to the customers; Enter again: the contact page over this screen
        await settle(pilot)
        assert app.focused is screen.table
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ContactDetailScreen) and app.screen.contact_id == sales["Acme Trading Ltd"]
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen and screen.view == "margin"
        # another day: on 2025-10-01 Alice was a week past her last order, 王小明 had six orders
        await pilot.press("shift+tab", "shift+tab")
        await settle(pilot)
        assert app.focused is screen.query_one("#as-of")
        await pilot.press(*"2025-10-01", "enter")
        await settle(pilot)
        assert screen.result.day.isoformat() == "2025-10-01"
        assert {s.customer: (s.orders, s.recency_days) for s in screen.result.scores} == {
            "王小明": (6, 21), "Alice Martin": (5, 30), "Bob Stone": (1, 303)}
        await pilot.press("escape")  # from the list: back where it was opened
        await settle(pilot)
        assert not isinstance(app.screen, CustomersScreen)


def test_customers_screen(app, sales, snap_compare):
    """The segments (Champions highlighted: 王小明, twelve orders, 504.00, RFM 455), the at-risk
    count, the day's summary."""

    async def run_before(pilot):
        await _open(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)

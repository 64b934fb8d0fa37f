"""Moving-average valuation against the figures Odoo's and ERPNext's own tests assert.

Sources (read from the public repositories; the step tables are in their tests):
- Odoo ``addons/stock_account/tests/test_stockvaluationlayer.py`` ``TestStockValuationAVCO``
  (``test_normal_1``, ``test_rounding_slv_1``, ``test_rounding_slv_2``, ``test_rounding_svl_3``,
  ``test_rounding_svl_4``, ``test_return_delivery_rounding``);
- Odoo ``addons/purchase_stock/tests/test_average_price.py::test_00_average_price``;
- ERPNext ``erpnext/stock/doctype/stock_ledger_entry/test_stock_ledger_entry.py``
  (``test_intermediate_average_batch_wise_valuation``, ``test_batch_wise_valuation_across_warehouse``).
Odoo keeps the average rounded to 2 digits and corrects the last move out by a "rounding
adjustment"; bizsuite keeps the exact value and takes each move out at ``round(V × q / Q)``,
so the figures that both publish (layer values, stock values, the empty shelf at 0) must agree.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from stock_helpers import check_failures, deliver, inventory_balance, product, receive, state

from bizsuite.core import clock


def test_odoo_avco_normal_in_in_out(stock_store, owner):
    """test_normal_1: in 10 @ 10, in 10 @ 20 → average 15; out 15 is worth 225, 5 left worth 75."""
    with stock_store.transaction(owner) as b:
        product(b, "P1")
        receive(b, "P1", 10, 10)
        receive(b, "P1", 10, 20)
        assert b.stock.products().rows[0].unit_cost == D("15")
        out = deliver(b, "P1", 15).moves[0]
        assert out.value == D("225.00") and out.value_delta == D("-225.00")
        assert state(b, "P1") == (D(5), D("75.00"))
        assert inventory_balance(b) == D("75.00")
        assert check_failures(b) == []


def test_odoo_average_price_by_weight(stock_store, owner):
    """test_00_average_price: kg; 10 @ 60, 30 @ 80 → 75; out 20; 0.5 kg at 200/kg (0.2 a gram) →
    20.5 kg at 78.05 (Odoo asserts the average rounded to 2 digits)."""
    with stock_store.transaction(owner) as b:
        product(b, "FLOUR", unit="kg")
        receive(b, "FLOUR", 10, 60)
        receive(b, "FLOUR", 30, 80)
        assert b.stock.valuation()[0].unit_cost == D("75")
        deliver(b, "FLOUR", 20)
        assert b.stock.valuation()[0].unit_cost == D("75")
        receive(b, "FLOUR", "0.5", 200)
        row = b.stock.valuation()[0]
        assert row.quantity == D("20.5") and row.value == D("1600.00")
        assert row.unit_cost.quantize(D("0.01")) == D("78.05")


@pytest.mark.parametrize("costs, total", [(("1.00", "1.00", "1.01"), D("3.01")),  # test_rounding_slv_1
                                          (("1.02", "1.00", "1.00"), D("3.02"))])  # test_rounding_slv_2
def test_odoo_the_last_units_out_take_what_is_left(stock_store, owner, costs, total):
    with stock_store.transaction(owner) as b:
        product(b, "R")
        for c in costs:
            receive(b, "R", 1, c)
        assert state(b, "R") == (D(3), total)
        out = deliver(b, "R", 3).moves[0]
        assert out.value == total  # Odoo: 3.00 plus a "Rounding Adjustment" of ∓0.01
        assert state(b, "R") == (D(0), D("0.00"))
        assert inventory_balance(b) == D("0.00")


def test_odoo_rounding_svl_3_thirds(stock_store, owner):
    """in 1000 @ 0.17, 800 @ 0.23 (354.00 for 1800: 0.19667 a unit); out 1000, out 800 → 0."""
    with stock_store.transaction(owner) as b:
        product(b, "SCREW")
        receive(b, "SCREW", 1000, "0.17")
        receive(b, "SCREW", 800, "0.23")
        first = deliver(b, "SCREW", 1000).moves[0]
        assert first.value == D("196.67")  # 354 × 1000 / 1800 = 196.666…, half-even to the cent
        second = deliver(b, "SCREW", 800).moves[0]
        assert second.value == D("157.33")  # all that is left
        assert state(b, "SCREW") == (D(0), D("0.00"))


def test_odoo_rounding_svl_4_seventy_small_deliveries(stock_store, owner):
    """in 2 @ 4.63, 5 @ 3.04 (24.46 for 7 kg) then 70 deliveries of 0.1 kg: nothing is stranded."""
    with stock_store.transaction(owner) as b:
        product(b, "SALT", unit="kg")
        receive(b, "SALT", 2, "4.63")
        receive(b, "SALT", 5, "3.04")
        assert b.stock.valuation()[0].unit_cost.quantize(D("0.01")) == D("3.49")
        taken = [deliver(b, "SALT", "0.1").moves[0].value for _ in range(70)]
        assert sum(taken) == D("24.46")
        assert all(v in (D("0.35"), D("0.34"), D("0.36")) for v in taken), set(taken)
        assert state(b, "SALT") == (D(0), D("0.00"))
        assert inventory_balance(b) == D("0.00")
        assert check_failures(b) == []


def test_erpnext_backdated_entry_in_the_middle(stock_store, owner, frozen_clock):
    """test_intermediate_average_batch_wise_valuation: created in the order yesterday +10, tomorrow
    +30, today +20, today −1, day after tomorrow −2. By date: the out of today is −15 (average
    of 10 and 20), the last out −45, and the shelf is empty at 0."""
    today = clock.today()
    day = dt.timedelta(days=1)
    with stock_store.transaction(owner) as b:
        product(b, "B")
        receive(b, "B", 1, 10, date=today - day)
        receive(b, "B", 1, 30, date=today + day)
        receive(b, "B", 1, 20, date=today)
        out_today = deliver(b, "B", 1, date=today).moves[0]
        assert out_today.value_delta == D("-15.00")
        last = deliver(b, "B", 2, date=today + 2 * day).moves[0]
        assert last.value_delta == D("-45.00")
        assert state(b, "B") == (D(0), D("0.00"))
        rows = b.stock.history("B").rows
        assert [r.value for r in rows] == [D("10.00"), D("20.00"), D("-15.00"), D("30.00"), D("-45.00")]
        assert [r.value_after for r in rows] == [D("10.00"), D("30.00"), D("15.00"), D("45.00"), D("0.00")]
        assert check_failures(b) == []


def test_erpnext_backdated_receipt_revalues_a_later_delivery(stock_store, owner, frozen_clock):
    """test_batch_wise_valuation_across_warehouse, its batch B0: 5 @ 10 in, 5 out at 10; then a
    receipt of 5 @ 20 dated the day before the out: the out is now worth 15 × 5 = 75 (ERPNext's
    re-read SVD −75), and its difference (25) is a revaluation of that move, dated on it, posted
    on an entry of its own."""
    today = clock.today()
    with stock_store.transaction(owner) as b:
        product(b, "T")
        receive(b, "T", 5, 10, date=today - dt.timedelta(days=3))
        out = deliver(b, "T", 5, date=today).moves[0]
        assert out.value == D("50.00")
        done = receive(b, "T", 5, 20, date=today - dt.timedelta(days=1))
        assert len(done.revaluations) == 1
        r = done.revaluations[0]
        assert (r.move_id, r.cause_id, r.date, r.value_delta) == (out.id, done.moves[0].id, today, D("-25.00"))
        entry = b.ledger.entry(r.entry_id)
        assert entry.entry.date == today
        by_account = {ln.account: ln.amount for ln in entry.lines}
        assert by_account == {"assets:inventory": D("-25.00"), "expenses:cost of goods sold": D("25.00")}
        assert b.stock.history("T").rows[-1].value == D("-75.00")
        assert state(b, "T") == (D(5), D("75.00"))  # what is left is worth the average, 15 a unit
        assert inventory_balance(b) == D("75.00")
        assert check_failures(b) == []


def test_a_transfer_keeps_value_and_posts_nothing(stock_store, owner):
    with stock_store.transaction(owner) as b:
        product(b, "X")
        receive(b, "X", 4, "2.50")
        done = b.stock.transfer("X", 3, from_location="Main", to_location="Back")
        m = done.moves[0]
        assert (m.qty_delta, m.value_delta, m.entry_id) == (D(0), D(0), None)
        assert {(r.location, r.on_hand) for r in b.stock.onhand("X")} == {("Main", D(1)), ("Back", D(3))}
        assert state(b, "X") == (D(4), D("10.00"))
        # the average is the product's, every location together: what leaves Back leaves at 2.50
        assert deliver(b, "X", 3, location="Back").moves[0].value == D("7.50")


def test_future_dated_moves_do_not_change_the_cost_of_today(stock_store, owner, frozen_clock):
    today = clock.today()
    with stock_store.transaction(owner) as b:
        product(b, "F")
        receive(b, "F", 10, 10, date=today - dt.timedelta(days=5))
        receive(b, "F", 10, 40, date=today + dt.timedelta(days=5))  # expected next week
        out = deliver(b, "F", 5, date=today).moves[0]
        assert out.value == D("50.00")  # at 10, not at the 25 the future receipt would make
        row = b.stock.products().rows[0]
        assert (row.on_hand, row.value) == (D(5), D("50.00"))  # today's stock, not next week's
        assert b.stock.total_value() == D("50.00")
        assert b.stock.total_value(as_of=today + dt.timedelta(days=5)) == D("450.00")


def test_post_many_keeps_post_entrys_rules(stock_store, owner, frozen_clock):
    """The bulk path backdated moves post their corrections through refuses what post_entry
    refuses: an unbalanced entry, more decimals than the currency has, a locked date."""
    from bizsuite.core.errors import Refused, ValidationFailed

    today = clock.today()
    with stock_store.transaction(owner) as b:
        inv, cogs = b.ledger.role_account("inventory").id, b.ledger.role_account("cogs").id
        b.ledger.lock(today - dt.timedelta(days=10))
    for entries, error in (
        ([(today, "x", [(inv, D("1.00")), (cogs, D("-0.99"))], None, None)], "does not balance"),
        ([(today, "x", [(inv, D("1.001")), (cogs, D("-1.001"))], None, None)], "more than 2 decimal places"),
        ([(today - dt.timedelta(days=20), "x", [(inv, D("1")), (cogs, D("-1"))], None, None)], "lock date"),
    ):
        with pytest.raises((ValidationFailed, Refused), match=error), stock_store.transaction(owner) as b:
            b.ledger.post_many(entries, source_kind="stock_revaluation")
    with stock_store.transaction(owner) as b:
        ids = b.ledger.post_many([(today, "fine", [(inv, D("2.50")), (cogs, D("-2.50"))], None, "ref")],
                                 source_kind="stock_revaluation")
        assert b.ledger.entry(ids[0]).entry.source_kind == "stock_revaluation"
        assert b.ledger.balance(inv) == D("2.50")

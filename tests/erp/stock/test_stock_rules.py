"""What stock refuses, each in one line with nothing written: negative stock now and at any past
date, fractions of whole units, unknown SKUs, moves into locked periods, a backdated move that
would re-value a move in a locked period; and what a count and a product's life look like."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from sqlalchemy import func, select

from stock_helpers import check_failures, deliver, product, receive, state

from bizsuite.core import clock
from bizsuite.core.errors import NotFound, Refused, ValidationFailed
from bizsuite.erp.stock.models import Move, MoveIn


def _moves(store, owner) -> int:
    with store.read(owner) as b:
        return b.session.scalar(select(func.count()).select_from(Move))


def test_taking_more_than_there_is_names_product_location_date_and_shortfall(stock_store, owner, frozen_clock):
    today = clock.today()
    with stock_store.transaction(owner) as b:
        product(b, "AB-1")
        receive(b, "AB-1", 3, 5)
    with pytest.raises(Refused) as e, stock_store.transaction(owner) as b:
        deliver(b, "AB-1", 5)
    assert str(e.value) == f"AB-1 at Main on {today}: 2 pcs short (on hand 3 pcs, taking 5 pcs)"
    with pytest.raises(Refused, match="AB-1 at Back on .*: 1 pcs short"), stock_store.transaction(owner) as b:
        b.stock.transfer("AB-1", 1, from_location="Back", to_location="Main")
    assert _moves(stock_store, owner) == 1


def test_a_backdated_delivery_may_not_make_past_stock_negative(stock_store, owner, frozen_clock):
    """3 in on day 1, 2 out on day 10: a delivery of 2 dated day 5 leaves 1 on day 5, −1 on day 10."""
    today = clock.today()
    d1, d5, d10 = (today - dt.timedelta(days=n) for n in (20, 15, 10))
    with stock_store.transaction(owner) as b:
        product(b, "K")
        receive(b, "K", 3, 4, date=d1)
        deliver(b, "K", 2, date=d10)
    with pytest.raises(Refused) as e, stock_store.transaction(owner) as b:
        deliver(b, "K", 2, date=d5)
    assert str(e.value).startswith(f"K at Main on {d10}: 1 pcs short — taking 2 pcs on {d5}")
    with stock_store.transaction(owner) as b:  # 1 is fine: 2 left on day 5, 0 on day 10
        deliver(b, "K", 1, date=d5)
        assert state(b, "K") == (D(0), D("0.00"))
        assert check_failures(b) == []


@pytest.mark.parametrize("qty, why", [("2.5", "quantity: 2.5 is not a whole number of pcs"),
                                      ("0", "quantity: must be more than zero, not 0"),
                                      ("-3", "quantity: must be more than zero, not -3"),
                                      ("1e3", "quantity: not a number: '1e3'"),
                                      ("٣", "quantity: not a number: '٣' (numbers are written with the digits 0-9)")])
def test_quantities_a_unit_cannot_hold_are_refused(stock_store, owner, qty, why):
    with stock_store.transaction(owner) as b:
        product(b, "W")
    with pytest.raises(ValidationFailed) as e, stock_store.transaction(owner) as b:
        b.stock.move("receipt", [MoveIn("W", qty, D(1))], source=("stock_adjustment", None))
    assert [f"{x.field}: {x.message}" for x in e.value.errors] == [why]
    assert _moves(stock_store, owner) == 0


def test_fractions_of_a_weighed_product_are_fine_to_its_decimals(stock_store, owner):
    with stock_store.transaction(owner) as b:
        product(b, "RICE", unit="kg")
        receive(b, "RICE", "2.125", "3.20")
        assert state(b, "RICE") == (D("2.125"), D("6.80"))
    with pytest.raises(ValidationFailed, match="more than 3 decimal places for kg"), stock_store.transaction(owner) as b:
        receive(b, "RICE", "0.0001", 1)


def test_unknown_sku_and_location(stock_store, owner):
    with pytest.raises(ValidationFailed) as e, stock_store.transaction(owner) as b:
        b.stock.move("receipt", [MoveIn("NOPE", 1, D(1))], source=("stock_adjustment", None))
    assert [x.message for x in e.value.errors] == ["unknown SKU 'NOPE'"]
    with stock_store.transaction(owner) as b:
        product(b, "W")
    with pytest.raises(ValidationFailed) as e, stock_store.transaction(owner) as b:
        b.stock.move("receipt", [MoveIn("W", 1, D(1), "Attic")], source=("stock_adjustment", None))
    [problem] = e.value.errors  # said on the location, where a form puts the cursor
    assert (problem.field, problem.message.split(" (")[0]) == ("location", "no location 'Attic'")
    with stock_store.transaction(owner) as b:
        b.stock.move("receipt", [MoveIn("W", 2, D(1))], source=("stock_adjustment", None))
    with pytest.raises(ValidationFailed) as e, stock_store.transaction(owner) as b:
        b.stock.move("transfer", [MoveIn("W", 1, None, "Main", to_location="Loft")], source=("stock_transfer", None))
    assert [(x.field, x.message.split(" (")[0]) for x in e.value.errors] == [("to", "no location 'Loft'")]


def test_skus_are_one_product_whatever_the_case(stock_store, owner):
    with stock_store.transaction(owner) as b:
        product(b, "ab-7", name="小部件")
        assert b.stock.product("AB-7").name == "小部件"
    with pytest.raises(ValidationFailed, match="sku: AB-7 is already the SKU of 小部件"), \
            stock_store.transaction(owner) as b:
        product(b, "AB-7")


def test_a_move_into_a_locked_period_is_refused(stock_store, owner, frozen_clock):
    today = clock.today()
    with stock_store.transaction(owner) as b:
        product(b, "L")
        b.ledger.lock(today - dt.timedelta(days=30))
    with pytest.raises(Refused) as e, stock_store.transaction(owner) as b:
        receive(b, "L", 1, 1, date=today - dt.timedelta(days=40))
    assert str(e.value) == (f"the move's date {today - dt.timedelta(days=40)} is on or before the lock date "
                            f"{today - dt.timedelta(days=30)}; nothing may be posted there")
    assert _moves(stock_store, owner) == 0


def test_a_backdated_move_after_the_lock_date_revalues_only_what_is_open(stock_store, owner, frozen_clock):
    """A move dated in the past can only re-value moves dated after it, so never one in a locked
    period (those dates are before the lock date, and so is any move that could change them: it
    is refused for its own date). 2 in at 10; 1 out on a day now locked; 1 out today; then 1 in at
    40 dated just after the lock date: today's delivery is re-valued (10 → 25), the locked one not."""
    today = clock.today()
    d_old, d_out, d_lock = today - dt.timedelta(days=60), today - dt.timedelta(days=40), today - dt.timedelta(days=30)
    with stock_store.transaction(owner) as b:
        product(b, "Z")
        receive(b, "Z", 2, 10, date=d_old)
        locked = deliver(b, "Z", 1, date=d_out).moves[0]
        late = deliver(b, "Z", 1, date=today).moves[0]
        b.ledger.lock(d_lock)
    with stock_store.transaction(owner) as b:
        done = receive(b, "Z", 1, 40, date=d_lock + dt.timedelta(days=1))
        assert [(r.move_id, r.date, r.value_delta) for r in done.revaluations] == [(late.id, today, D("-15.00"))]
        assert [r.value for r in b.stock.history("Z").rows if r.move_id == locked.id] == [D("-10.00")]
        assert state(b, "Z") == (D(1), D("25.00"))
        assert check_failures(b) == []


def test_a_count_sets_what_is_there(stock_store, owner):
    with stock_store.transaction(owner) as b:
        product(b, "C")
        receive(b, "C", 10, 2)
        done = b.stock.adjust("C", to=7, reason="count")
        m = done.moves[0]
        assert (m.qty_delta, m.value_delta, m.reason) == (D(-3), D("-6.00"), "count (counted 7 pcs)")
        entry = b.ledger.entry(m.entry_id)
        assert {ln.account: ln.amount for ln in entry.lines} == {
            "assets:inventory": D("-6.00"), "expenses:inventory adjustments": D("6.00")}
    with pytest.raises(Refused, match="C at Main is already 7 pcs"), stock_store.transaction(owner) as b:
        b.stock.adjust("C", to=7, reason="count")
    with pytest.raises(ValidationFailed, match="reason"), stock_store.transaction(owner) as b:
        b.stock.adjust("C", by=1, reason="")


def test_a_count_stays_what_was_counted(stock_store, owner, frozen_clock):
    """frappe/erpnext#54295: 41 in, counted 1 on day 10 (a loss of 40), then a receipt of 41 dated
    day 5 — ERPNext then shows 42 where 1 was counted. Here a move dated before a later count of
    the same product at the same location is refused, with the count named; one at another
    location, or dated on or after the count, is fine."""
    today = clock.today()
    d1, d5, d10 = (today - dt.timedelta(days=n) for n in (20, 15, 10))
    with stock_store.transaction(owner) as b:
        product(b, "CNT")
        receive(b, "CNT", 41, 1, date=d1)
        count = b.stock.adjust("CNT", to=1, reason="count", date=d10).moves[0]
        assert (count.qty_delta, count.counted) == (D(-40), D(1))
    with pytest.raises(Refused) as e, stock_store.transaction(owner) as b:
        receive(b, "CNT", 41, 1, date=d5)
    assert str(e.value) == (f"CNT at Main was counted on {d10} (move #{count.id}); a move dated {d5}, before the "
                            f"count, would change what was counted — date it on or after {d10}, or count again")
    with stock_store.transaction(owner) as b:
        receive(b, "CNT", 5, 1, date=d5, location="Back")
        receive(b, "CNT", 41, 1, date=d10)
        assert {(r.location, r.on_hand) for r in b.stock.onhand("CNT")} == {("Main", D(42)), ("Back", D(5))}


def test_adjusting_in_with_no_stock_needs_a_unit_cost(stock_store, owner):
    with stock_store.transaction(owner) as b:
        product(b, "N")
    with pytest.raises(Refused, match="no stock on .* to take an average cost from"), \
            stock_store.transaction(owner) as b:
        b.stock.adjust("N", by=2, reason="found")
    with stock_store.transaction(owner) as b:
        b.stock.adjust("N", by=2, reason="found", unit_cost="1.25")
        assert state(b, "N") == (D(2), D("2.50"))


def test_a_product_with_moves_is_deactivated_not_deleted(stock_store, owner):
    with stock_store.transaction(owner) as b:
        product(b, "OLD")
        product(b, "NEW")
        receive(b, "OLD", 1, 1)
    with pytest.raises(Refused, match="OLD has stock moves, so it stays in the books; deactivate it"), \
            stock_store.transaction(owner) as b:
        b.stock.delete_product("OLD")
    with stock_store.transaction(owner) as b:
        b.stock.delete_product("NEW")
        b.stock.set_active("OLD", False)
        assert [r.sku for r in b.stock.products().rows] == []
        assert [r.sku for r in b.stock.products(include_inactive=True).rows] == ["OLD"]
    with pytest.raises(NotFound), stock_store.transaction(owner) as b:
        b.stock.product("NEW")


def test_moves_never_change_in_the_database(stock_store, owner):
    from sqlalchemy import text
    from sqlalchemy.exc import DatabaseError

    with stock_store.transaction(owner) as b:
        product(b, "G")
        receive(b, "G", 1, 1)
    for statement in ("UPDATE stock_moves SET quantity = 20000", "DELETE FROM stock_moves"):
        with pytest.raises(DatabaseError, match="stock moves never change"):
            with stock_store.engine.begin() as conn:
                conn.execute(text(statement))

"""Purchase orders through the repository, on SQLite and PostgreSQL: the lifecycle, receipts into
stock, bills matched against receipts (3-way), price differences, payments, the ledger after each."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from purchasing_helpers import D, written

from bizsuite.core.auth import Actor
from bizsuite.core.errors import PermissionDenied, Refused

DAY = dt.date(2026, 3, 2)


def balances(b) -> dict[str, Decimal]:
    return {r.account: r.balance for r in b.ledger.trial_balance()}


def role_balance(b, role: str) -> Decimal:
    name = b.ledger.role_account(role).name
    return balances(b).get(name, Decimal("0.00"))


def new_po(b, *lines, confirm=True, date=DAY):
    o = b.purchasing.create("Acme Supplies", list(lines), date=date)
    return b.purchasing.confirm(o.number) if confirm else o


def checks_pass(store, owner):
    with store.read(owner) as b:
        bad = [(r.name, r.detail) for r in b.admin.check() if not r.ok]
    assert bad == []


def test_an_order_goes_from_draft_to_closed_and_grni_ends_at_zero(pstore, owner):
    with pstore.transaction(owner) as b:
        o = new_po(b, "A-1 10 10", "K-1 2.5 4", confirm=False)
        assert (o.number, o.status, o.total) == ("PO-00001", "draft", D("123.00"))  # 113.00 + 10.00
        a1 = b.stock.product("A-1").id
        assert b.stock.on_order([a1]).get(a1, 0) == 0  # a draft is not on order
        o = b.purchasing.confirm("po-1")
        assert o.status == "confirmed" and b.stock.on_order([a1])[a1] == D(10)
    with pstore.transaction(owner) as b:
        done = b.purchasing.receive("PO-00001", ["A-1 4"], date=DAY)
        assert done.order.status == "partially_received"
        assert b.stock.product("A-1").on_hand == D(4) and b.stock.on_order([a1])[a1] == D(6)
        assert role_balance(b, "inventory") == D("40.00") and role_balance(b, "grni") == D("-40.00")
        moves = b.stock.history("A-1").rows
        assert [(m.kind, m.quantity, m.document) for m in moves] == [("receipt", D(4), "PO-00001")]
    with pstore.transaction(owner) as b:
        done = b.purchasing.receive("PO-00001", date=DAY)  # no lines: everything still due
        assert done.order.status == "received" and [ln.due for ln in done.order.lines] == [0, 0]
        assert role_balance(b, "grni") == D("-110.00")
        bill = b.purchasing.bill("PO-00001", supplier_ref="INV-1", date=DAY)
        assert (bill.number, bill.net, bill.tax, bill.total) == ("BILL-00001", D("110.00"), D("13.00"), D("123.00"))
        o = b.purchasing.order("PO-00001")
        assert o.status == "closed"
        assert role_balance(b, "grni") == D("0.00")
        assert role_balance(b, "payable") == D("-123.00") and role_balance(b, "input_tax") == D("13.00")
    checks_pass(pstore, owner)


def test_a_receipt_billed_in_three_parts_clears_exactly_its_value_from_grni(pstore, owner):
    """3 kg at 3.333 came in worth 10.00 (9.999 rounded once); three bills of 1 kg clear
    3.33 + 3.34 + 3.33 of GRNI (shares of the receipt's value), so GRNI ends at exactly zero and
    the cent the bills' own rounding loses (3 × 3.33 = 9.99) is a price difference."""
    with pstore.transaction(owner) as b:
        new_po(b, "K-1 3 3.333")
        b.purchasing.receive("PO-00001", date=DAY)
        assert role_balance(b, "grni") == D("-10.00")
        cleared = []
        for n in range(3):
            bill = b.purchasing.bill("PO-00001", supplier_ref=f"K{n}", lines=["K-1 1"], date=DAY)
            cleared.append(bill.net)
        assert cleared == [D("3.33")] * 3
        assert role_balance(b, "grni") == D("0.00")
        assert role_balance(b, "price_difference") == D("-0.01")
        assert b.purchasing.order("PO-00001").status == "closed"
    checks_pass(pstore, owner)


def test_a_bill_at_another_price_posts_the_difference_and_leaves_inventory_at_the_receipt_price(pstore, owner):
    """PO 10 @ 10.00 (tax 13%), received, billed 10 @ 12.00: Dr GRNI 100.00, Dr price difference
    20.00, Dr input tax 15.60 / Cr AP 135.60; inventory stays 100.00 = the stock valuation."""
    with pstore.transaction(owner) as b:
        new_po(b, "A-1 10 10")
        b.purchasing.receive("PO-00001", date=DAY)
        bill = b.purchasing.bill("PO-00001", supplier_ref="INV-9", lines=["A-1 10 12"], date=DAY)
        assert (bill.net, bill.tax, bill.total) == (D("120.00"), D("15.60"), D("135.60"))
        entry = b.ledger.entries_for_source("supplier_bill", bill.id)[0]
        lines = {ln.account: ln.amount for ln in b.ledger.entry(entry.id).lines}
        assert lines == {"liabilities:goods received not invoiced": D("100.00"),
                         "expenses:purchase price differences": D("20.00"),
                         "assets:input tax recoverable": D("15.60"),
                         "liabilities:accounts payable": D("-135.60")}
        assert role_balance(b, "inventory") == D("100.00") == b.stock.total_value()
        assert role_balance(b, "grni") == D("0.00")
    checks_pass(pstore, owner)


def test_billing_two_when_one_was_received_is_refused_and_the_bill_is_never_rewritten(pstore, owner):
    """odoo/odoo#250925: PO for 2, 1 received, a bill for 2 at the same price was taken as a full
    match and its quantity silently rewritten to 1. Here it is refused, line by line."""
    with pstore.transaction(owner) as b:
        new_po(b, "A-1 2 10")
        b.purchasing.receive("PO-00001", ["A-1 1"], date=DAY)
    before = written(pstore)
    with pytest.raises(Refused) as exc:
        with pstore.transaction(owner) as b:
            b.purchasing.bill("PO-00001", supplier_ref="V-2", lines=["A-1 2 10"], date=DAY)
    assert exc.value.problems == ["line 1: A-1: billing 2 pcs is more than the 1 pcs received and not yet billed "
                                  "on PO-00001 (ordered 2 pcs, received 1 pcs, billed 0 pcs)"]
    assert written(pstore) == before
    with pstore.transaction(owner) as b:
        bill = b.purchasing.bill("PO-00001", supplier_ref="V-2", lines=["A-1 1 10"], date=DAY)
        assert bill.total == D("11.30")
        o = b.purchasing.order("PO-00001")
        assert [(ln.ordered, ln.received, ln.billed) for ln in o.lines] == [(D(2), D(1), D(1))]
        assert o.status == "partially_received"
        with pytest.raises(Refused, match="nothing received is left to bill"):
            b.purchasing.bill("PO-00001", supplier_ref="V-3", date=DAY)


def test_payments_in_parts_never_more_than_owed(pstore, owner):
    with pstore.transaction(owner) as b:
        new_po(b, "A-1 10 10")
        b.purchasing.receive("PO-00001", date=DAY)
        bill = b.purchasing.bill("PO-00001", supplier_ref="INV-1", date=DAY)  # 113.00
        p1 = b.purchasing.pay(bill.number, "13.01", date=DAY)
        assert (p1.number, p1.amount, p1.owed) == ("PAY-00001", D("13.01"), D("99.99"))
        with pytest.raises(Refused, match=r"amount: 100.00 is more than BILL-00001 still owes \(99.99\)"):
            b.purchasing.pay(bill.number, "100", date=DAY)
        p2 = b.purchasing.pay(bill.id, date=DAY)  # the rest
        assert (p2.amount, p2.owed) == (D("99.99"), D("0.00"))
        with pytest.raises(Refused, match="paid in full"):
            b.purchasing.pay(bill.number, "1", date=DAY)
        assert role_balance(b, "payable") == D("0.00")
        assert role_balance(b, "bank") == D("-113.00")
        o = b.purchasing.order("PO-00001")
        assert (o.billed, o.paid, o.owed) == (D("113.00"), D("113.00"), D("0.00"))
        assert [ln.paid for ln in o.lines] == [D("113.00")]
    checks_pass(pstore, owner)


def test_payments_are_spread_over_a_bills_lines_by_amount(pstore, owner):
    with pstore.transaction(owner) as b:
        new_po(b, "A-1 1 10", "K-1 1 20")  # 11.30 + 20.00 = 31.30
        b.purchasing.receive("PO-00001", date=DAY)
        bill = b.purchasing.bill("PO-00001", supplier_ref="INV-1", date=DAY)
        b.purchasing.pay(bill.number, "10", date=DAY)
        o = b.purchasing.order("PO-00001")
        paid = [ln.paid for ln in o.lines]
        assert sum(paid) == D("10.00")
        assert paid == [D("3.61"), D("6.39")]  # 10 × 11.30/31.30 = 3.610…


def test_cancel_only_while_nothing_is_received(pstore, owner):
    with pstore.transaction(owner) as b:
        new_po(b, "A-1 10 10")
        new_po(b, "A-1 3 10")
        assert b.purchasing.cancel("PO-00002").status == "cancelled"
        b.purchasing.receive("PO-00001", ["A-1 1"], date=DAY)
        with pytest.raises(Refused, match=r"PO-00001 has receipts \(A-1 1 pcs received\)"):
            b.purchasing.cancel("PO-00001")
        with pytest.raises(Refused, match="cancelled; nothing can be received"):
            b.purchasing.receive("PO-00002", date=DAY)


def test_over_receipt_needs_a_reason_and_can_then_be_billed(pstore, owner):
    with pstore.transaction(owner) as b:
        new_po(b, "A-1 10 10")
        with pytest.raises(Refused, match=r"receiving 12 pcs is more than the 10 pcs still due .* give the reason \(over\)"):
            b.purchasing.receive("PO-00001", ["A-1 12"], date=DAY)
        done = b.purchasing.receive("PO-00001", ["A-1 12"], date=DAY, over="the supplier sent a full carton")
        assert done.order.status == "received"
        a1 = b.stock.product("A-1")
        assert a1.on_hand == D(12) and b.stock.on_order([a1.id]).get(a1.id, 0) == 0
        b.purchasing.bill("PO-00001", supplier_ref="INV-1", date=DAY)
        assert b.purchasing.order("PO-00001").status == "closed"
    checks_pass(pstore, owner)


def test_reorder_suggestions_count_what_is_on_order_and_list_products_without_supplier(pstore, owner):
    with pstore.transaction(owner) as b:
        rows, made = b.purchasing.suggest()
        assert [(s.sku, s.quantity, s.supplier) for s in rows] == [("A-1", D(20), "Acme Supplies"), ("N-1", D(2), None)]
        assert made == []
        rows, made = b.purchasing.suggest(create=True)
        assert [(o.number, o.status, [(ln.sku, ln.ordered) for ln in o.lines]) for o in made] == \
            [("PO-00001", "draft", [("A-1", D(20))])]
        rows, _ = b.purchasing.suggest()  # the draft counts: A-1 is not suggested twice
        assert [s.sku for s in rows] == ["N-1"]
        b.purchasing.confirm("PO-00001")
        b.purchasing.receive("PO-00001", ["A-1 18"])  # today (the draft's date): 18 on hand, 2 on order: above 5
        rows, _ = b.purchasing.suggest()
        assert [s.sku for s in rows] == ["N-1"]


def test_a_suggestion_orders_at_the_last_price_paid_and_at_least_up_to_the_point(pstore, owner):
    with pstore.transaction(owner) as b:
        new_po(b, "A-1 1 7.25")
        b.purchasing.receive("PO-00001", date=DAY)
        b.purchasing.bill("PO-00001", supplier_ref="X", date=DAY)
        rows, _ = b.purchasing.suggest()  # 1 on hand ≤ 5: reorder 20
        a1 = next(s for s in rows if s.sku == "A-1")
        assert (a1.on_hand, a1.on_order, a1.quantity, a1.unit_price) == (D(1), D(0), D(20), D("7.25"))


def test_the_last_price_is_the_latest_order_s_and_a_cancelled_order_does_not_set_it(pstore, owner):
    with pstore.transaction(owner) as b:
        new_po(b, "A-1 1 9.00", date=DAY + dt.timedelta(days=1))  # the latest order, ordered first
        b.purchasing.receive("PO-00001", date=DAY + dt.timedelta(days=1))
        new_po(b, "A-1 1 7.25", date=DAY)  # entered later, dated earlier: not the latest
        b.purchasing.receive("PO-00002", date=DAY + dt.timedelta(days=1))
        new_po(b, "A-1 1 99", date=DAY + dt.timedelta(days=2), confirm=False)
        b.purchasing.cancel("PO-00003")
        rows, _ = b.purchasing.suggest()
        prices = {s.sku: s.unit_price for s in rows}
        assert prices["A-1"] == D("9.00")
        (n1,) = b.stock.products(search="N-1").rows  # never ordered: its average cost
        assert prices["N-1"] == n1.unit_cost


def test_a_sold_out_product_never_ordered_is_suggested_at_the_cost_it_last_moved_at(pstore, owner):
    """Nothing on hand, so no average: not a price of 0.00 but the cost of its last move."""
    with pstore.transaction(owner) as b:
        b.stock.adjust("N-1", to="4", reason="found", unit_cost="1.10", date=DAY)
        b.stock.adjust("N-1", to="6", reason="found", unit_cost="1.70", date=DAY)  # average 1.30
        b.stock.adjust("N-1", to="0", reason="sold out", date=DAY + dt.timedelta(days=1))
        (n1,) = [s for s in b.purchasing.suggest()[0] if s.sku == "N-1"]
        assert n1.on_hand == 0 and n1.unit_price == D("1.30")
        (row,) = b.stock.products(search="N-1").rows
        assert row.unit_cost == 0  # what the fallback would have been


def test_ap_aging_by_due_date(pstore, owner):
    with pstore.transaction(owner) as b:
        new_po(b, "A-1 10 10", date=dt.date(2026, 1, 1))
        b.purchasing.receive("PO-00001", date=dt.date(2026, 1, 1))
        for n, (due, qty) in enumerate([("2026-03-31", 1), ("2026-03-01", 2), ("2026-01-30", 3), ("2026-01-20", 4)]):
            b.purchasing.bill("PO-00001", supplier_ref=f"R{n}", lines=[f"A-1 {qty}"], date="2026-01-05", due=due)
        b.purchasing.pay("BILL-00002", "1.00", date="2026-03-10")
        b.purchasing.pay("BILL-00004", "5.00", date="2026-04-10")  # after the as-of date: still owed then
        (row,) = b.purchasing.aging(as_of="2026-03-31")
        # days late on 03-31: 0 (current), 30, 60, 70
        assert (row.supplier, row.current, row.d1_30, row.d31_60, row.d61_90, row.d90_plus) == \
            ("Acme Supplies", D("11.30"), D("21.60"), D("33.90"), D("45.20"), D("0.00"))
        assert row.total == D("112.00")
        (later,) = b.purchasing.aging(as_of="2026-07-01")
        assert later.d90_plus == later.total == D("107.00")  # 92 days and more past every due date
        assert b.purchasing.aging(as_of="2026-01-04") == []  # no bill yet


def test_a_suppliers_page_gets_orders_open_bills_and_what_we_owe(pstore, owner):
    with pstore.transaction(owner) as b:
        new_po(b, "A-1 10 10")
        new_po(b, "K-1 1 5", confirm=False)
        b.purchasing.receive("PO-00001", date=DAY)
        b.purchasing.bill("PO-00001", supplier_ref="I1", lines=["A-1 4"], date=DAY)  # 45.20
        b.purchasing.bill("PO-00001", supplier_ref="I2", lines=["A-1 6"], date=DAY)  # 67.80
        b.purchasing.pay("BILL-00001", date=DAY)
        s = b.purchasing.supplier_summary(1)
        assert [o.number for o in s.orders] == ["PO-00002", "PO-00001"]
        assert [x.number for x in s.open_bills] == ["BILL-00002"]
        assert s.owed == D("67.80") == -role_balance(b, "payable")



def test_the_supplier_page_asks_for_open_orders_and_a_few_bills_but_owes_them_all(pstore, owner):
    with pstore.transaction(owner) as b:
        new_po(b, "A-1 10 10")
        new_po(b, "K-1 1 5", confirm=False)
        new_po(b, "A-1 1 10")
        b.purchasing.cancel("PO-00003")
        b.purchasing.receive("PO-00001", date=DAY)
        b.purchasing.bill("PO-00001", supplier_ref="I1", lines=["A-1 4"], date=DAY)  # 45.20
        b.purchasing.bill("PO-00001", supplier_ref="I2", lines=["A-1 6"], date=DAY, due="2026-03-05")  # 67.80
        s = b.purchasing.supplier_summary(1, open_only=True, limit=1)
        assert [o.number for o in s.orders] == ["PO-00002"]  # PO-00003 is cancelled; the limit keeps one
        assert [(x.number, x.order) for x in s.open_bills] == [("BILL-00002", "PO-00001")]  # due first
        assert s.owed == D("113.00") == -role_balance(b, "payable")  # both bills, not just the one listed
        assert s.orders[0].expected is None


def test_orders_come_a_page_at_a_time_newest_first_with_the_count_of_the_filter(pstore, owner):
    with pstore.transaction(owner) as b:
        for n in range(5):
            new_po(b, "A-1 1 10", confirm=n % 2 == 0)
        b.purchasing.cancel("PO-00005")
        page = b.purchasing.orders_page(offset=1, limit=2)
        assert ([r.number for r in page.rows], page.total) == (["PO-00004", "PO-00003"], 5)
        page = b.purchasing.orders_page(status="open", limit=10)
        assert [r.number for r in page.rows] == ["PO-00004", "PO-00003", "PO-00002", "PO-00001"]
        assert page.total == 4
        assert b.purchasing.orders_page(status="draft", limit=0).total == 2
        assert [r.number for r in b.purchasing.orders(status="open")] == [r.number for r in page.rows]
        with pytest.raises(Refused, match="'nope' is not a status; statuses: open, draft"):
            b.purchasing.orders_page(status="nope")

def test_who_may_do_what(pstore, owner):
    with pstore.transaction(owner) as b:
        b.admin.add_user("wendy", "warehouse")
        b.admin.add_user("alice", "accountant")
        b.admin.add_user("sam", "sales")
        new_po(b, "A-1 10 10")
    wendy, alice, sam = Actor("wendy", "warehouse"), Actor("alice", "accountant"), Actor("sam", "sales")
    with pstore.transaction(wendy) as b:
        b.purchasing.receive("PO-00001", date=DAY)
    with pytest.raises(PermissionDenied):
        with pstore.transaction(wendy) as b:
            b.purchasing.bill("PO-00001", supplier_ref="X", date=DAY)
    with pytest.raises(PermissionDenied):
        with pstore.transaction(alice) as b:
            b.purchasing.receive("PO-00001", ["A-1 1"], date=DAY, over="test")
    with pstore.transaction(alice) as b:
        bill = b.purchasing.bill("PO-00001", supplier_ref="X", date=DAY)
        b.purchasing.pay(bill.number, date=DAY)
    with pytest.raises(PermissionDenied):
        with pstore.read(sam) as b:
            b.purchasing.order("PO-00001")
    checks_pass(pstore, owner)


def test_a_receipt_dated_in_a_locked_period_is_refused_and_writes_nothing(pstore, owner):
    with pstore.transaction(owner) as b:
        new_po(b, "A-1 10 10", date=dt.date(2026, 1, 2))
        b.ledger.lock("2026-01-31")
    before = written(pstore)
    with pytest.raises(Refused, match="on or before the lock date 2026-01-31"):
        with pstore.transaction(owner) as b:
            b.purchasing.receive("PO-00001", date="2026-01-15")
    assert written(pstore) == before


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_partial_receipts_and_bills_leave_grni_at_zero_once_all_is_billed(sqlite_store, owner_name, seed):
    """Seeded random orders (awkward prices, kg and pcs), received in random parts on random days,
    billed in random parts at random prices: after each step purchasing's GRNI is the value
    received and not yet billed (check), and once every unit is billed GRNI is exactly zero and
    the price differences are what the bills charged beyond the receipts' value."""
    import random

    from bizsuite.crm.contacts.models import ContactIn
    from bizsuite.erp.stock.models import ProductIn

    rng = random.Random(seed)
    store = sqlite_store
    owner = store.actor_for(owner_name)
    with store.transaction(owner) as b:
        b.ledger.load_chart("standard")
        b.contacts.add(ContactIn(name="Acme Supplies", kind="company", roles=["supplier"]))
        for n in range(4):
            b.stock.add_product(ProductIn(sku=f"P{n}", name=f"P{n}", unit="kg" if n % 2 else "pcs",
                                          tax_rate=rng.choice(["0", "13", "8.875"])))
    for n in range(3):
        with store.transaction(owner) as b:
            lines = []
            for p in rng.sample(range(4), rng.randint(1, 3)):
                qty = rng.randint(2, 30) if p % 2 == 0 else D(rng.randint(1000, 9999)) / 1000
                lines.append(f"P{p} {qty} {D(rng.randint(1, 999999)) / 10000}")
            o = b.purchasing.create("Acme Supplies", lines, date="2026-01-01")
            b.purchasing.confirm(o.number)
        refs = 0
        while True:
            with store.transaction(owner) as b:
                view = b.purchasing.order(o.number)
                due = [ln for ln in view.lines if ln.due > 0]
                unbilled = [ln for ln in view.lines if ln.received > ln.billed]
                if not due and not unbilled:
                    break
                if due and (not unbilled or rng.random() < 0.5):
                    ln = rng.choice(due)
                    part = ln.due if rng.random() < 0.4 else max(
                        (ln.due * D(rng.randint(1, 9)) / 10).quantize(D(1) if ln.unit == "pcs" else D("0.001")),
                        D(1) if ln.unit == "pcs" else D("0.001"))
                    b.purchasing.receive(o.number, [f"{ln.sku} {min(part, ln.due)}"],
                                         date=f"2026-01-{rng.randint(2, 28):02d}")
                else:
                    ln = rng.choice(unbilled)
                    open_ = ln.received - ln.billed
                    part = open_ if rng.random() < 0.5 else max(
                        (open_ / 2).quantize(D(1) if ln.unit == "pcs" else D("0.001")),
                        D(1) if ln.unit == "pcs" else D("0.001"))
                    price = ln.unit_price + D(rng.randint(-500, 500)) / 1000
                    refs += 1
                    b.purchasing.bill(o.number, supplier_ref=f"{o.number}-{refs}",
                                      lines=[f"{ln.sku} {min(part, open_)} {max(price, D(0))}"], date="2026-02-01")
            checks_pass(store, owner)
    with store.read(owner) as b:
        assert role_balance(b, "grni") == D("0.00")
        from bizsuite.erp.purchasing.models import BillLine, ReceiptLine
        from sqlalchemy import func, select
        nets = b.session.scalar(select(func.sum(BillLine.net)))
        values = b.session.scalar(select(func.sum(ReceiptLine.value)))
        assert role_balance(b, "price_difference") == nets - values
        assert role_balance(b, "inventory") == values == b.stock.total_value()
        assert all(o.status == "closed" for o in b.purchasing.orders())
        assert b.session.scalar(select(func.count()).where(BillLine.difference != 0)) > 0  # not vacuous
        assert b.session.scalar(select(func.count()).select_from(ReceiptLine)) > 3  # parts, not wholes


def test_a_backdated_receipt_revalues_later_moves_and_the_books_still_agree(pstore, owner):
    with pstore.transaction(owner) as b:
        new_po(b, "A-1 10 10", date=dt.date(2026, 3, 1))
        new_po(b, "A-1 10 20", date=dt.date(2026, 3, 1))
        b.purchasing.receive("PO-00001", date="2026-03-02")
        b.stock.adjust("A-1", by="-5", reason="breakage", date="2026-03-10")  # 5 at 10.00
        b.purchasing.receive("PO-00002", date="2026-03-05")  # before the adjustment: average 15 from then
        history = b.stock.history("A-1").rows
        assert [(h.kind, h.value) for h in history] == [("receipt", D("100.00")), ("receipt", D("200.00")),
                                                        ("adjustment", D("-75.00"))]
        assert role_balance(b, "grni") == D("-300.00") and role_balance(b, "inventory") == D("225.00")
    checks_pass(pstore, owner)

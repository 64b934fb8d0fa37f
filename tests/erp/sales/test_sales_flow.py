"""From a deal to cash, on SQLite and PostgreSQL: every figure worked out by hand in the comments,
the ledger's too, and ``bizsuite check`` after."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from sqlalchemy import select

from bizsuite.core.errors import PermissionDenied, Refused, ValidationFailed
from bizsuite.erp.stock.models import MoveIn


def fields(exc: ValidationFailed) -> dict[str, str]:
    return {e.field: e.message for e in exc.errors}


def ledger_lines(b, source_kind: str) -> list[tuple[str, D]]:
    """(the account's role, amount) of every line the documents of one kind posted, in order."""
    from bizsuite.erp.ledger.models import Entry, Line

    role = {a.id: r for r, a in b.ledger.role_accounts().items() if a is not None}
    q = (select(Line.account_id, Line.amount).join(Entry, Entry.id == Line.entry_id)
         .where(Entry.source_kind == source_kind).order_by(Line.id))
    return [(role.get(i, f"#{i}"), a) for i, a in b.session.execute(q)]


def checks_fail(b) -> list:
    return [(c.name, c.detail) for c in b.admin.check() if not c.ok]


def test_a_won_deal_becomes_an_order_a_delivery_an_invoice_and_a_payment(sstore, owner):
    with sstore.transaction(owner) as b:
        deal = b.pipeline.add("Tea shop fit-out", customer="王小明", amount="200", stage="proposal")
        # 8 × 10.00 less 10 % = 72.00, tax 13 % = 9.36; K-1: 4 kg × 2.40 less 10 % = 8.64, no tax
        q = b.sales.create(None, ["A-1 8", "K-1 4 2.40"], deal=deal.number, discount="10", date="2026-03-02")
        assert (q.number, q.status, q.customer, q.deal, q.net, q.tax, q.total, q.warnings) == \
            ("SO-00001", "quotation", "王小明", "D-00001", D("80.64"), D("9.36"), D("90.00"), [])
        assert [(v.sku, v.net, v.tax, v.available) for v in q.lines] == [("A-1", D("72.00"), D("9.36"), D(10)),
                                                                       ("K-1", D("8.64"), D("0.00"), D(20))]
        o = b.sales.confirm(q.number)
        assert (o.status, [v.reserved for v in o.lines], [v.available for v in o.lines]) == \
            ("confirmed", [D(8), D(4)], [D(2), D(16)])
        assert b.pipeline.deal(deal.number).status == "won"
        assert b.contacts.get(2).is_customer  # the lead who ordered is a customer
        other = b.sales.create("Acme Trading", ["A-1 5"], date="2026-03-02")  # only 2 are free
        assert other.warnings == ["line 1: A-1: 5 pcs asked, 2 pcs available"]

    with sstore.transaction(owner) as b:
        d = b.sales.deliver("SO-00001", ["A-1 5"], date="2026-03-03")  # 5 at the average 4.00 = 20.00
        assert (d.order.status, [v.to_deliver for v in d.order.lines]) == ("partially_delivered", [D(3), D(4)])
        b.stock.move("receipt", [MoveIn("A-1", D(10), D(7))], date="2026-03-04", source=("stock_adjustment", None))
        d = b.sales.deliver("SO-00001", date="2026-03-05")  # the rest: A-1 3 at (5 × 4 + 10 × 7) / 15 = 6.00
        assert d.order.status == "delivered"
        from bizsuite.erp.sales.models import DeliveryLine

        assert [x.value for x in b.session.scalars(select(DeliveryLine).order_by(DeliveryLine.id))] == \
            [D("20.00"), D("18.00"), D("4.00")]
        assert ledger_lines(b, "sales_delivery")[:2] == [("inventory", D("-20.00")), ("cogs", D("20.00"))]

    with sstore.transaction(owner) as b:
        inv = b.sales.invoice("SO-00001", date="2026-03-05")
        assert (inv.number, inv.total, inv.due, inv.settled) == ("INV-00001", D("90.00"), dt.date(2026, 4, 4), D(0))
        assert sorted(ledger_lines(b, "sales_invoice")) == sorted([
            ("receivable", D("90.00")), ("sales", D("-72.00")), ("sales", D("-8.64")),
            ("tax_payable", D("-9.36"))])
        with pytest.raises(Refused, match="SO-00001: nothing delivered is left to invoice"):
            b.sales.invoice("SO-00001")
        p1 = b.sales.pay("王小明", "50", date="2026-03-10")
        assert (p1.allocations, p1.credit) == ([("INV-00001", D("50.00"))], D("0.00"))
        p2 = b.sales.pay("#2", "60.00", date="2026-03-20", ref="cheque 1234")
        assert (p2.number, p2.allocations, p2.credit) == ("PAY-00002", [("INV-00001", D("40.00"))], D("20.00"))
        assert b.sales.order("SO-00001").status == "closed"

    with sstore.transaction(owner) as b:
        # two widgets come back: 2 × 9.00 = 18.00 + 2.34 tax = 20.34, all of it credit (the invoice is paid);
        # they come back at what they went out at: the latest delivery's 6.00, 12.00 in all
        cn = b.sales.credit_note("INV-00001", ["A-1 2"], return_goods=True, date="2026-03-25", reason="chipped")
        assert (cn.number, cn.kind, cn.net, cn.tax, cn.total, cn.allocated, cn.returned) == \
            ("CN-00001", "return", D("18.00"), D("2.34"), D("20.34"), D("0.00"), [("A-1", D(2), "pcs")])
        assert ledger_lines(b, "sales_return") == [("inventory", D("12.00")), ("cogs", D("-12.00"))]
        o = b.sales.order("SO-00001")
        a1 = o.lines[0]
        assert (a1.delivered, a1.returned, a1.invoiced, a1.to_deliver, o.status) == (D(6), D(2), D(6), D(0), "closed")
        assert b.sales.balance("王小明") == {"owed": D("0.00"), "overdue": D("0.00"), "credit": D("40.34"),
                                             "balance": D("-40.34")}
        # a later order uses the credit: 4 × 10.00 + 5.20 = 45.20, less 20.34 (the credit note) and 20.00 (the payment)
        o2 = b.sales.create("王小明", ["A-1 4"], date="2026-04-01")
        b.sales.confirm(o2.number)
        b.sales.deliver(o2.number, date="2026-04-01")
        inv2 = b.sales.invoice(o2.number, date="2026-04-01")
        assert (inv2.number, inv2.total, inv2.settled, inv2.open) == ("INV-00002", D("45.20"), D("40.34"), D("4.86"))
        rows = {r.customer: r for r in b.sales.aging(as_of="2026-05-10")}  # due 2026-05-01: 9 days late
        assert (rows["王小明"].d1_30, rows["王小明"].total) == (D("4.86"), D("4.86"))
        rows = {r.customer: r for r in b.sales.aging(as_of="2026-03-21")}  # between: the 20.00 credit, current
        assert (rows["王小明"].current, rows["王小明"].total) == (D("-20.00"), D("-20.00"))
        recv = b.ledger.role_account("receivable")
        assert b.ledger.balance(recv.id, contact_id=2) == D("4.86")
    with sstore.read(owner) as b:  # the audit log is sealed at commit
        assert checks_fail(b) == []


def test_an_allowance_keeps_the_units_invoiced_and_a_cancelled_invoice_gives_them_back(sstore, owner):
    with sstore.transaction(owner) as b:
        o = b.sales.create("Acme Trading", ["A-1 3"], date="2026-03-02")  # 3 × 10.00 + 3.90 = 33.90
        b.sales.confirm(o.number)
        b.sales.deliver(o.number, date="2026-03-02")
        b.sales.invoice(o.number, date="2026-03-02")
        # damaged but kept: 1.50 off each of 2 — money only (odoo/odoo#37549's trap: the order is not "to invoice" again)
        cn = b.sales.credit_note("INV-00001", ["A-1 2 1.50"], date="2026-03-03")
        assert (cn.kind, cn.net, cn.tax, cn.total, cn.allocated, cn.returned) == \
            ("allowance", D("3.00"), D("0.39"), D("3.39"), D("3.39"), [])
        line = b.sales.order(o.number).lines[0]
        assert (line.delivered, line.invoiced, b.sales.order(o.number).status) == (D(3), D(3), "closed")
        with pytest.raises(Refused, match="nothing delivered is left to invoice"):
            b.sales.invoice(o.number)
        rest = b.sales.credit_note("INV-00001", date="2026-03-04")  # all of it still uncredited: 30.51, no cent lost
        assert (rest.net, rest.tax, rest.total) == (D("27.00"), D("3.51"), D("30.51"))
        with pytest.raises(Refused, match="everything on it is already credited"):
            b.sales.credit_note("INV-00001")

        o2 = b.sales.create("Acme Trading", ["K-1 2.5"], date="2026-03-05")  # 6.25, no tax
        b.sales.confirm(o2.number)
        b.sales.deliver(o2.number, date="2026-03-05")
        b.sales.invoice(o2.number, date="2026-03-05")
        c = b.sales.cancel_invoice("INV-00002", date="2026-03-05", reason="wrong customer")
        assert (c.kind, c.total) == ("cancel", D("6.25"))
        assert b.sales.order(o2.number).lines[0].invoiced == D(0)  # to invoice again
        with pytest.raises(Refused, match="INV-00002 is cancelled; it cannot be paid"):
            b.sales.pay("Acme Trading", "6.25", invoices=["INV-00002"])
        again = b.sales.invoice(o2.number, date="2026-03-06")
        assert (again.number, again.total) == ("INV-00003", D("6.25"))  # numbered without a gap
    with sstore.read(owner) as b:  # the audit log is sealed at commit
        assert checks_fail(b) == []


def test_returning_everything_settles_the_order_and_a_cancel_needs_the_goods_back_first(sstore, owner):
    """frappe/erpnext#57848: after a return its units are no longer wanted — neither to deliver nor to invoice."""
    with sstore.transaction(owner) as b:
        deal = b.pipeline.add("Flour", customer="Acme Trading", amount="25", stage="negotiation")
        o = b.sales.create(None, ["K-1 10"], deal=deal.number, date="2026-03-02")
        b.sales.confirm(o.number)
        b.sales.deliver(o.number, date="2026-03-02")
        with pytest.raises(Refused, match=r"SO-00001 has deliveries \(K-1 10 kg delivered\); return the goods first"):
            b.sales.cancel(o.number)
        b.sales.invoice(o.number, date="2026-03-02")
        b.sales.credit_note("INV-00001", return_goods=True, date="2026-03-04")
        view = b.sales.order(o.number)
        assert ([(v.delivered, v.returned, v.invoiced, v.to_deliver) for v in view.lines], view.status) == \
            ([(D(0), D(10), D(0), D(0))], "closed")
        with pytest.raises(Refused, match="SO-00001 is closed; nothing can be delivered on it"):
            b.sales.deliver(o.number)
        assert b.stock.product("K-1").on_hand == D(20)
    with sstore.read(owner) as b:  # the audit log is sealed at commit
        assert checks_fail(b) == []


def test_cancelling_an_order_releases_its_stock_and_reopens_its_deal(sstore, owner):
    with sstore.transaction(owner) as b:
        deal = b.pipeline.add("Widgets", customer="Acme Trading", amount="80", stage="negotiation")
        o = b.sales.create(None, ["A-1 8"], deal=deal.number)
        b.sales.confirm(o.number)
        assert (b.pipeline.deal(deal.number).status, b.sales.order(o.number).lines[0].available) == ("won", D(2))
        c = b.sales.cancel(o.number)
        assert (c.status, c.lines[0].available, c.lines[0].reserved) == ("cancelled", D(10), D(0))
        d = b.pipeline.deal(deal.number)
        assert (d.status, d.stage) == ("open", "negotiation")
        with pytest.raises(Refused, match="SO-00001 is cancelled; it cannot be cancelled"):
            b.sales.cancel(o.number)
        lost = b.pipeline.lost(b.pipeline.add("Gone", customer="#1", amount="5").number, reason="price")
        with pytest.raises(Refused, match="D-00002 is lost; reopen it first"):
            b.sales.create(None, ["A-1 1"], deal=lost.number)


def test_bad_input_names_the_field_and_writes_nothing(sstore, owner):
    with sstore.transaction(owner) as b:
        with pytest.raises(ValidationFailed) as e:
            b.sales.create("Parts Co", ["A-1 0", "A-1 2", "ZZ-9 1", "K-1 1.23456"], discount="120")
        assert fields(e.value) == {
            "customer": "Parts Co (#3) is neither a customer nor a lead; give the contact the customer role first",
            "discount": "must be a percentage from 0 to 100, not 120",
            "line 1: quantity": "must be more than zero, not 0",
            "line 2": "A-1 is already line 1; one line per product",
            "line 3": "unknown SKU 'ZZ-9'",
            "line 4: quantity": "1.23456 has more than 3 decimal places for kg",
        }
        assert b.sales.counts() == {"orders": 0, "invoices": 0}
        o = b.sales.create("Acme Trading", ["A-1 3"])
        with pytest.raises(Refused, match="is a quotation; confirm it first"):
            b.sales.deliver(o.number)
        with pytest.raises(Refused, match="quotation; there is nothing on it to invoice"):
            b.sales.invoice(o.number)
        b.sales.confirm(o.number)
        with pytest.raises(ValidationFailed, match="delivering 4 pcs is more than the 3 pcs still to deliver"):
            b.sales.deliver(o.number, ["A-1 4"])
        with pytest.raises(ValidationFailed, match="K-1 is not on SO-00001"):
            b.sales.deliver(o.number, ["K-1 1"])
        with pytest.raises(ValidationFailed, match="must be more than zero"):
            b.sales.pay("Acme Trading", "-5")


def test_short_stock_is_refused_unless_backorders_are_allowed_and_another_order_s_units_are_not_taken(sstore, owner):
    with sstore.transaction(owner) as b:
        first = b.sales.create("Acme Trading", ["A-1 7"])
        b.sales.confirm(first.number)  # holds 7 of 10
        second = b.sales.create("王小明", ["A-1 5"])
        with pytest.raises(ValidationFailed) as e:
            b.sales.confirm(second.number)
        assert fields(e.value)["line 1"] == "A-1: 2 pcs short (available 3 pcs, ordered 5 pcs)"
        assert b.sales.order(second.number).status == "quotation"
        b.sales.configure(backorders=True)
        o = b.sales.confirm(second.number)
        assert (o.status, o.lines[0].reserved, o.warnings) == \
            ("confirmed", D(3), ["line 1: A-1: 2 pcs short (available 3 pcs, ordered 5 pcs); the rest is a backorder"])
        b.sales.deliver(second.number, ["A-1 3"])
        with pytest.raises(ValidationFailed, match=r"A-1 at Main: 2 pcs short \(on hand 7 pcs, held for other orders "
                                                   r"7 pcs, delivering 2 pcs\)"):
            b.sales.deliver(second.number, ["A-1 2"])  # the 7 left are the first order's


def test_each_role_does_its_own_part(sstore, owner):
    def as_(name):
        return sstore.actor_for(name)

    with sstore.transaction(as_("sam")) as b:
        o = b.sales.create("Acme Trading", ["A-1 2"])
        b.sales.confirm(o.number)
    for who, step in (("sam", lambda b: b.sales.deliver("SO-00001")), ("amy", lambda b: b.sales.deliver("SO-00001")),
                      ("wes", lambda b: b.sales.create("Acme Trading", ["A-1 1"]))):
        with pytest.raises(PermissionDenied), sstore.transaction(as_(who)) as b:
            step(b)
    with sstore.transaction(as_("wes")) as b:
        b.sales.deliver("SO-00001")
    for who in ("sam", "wes"):
        with pytest.raises(PermissionDenied), sstore.transaction(as_(who)) as b:
            b.sales.invoice("SO-00001")
    with sstore.transaction(as_("amy")) as b:
        b.sales.invoice("SO-00001")
        b.sales.pay("Acme Trading", "22.60")
    with pytest.raises(PermissionDenied), sstore.transaction(as_("sam")) as b:
        b.sales.configure(backorders=True)  # the owner's
    with sstore.read(as_("sam")) as b:
        assert b.sales.order("SO-00001").status == "closed" and b.sales.order("SO-00001").paid == D("22.60")

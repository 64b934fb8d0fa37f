"""Driving the purchasing screens with the keyboard, and checking the books afterwards.

The clock is frozen at Monday 16 March 2026, 09:30 UTC; the orders are those of
``purchasing_data.fill_purchasing``.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from purchasing_data import fill_purchasing
from screen_helpers import SIZE, settle
from textual.widgets import Input, Select

from bizsuite.screens.purchasing import OrderScreen, OrdersScreen, open_order
from bizsuite.screens.purchasing_forms import BillForm, PayForm, ReceiveForm
from bizsuite.widgets.form import FormField
from bizsuite.widgets.paged_table import PagedTable


@pytest.fixture
def orders(books) -> dict[str, int]:
    store, owner, ids = books
    return fill_purchasing(store, owner, ids)


def text_of(widget) -> str:
    from rich.console import Console

    console = Console(width=78, record=True, file=open("/dev/null", "w"))
    console.print(widget.content)
    return console.export_text()


def state(store, actor, order_id: int) -> dict:
    """What the books say of one order and of the ledger, in a unit of work of its own."""
    with store.read(actor) as b:
        v = b.purchasing.order(order_id)
        return {
            "status": v.status,
            "lines": {ln.sku: (ln.received, ln.billed, ln.paid) for ln in v.lines},
            "bills": [(x.ref, x.total, x.paid) for x in v.bills],
            "entries": b.ledger.journal_page(limit=0).total,
            "bolts": b.stock.product("BOLT-M6").on_hand,
            "grni": b.ledger.balance(b.ledger.role_account("grni").id),
            "payable": b.ledger.balance(b.ledger.role_account("payable").id),
        }


def error_of(screen, field: str) -> str:
    return next(f for f in screen.query(FormField) if f.field == field).error or ""


async def _order_page(pilot, order_id: int) -> OrderScreen:
    await settle(pilot)
    open_order(pilot.app, order_id)
    await settle(pilot)
    assert isinstance(pilot.app.screen, OrderScreen)
    return pilot.app.screen


async def test_the_list_shows_orders_by_status_and_enter_opens_one(app, orders):
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, OrdersScreen)
        table = screen.query_one("#orders", PagedTable)
        # open ones, newest first: the cancelled PO-00004 is left out
        assert [r.number for r in table.loaded_rows()] == ["PO-00003", "PO-00002", "PO-00001"]
        assert "3 of 4 orders" in text_of(screen.query_one("#status"))
        screen.query_one("#show", Select).value = "cancelled"
        await settle(pilot)
        assert [r.number for r in table.loaded_rows()] == ["PO-00004"]
        screen.query_one("#show", Select).value = ""
        await settle(pilot)
        assert len(table.loaded_rows()) == 4
        screen.query_one("#show", Select).value = "partially_received"
        await settle(pilot)
        assert [r.number for r in table.loaded_rows()] == ["PO-00002"]
        row = table.loaded_rows()[0]
        assert (row.billed, row.paid) == (Decimal("169.50"), Decimal("100.00"))  # 20 × 7.50 + 13 % tax
        table.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, OrderScreen) and app.screen.order_id == orders["PO-00002"]
        page = text_of(app.screen.query_one("#lines"))
        assert "GLUE-1" in page and "40 bottle" in page
        assert "BJ-2026-031" in text_of(app.screen.query_one("#bills"))
        assert "owed 69.50" in text_of(app.screen.query_one("#totals"))


async def test_receive_part_then_bill_then_pay_through_the_screens(app, books, orders):
    store, owner, _ = books
    po = orders["PO-00001"]
    before = state(store, owner, po)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _order_page(pilot, po)
        await pilot.press("r")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, ReceiveForm)
        lines = {ln.sku: ln.line_no for ln in screen.view.lines}
        # each line filled with what is still due
        assert form.query_one(f"#q{lines['BOLT-M6']}", Input).value == "2000"
        assert form.query_one(f"#q{lines['MUG-CL']}", Input).value == "120"
        form.query_one(f"#q{lines['BOLT-M6']}", Input).value = "1500"  # a partial delivery
        form.query_one(f"#q{lines['MUG-CL']}", Input).value = ""  # did not come
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        after_receipt = state(store, owner, po)
        assert after_receipt["status"] == "partially_received"
        assert after_receipt["lines"]["BOLT-M6"][0] == 1500 and after_receipt["lines"]["MUG-CL"][0] == 0
        assert after_receipt["bolts"] == before["bolts"] + 1500
        assert after_receipt["grni"] == before["grni"] - Decimal("165.00")  # 1,500 × 0.11 owed to GRNI
        assert "1,500" in text_of(screen.query_one("#lines"))

        await pilot.press("b")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, BillForm)
        assert form.query_one(f"#q{lines['BOLT-M6']}", Input).value == "1500"  # received, not billed
        assert not form.query(f"#q{lines['MUG-CL']}")  # nothing of it received: not offered
        form.query_one("#ref", Input).value = "GX-7781"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        billed = state(store, owner, po)
        assert billed["bills"] == [("GX-7781", Decimal("186.45"), Decimal("0.00"))]  # 165.00 + 13 % tax
        assert billed["grni"] == before["grni"]  # the bill cleared what the receipt put there
        assert billed["payable"] == before["payable"] - Decimal("186.45")

        await pilot.press("p")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, PayForm)
        assert form.query_one("#amount", Input).value == "186.45"  # what the bill owes
        form.query_one("#amount", Input).value = "86.45"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        paid = state(store, owner, po)
        assert paid["bills"] == [("GX-7781", Decimal("186.45"), Decimal("86.45"))]
        assert paid["payable"] == before["payable"] - Decimal("100.00")
        assert paid["entries"] == before["entries"] + 3  # the receipt, the bill, the payment
        assert "owed 100.00" in text_of(screen.query_one("#totals"))


async def test_billing_more_than_received_is_refused_with_the_reason_and_nothing_written(app, books, orders):
    store, owner, _ = books
    po = orders["PO-00002"]  # 40 ordered, 20 received, 20 billed
    with store.transaction(owner) as b:
        b.purchasing.receive(po, ["GLUE-1 5"])
    before = state(store, owner, po)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _order_page(pilot, po)
        await pilot.press("b")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, BillForm)
        line = screen.view.lines[0].line_no
        assert form.query_one(f"#q{line}", Input).value == "5"
        form.query_one("#ref", Input).value = "BJ-2026-044"
        form.query_one(f"#q{line}", Input).value = "8"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form  # still open, the reason under the line's quantity
        reason = error_of(form, f"q{line}")
        assert "billing 8 bottle is more than the 5 bottle received and not yet billed" in reason
        assert state(store, owner, po) == before


async def test_paying_more_than_the_bill_owes_is_refused_under_the_amount(app, books, orders):
    store, owner, _ = books
    po = orders["PO-00002"]
    before = state(store, owner, po)
    async with app.run_test(size=SIZE) as pilot:
        await _order_page(pilot, po)
        await pilot.press("p")
        await settle(pilot)
        form = app.screen
        assert form.query_one("#amount", Input).value == "69.50"
        form.query_one("#amount", Input).value = "70"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert "more than" in error_of(form, "amount")
        assert state(store, owner, po) == before


async def test_a_draft_cannot_be_received_and_says_why(app, orders):
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await _order_page(pilot, orders["PO-00003"])
        await pilot.press("r")
        await settle(pilot)
        assert app.screen is screen
        assert any("draft" in n.message for n in app._notifications)


def test_the_searcher_finds_orders_for_the_palette(books, orders):
    from bizsuite.erp.purchasing.overview import home_summary, search

    store, owner, _ = books
    with store.read(owner) as b:
        assert home_summary(b) == "4 orders"
        hits = search(b, "po-2")
        assert [(h.kind, h.id, h.number, h.score) for h in hits][0] == ("purchase_order", orders["PO-00002"],
                                                                          "PO-00002", 1.0)
        assert {h.number for h in search(b, "globex")} == {"PO-00001", "PO-00003", "PO-00004"}
        assert search(b, " ") == []


async def test_confirming_a_draft_puts_it_on_order_and_then_it_can_be_received(app, books, orders):
    store, owner, _ = books
    po = orders["PO-00003"]
    async with app.run_test(size=SIZE) as pilot:
        screen = await _order_page(pilot, po)
        assert screen.check_action("receive", ()) is True and screen.view.status == "draft"
        await pilot.press("c")
        await settle(pilot)
        assert state(store, owner, po)["status"] == "confirmed"
        assert screen.view.status == "confirmed"
        assert screen.check_action("confirm", ()) is False  # only a draft is confirmed
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, ReceiveForm)


async def test_the_suggestions_screen_drafts_orders_by_supplier_and_lists_those_with_none(app, books, orders):
    from bizsuite.erp.stock.models import ProductIn
    from bizsuite.screens.purchasing import SuggestionsScreen

    store, owner, ids = books
    with store.transaction(owner) as b:
        b.purchasing.cancel(orders["PO-00003"])  # the draft of cable: no longer coming
        b.stock.adjust("CABLE-3", to="50", reason="count")  # below its point of 100, no supplier
        b.stock.add_product(ProductIn(sku="PEN-B", name="Ballpoint pen, blue", unit="pcs", price="0.90",
                                      tax_rate="20", reorder_point="50", reorder_qty="200",
                                      supplier=f"#{ids['Globex GmbH']}"))
    with store.read(owner) as b:
        before = b.purchasing.counts()["orders"]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SuggestionsScreen)
        assert [r.sku for r in screen.rows] == ["CABLE-3", "PEN-B"]
        shown = text_of(screen.query_one("#suggestions"))
        assert "no supplier" in shown and "200" in shown and "more" not in shown
        # thousands of them (the large company) are counted, not all drawn: c still drafts them all
        from bizsuite.screens import purchasing as screens

        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(screens, "SHOWN_UP_TO", 1)
            screen._show(screen.rows)
            shown = text_of(screen.query_one("#suggestions"))
        assert "CABLE-3" in shown and "PEN-B" not in shown
        assert "… and 1 more: all of them with bizsuite purchase suggest --format csv" in shown
        assert "2 to reorder" in text_of(screen.query_one("#summary"))
        await pilot.press("c")
        await settle(pilot)
        with store.read(owner) as b:
            rows = b.purchasing.orders(status="draft")
            assert b.purchasing.counts()["orders"] == before + 1  # one supplier, one order
            made = b.purchasing.order(rows[0].id)
        assert made.supplier == "Globex GmbH"
        assert [(ln.sku, ln.ordered) for ln in made.lines] == [("PEN-B", 200)]
        # the draft now counts as coming: only the product with no supplier is left, and c has nothing to draft
        assert [r.sku for r in screen.rows] == ["CABLE-3"]
        assert screen.check_action("create", ()) is False


async def test_a_new_order_picks_products_as_you_type_and_saves_a_draft(app, books, orders):
    from bizsuite.screens.purchasing_forms import NewOrderForm
    from textual.widgets import OptionList

    store, owner, ids = books
    with store.read(owner) as b:
        before = b.purchasing.counts()["orders"]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, NewOrderForm)
        names = [n for n, _ in form.suppliers]
        assert "Globex GmbH" in names and "Acme Trading Ltd" not in names  # suppliers only
        form.query_one("#supplier", Select).value = ids["北京科技有限公司"]
        form.query_one("#find", Input).focus()
        await pilot.press(*"树脂")  # part of GLUE-1's Chinese name
        await settle(pilot)
        hits = form.query_one("#hits", OptionList)
        assert hits.option_count == 1 and "GLUE-1" in str(hits.get_option_at_index(0).prompt)
        await pilot.press("enter")  # adds the first match
        await settle(pilot)
        assert [sku for _, sku, _ in form.lines] == ["GLUE-1"]
        assert form.query_one("#p1", Input).value  # filled with the product's average cost
        await pilot.press(*"30")  # the quantity has the focus
        form.query_one("#find", Input).value = "mug"
        await settle(pilot)
        form.query_one("#find", Input).focus()
        await pilot.press("enter")
        await settle(pilot)
        form.query_one("#q2", Input).value = "1.5"  # not a whole number of pcs
        form.query_one("#p2", Input).value = "2.20"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form  # refused: the reason under line 2, nothing written
        assert "1.5" in error_of(form, "q2") or "whole" in error_of(form, "q2")
        with store.read(owner) as b:
            assert b.purchasing.counts()["orders"] == before
        form.query_one("#q2", Input).value = "24"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, OrderScreen)  # the new draft's page
        with store.read(owner) as b:
            v = b.purchasing.order(app.screen.order_id)
        assert (v.status, v.supplier) == ("draft", "北京科技有限公司")
        assert [(ln.sku, ln.ordered, ln.unit_price) for ln in v.lines] == [("GLUE-1", 30, v.lines[0].unit_price),
                                                                         ("MUG-CL", 24, Decimal("2.20"))]


async def test_a_suppliers_contact_page_lists_their_orders_and_what_we_owe(app, books, orders):
    """Purchasing's panel on the contact page (Module.contact_panels): the supplier's orders,
    newest first, what their open bills still owe; Enter opens the order."""
    from sqlalchemy import text
    from textual.widgets import OptionList, Static

    from bizsuite.screens.contacts import ContactDetailScreen

    store, owner, ids = books
    with store.read(owner) as b:  # straight from the tables: Globex's orders, newest first
        globex = [r[0] for r in b.session.execute(text(
            "SELECT id FROM purchase_orders WHERE supplier_id = :s ORDER BY id DESC"), {"s": ids["Globex GmbH"]})]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_contact(ids["北京科技有限公司"])
        await settle(pilot)
        detail = app.screen
        assert isinstance(detail, ContactDetailScreen)
        title = str(detail.query_one("#panel-purchasing-0 .panel-title", Static).render())
        assert title == "Purchase orders (1) · we owe 69.50"  # 20 × 7.50 + 13 % = 169.50, 100.00 paid
        listed = detail.query_one("#panel-purchasing-0 OptionList", OptionList)
        shown = str(listed.get_option_at_index(0).prompt)
        assert shown.startswith("PO-00002") and "partially received" in shown and "unpaid 69.50" in shown
        bills = detail.query_one("#panel-purchasing-1 OptionList", OptionList)  # their open bills
        assert str(detail.query_one("#panel-purchasing-1 .panel-title", Static).render()) == "Open bills (1)"
        shown = str(bills.get_option_at_index(0).prompt)
        assert shown.startswith("BJ-2026-031") and "PO-00002" in shown and shown.endswith("owes 69.50")
        bills.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, OrderScreen) and app.screen.order_id == orders["PO-00002"]
        app.open_contact(ids["北京科技有限公司"])
        await settle(pilot)
        app.screen.query_one("#panel-purchasing-0 OptionList", OptionList).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, OrderScreen) and app.screen.order_id == orders["PO-00002"]

        app.open_contact(ids["Globex GmbH"])
        await settle(pilot)
        listed = app.screen.query_one("#panel-purchasing-0 OptionList", OptionList)
        assert [int(listed.get_option_at_index(i).id) for i in range(listed.option_count)] == globex
        assert len(globex) == 3
        title = str(app.screen.query_one("#panel-purchasing-0 .panel-title", Static).render())
        assert title == "Purchase orders (3)"  # nothing billed: nothing owed
        assert not app.screen.query_one("#panel-purchasing-1").display  # no open bills: no section


async def test_x_cancels_an_order_after_asking_and_is_not_offered_once_goods_came(app, books, orders):
    from bizsuite.widgets.confirm import Confirm

    store, owner, _ = books
    async with app.run_test(size=SIZE) as pilot:
        screen = await _order_page(pilot, orders["PO-00003"])  # a draft
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        await pilot.press("n")  # thought better of it
        await settle(pilot)
        assert app.screen is screen and state(store, owner, orders["PO-00003"])["status"] == "draft"
        await pilot.press("x")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is screen and state(store, owner, orders["PO-00003"])["status"] == "cancelled"
        assert screen.view.status == "cancelled"  # the page shows it

        assert not screen.check_action("cancel_order", ())  # cancelled: not offered again

        before = state(store, owner, orders["PO-00002"])  # 20 of 40 received
        screen = await _order_page(pilot, orders["PO-00002"])
        assert not screen.check_action("cancel_order", ())  # the footer leaves it out
        await pilot.press("x")
        await settle(pilot)
        assert app.screen is screen  # no question asked
        assert state(store, owner, orders["PO-00002"]) == before
    with store.transaction(owner) as b:  # and the rule itself is the repository's
        with pytest.raises(Exception, match="PO-00002 has receipts"):
            b.purchasing.cancel(orders["PO-00002"])

"""Driving the sales screens with the keyboard, and checking the books afterwards.

The clock is frozen at Monday 16 March 2026, 09:30 UTC; the documents are those of
``sales_data.fill_sales`` (on ``stock_data`` and ``pipeline_data``). Every figure a screen shows is
checked against what ``books.sales`` (the CLI's source) says, or worked out in the comments.
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from sales_data import build_template, open_copy
from screen_helpers import SIZE, settle
from textual.widgets import Input, OptionList, Select

from bizsuite.app import make_app
from bizsuite.core.auth import Actor
from bizsuite.screens.pipeline import DealScreen, open_deal
from bizsuite.screens.sales import (
    AgingScreen,
    PaymentDialog,
    SalesInvoiceScreen,
    SalesInvoicesScreen,
    SalesOrderScreen,
    SalesOrdersScreen,
    StatementScreen,
)
from bizsuite.screens.sales_forms import CreditNoteForm, DeliverForm, PaymentForm, QuotationForm
from bizsuite.widgets.form import FormField
from bizsuite.widgets.paged_table import PagedTable


@pytest.fixture(scope="module")
def template(request, tmp_path_factory):
    return build_template(request, tmp_path_factory)


@pytest.fixture
def books(template, sqlite_location, frozen_clock):
    """The screens' books (conftest's ``books``) with ``sales_data.fill_sales`` on them: a copy of
    books built once for the module."""
    store, owner, ids = open_copy(template, sqlite_location)
    yield store, owner, ids
    store.close()


@pytest.fixture
def docs(template, books) -> dict[str, int]:
    return dict(template[2])


def text_of(widget) -> str:
    from rich.console import Console

    console = Console(width=200, record=True, file=open("/dev/null", "w"))
    console.print(getattr(widget, "content", widget))
    return console.export_text()


def error_of(screen, field: str) -> str:
    return next(f for f in screen.query(FormField) if f.field == field).error or ""


def said(app) -> list[str]:
    return [f"{n.title}: {n.message}" for n in app._notifications]


def numbers(table: PagedTable) -> list[str]:
    return [r.number for r in table.loaded_rows()]


def option_texts(ol: OptionList) -> list[str]:
    return [text_of(ol.get_option_at_index(i).prompt) for i in range(ol.option_count)]


async def _orders(pilot) -> SalesOrdersScreen:
    await settle(pilot)
    await pilot.press("a")  # the home screen's key
    await settle(pilot)
    assert isinstance(pilot.app.screen, SalesOrdersScreen)
    return pilot.app.screen


async def _show(pilot, screen, value: str) -> None:
    screen.query_one("#show", Select).value = value
    await settle(pilot)


async def test_the_orders_list_filters_and_finds_and_an_order_page_shows_its_documents(app, books, docs):
    store, owner, _ = books
    async with app.run_test(size=SIZE) as pilot:
        screen = await _orders(pilot)
        with store.read(owner) as b:
            every = b.sales.orders()  # the CLI's list: newest first
            open_ = [r.number for r in b.sales.orders(status="open")]
            v = b.sales.order(docs["SO-00002"])
        assert numbers(screen.table) == open_ == ["SO-00004"]  # confirmed, not yet closed
        assert "1 of 5 orders" in text_of(screen.query_one("#status"))
        assert screen.check_action("customers", ()) is True  # the analysis screen is installed: c opens it
        await _show(pilot, screen, "all")
        assert numbers(screen.table) == [r.number for r in every] == ["SO-00003", "SO-00005", "SO-00004", "SO-00002",
                                                                      "SO-00001"]
        row = screen.table.loaded_rows()[-1]
        assert (row.total, row.invoiced, row.paid) == (D("576.00"), D("576.00"), D("300.00"))
        for show, expected in (("quotation", ["SO-00003"]), ("to_invoice", ["SO-00004"]),  # 6 mugs out, not invoiced
                               ("to_deliver", ["SO-00004"]), ("unpaid", ["SO-00002", "SO-00001"]),
                               ("cancelled", ["SO-00005"])):
            await _show(pilot, screen, show)
            assert numbers(screen.table) == expected, show
        await _show(pilot, screen, "all")
        await pilot.press("slash", *"acme")  # the customer as the contacts list finds them: Acme and its people
        await settle(pilot)
        assert numbers(screen.table) == ["SO-00005", "SO-00004", "SO-00001"]
        screen.query_one("#search", Input).value = "so-2"  # a number as typed
        await settle(pilot)
        assert numbers(screen.table) == ["SO-00002"]
        await pilot.press("down", "enter")  # from the search box to the list, and open it
        await settle(pilot)
        order = app.screen
        assert isinstance(order, SalesOrderScreen) and order.order_id == docs["SO-00002"]
        lines = text_of(order.query_one("#lines"))
        assert "RICE-5" in lines and "东北大米" in lines and "100.000 kg" in lines and "457.80" in lines
        texts = option_texts(order.query_one("#docs", OptionList))
        # by day: the delivery and the invoice on the 21st, then the allowance on 2 March
        assert [t.split()[0] for t in texts] == ["Delivery", "INV-00002", "CN-00001"]
        assert "RICE-5 100.000 kg · from Main" in texts[0]
        assert f"owes {v.invoices[0].open:,}" in texts[1] and "10d overdue" in texts[1]
        assert "allowance on INV-00002: late delivery" in texts[2] and "21.80" in texts[2]
        totals = text_of(order.query_one("#totals"))
        assert f"owed {v.owed}" in totals and v.owed == D("436.00")  # 457.80 less the allowance's 21.80
        # the keys follow what is left to do: a closed order can only be paid
        assert [order.check_action(a, ()) for a in ("confirm", "deliver", "invoice", "pay", "cancel_order")] == \
            [False, False, False, True, False]
        await pilot.press("down", "enter")  # the invoice
        await settle(pilot)
        assert isinstance(app.screen, SalesInvoiceScreen) and app.screen.invoice_id == docs["INV-00002"]
        assert "overdue 10d" in text_of(app.screen.query_one("#heading"))
        assert "CN-00001" in option_texts(app.screen.query_one("#docs", OptionList))[0]


async def test_a_quotation_picks_products_as_you_type_and_warns_when_more_than_available(app, books, docs):
    store, owner, ids = books
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await _orders(pilot)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, QuotationForm)
        form.query_one("#customer", Input).value = "Acme Trading Ltd"
        form.query_one("#find", Input).focus()
        await pilot.press(*"mug")
        await settle(pilot)
        hit = option_texts(form.query_one("#hits", OptionList))[0]
        with store.read(owner) as b:
            mug = b.sales.pick_products("MUG-CL")[0]
        # on hand everywhere (Main 6, the shop 18), available at the warehouse: what an order can take
        assert (mug.on_hand, mug.available) == (D(24), D(6))
        assert "MUG-CL" in hit and "6.50" in hit and "on hand 24 · avail 6" in hit
        await pilot.press("enter", *"10")  # adds the mug; the focus is on its quantity
        await settle(pilot)
        assert form.query_one("#p1", Input).value == "6.50"  # the product's price
        assert "! avail 6: 4 short" in text_of(form.query_one("#i1"))
        form.query_one("#find", Input).value = "cable"
        form.query_one("#find", Input).focus()
        await settle(pilot)
        await pilot.press("down", "enter", *"2.5.5", "tab", "tab", "5")  # from the box to the match; 5 % off
        await settle(pilot)
        form.query_one("#find", Input).value = "mug"
        await settle(pilot)
        assert "already a line" in option_texts(form.query_one("#hits", OptionList))[0]
        form.query_one("#find", Input).value = ""
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form and "2.5.5" in error_of(form, "line2")  # under its line, nothing written
        with store.read(owner) as b:
            assert b.sales.counts()["orders"] == 5
        form.query_one("#q2", Input).value = "25"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, SalesOrderScreen)
        with store.read(owner) as b:
            v = b.sales.order(app.screen.order_id)
        assert (v.status, v.customer) == ("quotation", "Acme Trading Ltd")
        # MUG-CL 10 × 6.50 = 65.00 + 20 % = 78.00; CABLE-3 25 × 2.40 less 5 % = 57.00 + 20 % = 68.40
        assert [(ln.sku, ln.ordered, ln.discount, ln.total) for ln in v.lines] == \
            [("MUG-CL", 10, 0, D("78.00")), ("CABLE-3", 25, 5, D("68.40"))]
        assert v.total == D("146.40")
        assert any("MUG-CL: 10 pcs asked, 6 pcs available" in s for s in said(app))
        assert "! 6" in text_of(app.screen.query_one("#lines"))  # the quotation's page says it too
        assert app.screen.check_action("confirm", ()) is True and app.screen.check_action("deliver", ()) is False


async def test_a_warehouse_clerk_delivers_but_is_told_they_may_not_invoice(books, docs, sqlite_location):
    store, owner, _ = books
    with store.transaction(owner) as b:
        b.admin.add_user("wes", "warehouse")
    app = make_app(store, Actor(name="wes", role="warehouse"), sqlite_location)
    app.blink_cursor = False
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        from bizsuite.screens.sales import open_order

        open_order(app, docs["SO-00004"])
        await settle(pilot)
        screen = app.screen
        await pilot.press("i")  # the mugs are to invoice, but not by the warehouse
        await settle(pilot)
        assert app.screen is screen
        assert any("wes (warehouse) may not invoice sales" in s for s in said(app))
        await pilot.press("d")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, DeliverForm)
        assert form.query_one("#q2", Input).value == "20.000"  # CABLE-3: all still to deliver
        form.query_one("#q2", Input).value = "25"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form and "more than the 20 m still to deliver" in error_of(form, "q2")
        form.query_one("#q2", Input).value = "12.5"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        with store.read(owner) as b:
            v = b.sales.order(docs["SO-00004"])
            cable = b.stock.product_row("CABLE-3")
        assert [(ln.sku, ln.delivered, ln.to_deliver) for ln in v.lines] == [("MUG-CL", 6, 0), ("CABLE-3", D("12.5"), D("7.5"))]
        assert cable.on_hand == D("850.5") - 200 - D("12.5")  # SO-00001's 200 and these
        assert any("delivered CABLE-3 12.500 m; 1 line still to deliver" in s for s in said(app))
        await pilot.press("x")  # cancelling is the sales role's, and there are deliveries: hidden
        assert screen.check_action("cancel_order", ()) is False


async def test_a_return_brings_the_goods_back_and_cancelling_an_invoice_makes_it_to_invoice_again(app, books, docs):
    store, owner, _ = books
    with store.transaction(owner) as b:
        b.sales.invoice(docs["SO-00004"])  # INV-00003: the six mugs, 46.80
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        from bizsuite.screens.sales import open_invoice

        open_invoice(app, docs["INV-00001"])
        await settle(pilot)
        screen = app.screen
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, CreditNoteForm)
        assert form.query_one("#kind", Select).value == "return"
        field = next(f.field for f in form.query(FormField) if f.field.startswith("q"))
        form.query_one(f"#{field}", Input).value = "10"
        form.query_one("#reason", Input).value = "cut too short"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        with store.read(owner) as b:
            v = b.sales.order(docs["SO-00001"])
            cable = b.stock.product_row("CABLE-3")
        # 10 m back: 24.00 + 20 % = 28.80 off the 276.00 still owed; delivered 190, returned 10
        assert [(ln.delivered, ln.returned, ln.invoiced) for ln in v.lines] == [(190, 10, 190)]
        assert v.owed == D("247.20") and cable.on_hand == D("850.5") - 200 + 10
        assert any("CN-00002 on INV-00001: 28.80; CABLE-3 10.000 m back in stock" in s for s in said(app))
        from bizsuite.screens.sales import open_invoice

        open_invoice(app, docs["INV-00001"] + 2)  # INV-00003
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        with store.read(owner) as b:
            inv = b.sales.invoice_record("INV-00003")
            v = b.sales.order(docs["SO-00004"])
            preview = b.sales.invoice_preview(docs["SO-00004"])
        assert inv.cancelled and [ln.invoiced for ln in v.lines] == [0, 0]
        assert [(p.sku, p.quantity, p.total) for p in preview] == [("MUG-CL", 6, D("46.80"))]  # to invoice again
        assert "cancelled" in text_of(app.screen.query_one("#heading"))


async def test_aging_agrees_with_the_books_and_enter_opens_the_statement_with_its_pdf(app, books, docs, tmp_path):
    store, owner, ids = books
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await _orders(pilot)
        await pilot.press("a")
        await settle(pilot)
        aging = app.screen
        assert isinstance(aging, AgingScreen)
        with store.read(owner) as b:
            rows = b.sales.aging()
        assert [(r.customer, r.d1_30, r.d31_60, r.total) for r in aging.table.loaded_rows()] == \
            [(r.customer, r.d1_30, r.d31_60, r.total) for r in rows] == \
            [("Acme Trading Ltd", 0, D("276.00"), D("276.00")), ("北京科技有限公司", D("436.00"), 0, D("436.00"))]
        status = text_of(aging.query_one("#status"))
        assert "owed 712.00" in status and "overdue 712.00" in status
        aging.query_one("#as-of", Input).value = "2026-02-20"  # before 北京's invoice: Acme's 576.00, 15 days late
        aging.query_one("#as-of", Input).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert [(r.customer, r.d1_30) for r in aging.table.loaded_rows()] == [("Acme Trading Ltd", D("276.00"))]
        await pilot.press("enter")
        await settle(pilot)
        st = app.screen
        assert isinstance(st, StatementScreen) and st.customer_id == ids["Acme Trading Ltd"]
        with store.read(owner) as b:
            want = b.sales.statement(ids["Acme Trading Ltd"], end="2026-02-20")
        assert (st.statement.start.isoformat(), st.statement.closing) == ("2026-02-01", want.closing)
        assert [r["document"] for r in st.table.loaded_rows()] == ["", "PAY-00001"]
        assert st.table.loaded_rows()[0]["balance"] == want.opening == D("576.00")
        closing = text_of(st.query_one("#closing"))
        assert "276.00" in closing and "Balance due" in closing
        await pilot.press("w")
        await settle(pilot)
        path = tmp_path / "acme.pdf"
        app.screen.query_one("#path", Input).value = str(path)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is st
        assert path.read_bytes()[:5] == b"%PDF-"
        assert any(f"to {path}" in s and "balance due 276.00" in s for s in said(app))


async def test_the_invoices_list_pays_and_a_payment_of_more_than_is_owed_says_the_credit_it_leaves(app, books, docs):
    store, owner, ids = books
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await _orders(pilot)
        await pilot.press("i")
        await settle(pilot)
        inv = app.screen
        assert isinstance(inv, SalesInvoicesScreen)
        assert numbers(inv.table) == ["INV-00001", "INV-00002"]  # the open ones, the oldest due first
        await _show(pilot, inv, "overdue")
        assert numbers(inv.table) == ["INV-00001", "INV-00002"]
        await pilot.press("p")  # INV-00001's customer, against it
        await settle(pilot)
        form = app.screen
        assert isinstance(form, PaymentForm)
        assert form.query_one("#amount", Input).value == "276.00"  # what INV-00001 still owes
        form.query_one("#amount", Input).value = "300"
        await settle(pilot)
        assert "24.00 is left as Acme Trading Ltd's credit" in text_of(form.query_one("#plan"))
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is inv and numbers(inv.table) == ["INV-00002"]  # paid: no longer overdue
        with store.read(owner) as b:
            bal = b.sales.balance(ids["Acme Trading Ltd"])
            paid = b.sales.invoice_record(docs["INV-00001"])
        assert (bal["owed"], bal["credit"], paid.open) == (D("0.00"), D("24.00"), D("0.00"))
        assert any("settles INV-00001 276.00; 24.00 is left as Acme Trading Ltd's credit" in s for s in said(app))
        await _show(pilot, inv, "paid")
        await pilot.press("enter")
        await settle(pilot)
        texts = option_texts(app.screen.query_one("#docs", OptionList))  # INV-00001: what settled it
        assert [t.split()[0] for t in texts] == ["PAY-00001", "PAY-00002"] and "276.00" in texts[1]
        await pilot.press("end", "enter")
        await settle(pilot)
        assert isinstance(app.screen, PaymentDialog)
        assert "300.00 · 24.00 left as credit" in text_of(app.screen.query_one("#payment"))


async def test_the_lead_to_cash_path_by_keyboard_alone(app, books, docs):
    """A deal on the board → its quotation → confirmed → delivered → invoiced → paid."""
    store, owner, ids = books
    with store.read(owner) as b:
        cable_before = b.stock.product_row("CABLE-3").on_hand
        receivable = b.ledger.role_account("receivable").id
        owed_before = b.ledger.balance(receivable)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("d")  # the pipeline's board
        await settle(pilot)
        board = app.screen.board
        while not any(r.number == "D-00005" for r in board.columns[board.col].rows):
            await pilot.press("right")
        await settle(pilot)
        assert board.current_row.number == "D-00005"  # Warehouse shelving, Bob Stone, proposal
        await pilot.press("q")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, QuotationForm) and "D-00005" in text_of(form.query_one("#deal"))
        await pilot.press(*"cable")
        await settle(pilot)
        await pilot.press("enter", *"30", "ctrl+s")
        await settle(pilot)
        order = app.screen
        assert isinstance(order, SalesOrderScreen)
        await pilot.press("c")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, DeliverForm)
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, PaymentForm)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is order
        with store.read(owner) as b:
            v = b.sales.order(order.order_id)
            deal = b.pipeline.deal(docs["D-00005"])
            inv = b.sales.invoice_record(v.invoices[0].id)
            cable = b.stock.product_row("CABLE-3")
            bob = b.ledger.balance(receivable, contact_id=ids["Bob Stone"])
            owed_after = b.ledger.balance(receivable)
            moves = b.stock.history("CABLE-3").rows
        # 30 m × 2.40 = 72.00 + 20 % = 86.40, invoiced and paid in full
        assert (v.status, v.deal, v.total, v.invoiced, v.paid, v.owed) == \
            ("closed", "D-00005", D("86.40"), D("86.40"), D("86.40"), D("0.00"))
        assert (inv.total, inv.settled, inv.open) == (D("86.40"), D("86.40"), D("0.00"))
        assert deal.status == "won"
        assert cable.on_hand == cable_before - 30 and moves[-1].kind == "delivery" and moves[-1].quantity == -30
        assert bob == 0 and owed_after == owed_before  # the receivable went up by 86.40 and down again
        assert "closed" in text_of(order.query_one("#heading"))
        # the deal's page now lists the order, what is invoiced and paid; Enter opens the order
        open_deal(app, docs["D-00005"])
        await settle(pilot)
        page = app.screen
        assert isinstance(page, DealScreen) and page.focused.id == "activities"
        assert text_of(page.query_one("#documents-title")).strip() == \
            "Quotations and orders (1) · invoiced 86.40 · paid 86.40"
        [line] = option_texts(page.query_one("#documents", OptionList))
        assert line.split()[:2] == [v.number, "closed"] and "86.40" in line and "delivered all" in line
        await pilot.press("shift+tab")
        assert page.focused.id == "documents"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SalesOrderScreen) and app.screen.order_id == order.order_id


async def test_a_deal_page_without_documents_offers_a_quotation_and_hides_them_from_a_role_without_sales(
        app, books, docs, sqlite_location):
    """D-00002 has no quotation yet: the section says so and how to write one. A role that reads
    the pipeline but not sales (here: support, with sales.read taken from it) sees no section."""
    import dataclasses

    from bizsuite.core import modules

    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        open_deal(app, docs["D-00002"])
        await settle(pilot)
        page = app.screen
        assert text_of(page.query_one("#documents-title")).strip() == \
            "Quotations and orders (0) · none yet: q writes a quotation"
        assert not page.query_one("#documents").display
    store, owner, _ = books
    with store.transaction(owner) as b:
        b.admin.add_user("tom", "support")
    sales = modules.find("sales")
    narrower = dataclasses.replace(sales, permissions={
        **sales.permissions, "sales.read": tuple(r for r in sales.permissions["sales.read"] if r != "support")})
    with modules.use([narrower if m is sales else m for m in modules.installed()]):
        tom = make_app(store, Actor("tom", "support"), sqlite_location)
        async with tom.run_test(size=SIZE) as pilot:
            await settle(pilot)
            open_deal(tom, docs["D-00005"])
            await settle(pilot)
            page = tom.screen
            assert isinstance(page, DealScreen) and page.view is not None and page.view.number == "D-00005"
            assert not page.query_one("#documents-title").display and not page.query_one("#documents").display


async def test_a_customers_contact_page_shows_orders_invoices_and_payments_and_opens_them(app, books, docs):
    from bizsuite.screens.contacts import ContactDetailScreen

    store, owner, ids = books
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_contact(ids["Acme Trading Ltd"])
        await settle(pilot)
        page = app.screen
        assert isinstance(page, ContactDetailScreen)
        orders, invoices, payments = (page.query_one(f"#panel-sales-{n}") for n in range(3))
        assert "Quotations and orders (1)" in text_of(orders.query_one(".panel-title"))
        with store.read(owner) as b:
            bal = b.sales.balance(ids["Acme Trading Ltd"])
        title = text_of(invoices.query_one(".panel-title"))
        assert f"owes {bal['owed']}" in title and f"overdue {bal['overdue']}" in title and bal["overdue"] == D("276.00")
        assert "PAY-00001" in option_texts(payments.query_one(OptionList))[0]
        invoices.query_one(OptionList).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SalesInvoiceScreen) and app.screen.invoice_id == docs["INV-00001"]
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is page  # opened over the contact's page: Esc comes back to it


def test_the_palette_offers_the_sales_screens_and_records_open_through_the_app(books):
    from bizsuite.core.modules import find
    from bizsuite.screens.sales import palette_sections

    class FakeApp:
        actor = books[1]

        def can(self, p):
            return self.actor.can(p)

    texts = [t for t, _, _ in palette_sections(FakeApp())]
    assert texts[:5] == ["Sales: open orders", "Sales: open invoices", "Sales: overdue invoices", "Sales: AR aging",
                         "Sales: new quotation"]
    assert set(find("sales").records) == {"sales_order", "sales_invoice", "deal_quotation"}


def test_the_screens_read_queries_on_both_databases(store, owner, frozen_clock):
    """The read-only queries the screens use (appended to SalesRepository), on SQLite and
    PostgreSQL: the list filters and their counts, an order's documents, one invoice, the picker's
    availability and what an invoice would bill."""
    from bizsuite.crm.contacts.models import ContactIn
    from bizsuite.erp.stock.models import MoveIn, ProductIn

    with store.transaction(owner) as b:
        b.ledger.load_chart("standard")
        acme = b.contacts.add(ContactIn(name="Acme Trading", kind="company", roles=["customer"])).id
        b.contacts.add(ContactIn(name="Zed Stores", kind="company", roles=["customer"]))
        b.stock.add_location("Main")
        b.stock.add_product(ProductIn(sku="A-1", name="Widget", price="10", tax_rate="13"))
        b.stock.move("receipt", [MoveIn("A-1", D(10), D(4))], date="2026-03-01", source=("stock_adjustment", None))
        so = b.sales.create(acme, ["A-1 6"], date="2026-03-02")
        b.sales.confirm(so.id)
        b.sales.deliver(so.id, ["A-1 4"], date="2026-03-03")
        inv = b.sales.invoice(so.id, date="2026-03-03", due="2026-03-10")  # 4 × 10.00 + 13 % = 45.20
        b.sales.credit_note(inv.id, ["A-1 1 2"], date="2026-03-04", reason="scratched")  # 2.00 + 0.26
        pay = b.sales.pay(acme, "20", date="2026-03-05")
        b.sales.create("Zed Stores", ["A-1 1"], date="2026-03-06")
    with store.read(owner) as b:
        s = b.sales
        counts = {show: s.orders_count(show=show) for show in s.ORDER_SHOWS}
        assert [r.number for r in s.orders_page(show="all")] == ["SO-00002", "SO-00001"]
        assert {k: v for k, v in counts.items() if v} == {"open": 1, "quotation": 1, "to_deliver": 1, "unpaid": 1,
                                                          "all": 2, "partially_delivered": 1}
        assert [r.number for r in s.orders_page(show="all", search="zed")] == ["SO-00002"]
        assert s.orders_count(show="all", search="so-1") == 1 and s.orders_count(show="all", search="#1") == 1
        with pytest.raises(Exception, match="is not one of"):
            s.orders_count(show="nonsense")
        assert [r.number for r in s.invoices_page(show="overdue")] == ["INV-00001"]  # due the 10th, today the 16th
        assert (s.invoices_count(show="open"), s.invoices_count(show="paid"), s.invoices_count(show="all")) == (1, 0, 1)
        docs = s.order_documents(so.id)
        assert [(d.location, d.lines, d.value) for d in docs.deliveries] == [("Main", [("A-1", D(4), "pcs")], D("16.00"))]
        assert [(c.number, c.kind, c.total, c.reason) for c in docs.credit_notes] == \
            [("CN-00001", "allowance", D("2.26"), "scratched")]
        assert [(p.number, p.amount, p.applied) for p in docs.payments] == [(pay.number, D("20.00"), D("20.00"))]
        v = s.invoice_view(inv.id)
        assert (v.status, v.days_late, v.invoice.open) == ("overdue", 6, D("22.94"))  # 45.20 - 2.26 - 20.00
        assert [(x.kind, x.number, x.amount) for x in v.settlements] == \
            [("credit_note", "CN-00001", D("2.26")), ("payment", pay.number, D("20.00"))]
        assert [(ln.sku, ln.quantity, ln.credited, ln.credited_net, ln.delivered) for ln in v.lines] == \
            [("A-1", D(4), D(0), D("2.00"), D(4))]
        pick = s.pick_products("widg")[0]
        assert (pick.sku, pick.price, pick.on_hand, pick.available) == ("A-1", D(10), D(6), D(4))  # SO-00001 holds 2
        assert s.invoice_preview(so.id) == [] and s.invoice_preview("SO-00002") == []  # nothing delivered to bill
        p = s.payment(pay.number)
        assert (p.allocations, p.credit) == ([("INV-00001", D("20.00"))], D("0.00"))
        assert [x.number for x in s.customer_payments(acme)] == [pay.number]
    with store.transaction(owner) as b:
        b.sales.deliver(so.id, date="2026-03-07")
        preview = b.sales.invoice_preview(so.id)
        assert [(x.sku, x.quantity, x.net, x.tax, x.total) for x in preview] == [("A-1", D(2), D("20.00"), D("2.60"),
                                                                                  D("22.60"))]
        assert b.sales.invoice(so.id).total == preview[0].total  # what it said is what it billed
        assert b.sales.orders_count(show="to_invoice") == 0

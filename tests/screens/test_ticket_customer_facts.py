"""The ticket screen's customer panel — what sales and the pipeline know of the customer — and
linking a ticket to an order or a product, by keyboard at 80x24.

The data is tests/ticket_links_data.py on the screens' contacts: Acme Trading Ltd owes 120.00
(60.00 overdue), has the orders SO-00001 to SO-00004 (SO-00002 cancelled) and two open deals.
Regenerate the snapshots with ``--snapshot-update`` and look at them as pictures.
"""

from __future__ import annotations

import dataclasses
import io

import pytest
from rich.console import Console
from screen_helpers import SIZE, settle
from ticket_links_data import fill_sales
from textual.widgets import Input, OptionList

from bizsuite.app import make_app
from bizsuite.core import clock, modules
from bizsuite.core.auth import Actor
from bizsuite.crm.tickets.models import TicketIn
from bizsuite.screens.pipeline import DealScreen
from bizsuite.screens.ticket_forms import LinkForm
from bizsuite.screens.tickets import TicketScreen, open_ticket
from bizsuite.widgets.form import FormField


@pytest.fixture
def shop(books, frozen_clock) -> dict[str, int]:
    """The sales of ticket_links_data for Acme Trading Ltd; ticket #1 from Acme itself, #2 from
    Alice Martin (one of Acme's people); vic, a viewer."""
    store, owner, ids = books
    out = fill_sales(store, owner, ids["Acme Trading Ltd"], ids["王小明"])
    with clock.freeze(frozen_clock), store.transaction(owner) as b:
        out["acme"] = b.tickets.add(TicketIn(subject="Wrong VAT on the February invoice",
                                             contact_id=ids["Acme Trading Ltd"], priority="high")).id
        out["alice"] = b.tickets.add(TicketIn(subject="Two widgets arrived broken", contact_id=ids["Alice Martin"])).id
        b.admin.add_user("vic", "viewer")
    return out


def lines(options: OptionList) -> list[str]:
    """What a list's options say, one string each, as plain text (uncut: the snapshots show how
    they fit)."""
    out = []
    for i in range(options.option_count):
        buffer = io.StringIO()
        Console(file=buffer, width=200, color_system=None).print(
            options.get_option_at_index(i).prompt)
        out.append(" ".join(buffer.getvalue().split()))
    return out


async def show(pilot, ticket_id: int) -> TicketScreen:
    await settle(pilot)
    open_ticket(pilot.app, ticket_id)
    await settle(pilot)
    assert isinstance(pilot.app.screen, TicketScreen)
    return pilot.app.screen


def links_in_books(store, owner, ticket_id: int) -> list[tuple[str, str]]:
    with store.read(owner) as b:
        return [(v.kind, v.label) for v in b.tickets.links(ticket_id)]


async def test_the_panel_shows_the_balance_overdue_last_orders_and_open_deals(app, books, shop):
    store, owner, _ = books
    async with app.run_test(size=SIZE) as pilot:
        screen = await show(pilot, shop["alice"])
        facts = lines(screen.query_one("#facts", OptionList))
        with store.read(owner) as b:
            acme = b.contacts.resolve("Acme Trading Ltd").id
            balance = b.sales.balance(acme)
        assert facts == [
            "Acme Trading Ltd",  # whose they are: Alice never ordered herself, her company did
            f"Open balance {balance['balance']}", f"Overdue !! {balance['overdue']}",
            "SO-00004 quotation 14 Mar 35.00", "SO-00003 closed 10 Mar 60.00", "SO-00001 closed 02 Feb 100.00",
            "Deals 2 open 2,400.00", "D-00002 lead 900.00", "D-00001 proposal 1,500.00",
        ]
        # Enter on a deal opens it (the pipeline's page), as the user's role allows
        options = screen.query_one("#facts", OptionList)
        options.focus()
        options.highlighted = facts.index("D-00001 proposal 1,500.00")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, DealScreen) and pilot.app.screen.deal_id == shop["D-00001"]


async def test_linking_by_keyboard_a_bad_reference_then_an_order_and_a_product_then_unlinking(app, books, shop):
    store, owner, _ = books
    async with app.run_test(size=SIZE) as pilot:
        await show(pilot, shop["acme"])
        await pilot.press("l")
        await settle(pilot)
        form = pilot.app.screen
        assert isinstance(form, LinkForm)
        matches = lines(form.query_one("#ref-results", OptionList))
        assert [m.split()[0] for m in matches] == ["SO-00004", "SO-00003", "SO-00002", "SO-00001"]
        await pilot.press(*"SO-99999", "enter")
        await settle(pilot)
        assert form.query_one("#field-ref", FormField).error == "no sales order 'SO-99999'"
        assert links_in_books(store, owner, shop["acme"]) == []
        box = form.query_one("#ref", Input)
        box.value = ""
        await pilot.press(*"so-3", "enter")  # as typed: the order's number, any case, without the zeros
        await settle(pilot)
        assert isinstance(pilot.app.screen, TicketScreen)
        await pilot.press("l")
        await settle(pilot)
        await pilot.press("shift+tab", "enter", "down", "enter")  # the kind: product; back in the field
        await pilot.press(*"kett")
        await settle(pilot)
        await pilot.press("down", "enter")  # the first match
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, TicketScreen)
        assert links_in_books(store, owner, shop["acme"]) == [("order", "SO-00003"), ("product", "K-1")]
        links = screen.query_one("#links", OptionList)
        assert lines(links)[1].startswith("K-1 Kettle")
        links.focus()
        links.highlighted = 0
        await settle(pilot)
        await pilot.press("delete")
        await settle(pilot)
        assert links_in_books(store, owner, shop["acme"]) == [("product", "K-1")]
        assert [x.split()[0] for x in lines(screen.query_one("#links", OptionList))] == ["K-1"]


async def test_without_sales_read_the_panel_has_no_sales_and_a_viewer_links_nothing(books, shop, sqlite_location):
    store, owner, _ = books
    with store.transaction(owner) as b:
        b.tickets.link(shop["acme"], "order", "SO-00001")
    sales = modules.find("sales")
    narrower = dataclasses.replace(sales, permissions={  # books where viewers may not read sales
        **sales.permissions, "sales.read": tuple(r for r in sales.permissions["sales.read"] if r != "viewer")})
    with modules.use([narrower if m is sales else m for m in modules.installed()]):
        app = make_app(store, Actor("vic", "viewer"), sqlite_location)
        app.blink_cursor = False
        async with app.run_test(size=SIZE) as pilot:
            screen = await show(pilot, shop["acme"])
            assert lines(screen.query_one("#facts", OptionList)) == [
                "Deals 2 open 2,400.00", "D-00002 lead 900.00", "D-00001 proposal 1,500.00"]
            assert lines(screen.query_one("#links", OptionList)) == ["SO-00001"]  # named, nothing more
            await pilot.press("l")  # a viewer may not change tickets
            await settle(pilot)
            assert isinstance(pilot.app.screen, TicketScreen)
            assert not screen.check_action("link", ())


def test_ticket_customer_panel(app, books, shop, snap_compare):
    """The customer, their balance with the overdue part in red, the last orders, the open deals,
    and the ticket's links."""
    store, owner, _ = books
    with store.transaction(owner) as b:
        b.tickets.link(shop["acme"], "order", "SO-00001")
        b.tickets.link(shop["acme"], "product", "A-1")

    async def run_before(pilot):
        await show(pilot, shop["acme"])

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_ticket_link_form(app, books, shop, snap_compare):
    """The link dialog: the kind, what to type, the customer's orders as matches."""

    async def run_before(pilot):
        await show(pilot, shop["acme"])
        await pilot.press("l")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)

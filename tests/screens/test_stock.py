"""Driving the stock screens with the keyboard, and checking the books afterwards.

The clock is frozen at Monday 16 March 2026, 09:30 UTC; the stock of ``stock_data.fill_stock``
was moved in the quarter before.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from screen_helpers import SIZE, settle
from stock_data import fill_stock
from textual.widgets import Input, OptionList

from bizsuite.app import make_app
from bizsuite.core.auth import Actor
from bizsuite.screens.home import HomeScreen
from bizsuite.screens.stock import ProductScreen, ProductsScreen, open_product
from bizsuite.screens.stock_forms import AdjustForm, TransferForm
from bizsuite.widgets.confirm import Confirm
from bizsuite.widgets.form import FormField
from bizsuite.widgets.paged_table import PagedTable


@pytest.fixture
def stock(books) -> dict[str, int]:
    store, owner, ids = books
    return fill_stock(store, owner, ids)


def books_state(store, actor, sku: str) -> dict:
    """What the books say of one product, and of the ledger, read in a unit of work of its own."""
    with store.read(actor) as b:
        p = b.stock.product(sku)
        inventory = b.ledger.role_account("inventory")
        return {
            "on_hand": p.on_hand,
            "at": {r.location: r.on_hand for r in b.stock.onhand(p.id)},
            "moves": b.stock.history(p.id, limit=0).total,
            "entries": b.ledger.journal_page(limit=0).total,
            "inventory": b.ledger.balance(inventory.id),
            "stock_value": b.stock.total_value(),
        }


def text_of(widget) -> str:
    """What a Static shows, as plain text (a rich Table included)."""
    from rich.console import Console

    console = Console(width=78, record=True, file=open("/dev/null", "w"))
    console.print(widget.content)
    return console.export_text()


def skus(table: PagedTable) -> list[str]:
    return [r.sku for r in table.loaded_rows()]


async def _product_page(pilot, product_id: int) -> ProductScreen:
    await settle(pilot)
    open_product(pilot.app, product_id)
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ProductScreen)
    return screen


async def test_the_list_shows_stock_per_product_and_marks_the_low_one(app, stock):
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ProductsScreen)
        table = screen.query_one("#products", PagedTable)
        assert skus(table) == ["BOLT-M6", "CABLE-3", "GLUE-1", "MUG-CL", "RICE-5"]  # TAPE-X is inactive
        rows = {r.sku: r for r in table.loaded_rows()}
        assert rows["MUG-CL"].on_hand == 30 and rows["RICE-5"].on_hand == Decimal("170.5")
        assert [s for s, r in rows.items() if r.low] == ["GLUE-1"]  # 8 left, reorder point 10
        marker = [c for c in table.columns if c.key == "low"][0]
        assert marker.value(rows["GLUE-1"]).plain == "!" and marker.value(rows["MUG-CL"]).plain == ""
        await pilot.press("l")  # only the low ones
        await settle(pilot)
        assert skus(table) == ["GLUE-1"]
        assert "1 of 5 products" in text_of(screen.query_one("#status"))
        await pilot.press("l")
        await settle(pilot)
        assert len(skus(table)) == 5


async def test_search_finds_a_product_by_part_of_its_chinese_name(app, stock):
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        table = app.screen.query_one("#products", PagedTable)
        await pilot.press("slash", *"螺栓")
        await settle(pilot)
        assert app.screen.query_one("#search", Input).value == "螺栓"
        assert skus(table) == ["BOLT-M6"]
        search = app.screen.query_one("#search", Input)
        search.value = "大米"
        await settle(pilot)
        assert skus(table) == ["RICE-5"]
        search.value = "zzz"
        await settle(pilot)
        assert skus(table) == [] and "0 of 5 products" in text_of(app.screen.query_one("#status"))


def test_the_searcher_finds_products_for_the_palette(books, stock):
    from bizsuite.erp.stock.overview import home_summary, search

    store, owner, _ = books
    with store.read(owner) as b:
        hits = search(b, "树脂")
        assert [(h.kind, h.id, h.number) for h in hits] == [("product", stock["GLUE-1"], "GLUE-1")]
        assert "low" in hits[0].detail
        assert [h.number for h in search(b, "mug-cl")] == ["MUG-CL"] and search(b, "mug-cl")[0].score == 1.0
        assert search(b, "  ") == []
        assert home_summary(b) == "5 products"  # TAPE-X is inactive


async def test_the_palette_opens_a_product_found_by_name(app, stock):
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p", *"Classic mug")
        await pilot.pause(0.3)
        await settle(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ProductScreen) and app.screen.product_id == stock["MUG-CL"]


async def test_the_product_page_shows_its_moves_and_where_it_is(app, stock):
    async with app.run_test(size=SIZE) as pilot:
        screen = await _product_page(pilot, stock["MUG-CL"])
        table = screen.query_one("#moves", PagedTable)
        rows = table.loaded_rows()
        assert [r.kind for r in rows] == ["opening", "transfer", "delivery", "receipt", "adjustment", "receipt",
                                          "delivery"]
        assert rows[-1].on_hand_after == 30 and table.cursor == len(rows) - 1  # opens on the newest
        where = [line.split() for line in text_of(screen.query_one("#where")).splitlines()]
        assert where[1:] == [["Main", "12", "—", "12"], ["Shop", "18", "—", "18"]]
        detail = text_of(screen.query_one("#move-detail"))
        assert "SO-00060" in detail and "revalued" in detail  # the backdated receipt re-valued it


async def test_adjust_stock_from_the_product_page(app, books, stock):
    store, owner, _ = books
    before = books_state(store, owner, "MUG-CL")
    async with app.run_test(size=SIZE) as pilot:
        screen = await _product_page(pilot, stock["MUG-CL"])
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, AdjustForm)
        await pilot.press("minus", "2", "tab", "tab", *"broken", "ctrl+s")
        await settle(pilot)
        assert app.screen is screen  # saved and closed
        after = books_state(store, owner, "MUG-CL")
        assert after["on_hand"] == before["on_hand"] - 2
        assert after["at"]["Main"] == before["at"]["Main"] - 2 and after["at"]["Shop"] == before["at"]["Shop"]
        assert after["moves"] == before["moves"] + 1
        assert after["entries"] == before["entries"] + 1  # the adjustment's ledger entry
        assert after["inventory"] == after["stock_value"] < before["stock_value"]
        table = screen.query_one("#moves", PagedTable)
        newest = table.loaded_rows()[-1]
        assert (newest.kind, newest.quantity, newest.on_hand_after) == ("adjustment", -2, after["on_hand"])
        assert "28 pcs" in text_of(screen.query_one("#heading"))


async def test_a_count_sets_what_the_location_holds(app, books, stock):
    store, owner, _ = books
    async with app.run_test(size=SIZE) as pilot:
        await _product_page(pilot, stock["RICE-5"])
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("tab", *"165.25", "tab", *"stocktake", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ProductScreen)
    assert books_state(store, owner, "RICE-5")["at"]["Main"] == Decimal("165.25")


async def test_an_adjustment_taking_more_than_is_on_hand_is_refused_under_the_field(app, books, stock):
    store, owner, _ = books
    before = books_state(store, owner, "MUG-CL")
    async with app.run_test(size=SIZE) as pilot:
        await _product_page(pilot, stock["MUG-CL"])
        await pilot.press("a")
        await settle(pilot)
        await pilot.press(*"-13", "tab", "tab", *"broken", "ctrl+s")  # Main holds 12
        await settle(pilot)
        form = app.screen
        assert isinstance(form, AdjustForm)  # still open, what was typed still there
        error = form.query_one("#field-by", FormField).error
        assert error is not None and "1 pcs short" in error and "Main" in error
        assert form.query_one("#by", Input).value == "-13"
        await pilot.press("backspace", "2")  # fixing it clears the error
        assert form.query_one("#field-by", FormField).error is None
    assert books_state(store, owner, "MUG-CL") == before  # nothing written


async def test_the_form_names_every_missing_field(app, books, stock):
    store, owner, _ = books
    before = books_state(store, owner, "GLUE-1")
    async with app.run_test(size=SIZE) as pilot:
        await _product_page(pilot, stock["GLUE-1"])
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("ctrl+s")  # neither a change nor a count
        await settle(pilot)
        assert "give the change" in app.screen.query_one("#field-by", FormField).error
        await pilot.press(*"1.5", "ctrl+s")  # bottles are whole; no reason either
        await settle(pilot)
        form = app.screen
        assert "not a whole number" in form.query_one("#field-by", FormField).error
        await pilot.press("backspace", "backspace", "tab", "tab", "ctrl+s")
        await settle(pilot)
        assert "needs a reason" in form.query_one("#field-reason", FormField).error
        await pilot.press(*"x", "tab", *"16.3.2026", "ctrl+s")
        await settle(pilot)
        assert "not a date" in form.query_one("#field-date", FormField).error
    assert books_state(store, owner, "GLUE-1") == before


async def test_transfer_moves_stock_between_locations_and_posts_nothing(app, books, stock):
    store, owner, _ = books
    before = books_state(store, owner, "MUG-CL")
    async with app.run_test(size=SIZE) as pilot:
        await _product_page(pilot, stock["MUG-CL"])
        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, TransferForm)  # from Shop (it holds the most) to Main
        await pilot.press(*"19", "ctrl+s")  # Shop holds 18
        await settle(pilot)
        assert "Shop" in app.screen.query_one("#field-quantity", FormField).error
        await pilot.press("backspace", "backspace", *"5", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ProductScreen)
    after = books_state(store, owner, "MUG-CL")
    assert after["at"] == {"Main": before["at"]["Main"] + 5, "Shop": before["at"]["Shop"] - 5}
    assert after["on_hand"] == before["on_hand"] and after["entries"] == before["entries"]
    assert after["moves"] == before["moves"] + 1


async def test_the_form_asks_before_dropping_what_was_typed(app, stock):
    async with app.run_test(size=SIZE) as pilot:
        await _product_page(pilot, stock["MUG-CL"])
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("escape")  # nothing typed: closes
        await settle(pilot)
        assert isinstance(app.screen, ProductScreen)
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("3", "escape")
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, AdjustForm) and app.screen.query_one("#by", Input).value == "3"
        await pilot.press("escape", "y")
        await settle(pilot)
        assert isinstance(app.screen, ProductScreen)


async def test_the_adjustment_is_made_from_the_list_too(app, books, stock):
    store, owner, _ = books
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("down", "a")  # CABLE-3
        await settle(pilot)
        assert isinstance(app.screen, AdjustForm) and app.screen.view.row.sku == "CABLE-3"
        await pilot.press(*"+0.5", "tab", "tab", *"found a coil end", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ProductsScreen)
        row = [r for r in app.screen.query_one("#products", PagedTable).loaded_rows() if r.sku == "CABLE-3"][0]
        assert row.on_hand == Decimal("851")
    assert books_state(store, owner, "CABLE-3")["on_hand"] == Decimal("851")


def _as(store, owner, name: str, role: str) -> Actor:
    with store.transaction(owner) as b:
        b.admin.add_user(name, role)
    return Actor(name=name, role=role)


async def test_a_role_without_stock_read_does_not_see_the_module(books, stock, sqlite_location):
    store, owner, _ = books
    support = _as(store, owner, "sam", "support")
    app = make_app(store, support, sqlite_location)
    app.blink_cursor = False
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        modules = app.screen.query_one("#modules", OptionList)
        assert "stock" not in [modules.get_option_at_index(i).id for i in range(modules.option_count)]
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        open_product(app, stock["MUG-CL"])  # the palette's way in is shut too
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("ctrl+p", *"Classic mug")
        await pilot.pause(0.3)
        await settle(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert not isinstance(app.screen, ProductScreen)


async def test_a_role_that_may_read_but_not_write_stock_has_no_adjust_key(books, stock, sqlite_location):
    store, owner, _ = books
    accountant = _as(store, owner, "ann", "accountant")
    before = books_state(store, owner, "MUG-CL")
    app = make_app(store, accountant, sqlite_location)
    app.blink_cursor = False
    async with app.run_test(size=SIZE) as pilot:
        screen = await _product_page(pilot, stock["MUG-CL"])
        await pilot.press("a", "t")
        await settle(pilot)
        assert app.screen is screen
        assert screen.check_action("adjust", ()) is False and screen.check_action("transfer", ()) is False
    assert books_state(store, owner, "MUG-CL") == before


async def test_an_adjustment_into_a_locked_period_is_refused_under_the_date(app, books, stock):
    store, owner, _ = books
    with store.transaction(owner) as b:
        b.ledger.lock("2026-02-28")
    before = books_state(store, owner, "MUG-CL")
    async with app.run_test(size=SIZE) as pilot:
        await _product_page(pilot, stock["MUG-CL"])
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("1", "tab", "tab", *"found one", "tab", *"2026-02-15", "ctrl+s")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, AdjustForm)
        error = form.query_one("#field-date", FormField).error
        assert error is not None and "lock date 2026-02-28" in error
        assert form.query_one("#field-by", FormField).error is None
    assert books_state(store, owner, "MUG-CL") == before

"""The test suite's own ``memos`` module, installed for a test: it gets a line and a key on the
home screen, an app mode, palette hits, and a section on a contact's page — no shared file edited."""

from __future__ import annotations

import pytest
from textual.widgets import OptionList

from bizsuite.app import make_app
from bizsuite.core import modules
from bizsuite.core.store import Store
from bizsuite.crm.contacts.models import ContactIn
from memos_module import MODULE as MEMOS
from memos_module.screens import MemosScreen
from screen_helpers import SIZE, settle

WITH_MEMOS = [*modules.installed(), MEMOS]


@pytest.fixture
def memo_books(sqlite_location, owner_name):
    with modules.use(WITH_MEMOS):
        store = Store.open_or_create_empty(sqlite_location)
        store.initialise(company="Memo Co", currency="USD", owner=owner_name)
        owner = store.actor_for(owner_name)
        with store.transaction(owner) as b:
            cid = b.contacts.add(ContactIn(name="Mina Park", kind="person")).id
            b.memos.add("renew the lease", contact_id=cid)
        yield store, owner, cid
        store.close()


async def test_home_shows_the_module_and_its_key_opens_it(memo_books, sqlite_location):
    store, owner, _ = memo_books
    app = make_app(store, owner, sqlite_location)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        listed = app.screen.query_one("#modules", OptionList)
        ids = [listed.get_option_at_index(i).id for i in range(listed.option_count)]
        assert ids == ["contacts", "ledger", "tickets", "stock", "purchasing", "pipeline", "sales", "memos"]
        assert "1 memos" in str(listed.get_option("memos").prompt.columns[3]._cells)
        await pilot.press("o")
        await settle(pilot)
        assert app.current_mode == "memos" and isinstance(app.screen, MemosScreen)
        assert "renew the lease" in str(app.screen.query_one("#memos").render())


async def test_the_palette_finds_the_module_records_and_opens_them(memo_books, sqlite_location):
    store, owner, _ = memo_books
    app = make_app(store, owner, sqlite_location)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p", *"renew the lease")
        await pilot.pause(0.3)
        await settle(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, MemosScreen) and app.screen.focus_id is not None


async def test_a_contact_page_shows_the_module_panel(memo_books, sqlite_location):
    from bizsuite.screens.contacts import ContactDetailScreen

    store, owner, cid = memo_books
    app = make_app(store, owner, sqlite_location)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_contact(cid)
        await settle(pilot)
        assert isinstance(app.screen, ContactDetailScreen)
        panel = app.screen.query_one("#panel-memos-0")
        assert panel.display
        assert "Memos (1)" in str(panel.query_one(".panel-title").render())
        assert not app.screen.query_one("#panel-tickets-0").display  # no tickets: hidden

"""The first-run form makes the same books as ``bizsuite init`` with the same answers: the
modules' defaults for what it does not ask (the ledger's standard chart), its region for contacts."""

from __future__ import annotations

from screen_helpers import SIZE, settle
from sqlalchemy import text
from textual.widgets import Input

from bizsuite.app import make_app
from bizsuite.core import modules
from bizsuite.core.auth import os_login
from bizsuite.core.store import Store
from bizsuite.screens.firstrun import FirstRunScreen


async def test_the_form_makes_the_books_init_makes(sqlite_location):
    app = make_app(None, None, sqlite_location)
    app.blink_cursor = False
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, FirstRunScreen)
        await pilot.press(*"Lotus Trading")
        app.screen.query_one("#region", Input).value = "gb"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, FirstRunScreen)
    store = Store.open(sqlite_location)
    try:
        with store.read(store.actor_for(os_login())) as books:
            assert books.setting("contacts.phone_region") == "GB"
            assert books.session.execute(text("SELECT count(*) FROM ledger_accounts")).scalar() == 44
            assert books.ledger.role_account("bank").name == "assets:bank:checking"
    finally:
        store.close()


def test_without_the_ledger_the_form_answers_no_chart():
    with modules.use(["bizsuite.crm.contacts"]):
        assert FirstRunScreen.answers("de") == {"region": "de"}
    assert FirstRunScreen.answers("de") == {"region": "de", "chart": "standard"}

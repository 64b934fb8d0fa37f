"""The first-run form: its answers are checked by the same rules as ``bizsuite init``."""

from __future__ import annotations

from screen_helpers import SIZE, settle
from textual.widgets import Input

from bizsuite.app import make_app
from bizsuite.core.db import sqlite_file_state
from bizsuite.screens.firstrun import FirstRunScreen
from bizsuite.widgets.form import FormField


async def test_an_unknown_phone_region_is_refused_and_nothing_is_created(sqlite_location):
    app = make_app(None, None, sqlite_location)
    app.blink_cursor = False
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, FirstRunScreen)
        await pilot.press(*"Lotus Trading")
        screen.query_one("#region", Input).value = "ZZ"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen  # still asking
        assert screen.query_one("#field-region", FormField).error == "'ZZ' is not a country code such as US, GB, CN"
        assert screen.query_one("#field-company", FormField).error is None
        assert sqlite_file_state(sqlite_location.path) in ("missing", "empty")  # no books were made
        # fixed, the error goes and the books are made with that region
        screen.query_one("#region", Input).value = "de"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, FirstRunScreen)
    from bizsuite.core.auth import os_login
    from bizsuite.core.store import Store

    store = Store.open(sqlite_location)
    try:
        with store.read(store.actor_for(os_login())) as books:
            assert books.setting("contacts.phone_region") == "DE"
    finally:
        store.close()

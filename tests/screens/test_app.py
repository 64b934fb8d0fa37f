"""The app factory, the CLI entry point ``run_tui``, the first-run form and the home screen."""

from __future__ import annotations

from screen_helpers import SIZE, settle
from textual.widgets import Input

from bizsuite.app import BizsuiteApp, make_app, run_tui
from bizsuite.core.auth import Actor, os_login
from bizsuite.core.store import Store
from bizsuite.screens.contacts import ContactsScreen
from bizsuite.screens.firstrun import FirstRunScreen
from bizsuite.screens.home import HomeScreen
from bizsuite.widgets.form import FormField


def _no_run(monkeypatch) -> list[BizsuiteApp]:
    ran: list[BizsuiteApp] = []
    monkeypatch.setattr(BizsuiteApp, "run", lambda self, *a, **k: ran.append(self))
    monkeypatch.setattr("bizsuite.app.has_terminal", lambda: True)  # as if started in one
    return ran


def test_run_tui_opens_the_books_for_the_os_user(sqlite_location, monkeypatch):
    store = Store.open_or_create_empty(sqlite_location)
    store.initialise(company="Own Co", currency="USD", owner=os_login())
    store.close()
    ran = _no_run(monkeypatch)
    assert run_tui(sqlite_location, None) == 0
    [app] = ran
    assert app.actor == Actor(name=os_login(), role="owner")


def test_run_tui_without_books_starts_the_first_run_form(sqlite_location, monkeypatch):
    ran = _no_run(monkeypatch)
    assert run_tui(sqlite_location, None) == 0
    assert ran[0].store is None and ran[0].actor is None


def test_run_tui_refusals_are_one_line_each_on_stderr(sqlite_location, monkeypatch, capsys):
    ran = _no_run(monkeypatch)
    store = Store.open_or_create_empty(sqlite_location)
    store.initialise(company="Their Co", currency="USD", owner="somebody-else")
    store.close()
    assert run_tui(sqlite_location, None) == 1
    err = capsys.readouterr().err
    assert f"{os_login()} is not a bizsuite user of these books" in err
    assert "Traceback" not in err and not ran

    sqlite_location.path.write_bytes(b"this is not a database at all")
    assert run_tui(sqlite_location, None) == 1
    assert "not a bizsuite database" in capsys.readouterr().err


async def test_first_run_creates_the_books(sqlite_location, frozen_clock):
    app = make_app(None, None, sqlite_location)
    app.blink_cursor = False
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, FirstRunScreen)
        currency = app.screen.query_one("#currency", Input)
        currency.value = "E"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen.query_one("#field-company", FormField).error == "is required"
        assert "is not an ISO 4217 code" in app.screen.query_one("#field-currency", FormField).error
        await pilot.press(*"Lotus Trading")
        currency.value = "eur"
        app.screen.query_one("#region", Input).value = "cn"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert app.company == "Lotus Trading"
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, ContactsScreen)

    store = Store.open(sqlite_location)
    try:
        actor = store.actor_for(os_login())
        assert actor.role == "owner"
        with store.read(actor) as books:
            assert (books.company, books.currency) == ("Lotus Trading", "EUR")
            assert books.setting("contacts.phone_region") == "CN"
    finally:
        store.close()


async def test_home_shows_who_and_the_modules(app):
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, HomeScreen)
        assert app.company == "Test Co"
        modules = screen.query_one("#modules")
        listed = [modules.get_option_at_index(i).id for i in range(modules.option_count)]
        assert listed == ["contacts", "ledger", "tickets", "stock", "purchasing", "pipeline", "sales"]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ContactsScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)


async def test_acting_as_is_shown(books, sqlite_location):
    store, owner, _ = books
    with store.transaction(owner) as b:
        b.admin.add_user("sam", "sales")
    app = make_app(store, Actor(name="sam", role="sales", via="alice"), sqlite_location)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.who == "sam · sales (as, by alice)"
        assert "Acting as sam, by alice" in str(app.screen.query_one("#user").content)


async def test_an_unexpected_error_in_a_worker_is_shown(app, books, monkeypatch):
    from bizsuite.screens.contacts import ContactView

    def broken(cls, books, contact_id):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(ContactView, "load", classmethod(broken))
    _, _, ids = books
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        app.open_contact(ids["Bob Stone"])
        await settle(pilot)
        assert any("RuntimeError: disk on fire" in n.message for n in app._notifications)

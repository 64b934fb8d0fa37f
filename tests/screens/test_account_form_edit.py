"""The account form saves an edit in one step (``books.ledger.edit_account`` through
``submit()``): name, code and the active flag together, the version checked once; a refusal
lands under its field or in the form's message line, and nothing is changed."""

from __future__ import annotations

import pytest
from screen_helpers import SIZE, settle

from bizsuite.screens.ledger import AccountsScreen
from bizsuite.screens.ledger.forms import AccountForm
from bizsuite.widgets.form import FormField


@pytest.fixture
def chart(books) -> dict[str, int]:
    store, owner, _ = books
    with store.transaction(owner) as b:
        b.ledger.load_chart("standard")
        return {a.name: a.id for a in b.ledger.accounts()}


def account(store, actor, account_id: int) -> tuple:
    with store.read(actor) as b:
        a = b.ledger.account(account_id)
        return a.name, a.code, a.active, a.version


async def open_form(pilot, name: str) -> AccountForm:
    await settle(pilot)
    await pilot.press("l")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, AccountsScreen)
    index = next(i for i, row in enumerate(screen.table.loaded_rows()) if row.name == name)
    screen.table.move_cursor(index)
    await pilot.press("e")
    await settle(pilot)
    form = pilot.app.screen
    assert isinstance(form, AccountForm) and form.query_one("#name").value == name
    return form


async def test_rename_recode_and_deactivate_in_one_save(app, books, chart):
    store, actor, _ = books
    cash = chart["assets:cash"]
    version = account(store, actor, cash)[3]
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(pilot, "assets:cash")
        form.query_one("#name").value = "assets:petty cash"
        form.query_one("#code").value = "1005"
        form.query_one("#active").value = False
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, AccountsScreen)
    assert account(store, actor, cash) == ("assets:petty cash", "1005", False, version + 1)  # one change


async def test_bad_fields_are_shown_under_each_and_nothing_changes(app, books, chart):
    store, actor, _ = books
    cash = chart["assets:cash"]
    before = account(store, actor, cash)
    with store.read(actor) as b:
        taken = b.ledger.account("assets:bank:checking").code
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(pilot, "assets:cash")
        form.query_one("#name").value = "assets:bank"
        form.query_one("#code").value = taken
        form.query_one("#active").value = False
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form  # still open, saying why
        assert form.query_one("#field-name", FormField).error == "assets:bank already exists"
        assert form.query_one("#field-code", FormField).error == f"{taken} is already the code of assets:bank:checking"
    assert account(store, actor, cash) == before  # not even the active flag


async def test_a_copy_changed_meanwhile_is_refused_and_nothing_changes(app, books, chart):
    store, actor, _ = books
    cash = chart["assets:cash"]
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(pilot, "assets:cash")
        with store.transaction(actor) as b:  # someone else saves the account while the form is open
            b.ledger.edit_account(cash, code="1009")
        before = account(store, actor, cash)
        form.query_one("#name").value = "assets:petty cash"
        form.query_one("#active").value = False
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        message = str(form.query_one(".form--message").render())
        assert "account assets:cash was changed by" in message and "nothing was saved" in message
    assert account(store, actor, cash) == before

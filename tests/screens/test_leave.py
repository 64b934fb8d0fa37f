"""Every form asks before dropping what was typed: Esc on an untouched form closes it, Esc after
typing asks (no keeps the form and the text, yes drops it)."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from bizsuite.app import make_app
from bizsuite.crm.contacts.models import ContactIn
from bizsuite.widgets.confirm import Confirm
from screen_helpers import SIZE, settle


def _forms():
    from bizsuite.screens.contact_forms import ActivityForm
    from bizsuite.screens.ledger.forms import AccountForm
    from bizsuite.screens.ticket_forms import NewTicketForm

    return [
        pytest.param(lambda cid: ActivityForm(cid, "Ada"), "#subject", id="activity"),
        pytest.param(lambda cid: NewTicketForm(), "#subject", id="new-ticket"),
        pytest.param(lambda cid: AccountForm(), "#name", id="new-account"),
    ]


@pytest.mark.parametrize("make, field", _forms())
async def test_a_form_asks_before_dropping_what_was_typed(make, field, sqlite_store, owner_name, sqlite_location):
    owner = sqlite_store.actor_for(owner_name)
    with sqlite_store.transaction(owner) as b:
        cid = b.contacts.add(ContactIn(name="Ada", kind="person")).id
    app = make_app(sqlite_store, owner, sqlite_location)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        untouched = make(cid)
        app.push_screen(untouched)
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is not untouched and not isinstance(app.screen, Confirm)

        form = make(cid)
        app.push_screen(form)
        await settle(pilot)
        form.query_one(field, Input).focus()
        await pilot.press(*"Quarterly")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        await pilot.press("n")
        await settle(pilot)
        assert app.screen is form and form.query_one(field, Input).value.endswith("Quarterly")
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is not form

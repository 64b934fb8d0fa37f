"""One ``submit()`` for every write of a screen: its unit of work, and refusals shown where they
belong (under the field, in the form's message line, or as a notification); errors go as soon
as the field is edited."""

from __future__ import annotations

from textual.widgets import Input

from bizsuite.app import make_app
from bizsuite.core.errors import FieldError, Refused, ValidationFailed
from bizsuite.crm.contacts.models import ContactIn
from bizsuite.screens.base import BizModal
from bizsuite.widgets.form import Form, FormField
from screen_helpers import SIZE, settle


class _NameForm(BizModal):
    def __init__(self):
        super().__init__()
        self.saved = None

    def compose(self):
        with Form():
            yield FormField("Name", Input(id="name"), field="name")

    def save(self, work):
        self.submit(work, lambda result: setattr(self, "saved", result))


async def test_refusals_land_under_the_field_and_go_when_it_is_edited(sqlite_store, owner_name, sqlite_location):
    store, owner = sqlite_store, sqlite_store.actor_for(owner_name)
    app = make_app(store, owner, sqlite_location)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        form = _NameForm()
        app.push_screen(form)
        await settle(pilot)

        def refuse(books):
            raise ValidationFailed([FieldError("name", "is required"), FieldError("other", "is odd")])

        form.save(refuse)
        await settle(pilot)
        field = form.query_one("#field-name", FormField)
        assert field.error == "is required"
        assert "other: is odd" in str(form.query_one(".form--message").render())
        form.query_one("#name", Input).focus()
        await pilot.press("x")
        await settle(pilot)
        assert field.error is None

        form.save(lambda books: (_ for _ in ()).throw(Refused("changed by bob at 10:42 since you opened it")))
        await settle(pilot)
        assert "changed by bob" in str(form.query_one(".form--message").render())

        form.save(lambda books: books.contacts.add(ContactIn(name="Zed Zephyr", kind="person")).id)
        await settle(pilot)
        assert isinstance(form.saved, int)
    with store.read(owner) as books:
        assert books.contacts.get(form.saved).name == "Zed Zephyr"  # the unit of work committed


async def test_a_refused_write_leaves_nothing_behind(sqlite_store, owner_name, sqlite_location):
    store, owner = sqlite_store, sqlite_store.actor_for(owner_name)
    app = make_app(store, owner, sqlite_location)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        form = _NameForm()
        app.push_screen(form)
        await settle(pilot)

        def half(books):
            books.contacts.add(ContactIn(name="Half Written", kind="person"))
            raise Refused("no")

        form.save(half)
        await settle(pilot)
        assert form.saved is None
    with store.read(owner) as books:
        assert books.contacts.count() == 0

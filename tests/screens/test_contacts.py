"""Driving the contacts screens with the keyboard, and checking the books afterwards."""

from __future__ import annotations

import pytest
from screen_helpers import SIZE, settle
from textual.widgets import Input, TextArea

from bizsuite.core.auth import Actor
from bizsuite.core.errors import NotFound
from bizsuite.screens.contact_forms import ActivityForm, ContactForm, MergeDialog
from bizsuite.screens.help import key_rows
from bizsuite.screens.contacts import ContactDetailScreen, ContactsScreen
from bizsuite.widgets.confirm import Confirm
from bizsuite.widgets.form import FormField
from bizsuite.widgets.paged_table import PagedTable


async def open_contacts(pilot) -> ContactsScreen:
    await settle(pilot)
    await pilot.press("c")
    await settle(pilot)
    assert isinstance(pilot.app.screen, ContactsScreen)
    return pilot.app.screen


async def open_contact(pilot, contact_id: int) -> ContactDetailScreen:
    await settle(pilot)
    pilot.app.open_contact(contact_id)
    await settle(pilot)
    assert isinstance(pilot.app.screen, ContactDetailScreen)
    return pilot.app.screen


def names(table: PagedTable) -> list[str]:
    return [row.name for row in table.loaded_rows()]


async def test_add_a_contact(app, books):
    store, actor, ids = books
    async with app.run_test(size=SIZE) as pilot:
        await open_contacts(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, ContactForm)
        await pilot.press(*"Zhang Wei")
        await pilot.press("tab", "tab")  # kind, company
        app.screen.query_one("#company", Input).value = "北京科技有限公司"
        await pilot.press("tab", *"zhang.wei@bjkj.cn", "tab", *"020 7946 0991")
        await pilot.press("tab", "space")  # the first role: customer
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ContactDetailScreen)  # the new contact opens
        new_id = app.screen.contact_id

    with store.read(actor) as b:
        c = b.contacts.get(new_id)
        assert (c.name, c.email, c.kind, c.roles) == ("Zhang Wei", "zhang.wei@bjkj.cn", "person", ["customer"])
        assert c.company_id == ids["北京科技有限公司"]
        assert c.phone == "+442079460991"  # a local number of the books' region (GB)


async def test_add_shows_errors_beside_the_fields_and_saves_nothing(app, books):
    store, actor, _ = books
    async with app.run_test(size=SIZE) as pilot:
        await open_contacts(pilot)
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("tab", "tab", "tab", *"not-an-email", "enter")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, ContactForm)
        assert form.query_one("#field-name", FormField).error == "is required"
        assert "not a valid address" in form.query_one("#field-email", FormField).error
        assert form.query_one("#field-phone", FormField).error is None
        assert app.focused is form.query_one("#name", Input)  # the first wrong field
        await pilot.press("escape", "y")  # typed something: asked first
        await settle(pilot)
        assert isinstance(app.screen, ContactsScreen)
    with store.read(actor) as b:
        assert b.contacts.count() == 12


async def test_edit_a_contact(app, books):
    store, actor, ids = books
    async with app.run_test(size=SIZE) as pilot:
        await open_contact(pilot, ids["Alice Martin"])
        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, ContactForm)
        assert form.query_one("#company", Input).value == "Acme Trading Ltd"
        email = form.query_one("#email", Input)
        email.value = "a.martin@acme.example"
        form.query_one("#notes", TextArea).text = "Moved to purchasing."
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ContactDetailScreen)
        assert app.screen.view.email == "a.martin@acme.example"  # reloaded after the save

    with store.read(actor) as b:
        c = b.contacts.get(ids["Alice Martin"])
        assert c.email == "a.martin@acme.example"
        assert c.notes == "Moved to purchasing."
        assert c.company_id == ids["Acme Trading Ltd"]  # unchanged company kept by id
        assert c.version == 2


async def test_edit_of_a_stale_copy_says_who_changed_it(app, books):
    store, actor, ids = books
    async with app.run_test(size=SIZE) as pilot:
        await open_contact(pilot, ids["Bob Stone"])
        await pilot.press("e")
        await settle(pilot)
        bob = Actor(name="bob", role="owner")
        with store.transaction(bob) as b:  # someone else saves first
            data = b.contacts.as_input(b.contacts.get(ids["Bob Stone"]))
            data.city = "York"
            b.contacts.update(ids["Bob Stone"], data)
        app.screen.query_one("#email", Input).value = "robert@acme.example"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ContactForm)  # still open, nothing lost
        message = str(app.screen.query_one(".form--message").render())
        assert "changed by bob" in message and "nothing was saved" in message

    with store.read(actor) as b:
        c = b.contacts.get(ids["Bob Stone"])
        assert (c.city, c.email) == ("York", "bob@acme.example")


async def test_search_as_you_type_and_filters(app, books):
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_contacts(pilot)
        table = screen.query_one("#contacts", PagedTable)
        assert table.total == 12
        assert str(screen.query_one("#status").render()) == "12 contacts"
        await pilot.press("slash", *"emma")
        await settle(pilot)
        assert names(table) == ["Emma Johnson", "Emma Johnston"]
        assert str(screen.query_one("#status").render()) == "2 of 12 contacts"
        screen.query_one("#search", Input).value = "北京"
        await settle(pilot)
        assert set(names(table)) == {"北京科技有限公司", "王小明", "李华"}
        screen.query_one("#search", Input).value = ""
        screen.query_one("#role").value = "lead"
        await settle(pilot)
        assert names(table) == ["Bob Stone", "Emma Johnson", "Emma Johnston", "李华"]
        screen.query_one("#kind").value = "company"
        screen.query_one("#role").clear()
        screen.query_one("#tag").value = "vip"
        await settle(pilot)
        assert names(table) == ["北京科技有限公司"]
        screen.query_one("#tag").clear()
        await pilot.press("escape")  # back from the filters to the list
        await settle(pilot)
        by_name = names(table)
        await pilot.press("O")  # the other way round
        await settle(pilot)
        assert names(table) == list(reversed(by_name)) and table.sorted_by == ("name", True)
        await pilot.press(*"o" * 7)  # company, email, phone, roles, city, country, then recently changed
        await settle(pilot)
        assert str(screen.query_one("#status").render()) == "3 of 12 contacts · by recently changed ▼"  # companies
        assert names(table)[0] == "Globex GmbH"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ContactDetailScreen)
        assert app.screen.view.name == "Globex GmbH"


async def test_add_a_note_to_the_timeline(app, books):
    store, actor, ids = books
    async with app.run_test(size=SIZE) as pilot:
        await open_contact(pilot, ids["Carla Weber"])
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, ActivityForm)
        app.screen.query_one("#kind").value = "call"
        await pilot.press("ctrl+s")  # no subject yet
        await settle(pilot)
        assert app.screen.query_one("#field-subject", FormField).error == "is required"
        await pilot.press(*"Price check", "enter")
        await pilot.press(*"She wants 5% off.")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ContactDetailScreen)
        timeline = app.screen.query_one("#timeline", PagedTable)
        assert [a.subject for a in timeline.loaded_rows()] == ["Price check"]

    with store.read(actor) as b:
        [a] = b.contacts.timeline(ids["Carla Weber"])
        assert (a.kind, a.subject, a.body, a.author) == ("call", "Price check", "She wants 5% off.", "alice")


async def test_merge_a_duplicate(app, books):
    store, actor, ids = books
    keep, dup = ids["Emma Johnson"], ids["Emma Johnston"]
    async with app.run_test(size=SIZE) as pilot:
        await open_contact(pilot, keep)
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, MergeDialog)
        await pilot.press("down")  # to the likely duplicates: Emma Johnston, same email
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, ContactDetailScreen)
        subjects = [a.subject for a in app.screen.query_one("#timeline", PagedTable).loaded_rows()]
        assert subjects[0] == f"Merged #{dup} Emma Johnston into this contact"

    with store.read(actor) as b:
        with pytest.raises(NotFound):
            b.contacts.get(dup)
        subjects = [a.subject for a in b.contacts.timeline(keep)]
        assert "Wants the catalogue" in subjects  # the duplicate's note moved here
        assert "Met at the trade fair." in (b.contacts.get(keep).notes or "")


async def test_merge_by_search(app, books):
    store, actor, ids = books
    async with app.run_test(size=SIZE) as pilot:
        await open_contact(pilot, ids["Frank Müller"])
        await pilot.press("m")
        await settle(pilot)
        await pilot.press(*"dmitri")
        await settle(pilot)
        await pilot.press("enter", "enter")  # to the list, pick the first match
        await settle(pilot)
        await pilot.press("n")  # no, do not merge
        await settle(pilot)
        assert isinstance(app.screen, ContactDetailScreen)
    with store.read(actor) as b:
        assert b.contacts.get(ids["Dmitri Ivanov"]).name == "Dmitri Ivanov"


async def test_delete_asks_and_deletes(app, books):
    store, actor, ids = books
    async with app.run_test(size=SIZE) as pilot:
        await open_contacts(pilot)
        await open_contact(pilot, ids["Dmitri Ivanov"])
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, ContactsScreen)
        assert "Dmitri Ivanov" not in names(app.screen.query_one("#contacts", PagedTable))
    with store.read(actor) as b:
        with pytest.raises(NotFound):
            b.contacts.get(ids["Dmitri Ivanov"])


async def test_delete_refused_shows_why(app, books):
    store, actor, ids = books
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_contact(pilot, ids["Acme Trading Ltd"])
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, ContactDetailScreen)  # no question that would be refused anyway
        messages = [(n.title, n.message) for n in app._notifications]
        assert ("Cannot delete", f"contact #{ids['Acme Trading Ltd']} Acme Trading Ltd is still referred to by "
                "2 people; merge it into another contact instead") in messages
    with store.read(actor) as b:
        assert b.contacts.get(ids["Acme Trading Ltd"]).name == "Acme Trading Ltd"


async def test_links_open_the_company_and_its_people(app, books):
    _, _, ids = books
    async with app.run_test(size=SIZE) as pilot:
        await open_contact(pilot, ids["王小明"])
        await pilot.press("shift+tab")  # from the timeline to the company link
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.view.name == "北京科技有限公司"
        assert [name for _, name, _ in app.screen.view.people] == ["李华", "王小明"]
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen.view.name == "王小明"


async def test_palette_finds_a_contact_by_name(app, books):
    _, _, ids = books
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"xiaoming")
        await pilot.pause(0.3)
        await settle(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ContactDetailScreen)
        assert app.screen.contact_id == ids["王小明"]
        assert app.current_mode == "contacts"


async def test_palette_opens_a_module(app):
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p", *"contacts")
        await pilot.pause(0.3)
        await settle(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ContactsScreen)


async def test_a_viewer_sees_no_change_keys(books, sqlite_location):
    from bizsuite.app import make_app

    store, owner, ids = books
    with store.transaction(owner) as b:
        b.admin.add_user("vera", "viewer")
    app = make_app(store, Actor(name="vera", role="viewer"), sqlite_location)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_contacts(pilot)
        assert "add" not in {b.binding.action for b in screen.active_bindings.values() if b.enabled}
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, ContactsScreen)
        detail = await open_contact(pilot, ids["Bob Stone"])
        actions = {b.binding.action for b in detail.active_bindings.values() if b.enabled}
        assert not actions & {"edit", "note", "merge", "delete"}


async def test_help_lists_the_screens_keys(app):
    async with app.run_test(size=SIZE) as pilot:
        await open_contacts(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        described = [what for _, what, _ in key_rows(app.screen.for_screen)]
        assert described[:5] == ["Add", "Home", "Sort", "Reverse order", "Export"]  # its own keys, then every list's
        assert {"Page down", "Open", "Search", "Reverse order"} <= set(described)  # then the rest, shown in the footer or not
        await pilot.press("escape")
        assert isinstance(app.screen, ContactsScreen)


async def test_a_person_added_with_a_new_company_name_creates_it(app, books):
    store, actor, _ = books
    async with app.run_test(size=SIZE) as pilot:
        await open_contacts(pilot)
        await pilot.press("a")
        await settle(pilot)
        form = app.screen
        form.query_one("#name", Input).value = "Ola Nordmann"
        form.query_one("#company", Input).value = "Fjord AS"
        await pilot.press("ctrl+s")
        await settle(pilot)
    with store.read(actor) as b:
        person = b.contacts.resolve("Ola Nordmann")
        assert b.contacts.get(person.company_id).name == "Fjord AS"


def shown(widget) -> str:
    """The text a Static shows (its Rich content rendered at the widget's width)."""
    from rich.console import Console

    console = Console(width=widget.size.width or 76, record=True, file=open("/dev/null", "w"))
    console.print(widget.content)
    return console.export_text()


async def test_a_phone_kept_as_typed_is_marked_unverified(app, books, tmp_path):
    from bizsuite.crm.contacts.importer import import_contacts

    store, actor, ids = books
    path = tmp_path / "odd.csv"
    path.write_text("name,email,phone\nOdd One,odd@example.com,ask at desk 3\n", encoding="utf-8")
    with store.transaction(actor) as b:
        report = import_contacts(b, path)
        odd = b.contacts.resolve("Odd One").id
    assert report.warnings and "kept as typed" in report.warnings[0]
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_contact(pilot, odd)
        text = shown(screen.query_one("#fields"))
        assert "ask at desk 3 (unverified)" in text
        screen = await open_contact(pilot, ids["Emma Johnson"])  # a number we read: no mark
        text = shown(screen.query_one("#fields"))
        assert "+1 415-555-0123" in text and "unverified" not in text


async def test_esc_asks_before_dropping_what_was_typed(app, books):
    store, actor, ids = books
    async with app.run_test(size=SIZE) as pilot:
        await open_contacts(pilot)
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("escape")  # nothing typed: closes at once
        await settle(pilot)
        assert isinstance(app.screen, ContactsScreen)
        await pilot.press("a")
        await settle(pilot)
        await pilot.press(*"Zoe")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, Confirm) and "Leave without saving?" in app.screen.title_text
        await pilot.press("n")  # stay: the text is still there
        await settle(pilot)
        assert isinstance(app.screen, ContactForm)
        assert app.screen.query_one("#name", Input).value == "Zoe"
        await pilot.press("backspace", "backspace", "backspace", "escape")  # typed, then undone: no question
        await settle(pilot)
        assert isinstance(app.screen, ContactsScreen)

        await open_contact(pilot, ids["Alice Martin"])
        await pilot.press("e")
        await settle(pilot)
        await pilot.press("escape")  # an edit form left as it opened: closes at once
        await settle(pilot)
        assert isinstance(app.screen, ContactDetailScreen)
        await pilot.press("e")
        await settle(pilot)
        app.screen.query_one("#city", Input).value = "Paris"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, ContactDetailScreen)
    with store.read(actor) as b:
        assert b.contacts.count() == 12
        assert b.contacts.get(ids["Alice Martin"]).city == "London"


async def test_errors_go_as_soon_as_they_are_put_right(app, books):
    store, actor, _ = books
    async with app.run_test(size=SIZE) as pilot:
        await open_contacts(pilot)
        await pilot.press("a")
        await settle(pilot)
        form = app.screen
        form.query_one("#name", Input).value = "Zoe Hart"
        form.query_one("#email", Input).value = "zoe@"
        form.query_one("#phone", Input).value = "call me"
        await pilot.press("ctrl+s")
        await settle(pilot)
        email, phone = form.query_one("#field-email", FormField), form.query_one("#field-phone", FormField)
        assert "not a valid address" in email.error
        assert phone.error.startswith("'call me' is not a phone number we can read")
        form.query_one("#email", Input).value = "zoe@example.com"  # put right
        await settle(pilot)
        assert email.error is None
        assert phone.error is not None  # still wrong: still said
        form.query_one("#phone", Input).value = "020 7946 0992"
        await settle(pilot)
        assert phone.error is None
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ContactDetailScreen)
    with store.read(actor) as b:
        assert b.contacts.resolve("zoe@example.com").phone == "+442079460992"


def table_lines(table: PagedTable) -> list[str]:
    return [table.render_line(y).text for y in range(table.size.height)]


async def test_the_phone_column_fits_the_numbers(app, books):
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_contacts(pilot)
        lines = table_lines(screen.table)
        wang = next(line for line in lines if "王小明" in line)
        assert "+86 138 0013 8000" in wang  # 17 cells, whole
        assert "+1 415-555-0123" in next(line for line in lines if "Emma Johnson " in line)
        header = lines[0]
        assert header.index("Roles") - header.index("Phone") == 18  # the widest number and a gap


async def test_a_company_s_people_have_their_emails_in_one_column(app, books):
    from rich.cells import cell_len
    from textual.widgets import OptionList

    _, _, ids = books
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_contact(pilot, ids["北京科技有限公司"])
        links = screen.query_one("#links", OptionList)
        labels = [links.get_option_at_index(i).prompt.plain for i in range(links.option_count)]
        assert [label.split()[0] for label in labels] == ["李华", "王小明"]  # two and three characters
        starts = {cell_len(label[:label.index("@") - label[:label.index("@")][::-1].index(" ")])
                  for label in labels}
        assert starts == {8}  # 王小明 is 6 cells wide, then two spaces: both emails start at cell 8

"""What the screens look like at 80x24 (SQLite, the fixed dozen contacts, a frozen clock).

Regenerate with ``pytest tests/screens --snapshot-update`` and look at every changed SVG
before keeping it.
"""

from __future__ import annotations

from screen_helpers import SIZE, settle


def test_home(app, snap_compare):
    assert snap_compare(app, terminal_size=SIZE, run_before=settle)


def test_contacts_list(app, snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        await pilot.press("down", "down")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_contacts_search(app, snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        await pilot.press("slash", *"emma")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_contact_detail(app, books, snap_compare):
    _, _, ids = books

    async def run_before(pilot):
        await settle(pilot)
        pilot.app.open_contact(ids["北京科技有限公司"])
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_contact_detail_person(app, books, snap_compare):
    _, _, ids = books

    async def run_before(pilot):
        await settle(pilot)
        pilot.app.open_contact(ids["王小明"])
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_form_with_validation_error(app, books, snap_compare):
    _, _, ids = books

    async def run_before(pilot):
        await settle(pilot)
        pilot.app.open_contact(ids["王小明"])
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        await pilot.press("tab", "tab", "tab")  # name → kind → company → email
        email = pilot.app.screen.query_one("#email")
        email.value = "xiaoming(at)bjkj"
        await pilot.press("ctrl+s")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_help(app, snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_merge_dialog(app, books, snap_compare):
    _, _, ids = books

    async def run_before(pilot):
        await settle(pilot)
        pilot.app.open_contact(ids["Emma Johnson"])
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)

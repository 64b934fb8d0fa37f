"""Every list screen behaves the same (screens/lists.py): o sorts by the next column and O turns
the order around, in the database's order (what the repository returns for that sort, page for
page); the header marks the column; x writes every row that matches, in the order shown, with the
columns the CLI writes; and every key the footer shows is whole at 80 columns."""

from __future__ import annotations

import csv

import pytest
from screen_helpers import SIZE, settle
from test_ledger import fill_ledger
from test_tickets import fill_tickets, painted_text
from textual.widgets import Footer

from bizsuite.screens.export import ExportDialog
from bizsuite.screens.lists import Sortable


@pytest.fixture
def company(books, frozen_clock):
    store, owner, ids = books
    accounts = fill_ledger(store, owner)
    fill_tickets(store, owner, ids, frozen_clock)
    return accounts


def _identity(row):
    if hasattr(row, "account") and hasattr(row, "depth"):  # an accounts-tree node
        return row.account.id
    return getattr(row, "line_id", None) or row.id


# screen → (keys that open it, its repository's rows for a sort: books, screen, sort → rows)
SCREENS = {
    "contacts": (["c"], lambda b, s, sort: b.contacts.page(sort=sort, limit=1000, **s._applied).rows),
    "queue": (["t"], lambda b, s, sort: b.tickets.page(sort=sort, limit=1000, **s._applied).rows),
    "journal": (["l", "j"], lambda b, s, sort: b.ledger.journal_page(sort=sort, limit=1000, **s._applied).rows),
    "register": (["l", "down", "down", "enter"],  # assets › cash › checking
                 lambda b, s, sort: b.ledger.register(s.account_id, sort=sort, limit=1000, **s._applied).rows),
    "accounts": (["l"], lambda b, s, sort: [n for n in b.ledger.account_tree(as_of=s._as_of or None, sort=sort)
                                            if n.account.active]),
}


CLASSES = {"contacts": "ContactsScreen", "queue": "QueueScreen", "journal": "JournalScreen",
           "register": "RegisterScreen", "accounts": "AccountsScreen"}


async def _open(pilot, name):
    await settle(pilot)
    for key in SCREENS[name][0]:
        await pilot.press(key)
        await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, Sortable) and type(screen).__name__ == CLASSES[name], screen
    return screen


def _shown(screen) -> list:
    return [_identity(r) for r in screen.table.loaded_rows()]


@pytest.mark.parametrize("name", list(SCREENS))
async def test_o_sorts_by_the_next_column_and_O_turns_it_around(app, books, company, name):
    store, actor, _ = books
    keys, rows_for = SCREENS[name]
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(pilot, name)
        table = screen.table
        seen = set()
        for _ in range(len(screen.sort_keys())):  # round the keys once, each way
            await pilot.press("o")
            await settle(pilot)
            sort = screen.sort
            assert table.sorted_by == (sort.key, sort.descending)
            seen.add(sort.key)
            with store.read(actor) as b:
                assert _shown(screen) == [_identity(r) for r in rows_for(b, screen, sort)], (name, sort)
            await pilot.press("O")
            await settle(pilot)
            assert screen.sort == sort.reversed() and table.sorted_by == (sort.key, not sort.descending)
            with store.read(actor) as b:
                assert _shown(screen) == [_identity(r) for r in rows_for(b, screen, screen.sort)], (name, screen.sort)
        shown_keys = {c.sort for c in table.columns if c.sort}
        assert shown_keys <= seen and len(shown_keys) >= 3  # every sortable column was reached
        orders = set()
        for key in shown_keys:  # and sorting really changes the order somewhere
            with store.read(actor) as b:
                orders.add(tuple(_identity(r) for r in rows_for(b, screen, key)))
        assert len(orders) > 1


@pytest.mark.parametrize("name", list(SCREENS))
async def test_x_writes_every_row_in_the_order_shown(app, books, company, name, tmp_path):
    store, actor, _ = books
    keys, rows_for = SCREENS[name]
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(pilot, name)
        await pilot.press("o", "O")  # not the opening order
        await settle(pilot)
        with store.read(actor) as b:
            expected = list(rows_for(b, screen, screen.sort))
        await pilot.press("x")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        assert dialog.query_one("#path").value.endswith("-2026-03-16.csv")
        out = tmp_path / "list.csv"
        dialog.query_one("#path").value = str(out)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
    with open(out, newline="", encoding="utf-8") as f:
        written = list(csv.reader(f))
    header, body = written[0], written[1:]
    assert header == [h for h, _ in screen.export_columns()]
    assert len(body) == len(expected) > 1
    first = header[0]
    ids = {"contacts": "id", "queue": "id", "journal": "entry", "register": "entry", "accounts": "code"}[name]
    column = header.index(ids)
    want = {"contacts": lambda r: str(r.id), "queue": lambda r: str(r.id), "journal": lambda r: str(r.id),
            "register": lambda r: str(r.entry_id), "accounts": lambda r: r.account.code or ""}[name]
    assert [row[column] for row in body] == [want(r) for r in expected], first


@pytest.mark.parametrize("name", list(SCREENS))
async def test_every_key_the_footer_shows_is_whole_at_80_columns(app, books, company, name):
    keys, _ = SCREENS[name]
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(pilot, name)
        footer = painted_text(screen, screen.query_one(Footer))
        shown = [(app.get_key_display(a.binding), a.binding.description)
                 for a in screen.active_bindings.values() if a.binding.show and a.binding.description]
        assert len(shown) >= 4
        for key, what in shown:
            assert f"{key} {what}" in footer, (name, key, what, footer)


async def test_a_click_on_a_heading_sorts_by_it_and_a_second_click_turns_it_around(app, books, company):
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(pilot, "contacts")
        table = screen.table
        email = next(c for c in table.columns if c.key == "email")
        x = next(x for x in range(table.size.width) if table.column_at(x) is email)
        await pilot.click(table, offset=(x, 0))
        await settle(pilot)
        assert screen.sort.key == "email" and not screen.sort.descending and table.sorted_by == ("email", False)
        emails = [r.email for r in table.loaded_rows() if r.email]
        assert emails == sorted(emails, key=str.lower)
        await pilot.click(table, offset=(x, 0))
        await settle(pilot)
        assert table.sorted_by == ("email", True)
        roles = next(c for c in table.columns if c.key == "roles")
        assert roles.sort == "roles"
        await pilot.click(table, offset=(0, 3))  # a row, not the heading: no sort, the cursor moves
        await settle(pilot)
        assert table.sorted_by == ("email", True) and table.cursor == 2

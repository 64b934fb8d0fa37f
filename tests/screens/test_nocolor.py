"""Usable without colour: on NO_COLOR or a terminal such as vt100, the list cursor shows in
reverse video and the header underlined, not in a colour that is not there."""

from __future__ import annotations

from bizsuite.app import _monochrome, make_app
from bizsuite.crm.contacts.models import ContactIn
from bizsuite.widgets.paged_table import PagedTable
from screen_helpers import SIZE, settle


def test_terminals_without_colour_are_recognised():
    assert _monochrome("vt100") and _monochrome("xterm-mono") and _monochrome("dumb")
    assert not _monochrome("xterm-256color") and not _monochrome("screen") and not _monochrome("tmux-256color")


async def _cursor_and_header(monkeypatch, sqlite_store, owner_name, sqlite_location, no_color: bool):
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    else:
        monkeypatch.delenv("NO_COLOR", raising=False)
    owner = sqlite_store.actor_for(owner_name)
    with sqlite_store.transaction(owner) as b:
        for name in ("Ada Lovelace", "Grace Hopper"):
            b.contacts.add(ContactIn(name=name, kind="person"))
    app = make_app(sqlite_store, owner, sqlite_location)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        table = app.screen.query_one(PagedTable)
        header = table.render_line(0)
        cursor = table.render_line(1)
        return ({seg.style.reverse for seg in cursor if seg.text.strip()},
                {seg.style.underline for seg in header if seg.text.strip()})


async def test_no_color_puts_the_cursor_in_reverse_video(monkeypatch, sqlite_store, owner_name, sqlite_location):
    cursor, header = await _cursor_and_header(monkeypatch, sqlite_store, owner_name, sqlite_location, True)
    assert cursor == {True} and header == {True}


async def test_with_colour_the_cursor_is_a_colour_not_reverse(monkeypatch, sqlite_store, owner_name, sqlite_location):
    cursor, header = await _cursor_and_header(monkeypatch, sqlite_store, owner_name, sqlite_location, False)
    assert True not in cursor and True not in header

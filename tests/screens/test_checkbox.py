"""Checkboxes say their state in text, so it reads without colour."""

from textual.app import App

from bizsuite.widgets.checkbox import Checkbox
from screen_helpers import SIZE


class _One(App):
    def compose(self):
        yield Checkbox("customer", True, id="on")
        yield Checkbox("supplier", False, id="off")


async def test_checked_and_unchecked_read_differently_without_colour():
    app = _One()
    async with app.run_test(size=SIZE) as pilot:
        on, off = app.query_one("#on", Checkbox), app.query_one("#off", Checkbox)
        assert on.render().plain.startswith("[x] customer")
        assert off.render().plain.startswith("[ ] supplier")
        off.focus()
        await pilot.press("space")
        await pilot.pause()
        assert off.value and off.render().plain.startswith("[x]")

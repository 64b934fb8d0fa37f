"""Sections that modules add to a contact's page (``Module.contact_panels``).

A panel is a small widget built with the contact's id: a title and a short list, filled from a
worker through its own read unit of work, hidden while it has nothing to show. Enter on a row
opens it (``opened``). The contact page reloads its panels whenever it loads itself, and composes the panels of every installed module the user's
role may open, in the installed order, and knows none of them.
"""

from __future__ import annotations

from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from bizsuite.core.errors import Refused


class ContactPanel(Vertical):
    """Subclass and give ``title``, ``fetch``, ``option`` and ``opened``."""

    DEFAULT_CSS = """
    ContactPanel { height: auto; display: none; }
    ContactPanel > OptionList { height: auto; max-height: 4; border: none; padding: 0; background: $surface; }
    ContactPanel > OptionList:focus { background-tint: $foreground 5%; }
    """
    title = ""
    note = ""  # said after the count ("Purchase orders (3) · we owe 69.50"): ``fetch`` may set it
    limit = 20

    def __init__(self, contact_id: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.contact_id = contact_id

    # -- what a module gives ---------------------------------------------------------------------
    def fetch(self, books, contact_id: int) -> list[Any]:  # in a worker thread
        raise NotImplementedError

    def option(self, row: Any) -> Option:
        raise NotImplementedError

    def opened(self, option_id: str) -> None:
        raise NotImplementedError

    # -- the rest --------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static("", classes="section panel-title")
        yield OptionList()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def reload(self) -> None:
        app = self.app
        try:
            with app.store.read(app.actor) as books:
                rows = self.fetch(books, self.contact_id)
        except Refused:
            rows = []
        app.call_from_thread(self._show, rows)

    def _show(self, rows: list[Any]) -> None:
        options = self.query_one(OptionList)
        highlighted = options.highlighted
        options.clear_options()
        options.add_options([self.option(r) for r in rows])
        self.query_one(".panel-title", Static).update(f"{self.title} ({len(rows)}){self.note}")
        self.display = bool(rows)
        if rows:
            options.highlighted = min(highlighted or 0, len(rows) - 1)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.opened(event.option.id)

"""A product picked as you type: a labelled search box and, under it, the products that match.

The forms that take product lines (a purchase order, a quotation) share it. The picker knows no
books: the form gives ``search(text) -> list[Pick]``, which runs in a worker thread (it opens its
own read unit of work), and ``describe(pick, taken) -> Text``, what one match says (a quotation
shows on hand and available, a purchase order the unit). Typing searches; Down reaches the
matches; Enter in the box picks the highlighted match, Enter on a match picks it; the form gets
:class:`ProductPicker.Picked` and adds the line. Products already on the form (``taken``) are
listed but cannot be picked twice.

The search box is ``#find`` inside a :class:`FormField` (``field`` names it, so what is wrong
with the lines as a whole shows under it) and the matches are the ``#hits`` option list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from bizsuite.widgets.form import FormField


@dataclass(frozen=True)
class Pick:
    """One product the search found: what the form needs to add it as a line."""

    id: int
    sku: str
    unit: str
    data: Any = None  # the form's own (a default price, what is available…)


class ProductPicker(Vertical):
    DEFAULT_CSS = """
    ProductPicker {
        height: auto;
        & > #hits { height: auto; max-height: 6; margin-left: 12; border: none; background: $boost; }
        & > #hits.-empty { display: none; }
    }
    """

    class Picked(Message):
        """A match was picked (Enter in the box, or on a match)."""

        def __init__(self, picker: "ProductPicker", pick: Pick) -> None:
            super().__init__()
            self.picker, self.pick = picker, pick

        @property
        def control(self) -> "ProductPicker":
            return self.picker

    def __init__(self, search: Callable[[str], list[Pick]], describe: Callable[[Pick, bool], Text], *,
                 label: str = "Product", field: str = "lines", placeholder: str = "type part of a SKU or name",
                 id: str | None = None) -> None:
        super().__init__(id=id)
        self.search, self.describe = search, describe
        self.label, self.field, self.placeholder = label, field, placeholder
        self.taken: set[int] = set()  # product ids already on the form
        self.hits: dict[str, Pick] = {}

    def compose(self) -> ComposeResult:
        yield FormField(self.label, Input(id="find", compact=True, placeholder=self.placeholder), field=self.field)
        yield OptionList(id="hits", classes="-empty")

    @property
    def box(self) -> Input:
        return self.query_one("#find", Input)

    def clear(self) -> None:
        """Empty the box (after a pick): the matches go too."""
        self.box.value = ""

    # -- searching -------------------------------------------------------------------------------
    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "find":
            self.find(event.value)

    @work(thread=True, exclusive=True, exit_on_error=False, group="find")
    def find(self, text: str) -> None:
        hits = self.search(text) if text.strip() else []
        self.app.call_from_thread(self._show, text, hits)

    def _show(self, text: str, hits: list[Pick]) -> None:
        if self.box.value != text:
            return  # typed on since: a newer search is coming
        ol = self.query_one("#hits", OptionList)
        ol.clear_options()
        self.hits = {}
        for pick in hits:
            key = f"p{pick.id}"
            self.hits[key] = pick
            taken = pick.id in self.taken
            ol.add_option(Option(self.describe(pick, taken), id=key, disabled=taken))
        ol.set_class(not hits, "-empty")
        if hits:
            ol.highlighted = 0

    # -- picking ---------------------------------------------------------------------------------
    def _pick(self, key: str | None) -> None:
        pick = self.hits.get(key or "")
        if pick is not None and pick.id not in self.taken:
            self.post_message(self.Picked(self, pick))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "find":
            return
        event.stop()
        ol = self.query_one("#hits", OptionList)
        if ol.option_count:
            self._pick(ol.get_option_at_index(ol.highlighted or 0).id)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._pick(event.option.id)

    def on_key(self, event: events.Key) -> None:
        if event.key == "down" and self.box.has_focus:
            ol = self.query_one("#hits", OptionList)
            if ol.option_count:
                event.stop()
                ol.focus()


__all__ = ["Pick", "ProductPicker"]

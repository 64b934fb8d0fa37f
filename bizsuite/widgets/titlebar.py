"""One line at the top of every screen: where you are on the left, who you are on the right."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget


class TitleBar(Widget):
    DEFAULT_CSS = """
    TitleBar {
        dock: top;
        height: 1;
        background: $panel;
        color: $foreground;
        & > .titlebar--place { text-style: bold; }
        & > .titlebar--who { color: $text-muted; }
    }
    """
    COMPONENT_CLASSES = {"titlebar--place", "titlebar--who"}

    place: reactive[str] = reactive("")
    who: reactive[str] = reactive("")

    def __init__(self, place: str = "", who: str = "", *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.set_reactive(TitleBar.place, place)
        self.set_reactive(TitleBar.who, who)

    def render(self) -> Table:
        grid = Table.grid(expand=True, padding=(0, 1))
        grid.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        grid.add_column(justify="right", no_wrap=True)
        grid.add_row(
            Text(self.place, style=self.get_component_rich_style("titlebar--place", partial=True)),
            Text(self.who, style=self.get_component_rich_style("titlebar--who", partial=True)),
        )
        return grid

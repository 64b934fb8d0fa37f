"""A kanban board: columns of cards side by side, a page of columns at a time.

The board draws and moves; what a column's header and a card say is the screen's, given as two
callables that return lines of text (``header(board, column, width, current)`` and
``card(board, row, width)``, each line exactly ``width`` cells: :func:`fit` makes one). A column
is any object with ``rows`` (the cards loaded so far, objects with an ``id``) and ``count`` (how
many it has in all); the board never asks for more than the screen loaded, it says ``WantMore``
when the cursor goes past the last loaded card of a column that has more.

As many columns are shown as fit at ``min_width`` cells each (two at 80 cells); ← and → past the
edge, or ``[`` and ``]``, show the others. Arrows move the cursor; Enter says ``Selected``.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from rich.text import Text
from textual.message import Message
from textual.widget import Widget

from bizsuite.widgets.keymap import bind

Lines = list[Text]


def fit(left: Text | str, right: Text | str, width: int) -> Text:
    """One line of exactly ``width`` cells: ``left`` cut with an ellipsis, ``right`` flush right
    (cells, not characters: Chinese names take two each)."""
    left = left if isinstance(left, Text) else Text(left)
    right = right if isinstance(right, Text) else Text(right)
    room = max(0, width - right.cell_len - (1 if right.cell_len else 0))
    line = left.copy()
    line.truncate(room, overflow="ellipsis", pad=True)
    if right.cell_len:
        line.append(" ")
        line.append_text(right)
    line.truncate(width, overflow="ellipsis", pad=True)
    return line


class Kanban(Widget, can_focus=True):
    """Columns of cards (see the module)."""

    DEFAULT_CSS = """
    Kanban {
        height: 1fr;
        background: $surface;
        & > .kanban--header { text-style: bold; }
        & > .kanban--header-current { text-style: bold; color: $accent; }
        & > .kanban--muted { color: $text-muted; }
        & > .kanban--alert { color: $text-error; text-style: bold; }
        & > .kanban--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        & > .kanban--cursor-blurred {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
        }
        &:nocolor > .kanban--cursor { text-style: reverse bold; }
        &:nocolor > .kanban--header-current { text-style: bold underline; }
    }
    """
    COMPONENT_CLASSES = {"kanban--header", "kanban--header-current", "kanban--muted", "kanban--alert",
                         "kanban--cursor", "kanban--cursor-blurred"}
    BINDINGS = [
        bind("kanban.cursor_up", "cursor(0,-1)", "Up", show=False),
        bind("kanban.cursor_down", "cursor(0,1)", "Down", show=False),
        bind("kanban.cursor_left", "cursor(-1,0)", "Left", show=False),
        bind("kanban.cursor_right", "cursor(1,0)", "Right", show=False),
        bind("kanban.page_prev", "page(-1)", "Columns before", key_display="[", show=False),
        bind("kanban.page_next", "page(1)", "Columns after", key_display="]", show=False),
        bind("kanban.select", "select", "Open", show=False),
    ]

    class Moved(Message):
        """The cursor or the page of columns changed (``by_key``: the user did it)."""

        def __init__(self, board: "Kanban", by_key: bool) -> None:
            super().__init__()
            self.board, self.by_key = board, by_key

    class Selected(Message):
        """Enter on a card."""

        def __init__(self, board: "Kanban", row: Any) -> None:
            super().__init__()
            self.board, self.row = board, row

    class WantMore(Message):
        """The cursor is past the last loaded card of a column that has more."""

        def __init__(self, board: "Kanban", column: int) -> None:
            super().__init__()
            self.board, self.column = board, column

    def __init__(self, header: Callable[["Kanban", Any, int, bool], Lines],
                 card: Callable[["Kanban", Any, int], Lines], *, min_width: int = 38,
                 empty: str = "Nothing here.", id: str | None = None) -> None:
        super().__init__(id=id)
        self.header, self.card = header, card
        self.min_width = min_width
        self.empty = empty
        self.columns: Sequence[Any] = []
        self.col = 0  # the current column
        self.left = 0  # the first column shown
        self.cursors: dict[int, int] = {}  # per column, the card the cursor is on
        self.tops: dict[int, int] = {}  # per column, the first card shown

    def style(self, name: str):
        """A component style for the callables: header, header-current, muted, alert."""
        return self.get_component_rich_style(f"kanban--{name}")

    # -- what the screen asks --------------------------------------------------------------------
    @property
    def visible(self) -> int:
        """How many columns fit side by side."""
        if not self.columns:
            return 1
        return max(1, min(len(self.columns), (self.size.width + 1) // (self.min_width + 1)))

    @property
    def current_row(self) -> Any | None:
        if not self.columns:
            return None
        rows = self.columns[self.col].rows
        return rows[min(self.cursors.get(self.col, 0), len(rows) - 1)] if rows else None

    def set_columns(self, columns: Sequence[Any], *, keep: int | None = None) -> None:
        """New data; the cursor goes to the card whose row has id ``keep``, wherever it now is
        (else it stays in its column, at the same place)."""
        self.columns = columns
        self.col = min(self.col, max(0, len(columns) - 1))
        if keep is not None:
            for i, c in enumerate(columns):
                for n, r in enumerate(c.rows):
                    if r.id == keep:
                        self.col, self.cursors[i] = i, n
        for i, c in enumerate(columns):
            self.cursors[i] = max(0, min(self.cursors.get(i, 0), len(c.rows) - 1))
        self._show_current()
        self.refresh()
        self.post_message(self.Moved(self, False))

    def extend(self, column: int, rows: Sequence[Any]) -> None:
        """The next cards of a column, after ``WantMore``: the cursor goes on to the first."""
        if column >= len(self.columns):
            return
        c = self.columns[column]
        known = {r.id for r in c.rows}
        new = [r for r in rows if r.id not in known]
        if not new:
            return
        c.rows.extend(new)
        if column == self.col:
            self.cursors[column] = min(self.cursors.get(column, 0) + 1, len(c.rows) - 1)
        self.refresh()
        self.post_message(self.Moved(self, True))

    def _show_current(self) -> None:
        n = self.visible
        if self.col < self.left:
            self.left = self.col
        elif self.col >= self.left + n:
            self.left = self.col - n + 1
        self.left = max(0, min(self.left, len(self.columns) - n))

    def on_resize(self) -> None:
        self._show_current()
        self.post_message(self.Moved(self, False))

    # -- keys ------------------------------------------------------------------------------------
    def action_cursor(self, dx: int, dy: int) -> None:
        if not self.columns:
            return
        if dx:
            to = self.col + dx
            if not 0 <= to < len(self.columns):
                return
            n = self.visible
            if to >= self.left + n:  # past the right edge: the next columns, this one first
                self.left = min(to, len(self.columns) - n)
            elif to < self.left:  # past the left edge: the columns before, this one last
                self.left = max(0, to - n + 1)
            self.col = to
        if dy:
            c = self.columns[self.col]
            at = self.cursors.get(self.col, 0) + dy
            if at >= len(c.rows):
                if c.count > len(c.rows):
                    self.post_message(self.WantMore(self, self.col))
                return
            self.cursors[self.col] = max(0, at)
        self.refresh()
        self.post_message(self.Moved(self, True))

    def action_page(self, step: int) -> None:
        n = self.visible
        if not self.columns or len(self.columns) <= n:
            return
        self.left = max(0, min(self.left + step * n, len(self.columns) - n))
        self.col = self.left if step > 0 else self.left + n - 1
        self.refresh()
        self.post_message(self.Moved(self, True))

    def action_select(self) -> None:
        row = self.current_row
        if row is not None:
            self.post_message(self.Selected(self, row))

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    # -- drawing ---------------------------------------------------------------------------------
    def render(self) -> Text:
        width, height = self.size.width, self.size.height
        if not self.columns:
            return Text("Loading…", style=self.style("muted"))
        n = self.visible
        self._show_current()
        w = (width - (n - 1)) // n
        shown = [self._column(i, w if k < n - 1 else width - (n - 1) - w * (n - 1), height)
                 for k, i in enumerate(range(self.left, self.left + n))]
        lines = []
        for y in range(height):
            line = Text(no_wrap=True)
            for k, col in enumerate(shown):
                if k:
                    line.append("│", style=self.style("muted"))
                line.append_text(col[y])
            lines.append(line)
        return Text("\n", no_wrap=True).join(lines)

    def _window(self, i: int, body: int, card: int) -> tuple[int, int, int]:
        """Which cards of column ``i`` fit in ``body`` lines around its cursor (each ``card``
        lines and a blank): (the first shown, how many, how many after the last shown)."""
        c = self.columns[i]
        cur = self.cursors.get(i, 0)
        top = self.tops.get(i, 0)
        fits = 1
        for _ in range(3):
            room = body - (1 if top else 0)  # a line "↑ N above"
            fits = max(1, (room + 1) // (card + 1))
            if c.count - top - fits > 0:  # a line "↓ N more"
                fits = max(1, room // (card + 1))
            if cur < top:
                top = cur
            elif cur >= top + fits:
                top = cur - fits + 1
            else:
                break
        self.tops[i] = top
        return top, fits, max(0, c.count - top - fits, len(c.rows) - top - fits)

    def _column(self, i: int, w: int, height: int) -> Lines:
        c = self.columns[i]
        current = i == self.col
        muted = self.style("muted")
        lines = list(self.header(self, c, w, current))
        lines.append(Text(("━" if current else "─") * w, style=self.style("header-current") if current else muted))
        if not c.rows:
            lines.append(fit(Text(" " + self.empty, style=muted), "", w))
        else:
            cards = [self.card(self, r, w) for r in c.rows[:1]]
            top, fits, below = self._window(i, height - len(lines), len(cards[0]))
            if top:
                lines.append(fit(Text(f" ↑ {top:,} above", style=muted), "", w))
            cursor = self.style("cursor" if self.has_focus else "cursor-blurred")
            for n in range(top, min(top + fits, len(c.rows))):
                card = self.card(self, c.rows[n], w)
                if current and n == self.cursors.get(i, 0):
                    for line in card:
                        line.stylize(cursor)
                lines.extend(card)
                lines.append(Text(" " * w))
            if below:
                del lines[height - 1:]
                lines.append(fit(Text(f" ↓ {below:,} more", style=muted), "", w))
        lines = lines[:height]
        while len(lines) < height:
            lines.append(Text(" " * w))
        return lines


__all__ = ["Kanban", "fit"]

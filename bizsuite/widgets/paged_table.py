"""A table that never holds a whole table: it asks a callback for one page of rows at a time.

Every list screen uses it. Give it the columns and a ``fetch(offset, limit) -> (rows, total)``
callable; ``fetch`` runs in a thread worker (it may open a transaction and query), and rows
come back to the widget as messages. Pages are fetched as the cursor or the scroll position
nears rows not loaded yet, and pages far from the cursor are dropped again, so 100k rows cost
what one screenful costs.

``total`` may be ``None`` when counting is slow: pass ``count()`` too and the widget counts in
a second worker once the first page is on screen (a short page gives the total for free).

    table = PagedTable(
        [Column("name", "Name", ratio=2), Column("email", "Email", ratio=3),
         Column("phone", "Phone", width=16)],
        fetch=lambda offset, limit: (rows[offset:offset + limit], len(rows)),
    )

Rows may be objects (columns read attributes) or mappings (columns read keys); a column's
``render(row)`` can return any string or :class:`rich.text.Text` instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from bizsuite.widgets.keymap import bind

Fetch = Callable[[int, int], tuple[Sequence[Any], "int | None"]]
Count = Callable[[], int]
_KEEP: Any = object()  # reload(): keep the current count callable


@dataclass(frozen=True)
class Column:
    """One column: where its value comes from and how wide it is."""

    key: str
    label: str
    width: int | None = None  # fixed width in cells; None shares the free width by ratio
    ratio: int = 1
    min_width: int = 4
    align: str = "left"  # "left" or "right"
    render: Callable[[Any], "str | Text | None"] | None = None
    sort: str | None = None  # the list's sort key for this column (see core.sorting); None: not sortable

    def value(self, row: Any) -> Text:
        if self.render is not None:
            value = self.render(row)
        elif isinstance(row, Mapping):
            value = row.get(self.key)
        else:
            value = getattr(row, self.key, None)
        if value is None:
            return Text("")
        if isinstance(value, Text):
            return value.copy()
        return Text(str(value))


def column_widths(columns: Sequence[Column], available: int, gap: int = 1) -> list[int]:
    """Fixed columns get their width; the rest share what is left by ratio (at least min_width)."""
    free = available - gap * (len(columns) - 1)
    widths = [c.width or 0 for c in columns]
    flexible = [i for i, c in enumerate(columns) if c.width is None]
    free -= sum(widths)
    ratios = sum(columns[i].ratio for i in flexible) or 1
    given = 0
    for n, i in enumerate(flexible):
        if n == len(flexible) - 1:
            share = free - given
        else:
            share = free * columns[i].ratio // ratios
        widths[i] = max(columns[i].min_width, share)
        given += widths[i]
    return widths


class PagedTable(ScrollView, can_focus=True, inherit_bindings=False):
    """A read-only, keyboard-driven table fed one page at a time by ``fetch(offset, limit)``."""

    DEFAULT_CSS = """
    PagedTable {
        height: 1fr;
        background: $surface;
        color: $foreground;
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-size-vertical: 1;
        &:focus { background-tint: $foreground 5%; }
        & > .paged-table--header { text-style: bold; background: $panel; color: $foreground; }
        & > .paged-table--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        &:nocolor > .paged-table--cursor { text-style: reverse bold; }
        &:nocolor > .paged-table--header { text-style: bold underline; }
        & > .paged-table--cursor-blurred {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
        }
        & > .paged-table--even { background: $surface-lighten-1 50%; }
        & > .paged-table--placeholder { color: $text-muted; text-style: italic; }
    }
    """

    COMPONENT_CLASSES = {
        "paged-table--header",
        "paged-table--cursor",
        "paged-table--cursor-blurred",
        "paged-table--even",
        "paged-table--placeholder",
    }

    BINDINGS = [
        bind("paged_table.cursor_up", "cursor_up", "Up", show=False),
        bind("paged_table.cursor_down", "cursor_down", "Down", show=False),
        bind("paged_table.page_up", "page_up", "Page up", show=False),
        bind("paged_table.page_down", "page_down", "Page down", show=False),
        bind("paged_table.first", "first", "First", show=False),
        bind("paged_table.last", "last", "Last", show=False),
        bind("paged_table.select", "select", "Open", show=False),  # Enter opens, on every list (help says so)
    ]

    cursor: reactive[int] = reactive(0, init=False)

    # -- messages ------------------------------------------------------------------------------
    class RowHighlighted(Message):
        """The cursor is on a loaded row."""

        def __init__(self, table: "PagedTable", index: int, row: Any) -> None:
            super().__init__()
            self.table, self.index, self.row = table, index, row

        @property
        def control(self) -> "PagedTable":
            return self.table

    class RowSelected(Message):
        """Enter on a loaded row."""

        def __init__(self, table: "PagedTable", index: int, row: Any) -> None:
            super().__init__()
            self.table, self.index, self.row = table, index, row

        @property
        def control(self) -> "PagedTable":
            return self.table

    class Counted(Message):
        """The number of rows is known (``total``) or not yet (``None``)."""

        def __init__(self, table: "PagedTable", total: int | None) -> None:
            super().__init__()
            self.table, self.total = table, total

        @property
        def control(self) -> "PagedTable":
            return self.table

    class HeaderClicked(Message):
        """A click on a column's header (a list screen sorts by it)."""

        def __init__(self, table: "PagedTable", column: Column) -> None:
            super().__init__()
            self.table, self.column = table, column

        @property
        def control(self) -> "PagedTable":
            return self.table

    class LoadFailed(Message):
        """``fetch`` or ``count`` raised; the table shows the error's text."""

        def __init__(self, table: "PagedTable", error: BaseException) -> None:
            super().__init__()
            self.table, self.error = table, error

        @property
        def control(self) -> "PagedTable":
            return self.table

    class _PageLoaded(Message):
        def __init__(self, generation: int, page: int, rows: list, total: int | None) -> None:
            super().__init__()
            self.generation, self.page, self.rows, self.total = generation, page, rows, total

    class _CountLoaded(Message):
        def __init__(self, generation: int, total: int) -> None:
            super().__init__()
            self.generation, self.total = generation, total

    class _Failed(Message):
        def __init__(self, generation: int, error: BaseException, page: int | None) -> None:
            super().__init__()
            self.generation, self.error, self.page = generation, error, page

    # -- construction --------------------------------------------------------------------------
    def __init__(
        self,
        columns: Sequence[Column],
        fetch: Fetch | None = None,
        *,
        count: Count | None = None,
        page_size: int = 100,
        max_pages: int = 12,
        empty_text: str = "Nothing to show.",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self.columns = list(columns)
        self.page_size = page_size
        self.max_pages = max(3, max_pages)
        self.empty_text = empty_text
        self._fetch = fetch
        self._count = count
        self._generation = 0
        self._pages: dict[int, list] = {}
        self._pending: set[int] = set()
        self._fetching: dict[int, int] = {}  # fetches still running, by generation
        self._deferred: set[int] = set()  # pages to fetch once older fetches are done
        self._total: int | None = None
        self._known = 0  # rows known to exist (the end of the furthest page seen)
        self._more = True  # the furthest page seen was full, so there may be more
        self._replace = False  # the shown pages belong to the previous generation
        self._loaded_once = False
        self._error: str | None = None
        self._counting = False
        self._fresh = True  # no page of the current generation has arrived yet
        self.sorted_by: tuple[str, bool] | None = None  # (sort key, descending): marked in the header

    def on_mount(self) -> None:
        if self._fetch is not None:
            self.reload()

    # -- public API ----------------------------------------------------------------------------
    @property
    def total(self) -> int | None:
        """The number of rows, once known."""
        return self._total

    @property
    def row_count(self) -> int:
        """Rows the table spans now: the total, or what is known plus one row still loading."""
        if self._total is not None:
            return self._total
        return self._known + (1 if self._more else 0)

    @property
    def is_loading(self) -> bool:
        return bool(self._pending) or self._counting or self._replace

    @property
    def cursor_row(self) -> Any | None:
        """The row under the cursor, or None when it is not loaded (or there are no rows)."""
        return self.row_at(self.cursor)

    def row_at(self, index: int) -> Any | None:
        if self._replace:
            return None
        page = self._pages.get(index // self.page_size)
        if page is None:
            return None
        offset = index % self.page_size
        return page[offset] if offset < len(page) else None

    def loaded_rows(self) -> list[Any]:
        """The rows held in memory now, in order (at most ``max_pages`` pages)."""
        return [row for _, rows in sorted(self._pages.items()) for row in rows]

    def reload(self, fetch: Fetch | None = None, *, count: Count | None = _KEEP,
               keep_cursor: bool = False) -> None:
        """Fetch again from the first page (with a new ``fetch``/``count`` when given).

        The rows on screen stay until the new first page arrives, so typing in a search box
        does not flicker. ``keep_cursor`` keeps the cursor's index (after an edit, say).
        """
        if fetch is not None:
            self._fetch = fetch
        if count is not _KEEP:
            self._count = count
        self._generation += 1
        self._fresh = True
        self._pending.clear()
        self._deferred.clear()
        self._counting = False
        self._error = None
        self._replace = bool(self._pages) or self._loaded_once
        if not keep_cursor:
            self.set_reactive(PagedTable.cursor, 0)
            self.scroll_to(y=0, animate=False, immediate=True)
        start = self.cursor // self.page_size if keep_cursor else 0
        self._request(start)
        if keep_cursor and start:
            self._request(0)
        self.refresh()

    def move_cursor(self, index: int) -> None:
        self.cursor = index

    # -- fetching ------------------------------------------------------------------------------
    def _request(self, page: int) -> None:
        if self._fetch is None or page < 0 or page in self._pending:
            return
        if not self._replace and page in self._pages:
            return
        if self._total is not None and not self._replace and page * self.page_size >= max(self._total, 1):
            return
        self._pending.add(page)
        if self._stale_running():
            # Typing fast: let the query for an older keystroke finish first rather than pile
            # up threads; only the latest request then runs.
            self._deferred.add(page)
            return
        generation, fetch, limit = self._generation, self._fetch, self.page_size
        self._fetching[generation] = self._fetching.get(generation, 0) + 1

        def work() -> None:
            try:
                rows, total = fetch(page * limit, limit)
            except Exception as exc:  # shown in the table and reported to the screen
                self.post_message(self._Failed(generation, exc, page))
                return
            self.post_message(self._PageLoaded(generation, page, list(rows), total))

        self.run_worker(work, thread=True, group="paged-table-pages", exit_on_error=False,
                        description=f"page {page}")

    def _request_count(self) -> None:
        if self._count is None or self._counting or self._total is not None:
            return
        self._counting = True
        generation, count = self._generation, self._count

        def work() -> None:
            try:
                total = count()
            except Exception as exc:
                self.post_message(self._Failed(generation, exc, None))
                return
            self.post_message(self._CountLoaded(generation, total))

        self.run_worker(work, thread=True, group="paged-table-count", exit_on_error=False,
                        description="count")

    def _stale_running(self) -> bool:
        return any(n for g, n in self._fetching.items() if g != self._generation)

    def _fetch_done(self, generation: int) -> None:
        left = self._fetching.get(generation, 1) - 1
        if left > 0:
            self._fetching[generation] = left
        else:
            self._fetching.pop(generation, None)
        if self._deferred and not self._stale_running():
            pages, self._deferred = sorted(self._deferred), set()
            for page in pages:
                self._pending.discard(page)
                self._request(page)

    def _on_paged_table__page_loaded(self, message: _PageLoaded) -> None:
        message.stop()
        self._fetch_done(message.generation)
        if message.generation != self._generation:
            return
        self._pending.discard(message.page)
        first, self._fresh = self._fresh, False
        if self._replace:
            self._pages.clear()
            self._total = None
            self._known = 0
            self._more = True
            self._replace = False
        self._loaded_once = True
        rows = message.rows
        self._pages[message.page] = rows
        end = message.page * self.page_size + len(rows)
        if message.total is not None:
            self._total = message.total
        elif len(rows) < self.page_size and (rows or message.page == 0):
            self._total = end  # a short page is the last one
        if end >= self._known:
            self._known = end
            self._more = len(rows) == self.page_size
        self._evict()
        self._update_virtual_size()
        if self.cursor >= self.row_count:
            self.set_reactive(PagedTable.cursor, max(0, self.row_count - 1))
        self.refresh()
        if first or message.total is not None:
            self.post_message(self.Counted(self, self._total))
        if self._total is None:
            self._request_count()
        start = self.cursor
        if start // self.page_size == message.page:
            row = self.cursor_row
            if row is not None:
                self.post_message(self.RowHighlighted(self, start, row))
        self._ensure_visible_loaded()

    def _on_paged_table__count_loaded(self, message: _CountLoaded) -> None:
        message.stop()
        if message.generation != self._generation:
            return
        self._counting = False
        self._total = message.total
        self._update_virtual_size()
        self.refresh()
        self.post_message(self.Counted(self, self._total))

    def _on_paged_table__failed(self, message: _Failed) -> None:
        message.stop()
        if message.page is not None:
            self._fetch_done(message.generation)
        if message.generation != self._generation:
            return
        self._pending.clear()
        self._deferred.clear()
        self._counting = False
        problems = getattr(message.error, "problems", None)
        self._error = "; ".join(problems) if problems else f"{type(message.error).__name__}: {message.error}"
        if self._replace:
            self._pages.clear()
            self._replace = False
            self._total, self._known, self._more = 0, 0, False
            self._update_virtual_size()
        self.refresh()
        self.post_message(self.LoadFailed(self, message.error))

    def _evict(self) -> None:
        if len(self._pages) <= self.max_pages:
            return
        here = self.cursor // self.page_size
        for page in sorted(self._pages, key=lambda p: abs(p - here), reverse=True):
            if len(self._pages) <= self.max_pages:
                break
            del self._pages[page]

    def _ensure_visible_loaded(self) -> None:
        """Fetch the pages under the viewport and the cursor, and the next one when near."""
        if self._fetch is None or self._error is not None:
            return
        height = max(1, self.scrollable_content_region.height - 1)
        top = int(self.scroll_offset.y)
        last = min(self.row_count - 1, top + height)
        wanted = {self.cursor // self.page_size}
        if last >= 0:
            wanted.update(range(top // self.page_size, last // self.page_size + 1))
        near = max(self.cursor, last) + max(height, self.page_size // 4)
        if near < self.row_count or (self._total is None and self._more):
            wanted.add(min(near, max(self.row_count - 1, 0)) // self.page_size)
        for page in sorted(wanted):
            self._request(page)

    # -- geometry ------------------------------------------------------------------------------
    def _update_virtual_size(self) -> None:
        width = self.scrollable_content_region.width
        self.virtual_size = Size(width, self.row_count + 1)

    def on_resize(self, event: events.Resize) -> None:
        self._update_virtual_size()
        self._scroll_cursor_into_view()
        self._ensure_visible_loaded()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if self.is_mounted:
            self.call_later(self._ensure_visible_loaded)

    def _scroll_cursor_into_view(self) -> None:
        height = max(1, self.scrollable_content_region.height - 1)
        top = int(self.scroll_offset.y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False, immediate=True)

    # -- cursor --------------------------------------------------------------------------------
    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, self.row_count - 1))

    def watch_cursor(self, old: int, new: int) -> None:
        self._scroll_cursor_into_view()
        self._ensure_visible_loaded()
        self.refresh()
        row = self.cursor_row
        if row is not None:
            self.post_message(self.RowHighlighted(self, new, row))

    def _page_height(self) -> int:
        return max(1, self.scrollable_content_region.height - 2)

    def action_cursor_up(self) -> None:
        self.cursor -= 1

    def action_cursor_down(self) -> None:
        self.cursor += 1

    def action_page_up(self) -> None:
        self.cursor -= self._page_height()

    def action_page_down(self) -> None:
        self.cursor += self._page_height()

    def action_first(self) -> None:
        self.cursor = 0

    def action_last(self) -> None:
        self.cursor = self.row_count - 1

    def action_select(self) -> None:
        row = self.cursor_row
        if row is not None:
            self.post_message(self.RowSelected(self, self.cursor, row))

    def mark_sort(self, key: str | None, descending: bool = False) -> None:
        """Show which column the rows are sorted by (▲ ascending, ▼ descending) in the header."""
        self.sorted_by = (key, descending) if key else None
        self.refresh()

    def column_at(self, x: int) -> Column | None:
        widths = column_widths(self.columns, max(1, self.scrollable_content_region.width - 2))
        left = 1
        for column, width in zip(self.columns, widths):
            if left <= x < left + width:
                return column
            left += width + 1
        return None

    def on_click(self, event: events.Click) -> None:
        y = event.y
        if y == 0:
            column = self.column_at(event.x)
            if column is not None and column.sort:
                self.post_message(self.HeaderClicked(self, column))
            return
        if y >= 1:
            index = int(self.scroll_offset.y) + y - 1
            if index < self.row_count:
                self.cursor = index
                if event.chain >= 2:
                    self.action_select()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    # -- rendering -----------------------------------------------------------------------------
    def _line(self, cells: list[Text], widths: list[int], style: Style, width: int) -> Strip:
        line = Text(" ", end="", no_wrap=True)
        for n, (text, w) in enumerate(zip(cells, widths)):
            if n:
                line.append(" ")
            text.no_wrap = True
            text.truncate(w, overflow="ellipsis")
            align = self.columns[n].align
            if align == "right":
                text.pad_left(w - text.cell_len)
            else:
                text.pad_right(w - text.cell_len)
            line.append_text(text)
        segments = list(line.render(self.app.console))
        return Strip(list(Segment.apply_style(segments, style)), line.cell_len).crop_extend(0, width, style)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        widths = column_widths(self.columns, max(1, width - 2))
        if y == 0:
            style = base + self.get_component_rich_style("paged-table--header")
            return self._line([self._header(c, w) for c, w in zip(self.columns, widths)], widths, style, width)
        index = int(self.scroll_offset.y) + y - 1
        placeholder = base + self.get_component_rich_style("paged-table--placeholder")
        if self._error is not None or (self.row_count == 0 and self._loaded_once and not self._replace):
            if y == 1:
                text = self._error or self.empty_text
                segments = list(Text(" " + text, no_wrap=True).render(self.app.console))
                return Strip(list(Segment.apply_style(segments, placeholder))).crop_extend(0, width, placeholder)
            return Strip.blank(width, base)
        if index >= self.row_count:
            return Strip.blank(width, base)
        if index % 2:
            base = base + self.get_component_rich_style("paged-table--even")
        if index == self.cursor:
            name = "paged-table--cursor" if self.has_focus else "paged-table--cursor-blurred"
            base = base + self.get_component_rich_style(name)
        row = self.row_at(index)
        if row is None:
            if self._replace:
                row = self._stale_row(index)
            if row is None:
                self._schedule_fetch(index)
                return self._line([Text("…")] + [Text("") for _ in self.columns[1:]], widths,
                                  base + placeholder, width)
        return self._line([c.value(row) for c in self.columns], widths, base, width)

    def _header(self, column: Column, width: int) -> Text:
        """A column's label; the sorted column's carries ▲ or ▼, which a narrow column keeps by
        cutting its label instead."""
        if self.sorted_by is None or column.sort is None or column.sort != self.sorted_by[0]:
            return Text(column.label)
        arrow = "▼" if self.sorted_by[1] else "▲"
        label = column.label
        if cell_len(label) + 1 > width:
            label = set_cell_size(label, max(0, width - 2)) + "…" if width >= 2 else ""
        return Text(f"{label}{arrow}" if column.align == "left" else f"{arrow}{label}")

    def _stale_row(self, index: int) -> Any | None:
        page = self._pages.get(index // self.page_size)
        if page is None:
            return None
        offset = index % self.page_size
        return page[offset] if offset < len(page) else None

    def _schedule_fetch(self, index: int) -> None:
        page = index // self.page_size
        if page not in self._pending and (self._replace or page not in self._pages):
            self.call_later(self._request, page)

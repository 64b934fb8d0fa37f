"""The paged table asks for one page at a time and never for the whole table."""

from __future__ import annotations

import threading

from screen_helpers import settle
from textual.app import App, ComposeResult

from bizsuite.core.errors import Refused
from bizsuite.widgets.paged_table import Column, PagedTable, column_widths

ROWS = [{"n": i, "name": f"row {i:05d}", "wide": "字" * (i % 7)} for i in range(10_000)]


class Source:
    def __init__(self, rows=ROWS, *, with_total=True):
        self.rows = rows
        self.with_total = with_total
        self.calls: list[tuple[int, int]] = []
        self.counts = 0
        self.threads: set[str] = set()

    def fetch(self, offset: int, limit: int):
        self.calls.append((offset, limit))
        self.threads.add(threading.current_thread().name)
        return self.rows[offset:offset + limit], (len(self.rows) if self.with_total else None)

    def count(self) -> int:
        self.counts += 1
        return len(self.rows)


class TableApp(App):
    def __init__(self, source: Source, **kwargs):
        super().__init__()
        self.source = source
        self.kwargs = kwargs
        self.events: list = []

    def compose(self) -> ComposeResult:
        yield PagedTable([Column("n", "#", width=6, align="right"), Column("name", "Name"),
                          Column("wide", "Wide", ratio=2)], self.source.fetch, **self.kwargs)

    def on_mount(self) -> None:
        self.query_one(PagedTable).focus()

    def on_paged_table_row_selected(self, event: PagedTable.RowSelected) -> None:
        self.events.append(("selected", event.index, event.row["n"]))

    def on_paged_table_counted(self, event: PagedTable.Counted) -> None:
        self.events.append(("counted", event.total))


async def test_fetches_only_the_pages_it_shows():
    source = Source()
    app = TableApp(source, page_size=50)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.query_one(PagedTable)
        assert table.total == 10_000
        assert source.calls[0] == (0, 50)
        assert all(limit == 50 for _, limit in source.calls)
        assert len(source.calls) <= 2  # the first page, perhaps the next one
        assert "MainThread" not in source.threads  # fetch runs in a worker thread

        await pilot.press("end")
        await settle(pilot)
        assert table.cursor == 9_999
        assert table.cursor_row["n"] == 9_999
        assert (9_950, 50) in source.calls
        assert len(source.calls) <= 5  # never the pages in between

        await pilot.press("home", "pagedown", "pagedown")
        await settle(pilot)
        assert table.cursor == 2 * (table.scrollable_content_region.height - 2)
        await pilot.press("enter")
        await settle(pilot)
        assert app.events[-1] == ("selected", table.cursor, table.cursor)


async def test_walking_down_fetches_the_next_page_before_the_cursor_gets_there():
    source = Source()
    app = TableApp(source, page_size=40)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.query_one(PagedTable)
        for _ in range(30):
            await pilot.press("down")
        await settle(pilot)
        assert (40, 40) in source.calls  # fetched while the cursor was still on page 0
        assert table.cursor == 30
        for _ in range(3):
            await pilot.press("pagedown")
        await settle(pilot)
        assert table.row_at(table.cursor) is not None


async def test_counts_separately_when_fetch_gives_no_total():
    source = Source(with_total=False)
    app = TableApp(source, page_size=100, count=source.count)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.query_one(PagedTable)
        assert table.total == 10_000
        assert source.counts == 1
        assert ("counted", None) in app.events and ("counted", 10_000) in app.events


async def test_a_short_first_page_is_the_total_and_reload_replaces_the_rows():
    source = Source(ROWS[:7], with_total=False)
    app = TableApp(source, page_size=100, count=source.count)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.query_one(PagedTable)
        assert table.total == 7 and source.counts == 0
        other = Source(ROWS[100:103], with_total=False)
        table.reload(other.fetch, count=other.count)
        await settle(pilot)
        assert [r["n"] for r in table.loaded_rows()] == [100, 101, 102]
        assert table.total == 3


async def test_empty_and_failing_sources_say_so():
    def failing(offset, limit):
        raise Refused("no permission to see these")

    app = TableApp(Source([]), empty_text="Nothing here.")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.query_one(PagedTable)
        assert table.total == 0 and table.cursor_row is None
        assert "Nothing here." in table.render_line(1).text
        table.reload(failing)
        await settle(pilot)
        assert "no permission to see these" in table.render_line(1).text


async def test_wide_characters_keep_the_columns_aligned():
    app = TableApp(Source())
    async with app.run_test(size=(60, 12)) as pilot:
        await settle(pilot)
        table = app.query_one(PagedTable)
        widths = {table.render_line(y).cell_length for y in range(8)}
        assert widths == {table.scrollable_content_region.width}


def test_column_widths_share_the_free_space_by_ratio():
    cols = [Column("a", "A", width=10), Column("b", "B", ratio=1), Column("c", "C", ratio=3)]
    assert column_widths(cols, 52) == [10, 10, 30]
    assert sum(column_widths(cols, 52)) + 2 == 52
    assert column_widths(cols, 20)[1:] == [4, 4]  # never below min_width

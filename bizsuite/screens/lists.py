"""What every list screen shares: one table fed a page at a time from a repository, searching
and filtering as you type, counting, failures, sorting and exporting.

A list screen says what its rows are and how to get them; the base does the rest the same way
on every screen:

- ``filters()`` reads the search box and the filter widgets (on the app's thread);
- ``fetch_page(books, filters, sort, offset, limit)`` and ``count_rows(books, filters)`` read
  one page and the number of rows (in a worker, inside one read unit of work);
- ``o`` sorts by the next column that can be sorted (``SORTS``, the repository's own table of
  keys), ``O`` turns the order around, and a click on a header sorts by it (again: the other way);
  the header marks the column with ▲ or ▼ and the status line says the order in words;
- ``x`` writes every row that matches, in the order shown, to a CSV with ``export_columns()``;
- typing in ``#search``, changing a ``Select`` or leaving a filter ``Input`` reloads the list
  (only when what it asks for changed); a failure shows in the table and the status line.

:class:`Sortable` is the sorting and exporting half alone, for lists that are not paged from a
repository (the accounts tree, which is loaded whole).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Iterator, Sequence

from textual import on, work
from textual.widgets import Input, Select, Static

from bizsuite.core import clock
from bizsuite.core.errors import Refused
from bizsuite.core.sorting import Sort, Sorts
from bizsuite.screens.base import BizScreen
from bizsuite.widgets.keymap import bind
from bizsuite.widgets.paged_table import Column, PagedTable

if TYPE_CHECKING:
    from bizsuite.core.store import Books

EXPORT_BATCH = 1000

SORT_BINDINGS = [
    bind("list_screen.sort", "sort_next", "Sort"),
    bind("list_screen.sort_reverse", "sort_reverse", "Reverse order", show=False),
    bind("list_screen.export", "export", "Export"),
]


class Sortable:
    """Sorting (``o``, ``O``, a header click) and exporting (``x``) for a screen with a table."""

    SORTS: Sorts | None = None  # the repository's sort keys, in the order ``o`` steps through them
    SORT: str | None = None  # the order a screen opens with (default: the repository's)
    EXPORT_NAME = "list"  # the file name offered: <name>-<today>.csv
    sort: Sort

    def init_sort(self) -> None:
        self.sort = self.SORTS.parse(self.SORT) if self.SORTS is not None else Sort("", False)

    @property
    def table(self) -> PagedTable:  # pragma: no cover - every screen names its table
        raise NotImplementedError

    def action_back(self) -> None:
        """Escape: from a search box or a filter back to the list; from the list, home (a list
        opened from another screen, such as a register, goes back to it instead)."""
        if self.focused is not None and self.focused is not self.table:  # type: ignore[attr-defined]
            self.table.focus()
            return
        self.bizapp.open_module("home")  # type: ignore[attr-defined]

    # -- sorting -------------------------------------------------------------------------------
    def sort_keys(self) -> list[str]:
        """The keys ``o`` steps through: those of the shown columns first, then the others."""
        if self.SORTS is None:
            return []
        shown = [c.sort for c in self.table.columns if c.sort and c.sort in self.SORTS]
        return list(dict.fromkeys([*shown, *self.SORTS]))

    def sort_words(self, *, always: bool = False) -> str:
        """The order in words for a status line ('by recently changed ▼') when no column's header
        shows it (or ``always``)."""
        if self.SORTS is None or not self.sort.key:
            return ""
        if not always and any(c.sort == self.sort.key for c in self.table.columns):
            return ""  # the header's ▲/▼ says it
        return f"by {self.SORTS.label(self.sort)} {'▼' if self.sort.descending else '▲'}"

    def set_sort(self, sort: Sort) -> None:
        self.sort = sort
        self.table.mark_sort(sort.key, sort.descending)
        self.sort_changed()

    def sort_changed(self) -> None:
        """Load the rows again in the new order (each kind of screen knows how)."""
        raise NotImplementedError

    def action_sort_next(self) -> None:
        keys = self.sort_keys()
        if not keys:
            return
        after = keys[(keys.index(self.sort.key) + 1) % len(keys)] if self.sort.key in keys else keys[0]
        self.set_sort(self.SORTS.parse(after))  # the key's natural direction

    def action_sort_reverse(self) -> None:
        if self.SORTS is not None:
            self.set_sort(self.sort.reversed())

    def on_paged_table_header_clicked(self, event: PagedTable.HeaderClicked) -> None:
        event.stop()
        key = event.column.sort
        if self.SORTS is None or key not in self.SORTS:
            return
        self.set_sort(self.sort.reversed() if key == self.sort.key else self.SORTS.parse(key))

    # -- exporting -----------------------------------------------------------------------------
    def export_columns(self) -> list[tuple[str, Callable[[Any], Any]]]:
        """The CSV's columns: (header, value of a row). By default the shown columns that are a
        field of the row, with the field's own value (not the text on screen)."""
        return [(c.key, (lambda row, k=c.key: _field(row, k))) for c in self.table.columns if c.label]

    def export_rows(self, books: "Books") -> Iterator[Any]:
        """Every row to export, read through ``books`` (one read unit of work for the whole file)."""
        raise NotImplementedError

    def export_what(self) -> str:
        return f"{self.PLACE.split('›')[-1].strip()}, {self.sort_words(always=True)}".rstrip(", ")  # type: ignore[attr-defined]

    def action_export(self) -> None:
        from bizsuite.screens.export import ExportDialog, write_rows

        columns = self.export_columns()
        store, actor = self.store, self.actor  # type: ignore[attr-defined]

        def write(out) -> int:
            with store.read(actor) as books:
                rows = ([fn(row) for _, fn in columns] for row in self.export_rows(books))
                return write_rows(out, [name for name, _ in columns], rows)

        what = f"{self.export_what()}: every row that matches, columns {','.join(n for n, _ in columns)}"
        name = f"{self.EXPORT_NAME}-{clock.today().isoformat()}.csv"
        self.app.push_screen(ExportDialog(what, name, write))  # type: ignore[attr-defined]


def _field(row: Any, key: str) -> Any:
    if isinstance(row, dict):
        return row.get(key)
    return getattr(row, key, None)


class ListScreen(Sortable, BizScreen):
    """A screen whose heart is one :class:`PagedTable` of a repository's rows (see the module)."""

    LIST_BINDINGS = [
        *SORT_BINDINGS,
        bind("list_screen.search", "search", "Search", key_display="/", show=False),  # the box is on screen
        bind("list_screen.to_table", "to_table", "To the list", show=False),
    ]
    TABLE_ID = "list"
    STATUS_ID = "status"
    PAGE_SIZE = 100
    NOUNS = ("row", "rows")  # the status line's "1 row", "2,345 rows"
    EMPTY = "Nothing matches."
    FILTER_INPUTS: tuple[str, ...] = ()  # ids of Inputs applied on Enter or when left (dates, accounts)

    def __init_subclass__(cls, **kwargs) -> None:
        # A list screen's own keys come first in its footer and help, then the keys every list has.
        cls.BINDINGS = [*cls.__dict__.get("BINDINGS", []), *ListScreen.LIST_BINDINGS]
        super().__init_subclass__(**kwargs)

    def __init__(self) -> None:
        super().__init__()
        self.init_sort()
        self._applied: dict[str, Any] | None = None
        self._total: int | None = None  # rows that match, once counted
        self._everything: int | None = None  # rows with no filter (for "N of M"), when the screen counts them

    # -- what a list screen says ---------------------------------------------------------------
    def list_columns(self) -> list[Column]:
        raise NotImplementedError

    def filters(self) -> dict[str, Any]:
        """What the search box and the filters ask for now (read on the app's thread)."""
        return {}

    def fetch_page(self, books: "Books", filters: dict[str, Any], sort: Sort, offset: int, limit: int) -> Sequence[Any]:
        raise NotImplementedError

    def count_rows(self, books: "Books", filters: dict[str, Any]) -> int:
        raise NotImplementedError

    def count_everything(self, books: "Books") -> int | None:
        """The number of rows with no filter (shown as 'N of M'); None: do not say."""
        return None

    def is_filtered(self, filters: dict[str, Any]) -> bool:
        return any(bool(v.strip()) if isinstance(v, str) else v not in (None, False) for v in filters.values())

    def fit(self, rows: Sequence[Any]) -> None:
        """Called in the worker with each page before it is drawn (to fit column widths)."""

    def status_parts(self) -> list[str]:
        """The status line: how many rows (of how many), and in which order."""
        total, everything = self._total, self._everything
        one, many = self.NOUNS
        if total is None:
            count = "counting…" if self.table.is_loading else ""
        elif self._applied is not None and self.is_filtered(self._applied) and everything is not None:
            count = f"{total:,} of {everything:,} {many}"
        else:
            count = f"{total:,} {one if total == 1 else many}"
        return [p for p in (count, self.sort_words()) if p]

    # -- the parts -----------------------------------------------------------------------------
    def list_table(self) -> PagedTable:
        table = PagedTable(self.list_columns(), id=self.TABLE_ID, page_size=self.PAGE_SIZE, empty_text=self.EMPTY)
        table.mark_sort(self.sort.key or None, self.sort.descending)
        return table

    def status_line(self) -> Static:
        return Static("", id=self.STATUS_ID)

    @property
    def table(self) -> PagedTable:
        return self.query_one(f"#{self.TABLE_ID}", PagedTable)

    def on_mount(self) -> None:
        super().on_mount()
        self.table.focus()
        self.refresh_list(keep_cursor=False)

    def reload_on_return(self) -> None:
        self.refresh_list(keep_cursor=True)

    # -- loading -------------------------------------------------------------------------------
    def refresh_list(self, *, keep_cursor: bool) -> None:
        """Load the list again (after a change made here or on a screen opened from here)."""
        self._reload(keep_cursor=keep_cursor, force=True)
        self.count_all()

    def _reload(self, *, keep_cursor: bool = False, force: bool = False) -> None:
        filters = self.filters()
        if filters == self._applied and not force:
            return  # e.g. a Select announcing the value it was created with
        self._applied = filters
        store, actor, sort = self.store, self.actor, self.sort

        def fetch(offset: int, limit: int):
            with store.read(actor) as books:
                rows = list(self.fetch_page(books, filters, sort, offset, limit))
            self.fit(rows)
            return rows, None

        def count() -> int:
            with store.read(actor) as books:
                return self.count_rows(books, filters)

        self._total = None
        self.table.reload(fetch, count=count, keep_cursor=keep_cursor)
        self.show_status()

    def sort_changed(self) -> None:
        self._reload(force=True)

    @work(thread=True, exclusive=True, exit_on_error=False, group="count-all")
    def count_all(self) -> None:
        try:
            with self.store.read(self.actor) as books:
                everything = self.count_everything(books)
        except Refused:
            return
        if everything is not None:
            self.app.call_from_thread(self._counted_all, everything)

    def _counted_all(self, everything: int) -> None:
        self._everything = everything
        self.show_status()

    def show_status(self) -> None:
        self.query_one(f"#{self.STATUS_ID}", Static).update(" · ".join(self.status_parts()))

    def export_rows(self, books: "Books") -> Iterator[Any]:
        filters = self._applied if self._applied is not None else self.filters()
        offset = 0
        while True:
            rows = list(self.fetch_page(books, filters, self.sort, offset, EXPORT_BATCH))
            yield from rows
            if len(rows) < EXPORT_BATCH:
                return
            offset += EXPORT_BATCH

    # -- events --------------------------------------------------------------------------------
    def on_paged_table_counted(self, event: PagedTable.Counted) -> None:
        self._total = event.total
        self.show_status()

    def on_paged_table_load_failed(self, event: PagedTable.LoadFailed) -> None:
        self._total = 0
        self.show_status()

    @on(Input.Changed, "#search")
    def _search_changed(self) -> None:
        self._reload()

    @on(Input.Submitted)
    def _input_submitted(self, event: Input.Submitted) -> None:
        self._reload()
        if event.input.id == "search" or event.input.id == (self.FILTER_INPUTS[-1:] or ("",))[0]:
            self.table.focus()
        else:
            self.focus_next()

    @on(Input.Blurred)
    def _input_left(self, event: Input.Blurred) -> None:
        if event.input.id in self.FILTER_INPUTS:
            self._reload()

    @on(Select.Changed)
    def _select_changed(self) -> None:
        self._reload()

    # -- actions -------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "to_table":
            return self.focused is not None and isinstance(self.focused, Input)
        if action == "search":
            return bool(self.query("#search"))
        if action in ("sort_next", "sort_reverse"):
            return self.SORTS is not None
        return super().check_action(action, parameters)  # type: ignore[misc]

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_to_table(self) -> None:
        self.table.focus()


__all__ = ["ListScreen", "SORT_BINDINGS", "Sortable"]

"""The journal (posted entries or drafts, newest first) and one entry with its lines."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Input, Static

from bizsuite.erp.ledger.repository import journal_sorts
from bizsuite.screens.base import when
from bizsuite.screens.lists import ListScreen
from bizsuite.screens.ledger.common import (
    NAV_BINDINGS,
    PAGE_SIZE,
    AccountSuggester,
    LedgerScreen,
    LedgerSection,
    _Reverses,
    leaves,
    money,
    show_section,
    text_or_none,
)
from bizsuite.widgets.confirm import Confirm
from bizsuite.widgets.paged_table import Column, PagedTable
from bizsuite.widgets.keymap import bind

# -- the journal --------------------------------------------------------------------------------


def _marker(row) -> Text:
    if row.reversed_by:
        return Text("×", style="bold")
    if row.reverses_id:
        return Text("↩")
    return Text("")


def _journal_memo(row) -> Text:
    text = Text()
    if row.code:
        text.append(f"{row.code} ", style="dim")
    text.append(row.memo or "", style="dim" if row.reversed_by else "")
    return text


def _line_account(ln) -> Text:
    text = Text()
    if ln.code:
        text.append(f"{ln.code} ", style="dim")
    text.append(ln.account)
    return text


JOURNAL_COLUMNS = [
    Column("id", "#", width=6, align="right", render=lambda r: str(r.id), sort="id"),
    Column("date", "Date", width=10, render=lambda r: r.date.isoformat(), sort="date"),
    Column("marker", "", width=1, render=_marker),
    Column("memo", "Memo", ratio=3, min_width=10, render=_journal_memo, sort="memo"),
    Column("accounts", "Accounts", ratio=2, min_width=8, render=lambda r: Text(leaves(r.accounts), style="dim")),
    Column("total", "Amount", width=13, align="right", render=lambda r: money(r.total), sort="amount"),
]
# x writes these: one row an entry (`bizsuite ledger export` writes the lines of every entry)
JOURNAL_EXPORT = [
    ("entry", lambda r: r.id), ("date", lambda r: r.date), ("status", lambda r: r.status),
    ("memo", lambda r: r.memo), ("code", lambda r: r.code), ("accounts", lambda r: r.accounts),
    ("amount", lambda r: r.total), ("source", lambda r: r.source_kind),
    ("reverses", lambda r: r.reverses_id), ("reversed_by", lambda r: r.reversed_by),
]


class JournalScreen(_Reverses, LedgerSection, ListScreen):  # LedgerSection first: its CSS applies
    PLACE = "Ledger › Journal"
    HELP = (
        "Posted entries, newest first, a page at a time. Type in the search box to find words "
        "in memos, references and comments; From and To limit the dates and Account the "
        "entries that touch an account or its sub-accounts (a name, its last part or a code; "
        "Enter or Tab applies them). × marks an entry that has been reversed, ↩ a reversal.\n\n"
        "Enter opens the entry under the cursor; v reverses it (a new entry with every amount "
        "turned around, linked to it — posted entries never change). d switches between posted "
        "entries and drafts. n posts a new entry; r opens the reports; Escape goes back to the "
        "accounts.\n\n"
        "o sorts by the next column (#, date, memo, amount, reference), O turns the order around, "
        "a click on a heading sorts by it. x writes every entry that matches, in this order, to a "
        "CSV (one row an entry: its number, date, memo, accounts and amount)."
    )
    BINDINGS = [
        bind("journal_screen.reverse", "reverse", "Reverse"),
        bind("journal_screen.drafts_true", "drafts(True)", "Drafts"),
        bind("journal_screen.drafts_false", "drafts(False)", "Posted"),
        *NAV_BINDINGS[:1], NAV_BINDINGS[2],
        bind("journal_screen.back", "back", "Back"),
        bind("journal_screen.section_journal", "section('journal')", "Journal", show=False),
        bind("journal_screen.section_trial_balance", "section('trial_balance')", "Trial balance", show=False),
        bind("journal_screen.section_pnl", "section('pnl')", "Profit and loss", show=False),
        bind("journal_screen.section_balance_sheet", "section('balance_sheet')", "Balance sheet", show=False),
    ]
    TABLE_ID = "journal"
    SORTS = journal_sorts("posted")
    PAGE_SIZE = PAGE_SIZE
    FILTER_INPUTS = ("from", "to", "account")

    def __init__(self, *, drafts: bool = False, account: str = "") -> None:
        self.drafts = drafts
        if drafts:
            self.PLACE = "Ledger › Drafts"
            self.SORTS = journal_sorts("draft")
            self.NOUNS = ("draft", "drafts")
            self.EMPTY = "No drafts."
            self.EXPORT_NAME = "drafts"
        else:
            self.NOUNS = ("entry", "entries")
            self.EMPTY = "No entries match."
            self.EXPORT_NAME = "journal"
        super().__init__()
        self.account = account
        self._cursor_id: int | None = None

    def compose(self) -> ComposeResult:
        yield self.title_bar()
        yield Input(placeholder="Search memos, references, comments…", id="search", compact=True)
        with Horizontal(id="controls"):
            yield Static("From", classes="label")
            yield Input(id="from", compact=True, placeholder="YYYY-MM-DD", classes="date")
            yield Static("To", classes="label short")
            yield Input(id="to", compact=True, placeholder="YYYY-MM-DD", classes="date")
            yield Static("Account", classes="label")
            yield Input(self.account, id="account", compact=True, placeholder="any account",
                        suggester=AccountSuggester(self.store, self.actor))
        yield self.list_table()
        yield self.status_line()
        yield Footer()

    def list_columns(self) -> list[Column]:
        return list(JOURNAL_COLUMNS)

    def export_columns(self):
        return JOURNAL_EXPORT

    # -- loading -------------------------------------------------------------------------------
    def filters(self) -> dict[str, Any]:
        def value(widget_id: str) -> str | None:
            return text_or_none(self.query_one(f"#{widget_id}", Input).value)

        return {"text": self.query_one("#search", Input).value, "start": value("from"), "end": value("to"),
                "account": value("account")}

    def _status(self) -> str:
        return "draft" if self.drafts else "posted"

    def fetch_page(self, books, filters, sort, offset, limit):
        return books.ledger.journal_page(offset=offset, limit=limit, with_total=False, sort=sort,
                                         status=self._status(), **filters).rows

    def count_rows(self, books, filters) -> int:
        return books.ledger.journal_page(offset=0, limit=0, with_total=True, status=self._status(), **filters).total

    def count_everything(self, books) -> int:
        return books.ledger.journal_page(limit=0, status=self._status()).total

    # -- events --------------------------------------------------------------------------------
    def on_paged_table_counted(self, event: PagedTable.Counted) -> None:
        super().on_paged_table_counted(event)
        if self._cursor_id is not None and not self.table.is_loading:  # not a count of an older reload
            entry_id, self._cursor_id = self._cursor_id, None
            index = next((i for i, r in enumerate(self.table.loaded_rows()) if r.id == entry_id), None)
            if index is not None:
                self.table.move_cursor(index)

    def on_paged_table_row_selected(self, event: PagedTable.RowSelected) -> None:
        if self.drafts:
            self.edit_draft(event.row.id)
        else:
            self.open_entry(event.row.id)

    # -- actions -------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "reverse":
            return self.actor.can("ledger.write") and not self.drafts
        if action == "drafts":
            return parameters[0] != self.drafts and (self.actor.can("ledger.write") or self.drafts)
        return super().check_action(action, parameters)

    def action_drafts(self, drafts: bool) -> None:
        show_section(self.app, "drafts" if drafts else "journal")

    def action_reverse(self) -> None:
        row = self.table.cursor_row
        if row is None:
            self.notify("No entry under the cursor", severity="warning")
            return
        self.ask_reverse(row, row.memo)

    def _reversed(self, entry_id: int, new_id: int) -> None:
        self._cursor_id = entry_id  # the reversal comes in above it: keep the cursor on it
        self.refresh_list(keep_cursor=True)

    def edit_draft(self, entry_id: int) -> None:
        from bizsuite.screens.ledger.forms import EntryForm

        self.app.push_screen(EntryForm(draft_id=entry_id))


# -- one entry ----------------------------------------------------------------------------------


@dataclass
class EntryView:
    """Everything the entry screen shows, copied out of the transaction."""

    id: int
    date: dt.date
    status: str
    memo: str
    code: str | None
    comment: str | None
    source: str
    source_kind: str
    source_ref: str | None
    reverses_id: int | None
    reversed_by: int | None
    created: str
    posted: str
    lines: list  # the first page of them (``LINES_PAGE``); the table fetches the others as it scrolls
    line_count: int
    total: Decimal  # the debits of every line
    credits: Decimal
    difference: Decimal

    @classmethod
    def load(cls, books, entry_id: int) -> "EntryView":
        d = books.ledger.entry(entry_id, limit=LINES_PAGE)
        e = d.entry
        source = e.source_kind + (f" #{e.source_id}" if e.source_id is not None else "")
        return cls(id=e.id, date=e.date, status=e.status, memo=e.memo, code=e.code, comment=e.comment,
                   source=source, source_kind=e.source_kind, source_ref=e.source_ref, reverses_id=e.reverses_id, reversed_by=d.reversed_by,
                   created=f"{when(e.created_at)} by {e.created_by}",
                   posted=f"{when(e.posted_at)} by {e.posted_by}" if e.posted_at else "",
                   lines=list(d.lines), line_count=d.count, total=d.total, credits=d.credits,
                   difference=d.difference)


LINES_PAGE = 200  # lines the entry screen reads at a time (a 1,000,001-line entry opens at once)


ENTRY_COLUMNS = [
    Column("account", "Account", ratio=3, min_width=12, render=_line_account),
    Column("memo", "Memo", ratio=2, min_width=6, render=lambda ln: ln.memo or ""),
    Column("debit", "Debit", width=13, align="right", render=lambda ln: money(ln.debit)),
    Column("credit", "Credit", width=13, align="right", render=lambda ln: money(ln.credit)),
]


class EntryScreen(_Reverses, LedgerScreen):
    PLACE = "Entry"
    HELP = (
        "One journal entry: its date, memo, reference and source (manual, import, or the "
        "document of a module that posted it), who made and posted it, and its lines. Enter "
        "opens the register of the account under the cursor. A long entry's lines are read a page "
        "at a time as you move through them; the totals under them are the whole entry's.\n\n"
        "Posted entries never change: v reverses one instead (a new entry, linked to it, with "
        "every amount turned around; refused on or before the lock date, or when it is already "
        "reversed). o opens the entry this one reverses, g the entry that reverses it. A draft "
        "is edited and posted with e, or deleted with x."
    )
    BINDINGS = [
        bind("entry_screen.reverse", "reverse", "Reverse"),
        bind("entry_screen.linked_original", "linked('original')", "Original"),
        bind("entry_screen.linked_reversal", "linked('reversal')", "Reversal"),
        bind("entry_screen.edit", "edit", "Edit draft"),
        bind("entry_screen.delete", "delete", "Delete draft"),
        bind("entry_screen.back", "back", "Back"),
    ]

    def __init__(self, entry_id: int) -> None:
        super().__init__()
        self.entry_id = entry_id
        self.view: EntryView | None = None
        self.PLACE = f"Entry #{entry_id}"

    def compose(self) -> ComposeResult:
        yield self.title_bar()
        with Vertical(id="entry"):
            yield Static("", id="heading")
            yield Static("", id="facts")
            yield PagedTable(ENTRY_COLUMNS, id="lines", page_size=LINES_PAGE, empty_text="No lines.")
            yield Static("", id="totals")
        yield Footer()

    @property
    def table(self) -> PagedTable:
        return self.query_one("#lines", PagedTable)

    def on_mount(self) -> None:
        super().on_mount()
        self.table.focus()
        self.load()

    def reload_on_return(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="entry")
    def load(self) -> None:
        self.fetch_and_show(lambda books: EntryView.load(books, self.entry_id), self._show)

    def _show(self, v: EntryView) -> None:
        self.view = v
        self.PLACE = f"Entry #{v.id}" if v.status == "posted" else f"Draft #{v.id}"
        self._update_title_bar()
        heading = Table.grid(expand=True, padding=(0, 1))
        heading.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        heading.add_column(justify="right", no_wrap=True)
        left = Text(f"{v.date}  ", style="bold")
        left.append(v.memo or "(no memo)", style="bold")
        status = Text(v.status, style="bold yellow" if v.status == "draft" else "dim")
        heading.add_row(left, status)
        self.query_one("#heading", Static).update(heading)

        facts = Text()

        def fact(label: str, value: str, style: str = "") -> None:
            if facts:
                facts.append(" · ", style="dim")
            facts.append(f"{label} ", style="dim")
            facts.append(value, style=style)

        if v.code:
            fact("ref", v.code)
        fact("source", v.source + (f" ({v.source_ref})" if v.source_ref else ""))
        fact("made", v.created)
        if v.posted and v.posted != v.created:
            fact("posted", v.posted)
        if v.reverses_id:
            fact("reverses", f"#{v.reverses_id}", "bold")
        if v.reversed_by:
            fact("reversed by", f"#{v.reversed_by}", "bold")
        if v.comment:
            fact("comment", v.comment.replace("\n", " "))
        self.query_one("#facts", Static).update(facts)

        self.table.reload(self._lines_fetch(v), keep_cursor=True)
        totals = Table.grid(expand=True, padding=(0, 1))
        totals.add_column(ratio=1)
        totals.add_column(width=13, justify="right")
        totals.add_column(width=13, justify="right")
        count = v.line_count
        note = Text(f"{count:,} line{'s' if count != 1 else ''}", style="dim")
        if v.difference:
            note.append(f" · difference {money(v.difference)}", style="bold red")
        totals.add_row(note, Text(money(v.total), style="bold"), Text(money(v.credits), style="bold"))
        self.query_one("#totals", Static).update(totals)
        self.refresh_bindings()

    def _lines_fetch(self, v: EntryView):
        """The table's pages: the first came with the entry, the others are read as they are
        scrolled to (never every line: the table keeps a few pages)."""
        first, count, entry_id, store, actor = list(v.lines), v.line_count, v.id, self.store, self.actor

        def fetch(offset: int, limit: int):
            if offset + limit <= len(first) or len(first) == count:
                return first[offset:offset + limit], count
            with store.read(actor) as books:
                return books.ledger.entry_lines(entry_id, offset=offset, limit=limit), count

        return fetch

    def on_paged_table_row_selected(self, event: PagedTable.RowSelected) -> None:
        self.open_register(event.row.account_id)

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        v = self.view
        if action == "reverse":
            return self.actor.can("ledger.write") and (v is None or v.status == "posted")
        if action in ("edit", "delete"):
            return self.actor.can("ledger.write") and v is not None and v.status == "draft"
        if action == "linked":
            if v is None:
                return False
            return bool(v.reverses_id if parameters[0] == "original" else v.reversed_by)
        return super().check_action(action, parameters)

    def action_back(self) -> None:
        self.dismiss()

    def action_reverse(self) -> None:
        if self.view is not None:
            self.ask_reverse(self.view, self.view.memo)

    def _reversed(self, entry_id: int, new_id: int) -> None:
        self.load()

    def action_linked(self, which: str) -> None:
        v = self.view
        if v is None:
            return
        target = v.reverses_id if which == "original" else v.reversed_by
        if target:
            self.open_entry(target)

    def action_edit(self) -> None:
        from bizsuite.screens.ledger.forms import EntryForm

        if self.view is not None:  # back here, the screen reloads: a posted draft shows as posted
            self.app.push_screen(EntryForm(draft_id=self.view.id))

    def action_delete(self) -> None:
        v = self.view
        if v is None:
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.delete_draft()

        self.app.push_screen(Confirm(f"Delete draft #{v.id}?", f"{v.memo or 'The draft'} and its "
                                     f"{v.line_count} lines are deleted for good.", yes="delete"), confirmed)

    def delete_draft(self) -> None:
        entry_id = self.entry_id

        def deleted(_: object) -> None:
            self.notify(f"Deleted draft #{entry_id}")
            self.dismiss()

        self.submit(lambda books: books.ledger.delete_entry(entry_id), deleted, title="Not deleted")

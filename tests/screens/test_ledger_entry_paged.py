"""The entry screen reads a long entry's lines a page at a time (as every list does), with the
whole entry's count and totals from the database."""

from __future__ import annotations

import io
from decimal import Decimal

from rich.console import Console
from screen_helpers import SIZE, settle
from sqlalchemy import Date, bindparam, text

from bizsuite.erp.ledger.models import LineIn
from bizsuite.erp.ledger.repository import parse_date
from bizsuite.screens.ledger import EntryScreen
from bizsuite.screens.ledger.journal import LINES_PAGE

LINES = 1001


def long_entry(store, actor) -> int:
    """A posted entry of LINES lines: two posted, the others added by SQL in the same unit of
    work (odd lines debit checking 1.00, even ones credit sales 1.00, the last one 0.00)."""
    with store.transaction(actor) as b:
        b.ledger.load_chart("standard")
        e = b.ledger.post_entry("2026-03-01", "Stock revaluation", [LineIn("checking", Decimal(1)),
                                                                    LineIn("sales", Decimal(-1))])
        ids = {a.name: a.id for a in b.ledger.accounts()}
        b.session.execute(text(
            "WITH RECURSIVE seq(k) AS (SELECT 3 UNION ALL SELECT k + 1 FROM seq WHERE k < :last) "
            "INSERT INTO ledger_lines (entry_id, line_no, date, account_id, amount) "
            "SELECT :entry, k, :day, CASE WHEN k % 2 = 1 THEN :debit ELSE :credit END, "
            "CASE WHEN k = :last THEN 0 WHEN k % 2 = 1 THEN 100 ELSE -100 END FROM seq"
        ).bindparams(bindparam("day", type_=Date)), {
            "last": LINES, "entry": e.id, "day": parse_date("2026-03-01"),
            "debit": ids["assets:bank:checking"], "credit": ids["income:sales"]})
        return e.id


def _text(widget) -> str:
    out = io.StringIO()
    Console(file=out, width=78, color_system=None).print(widget.content)
    return " ".join(out.getvalue().split())


async def test_a_long_entry_opens_with_its_first_page_and_pages_as_it_scrolls(app, books):
    store, owner, _ = books
    entry_id = long_entry(store, owner)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        pilot.app.push_screen(EntryScreen(entry_id))
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, EntryScreen)
        v = screen.view
        assert (len(v.lines), v.line_count, v.total, v.credits) == (LINES_PAGE, LINES, Decimal(500), Decimal(500))
        assert screen.table.total == LINES
        assert _text(screen.query_one("#totals")) == "1,001 lines 500.00 500.00"
        await pilot.press("end")  # the last line: read when the cursor gets there
        await settle(pilot)
        last = screen.table.cursor_row
        assert (last.line_no, last.amount) == (LINES, Decimal("0.00"))
        held = screen.table.loaded_rows()
        assert len(held) < LINES and held[-1].line_no == LINES
        await pilot.press("home")
        await settle(pilot)
        assert screen.table.cursor_row.line_no == 1

"""Driving the ledger screens with the keyboard, and checking the books afterwards."""

from __future__ import annotations

import contextlib
import csv
import io
from decimal import Decimal

import pytest
from screen_helpers import SIZE, settle
from sqlalchemy import text

from bizsuite.core.auth import Actor
from bizsuite.erp.ledger.models import LineIn
from bizsuite.screens.help import HelpScreen
from bizsuite.screens.ledger import (
    AccountsScreen,
    EntryScreen,
    JournalScreen,
    RegisterScreen,
    palette_accounts,
    palette_sections,
)
from bizsuite.screens.export import ExportDialog
from bizsuite.screens.ledger.forms import AccountForm, EntryForm, parse_rows
from bizsuite.screens.ledger.reports import BalanceSheetScreen, ProfitLossScreen, TrialBalanceScreen
from bizsuite.widgets.confirm import Confirm
from bizsuite.widgets.form import FormField
from bizsuite.widgets.paged_table import PagedTable


def D(x) -> Decimal:
    return Decimal(str(x))


# (date, memo, code, [(account, amount)]): debits positive, credits negative
ENTRIES = [
    ("2026-01-02", "Owner's capital", None, [("checking", 20000), ("owner capital", -20000)]),
    ("2026-01-05", "Bank loan", "LOAN-1", [("checking", 10000), ("loans", -10000)]),
    ("2026-01-15", "Invoice 1001, Acme Trading", "INV-1001",
     [("accounts receivable", 5400), ("income:sales", -5000), ("sales tax payable", -400)]),
    ("2026-01-31", "January rent", None, [("rent", 1500), ("checking", -1500)]),
    ("2026-02-10", "Acme pays invoice 1001", None, [("checking", 5400), ("accounts receivable", -5400)]),
    ("2026-02-14", "Office chairs from Globex", "PO-77", [("office supplies", "640.50"), ("accounts payable", "-640.50")]),
    ("2026-02-28", "February rent", None, [("rent", 1500), ("checking", -1500)]),
    ("2026-03-02", "Invoice 1002, 北京科技", "INV-1002",
     [("accounts receivable", 3240), ("income:sales", -3000), ("sales tax payable", -240)]),
    ("2026-03-05", "Utilities for February", None, [("utilities", "212.35"), ("checking", "-212.35")]),
    ("2026-03-09", "Utilities for February (entered twice)", None, [("utilities", "212.35"), ("checking", "-212.35")]),
    ("2026-03-10", "Wages, first half of March", "PAY-05",
     [("wages", 4200), ("checking", -3450), ("payroll liabilities", -750)]),
    ("2026-03-12", "Bank fees", None, [("bank fees", 18), ("checking", -18)]),
]
DUPLICATE = 10  # the entry posted twice: reversed in the books
NEWEST = 13  # the reversal of the duplicate


def fill_ledger(store, actor) -> dict[str, int]:
    """The standard chart, a dozen entries from January to mid-March 2026, the reversal of a
    duplicate, and one unbalanced draft. Returns account ids by last name part."""
    with store.transaction(actor) as b:
        ledger = b.ledger
        ledger.load_chart("standard")
        for day, memo, code, lines in ENTRIES:
            ledger.post_entry(day, memo, [LineIn(a, D(x)) for a, x in lines], code=code)
        ledger.reverse(DUPLICATE, date="2026-03-13", memo="Duplicate of #9")
        ledger.save_draft("2026-03-16", "Insurance, first quarter", [LineIn("insurance", D("900.00"))])
        return {a.leaf: a.id for a in ledger.accounts()}


@pytest.fixture
def accounts(books) -> dict[str, int]:
    store, owner, _ = books
    return fill_ledger(store, owner)


def counts(store, actor) -> dict[str, int]:
    with store.read(actor) as b:
        return {t: b.session.execute(text(f"SELECT count(*) FROM {t}")).scalar()
                for t in ("ledger_accounts", "ledger_entries", "ledger_lines", "ledger_draft_lines")}


async def open_ledger(pilot) -> AccountsScreen:
    await settle(pilot)
    await pilot.press("l")
    await settle(pilot)
    assert isinstance(pilot.app.screen, AccountsScreen)
    return pilot.app.screen


async def new_entry(pilot) -> EntryForm:
    await open_ledger(pilot)
    await pilot.press("n")
    await settle(pilot)
    assert isinstance(pilot.app.screen, EntryForm)
    return pilot.app.screen


async def type_line(pilot, account: str, debit: str = "", credit: str = "", memo: str = "") -> None:
    """In an account cell: type, take the first match with Enter, then the amounts and the memo."""
    await pilot.press(*account)
    await settle(pilot)
    await pilot.press("enter")  # takes the highlighted match, moves to Debit
    await settle(pilot)
    await pilot.press(*debit, "enter", *credit, "enter", *memo, "enter")
    await settle(pilot)


def cursor_to(table: PagedTable, predicate) -> None:
    index = next(i for i, row in enumerate(table.loaded_rows()) if predicate(row))
    table.move_cursor(index)


# -- the entry form ----------------------------------------------------------------------------


async def test_post_a_balanced_entry_by_keyboard_alone(app, books, accounts):
    store, actor, _ = books
    before = counts(store, actor)
    async with app.run_test(size=SIZE) as pilot:
        form = await new_entry(pilot)
        assert app.focused is form.query_one("#date")
        await pilot.press("ctrl+a", "ctrl+k", *"2026-03-14", "enter", *"R-88", "enter", *"Stationery", "enter")
        await settle(pilot)
        await type_line(pilot, "office", debit="1,045.60", memo="paper and toner")
        await type_line(pilot, "1010", credit="1045.6")
        totals = str(form.query_one("#totals").render())
        assert "1,045.60" in totals and "balanced" in totals
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, EntryForm)  # back where it was opened
        assert isinstance(app.screen, AccountsScreen)
    after = counts(store, actor)
    assert after["ledger_entries"] == before["ledger_entries"] + 1
    assert after["ledger_lines"] == before["ledger_lines"] + 2
    with store.read(actor) as b:
        row = b.ledger.journal_page(limit=1, text="Stationery").rows[0]
        d = b.ledger.entry(row.id)
        assert (d.entry.date.isoformat(), d.entry.memo, d.entry.code, d.entry.status) == (
            "2026-03-14", "Stationery", "R-88", "posted")
        assert [(ln.account, ln.amount, ln.memo) for ln in d.lines] == [
            ("expenses:office supplies", D("1045.60"), "paper and toner"),
            ("assets:bank:checking", D("-1045.60"), None),
        ]


async def test_an_unbalanced_entry_is_refused_and_nothing_is_written(app, books, accounts):
    store, actor, _ = books
    before = counts(store, actor)
    async with app.run_test(size=SIZE) as pilot:
        form = await new_entry(pilot)
        await pilot.press("enter", "enter", *"Off by a cent", "enter")
        await type_line(pilot, "checking", debit="100.00")
        await type_line(pilot, "sales", credit="99.99")
        assert "0.01" in str(form.query_one("#totals").render())
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form  # still there, with the repository's reason
        message = str(form.query_one("#problems").render())
        assert "does not balance" in message and "difference 0.01" in message
    assert counts(store, actor) == before


async def test_typing_mistakes_are_shown_under_the_grid_and_nothing_is_posted(app, books, accounts):
    store, actor, _ = books
    before = counts(store, actor)
    async with app.run_test(size=SIZE) as pilot:
        form = await new_entry(pilot)
        await pilot.press("enter", "enter", *"Bad amounts", "enter")
        await type_line(pilot, "checking", debit="12.3.4")
        await pilot.press(*"nowhere", "tab", "tab", *"5")  # an unknown account: the repository says so
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        message = str(form.query_one("#problems").render())
        assert "line 1: not a valid debit: '12.3.4'" in message
        assert form.rows[0].has_class("-invalid")
        form.rows[0].cell("debit").value = "5"
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        message = str(form.query_one("#problems").render())
        assert "line 2: unknown account 'nowhere'" in message
        assert form.rows[1].has_class("-invalid") and not form.rows[0].has_class("-invalid")
        form.query_one("#date").value = "2026-02-30"
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "no such day" in form.query_one("#field-date", FormField).error
    assert counts(store, actor) == before


async def test_posting_into_a_locked_period_is_refused(app, books, accounts):
    store, actor, _ = books
    with store.transaction(actor) as b:
        b.ledger.lock("2026-02-28")
    before = counts(store, actor)
    async with app.run_test(size=SIZE) as pilot:
        form = await new_entry(pilot)
        form.query_one("#date").value = "2026-02-15"
        await pilot.press("tab", "tab", *"Late bill", "enter")
        await type_line(pilot, "utilities", debit="10")
        await type_line(pilot, "checking", credit="10")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "lock date 2026-02-28" in form.query_one("#field-date", FormField).error
    assert counts(store, actor) == before


async def test_balance_key_and_a_blank_amount_line(app, books, accounts):
    store, actor, _ = books
    async with app.run_test(size=SIZE) as pilot:
        form = await new_entry(pilot)
        await pilot.press("enter", "enter", *"Cash sale", "enter")
        await type_line(pilot, "cash", debit="80")
        await type_line(pilot, "income:sales")
        await pilot.press("up")  # back up to the sales line's account cell
        await pilot.press("ctrl+b")
        await settle(pilot)
        assert form.rows[1].texts() == ("income:sales", "", "80.00", "")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, EntryForm)
    with store.read(actor) as b:
        row = b.ledger.journal_page(limit=1, text="Cash sale").rows[0]
        assert row.total == D("80.00")


async def test_save_a_draft_then_finish_and_post_it(app, books, accounts):
    store, actor, _ = books
    async with app.run_test(size=SIZE) as pilot:
        form = await new_entry(pilot)
        await pilot.press("enter", "enter", *"Van repair", "enter")
        await type_line(pilot, "travel", debit="300")
        await pilot.press("ctrl+d")  # unbalanced: fine for a draft
        await settle(pilot)
        assert not isinstance(app.screen, EntryForm)
        with store.read(actor) as b:
            draft = b.ledger.journal_page(status="draft", text="Van repair").rows[0]
            assert draft.status == "draft"
        await pilot.press("d")  # the drafts
        await settle(pilot)
        journal = app.screen
        assert isinstance(journal, JournalScreen) and journal.drafts
        cursor_to(journal.table, lambda r: r.id == draft.id)
        await pilot.press("enter")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, EntryForm) and form.draft_id == draft.id
        assert form.rows[0].texts() == ("expenses:travel", "300.00", "", "")
        form.rows[1].cell("account").focus()
        await type_line(pilot, "checking", credit="300")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, JournalScreen)
    with store.read(actor) as b:
        d = b.ledger.entry(draft.id)
        assert d.entry.status == "posted" and d.total == D("300.00")


def test_the_grid_reads_amounts_as_text_never_floats():
    parsed = parse_rows([("checking", "1,234.50", "", ""), ("", "", "", ""), ("sales", "", "0.1", "x"),
                         ("x", "1", "2", ""), ("y", "1e5", "", "")])
    assert parsed.rows == [1, 3, 4, 5]
    assert [ln.amount for ln in parsed.lines] == [D("1234.50"), D("-0.1"), D("1"), None]
    assert all(isinstance(ln.amount, (Decimal, type(None))) for ln in parsed.lines)
    assert parsed.errors == {4: "give a debit or a credit, not both", 5: "not a valid debit: '1e5'"}


# -- accounts, register, entry -----------------------------------------------------------------


async def test_drill_from_account_to_register_to_entry(app, books, accounts):
    async with app.run_test(size=SIZE) as pilot:
        tree = (await open_ledger(pilot)).table
        rows = {r.name: r for r in tree.loaded_rows()}
        assert rows["assets:bank:checking"].total == D("28719.65")
        assert rows["assets"].total == D("28719.65") + D("3240.00")  # checking + receivable
        cursor_to(tree, lambda r: r.name == "assets:bank:checking")
        await pilot.press("enter")
        await settle(pilot)
        register = app.screen
        assert isinstance(register, RegisterScreen)
        shown = register.table.loaded_rows()
        assert register.table.total == 10
        assert [r.entry_id for r in shown[:3]] == [NEWEST, 12, 11]  # newest first
        assert shown[0].balance == D("28719.65") and shown[-1].balance == D("20000.00")
        # the columns fit what they hold: dates whole, numbers as wide as the widest, and the
        # room that is left goes to the memos and accounts
        from bizsuite.widgets.paged_table import column_widths

        widths = dict(zip([c.key for c in register.table.columns],
                          column_widths(register.table.columns, register.table.size.width - 2)))
        assert widths["date"] == 10 and widths["entry_id"] == 2
        assert widths["amount"] == len("10,000.00") and widths["balance"] == len("28,719.65")
        assert widths["memo"] >= len("Utilities for February") and widths["other_accounts"] >= len("owner capital")
        await pilot.press("down", "enter")
        await settle(pilot)
        entry = app.screen
        assert isinstance(entry, EntryScreen) and entry.view.id == 12
        assert [ln.account for ln in entry.view.lines] == ["expenses:bank fees", "assets:bank:checking"]
        await pilot.press("enter")  # the first line's account: bank fees
        await settle(pilot)
        assert isinstance(app.screen, RegisterScreen) and app.screen.account_name == "expenses:bank fees"
        await pilot.press("escape", "escape", "escape")
        await settle(pilot)
        assert isinstance(app.screen, AccountsScreen)


async def test_accounts_tree_as_of_a_date_by_type_and_folded(app, books, accounts):
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_ledger(pilot)
        await pilot.press("tab")
        as_of = screen.query_one("#as-of")
        assert app.focused is as_of
        as_of.value = "2026-01-31"
        await pilot.press("enter")
        await settle(pilot)
        rows = {r.name: r for r in screen.table.loaded_rows()}
        assert rows["assets:bank:checking"].total == D("28500.00")
        screen.query_one("#type").value = "expense"
        await settle(pilot)
        names = [r.name for r in screen.table.loaded_rows()]
        assert names[0] == "expenses" and all(n.startswith("expenses") for n in names)
        cursor_to(screen.table, lambda r: r.name == "expenses")
        await pilot.press("left")
        await settle(pilot)
        assert [r.name for r in screen.table.loaded_rows()] == ["expenses"]
        await pilot.press("right")
        await settle(pilot)
        assert len(screen.table.loaded_rows()) == len(names)
        as_of.value = "2026-13-01"
        as_of.focus()
        await pilot.press("enter")
        await settle(pilot)
        status = screen.query_one("#status")
        shown = str(status.render())
        assert "2026-13-01 is not a date" in shown
        assert shown.startswith("as of: ") and "--" not in shown  # the field, not a CLI flag
        assert status.size.height * (status.size.width - 2) >= len(shown)  # and all of it shows


async def test_add_rename_and_deactivate_an_account(app, books, accounts):
    store, actor, _ = books
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_ledger(pilot)
        cursor_to(screen.table, lambda r: r.name == "assets:bank")
        await pilot.press("a")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, AccountForm)
        assert form.query_one("#name").value == "assets:bank:"  # under the account at the cursor
        await pilot.press(*"petty cash", "tab", "tab", *"1030", "enter")
        await settle(pilot)
        assert isinstance(app.screen, AccountsScreen)
        assert screen.table.cursor_row.name == "assets:bank:petty cash"
        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        assert form.query_one("#code").value == "1030"
        form.query_one("#code").value = "1010"  # taken: the repository says by whom
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "already the code of assets:bank:checking" in form.query_one("#field-code", FormField).error
        form.query_one("#code").value = "1031"
        form.query_one("#name").value = "assets:cash:petty"
        form.query_one("#active").value = False
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, AccountsScreen)
        assert "assets:cash:petty" not in [r.name for r in screen.table.loaded_rows()]  # inactive: hidden
        await pilot.press("i")
        await settle(pilot)
        petty = next(r for r in screen.table.loaded_rows() if r.name == "assets:cash:petty")
        assert (petty.code, petty.active) == ("1031", False)
    with store.read(actor) as b:
        a = b.ledger.account("1031")
        assert (a.name, a.active, a.type) == ("assets:cash:petty", False, "asset")


# -- the journal and reversals -----------------------------------------------------------------


async def test_journal_newest_first_with_filters(app, books, accounts):
    async with app.run_test(size=SIZE) as pilot:
        await open_ledger(pilot)
        await pilot.press("j")
        await settle(pilot)
        journal = app.screen
        assert isinstance(journal, JournalScreen)
        assert [r.id for r in journal.table.loaded_rows()][:3] == [NEWEST, 12, 11]
        assert journal.table.total == 13
        await pilot.press("slash", *"rent")
        await settle(pilot)
        assert [r.memo for r in journal.table.loaded_rows()] == ["February rent", "January rent"]
        journal.query_one("#search").value = ""
        journal.query_one("#from").value = "2026-02-01"
        journal.query_one("#to").value = "2026-02-28"
        journal.query_one("#account").value = "checking"
        journal.query_one("#account").focus()
        await pilot.press("enter")
        await settle(pilot)
        assert [r.id for r in journal.table.loaded_rows()] == [7, 5]
        assert "2 of 13 entries" in str(journal.query_one("#status").render())
        journal.query_one("#account").value = "nowhere"
        journal.query_one("#account").focus()
        await pilot.press("enter")
        await settle(pilot)
        assert journal.table.total == 0  # the table says: unknown account 'nowhere'


async def test_reverse_an_entry_from_the_journal(app, books, accounts):
    store, actor, _ = books
    async with app.run_test(size=SIZE) as pilot:
        await open_ledger(pilot)
        await pilot.press("j")
        await settle(pilot)
        journal = app.screen
        cursor_to(journal.table, lambda r: r.id == 4)
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is journal
        rows = {r.id: r for r in journal.table.loaded_rows()}
        new_id = max(rows)
        assert rows[4].reversed_by == new_id and rows[new_id].reverses_id == 4
        await pilot.press("enter")  # the cursor stayed on #4: open it
        await settle(pilot)
        entry = app.screen
        assert isinstance(entry, EntryScreen) and entry.view.reversed_by == new_id
        await pilot.press("g")  # to the reversal
        await settle(pilot)
        reversal = app.screen
        assert isinstance(reversal, EntryScreen) and reversal.view.reverses_id == 4
        assert [(ln.account, ln.amount) for ln in reversal.view.lines] == [
            ("expenses:rent", D("-1500.00")), ("assets:bank:checking", D("1500.00"))]
        await pilot.press("o")  # and back to the original
        await settle(pilot)
        assert isinstance(app.screen, EntryScreen) and app.screen.view.id == 4
    with store.read(actor) as b:
        assert b.ledger.reversed_by(4) == new_id
        assert b.ledger.entry(new_id).entry.reverses_id == 4


async def test_reversing_twice_or_in_a_locked_period_shows_the_refusal(app, books, accounts):
    store, actor, _ = books
    async with app.run_test(size=SIZE) as pilot:
        await open_ledger(pilot)
        pilot.app.push_screen(EntryScreen(DUPLICATE))
        await settle(pilot)
        before = counts(store, actor)
        entry = app.screen
        await pilot.press("v")
        await settle(pilot)
        assert app.screen is entry  # no confirmation that would be refused anyway
        shown = [n.message for n in app._notifications]
        assert f"entry #{DUPLICATE} is already reversed by #{NEWEST}" in shown
        assert counts(store, actor) == before
        await pilot.press("escape")
        await settle(pilot)
        pilot.app.push_screen(EntryScreen(NEWEST))  # a reversal is not reversed either
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(app.screen, EntryScreen)
        assert any(f"entry #{NEWEST} is the reversal of #{DUPLICATE}" in n.message for n in app._notifications)
        assert counts(store, actor) == before
        with store.transaction(actor) as b:
            b.ledger.lock("2026-03-16")
        await pilot.press("escape")
        await settle(pilot)
        pilot.app.push_screen(EntryScreen(3))
        await settle(pilot)
        await pilot.press("v", "y")
        await settle(pilot)
        assert any("lock date 2026-03-16" in n.message for n in app._notifications)
        assert counts(store, actor) == before


# -- reports -----------------------------------------------------------------------------------


async def test_reports_and_their_csv_is_the_clis(app, books, accounts, tmp_path):
    store, actor, _ = books
    async with app.run_test(size=SIZE) as pilot:
        await open_ledger(pilot)
        await pilot.press("r")
        await settle(pilot)
        tb = app.screen
        assert isinstance(tb, TrialBalanceScreen)
        total = tb.table.loaded_rows()[-1]
        assert total.amounts == [D("52535.55"), D("52535.55"), D("0.00")]
        await pilot.press("x")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        assert dialog.query_one("#path").value == "trial-balance-2026-03-16.csv"
        dialog.query_one("#path").value = str(tmp_path / "tb.csv")
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is tb

        await pilot.press("p")
        await settle(pilot)
        pnl = app.screen
        assert isinstance(pnl, ProfitLossScreen)
        await pilot.press("m")  # a whole year of months at 80 columns: the months scroll sideways
        await settle(pilot)
        labels = [c.label for c in pnl.table.columns]
        shown = len(labels) - 2
        assert labels[:2] == ["Account", "2026-01"] and labels[-1] == "Total" and 3 <= shown < 12
        assert f"months 1–{shown} of 12, ← → for more" in str(pnl.query_one("#status").render())
        year = pnl.table.loaded_rows()[-1]
        assert len(year.amounts) == 13 and year.amounts[-1] == D("-70.85")  # every month is there
        await pilot.press("right")
        await settle(pilot)
        assert [c.label for c in pnl.table.columns][1] == "2026-02"
        for _ in range(12):
            await pilot.press("right")
        await settle(pilot)
        labels = [c.label for c in pnl.table.columns]
        assert labels[-2:] == ["2026-12", "Total"] and len(labels) == shown + 2
        assert f"months {13 - shown}–12 of 12" in str(pnl.query_one("#status").render())
        from bizsuite.widgets.paged_table import column_widths

        widths = column_widths(pnl.table.columns, pnl.table.size.width - 2)
        assert sum(widths) + len(widths) - 1 <= pnl.table.size.width - 2  # it fits, legibly
        assert min(widths[1:]) >= len("-2,140.50")
        await pilot.press("left")
        await settle(pilot)
        assert [c.label for c in pnl.table.columns][-2] == "2026-11"
        pnl.query_one("#preset").value = "this_quarter"
        await settle(pilot)
        assert [c.label for c in pnl.table.columns] == ["Account", "2026-01", "2026-02", "2026-03", "Total"]
        net = pnl.table.loaded_rows()[-1]
        assert net.amounts == [D("3500.00"), D("-2140.50"), D("-1430.35"), D("-70.85")]
        await pilot.press("x")
        await settle(pilot)
        app.screen.query_one("#path").value = str(tmp_path / "pnl.csv")
        await pilot.press("enter")
        await settle(pilot)

        await pilot.press("b")
        await settle(pilot)
        bs = app.screen
        assert isinstance(bs, BalanceSheetScreen)
        totals = {str(r.label): r.amounts[0] for r in bs.table.loaded_rows() if r.kind == "total"}
        assert totals["Total assets"] == totals["Total liabilities and equity"] == D("31959.65")
        assert "assets = liabilities + equity" in str(bs.query_one("#status").render())
        bs.query_one("#preset").value = "year"  # end of last year: nothing yet
        await settle(pilot)
        assert bs.query_one("#as-of").value == "2025-12-31"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, AccountsScreen)  # reports replace one another

    assert (tmp_path / "tb.csv").read_text().splitlines()[:3] == [
        "account,type,debit,credit,balance",
        "assets:bank:checking,asset,35612.35,6892.70,28719.65",
        "assets:accounts receivable,asset,8640.00,5400.00,3240.00",
    ]
    # the P&L exactly as `bizsuite ledger pnl --monthly --format csv` writes it
    from bizsuite.cli.common import Fmt
    from bizsuite.cli.ledger import _emit_statement

    with store.read(actor) as b:
        st = b.ledger.profit_and_loss(start="2026-01-01", end="2026-03-31", monthly=True)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        _emit_statement(st, Fmt.csv)
    assert (tmp_path / "pnl.csv").read_text() == out.getvalue()
    header = next(csv.reader(io.StringIO(out.getvalue())))
    assert header == ["section", "account", "code", "depth", "2026-01", "2026-02", "2026-03", "total"]


async def test_trial_balance_csv_is_byte_for_byte_the_clis(app, books, accounts, tmp_path):
    """Formula-looking text is neutralised and numbers stay plain, exactly as the CLI's emit does."""
    from bizsuite.cli.common import Fmt, emit

    store, actor, _ = books
    with store.transaction(actor) as b:
        b.ledger.add_account("=misc", type="income")
        b.ledger.post_entry("2026-03-15", "Odd income", [LineIn("cash", D("1234567.89")), LineIn("=misc", None)])
    async with app.run_test(size=SIZE) as pilot:
        await open_ledger(pilot)
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        app.screen.query_one("#path").value = str(tmp_path / "tb.csv")
        await pilot.press("enter")
        await settle(pilot)
    with store.read(actor) as b:  # the rows as `bizsuite ledger trial-balance --format csv` builds them
        rows = [{"account": r.account, "type": r.type, "debit": r.debit, "credit": r.credit, "balance": r.balance}
                for r in b.ledger.trial_balance(as_of="2026-03-16")]
    out = io.StringIO()
    emit(rows, ["account", "type", "debit", "credit", "balance"], Fmt.csv, numeric=["debit", "credit", "balance"],
         out=out)
    written = (tmp_path / "tb.csv").read_text()
    assert written == out.getvalue()
    assert "'=misc,income,0.00,1234567.89,-1234567.89" in written.splitlines()


async def test_export_says_when_the_file_cannot_be_written(app, books, accounts, tmp_path):
    async with app.run_test(size=SIZE) as pilot:
        await open_ledger(pilot)
        await pilot.press("b")
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        dialog = app.screen
        dialog.query_one("#path").value = str(tmp_path / "no" / "such" / "dir.csv")
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is dialog
        assert "cannot write" in dialog.query_one("#field-path", FormField).error


# -- keys, help, roles, palette ----------------------------------------------------------------


async def test_help_on_every_ledger_screen(app, books, accounts):
    async with app.run_test(size=SIZE) as pilot:
        await open_ledger(pilot)
        for keys in ((), ("j",), ("enter",), ("escape", "escape", "r"), ("p",), ("b",), ("escape", "n")):
            await pilot.press(*keys)
            await settle(pilot)
            screen = app.screen
            assert screen.HELP, type(screen).__name__
            await pilot.press("f1" if isinstance(screen, EntryForm) else "question_mark")  # ? types in a cell
            await settle(pilot)
            assert isinstance(app.screen, HelpScreen)
            await pilot.press("escape")
            await settle(pilot)
            assert app.screen is screen


async def test_a_viewer_reads_but_cannot_post(books, accounts, sqlite_location):
    from bizsuite.app import make_app

    store, owner, _ = books
    with store.transaction(owner) as b:
        b.admin.add_user("vera", "viewer")
    viewer = Actor(name="vera", role="viewer")
    app = make_app(store, viewer, sqlite_location)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_ledger(pilot)
        assert screen.check_action("new_entry", ()) is False
        assert screen.check_action("add", ()) is False
        await pilot.press("n", "a")
        await settle(pilot)
        assert app.screen is screen
        await pilot.press("j")
        await settle(pilot)
        assert app.screen.check_action("reverse", ()) is False
    assert [t for t, _, _ in palette_sections(app)] == [
        "Ledger: journal", "Ledger: trial balance", "Ledger: profit and loss", "Ledger: balance sheet"]


async def test_palette_opens_an_account_register_by_name_or_code(app, books, accounts):
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        hits = palette_accounts(app, "6100")
        assert [name for name, _, _ in hits] == ["expenses:rent"]
        hits[0][1]()
        await settle(pilot)
        assert isinstance(app.screen, RegisterScreen) and app.screen.account_name == "expenses:rent"
        assert app.current_mode == "ledger"
        sections = dict((t, cb) for t, cb, _ in palette_sections(app))
        sections["Ledger: balance sheet"]()
        await settle(pilot)
        assert isinstance(app.screen, BalanceSheetScreen)

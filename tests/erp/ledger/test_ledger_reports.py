"""Reports: trial balance, profit and loss, balance sheet, register, journal, account tree."""

from __future__ import annotations

import pytest
from ledger_helpers import D, tb_map

from bizsuite.core.errors import PermissionDenied, Refused


@pytest.fixture
def books(books_store, owner):
    """A quarter of activity, with postings to a parent and to its sub-account."""
    with books_store.transaction(owner) as b:
        b.ledger.add_account("assets:bank:checking:sub")
        post = b.ledger.post_entry
        post("2025-01-02", "capital", [("assets:bank:checking", D(10000)), ("owner capital", None)])
        post("2025-01-10", "sale 1", [("accounts receivable", D("1080.00")), ("income:sales", D("-1000.00")),
                                      ("sales tax payable", D("-80.00"))])
        post("2025-01-31", "rent Jan", [("expenses:rent", D(1200)), ("assets:bank:checking", None)])
        post("2025-02-10", "paid", [("assets:bank:checking", D("1080.00")), ("accounts receivable", None)])
        post("2025-02-15", "sub", [("assets:bank:checking:sub", D("50.00")), ("assets:bank:checking", None)])
        post("2025-02-28", "rent Feb", [("expenses:rent", D(1200)), ("assets:bank:checking", None)])
        post("2025-03-05", "sale 2", [("assets:cash", D("540.00")), ("income:sales", D("-500.00")),
                                      ("sales tax payable", D("-40.00"))])
        post("2026-01-15", "next year", [("expenses:utilities", D("99.99")), ("assets:cash", None)])
    return books_store


def test_trial_balance_rows_sum_to_zero_with_debits_and_credits(books, owner):
    with books.read(owner) as b:
        tb = b.ledger.trial_balance()
    rows = {r.account: r for r in tb}
    assert sum(r.balance for r in tb) == 0 and sum(r.debit for r in tb) == sum(r.credit for r in tb)
    checking = rows["assets:bank:checking"]
    assert (checking.debit, checking.credit, checking.balance) == (D("11080.00"), D("2450.00"), D("8630.00"))
    assert rows["assets:bank:checking:sub"].balance == D("50.00")
    assert rows["assets:accounts receivable"].balance == 0  # it had postings, so it has a row
    assert "assets:bank" not in rows  # no postings of its own
    # tree order: by code (cash 1000 before bank 1010 …), assets before liabilities
    names = [r.account for r in tb]
    assert names.index("assets:cash") < names.index("assets:bank:checking") < names.index("liabilities:sales tax payable")


def test_trial_balance_as_of_and_depth(books, owner):
    with books.read(owner) as b:
        jan = tb_map(b, as_of="2025-01-31")
        assert jan == {"assets:bank:checking": D("8800.00"), "equity:owner capital": D("-10000.00"),
                       "assets:accounts receivable": D("1080.00"), "income:sales": D("-1000.00"),
                       "liabilities:sales tax payable": D("-80.00"), "expenses:rent": D("1200.00")}
        top = b.ledger.trial_balance(depth=1)
        assert [(r.account, r.type, r.balance) for r in top] == [
            ("assets", "asset", D("9120.01")), ("liabilities", "liability", D("-120.00")),
            ("equity", "equity", D("-10000.00")), ("income", "income", D("-1500.00")),
            ("expenses", "expense", D("2499.99"))]
        two = tb_map(b, depth=2)
        assert two["assets:bank"] == D("8680.00")
        assert sum(r.debit for r in top) == sum(r.debit for r in b.ledger.trial_balance())


def test_profit_and_loss_with_monthly_columns_and_parents(books, owner):
    with books.read(owner) as b:
        st = b.ledger.profit_and_loss(start="2025-01-01", end="2025-03-31", monthly=True)
    assert st.columns == ["2025-01", "2025-02", "2025-03", "total"]
    sections = dict(st.sections)
    income = {r.label: r.amounts for r in sections["income"]}
    expenses = {r.label: r.amounts for r in sections["expenses"]}
    assert income["income:sales"] == [D("1000.00"), D("0.00"), D("500.00"), D("1500.00")]
    assert income["income"] == income["income:sales"]  # the parent rolls up
    assert expenses["expenses:rent"] == [D("1200.00"), D("1200.00"), D("0.00"), D("2400.00")]
    totals = {r.label: r.amounts for r in st.totals}
    assert totals["net income"] == [D("-200.00"), D("-1200.00"), D("500.00"), D("-900.00")]


def test_profit_and_loss_for_a_period_and_depth(books, owner):
    with books.read(owner) as b:
        st = b.ledger.profit_and_loss(start="2025-02-01", end="2026-12-31", depth=1)
        assert [r.label for r in st.rows] == ["income", "expenses", "total income", "total expenses", "net income"]
        assert {r.label: r.amounts[0] for r in st.totals}["net income"] == D("500.00") - D("1200.00") - D("99.99")
        with pytest.raises(Refused, match="^to: 2025-01-01 is before the start of the period"):
            b.ledger.profit_and_loss(start="2025-02-01", end="2025-01-01")


def test_balance_sheet_balances_with_the_current_years_earnings(books, owner):
    with books.read(owner) as b:
        for as_of in ("2025-01-31", "2025-03-31", "2026-01-31"):
            st = b.ledger.balance_sheet(as_of=as_of)
            totals = {r.label: r.amounts[0] for r in st.totals}
            assert totals["total assets"] == totals["total liabilities and equity"], as_of
        st = b.ledger.balance_sheet(as_of="2025-03-31")
        equity = {r.label: r.amounts[0] for r in dict(st.sections)["equity"]}
        assert equity["current year earnings (2025)"] == D("-900.00")
        assets = {r.label: r.amounts[0] for r in dict(st.sections)["assets"]}
        assert assets["assets:bank"] == D("8680.00") and assets["assets"] == D("9220.00")
        st = b.ledger.balance_sheet(as_of="2026-01-31")
        equity = {r.label: r.amounts[0] for r in dict(st.sections)["equity"]}
        assert equity["earnings of earlier years not closed"] == D("-900.00")
        assert equity["current year earnings (2026)"] == D("-99.99")


def test_register_with_running_balance_paging_and_sub_accounts(books, owner):
    with books.read(owner) as b:
        page = b.ledger.register("assets:bank:checking")
        assert page.total == 6  # its own five lines and the sub-account's one
        assert [r.balance for r in page.rows] == [D("10000.00"), D("8800.00"), D("9880.00"), D("9930.00"),
                                                  D("9880.00"), D("8680.00")]
        assert page.rows[0].other_accounts == "equity:owner capital"
        second = b.ledger.register("assets:bank:checking", offset=2, limit=2)
        assert [r.balance for r in second.rows] == [D("9880.00"), D("9930.00")]
        newest = b.ledger.register("assets:bank:checking", newest_first=True, limit=1)
        assert newest.rows[0].memo == "rent Feb" and newest.rows[0].balance == D("8680.00")
        feb = b.ledger.register("assets:bank:checking", start="2025-02-01", end="2025-02-28")
        assert [r.balance for r in feb.rows] == [D("9880.00"), D("9930.00"), D("9880.00"), D("8680.00")]


def test_general_journal_and_journal_pages(books, owner):
    with books.read(owner) as b:
        entries, total = b.ledger.general_journal(start="2025-02-01", end="2025-02-28")
        assert total == 3 and [d.entry.memo for d in entries] == ["paid", "sub", "rent Feb"]
        assert all(sum(ln.amount for ln in d.lines) == 0 for d in entries)
        page = b.ledger.journal_page(limit=2)
        assert page.total == 8 and [r.memo for r in page.rows] == ["next year", "sale 2"]
        assert page.rows[1].total == D("540.00") and page.rows[1].accounts.startswith("assets:cash")
        assert b.ledger.journal_page(account="expenses:rent").total == 2
        assert b.ledger.journal_page(account="assets:bank").total == 5
        assert [r.memo for r in b.ledger.journal_page(text="RENT").rows] == ["rent Feb", "rent Jan"]
        assert b.ledger.journal_page(text="100%").total == 0  # typed text is literal


def test_account_tree_rolls_balances_up(books, owner):
    with books.read(owner) as b:
        nodes = {n.account.name: n for n in b.ledger.account_tree(as_of="2025-12-31")}
        assert nodes["assets:bank"].total == D("8680.00") and nodes["assets:bank"].own == 0
        assert nodes["assets:bank:checking"].own == D("8630.00") and nodes["assets:bank:checking"].total == D("8680.00")
        assert nodes["assets"].has_children and nodes["assets:bank:checking"].postings == 5
        assert sum(n.own for n in nodes.values()) == 0
        assert {n.account.type for n in b.ledger.account_tree(type="income")} == {"income"}


def test_reports_need_ledger_or_reports_permission(books, owner):
    from bizsuite.core.auth import Actor

    with books.transaction(owner) as b:
        b.admin.add_user("sam", "sales")
    with books.read(Actor("sam", "sales")) as b:
        with pytest.raises(PermissionDenied):
            b.ledger.trial_balance()
        with pytest.raises(PermissionDenied):
            b.ledger.balance_sheet()


def test_balance_sheet_equity_group_is_the_sum_of_its_rows_on_screen_and_in_csv(books, owner):
    """The earnings rows are sub-rows of the one top-level equity account: the group line is
    their sum with the equity accounts, and the CSV says the same depth the screen indents."""
    from bizsuite.erp.ledger.reports import flatten_statement, statement_rows

    with books.read(owner) as b:
        st = b.ledger.balance_sheet(as_of="2026-01-31")
    equity = dict(st.sections)["equity"]
    top = next(r for r in equity if r.depth == 1)
    assert top.label == "equity" and top.is_parent
    assert top.amounts[0] == sum((r.amounts[0] for r in equity if r.depth == 2), D(0))
    totals = {r.label: r.amounts[0] for r in st.totals}
    assert top.amounts[0] == totals["total equity"] == D("10000.00") - D("900.00") - D("99.99")
    flat = [ln for ln in flatten_statement(st) if ln.section == "equity"]
    assert [(ln.indented, ln.depth) for ln in flat] == [
        ("equity", 1), ("  owner capital", 2), ("  earnings of earlier years not closed", 2),
        ("  current year earnings (2026)", 2)]
    rows, _ = statement_rows(st)
    assert [(r["account"], r["depth"]) for r in rows if r["section"] == "equity"] == [
        ("equity", 1), ("equity:owner capital", 2), ("earnings of earlier years not closed", 2),
        ("current year earnings (2026)", 2)]
    with books.read(owner) as b:  # rolled up to one level: the group line still holds the earnings
        st1 = b.ledger.balance_sheet(as_of="2026-01-31", depth=1)
    assert [(r.label, r.amounts[0]) for r in dict(st1.sections)["equity"]] == [("equity", top.amounts[0])]


def test_trial_balance_total_lives_once(books, owner):
    from bizsuite.erp.ledger.reports import trial_balance_rows, trial_balance_total

    with books.read(owner) as b:
        tb = b.ledger.trial_balance()
    d, c, diff = trial_balance_total(tb)
    assert d == c and diff == 0 and d == sum((r.debit for r in tb), D(0))
    assert trial_balance_rows(tb, with_total=True)[-1] == {
        "account": "total", "type": "", "debit": d, "credit": c, "balance": D(0), "account_id": None}


def test_report_refusals_name_fields_not_command_line_flags(books, owner):
    with books.read(owner) as b:
        for call, field in ((lambda: b.ledger.trial_balance(as_of="2025-13-01"), "as of"),
                            (lambda: b.ledger.balance_sheet(as_of="soon"), "as of"),
                            (lambda: b.ledger.profit_and_loss(start="x", end="2025-12-31"), "from"),
                            (lambda: b.ledger.register("assets:cash", end="2025-02-30"), "to"),
                            (lambda: b.ledger.profit_and_loss(start="2000-01-01", end="2025-12-31", monthly=True),
                             "monthly")):
            with pytest.raises(Refused) as exc:
                call()
            assert exc.value.problems[0].startswith(f"{field}: ") and "--" not in exc.value.problems[0]


# -- sorting the journal, a register and the tree (core.sorting) -------------------------------


def test_register_sorted_by_any_column_keeps_each_postings_running_balance(books, owner):
    with books.read(owner) as b:
        by_date = {r.line_id: r.balance for r in b.ledger.register("assets:bank:checking").rows}
        for sort in ("amount", "amount:asc", "balance", "balance:asc", "memo", "memo:desc", "entry", "entry:asc"):
            rows = b.ledger.register("assets:bank:checking", sort=sort).rows
            assert {r.line_id: r.balance for r in rows} == by_date, sort  # the same balance after each posting
            # pages of two, read one after the other, are the whole list in the same order
            paged = [r.line_id for off in range(0, 6, 2)
                     for r in b.ledger.register("assets:bank:checking", sort=sort, offset=off, limit=2).rows]
            assert paged == [r.line_id for r in rows], sort
        amounts = [r.amount for r in b.ledger.register("assets:bank:checking", sort="amount").rows]
        assert amounts == sorted(amounts, reverse=True) and amounts[0] == D("10000.00")
        assert [r.amount for r in b.ledger.register("assets:bank:checking", sort="amount:asc").rows] == sorted(amounts)
        balances = [r.balance for r in b.ledger.register("assets:bank:checking", sort="balance:asc").rows]
        assert balances == sorted(balances)
        # a date range keeps the account's true running balance, in any order
        feb = b.ledger.register("assets:bank:checking", start="2025-02-01", end="2025-02-28", sort="amount:asc")
        assert sorted(r.balance for r in feb.rows) == sorted([D("9880.00"), D("9930.00"), D("9880.00"), D("8680.00")])
        assert b.ledger.register("assets:bank:checking", sort="date:desc").rows[0].memo == "rent Feb"


def test_register_sort_refused_in_one_line_naming_the_keys(books, owner):
    with books.read(owner) as b, pytest.raises(Refused) as err:
        b.ledger.register("assets:bank:checking", sort="colour")
    assert err.value.problems == ["sort: 'colour' is not one of: date, entry, memo, amount, balance "
                                  "(add :asc or :desc to choose the direction)"]
    with books.read(owner) as b, pytest.raises(Refused, match="'up' is not asc or desc"):
        b.ledger.register("assets:bank:checking", sort="amount:up")


def test_journal_sorted_by_amount_memo_and_number_both_ways(books, owner):
    with books.read(owner) as b:
        rows = b.ledger.journal_page(limit=100, sort="amount").rows
        totals = [r.total for r in rows]
        assert totals == sorted(totals, reverse=True) and len(rows) == 8
        assert [r.total for r in b.ledger.journal_page(limit=100, sort="amount:asc").rows] == sorted(totals)
        memos = [r.memo.lower() for r in b.ledger.journal_page(limit=100, sort="memo").rows]
        assert memos == sorted(memos)
        ids = [r.id for r in b.ledger.journal_page(limit=100, sort="id:asc").rows]
        assert ids == sorted(ids)
        # the default is still newest first, and paging by amount neither repeats nor skips
        assert [r.memo for r in b.ledger.journal_page(limit=2).rows] == ["next year", "sale 2"]
        paged = [r.id for off in range(0, 8, 3) for r in b.ledger.journal_page(offset=off, limit=3, sort="amount").rows]
        assert paged == [r.id for r in rows]


def test_accounts_tree_sorted_keeps_sub_accounts_under_their_parent(books, owner):
    with books.read(owner) as b:
        default = [n.account.name for n in b.ledger.account_tree()]
        assert default == [n.account.name for n in b.ledger.account_tree(sort="code")]
        for sort in ("name", "name:desc", "balance", "balance:asc", "type"):
            nodes = b.ledger.account_tree(sort=sort)
            names = [n.account.name for n in nodes]
            assert sorted(names) == sorted(default), sort  # the same accounts
            for i, name in enumerate(names):  # every account comes after its parent, and its subtree is contiguous
                if ":" in name:
                    parent = name.rsplit(":", 1)[0]
                    assert names.index(parent) < i, (sort, name)
                    between = names[names.index(parent) + 1:i]
                    assert all(n.startswith(parent + ":") for n in between), (sort, name)
        tops = [n.account.name for n in b.ledger.account_tree(sort="name:desc") if n.depth == 1]
        assert tops == sorted(tops, key=str.casefold, reverse=True)
        by_balance = [n for n in b.ledger.account_tree(sort="balance") if n.depth == 1]
        assert [n.total for n in by_balance] == sorted((n.total for n in by_balance), reverse=True)

"""Journal and lines-CSV import: what is read, what is refused (FILE:LINE, one line each,
nothing written), re-imports that add nothing, and --skip-invalid."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ledger_helpers import D, snapshot, tb_map

from bizsuite.core.errors import Refused
from bizsuite.erp.ledger.importer import import_file
from bizsuite.erp.ledger.journal import parse_amount, parse_journal

SAMPLE_TB = {
    "assets:bank:checking": D("26038.50"), "assets:cash": D("-9.00"), "equity:owner capital": D("-25000.00"),
    "expenses:bank fees": D("12.00"), "expenses:office supplies": D("98.99"), "expenses:rent": D("2400.00"),
    "income:sales": D("-3450.50"), "liabilities:credit card": D("-89.99"), "assets:accounts receivable": D("0.00"),
}


def test_import_a_journal(store, owner, data):
    """Into books with no chart: every account is created, typed from its directive or top level."""
    with store.transaction(owner) as b:
        report = import_file(b, data / "sample.journal", display="sample.journal")
        assert (report.read, report.imported, report.unchanged, report.rejected) == (9, 9, 0, [])
        assert "assets:bank:checking" in report.accounts_created and "assets" in report.accounts_created
        assert tb_map(b) == SAMPLE_TB
        accounts = {a.name: a for a in b.ledger.accounts()}
        assert accounts["assets:bank:checking"].code == "1010"
        assert accounts["liabilities:credit card"].type == "liability"
        assert accounts["expenses:office supplies"].type == "expense" and accounts["income"].type == "income"
        e = b.ledger.entry(report.entry_ids[1]).entry
        assert (e.date.isoformat(), e.mark, e.code, e.memo, e.comment) == (
            "2025-01-05", "!", "1001", "Office rent, January", "paid by transfer")
        assert (e.source_kind, e.source_ref) == ("import", "sample.journal:16")
        assert b.ledger.entry(report.entry_ids[1]).lines[0].memo == "month of January"
        assert b.ledger.entry(report.entry_ids[2]).entry.comment == "customer: Acme"


def test_re_importing_adds_nothing_and_identical_transactions_both_land(store, owner, data):
    with store.transaction(owner) as b:
        import_file(b, data / "sample.journal")
    before = snapshot(store, owner)
    with store.transaction(owner) as b:
        report = import_file(b, data / "sample.journal")
        assert (report.imported, report.unchanged) == (0, 9)
    assert snapshot(store, owner) == before
    with store.read(owner) as b:
        # the two identical "Coffee" transactions are two entries, not one
        assert b.ledger.journal_page(text="Coffee").total == 2


def test_a_longer_file_adds_only_what_is_new(store, owner, data, tmp_path):
    text = (data / "sample.journal").read_text()
    first = tmp_path / "jan.journal"
    first.write_text(text.split("2025-02-01")[0])
    with store.transaction(owner) as b:
        assert import_file(b, first).imported == 6
    with store.transaction(owner) as b:
        report = import_file(b, data / "sample.journal")
        assert (report.imported, report.unchanged) == (3, 6)
        assert tb_map(b) == SAMPLE_TB


def test_import_is_audited_one_row_per_entry(store, owner, data):
    import json

    with store.transaction(owner) as b:
        report = import_file(b, data / "sample.journal", display="sample.journal")
    with store.read(owner) as b:
        rows = b.admin.audit(entity="ledger_entries", limit=100)
        assert len(rows) == 9 and {r.actor for r in rows} == {owner.name}
        first = next(r for r in rows if r.entity_id == str(report.entry_ids[0]))
        changes = json.loads(first.changes)
        assert changes == {"date": [None, "2025-01-02"], "lines": [None, 2], "memo": [None, "Owner invests"],
                           "source": [None, "import sample.journal:12"], "total": [None, "25000.00"]}
        assert first.changes == json.dumps(changes, ensure_ascii=False, sort_keys=True)  # what record_many writes


def test_a_large_import_is_audited_as_one_load_found_by_any_entry_id(store, owner, data, monkeypatch):
    import json

    from bizsuite.core import audit

    monkeypatch.setattr(audit, "EACH_UP_TO", 5)
    with store.transaction(owner) as b:
        report = import_file(b, data / "sample.journal", display="sample.journal")
    ids = report.entry_ids
    with store.read(owner) as b:
        rows = b.admin.audit(entity="ledger_entries", limit=100)
        assert len(rows) == 1 and rows[0].entity_id == f"{min(ids)}-{max(ids)}"
        changes = json.loads(rows[0].changes)
        assert changes["entries"] == [None, 9] and changes["source"] == [None, "import sample.journal"]
        assert [r.id for r in b.admin.audit(entity="ledger_entries", entity_id=str(ids[4]))] == [rows[0].id]


def test_a_chinese_journal_into_chinese_books(store, owner, data):
    with store.transaction(owner) as b:
        b.set_setting("company.currency", "CNY")
        b.ledger.load_chart("cn-small")
        report = import_file(b, data / "cn.journal")
        assert report.accounts_created == ["负债:应交税费:应交增值税", "负债:应交税费:应交增值税:销项税额"]
        assert b.ledger.account("负债:应交税费:应交增值税:销项税额").type == "liability"
        tb = tb_map(b)
        assert tb["资产:银行存款"] == D("92000.00") and tb["负债:应交税费:应交增值税:销项税额"] == D("-1300.00")
        assert b.ledger.entry(report.entry_ids[1]).entry.code == "记-2"


def test_lines_csv_import(store, owner, data):
    with store.transaction(owner) as b:
        b.ledger.load_chart("standard")
        report = import_file(b, data / "lines.csv", display="lines.csv")
        assert (report.format, report.imported) == ("csv", 3)
        assert tb_map(b) == {"assets:bank:checking": D("23800.00"), "equity:owner capital": D("-25000.00"),
                             "expenses:rent": D("1200.00"), "assets:accounts receivable": D("3450.50"),
                             "income:sales": D("-3000.00"), "liabilities:sales tax payable": D("-450.50")}
        inv = b.ledger.entry(report.entry_ids[2])
        assert inv.entry.memo == "Invoice INV-1" and inv.lines[2].memo == "sales tax"
    with store.transaction(owner) as b:
        assert import_file(b, data / "lines.csv").unchanged == 3


# -- bad input: one clear line that names where, and nothing written ---------------------------


def refused(store, owner, tmp_path: Path, content: str, *, name: str = "bad.journal", chart: str = "standard",
            **kwargs) -> list[str]:
    with store.transaction(owner) as b:
        if not b.ledger.accounts() and chart:
            b.ledger.load_chart(chart)
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    before = snapshot(store, owner)
    with pytest.raises(Refused) as exc:
        with store.transaction(owner) as b:
            import_file(b, path, display=name, **kwargs)
    assert snapshot(store, owner) == before
    return exc.value.problems


def test_a_transaction_off_by_one_cent(store, owner, tmp_path):
    assert refused(store, owner, tmp_path, "2025-01-02 x\n    assets:cash  $100.00\n    income:sales  $-99.99\n") == [
        "bad.journal:1: the transaction does not balance: off by 0.01 (lines 1–3)"]


def test_an_unknown_account_with_an_unknown_top_level(store, owner, tmp_path):
    problems = refused(store, owner, tmp_path, "2025-01-02 x\n    assets:cash  $10\n    stuff:misc  $-10\n")
    assert problems == ["bad.journal:3: unknown account 'stuff:misc': its top level 'stuff' is not assets, "
                        "liabilities, equity, income or expenses (资产, 负债, 所有者权益, 收入, 费用); add it first "
                        "with: bizsuite ledger add-account 'stuff:misc' --type TYPE"]


def test_a_malformed_amount(store, owner, tmp_path):
    assert refused(store, owner, tmp_path, "2025-01-02 x\n    assets:cash  12.3.4\n    income:sales\n") == [
        "bad.journal:2: not a valid amount: '12.3.4'"]


def test_an_impossible_date(store, owner, tmp_path):
    assert refused(store, owner, tmp_path, "2025-02-30 x\n    assets:cash  $1\n    income:sales\n") == [
        "bad.journal:1: 2025-02-30 is not a date (no such day)"]


def test_posting_into_a_locked_period(store, owner, tmp_path):
    with store.transaction(owner) as b:
        b.ledger.load_chart("standard")
        b.ledger.lock("2025-01-31")
    assert refused(store, owner, tmp_path, "2025-01-31 x\n    assets:cash  $1\n    income:sales\n") == [
        "bad.journal:1: 2025-01-31 is on or before the lock date 2025-01-31; nothing may be posted there"]


def test_two_commodities(store, owner, tmp_path):
    content = ("2025-01-02 x\n    assets:cash  $10\n    income:sales  $-10\n\n"
               "2025-01-03 y\n    assets:cash  10 EUR\n    income:sales  -10 EUR\n")
    assert refused(store, owner, tmp_path, content) == [
        "bad.journal:6: a second commodity: 'EUR' here, '$' on line 2; bizsuite reads journals in one commodity",
        "bad.journal:7: a second commodity: 'EUR' here, '$' on line 2; bizsuite reads journals in one commodity"]


def test_a_commodity_that_is_not_the_books_currency(store, owner, tmp_path):
    assert refused(store, owner, tmp_path, "2025-01-02 x\n    assets:cash  €10\n    income:sales\n") == [
        "bad.journal:2: amounts are in '€' but the books are in USD; bizsuite never converts currencies"]


def test_two_postings_without_an_amount(store, owner, tmp_path):
    assert refused(store, owner, tmp_path, "2025-01-02 x\n    assets:cash\n    income:sales\n") == [
        "bad.journal:3: two postings without an amount (lines 2 and 3); at most one may omit it"]


def test_one_space_between_account_and_amount(store, owner, tmp_path):
    assert refused(store, owner, tmp_path, "2025-01-02 x\n    assets:cash $10\n    income:sales  $-10\n") == [
        "bad.journal:2: one space between the account and the amount '$10'; put two or more spaces before the amount"]


def test_a_single_tab_between_account_and_amount(store, owner, tmp_path):
    """hledger 1.25 reads `assets:cash<TAB>$10` as an account named "assets:cash\t$10" with no
    amount; ledger-cli reads a separator. Two readings: refused, never guessed."""
    assert refused(store, owner, tmp_path, "2025-01-02 x\n    assets:cash\t$10\n    income:sales  $-10\n") == [
        "bad.journal:2: a single tab between the account and the amount: hledger 1.25 reads it as part of the "
        "account name, ledger-cli as a separator; put two spaces there"]


def test_tabs_that_hledger_reads_like_us_are_accepted(store, owner, tmp_path):
    """Tab indentation, and a tab next to another space or tab, separate as in hledger and ledger."""
    path = tmp_path / "tabs.journal"
    path.write_text("2025-01-02 tabs\n\tassets:cash\t\t$10\n\texpenses:rent \t$5\n\tincome:sales\t $-15\n")
    with store.transaction(owner) as b:
        b.ledger.load_chart("standard")
        import_file(b, path)
        assert tb_map(b) == {"assets:cash": D(10), "expenses:rent": D(5), "income:sales": D(-15)}


def test_a_transaction_with_a_single_posting(store, owner, tmp_path):
    assert refused(store, owner, tmp_path, "2025-01-02 x\n    assets:cash  $0\n") == [
        "bad.journal:1: a transaction needs at least two postings (this one has 1)"]


def test_an_empty_file(store, owner, tmp_path):
    assert refused(store, owner, tmp_path, "") == ["bad.journal: the file is empty"]
    assert refused(store, owner, tmp_path, "; only a comment\n\n") == ["bad.journal: the file is empty (no transactions)"]
    assert refused(store, owner, tmp_path, "", name="bad.csv") == ["bad.csv: the file is empty"]


@pytest.mark.parametrize("content, message", [
    ("2025-01-02 x\n    assets:cash  $10 @ €9\n    income:sales\n", "prices (@) are not supported"),
    ("2025-01-02 x\n    assets:cash  $10 = $10\n    income:sales\n", "balance assertions (=) are not supported"),
    ("2025-01-02 x\n    (assets:cash)  $10\n    income:sales  $-10\n    assets:cash  $10\n", "virtual postings"),
    ("= expenses:food\n    (budget)  -1\n", "automated transactions (=) are not supported"),
    ("~ monthly\n    assets:cash  $1\n    income:sales\n", "periodic transactions (~) are not supported"),
    ("include other.journal\n", "include is not supported"),
    ("P 2025-01-01 EUR $1.10\n", "market prices (P) are not supported"),
    ("2025-01-02=2025-01-05 x\n    assets:cash  $1\n    income:sales\n", "secondary dates are not supported"),
    ("01/02 x\n    assets:cash  $1\n    income:sales\n", "is not a date (write YYYY-MM-DD)"),
    ("2025-01-02 x\n    assets:cash  $1.005\n    income:sales\n", "more than 2 decimal places"),
    ("2025-01-02 x\n    assets:cash  1.234,56\n    income:sales\n", "not a valid amount: '1.234,56'"),
    ("2025-01-02 x\n    assets:cash  $1,23\n    income:sales\n", "not a valid amount"),
    ("hello world\n", "not a transaction, posting, comment or supported directive"),
    (b"2025-01-02 caf\xe9\n    assets:cash  $1\n    income:sales\n", "not valid UTF-8"),
])
def test_what_the_subset_does_not_cover_is_refused_with_its_line(store, owner, tmp_path, content, message):
    problems = refused(store, owner, tmp_path, content)
    assert len(problems) == 1 and problems[0].startswith("bad.journal:1: ") or problems[0].startswith("bad.journal:2: ")
    assert message in problems[0]


def test_skip_invalid_imports_the_good_and_writes_the_bad_with_reasons(store, owner, data, tmp_path):
    rejects = tmp_path / "rejects.journal"
    with store.transaction(owner) as b:
        b.ledger.load_chart("standard")
        report = import_file(b, data / "mistakes.journal", skip_invalid=True, rejects=rejects, display="m.journal")
        assert (report.imported, len(report.rejected)) == (2, 1)
        assert [str(p) for p in report.problems] == ["m.journal:5: the transaction does not balance: off by 0.01 (lines 5–7)"]
    assert rejects.read_text().splitlines()[:4] == [
        "; error: m.journal:5: the transaction does not balance: off by 0.01 (lines 5–7)",
        "2025-03-02 off by a cent", "    assets:bank:checking  $100.00", "    income:sales  $-99.99"]


def test_skip_invalid_for_a_csv_writes_rejected_rows(store, owner, tmp_path):
    path = tmp_path / "l.csv"
    path.write_text("date,entry,account,debit,credit,memo\n2025-01-02,1,assets:cash,10,,ok\n2025-01-02,1,income:sales,,10,\n"
                    "2025-01-03,2,assets:cash,5,,bad\n2025-01-03,2,income:sales,,4,\n")
    rejects = tmp_path / "rejects.csv"
    with store.transaction(owner) as b:
        b.ledger.load_chart("standard")
        report = import_file(b, path, skip_invalid=True, rejects=rejects, display="l.csv")
        assert report.imported == 1
    lines = rejects.read_text().splitlines()
    assert lines[0] == "date,entry,account,debit,credit,memo,line,error"
    assert lines[1].startswith("2025-01-03,2,assets:cash,5,,bad,4,") and "off by 1.00" in lines[1]


@pytest.mark.parametrize("content, message", [
    ("date,entry,account,debit,credit,memo\n2025-01-02,1,assets:cash,10,5,x\n2025-01-02,1,income:sales,,5,\n",
     "l.csv:2: both debit and credit are filled"),
    ("date,entry,account,debit,credit,memo\n2025-01-02,1,assets:cash,-10,,x\n2025-01-02,1,income:sales,10,,\n",
     "l.csv:2: debit: '-10' is negative; put it in credit"),
    ("date,entry,account,debit,credit,memo\n2025-01-02,1,assets:cash,10,,x\n2025-01-03,1,income:sales,,10,\n",
     "l.csv:3: date 2025-01-03 differs from the entry's date on line 2"),
    ("date,entry,account,debit,credit,memo\n2025-01-02,1,assets:cash,10.001,,x\n2025-01-02,1,income:sales,,10,\n",
     "l.csv:2: debit: amount '10.001' has more than 2 decimal places"),
    ("date,entry,account,debit,credit,memo\n2025-01-02,1,assets:cash,10,,x\n",
     "l.csv:2: an entry needs at least two lines (this one has 1)"),
    ("date,account,debit,credit\n2025-01-02,assets:cash,10,\n", "l.csv:1: no column for entry"),
])
def test_lines_csv_mistakes(store, owner, tmp_path, content, message):
    problems = refused(store, owner, tmp_path, content, name="l.csv")
    assert len(problems) == 1 and problems[0].startswith(message), problems


def test_dry_run_writes_nothing(store, owner, data):
    before = snapshot(store, owner)
    with store.transaction(owner) as b:
        report = import_file(b, data / "sample.journal", dry_run=True)
        assert report.imported == 9 and report.accounts_created
    assert snapshot(store, owner) == before


# -- the parser itself --------------------------------------------------------------------------


@pytest.mark.parametrize("text, cents, commodity", [
    ("$1,234.56", 123456, "$"), ("-$5", -500, "$"), ("$-5", -500, "$"), ("¥0.5", 50, "¥"),
    ("1234", 123400, ""), ("10 USD", 1000, "USD"), ("CNY -3.10", -310, "CNY"), ("€ 7.00", 700, "€"),
    ("1.500", 150, ""), ("+3", 300, ""),
])
def test_amounts(text, cents, commodity):
    assert parse_amount(text) == (cents, commodity)


@settings(max_examples=500)
@given(st.text(alphabet="0123456789,.-$¥+ ", min_size=1, max_size=14))
def test_the_parsers_quick_amounts_agree_with_parse_amount(amount):
    """The journal parser reads common amounts inline; what it makes of any amount must be
    what parse_amount makes of it (the same cents, or a refusal), and past the most one line may
    hold (core.money.LINE_MAX_UNITS) a refusal."""
    from bizsuite.core.money import LINE_MAX_UNITS

    j = parse_journal(f"2025-01-02 x\n    assets:cash  {amount}\n    income:sales\n", "t")
    try:
        expected = parse_amount(amount)
    except Exception:  # noqa: BLE001 - the parser must refuse it too
        expected = None
    if expected is not None and abs(expected[0]) > LINE_MAX_UNITS:
        expected = None
    postings = j.txns[0].postings if j.txns and not j.txns[0].problems else None
    if expected is None or not amount.strip():
        assert postings is None or postings[0].cents is None
    else:
        assert postings is not None, (amount, j.all_problems())
        assert postings[0].cents == expected[0]


def test_parser_keeps_codes_comments_and_marks():
    j = parse_journal("2025-01-02 * (A-1) Shop ; trailing\n    ; note line\n    assets:cash  $-3  ; posting note\n"
                      "    expenses:food\n", "t")
    t = j.txns[0]
    assert (t.mark, t.code, t.memo, t.comment) == ("*", "A-1", "Shop", "trailing\nnote line")
    assert [(p.account, p.cents, p.memo) for p in t.postings] == [("assets:cash", -300, "posting note"),
                                                                   ("expenses:food", 300, None)]

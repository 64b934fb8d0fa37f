"""``bizsuite ledger …`` as scripts see it: exit codes, stdout formats, one line per problem on
stderr, and nothing written when refused."""

from __future__ import annotations

import csv
import io
import json

import pytest
from ledger_helpers import D, file_counts, hledger_balances, sql


def rows(r) -> list[dict]:
    assert r.rc == 0, r
    return list(csv.DictReader(io.StringIO(r.stdout)))


def test_init_with_each_chart(cli, tmp_path):
    for chart, expected in (("standard", 44), ("cn-small", 74), ("none", 0)):
        db = tmp_path / f"{chart}.sqlite"
        r = cli("init", "--chart", chart, db=db)
        assert r.rc == 0, r
        assert sql(db, "SELECT count(*) FROM ledger_accounts")[0][0] == expected
    r = cli("init", "--chart", "martian", db=tmp_path / "m.sqlite")
    assert r.rc == 1 and r.err_lines == ["--chart: 'martian' is not one of: standard, cn-small, none"], r
    assert not (tmp_path / "m.sqlite").exists()


def test_post_and_trial_balance_csv(cli, books_path):
    r = cli("ledger", "post", "--date", "2025-01-02", "--memo", "Owner invests",
            "--line", "assets:bank:checking 25,000.00", "--line", "equity:owner capital", db=books_path)
    assert r.rc == 0 and r.stdout.startswith("posted #1 2025-01-02 25,000.00"), r
    r = cli("ledger", "post", "--date", "2025-01-05", "-m", "Rent", "-l", "expenses:rent $1200 ; January",
            "-l", "1010 -1200", db=books_path)
    assert r.rc == 0, r
    r = cli("ledger", "trial-balance", "--format", "csv", db=books_path)
    assert r.stdout.splitlines()[0] == "account,type,debit,credit,balance"
    assert rows(r) == [
        {"account": "assets:bank:checking", "type": "asset", "debit": "25000.00", "credit": "1200.00",
         "balance": "23800.00"},
        {"account": "equity:owner capital", "type": "equity", "debit": "0.00", "credit": "25000.00",
         "balance": "-25000.00"},
        {"account": "expenses:rent", "type": "expense", "debit": "1200.00", "credit": "0.00", "balance": "1200.00"},
    ]
    j = json.loads(cli("ledger", "trial-balance", "--format", "json", "--depth", "1", db=books_path).stdout)
    assert j[0] == {"account": "assets", "type": "asset", "debit": "25000.00", "credit": "1200.00",
                    "balance": "23800.00"}
    table = cli("ledger", "trial-balance", db=books_path).stdout
    assert "assets:bank:checking" in table and "total" in table  # names print as they are (no emoji)


@pytest.mark.parametrize("lines, message", [
    (["assets:cash 100.00", "income:sales -99.99"],
     "balance: the entry does not balance: debits 100.00, credits 99.99, difference 0.01"),
    (["assets:cash 10", "nowhere:at all -10"], "line 2: unknown account 'nowhere:at all'"),
    (["assets:cash 12.3.4", "income:sales"], "--line 'assets:cash 12.3.4': not a valid amount: '12.3.4'"),
    (["assets:cash 10"], "lines: an entry needs at least two lines (it has 1)"),
    (["assets:cash", "income:sales"], "lines: lines 1, 2 have no amount; at most one line may omit it"),
])
def test_refused_posts_say_why_in_one_line_and_write_nothing(cli, books_path, lines, message):
    before = file_counts(books_path)
    args = [x for line in lines for x in ("--line", line)]
    r = cli("ledger", "post", "--date", "2025-01-02", "--memo", "x", *args, db=books_path)
    assert (r.rc, r.stdout, r.err_lines) == (1, "", [message]), r
    assert file_counts(books_path) == before


def test_an_impossible_date_and_a_locked_period(cli, books_path):
    r = cli("ledger", "post", "--date", "2025-02-30", "-l", "assets:cash 1", "-l", "income:sales", db=books_path)
    assert (r.rc, r.err_lines) == (1, ["date: 2025-02-30 is not a date (no such day)"])
    assert cli("ledger", "lock", "--until", "2025-03-31", db=books_path).stdout.strip() == "locked until 2025-03-31"
    before = file_counts(books_path)
    r = cli("ledger", "post", "--date", "2025-03-31", "-l", "assets:cash 1", "-l", "income:sales", db=books_path)
    assert (r.rc, r.err_lines) == (1, ["date: 2025-03-31 is on or before the lock date 2025-03-31; nothing may be posted there"])
    assert file_counts(books_path) == before


def test_import_a_journal_with_mistakes_reports_every_line_and_writes_nothing(cli, books_path, tmp_path):
    bad = tmp_path / "bad.journal"
    bad.write_text("2025-01-02 ok\n    assets:cash  $10\n    income:sales\n\n"
                   "2025-01-03 cent\n    assets:cash  $10.00\n    income:sales  $-9.99\n\n"
                   "2025-01-04 space\n    assets:cash $10\n    income:sales  $-10\n")
    before = file_counts(books_path)
    r = cli("ledger", "import", bad, db=books_path, cwd=tmp_path)
    assert r.rc == 1 and r.stdout == "", r
    assert r.err_lines == [
        f"{bad}:5: the transaction does not balance: off by 0.01 (lines 5–7)",
        f"{bad}:10: one space between the account and the amount '$10'; put two or more spaces before the amount"]
    assert file_counts(books_path) == before
    r = cli("ledger", "import", "bad.journal", "--dry-run", db=books_path, cwd=tmp_path)
    assert r.rc == 1 and "would import 1" in r.stdout and len(r.err_lines) == 2
    r = cli("ledger", "import", "bad.journal", "--skip-invalid", "--rejects", "rejects.journal", db=books_path,
            cwd=tmp_path)
    assert r.rc == 0 and "imported 1" in r.stdout and "2 rejected" in r.stdout, r
    assert (tmp_path / "rejects.journal").read_text().startswith("; error: bad.journal:5:")
    r = cli("ledger", "import", "bad.journal", "--rejects", "x", db=books_path, cwd=tmp_path)
    assert r.rc == 2


def test_import_export_and_hledger_agree(cli, books_path, data, tmp_path):
    r = cli("ledger", "import", data / "sample.journal", db=books_path)
    assert r.rc == 0 and "9 entries read, imported 9" in r.stdout, r
    r = cli("ledger", "import", data / "sample.journal", db=books_path)
    assert "imported 0, 9 already present" in r.stdout
    out = tmp_path / "out.journal"
    r = cli("ledger", "export", out, db=books_path)
    assert r.rc == 0 and "exported 9 entries" in r.stderr, r
    ours = {row["account"]: D(row["balance"])
            for row in rows(cli("ledger", "trial-balance", "--format", "csv", db=books_path)) if D(row["balance"])}
    assert hledger_balances(out) == ours
    r = cli("ledger", "export", "--format", "csv", db=books_path)
    assert r.stdout.splitlines()[0] == "date,entry,account,debit,credit,memo" and len(r.stdout.splitlines()) == 19


def test_reports_from_the_command_line(cli, books_path, data):
    assert cli("ledger", "import", data / "sample.journal", db=books_path).rc == 0
    pnl = rows(cli("ledger", "pnl", "--year", "2025", "--monthly", "--format", "csv", db=books_path))
    assert list(pnl[0]) == ["section", "account", "code", "depth", "2025-01", "2025-02", "2025-03", "2025-04",
                            "2025-05", "2025-06", "2025-07", "2025-08", "2025-09", "2025-10", "2025-11",
                            "2025-12", "total"]
    net = next(r for r in pnl if r["account"] == "net income")
    assert (net["2025-01"], net["2025-02"], net["total"]) == ("2148.51", "-1209.00", "939.51")
    bs = rows(cli("ledger", "balance-sheet", "--as-of", "2025-12-31", "--format", "csv", db=books_path))
    totals = {r["account"]: D(r["balance"]) for r in bs if r["section"] == "total"}
    assert totals["total assets"] == totals["total liabilities and equity"] == D("26029.50")
    reg = rows(cli("ledger", "register", "checking", "--format", "csv", db=books_path))
    assert [r["balance"] for r in reg] == ["25000.00", "23800.00", "27250.50", "27238.50", "26038.50"]
    j = cli("ledger", "journal", "--from", "2025-02-01", "--format", "json", db=books_path)
    assert {x["memo"] for x in json.loads(j.stdout)} == {"Office rent, February", "Coffee"}
    accts = rows(cli("ledger", "accounts", "--format", "csv", "--as-of", "2025-01-31", db=books_path))
    assert next(a for a in accts if a["account"] == "assets:bank")["balance"] == "27238.50"


def test_accounts_settings_reverse_lock_close_from_the_command_line(cli, cn_books_path):
    db = cn_books_path
    r = cli("ledger", "add-account", "资产:银行存款:工商银行", "--code", "100201", db=db)
    assert r.rc == 0 and r.stdout.strip() == "added 100201 资产:银行存款:工商银行 (asset)", r
    assert cli("ledger", "set-account", "bank", "100201", db=db).stdout.strip() == "bank: 100201 资产:银行存款:工商银行"
    settings = rows(cli("ledger", "settings", "--format", "csv", db=db))
    assert {s["role"]: s["code"] for s in settings}["bank"] == "100201"
    r = cli("ledger", "post", "--date", "2025-03-01", "-m", "投资", "-l", "工商银行 ¥50,000", "-l", "实收资本", db=db)
    assert r.rc == 0, r
    r = cli("ledger", "post", "--date", "2025-03-02", "-m", "销售", "-l", "1122 11300", "-l", "5001 -10000",
            "-l", "2221 -1300", db=db)
    assert r.rc == 0, r
    r = cli("ledger", "reverse", "2", "--date", "2025-03-03", db=db)
    assert r.rc == 0 and "reversing #2" in r.stdout
    r = cli("ledger", "reverse", "2", "--date", "2025-03-04", db=db)
    assert (r.rc, r.err_lines) == (1, ["entry #2 is already reversed by #3"])
    r = cli("ledger", "post", "--date", "2025-04-01", "-m", "销售", "-l", "1122 500", "-l", "5001", db=db)
    r = cli("ledger", "close-year", "2025", db=db)
    assert r.rc == 0 and "closed 2025 with entry #5; locked until 2025-12-31" in r.stdout, r
    tb = {row["account"]: row["balance"] for row in rows(cli("ledger", "trial-balance", "--format", "csv", db=db))}
    assert tb["收入:主营业务收入"] == "0.00" and tb["所有者权益:利润分配"] == "-500.00"
    r = cli("ledger", "show", "5", "--format", "json", db=db)
    assert [x["account"] for x in json.loads(r.stdout)] == ["收入:主营业务收入", "所有者权益:利润分配"]
    r = cli("ledger", "deactivate", "1001", db=db)
    assert r.stdout.strip() == "资产:库存现金 is inactive"
    r = cli("ledger", "delete-account", "1002", db=db)
    assert r.rc == 1 and "sub-accounts" in r.stderr


def test_drafts_from_the_command_line(cli, books_path):
    r = cli("ledger", "post", "--draft", "--date", "2025-01-02", "-l", "assets:cash 10", "-l", "income:sales -9",
            db=books_path)
    assert r.rc == 0 and r.stdout.startswith("saved draft #1"), r
    assert len(rows(cli("ledger", "journal", "--drafts", "--format", "csv", db=books_path))) == 1
    r = cli("ledger", "post-draft", "1", db=books_path)
    assert r.rc == 1 and "difference 1.00" in r.stderr
    assert cli("ledger", "delete-draft", "1", db=books_path).rc == 0
    assert file_counts(books_path)["ledger_entries"] == 0


def test_check_includes_the_ledger(cli, books_path):
    cli("ledger", "post", "--date", "2025-01-02", "-l", "assets:cash 10", "-l", "income:sales", db=books_path)
    r = cli("check", "--format", "csv", db=books_path)
    assert r.rc == 0, r
    names = [row["check"] for row in csv.DictReader(io.StringIO(r.stdout))]
    assert {"every posted entry balances", "posted ledger entries are protected"} <= set(names)
    # a line slipped in behind bizsuite's back: the database refuses it (the entry is sealed);
    # with its trigger dropped, check finds it
    import sqlite3

    conn = sqlite3.connect(books_path)
    insert = "INSERT INTO ledger_lines (entry_id, line_no, date, account_id, amount) VALUES (1, 3, '2025-01-02', 1, 5)"
    with pytest.raises(sqlite3.IntegrityError, match="posted ledger entries never change"):
        conn.execute(insert)
    conn.execute("DROP TRIGGER ledger_lines_sealed_never_insert")
    conn.execute(insert)
    conn.commit()
    conn.close()
    r = cli("check", db=books_path)
    assert r.rc == 1 and "check failed: every posted entry balances: 1 entries do not balance" in r.stderr


def test_commands_that_write_print_the_record_as_json(cli, books_path):
    """post, reverse, add-account… with --format json print what show / accounts print for it."""
    r = cli("ledger", "post", "--date", "2025-01-02", "-m", "Owner invests", "-f", "json",
            "-l", "assets:bank:checking 25,000.00", "-l", "equity:owner capital", db=books_path)
    assert r.rc == 0, r
    posted = json.loads(r.stdout)
    assert posted == json.loads(cli("ledger", "show", "1", "--format", "json", db=books_path).stdout)
    assert [(x["account"], x["debit"], x["credit"]) for x in posted] == [
        ("assets:bank:checking", "25000.00", None), ("equity:owner capital", None, "25000.00")]
    r = cli("ledger", "reverse", "1", "--date", "2025-01-03", "--format", "json", db=books_path)
    assert r.rc == 0, r
    reversal = json.loads(r.stdout)
    assert reversal == json.loads(cli("ledger", "show", "2", "-f", "json", db=books_path).stdout)
    assert {x["entry"] for x in reversal} == {2} and reversal[0]["credit"] == "25000.00"
    r = cli("ledger", "add-account", "assets:bank:petty", "--code", "1015", "-f", "json", db=books_path)
    assert r.rc == 0, r
    added = json.loads(r.stdout)
    listed = json.loads(cli("ledger", "accounts", "--format", "json", db=books_path).stdout)
    assert added == [a for a in listed if a["account"] == "assets:bank:petty"]
    assert added[0]["code"] == "1015" and added[0]["type"] == "asset"
    r = cli("ledger", "deactivate", "1015", "-f", "json", db=books_path)
    assert r.rc == 0 and json.loads(r.stdout)[0]["active"] is False, r
    r = cli("ledger", "post", "--date", "2025-01-02", "-m", "x", "-f", "json",
            "-l", "assets:bank:checking 1", "-l", "equity:owner capital -2", db=books_path)
    assert r.rc == 1 and r.stdout == "" and "does not balance" in r.stderr


@pytest.mark.parametrize("currency, written, human, zero, too_fine", [
    ("JPY", "1234", "1,234", "0", "12.5"), ("KWD", "1.250", "1.250", "0.000", "1.2505")])
def test_reports_print_the_currencys_decimals(cli, tmp_path, currency, written, human, zero, too_fine):
    db = tmp_path / f"{currency}.sqlite"
    assert cli("init", "--company", "Co", "--currency", currency, "--chart", "standard", db=db).rc == 0
    r = cli("ledger", "post", "--date", "2025-01-02", "-m", "sale", "-l", f"assets:cash {written}",
            "-l", "income:sales", db=db)
    assert r.rc == 0 and r.stdout.startswith(f"posted #1 2025-01-02 {human}\n"), r
    assert rows(cli("ledger", "trial-balance", "--format", "csv", db=db))[0] == {
        "account": "assets:cash", "type": "asset", "debit": written, "credit": zero, "balance": written}
    j = json.loads(cli("ledger", "show", "1", "-f", "json", db=db).stdout)
    assert [x["debit"] for x in j] == [written, None]
    r = cli("ledger", "post", "--date", "2025-01-02", "-l", f"assets:cash {too_fine}", "-l", "income:sales", db=db)
    assert r.rc == 1 and r.err_lines == [
        f"line 1: amount {too_fine} has more than {len(zero.partition('.')[2])} decimal places "
        f"(the books are in {currency})"], r

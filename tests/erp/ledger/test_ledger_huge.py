"""Huge entries: the cap on lines per entry (posting, drafts, imports), reading an entry a page at a
time (repository, ``ledger show``), and reversing one in bulk (one INSERT … SELECT, audited as
bulk loads are). SQLite and PostgreSQL (the ``store`` fixture)."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest
from ledger_helpers import D, counts, snapshot, sql, tb_map
from sqlalchemy import Date, bindparam, event, text

from bizsuite.core import audit
from bizsuite.core.auth import Actor
from bizsuite.core.errors import NotFound, PermissionDenied, Refused, ValidationFailed
from bizsuite.core.importer import ImportFailed
from bizsuite.crm.contacts.models import ContactIn
from bizsuite.erp.ledger import posting
from bizsuite.erp.ledger.importer import import_file
from bizsuite.erp.ledger.limits import MAX_LINES
from bizsuite.erp.ledger.models import Line, LineIn

DAY = "2025-03-10"


def add_lines(b, entry_id: int, first: int, last: int, day: str = DAY) -> None:
    """Lines ``first``..``last`` of a posted entry, by raw SQL (as a huge entry could only be
    made now the cap holds): odd lines debit checking 1.00, even ones credit sales 1.00, and with
    an odd ``last`` the last line is 0.00, so the entry still balances."""
    ids = {a.name: a.id for a in b.ledger.accounts()}
    b.session.execute(text(
        "WITH RECURSIVE seq(k) AS (SELECT CAST(:first AS INTEGER) UNION ALL SELECT k + 1 FROM seq WHERE k < :last) "
        "INSERT INTO ledger_lines (entry_id, line_no, date, account_id, amount) "
        "SELECT :entry, k, :day, CASE WHEN k % 2 = 1 THEN :debit ELSE :credit END, "
        "CASE WHEN k = :last AND k % 2 = 1 THEN 0 WHEN k % 2 = 1 THEN 100 ELSE -100 END FROM seq"
    ).bindparams(bindparam("day", type_=Date)), {
        "first": first, "last": last, "entry": entry_id, "day": posting.parse_date(day),
        "debit": ids["assets:bank:checking"], "credit": ids["income:sales"]})


def big_entry(store, actor, lines: int, *, memo: str = "Stock revaluation") -> int:
    """A posted entry of ``lines`` lines (the first two posted, the rest added by SQL in the
    same unit of work)."""
    with store.transaction(actor) as b:
        e = b.ledger.post_entry(DAY, memo, [LineIn("checking", D(1)), LineIn("sales", D(-1))])
        if lines > 2:
            add_lines(b, e.id, 3, lines)
        return e.id


# -- the cap --------------------------------------------------------------------------------------


def test_the_cap_is_a_documented_number_in_the_range_a_small_company_needs():
    assert 10_000 <= MAX_LINES <= 100_000
    assert posting.MAX_LINES == MAX_LINES
    assert str(MAX_LINES) in (posting.too_many_lines(MAX_LINES + 1) or "")
    assert posting.too_many_lines(MAX_LINES) is None


def test_posting_more_lines_than_the_cap_is_one_field_error_and_writes_nothing(books_store, owner):
    lines = [LineIn("checking", D(1)) if n % 2 else LineIn("sales", D(-1)) for n in range(MAX_LINES + 2)]
    before = snapshot(books_store, owner)
    with books_store.transaction(owner) as b, pytest.raises(ValidationFailed) as exc:
        b.ledger.post_entry(DAY, "too big", lines)
    assert [(f.field, f.message) for f in exc.value.errors] == [
        ("lines", f"an entry has at most {MAX_LINES} lines (it has {MAX_LINES + 2})")]
    with books_store.transaction(owner) as b, pytest.raises(ValidationFailed, match="at most"):
        b.ledger.save_draft(DAY, "too big", lines)
    assert snapshot(books_store, owner) == before


def test_the_cap_holds_at_its_edge_for_posts_drafts_and_posting_drafts(books_store, owner, monkeypatch):
    monkeypatch.setattr(posting, "MAX_LINES", 4)
    four = [LineIn("checking", D(1)), LineIn("sales", D(-1)), LineIn("checking", D(2)), LineIn("sales", D(-2))]
    with books_store.transaction(owner) as b:
        assert len(b.ledger.entry(b.ledger.post_entry(DAY, "four", four).id).lines) == 4
        draft = b.ledger.save_draft(DAY, "draft of four", four).id
        with pytest.raises(ValidationFailed) as exc:
            b.ledger.post_entry(DAY, "five", [*four, LineIn("sales", D(0))])
        assert str(exc.value.errors[0]) == "lines: an entry has at most 4 lines (it has 5)"
    monkeypatch.setattr(posting, "MAX_LINES", 3)  # a draft saved when more were allowed
    with books_store.transaction(owner) as b, pytest.raises(ValidationFailed, match=r"at most 3 lines \(it has 4\)"):
        b.ledger.post_draft(draft)
    with books_store.read(owner) as b:
        assert b.ledger.entry(draft).entry.status == "draft"


def _journal(path, postings: int, *, good_too: bool = True) -> None:
    text_ = ""
    if good_too:
        text_ += "2025-02-01 Good one\n    assets:bank:checking  $10.00\n    income:sales\n\n"
    text_ += "2025-02-02 Revaluation\n"
    for n in range(postings - 1):
        text_ += f"    assets:bank:checking  ${n % 7 + 1}.00\n"
    text_ += "    income:sales\n"
    path.write_text(text_)


def test_a_journal_transaction_over_the_cap_is_refused_with_its_line(books_store, owner, tmp_path, monkeypatch):
    monkeypatch.setattr(posting, "MAX_LINES", 5)
    path = tmp_path / "big.journal"
    _journal(path, 6)
    before = snapshot(books_store, owner)
    with books_store.transaction(owner) as b, pytest.raises(ImportFailed) as exc:
        import_file(b, path, display="big.journal")
    assert [str(p) for p in exc.value.problems] == ["big.journal:5: an entry has at most 5 lines (it has 6)"]
    assert snapshot(books_store, owner) == before
    with books_store.transaction(owner) as b:
        report = import_file(b, path, display="big.journal", skip_invalid=True)
        assert (report.imported, len(report.rejected)) == (1, 1)
        assert [b.ledger.entry(i).entry.memo for i in report.entry_ids] == ["Good one"]
    _journal(path, 5, good_too=False)  # at the cap: imported
    with books_store.transaction(owner) as b:
        report = import_file(b, path)
        assert report.imported == 1 and b.ledger.entry(report.entry_ids[0]).count == 5


def test_a_csv_entry_over_the_cap_is_refused_with_its_line(books_store, owner, tmp_path, monkeypatch):
    monkeypatch.setattr(posting, "MAX_LINES", 3)
    path = tmp_path / "lines.csv"
    path.write_text("date,entry,account,debit,credit,memo\n"
                    "2025-02-01,A,assets:bank:checking,10.00,,ok\n2025-02-01,A,income:sales,,10.00,ok\n"
                    "2025-02-02,B,assets:bank:checking,1.00,,big\n2025-02-02,B,assets:bank:checking,1.00,,big\n"
                    "2025-02-02,B,assets:bank:checking,1.00,,big\n2025-02-02,B,income:sales,,3.00,big\n")
    before = snapshot(books_store, owner)
    with books_store.transaction(owner) as b, pytest.raises(ImportFailed) as exc:
        import_file(b, path, display="lines.csv")
    assert [str(p) for p in exc.value.problems] == ["lines.csv:4: an entry has at most 3 lines (it has 4)"]
    assert snapshot(books_store, owner) == before
    with books_store.transaction(owner) as b:
        report = import_file(b, path, skip_invalid=True)
        assert (report.imported, len(report.rejected)) == (1, 1)


def test_ledger_import_of_a_journal_over_the_real_cap_exits_1_and_writes_nothing(cli, books_path, tmp_path):
    path = tmp_path / "huge.journal"
    _journal(path, MAX_LINES + 1)
    before = sql(books_path, "SELECT count(*) FROM ledger_lines")
    r = cli("ledger", "import", str(path), db=books_path)
    assert (r.rc, r.err_lines) == (1, [f"{path}:5: an entry has at most {MAX_LINES} lines (it has {MAX_LINES + 1})"])
    assert sql(books_path, "SELECT count(*) FROM ledger_lines") == before
    r = cli("ledger", "import", str(path), "--skip-invalid", db=books_path)
    assert r.rc == 0, r
    assert sql(books_path, "SELECT count(*), max(memo) FROM ledger_entries") == [(1, "Good one")]


def test_the_cap_is_in_the_help_of_post_and_import(cli):
    for command in ("post", "import"):
        r = cli("ledger", command, "--help")
        assert r.rc == 0 and f"at most {MAX_LINES} lines" in " ".join(r.stdout.split()), r


# -- reading a page -------------------------------------------------------------------------------


def test_an_entry_reads_a_page_of_its_lines_with_the_whole_entrys_count_and_totals(books_store, owner):
    eid = big_entry(books_store, owner, 131)
    with books_store.read(owner) as b:
        d = b.ledger.entry(eid, limit=50)
        assert [ln.line_no for ln in d.lines] == list(range(1, 51))
        assert (d.count, d.total, d.credits, d.difference) == (131, D("65.00"), D("65.00"), D("0.00"))
        page = b.ledger.entry(eid, offset=120, limit=50)
        assert [ln.line_no for ln in page.lines] == list(range(121, 132)) and page.offset == 120
        assert page.lines[-1].amount == D("0.00") and page.lines[-2].credit == D("1.00")
        assert b.ledger.entry(eid, offset=500, limit=50).lines == []
        assert [ln.line_no for ln in b.ledger.entry_lines(eid, offset=49, limit=2)] == [50, 51]
        assert len(b.ledger.entry(eid).lines) == 131  # no limit: every line, as before
        streamed = list(b.ledger.iter_entry_lines(eid, batch=7))
        assert [ln.line_no for ln in streamed] == list(range(1, 132))
        assert [ln.line_no for ln in b.ledger.iter_entry_lines(eid, offset=125, limit=4, batch=3)] == [126, 127, 128, 129]
        assert list(b.ledger.iter_entry_lines(eid, offset=131)) == []
        with pytest.raises(Refused, match="offset"):
            b.ledger.entry(eid, offset=-1, limit=5)
        with pytest.raises(NotFound):
            b.ledger.entry_lines(eid + 100)


def test_a_drafts_page_sums_debits_and_credits_apart(books_store, owner):
    with books_store.transaction(owner) as b:
        eid = b.ledger.save_draft(DAY, "half done", [LineIn("checking", D(30)), LineIn("sales", D(-20)),
                                                     LineIn("sales", None), LineIn("rent", D(5))]).id
    with books_store.read(owner) as b:
        d = b.ledger.entry(eid, limit=1)
        assert (len(d.lines), d.count, d.total, d.credits, d.difference) == (1, 4, D(35), D(20), D(15))


def test_the_first_page_of_a_huge_entry_makes_no_object_per_line(books_store, owner, monkeypatch):
    """A page reads its rows only: the LineOuts made are the page's, not the entry's."""
    eid = big_entry(books_store, owner, 5000)
    from bizsuite.erp.ledger import repository

    made = []
    real = repository.LineOut
    monkeypatch.setattr(repository, "LineOut", lambda **kw: made.append(1) or real(**kw))
    with books_store.read(owner) as b:
        d = b.ledger.entry(eid, limit=50)
        assert (len(made), d.count, d.total) == (50, 5000, D("2500.00"))


def test_a_journal_page_holding_a_huge_entry_reads_one_row_per_account_of_it(books_store, owner):
    eid = big_entry(books_store, owner, 5001)
    with books_store.transaction(owner) as b:
        b.ledger.post_entry(DAY, "Rent", [LineIn("rent", D(7)), LineIn("checking", D(-7)), LineIn("rent", D(3)),
                                          LineIn("sales", D(-3))])
        b.ledger.save_draft(DAY, "draft", [LineIn("sales", D(-4)), LineIn("checking", None), LineIn("rent", D(9))])
    fetched = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if "ledger_lines" in statement and "GROUP BY" in statement:
            fetched.append(statement)

    with books_store.read(owner) as b:
        engine = b.session.get_bind()
        event.listen(engine, "after_cursor_execute", count)
        try:
            rows = {r.memo: r for r in b.ledger.journal_page(limit=10).rows}
        finally:
            event.remove(engine, "after_cursor_execute", count)
        assert len(fetched) == 1  # the lines of the page's entries: summed per account by the database
        assert (rows["Stock revaluation"].id, rows["Stock revaluation"].total) == (eid, D("2500.00"))
        assert rows["Stock revaluation"].accounts == "assets:bank:checking, income:sales"
        assert (rows["Rent"].total, rows["Rent"].accounts) == (D(10), "expenses:rent, assets:bank:checking, income:sales")
        draft = b.ledger.journal_page(status="draft").rows[0]
        assert (draft.total, draft.accounts) == (D(9), "income:sales, assets:bank:checking, expenses:rent")


def test_ledger_show_pages_a_table_and_streams_csv_and_json(cli, books_path, owner_name):
    from bizsuite.core.db import Location, to_url
    from bizsuite.core.store import Store

    store = Store.open(Location(to_url(str(books_path)), "test"))
    try:
        eid = big_entry(store, store.actor_for(owner_name), 130)
    finally:
        store.close()
    r = cli("ledger", "show", str(eid), db=books_path)
    assert r.rc == 0, r
    out = r.stdout.splitlines()
    assert sum(1 for ln in out if "assets:bank:checking" in ln or ln.strip().startswith("income:sales")) == 50
    assert out[-1] == (f"lines 1–50 of 130 (80 more); the next 50: bizsuite ledger show {eid} --offset 50; "
                       "every line: --lines 0, or --format csv or json (streamed)")
    assert "total of the 130 lines" in out[-2] and out[-2].split()[-2:] == ["65.00", "65.00"]
    r = cli("ledger", "show", str(eid), "--offset", "100", "--lines", "20", db=books_path)
    assert r.stdout.splitlines()[-1].startswith(
        f"lines 101–120 of 130 (10 more); the next 10: bizsuite ledger show {eid} --offset 120 --lines 20; ")
    r = cli("ledger", "show", str(eid), "--offset", "120", "--lines", "50", db=books_path)
    assert r.stdout.splitlines()[-1].startswith("lines 121–130 of 130; every line")
    r = cli("ledger", "show", str(eid), "--offset", "200", db=books_path)
    assert r.stdout.splitlines()[-1].startswith("no lines after line 200: the entry has 130; every line")
    r = cli("ledger", "show", str(eid), "--lines", "0", db=books_path)
    assert "lines" not in r.stdout.splitlines()[-1] and "total" in r.stdout.splitlines()[-1]
    rows = list(csv.DictReader(io.StringIO(cli("ledger", "show", str(eid), "-f", "csv", db=books_path).stdout)))
    assert len(rows) == 130 and rows[0]["debit"] == "1.00" and rows[1]["credit"] == "1.00"
    assert rows[129]["debit"] == "" and rows[129]["credit"] == "1.00"
    r = cli("ledger", "show", str(eid), "-f", "json", db=books_path)
    items = json.loads(r.stdout)
    assert len(items) == 130 and items[0] == {
        "entry": eid, "date": DAY, "status": "posted", "memo": "Stock revaluation", "account": "assets:bank:checking",
        "debit": "1.00", "credit": None, "line_memo": "", "contact_id": None}
    # the streamed JSON is exactly what the JSON of a list is (indent 2)
    assert r.stdout == json.dumps(items, ensure_ascii=False, indent=2) + "\n"
    part = json.loads(cli("ledger", "show", str(eid), "-f", "json", "--offset", "128", db=books_path).stdout)
    assert [(i["debit"], i["credit"]) for i in part] == [("1.00", None), (None, "1.00")]
    r = cli("ledger", "show", str(eid), "--lines", "-1", db=books_path)
    assert r.rc == 1 and "--lines" in r.stderr


# -- reversing in bulk ----------------------------------------------------------------------------


def test_a_huge_reversal_is_one_insert_select_audited_as_one_load(books_store, owner):
    lines = audit.EACH_UP_TO + 1
    eid = big_entry(books_store, owner, lines)
    made = []

    def count(*_a, **_k):
        made.append(1)

    event.listen(Line, "init", count)
    try:
        with books_store.transaction(owner) as b:
            before = counts(b)["audit_log"]
            r = b.ledger.reverse(eid, date="2025-03-31")
            rid = r.id
            assert counts(b)["audit_log"] - before == 2  # the reversal entry, and one row for its lines
    finally:
        event.remove(Line, "init", count)
    assert made == []  # no ORM object per line
    with books_store.read(owner) as b:
        d = b.ledger.entry(rid, limit=3)
        assert (d.count, d.total, d.credits) == (lines, D("5000.00"), D("5000.00"))
        assert [(ln.line_no, ln.amount) for ln in d.lines] == [(1, D(-1)), (2, D(1)), (3, D(-1))]
        assert d.entry.reverses_id == eid and d.entry.source_kind == "manual"
        assert b.ledger.entry(eid, limit=0).reversed_by == rid
        assert all(v == 0 for v in tb_map(b).values())
        first_line = b.session.execute(text("SELECT min(id), max(id) FROM ledger_lines WHERE entry_id = :e"),
                                       {"e": rid}).one()
        load = b.admin.audit(entity="ledger_lines", entity_id=str(first_line[1]))
        assert len(load) == 1 and load[0].entity_id == f"{first_line[0]}-{first_line[1]}"
        assert json.loads(load[0].changes) == {"entry_id": [None, rid], "lines": [None, lines],
                                               "source": [None, f"reversal of #{eid}"]}
        dates = b.session.execute(text("SELECT DISTINCT date FROM ledger_lines WHERE entry_id = :e"), {"e": rid}).all()
        assert [str(d_[0]) for d_ in dates] == ["2025-03-31"]


def test_a_small_reversal_audits_each_line_as_posting_does(books_store, owner):
    with books_store.transaction(owner) as b:
        c = b.contacts.add(ContactIn(name="Acme", kind="company"))
        e = b.ledger.post_entry(DAY, "sale", [LineIn("accounts receivable", D("10.80"), "widgets", c.id),
                                              LineIn("sales", D("-10.80"))])
        r = b.ledger.reverse(e.id, date="2025-03-11")
        eid, rid = e.id, r.id
    with books_store.read(owner) as b:
        rows = {json.loads(a.changes)["entry_id"][1]: [] for a in b.admin.audit(entity="ledger_lines")}
        for a in reversed(b.admin.audit(entity="ledger_lines")):
            rows[json.loads(a.changes)["entry_id"][1]].append(json.loads(a.changes))
        assert len(rows[eid]) == len(rows[rid]) == 2
        for posted, reversed_ in zip(rows[eid], rows[rid]):
            assert set(posted) == set(reversed_)  # the same fields as the ORM writes for a posted line
            assert Decimal(reversed_["amount"][1]) == -Decimal(posted["amount"][1])
            assert {k: v for k, v in reversed_.items() if k not in ("id", "entry_id", "amount")} == \
                {k: v for k, v in posted.items() if k not in ("id", "entry_id", "amount")}
        lines = b.ledger.entry(rid).lines
        assert [(ln.amount, ln.memo, ln.contact_id) for ln in lines] == [(D("-10.80"), "widgets", c.id),
                                                                         (D("10.80"), None, None)]


def test_the_bulk_reversal_keeps_the_rules(books_store, owner):
    eid = big_entry(books_store, owner, 300)
    with books_store.transaction(Actor("vic", "viewer")) as b, pytest.raises(PermissionDenied):
        b.ledger.reverse(eid)
    with books_store.transaction(owner) as b:
        b.ledger.lock("2025-03-31")
    with books_store.transaction(owner) as b, pytest.raises(ValidationFailed, match="lock date"):
        b.ledger.reverse(eid, date="2025-03-31")
    before = snapshot(books_store, owner)
    with books_store.transaction(owner) as b:
        rid = b.ledger.reverse(eid, date="2025-04-01").id
    with books_store.transaction(owner) as b, pytest.raises(Refused, match=f"already reversed by #{rid}"):
        b.ledger.reverse(eid, date="2025-04-02")
    with books_store.transaction(owner) as b, pytest.raises(Refused, match="is the reversal of"):
        b.ledger.reverse(rid, date="2025-04-02")
    after = snapshot(books_store, owner)
    assert (after["ledger_entries"] - before["ledger_entries"], after["ledger_lines"] - before["ledger_lines"]) == (1, 300)


def test_a_module_documents_reversal_keeps_its_source(books_store, owner):
    with books_store.transaction(owner) as b:
        e = b.ledger.post_entry(DAY, "Invoice 9", [LineIn("accounts receivable", D(5)), LineIn("sales", D(-5))],
                                source=("sales_invoice", 9), source_ref="INV-9")
        r = b.ledger.reverse(e.id, date=DAY)
        assert (r.source_kind, r.source_id, r.source_ref) == ("sales_invoice", 9, "INV-9")
        assert [x.id for x in b.ledger.entries_for_source("sales_invoice", 9)] == [e.id, r.id]


def test_ledger_reverse_json_streams_the_reversal(cli, books_path):
    r = cli("ledger", "post", "--date", DAY, "-m", "t", "-l", "assets:bank:checking 7", "-l", "income:sales",
            db=books_path)
    assert r.rc == 0, r
    r = cli("ledger", "reverse", "1", "--date", "2025-03-11", "-f", "json", db=books_path)
    assert r.rc == 0, r
    assert [(i["entry"], i["debit"], i["credit"]) for i in json.loads(r.stdout)] == [(2, None, "7.00"), (2, "7.00", None)]
    assert json.loads(r.stdout) == json.loads(cli("ledger", "show", "2", "-f", "json", db=books_path).stdout)


def test_the_streamed_csv_and_json_are_what_emit_writes_for_the_same_rows(cli, books_path, owner_name):
    """Formula-like memos neutralised, quotes and Unicode kept, contacts and zero lines."""
    from bizsuite.cli.common import Fmt, emit
    from bizsuite.cli.ledger import ENTRY_COLUMNS, _entry_rows
    from bizsuite.core.db import Location, to_url
    from bizsuite.core.store import Store

    store = Store.open(Location(to_url(str(books_path)), "test"))
    try:
        actor = store.actor_for(owner_name)
        with store.transaction(actor) as b:
            c = b.contacts.add(ContactIn(name="北京科技", kind="company"))
            eid = b.ledger.post_entry(DAY, '=SUM("A1") 北京', [
                LineIn("accounts receivable", D("10.80"), '-2 "quoted", 北京', c.id),
                LineIn("sales", D("0.00")), LineIn("sales", D("-10.80"), "@home")], contact_id=c.id).id
        with store.read(actor) as b:
            d = b.ledger.entry(eid)
            expected = {}
            for fmt in (Fmt.csv, Fmt.json):
                buf = io.StringIO()
                emit(_entry_rows(d), ENTRY_COLUMNS, fmt, numeric=["debit", "credit"], out=buf)
                expected[fmt.value] = buf.getvalue()
    finally:
        store.close()
    for fmt in ("csv", "json"):
        r = cli("ledger", "show", str(eid), "-f", fmt, db=books_path)
        assert r.rc == 0 and r.stdout == expected[fmt], (fmt, r.stdout, expected[fmt])
    assert cli("ledger", "show", str(eid), "-f", "json", "--offset", "9", db=books_path).stdout == "[]\n"

"""Control characters and bidirectional overrides are refused in every text field, by one rule
(core.parsing.clean_text): the ledger (memos, codes, comments, account names and codes, journal
and CSV imports), contacts and tickets — with the field named, exit 1 and nothing written."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from bizsuite.core.errors import Refused, ValidationFailed
from bizsuite.core.parsing import BadText, clean_text, text_problem
from bizsuite.core.store import Store
from bizsuite.crm.contacts.models import ContactIn
from bizsuite.crm.tickets.models import TicketIn
from cli_runner import Bizsuite

ESC = "\x1b[2J"
FORBIDDEN = ["\x00", "\x1b", "\x07", "\x08", "\x7f", "\x85", "\x9b", "\x1c", "\u202a", "\u202e", "\u2066",
             "\u2069", "\x0b", "\x0c"]


# -- the rule ----------------------------------------------------------------------------------


@pytest.mark.parametrize("ch", FORBIDDEN)
@pytest.mark.parametrize("multiline", [False, True])
def test_controls_and_bidi_overrides_are_refused_with_the_field_named(ch, multiline):
    for value in (f"a{ch}b", f"{ch}ab", f"ab{ch}"):  # also at the ends, where strip() would hide it
        with pytest.raises(BadText) as exc:
            clean_text(value, "memo", multiline=multiline)
        assert exc.value.problems[0].startswith("memo: ")
        assert len(exc.value.problems) == 1 and "\n" not in exc.value.problems[0]
        assert isinstance(exc.value, ValueError) and isinstance(exc.value, Refused)


def test_line_breaks_and_tabs_where_a_field_has_them():
    assert clean_text("one\r\ntwo\rthree\n", "notes", multiline=True) == "one\ntwo\nthree"
    assert clean_text("a\tb", "notes", multiline=True) == "a\tb"
    with pytest.raises(BadText, match=r"^memo: must be one line"):
        clean_text("one\ntwo", "memo")
    with pytest.raises(BadText, match=r"^memo: must be one line"):
        clean_text("one\u2028two", "memo")
    with pytest.raises(BadText, match="tab"):
        clean_text("a\tb", "memo")
    assert clean_text("a\tb", "memo", tabs=True) == "a\tb"
    assert clean_text("  typed line\n", "memo") == "typed line"  # a typed line's own ends are not text
    with pytest.raises(BadText, match="^memo: longer than 3 characters"):
        clean_text("abcd", "memo", limit=3)
    # ordinary text of every script stays as it is, marks for right-to-left text included
    for ok in ("Café ☕", "资产:银行存款", "שלום\u200f עולם", "مرحبا", "👩‍💻", "ZWJ\u200d", "x\u00a0y"):
        assert clean_text(ok, "memo") == ok
    assert text_problem("fine") is None and clean_text(None, "memo") is None


# -- the ledger, through the repository (SQLite and PostgreSQL) ---------------------------------


def _counts(books) -> dict[str, int]:
    return {t: books.session.execute(text(f"SELECT count(*) FROM {t}")).scalar()
            for t in ("ledger_accounts", "ledger_entries", "ledger_lines", "ledger_draft_lines", "audit_log",
                      "settings", "contacts", "tickets")}


@pytest.fixture
def chart_store(store, owner):
    with store.transaction(owner) as b:
        b.ledger.load_chart("standard")
        e = b.ledger.post_entry("2025-01-02", "Sale", [("assets:bank:checking", "10.00"), ("income:sales", None)])
    assert e.id == 1
    return store


def _refused(store, owner, call, field: str):
    with store.read(owner) as b:
        before = _counts(b)
    with pytest.raises(Refused) as exc:
        with store.transaction(owner) as b:
            call(b)
    assert any(p.startswith(field) for p in exc.value.problems), exc.value.problems
    assert any("control character" in p or "bidirectional" in p for p in exc.value.problems), exc.value.problems
    with store.read(owner) as b:
        assert _counts(b) == before


LINES = [("assets:bank:checking", "5.00"), ("income:sales", None)]


@pytest.mark.parametrize("field, call", [
    ("memo", lambda b: b.ledger.post_entry("2025-01-03", f"Rent {ESC}", LINES)),
    ("memo", lambda b: b.ledger.post_entry("2025-01-03", "Rent\u202e", LINES)),
    ("memo", lambda b: b.ledger.save_draft("2025-01-03", "a\x00b", LINES)),
    ("line 2", lambda b: b.ledger.post_entry("2025-01-03", "Rent", [LINES[0], ("income:sales", None, f"x{ESC}")])),
    ("line 1", lambda b: b.ledger.save_draft("2025-01-03", "Rent", [("assets:bank:checking", "1", "\x00"),
                                                                     LINES[1]])),
    ("code", lambda b: b.ledger.post_entry("2025-01-03", "Rent", LINES, code=f"A{ESC}")),
    ("comment", lambda b: b.ledger.post_entry("2025-01-03", "Rent", LINES, comment=f"one\ntwo{ESC}")),
    ("comment", lambda b: b.ledger.save_draft("2025-01-03", "Rent", LINES, comment="\u2066x")),
    ("memo", lambda b: b.ledger.reverse(1, date="2025-01-04", memo=f"undo {ESC}")),  # the first entry
    ("name", lambda b: b.ledger.add_account(f"expenses:{ESC}", type="expense")),
    ("name", lambda b: b.ledger.add_account("expenses:x\x00y", type="expense")),
    ("name", lambda b: b.ledger.rename_account("income:sales", "income:\u202esales")),
    ("code", lambda b: b.ledger.add_account("expenses:travel", type="expense", code=f"9{ESC}")),
    ("code", lambda b: b.ledger.edit_account("income:sales", code="4\x00")),
])
def test_every_ledger_text_field_refuses_controls(chart_store, owner, field, call):
    _refused(chart_store, owner, call, field)


def test_a_comment_keeps_its_lines(chart_store, owner):
    with chart_store.transaction(owner) as b:
        e = b.ledger.post_entry("2025-01-03", "Rent", LINES, comment="one\r\ntwo\tcols")
    assert e.comment == "one\ntwo\tcols"


# -- the ledger, from the command line ----------------------------------------------------------


@pytest.fixture
def cli_books(location, tmp_path):
    run = Bizsuite(tmp_path)
    r = run("init", "--company", "Test Co", "--currency", "USD", "--chart", "standard", db=location.url)
    assert r.rc == 0, r
    return run, location


def _file_counts(location) -> dict[str, int]:
    from bizsuite.core.auth import os_login

    store = Store.open(location)
    try:
        with store.read(store.actor_for(os_login())) as b:
            return _counts(b)
    finally:
        store.close()


def test_ledger_post_of_an_escape_code_is_one_line_exit_1_nothing_written(cli_books):
    run, location = cli_books
    before = _file_counts(location)
    r = run("ledger", "post", "--date", "2025-01-02", "--memo", f"Rent {ESC}", "--line", "expenses:rent 10",
            "--line", "assets:bank:checking", db=location.url)
    assert (r.rc, r.stdout) == (1, ""), r
    assert len(r.err_lines) == 1 and r.err_lines[0].startswith("memo: contains a control character (ESC"), r
    assert _file_counts(location) == before


@pytest.mark.parametrize("name, body, line", [
    ("bad.journal", f"2025-01-02 Rent {ESC}\n    expenses:rent  $10.00\n    assets:bank:checking\n", 1),
    ("bad2.journal", "2025-01-02 Rent\n    expenses:rent  $10.00  ; \x00\n    assets:bank:checking\n", 2),
    ("bad.csv", f"date,entry,account,debit,credit,memo\n2025-01-02,1,expenses:rent,10.00,,Rent {ESC}\n"
                "2025-01-02,1,assets:bank:checking,,10.00,Rent\n", 2),
    ("bad2.csv", "date,entry,account,debit,credit,memo\n2025-01-02,1,expenses:rent,10.00,,Rent\n"
                 "2025-01-02,1,assets:bank:\u202echecking,,10.00,Rent\n", 3),
])
def test_ledger_import_of_an_escape_code_is_refused_at_its_line(cli_books, tmp_path, name, body, line):
    run, location = cli_books
    (tmp_path / name).write_text(body, encoding="utf-8")
    before = _file_counts(location)
    r = run("ledger", "import", name, db=location.url, cwd=tmp_path)
    assert (r.rc, r.stdout) == (1, ""), r
    assert len(r.err_lines) == 1, r
    assert r.err_lines[0].startswith(f"{name}:{line}: ") and "control character" in r.err_lines[0] \
        or "bidirectional" in r.err_lines[0], r
    assert _file_counts(location) == before


@pytest.mark.parametrize("name", [f"bank{ESC}.journal", "bank\x07.journal", "bank\u202e.journal"])
def test_an_import_files_name_follows_the_text_rule(cli_books, tmp_path, name):
    """The file's name lands in every entry's source_ref and in the audit log: a name with an
    escape code or a control character is refused (one line that does not repeat it), nothing
    written; the same file under a plain name imports, its source_ref that name."""
    run, location = cli_books
    body = "2025-01-02 Rent\n    expenses:rent  $10.00\n    assets:bank:checking\n"
    (tmp_path / name).write_text(body, encoding="utf-8")
    before = _file_counts(location)
    r = run("ledger", "import", name, db=location.url, cwd=tmp_path)
    assert (r.rc, r.stdout) == (1, ""), r
    assert len(r.err_lines) == 1 and r.err_lines[0].startswith("the file's name: contains "), r
    assert not any(ch in r.stderr for ch in "\x1b\x07\u202e"), r
    assert _file_counts(location) == before
    (tmp_path / "bank.journal").write_text(body, encoding="utf-8")
    r = run("ledger", "import", "bank.journal", db=location.url, cwd=tmp_path)
    assert r.rc == 0, r
    store = Store.open(location)
    try:
        from bizsuite.core.auth import os_login

        with store.read(store.actor_for(os_login())) as b:
            assert b.session.execute(text("SELECT source_ref FROM ledger_entries")).scalars().all() == ["bank.journal:1"]
    finally:
        store.close()


@pytest.mark.parametrize("kind", ["contacts", "tickets"])
def test_contacts_and_tickets_imports_refuse_a_files_name_with_an_escape_code(store, owner, tmp_path, kind):
    from bizsuite.crm.contacts.importer import import_contacts
    from bizsuite.crm.tickets.importer import import_tickets

    path = tmp_path / f"people{ESC}.csv"
    if kind == "contacts":
        path.write_text("name,email\nAnn,ann@example.com\n", encoding="utf-8")
        call = import_contacts
    else:
        path.write_text("subject,email\nBroken,ann@example.com\n", encoding="utf-8")
        call = lambda b, p: import_tickets(b, p, create_contacts=True)  # noqa: E731
    with store.read(owner) as b:
        before = _counts(b)
    with pytest.raises(BadText) as exc:
        with store.transaction(owner) as b:
            call(b, path)
    assert exc.value.problems == ["the file's name: contains a control character (ESC, U+001B); "
                                  "control characters and bidirectional overrides are not allowed"]
    with store.read(owner) as b:
        assert _counts(b) == before
    plain = tmp_path / "people.csv"
    plain.write_bytes(path.read_bytes())
    with store.transaction(owner) as b:
        assert call(b, plain).imported == 1


# -- contacts and tickets ----------------------------------------------------------------------


@pytest.mark.parametrize("field, data", [
    ("name", ContactIn(name=f"Ann {ESC}")),
    ("name", ContactIn(name="Ann\u202e")),
    ("company", ContactIn(name="Ann", company="Acme\x00")),
    ("address", ContactIn(name="Ann", address=f"1 Main St\n{ESC}")),
    ("city", ContactIn(name="Ann", city="Paris\x85")),
    ("city", ContactIn(name="Ann", city="Paris\nLyon")),
    ("country", ContactIn(name="Ann", country="\u2067France")),
    ("notes", ContactIn(name="Ann", notes=f"called\n{ESC}")),
    ("tags", ContactIn(name="Ann", tags=[f"vip{ESC}"])),
])
def test_contact_text_fields_refuse_controls(store, owner, field, data):
    with pytest.raises(ValidationFailed) as exc:
        with store.transaction(owner) as b:
            b.contacts.add(data)
    assert exc.value.for_field(field), exc.value.problems
    with store.read(owner) as b:
        assert _counts(b)["contacts"] == 0


def test_contact_notes_and_addresses_keep_their_lines(store, owner):
    with store.transaction(owner) as b:
        c = b.contacts.add(ContactIn(name="Ann\nLee", notes="one\r\ntwo", address="1 Main St\r\nParis"))
    assert (c.name, c.notes, c.address) == ("Ann Lee", "one\ntwo", "1 Main St\nParis")


def test_activity_text_refuses_controls(store, owner):
    with store.transaction(owner) as b:
        cid = b.contacts.add(ContactIn(name="Ann")).id
    for kw, field in (({"subject": f"Call {ESC}"}, "subject"), ({"subject": "Call", "body": "x\x00"}, "body")):
        with pytest.raises(ValidationFailed) as exc:
            with store.transaction(owner) as b:
                b.contacts.add_activity(cid, kind="call", **kw)
        assert exc.value.for_field(field), exc.value.problems


def test_ticket_text_refuses_controls(store, owner):
    with store.transaction(owner) as b:
        cid = b.contacts.add(ContactIn(name="Ann")).id
    for data, field in ((TicketIn(subject=f"Broken {ESC}", contact_id=cid), "subject"),
                        (TicketIn(subject="Broken", contact_id=cid, description="it\u202e broke"), "description")):
        with pytest.raises(ValidationFailed) as exc:
            with store.transaction(owner) as b:
                b.tickets.add(data)
        assert exc.value.for_field(field), exc.value.problems
    with store.transaction(owner) as b:
        t = b.tickets.add(TicketIn(subject="Broken", contact_id=cid, description="line one\r\nline\ttwo"))
    assert t.description == "line one\nline\ttwo"
    for kind in ("reply", "note"):
        with pytest.raises(ValidationFailed) as exc:
            with store.transaction(owner) as b:
                b.tickets.reply(t.id, f"we are on it {ESC}", kind=kind)
        assert exc.value.for_field(kind), exc.value.problems
    with store.read(owner) as b:
        assert b.session.execute(text("SELECT count(*) FROM ticket_messages")).scalar() == 0

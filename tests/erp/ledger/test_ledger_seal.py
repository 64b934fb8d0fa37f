"""Sealed entries: the database refuses what the triggers of 0002_ledger let through (a line added
to a posted entry, a posted contact changed, a seal rewritten), and the hash chain of posted
entries makes ``bizsuite check`` name an entry changed or deleted behind the triggers' back.
SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from ledger_helpers import D
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bizsuite.erp.ledger import bounds
from bizsuite.core import audit
from bizsuite.crm.contacts.models import ContactIn
from bizsuite.erp.ledger.importer import import_file
from bizsuite.erp.ledger.models import LEDGER_CHAIN

SALE = [("assets:accounts receivable", D("108.00")), ("income:sales", D("-100.00")),
        ("liabilities:sales tax payable", D("-8.00"))]
NEVER = "posted ledger entries never change"


def post(store, owner, n: int = 3, **kw) -> list[int]:
    with store.transaction(owner) as b:
        return [b.ledger.post_entry(f"2025-01-{i + 1:02d}", f"sale {i}", SALE, **kw).id for i in range(n)]


def failed(store, owner) -> dict[str, str]:
    with store.read(owner) as b:
        return {r.name: r.detail for r in b.admin.check() if not r.ok}


def raw(store, sql: str, **params) -> None:
    with store.engine.begin() as conn:
        conn.execute(text(sql), params)


def without_triggers(store, *statements: str) -> None:
    """What someone who can write the file does: the ledger's triggers off, the statements, the
    triggers back exactly as they were (so "posted ledger entries are protected" holds again)."""
    with store.engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            saved = conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                                      "AND tbl_name IN ('ledger_entries', 'ledger_lines')")).all()
            for name, _ in saved:
                conn.execute(text(f"DROP TRIGGER {name}"))
            for s in statements:
                conn.execute(text(s))
            for _, sql in saved:
                conn.execute(text(sql))
        else:
            for t in ("ledger_entries", "ledger_lines"):
                conn.execute(text(f"ALTER TABLE {t} DISABLE TRIGGER USER"))
            for s in statements:
                conn.execute(text(s))
            for t in ("ledger_entries", "ledger_lines"):
                conn.execute(text(f"ALTER TABLE {t} ENABLE TRIGGER USER"))


# -- (a) what the database now refuses ---------------------------------------------------------


def test_a_line_added_to_a_posted_entry_is_refused_by_the_database(books_store, owner):
    (e, *_) = post(books_store, owner, 1)
    with pytest.raises(DBAPIError, match=NEVER):
        raw(books_store, "INSERT INTO ledger_lines (entry_id, line_no, date, account_id, amount) "
                         "SELECT :e, 9, date, account_id, 1 FROM ledger_lines WHERE entry_id = :e AND line_no = 1", e=e)
    # many lines in one statement (PostgreSQL checks once per statement, ledger_0004): one line
    # of a sealed entry among lines of an entry not sealed refuses the whole statement
    with pytest.raises(DBAPIError, match=NEVER):
        with books_store.engine.begin() as conn:
            conn.execute(text("INSERT INTO ledger_entries (id, date, memo, mark, status, source_kind, version, "
                              "created_at, created_by) VALUES (:d, '2025-01-05', 'draft', '', 'draft', 'manual', 1, "
                              "'2025-01-05 00:00:00', 'x')"), {"d": e + 1})
            conn.execute(text("INSERT INTO ledger_lines (entry_id, line_no, date, account_id, amount) "
                              "SELECT :d, line_no, date, account_id, amount FROM ledger_lines WHERE entry_id = :e "
                              "UNION ALL SELECT :e, 10, date, account_id, 0 FROM ledger_lines "
                              "WHERE entry_id = :e AND line_no = 1"), {"d": e + 1, "e": e})
    with books_store.read(owner) as b:
        assert len(b.ledger.entry(e).lines) == 3
        assert b.session.execute(text("SELECT count(*) FROM ledger_entries")).scalar() == 1
    assert failed(books_store, owner) == {}


def test_the_contact_of_a_posted_entry_or_line_never_changes(books_store, owner):
    with books_store.transaction(owner) as b:
        acme = b.contacts.add(ContactIn(name="Acme", kind="company")).id
        other = b.contacts.add(ContactIn(name="Other", kind="company")).id
    (e, *_) = post(books_store, owner, 1, contact_id=acme)
    with pytest.raises(DBAPIError, match=NEVER):
        raw(books_store, "UPDATE ledger_entries SET contact_id = :c WHERE id = :e", c=other, e=e)
    with pytest.raises(DBAPIError, match=NEVER):
        raw(books_store, "UPDATE ledger_lines SET contact_id = :c WHERE entry_id = :e", c=other, e=e)
    with books_store.read(owner) as b:
        d = b.ledger.entry(e)
        assert d.entry.contact_id == acme and {ln.contact_id for ln in d.lines} == {acme}
    # a draft's contact is still the draft's to change
    with books_store.transaction(owner) as b:
        draft = b.ledger.save_draft("2025-02-01", "draft", SALE, contact_id=acme)
    raw(books_store, "UPDATE ledger_entries SET contact_id = :c WHERE id = :e", c=other, e=draft.id)


def test_a_seal_is_set_once_and_only_on_a_posted_entry(books_store, owner):
    (e, *_) = post(books_store, owner, 1)
    for sql in ("UPDATE ledger_entries SET seal = 'x' WHERE id = :e",
                "UPDATE ledger_entries SET seal_no = 99 WHERE id = :e",
                "UPDATE ledger_entries SET seal = NULL, seal_no = NULL WHERE id = :e"):
        with pytest.raises(DBAPIError, match="a seal is set once"):
            raw(books_store, sql, e=e)
    with books_store.transaction(owner) as b:
        draft = b.ledger.save_draft("2025-02-01", "draft", SALE).id
    with pytest.raises(DBAPIError, match="a seal is set once"):
        raw(books_store, "UPDATE ledger_entries SET seal = 'x', seal_no = 99 WHERE id = :e", e=draft)


# -- sealing: every way of posting -------------------------------------------------------------


def test_every_way_of_posting_seals_in_order_and_check_passes(books_store, owner):
    first = post(books_store, owner, 2)
    with books_store.transaction(owner) as b:
        draft = b.ledger.save_draft("2025-02-01", "draft", SALE)
        posted_draft = b.ledger.post_draft(draft.id).id
        rev = b.ledger.reverse(first[0], date="2025-03-01").id
    with books_store.transaction(owner) as b:
        closing = b.ledger.close_year(2025).id
        late = b.ledger.save_draft("2026-01-05", "late", SALE).id  # a draft stays unsealed
    with books_store.transaction(owner) as b:
        # posted long after the entries with higher ids: its place is when it was posted
        b.ledger.post_draft(late)
    with books_store.read(owner) as b:
        rows = b.session.execute(text("SELECT id, seal_no, seal FROM ledger_entries ORDER BY seal_no")).all()
    assert [r.id for r in rows] == [*first, posted_draft, rev, closing, late]
    assert [r.seal_no for r in rows] == [1, 2, 3, 4, 5, 6] and all(len(r.seal) == 64 for r in rows)
    assert failed(books_store, owner) == {}


def test_lines_written_by_insert_select_are_sealed_at_commit(books_store, owner):
    """A writer that bypasses the ORM (a reversal of a huge entry by ``INSERT … SELECT``) adds its
    lines while the entry is unsealed; the end of the unit of work seals the entry with them."""
    from bizsuite.core import clock
    from bizsuite.erp.ledger.models import Entry

    (e,) = post(books_store, owner, 1)
    with books_store.transaction(owner) as b:
        now = clock.now()
        r = Entry(date=clock.today(), memo="mirror", status="posted", source_kind="manual", reverses_id=e,
                  created_at=now, created_by=owner.name, posted_at=now, posted_by=owner.name)
        b.session.add(r)
        b.session.flush()
        turnover = b.session.execute(text("SELECT sum(abs(amount)) FROM ledger_lines WHERE entry_id = :e"),
                                     {"e": e}).scalar()
        bounds.count(b.session, int(turnover), b.ledger.scale)  # what every writer of posted lines does
        b.session.execute(text("INSERT INTO ledger_lines (entry_id, line_no, date, account_id, amount, memo, contact_id) "
                               "SELECT :r, line_no, :d, account_id, -amount, memo, contact_id FROM ledger_lines "
                               "WHERE entry_id = :e"), {"r": r.id, "d": r.date, "e": e})
        rid = r.id
    with books_store.read(owner) as b:
        assert b.session.execute(text("SELECT seal_no FROM ledger_entries WHERE id = :r"), {"r": rid}).scalar() == 2
        assert len(b.ledger.entry(rid).lines) == 3
    assert failed(books_store, owner) == {}
    with pytest.raises(DBAPIError, match=NEVER):  # and now it is closed
        raw(books_store, "INSERT INTO ledger_lines (entry_id, line_no, date, account_id, amount) "
                         "SELECT :r, 9, date, account_id, 0 FROM ledger_lines WHERE entry_id = :r AND line_no = 1", r=rid)


def test_an_entry_object_carries_its_seal_after_commit(books_store, owner):
    with books_store.transaction(owner) as b:
        e = b.ledger.post_entry("2025-01-02", "x", SALE)
        assert e.seal is None  # until the unit of work commits
    assert e.seal_no == 1 and len(e.seal) == 64


def test_an_import_seals_from_its_rows_what_check_reads_back(store, owner, data):
    """The importer seals from the rows it wrote (ledger/seal.py); check recomputes every seal
    from the database: they agree, on both databases, with codes, comments, memos and Unicode."""
    with store.transaction(owner) as b:
        b.ledger.load_chart("standard")
        report = import_file(b, data / "sample.journal")
    assert report.entry_ids
    with store.read(owner) as b:
        unsealed = b.session.execute(text("SELECT count(*) FROM ledger_entries WHERE seal IS NULL")).scalar()
    assert unsealed == 0
    assert failed(store, owner) == {}


def test_an_import_rolled_back_to_a_savepoint_is_never_sealed_from_its_rows(store, owner, data):
    """The rows the importer handed the sealer go with the savepoint that held them (a rollback
    forgets them; whatever is left is read back); rows that are not there are never sealed."""
    from bizsuite.core import chain

    with store.transaction(owner) as b:
        b.ledger.load_chart("standard")
    with store.transaction(owner) as b:
        savepoint = b.session.begin_nested()
        import_file(b, data / "sample.journal")
        savepoint.rollback()
        (e,) = [b.ledger.post_entry("2025-01-02", "kept", SALE).id]
    with store.read(owner) as b:
        assert b.session.execute(text("SELECT id, seal_no FROM ledger_entries")).all() == [(e, 1)]
    assert failed(store, owner) == {}
    with pytest.raises(RuntimeError, match="1 of the entry records prepared for sealing are gone"):
        with store.transaction(owner) as b:
            chain.prepare(b.session, LEDGER_CHAIN, [(e + 100, ("2025-01-02",))])
    assert failed(store, owner) == {}


def test_a_large_import_summarised_in_one_audit_row_passes_check(store, owner, data, monkeypatch):
    monkeypatch.setattr(audit, "EACH_UP_TO", 2)
    with store.transaction(owner) as b:
        b.ledger.load_chart("standard")
        import_file(b, data / "sample.journal")
    assert failed(store, owner) == {}


def test_the_untouched_demo_passes_check(demo_location, owner_name):
    """The whole demo (contacts, the ledger's year, stock, purchasing, the pipeline, sales,
    tickets), on both databases: the run's build of it (conftest's ``demo_location``)."""
    from bizsuite.core.store import Store

    location = demo_location
    store = Store.open(location)
    try:
        actor = store.actor_for(owner_name)
        with store.read(actor) as b:
            assert b.session.execute(text("SELECT count(*) FROM ledger_entries WHERE seal IS NULL")).scalar() == 0
            assert b.session.execute(text("SELECT count(*) FROM audit_log WHERE seal IS NULL")).scalar() == 0
        assert failed(store, actor) == {}
    finally:
        store.close()


# -- (b) behind the triggers' back -------------------------------------------------------------


def test_a_posted_entry_deleted_behind_the_triggers_is_named_by_check(books_store, owner):
    a, gone, after = post(books_store, owner, 3)
    assert failed(books_store, owner) == {}
    without_triggers(books_store, f"DELETE FROM ledger_lines WHERE entry_id = {gone}",
                     f"DELETE FROM ledger_entries WHERE id = {gone}")
    bad = failed(books_store, owner)
    assert bad.pop("posted ledger entries match their seals") == (
        f"ledger: entry #{after} does not match its seal (changed, or a record before it deleted)")
    # the deleted lines' amounts are missing from the books' turnover too (erp/ledger/bounds.py)
    assert bad.pop("ledger turnover is kept").startswith("the kept turnover is ")
    assert bad == {}


def test_a_posted_entry_changed_behind_the_triggers_is_named_by_check(books_store, owner):
    a, changed, after = post(books_store, owner, 3)
    without_triggers(books_store, f"UPDATE ledger_lines SET amount = amount + 1 WHERE entry_id = {changed} "
                                  "AND line_no = 1",
                     f"UPDATE ledger_lines SET amount = amount - 1 WHERE entry_id = {changed} AND line_no = 2")
    bad = failed(books_store, owner)
    assert bad.pop("posted ledger entries match their seals") == (
        f"ledger: entry #{changed} does not match its seal (changed, or a record before it deleted)")
    assert set(bad) <= {"ledger turnover is kept"}  # the entry still balances; its |amounts| grew


def test_a_resealed_entry_and_an_unsealed_one_are_named(books_store, owner):
    a, b_, c = post(books_store, owner, 3)
    without_triggers(books_store, f"UPDATE ledger_entries SET memo = 'other', seal = 'f00d' WHERE id = {a}")
    assert f"entry #{a} does not match" in failed(books_store, owner)["posted ledger entries match their seals"]


def test_a_posted_entry_inserted_behind_bizsuites_back_has_no_seal(books_store, owner):
    (e,) = post(books_store, owner, 1)
    raw(books_store, "INSERT INTO ledger_entries (date, memo, mark, status, source_kind, version, created_at, "
                     "created_by, posted_at, posted_by) SELECT date, memo, mark, status, source_kind, version, "
                     "created_at, created_by, posted_at, posted_by FROM ledger_entries WHERE id = :e", e=e)
    detail = failed(books_store, owner)["posted ledger entries match their seals"]
    assert detail.startswith(f"ledger: entry #{e + 1} has no seal (1 unsealed")
    # the next ordinary writes do not seal it (they seal only what they wrote): check still names it
    post(books_store, owner, 1)
    with books_store.transaction(owner) as b:
        b.contacts.add(ContactIn(name="Someone Else"))
    detail = failed(books_store, owner)["posted ledger entries match their seals"]
    assert detail.startswith(f"ledger: entry #{e + 1} has no seal (1 unsealed")


# -- concurrency -------------------------------------------------------------------------------


def test_concurrent_posting_keeps_one_chain(books_store, owner):
    """8 writers posting at once (PostgreSQL: really at once; SQLite: one after another on the
    write lock): one chain, 1…N, with no fork, and check passes."""
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def writer(k: int) -> None:
        try:
            start.wait()
            for i in range(4):
                with books_store.transaction(owner) as b:
                    b.ledger.post_entry(f"2025-01-{k + 1:02d}", f"writer {k} #{i}", SALE)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with books_store.read(owner) as b:
        nos = b.session.scalars(text("SELECT seal_no FROM ledger_entries ORDER BY seal_no")).all()
        assert LEDGER_CHAIN.verify(b.session.connection()) is None
    assert nos == list(range(1, 33))
    assert failed(books_store, owner) == {}


# -- the importer's own encoding (ledger/seal.py) ------------------------------------------------

from datetime import datetime, timezone  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from bizsuite.core import chain  # noqa: E402
from bizsuite.erp.ledger import seal  # noqa: E402

_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)  # quotes, \, controls, Unicode
_opt_text = st.none() | _text
_opt_id = st.none() | st.integers(1, 2**31)


@settings(max_examples=300, deadline=None)
@given(entries=st.lists(st.tuples(_text, _opt_text, st.sampled_from(["", "*", "!"]), _opt_text, _opt_text, _opt_id,
                                  st.lists(st.tuples(st.integers(-10**15, 10**15), _opt_text, _opt_id),
                                           min_size=1, max_size=4)),
                        min_size=1, max_size=5),
       who=_text)
def test_the_importers_bytes_are_chain_encode_of_the_entry(entries, who):
    """seal.encoded writes the canonical bytes itself; they are chain.encode's, byte for byte, for
    any text (quotes, backslashes, control characters, non-ASCII), null or not, lines with and
    without memo or contact, in their line order (not fails: the property holds every example)."""
    now = datetime(2026, 12, 2, 14, 5, 6, 789, tzinfo=timezone.utc)
    constant = {"source_kind": "import", "created_at": now, "created_by": who, "posted_at": now, "posted_by": "x"}
    entry_rows, plain, full, expected = [], [], [], {}
    for i, (memo, code, mark, comment, ref, cid, lines) in enumerate(entries):
        eid = 1000 - i  # not in id order: the result is
        entry_rows.append((eid, "2025-01-02", memo, code, mark, comment, None, ref, cid, None))
        content_lines = []
        for n, (cents, lmemo, lcid) in enumerate(lines, 1):
            if lmemo is None and lcid is None:
                plain.append((eid, n, "2025-01-02", 7, cents))
            else:
                full.append((eid, n, "2025-01-02", 7, cents, lmemo, lcid))
            content_lines.append((n, "2025-01-02", 7, cents, lmemo, lcid))
        stamp = "2026-12-02 14:05:06.000789"
        expected[eid] = chain.encode(eid, ("2025-01-02", memo, code, mark, comment, "import", None, ref, cid, None,
                                           stamp, who, stamp, "x", content_lines))
    got = seal.encoded(entry_rows, plain, full, constant)
    assert [eid for eid, _ in got] == sorted(expected)
    assert dict(got) == expected

"""What goes wrong in real life: wrong files, damaged files, two clerks at once, a killed import.

Every refusal is exit 1 with one line on stderr and no traceback; nothing is ever half-written.
"""

from __future__ import annotations

import os
import signal
import sqlite3
from pathlib import Path

import pytest

from bizsuite.crm.contacts.models import ContactIn


def assert_one_line_refusal(r, *fragments: str) -> None:
    assert r.rc == 1, r
    assert "Traceback" not in r.stderr, r
    assert len(r.err_lines) == 1, r
    for f in fragments:
        assert f in r.stderr, r


def side_files(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir() if p.name.startswith(path.name))


# -- the wrong file ----------------------------------------------------------------------------


def test_missing_books_file_is_refused_and_not_created(cli, tmp_path):
    db = tmp_path / "nowhere" / "books.sqlite"
    for args in (["contacts", "list"], ["contacts", "add", "Ann"]):
        r = cli(*args, db=db)
        assert_one_line_refusal(r, str(db), "bizsuite init")
    assert not db.parent.exists()


def test_file_that_is_not_sqlite_is_refused_untouched(cli, tmp_path):
    db = tmp_path / "hello.sqlite"
    db.write_bytes(b"hello")
    for args in (["contacts", "list"], ["init"]):
        r = cli(*args, db=db)
        assert_one_line_refusal(r, "not a bizsuite database")
    assert db.read_bytes() == b"hello"
    assert side_files(db) == ["hello.sqlite"]


def test_a_folder_is_not_books(cli, tmp_path):
    r = cli("contacts", "list", db=tmp_path)
    assert_one_line_refusal(r, "not a bizsuite database")


def test_corrupt_sqlite_file_is_one_line_no_traceback(cli, tmp_path):
    db = tmp_path / "corrupt.sqlite"
    content = b"SQLite format 3\x00" + bytes(range(256)) * 64
    db.write_bytes(content)
    for args in (["check"], ["init"]):
        r = cli(*args, db=db)
        assert_one_line_refusal(r, str(db))
    assert db.read_bytes() == content


def test_damaged_data_pages_are_one_line_no_traceback(cli, books_path):
    with cli.direct(books_path) as b:
        for i in range(400):
            b.contacts.add(ContactIn(name=f"Person {i}", email=f"p{i}@example.com", notes="n" * 200))
    conn = sqlite3.connect(books_path)
    pages = [p for (p,) in conn.execute("SELECT pageno FROM dbstat WHERE name = 'contacts' AND pageno > 1")]
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    assert len(pages) > 4
    with open(books_path, "r+b") as fh:
        for p in pages[len(pages) // 2:]:
            fh.seek((p - 1) * page_size)
            fh.write(b"\xde\xad\xbe\xef" * (page_size // 4))
    r = cli("contacts", "list", "--limit", "0", db=books_path)
    assert_one_line_refusal(r, "malformed")
    r = cli("check", db=books_path)
    assert r.rc == 1 and "Traceback" not in r.stderr and "database integrity" in r.stderr, r


def test_sqlite_database_of_another_app_is_refused_untouched(cli, tmp_path):
    db = tmp_path / "other.sqlite"
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("CREATE TABLE foo (id INTEGER PRIMARY KEY, bar TEXT)")
        conn.execute("INSERT INTO foo (bar) VALUES ('theirs')")
    conn.close()
    for args in (["contacts", "list"], ["init"]):
        r = cli(*args, db=db)
        assert_one_line_refusal(r, "not a bizsuite database")
    conn = sqlite3.connect(db)
    tables = [t for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    assert tables == ["foo"]  # no alembic_version, no settings: nothing of ours was created
    assert conn.execute("SELECT bar FROM foo").fetchall() == [("theirs",)]
    conn.close()


def test_bad_usage_is_exit_2(cli, books_path):
    for args in (["contacts", "list", "--no-such-option"], ["no-such-command"], ["users", "add", "bob"]):
        r = cli(*args, db=books_path)
        assert r.rc == 2, r
        assert r.stdout == "" and "Traceback" not in r.stderr


@pytest.mark.parametrize("args, rc", [
    (["contacts", "list", "--format", "csv"], 0),
    (["ledger", "trial-balance"], 0),  # a Rich table
    (["contacts", "add", " "], 1),  # a refusal
    (["contacts", "show", "#99"], 1),
    (["contacts", "list", "--no-such-option"], 2),  # a usage error
    (["contacts", "--help"], 0),
], ids=["ok", "table", "refused", "not-found", "usage", "help"])
def test_a_real_process_ends_as_the_in_process_run_says(cli, books_path, args, rc):
    """The runner's in-process path is faithful: the real program, ending through os._exit, gives
    the same exit code, stdout and stderr."""
    with cli.direct(books_path) as b:
        b.contacts.add(ContactIn(name="Ann Lee", email="ann@example.com"))
    inproc = cli(*args, db=books_path)
    real = cli.process(*args, db=books_path)
    assert real.rc == rc, real
    assert (real.rc, real.stdout, real.stderr) == (inproc.rc, inproc.stdout, inproc.stderr), (real, inproc)


# -- two clerks at once ------------------------------------------------------------------------


def test_two_processes_saving_the_same_contact_one_is_refused_as_stale(cli, books_path):
    with cli.direct(books_path) as b:
        b.admin.add_user("alice", "sales")
        b.admin.add_user("bob", "sales")
        cid = b.contacts.add(ContactIn(name="Ann", city="Paris")).id
    procs = {
        who: cli.popen("--as", who, "contacts", "edit", f"#{cid}", "--expect-version", "1", "--city", city,
                       "--notes", f"{who} was here", db=books_path)
        for who, city in (("alice", "Rome"), ("bob", "Oslo"))
    }
    results = {who: (p.wait(timeout=60), *p.communicate()) for who, p in procs.items()}
    winners = [w for w, (rc, _, _) in results.items() if rc == 0]
    losers = [w for w, (rc, _, _) in results.items() if rc != 0]
    assert len(winners) == 1 and len(losers) == 1, results
    (winner,), (loser,) = winners, losers
    rc, out, err = results[loser]
    assert rc == 1 and "Traceback" not in err, results
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and f"changed by {winner}" in lines[0] and "nothing was saved" in lines[0], lines
    city = {"alice": "Rome", "bob": "Oslo"}[winner]
    assert cli.sql(books_path, "SELECT city, notes, version, updated_by FROM contacts WHERE id = ?", cid) == [
        (city, f"{winner} was here", 2, winner)]


def _people_csv(path: Path, prefix: str, n: int) -> Path:
    lines = ["name,city"] + [f"{prefix} {i},City {i % 97}" for i in range(n)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.slow
def test_two_imports_at_once_both_land_without_database_is_locked(cli, books_path, tmp_path):
    a = _people_csv(tmp_path / "a.csv", "Alpha", 20_000)
    b = _people_csv(tmp_path / "b.csv", "Beta", 20_000)
    procs = [cli.popen("contacts", "import", f, db=books_path) for f in (a, b)]
    results = [(p.wait(timeout=180), *p.communicate()) for p in procs]
    for rc, out, err in results:
        assert rc == 0, results
        assert "database is locked" not in err and "Traceback" not in err, err
        assert "imported 20000" in out, out
    assert cli.count(books_path, "contacts") == 40_000
    assert cli.sql(books_path, "SELECT count(*) FROM contacts WHERE name LIKE 'Alpha %'") == [(20_000,)]
    r = cli("check", db=books_path)
    assert r.rc == 0, r


def _write_locked(path: Path) -> bool:
    """Whether another connection holds the books' write lock (probed without waiting)."""
    conn = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError as exc:
        if "locked" not in str(exc):
            raise
        return True
    finally:
        conn.close()


def test_import_killed_half_way_leaves_the_books_as_they_were(cli, books_path, tmp_path, data_dir):
    from bizsuite.crm.contacts.importer import import_contacts

    with cli.direct(books_path) as b:
        import_contacts(b, data_dir / "contacts_ours.csv")
    before = {t: cli.count(books_path, t) for t in ("contacts", "contact_tags", "audit_log")}
    assert before["contacts"] == 5
    big = _people_csv(tmp_path / "big.csv", "Kappa", 100_000)
    # The import validates first, then takes the write lock and writes people in chunks of 20,000:
    # it stops (tests/launch_bizsuite.py) after its fourth bulk insert — rows written (in its page
    # cache, or spilled to the write-ahead log), nothing committed — and is killed there.
    proc = cli.popen("contacts", "import", big, db=books_path,
                     pause_after="bizsuite.crm.contacts.importer:insert_rows@4")
    try:
        said = proc.stderr.readline()
        assert said == "paused at bizsuite.crm.contacts.importer:insert_rows@4\n", said + proc.stderr.read()
        assert _write_locked(books_path), "the import does not hold the write lock while it writes"
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    after = {t: cli.count(books_path, t) for t in ("contacts", "contact_tags", "audit_log")}
    assert after == before
    r = cli("check", db=books_path)
    assert r.rc == 0, r
    # and the books are not left locked: the next write goes through at once
    r = cli("contacts", "add", "After The Crash", db=books_path)
    assert r.rc == 0, r


def test_a_clerk_can_save_while_a_big_import_is_still_checking_its_rows(cli, books_path, tmp_path):
    """Validation happens before the import takes the write lock; only the bulk write holds it."""
    lines = ["name,email,phone"] + [f"Lambda {i},l{i}@example.com,+1 415 {i % 1000:03d} {i % 10000:04d}"
                                    for i in range(2_000)]
    big = tmp_path / "big.csv"
    big.write_text("\n".join(lines) + "\n", encoding="utf-8")
    # the import stops (tests/launch_bizsuite.py) just as it starts checking its rows
    proc = cli.popen("contacts", "import", big, db=books_path,
                     pause_before="bizsuite.crm.contacts.importer:_validate")
    try:
        said = proc.stderr.readline()
        assert said == "paused at bizsuite.crm.contacts.importer:_validate\n", said + proc.stderr.read()
        assert not _write_locked(books_path), "the import holds the write lock while it validates"
        r = cli("contacts", "add", "Clerk Save", db=books_path)
        assert r.rc == 0, r
        out, err = proc.communicate("go on\n", timeout=120)  # then the import finishes
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "imported 2000" in out, out
    assert cli.count(books_path, "contacts") == 2_001
    # how long the save waits is a figure of bench/cli.py, not a test

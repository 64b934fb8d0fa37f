"""Eight clerks at once, on SQLite and on PostgreSQL: what must happen once happens once.

Each test starts EIGHT real ``bizsuite`` processes, holds every one of them at the same point
(just before it opens its unit of work: ``--pause-before``), then lets them all go at the same
instant, so their reads and writes overlap as much as the machine allows. On SQLite the writer
lock serialises them; on PostgreSQL nothing did before issue 8 (the same journal landed twice,
three closing entries for one year). The mechanism is core/locks.py plus unique constraints
(ARCHITECTURE.md, "Concurrency").
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text

from bizsuite.core.db import Location
from bizsuite.core.store import Store

CLERKS = 8


@pytest.fixture
def store(store, owner):
    """Fresh books (SQLite or PostgreSQL) with the standard chart of accounts."""
    with store.transaction(owner) as b:
        b.ledger.load_chart("standard")
    return store


def _db(location: Location) -> str:
    return str(location.path) if location.is_sqlite else location.url


def _all_at_once(cli, db: str, commands: list[list[str]], pause: str, *,
                 after: bool = False) -> list[tuple[int, str, str]]:
    """Start every command, wait until each is paused at ``pause`` (before it is called, or
    ``after`` its first call returned), release them together."""
    procs = [cli.popen(*args, db=db, **{"pause_after" if after else "pause_before": pause}) for args in commands]
    try:
        for p in procs:
            line = p.stderr.readline()
            assert line.startswith("paused at"), (line, p.stderr.read())
        for p in procs:  # all waiting: go
            p.stdin.write("\n")
            p.stdin.flush()
        results = []
        for p in procs:
            out, err = p.communicate(timeout=240)
            results.append((p.returncode, out, err))
        return results
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()


def _sql(store: Store, query: str, **params):
    from sqlalchemy.exc import DatabaseError

    try:
        with store.engine.connect() as conn:
            return conn.execute(text(query), params).all()
    except DatabaseError as exc:  # say whether the file itself is damaged or only this connection's view
        if not store.location.is_sqlite:
            raise
        import os
        import sqlite3

        path = store.location.path
        beside = {p: os.path.getsize(p) for p in (f"{path}-wal", f"{path}-shm") if os.path.exists(p)}
        fresh = sqlite3.connect(path)
        try:
            verdict = fresh.execute("PRAGMA integrity_check").fetchall()[:5]
            again = fresh.execute(query, params).fetchall()
        except sqlite3.DatabaseError as second:
            verdict, again = str(second), None
        finally:
            fresh.close()
        raise AssertionError(f"{exc.orig}; a new connection says {verdict}, reads {again}; beside: {beside}") from exc


def _no_tracebacks(results) -> None:
    for rc, out, err in results:
        assert "Traceback" not in err and "database is locked" not in err, err
        assert len([ln for ln in err.splitlines() if ln.strip()]) <= 1, err


def _journal(path: Path, n: int) -> Path:
    lines = []
    for i in range(n):
        lines += [f"2025-{1 + i % 12:02d}-{1 + i % 28:02d} Sale {i}", f"    assets:bank:checking  ${i + 1}.00",
                  "    income:sales", ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def test_eight_imports_of_one_journal_land_it_once(cli, store, location, tmp_path):
    journal = _journal(tmp_path / "bank.journal", 120)
    results = _all_at_once(cli, _db(location), [["ledger", "import", str(journal)]] * CLERKS,
                           "bizsuite.cli.common:open_store")
    _no_tracebacks(results)
    assert [rc for rc, _, _ in results] == [0] * CLERKS, results
    imported = sorted(int(re.search(r"imported (\d+)", out).group(1)) for _, out, _ in results)
    assert imported == [0] * (CLERKS - 1) + [120], results  # one lands it; the others find it there
    assert _sql(store, "SELECT count(*), count(DISTINCT import_key) FROM ledger_entries") == [(120, 120)]
    r = cli("check", db=_db(location))
    assert r.rc == 0, r


def test_eight_imports_of_one_address_book_add_each_person_once(cli, store, location, tmp_path):
    csv = tmp_path / "people.csv"
    csv.write_text("name,email,city\n" + "".join(f"Person {i},p{i}@example.com,City {i % 7}\n" for i in range(300)),
                   encoding="utf-8")
    results = _all_at_once(cli, _db(location), [["contacts", "import", str(csv)]] * CLERKS,
                           "bizsuite.cli.common:open_store")
    _no_tracebacks(results)
    assert [rc for rc, _, _ in results] == [0] * CLERKS, results
    imported = sorted(int(re.search(r"imported (\d+)", out).group(1)) for _, out, _ in results)
    assert imported == [0] * (CLERKS - 1) + [300], results
    assert _sql(store, "SELECT count(*), count(DISTINCT email) FROM contacts") == [(300, 300)]


def test_eight_closes_of_one_year_post_one_closing_entry(cli, store, location):
    db = _db(location)
    r = cli("ledger", "post", "--date", "2024-05-01", "--memo", "sale", "--line", "assets:bank:checking 100",
            "--line", "income:sales", db=db)
    assert r.rc == 0, r
    results = _all_at_once(cli, db, [["ledger", "close-year", "2024"]] * CLERKS, "bizsuite.cli.common:open_store")
    _no_tracebacks(results)
    won = [out for rc, out, _ in results if rc == 0]
    lost = [err for rc, _, err in results if rc != 0]
    assert len(won) == 1 and won[0].startswith("closed 2024 with entry #"), results
    assert len(lost) == CLERKS - 1 and all("2024 is already closed" in e for e in lost), lost
    assert _sql(store, "SELECT count(*) FROM ledger_entries WHERE source_kind = 'close_year'") == [(1,)]
    assert _sql(store, "SELECT year FROM ledger_closings") == [(2024,)]


def test_posts_racing_a_year_close_either_land_before_it_or_are_refused(cli, store, location):
    """Seven clerks post into 2024 while the owner closes it: whatever landed is in the closing
    entry (income and expenses of 2024 end at zero), the rest is refused by the lock date."""
    db = _db(location)
    post = ["ledger", "post", "--date", "2024-11-30", "--memo", "late sale", "--line", "assets:bank:checking 10",
            "--line", "income:sales"]
    results = _all_at_once(cli, db, [post] * (CLERKS - 1) + [["ledger", "close-year", "2024"]],
                           "bizsuite.cli.common:open_store")
    _no_tracebacks(results)
    *posts, close = results
    assert close[0] == 0, close
    landed = sum(1 for rc, _, _ in posts if rc == 0)
    refused = [err for rc, _, err in posts if rc != 0]
    assert all("on or before the lock date 2024-12-31" in e for e in refused), refused
    assert landed + len(refused) == CLERKS - 1
    # what landed before the close was moved by it: 2024's income is zero after the closing entry
    (income,) = _sql(store, "SELECT coalesce(sum(l.amount), 0) FROM ledger_lines l JOIN ledger_accounts a "
                            "ON a.id = l.account_id WHERE a.type IN ('income', 'expense') AND l.date <= '2024-12-31'")[0]
    assert income == 0
    (moved,) = _sql(store, "SELECT coalesce(sum(l.amount), 0) FROM ledger_lines l JOIN ledger_entries e "
                           "ON e.id = l.entry_id JOIN ledger_accounts a ON a.id = l.account_id "
                           "WHERE e.source_kind = 'close_year' AND a.name = 'income:sales'")[0]
    assert Decimal(moved) == Decimal(10 * landed * 100)  # cents moved out of income:sales


@pytest.mark.parametrize("clerks", [CLERKS])
def test_eight_reopens_and_closes_keep_one_closing_per_year(cli, store, location, clerks):
    """Closing and reopening from many processes at once never leaves two closings of a year:
    each year is in ledger_closings at most once and has as many closing entries as reversals
    of them, plus one if it is closed."""
    db = _db(location)
    r = cli("ledger", "post", "--date", "2024-05-01", "--memo", "sale", "--line", "assets:bank:checking 100",
            "--line", "income:sales", db=db)
    assert r.rc == 0, r
    commands = [["ledger", "close-year", "2024"], ["ledger", "reopen-year", "2024"]] * (clerks // 2)
    results = _all_at_once(cli, db, commands, "bizsuite.cli.common:open_store")
    _no_tracebacks(results)
    closed = _sql(store, "SELECT count(*) FROM ledger_closings WHERE year = 2024")[0][0]
    closings = _sql(store, "SELECT count(*) FROM ledger_entries WHERE source_kind = 'close_year' "
                           "AND reverses_id IS NULL")[0][0]
    reversals = _sql(store, "SELECT count(*) FROM ledger_entries WHERE source_kind = 'close_year' "
                            "AND reverses_id IS NOT NULL")[0][0]
    assert closings == reversals + closed, (closed, closings, reversals, results)  # (closed is 0 or 1: a primary key)
    assert closings >= 1  # at least one close won
    r = cli("check", db=db)
    assert r.rc == 0, r


def test_eight_clerks_taking_the_last_unit_one_gets_it(cli, store, location, owner):
    """One unit on the shelf; eight clerks each take it at the same moment. On PostgreSQL every one
    of them has read the product inside its unit of work before any locks it (paused after the
    quantity is parsed); on SQLite a paused writer would hold the file, so they are held before
    they open the books and BEGIN IMMEDIATE serialises them. Exactly one move lands; seven are
    refused with the shortfall — on PostgreSQL by the product's row lock, not by luck."""
    from bizsuite.erp.stock.models import MoveIn, ProductIn

    with store.transaction(owner) as b:
        b.stock.add_location("Main")
        b.stock.add_product(ProductIn(sku="LAST-1", name="The last one"))
        b.stock.move("receipt", [MoveIn("LAST-1", Decimal(1), Decimal("9.99"))], source=("stock_adjustment", None))
    pause = ("bizsuite.cli.common:open_store", False) if location.is_sqlite else \
        ("bizsuite.erp.stock.repository:parse_quantity", True)
    results = _all_at_once(cli, _db(location), [["stock", "adjust", "LAST-1", "--by", "-1", "--reason", "sold"]] * CLERKS,
                           pause[0], after=pause[1])
    _no_tracebacks(results)
    won = [out for rc, out, _ in results if rc == 0]
    lost = [err for rc, _, err in results if rc != 0]
    assert len(won) == 1, results
    assert len(lost) == CLERKS - 1 and all("LAST-1 at Main on" in e and "1 pcs short" in e for e in lost), lost
    assert _sql(store, "SELECT count(*) FROM stock_moves") == [(2,)]
    assert _sql(store, "SELECT on_hand, value FROM stock_products") == [(0, 0)]
    r = cli("check", db=_db(location))
    assert r.rc == 0, r

"""A second look at books this process already has open must not drop SQLite's locks.

POSIX releases every lock a process holds on a file when the process closes any descriptor of
it. Before core/db.py's _OPEN_HERE, opening a second Store on open books (the app, a server,
an in-process command) read the file's header with open()/close(): the first connection's locks
were gone, another process closing its connection took itself for the last one, checkpointed and
deleted the -wal and -shm under the still-open connection, and the next writes corrupted the file
("database disk image is malformed", seen in tests/cli/test_concurrency.py under load)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from bizsuite.core.db import Location, sqlite_file_state, to_url
from bizsuite.core.store import Store

OTHER_PROCESS = """
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("INSERT INTO settings (key, value) VALUES (?, 'x')", (sys.argv[2],))
c.commit()
c.close()  # SQLite checkpoints and deletes -wal/-shm only if it is the last connection anywhere
"""


def test_a_second_store_on_open_books_keeps_the_first_ones_locks(tmp_path, owner_name):
    path = tmp_path / "books.sqlite"
    first = Store.open_or_create_empty(Location(to_url(str(path)), "test"))
    first.initialise(company="Test Co", currency="USD", owner=owner_name)
    try:
        with first.engine.connect() as conn:  # the pool keeps this connection open afterwards
            conn.execute(text("SELECT count(*) FROM settings")).scalar()
            assert Path(f"{path}-shm").exists()
            for n in range(3):
                assert sqlite_file_state(path) == "sqlite"  # what Store.open asks of the file
                second = Store.open(Location(to_url(str(path)), "test"))
                second.close()
                done = subprocess.run([sys.executable, "-c", OTHER_PROCESS, str(path), f"other.{n}"],
                                      capture_output=True, text=True, timeout=60)
                assert done.returncode == 0, done.stderr
                # the first connection is still open: the other process was not the last one
                assert Path(f"{path}-shm").exists() and Path(f"{path}-wal").exists()
            conn.rollback()  # end the read that began before the other processes wrote
            got = conn.execute(text("SELECT count(*) FROM settings WHERE key LIKE 'other.%'")).scalar()
            assert got == 3
    finally:
        first.close()
    with sqlite3.connect(path) as check:
        assert check.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


def test_the_header_of_books_nobody_here_has_open_is_read(tmp_path):
    path = tmp_path / "x.sqlite"
    assert sqlite_file_state(path) == "missing"
    path.write_bytes(b"")
    assert sqlite_file_state(path) == "empty"
    path.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    assert sqlite_file_state(path) == "sqlite"
    path.write_bytes(b"hello, I am text\n")
    assert sqlite_file_state(path) == "foreign"
    assert sqlite_file_state(tmp_path) == "foreign"  # a directory

"""The ``cli`` fixture: the command line as scripts and cron jobs use it (tests/cli_runner.py).

``cli(...)`` runs a command in this process (the Typer app, output captured); ``cli.process(...)``
and ``cli.popen(...)`` start the real program, for tests about the process itself. Every run gets
its own HOME / XDG_CONFIG_HOME / XDG_DATA_HOME under the test's tmp dir and no ``BIZSUITE_*``
variables, so nothing reads or writes the developer's real books or config. Books are SQLite
files in ``tmp_path`` given with ``--db``.
"""

from __future__ import annotations

import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

import cli_runner
from cli_runner import DATA, Result  # noqa: F401  (Result: for type hints in the tests)


class Bizsuite(cli_runner.Bizsuite):
    """``cli("contacts", "list", db=path)`` runs ``bizsuite --db path contacts list``."""

    # Helpers for set-up and checks (methods, because conftest modules are not importable by name).
    @staticmethod
    def direct(path: Path, as_name: str | None = None, *, write: bool = True):
        return direct(path, as_name, write=write)

    @staticmethod
    def sql(path: Path, query: str, *params):
        return sql(path, query, *params)

    @staticmethod
    def count(path: Path, table: str) -> int:
        return count(path, table)


@pytest.fixture
def data_dir() -> Path:
    return DATA


@pytest.fixture
def cli(tmp_path) -> Bizsuite:
    return Bizsuite(tmp_path)


@pytest.fixture(scope="session")
def _template_books(tmp_path_factory) -> Path:
    """Books made once per worker by ``bizsuite init``; tests get a copy."""
    root = tmp_path_factory.mktemp("template")
    path = root / "books.sqlite"
    r = Bizsuite(root)("init", "--company", "Test Co", "--currency", "USD", "--region", "US", db=path)
    assert r.rc == 0, r
    assert not Path(str(path) + "-wal").exists() or Path(str(path) + "-wal").stat().st_size == 0
    return path


@pytest.fixture
def books_path(tmp_path, _template_books) -> Path:
    """Fresh books (company "Test Co", the OS login as owner) in this test's tmp dir."""
    path = tmp_path / "books.sqlite"
    shutil.copyfile(_template_books, path)
    return path


@contextmanager
def direct(path: Path, as_name: str | None = None, *, write: bool = True):
    """Open the books in-process as the OS user, for quick set-up and for checking results."""
    from bizsuite.core.auth import os_login
    from bizsuite.core.db import Location, to_url
    from bizsuite.core.store import Store

    store = Store.open(Location(to_url(str(path)), "test"))
    try:
        actor = store.actor_for(os_login(), as_name)
        with store.transaction(actor, write=write) as books:
            yield books
    finally:
        store.close()


def sql(path: Path, query: str, *params):
    """Raw sqlite3 (no bizsuite code in between): rows of a query."""
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        return conn.execute(query, params).fetchall()
    finally:
        conn.close()


def count(path: Path, table: str) -> int:
    return sql(path, f"SELECT count(*) FROM {table}")[0][0]

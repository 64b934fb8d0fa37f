"""Run the real ``bizsuite`` program as a subprocess, as scripts and cron jobs do.

Every run gets its own HOME / XDG_CONFIG_HOME / XDG_DATA_HOME under the test's tmp dir and no
``BIZSUITE_DB``, so nothing reads or writes the developer's real books or config. Books are
SQLite files in ``tmp_path`` given with ``--db``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1] / "data"


def _bizsuite_exe() -> str:
    beside = Path(sys.executable).with_name("bizsuite")
    if beside.exists():
        return str(beside)
    found = shutil.which("bizsuite")
    if not found:
        pytest.skip("the bizsuite console script is not installed")
    return found


@dataclass
class Result:
    rc: int
    stdout: str
    stderr: str
    args: tuple

    @property
    def err_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]

    def __repr__(self) -> str:  # what pytest shows when an assertion fails
        return f"<bizsuite {' '.join(self.args)}: rc={self.rc}\n--stdout--\n{self.stdout}\n--stderr--\n{self.stderr}>"


class Bizsuite:
    """``cli("contacts", "list", db=path)`` runs ``bizsuite --db path contacts list``."""

    def __init__(self, root: Path):
        self.home = root / "home"
        for d in (self.home, self.home / ".config", self.home / ".local" / "share"):
            d.mkdir(parents=True, exist_ok=True)
        self.exe = _bizsuite_exe()

    def env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if k not in ("BIZSUITE_DB", "BIZSUITE_FROZEN_NOW") and not k.startswith("PYTEST_")}
        env.update(
            HOME=str(self.home),
            XDG_CONFIG_HOME=str(self.home / ".config"),
            XDG_DATA_HOME=str(self.home / ".local" / "share"),
            COLUMNS="200",
            PYTHONDONTWRITEBYTECODE="1",
        )
        env.update(extra or {})
        return env

    def argv(self, args, db) -> list[str]:
        head = [self.exe]
        if db is not None:
            head += ["--db", str(db)]
        return head + [str(a) for a in args]

    def __call__(self, *args, db=None, env: dict[str, str] | None = None, input: str | None = None,
                 cwd=None, timeout: float = 120) -> Result:
        argv = self.argv(args, db)
        p = subprocess.run(argv, env=self.env(env), input=input if input is not None else "",
                           capture_output=True, text=True, timeout=timeout, cwd=cwd)
        return Result(p.returncode, p.stdout, p.stderr, tuple(argv[1:]))

    def popen(self, *args, db=None, env: dict[str, str] | None = None) -> subprocess.Popen:
        return subprocess.Popen(self.argv(args, db), env=self.env(env), stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

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
    """Books made once per worker by a real ``bizsuite init``; tests get a copy (init costs ~0.5 s)."""
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

"""The one way tests run the ``bizsuite`` command line (tests/cli, the ledger's and tickets' CLI tests).

``cli("contacts", "list", db=path)`` runs ``bizsuite --db path contacts list`` and returns a
:class:`Result` (``rc``, ``stdout``, ``stderr``, ``err_lines``). Every run gets its own HOME /
XDG_CONFIG_HOME / XDG_DATA_HOME under the test's tmp dir and no ``BIZSUITE_*`` variables, so
nothing reads or writes the developer's real books or config.

``now=`` freezes the clock for that run: the program reads no time from the environment, so a
real process is started through ``tests/frozen_bizsuite.py``, which freezes it and then runs
the command line.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
DATA = TESTS / "data"
LAUNCHER = TESTS / "frozen_bizsuite.py"


def bizsuite_exe() -> str:
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
    def returncode(self) -> int:  # subprocess.CompletedProcess's name for it
        return self.rc

    @property
    def err_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]

    def __repr__(self) -> str:  # what pytest shows when an assertion fails
        return f"<bizsuite {' '.join(self.args)}: rc={self.rc}\n--stdout--\n{self.stdout}\n--stderr--\n{self.stderr}>"


def _iso(now) -> str | None:
    if now is None:
        return None
    return now.isoformat() if isinstance(now, datetime) else str(now)


class Bizsuite:
    """Runs ``bizsuite`` for one test. ``db`` and ``now`` given here are the defaults of every call."""

    def __init__(self, root: Path, *, db: Path | None = None, now=None, env: dict[str, str] | None = None):
        self.home = Path(root) / "home"
        for d in (self.home, self.home / ".config", self.home / ".local" / "share"):
            d.mkdir(parents=True, exist_ok=True)
        self.db, self.now, self.extra_env = db, now, dict(env or {})
        self._exe: str | None = None

    @property
    def exe(self) -> str:
        if self._exe is None:
            self._exe = bizsuite_exe()
        return self._exe

    def env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("BIZSUITE_", "PYTEST_"))}
        env.update(
            HOME=str(self.home),
            XDG_CONFIG_HOME=str(self.home / ".config"),
            XDG_DATA_HOME=str(self.home / ".local" / "share"),
            COLUMNS="200",
            PYTHONDONTWRITEBYTECODE="1",
        )
        env.update(self.extra_env)
        env.update(extra or {})
        return env

    def _args(self, args, db) -> list[str]:
        db = self.db if db is None else db
        return (["--db", str(db)] if db is not None else []) + [str(a) for a in args]

    def argv(self, args, db=None, now=None) -> list[str]:
        now = _iso(self.now if now is None else now)
        head = [sys.executable, str(LAUNCHER), now] if now else [self.exe]
        return head + self._args(args, db)

    def __call__(self, *args, db=None, env: dict[str, str] | None = None, input: str | None = None,
                 cwd=None, timeout: float = 120, now=None) -> Result:
        return self.process(*args, db=db, env=env, input=input, cwd=cwd, timeout=timeout, now=now)

    def process(self, *args, db=None, env: dict[str, str] | None = None, input: str | None = None,
                cwd=None, timeout: float = 120, now=None) -> Result:
        """A real ``bizsuite`` process: for exit codes through os._exit, pipes, signals, the environment."""
        argv = self.argv(args, db, now)
        p = subprocess.run(argv, env=self.env(env), input=input if input is not None else "",
                           capture_output=True, text=True, timeout=timeout, cwd=cwd)
        return Result(p.returncode, p.stdout, p.stderr, tuple(self._args(args, db)))

    def popen(self, *args, db=None, env: dict[str, str] | None = None, now=None, **kw) -> subprocess.Popen:
        kw.setdefault("stdin", subprocess.DEVNULL)
        kw.setdefault("stdout", subprocess.PIPE)
        kw.setdefault("stderr", subprocess.PIPE)
        return subprocess.Popen(self.argv(args, db, now), env=self.env(env), text=True, **kw)

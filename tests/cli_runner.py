"""The one way tests run the ``bizsuite`` command line (tests/cli, the ledger's and tickets' CLI tests).

``cli("contacts", "list", db=path)`` runs ``bizsuite --db path contacts list`` and returns a
:class:`Result` (``rc``, ``stdout``, ``stderr``, ``err_lines``). Every run gets its own HOME /
XDG_CONFIG_HOME / XDG_DATA_HOME under the test's tmp dir and no ``BIZSUITE_*`` variables, so
nothing reads or writes the developer's real books or config.

Commands run **in this process** by default: the Typer app itself, with stdin, stdout and stderr
captured, the run's environment in ``os.environ``, the working directory, TZ, and ``now=``
(``clock.freeze``) applied for the call and undone after it — the same program, without paying
~0.5 s of interpreter start and imports per command. An unexpected exception is reported as a
real process would (traceback on stderr, exit code 1).

``cli.process(...)`` (and ``cli.popen(...)``) start a **real process** instead: use it when the
test is about the process itself — exit codes through ``os._exit``, closed pipes, two processes
at once, signals and kill, isatty, start-up time, the environment a real run inherits. There
``now=`` starts Python through ``tests/launch_bizsuite.py``, which freezes the clock and then
runs the command line (the program reads no time from the environment). A run with no command
(which would open the app) always gets a real process.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import time
import traceback
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Sequence

import pytest

TESTS = Path(__file__).resolve().parent
DATA = TESTS / "data"
LAUNCHER = TESTS / "launch_bizsuite.py"


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

    def argv(self, args, db=None, now=None, launch: Sequence[str] = ()) -> list[str]:
        """The real process's command line; ``now`` or ``launch`` options go through the launcher."""
        now = _iso(self.now if now is None else now)
        options = ([f"--now={now}"] if now else []) + list(launch)
        head = [sys.executable, str(LAUNCHER), *options, "--"] if options else [self.exe]
        return head + self._args(args, db)

    def __call__(self, *args, db=None, env: dict[str, str] | None = None, input: str | None = None,
                 cwd=None, timeout: float = 120, now=None) -> Result:
        """Run in this process when that is faithful (see the module's docstring)."""
        argv = self._args(args, db)
        if not _names_a_command(argv):
            return self.process(*args, db=db, env=env, input=input, cwd=cwd, timeout=timeout, now=now)
        return self.in_process(argv, env=env, input=input, cwd=cwd, now=now)

    def in_process(self, argv: list[str], *, env=None, input=None, cwd=None, now=None) -> Result:
        from typer.testing import CliRunner

        from bizsuite.core import clock, settings

        now = self.now if now is None else now
        changes = {k: None for k in os.environ if k.startswith("BIZSUITE_")}
        changes.update({k: v for k, v in self.env(env).items() if os.environ.get(k) != v})
        runner = CliRunner()
        with _working_dir(cwd), runner.isolation(input=input if input is not None else "", env=changes) as streams:
            out, err, _ = streams
            _click_formatting().FORCED_WIDTH = None  # as in a real run: the terminal's width, at most 80
            settings.current.cache_clear()  # read from this run's environment, as a new process would
            if "TZ" in changes:
                time.tzset()
            try:
                with clock.freeze(_parse_now(now)) if now else _nothing():
                    rc = _run_app(argv)
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                settings.current.cache_clear()
                stdout, stderr = _text(out.getvalue()), _text(err.getvalue())
        if "TZ" in changes:
            time.tzset()
        return Result(rc, stdout, stderr, tuple(argv))

    def process(self, *args, db=None, env: dict[str, str] | None = None, input: str | None = None,
                cwd=None, timeout: float = 120, now=None) -> Result:
        """A real ``bizsuite`` process: for exit codes through os._exit, pipes, signals, the environment."""
        argv = self.argv(args, db, now)
        p = subprocess.run(argv, env=self.env(env), input=input if input is not None else "",
                           capture_output=True, text=True, timeout=timeout, cwd=cwd)
        return Result(p.returncode, p.stdout, p.stderr, tuple(self._args(args, db)))

    def popen(self, *args, db=None, env: dict[str, str] | None = None, now=None, pause_before: str | None = None,
              pause_after: str | None = None, **kw) -> subprocess.Popen:
        """A real process left running. ``pause_before="module:function"`` (or ``pause_after``) stops
        it there the first time: read ``proc.stderr.readline()`` (``"paused at …"``) to wait for
        that moment, then kill it, or write a line to its stdin to let it go on."""
        launch = [f"--pause-before={pause_before}"] if pause_before else []
        launch += [f"--pause-after={pause_after}"] if pause_after else []
        kw.setdefault("stdin", subprocess.PIPE if launch else subprocess.DEVNULL)
        kw.setdefault("stdout", subprocess.PIPE)
        kw.setdefault("stderr", subprocess.PIPE)
        return subprocess.Popen(self.argv(args, db, now, launch), env=self.env(env), text=True, **kw)


# -- running the app in this process ------------------------------------------------------------


def _app():
    from bizsuite.cli import app

    return app


@functools.cache
def _command():
    import typer.main

    return typer.main.get_command(_app())


def _click_formatting():
    import importlib

    import typer

    # Typer 0.2x carries its own copy of click (typer._click); older ones use click itself
    name = "typer._click.formatting" if hasattr(typer, "_click") else "click.formatting"
    return importlib.import_module(name)


def _names_a_command(argv: list[str]) -> bool:
    names = set(getattr(_command(), "commands", {}))
    return any(a in names for a in argv) or "--help" in argv or "--version" in argv


def _run_app(argv: list[str]) -> int:
    """What ``bizsuite.cli.main`` does, without its ``os._exit``: the exit status of one command."""
    try:
        _command().main(args=argv, prog_name="bizsuite")
    except SystemExit as exc:
        code = exc.code
        if code is None:
            return 0
        if isinstance(code, int):
            return code
        print(code, file=sys.stderr)  # sys.exit("message")
        return 1
    except BaseException:  # what the interpreter does with an uncaught exception
        traceback.print_exc(file=sys.stderr)
        return 1
    return 0


def _text(data: bytes) -> str:
    """Captured bytes as ``subprocess.run(text=True)`` gives them: UTF-8, universal newlines."""
    return data.decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "\n")


def _parse_now(now) -> datetime:
    value = now if isinstance(now, datetime) else datetime.fromisoformat(str(now))
    return value


@contextmanager
def _nothing():
    yield


@contextmanager
def _working_dir(cwd):
    if cwd is None:
        yield
        return
    before = os.getcwd()
    os.chdir(cwd)
    try:
        yield
    finally:
        os.chdir(before)

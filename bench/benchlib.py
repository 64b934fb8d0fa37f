"""What the bench scripts share: a figure with its target, time formatting, a clean environment
for subprocesses, the ``bizsuite`` executable, timing helpers, the table of figures and a fresh
PostgreSQL database to bench on."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable


@dataclass
class Figure:
    name: str
    target: float | None  # seconds; None = no target, shown for reference
    measured: float | None
    ratio: str = ""
    note: str = ""

    @property
    def verdict(self) -> str:
        if self.measured is None:
            return "n/a"
        if self.target is None:
            return ""
        return "pass" if self.measured < self.target else "FAIL"


def secs(x: float | None) -> str:
    if x is None:
        return "-"
    return f"{x * 1000:.1f} ms" if x < 1 else f"{x:.2f} s"


def env_for(home: Path, *, bytecode: Path | None = None) -> dict[str, str]:
    """This environment without bizsuite or XDG settings, with HOME and XDG dirs under ``home``.

    ``bytecode``: a folder where Python may cache compiled modules (``PYTHONPYCACHEPREFIX``),
    even when this environment says ``PYTHONDONTWRITEBYTECODE``: an installed bizsuite has its
    ``.pyc`` files, and a start-up figure that recompiles every module on each run (40 ms here)
    measures the compiler, not the program."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BIZSUITE_", "XDG_"))}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"),
               XDG_DATA_HOME=str(home / ".local/share"), XDG_CACHE_HOME=str(home / ".cache"))
    if bytecode is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(bytecode)
    return env


def bizsuite_exe() -> list[str]:
    exe = Path(sys.executable).with_name("bizsuite")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("bizsuite")
    return [found] if found else [sys.executable, "-m", "bizsuite"]


def timed_process(args: list[str], env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess]:
    t = time.perf_counter()
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    return time.perf_counter() - t, done


def timings(fn, runs: int) -> list[float]:
    """Seconds taken by each of ``runs`` calls of ``fn``."""
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def best_of(fn, runs: int) -> tuple[float, float]:
    """(first call, fastest of ``runs`` calls)."""
    times = timings(fn, runs)
    return times[0], min(times)


def fastest_and_median(fn, runs: int) -> tuple[float, float]:
    times = timings(fn, runs)
    return min(times), statistics.median(times)


def print_figures(title: str, figures: list[Figure], started: float) -> None:
    """The figures as a table: name, target, measured, pass/FAIL. Printed, never asserted."""
    import unicodedata

    def cols(text: str) -> int:  # terminal columns: CJK characters take two
        return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)

    width = max(cols(f.name) for f in figures)
    print()
    print(title)
    print(f"{'figure':<{width}}  {'target':>9}  {'measured':>10}  {'result':>6}  note")
    print("-" * (width + 40))
    for f in figures:
        target = f"< {secs(f.target)}" if f.target else ""
        name = f.name + " " * max(0, width - cols(f.name))
        print(f"{name}  {target:>9}  {secs(f.measured):>10}  {f.verdict:>6}  {f.note}")
    failed = [f for f in figures if f.verdict == "FAIL"]
    print(f"\n{len(figures) - len(failed)} of {len(figures)} figures met or have no target; "
          f"total bench time {time.perf_counter() - started:.0f} s")


def pg_database(base: str, prefix: str) -> tuple[str, Callable[[], None]]:
    """A fresh PostgreSQL database on the server of ``base`` (named ``prefix`` + a random tail):
    its URL and a function that drops it (``WITH (FORCE)``). The bench's books are made there, so
    nothing it writes reaches the server's other databases."""
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from bizsuite.core.db import to_url

    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(to_url(base), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(to_url(base)).set(database=name).render_as_string(hide_password=False), drop

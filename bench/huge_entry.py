"""Huge entries: showing, exporting and reversing an entry of MAX_LINES lines, and of 1,000,001.

    python bench/huge_entry.py [--lines N] [--huge N] [--no-huge] [--pg URL] [--keep DIR]

On SQLite, and on PostgreSQL when ``--pg URL`` (or ``BIZSUITE_TEST_PG_URL``) is given (a fresh
database is made there and dropped afterwards):

- an entry of ``MAX_LINES`` lines posted through ``post_entry`` (the ORM path every module uses);
- an entry of 1,000,001 lines, which the cap refuses, made by raw SQL (INSERT … SELECT from a
  recursive sequence) to show that reading and reversing still hold if one exists;
- for each: ``bizsuite ledger show N`` (the first page), ``ledger show N --format csv`` and
  ``--format json`` (every line, streamed to a file), and ``ledger reverse N``, each a whole
  process, with its wall time and its peak memory (``resource.getrusage(RUSAGE_SELF).ru_maxrss``
  of that process, written at exit).

Before this work (issue 8) ``ledger show`` of the 1,000,001-line entry took 3 minutes and
``ledger reverse`` 2.5 minutes and 5 GB. Not a test: nothing fails the run. Every file lives in a
temporary directory (HOME and XDG dirs of the subprocesses too) and is removed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from benchlib import Figure, env_for, print_figures, secs  # noqa: E402  (bench/ is the script's own folder)

# Runs bizsuite's command line in a process of its own and writes that process's peak memory
# (kilobytes, as Linux reports ru_maxrss) to $HUGE_RUSAGE when it exits, however it exits.
CHILD = """
import atexit, os, resource, runpy, sys
def _peak():
    with open(os.environ["HUGE_RUSAGE"], "w") as fh:
        fh.write(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))
atexit.register(_peak)
_exit = os._exit  # the command line ends with os._exit (no interpreter teardown): report first
os._exit = lambda code: (_peak(), _exit(code))
sys.argv = ["bizsuite", *sys.argv[1:]]
runpy.run_module("bizsuite", run_name="__main__", alter_sys=True)
"""

# Posts an entry of N lines through the repository (as a module would) in a process of its own.
POST = """
import atexit, os, resource, sys, time
from decimal import Decimal
def _peak():
    with open(os.environ["HUGE_RUSAGE"], "w") as fh:
        fh.write(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))
atexit.register(_peak)
from bizsuite.core.auth import os_login
from bizsuite.core.db import Location, to_url
from bizsuite.core.store import Store
from bizsuite.erp.ledger.models import LineIn
url, n = sys.argv[1], int(sys.argv[2])
store = Store.open(Location(to_url(url), "bench"))
with store.transaction(store.actor_for(os_login())) as b:
    lines = [LineIn("assets:bank:checking", Decimal(k % 97 + 1)) for k in range(n - 1)]
    lines.append(LineIn("income:sales", None))
    e = b.ledger.post_entry("2026-01-31", f"Stock revaluation, {n} items", lines)
    print(e.id)
store.close()
"""


def run(tmp: Path, env: dict[str, str], code: str, args: list[str], out=None) -> tuple[float, int | None, subprocess.CompletedProcess]:
    """(seconds, peak kB, the finished process) of ``python -c code args``."""
    peak = tmp / f"rusage-{uuid.uuid4().hex}"
    env = {**env, "HUGE_RUSAGE": str(peak), "PYTHONPATH": str(ROOT)}
    t = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, *args], env=env, text=True,
                          stdout=out if out is not None else subprocess.PIPE, stderr=subprocess.PIPE)
    took = time.perf_counter() - t
    kb = int(peak.read_text()) if peak.exists() else None
    peak.unlink(missing_ok=True)
    return took, kb, done


def mb(kb: int | None) -> str:
    return "-" if kb is None else f"peak {kb / 1024:.0f} MB"


def make_books(url: str) -> None:
    from bizsuite.core.auth import os_login
    from bizsuite.core.db import Location, to_url
    from bizsuite.core.store import Store

    store = Store.open_or_create_empty(Location(to_url(url), "bench"))
    store.initialise(company="Bench Co", currency="USD", owner=os_login())
    with store.transaction(store.actor_for(os_login())) as b:
        b.ledger.load_chart("standard")
    store.close()


def raw_entry(url: str, lines: int) -> tuple[int, float]:
    """An entry of ``lines`` lines made by raw SQL in one unit of work (the cap refuses it
    through the repository): its header posted with two lines, then lines 3..N by one INSERT …
    SELECT from a recursive sequence; odd lines debit 1.00, even ones credit 1.00 (the last 0.00
    when N is odd). Returns (its id, seconds)."""
    from sqlalchemy import Date, bindparam, text

    from bizsuite.core.auth import os_login
    from bizsuite.core.db import Location, to_url
    from bizsuite.core.store import Store
    from bizsuite.erp.ledger.models import LineIn
    from bizsuite.erp.ledger.posting import parse_date
    from decimal import Decimal

    store = Store.open(Location(to_url(url), "bench"))
    t = time.perf_counter()
    try:
        with store.transaction(store.actor_for(os_login())) as b:
            e = b.ledger.post_entry("2026-02-28", f"Made by raw SQL: {lines} lines",
                                    [LineIn("assets:bank:checking", Decimal(1)), LineIn("income:sales", Decimal(-1))])
            ids = {a.name: a.id for a in b.ledger.accounts()}
            b.session.execute(text(
                "WITH RECURSIVE seq(k) AS (SELECT CAST(3 AS INTEGER) UNION ALL SELECT k + 1 FROM seq WHERE k < :last) "
                "INSERT INTO ledger_lines (entry_id, line_no, date, account_id, amount) "
                "SELECT :entry, k, :day, CASE WHEN k % 2 = 1 THEN :debit ELSE :credit END, "
                "CASE WHEN k = :last AND k % 2 = 1 THEN 0 WHEN k % 2 = 1 THEN 100 ELSE -100 END FROM seq"
            ).bindparams(bindparam("day", type_=Date)), {
                "last": lines, "entry": e.id, "day": parse_date("2026-02-28"),
                "debit": ids["assets:bank:checking"], "credit": ids["income:sales"]})
            eid = e.id
    finally:
        store.close()
    return eid, time.perf_counter() - t


def measure_entry(tmp: Path, env: dict[str, str], url: str, eid: int, label: str) -> list[Figure]:
    out: list[Figure] = []

    def cli(name: str, target: float | None, *args: str, to_file: str | None = None) -> None:
        fh = (tmp / to_file).open("w") if to_file else None
        try:
            took, kb, done = run(tmp, env, CHILD, ["--db", url, *args], out=fh)
        finally:
            if fh:
                fh.close()
        note = mb(kb)
        if done.returncode != 0:
            note += f"; exit {done.returncode}: {done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ''}"
        elif to_file:
            size = (tmp / to_file).stat().st_size
            note += f"; {size / 1e6:.0f} MB written"
            (tmp / to_file).unlink()
        elif done.stdout:
            note += f"; last line: {done.stdout.strip().splitlines()[-1][:60]}"
        out.append(Figure(f"{label}: {name}", target, took, note=note))

    cli("ledger show (first page)", 1.0, "ledger", "show", str(eid))
    cli("ledger show --format csv (every line)", None, "ledger", "show", str(eid), "--format", "csv", to_file="lines.csv")
    cli("ledger show --format json (every line)", None, "ledger", "show", str(eid), "--format", "json", to_file="lines.json")
    cli("ledger reverse", None, "ledger", "reverse", str(eid), "--date", "2026-03-31")
    return out


def bench_backend(tmp: Path, env: dict[str, str], url: str, name: str, lines: int, huge: int | None) -> list[Figure]:
    figures: list[Figure] = []
    make_books(url)
    took, kb, done = run(tmp, env, POST, [url, str(lines)])
    if done.returncode != 0:
        figures.append(Figure(f"{name}: post_entry of {lines} lines", None, None, note=done.stderr.strip()[-200:]))
        return figures
    eid = int(done.stdout.strip())
    figures.append(Figure(f"{name}: post_entry of {lines} lines (MAX_LINES)", None, took, note=mb(kb)))
    small, _ = raw_entry(url, 2)
    figures += measure_entry(tmp, env, url, small, f"{name}, 2 lines (the floor: start-up)")[:1]
    figures += measure_entry(tmp, env, url, eid, f"{name}, {lines} lines")
    if huge:
        hid, took = raw_entry(url, huge)
        figures.append(Figure(f"{name}: {huge} lines made by raw SQL (reference)", None, took))
        figures += measure_entry(tmp, env, url, hid, f"{name}, {huge} lines")
    return figures


def pg_database(base: str):
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from bizsuite.core.db import to_url

    db = f"bizsuite_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(to_url(base), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{db}"'))
    url = make_url(to_url(base)).set(database=db).render_as_string(hide_password=False)

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
        admin.dispose()

    return url, drop


def main() -> None:
    from bizsuite.erp.ledger.limits import MAX_LINES

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--lines", type=int, default=MAX_LINES, help=f"lines of the posted entry (default {MAX_LINES})")
    p.add_argument("--huge", type=int, default=1_000_001, help="lines of the raw-SQL entry (default 1,000,001)")
    p.add_argument("--no-huge", action="store_true", help="skip the raw-SQL entry")
    p.add_argument("--pg", default=os.environ.get("BIZSUITE_TEST_PG_URL"), help="a PostgreSQL URL (a database is made there)")
    p.add_argument("--no-pg", action="store_true")
    p.add_argument("--keep", help="keep the SQLite books in this directory")
    args = p.parse_args()
    started = time.perf_counter()
    huge = None if args.no_huge else args.huge
    with tempfile.TemporaryDirectory(prefix="bench-huge-") as t:
        tmp = Path(t)
        env = env_for(tmp / "home")
        figures: list[Figure] = []
        books = Path(args.keep) / "huge.sqlite" if args.keep else tmp / "huge.sqlite"
        books.unlink(missing_ok=True)
        figures += bench_backend(tmp, env, str(books), "SQLite", args.lines, huge)
        if args.pg and not args.no_pg:
            url, drop = pg_database(args.pg)
            try:
                figures += bench_backend(tmp, env, url, "PostgreSQL", args.lines, huge)
            finally:
                drop()
    print_figures(f"Huge entries (MAX_LINES = {MAX_LINES}; {secs(time.perf_counter() - started)} in all)",
                  figures, started)


if __name__ == "__main__":
    main()

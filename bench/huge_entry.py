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

# Every measured step runs in a process of its own, started from this small one (Linux hands a
# child the peak of the process it was forked from: a big parent would hide its children's
# figures). At exit, however it exits (the command line ends with os._exit), the step writes its
# peak memory to $HUGE_RUSAGE: resource.getrusage(RUSAGE_SELF).ru_maxrss (kB), and VmHWM from
# /proc/self/status (the high-water mark of this process's own memory) beside it.
PRELUDE = """
import atexit, os, resource, sys
def _peak():
    hwm = ""
    try:
        hwm = next(l.split()[1] for l in open("/proc/self/status") if l.startswith("VmHWM"))
    except (OSError, StopIteration):
        pass
    with open(os.environ["HUGE_RUSAGE"], "w") as fh:
        fh.write(f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss} {hwm}")
atexit.register(_peak)
_exit = os._exit
os._exit = lambda code: (_peak(), _exit(code))
"""

# bizsuite's command line
CHILD = PRELUDE + """
import runpy
sys.argv = ["bizsuite", *sys.argv[1:]]
runpy.run_module("bizsuite", run_name="__main__", alter_sys=True)
"""

# new books with the standard chart
MAKE = PRELUDE + """
from bizsuite.core.auth import os_login
from bizsuite.core.db import Location, to_url
from bizsuite.core.store import Store
store = Store.open_or_create_empty(Location(to_url(sys.argv[1]), "bench"))
store.initialise(company="Bench Co", currency="USD", owner=os_login())
with store.transaction(store.actor_for(os_login())) as b:
    b.ledger.load_chart("standard")
store.close()
"""

# an entry of N lines posted through the repository, as a module would post it
POST = PRELUDE + """
from decimal import Decimal
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
    eid = e.id
store.close()
print(eid)
"""

# An entry of N lines made by raw SQL in one unit of work (the cap refuses it through the
# repository): its header posted with two lines, then lines 3..N by one INSERT ... SELECT from a
# recursive sequence; odd lines debit 1.00, even ones credit 1.00 (the last 0.00 when N is odd).
RAW = PRELUDE + """
from decimal import Decimal
from sqlalchemy import Date, bindparam, text
from bizsuite.core.auth import os_login
from bizsuite.core.db import Location, to_url
from bizsuite.core.store import Store
from bizsuite.erp.ledger.models import LineIn
from bizsuite.erp.ledger.posting import parse_date
url, n = sys.argv[1], int(sys.argv[2])
store = Store.open(Location(to_url(url), "bench"))
with store.transaction(store.actor_for(os_login())) as b:
    e = b.ledger.post_entry("2026-02-28", f"Made by raw SQL: {n} lines",
                            [LineIn("assets:bank:checking", Decimal(1)), LineIn("income:sales", Decimal(-1))])
    eid = e.id
    if n > 2:
        ids = {a.name: a.id for a in b.ledger.accounts()}
        b.session.execute(text(
            "WITH RECURSIVE seq(k) AS (SELECT CAST(3 AS INTEGER) UNION ALL SELECT k + 1 FROM seq WHERE k < :last) "
            "INSERT INTO ledger_lines (entry_id, line_no, date, account_id, amount) "
            "SELECT :entry, k, :day, CASE WHEN k % 2 = 1 THEN :debit ELSE :credit END, "
            "CASE WHEN k = :last AND k % 2 = 1 THEN 0 WHEN k % 2 = 1 THEN 100 ELSE -100 END FROM seq"
        ).bindparams(bindparam("day", type_=Date)), {
            "last": n, "entry": eid, "day": parse_date("2026-02-28"),
            "debit": ids["assets:bank:checking"], "credit": ids["income:sales"]})
store.close()
print(eid)
"""

# the journal screen's first page (50 entries, newest first) with the entry on it, in-process
JOURNAL = PRELUDE + """
import time
from bizsuite.core.auth import os_login
from bizsuite.core.db import Location, to_url
from bizsuite.core.store import Store
store = Store.open(Location(to_url(sys.argv[1]), "bench"))
actor = store.actor_for(os_login())
best = None
for _ in range(3):
    with store.read(actor) as b:
        t = time.perf_counter()
        page = b.ledger.journal_page(limit=50, with_total=False)
        took = time.perf_counter() - t
    best = took if best is None else min(best, took)
store.close()
print(f"{best:.6f} {len(page.rows)}")
"""


def run(tmp: Path, env: dict[str, str], code: str, args: list[str], out=None,
        path: Path = ROOT) -> tuple[float, tuple[int, int] | None, subprocess.CompletedProcess]:
    """(seconds, (ru_maxrss kB, VmHWM kB), the finished process) of ``python -c code args``,
    with the bizsuite at ``path``."""
    peak = tmp / f"rusage-{uuid.uuid4().hex}"
    env = {**env, "HUGE_RUSAGE": str(peak), "PYTHONPATH": str(path)}
    t = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, *args], env=env, text=True, cwd=tmp,  # not this folder: PYTHONPATH says whose code
                          stdout=out if out is not None else subprocess.PIPE, stderr=subprocess.PIPE)
    took = time.perf_counter() - t
    kb = None
    if peak.exists():
        maxrss, _, hwm = peak.read_text().partition(" ")
        kb = (int(maxrss), int(hwm) if hwm else 0)
        peak.unlink()
    return took, kb, done


def mb(kb: tuple[int, int] | None) -> str:
    if kb is None:
        return "peak -"
    return f"peak {kb[0] / 1024:.0f} MB (VmHWM {kb[1] / 1024:.0f})"


def step(tmp: Path, env: dict[str, str], code: str, args: list[str]) -> tuple[float, str, str]:
    """A preparing step: (seconds, its peak, what it printed); SystemExit with its error."""
    took, kb, done = run(tmp, env, code, args)
    if done.returncode != 0:
        raise SystemExit(f"{args}: {done.stderr.strip()[-2000:]}")
    return took, mb(kb), done.stdout.strip()


def measure_entry(tmp: Path, env: dict[str, str], url: str, eid: int, label: str, *, path: Path = ROOT,
                  only: tuple[str, ...] = ()) -> list[Figure]:
    """``ledger show`` (first page), ``show --format csv`` and ``json`` (to a file), ``reverse``."""
    out: list[Figure] = []

    def cli(name: str, *args: str, to_file: str | None = None) -> None:
        if only and name not in only:
            return
        fh = (tmp / to_file).open("w") if to_file else None
        try:
            took, kb, done = run(tmp, env, CHILD, ["--db", url, *args], out=fh, path=path)
        finally:
            if fh:
                fh.close()
        note = mb(kb)
        if done.returncode != 0:
            lines = done.stderr.strip().splitlines()
            note += f"; exit {done.returncode}: {lines[-1] if lines else ''}"
        elif to_file:
            note += f"; {(tmp / to_file).stat().st_size / 1e6:.0f} MB written"
        elif done.stdout.strip():
            note += f"; {done.stdout.strip().splitlines()[-1][:40]}"
        if to_file:
            (tmp / to_file).unlink(missing_ok=True)
        out.append(Figure(f"{label}: {name}", None, took, note=note))

    cli("show", "ledger", "show", str(eid))
    cli("show --format csv", "ledger", "show", str(eid), "--format", "csv", to_file="lines.csv")
    cli("show --format json", "ledger", "show", str(eid), "--format", "json", to_file="lines.json")
    cli("reverse", "ledger", "reverse", str(eid), "--date", "2026-03-31")
    return out


def bench_backend(tmp: Path, env: dict[str, str], url: str, name: str, lines: int, huge: int | None,
                  before: Path | None) -> list[Figure]:
    figures: list[Figure] = []
    step(tmp, env, MAKE, [url])
    took, peak, eid = step(tmp, env, POST, [url, str(lines)])
    figures.append(Figure(f"{name}: post_entry of {lines} lines", None, took, note=peak))
    _, _, small = step(tmp, env, RAW, [url, "2"])
    figures += measure_entry(tmp, env, url, int(small), f"{name}, 2 lines (start-up floor)", only=("show",))
    if before is not None and "://" not in url:  # the same commands with the code from before, in books of their own
        other = str(Path(url).with_name("before.sqlite"))
        step(tmp, env, MAKE, [other])
        _, _, copy = step(tmp, env, RAW, [other, str(lines)])
        figures += measure_entry(tmp, env, other, int(copy), f"{name}, {lines} lines, BEFORE", path=before,
                                 only=("show", "reverse"))
    figures += measure_entry(tmp, env, url, int(eid), f"{name}, {lines} lines")
    if huge:
        took, peak, hid = step(tmp, env, RAW, [url, str(huge)])
        figures.append(Figure(f"{name}: {huge} lines made by raw SQL (reference)", None, took, note=peak))
        _, _, journal = step(tmp, env, JOURNAL, [url])
        seconds, rows = journal.split()
        figures.append(Figure(f"{name}, {huge} lines: journal_page of {rows} entries", None, float(seconds),
                              note="the journal screen's first page, in-process, best of 3"))
        figures += measure_entry(tmp, env, url, int(hid), f"{name}, {huge} lines")
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
    from bizsuite.erp.ledger.limits import MAX_LINES  # a constant alone: this process stays small

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--lines", type=int, default=MAX_LINES, help=f"lines of the posted entry (default {MAX_LINES})")
    p.add_argument("--huge", type=int, default=1_000_001, help="lines of the raw-SQL entry (default 1,000,001)")
    p.add_argument("--no-huge", action="store_true", help="skip the raw-SQL entry")
    p.add_argument("--pg", default=os.environ.get("BIZSUITE_TEST_PG_URL"), help="a PostgreSQL URL (a database is made there)")
    p.add_argument("--no-pg", action="store_true")
    p.add_argument("--keep", help="keep the SQLite books in this directory")
    p.add_argument("--before", help="a checkout of bizsuite from before this work: show and reverse an "
                   "entry of --lines lines with it too")
    args = p.parse_args()
    started = time.perf_counter()
    huge = None if args.no_huge else args.huge
    with tempfile.TemporaryDirectory(prefix="bench-huge-") as t:
        tmp = Path(t)
        env = env_for(tmp / "home")
        figures: list[Figure] = []
        books = Path(args.keep) / "huge.sqlite" if args.keep else tmp / "huge.sqlite"
        books.unlink(missing_ok=True)
        before = Path(args.before).resolve() if args.before else None
        figures += bench_backend(tmp, env, str(books), "SQLite", args.lines, huge, before)
        if args.pg and not args.no_pg:
            url, drop = pg_database(args.pg)
            try:
                figures += bench_backend(tmp, env, url, "PostgreSQL", args.lines, huge, before)
            finally:
                drop()
    print_figures(f"Huge entries (MAX_LINES = {MAX_LINES}; {secs(time.perf_counter() - started)} in all)",
                  figures, started)


if __name__ == "__main__":
    main()

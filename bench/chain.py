"""The hash chains at scale: checking 300,000 sealed entries, and what sealing costs an import.

    python bench/chain.py [--entries 300000] [--pg URL] [--quick] [--keep DIR]

For SQLite, and for PostgreSQL when ``--pg`` or ``BIZSUITE_TEST_PG_URL`` gives a server (a
database is created for the run and dropped afterwards), prints a table of:

- ``ledger import`` of a journal of N transactions (about 3 postings each; bench/ledger.py's
  generator), in-process, the whole unit of work with its commit — sealed (as bizsuite runs)
  and without seals (the before-commit sealer, the importer's sealing and the trigger that
  refuses lines in sealed entries all taken out: the import as it was before the chains);
- the ledger chain check (``LEDGER_CHAIN.verify``: read every entry with its lines in chain
  order, recompute every seal) beside the raw SQL floor: the same SELECT through the bare
  driver, fetching the same rows and doing nothing with them;
- the whole ``bizsuite check`` (every invariant of every module), for scale.

Not a test: nothing fails the run. ``--quick`` (5,000 transactions) is a smoke test.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from benchlib import Figure, secs  # noqa: E402  (bench/ is the script's own folder)
from ledger import make_journal  # noqa: E402


def _pg_database(base: str) -> tuple[str, object]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from bizsuite.core.db import to_url

    name = f"bizsuite_bench_chain_{uuid.uuid4().hex[:8]}"
    admin = create_engine(to_url(base), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(to_url(base)).set(database=name).render_as_string(hide_password=False), drop


class _Unsealed:
    """The import as before the chains: no sealing at commit or in the importer, no trigger."""

    def __init__(self, store):
        self.store = store

    def __enter__(self):
        from sqlalchemy import event
        from sqlalchemy.orm import Session

        from bizsuite.core import chain
        from bizsuite.erp.ledger import importer

        event.remove(Session, "before_commit", chain._before_commit)
        self._seal, importer.seal_written = importer.seal_written, lambda *a, **k: None
        with self.store.engine.begin() as conn:
            conn.exec_driver_sql("DROP TRIGGER ledger_lines_sealed_never_insert"
                                 + (" ON ledger_lines" if conn.dialect.name == "postgresql" else ""))
        return self

    def __exit__(self, *exc):
        from sqlalchemy import event
        from sqlalchemy.orm import Session

        from bizsuite.core import chain
        from bizsuite.erp.ledger import importer

        importer.seal_written = self._seal
        event.listen(Session, "before_commit", chain._before_commit)
        return False


def _new_books(url: str, owner: str):
    from bizsuite.core.db import Location
    from bizsuite.core.store import Store

    store = Store.open_or_create_empty(Location(url, "bench"))
    store.initialise(company="Bench Co", currency="USD", owner=owner, answers={"chart": "standard"})
    return store, store.actor_for(owner)


def _import(store, actor, journal: Path) -> float:
    from bizsuite.erp.ledger.importer import import_file

    t = time.perf_counter()
    with store.transaction(actor) as b:
        import_file(b, journal)
    return time.perf_counter() - t


def _raw_floor(store, sql: str) -> float:
    """The same SELECT through the bare driver: every row fetched, nothing done with them."""
    raw = store.engine.raw_connection()
    try:
        t = time.perf_counter()
        cur = raw.cursor()
        cur.execute(sql)
        n = 0
        while True:
            rows = cur.fetchmany(5000)
            if not rows:
                break
            n += len(rows)
        took = time.perf_counter() - t
        cur.close()
        raw.rollback()
    finally:
        raw.close()
    return took


def bench(kind: str, url_of, journal: Path, n: int, owner: str, figures: list[Figure], runs: int) -> None:
    from bizsuite.erp.ledger.models import LEDGER_CHAIN

    url, drop = url_of("sealed")
    store, actor = _new_books(url, owner)
    try:
        sealed = _import(store, actor, journal)

        url2, drop2 = url_of("unsealed")
        plain_store, plain_actor = _new_books(url2, owner)
        try:
            with _Unsealed(plain_store):
                plain = _import(plain_store, plain_actor, journal)
        finally:
            plain_store.close()
            drop2()
        figures.append(Figure(f"{kind}: import {n:,} entries, no seals", None, plain, "1.0x"))
        figures.append(Figure(f"{kind}: import {n:,} entries, sealed", None, sealed, f"{sealed / plain:.2f}x",
                              f"sealing costs {secs(sealed - plain)}"))

        sql = LEDGER_CHAIN._select("t.seal_no IS NOT NULL", "t.seal_no", store.engine.dialect.name)
        floor = min(_raw_floor(store, sql) for _ in range(runs))
        checks = []
        for _ in range(runs):
            with store.read(actor) as b:
                t = time.perf_counter()
                broken = LEDGER_CHAIN.verify(b.session.connection())
                checks.append(time.perf_counter() - t)
            assert broken is None, broken
        check = min(checks)
        figures.append(Figure(f"{kind}: raw SQL: read the {n:,} entries with their lines", None, floor, "1.0x"))
        figures.append(Figure(f"{kind}: ledger chain check ({n:,} entries)", None, check, f"{check / floor:.1f}x raw",
                              f"{check / n * 1e6:.1f} µs an entry"))
        with store.read(actor) as b:
            t = time.perf_counter()
            results = b.admin.check()
            whole = time.perf_counter() - t
        bad = [r.name for r in results if not r.ok]
        figures.append(Figure(f"{kind}: bizsuite check, every invariant", None, whole,
                              note="all pass" if not bad else "FAILED: " + ", ".join(bad)))
    finally:
        store.close()
        drop()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--entries", type=int, default=300_000)
    ap.add_argument("--pg", metavar="URL", default=os.environ.get("BIZSUITE_TEST_PG_URL"),
                    help="a PostgreSQL server to bench too (default: BIZSUITE_TEST_PG_URL)")
    ap.add_argument("--quick", action="store_true", help="5,000 transactions (smoke test)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--keep", metavar="DIR", help="write the journal and the SQLite books here and keep them")
    args = ap.parse_args()
    n = 5_000 if args.quick else args.entries
    runs = 1 if args.quick else args.runs
    figures: list[Figure] = []
    started = time.perf_counter()
    owner = "bench"

    with tempfile.TemporaryDirectory(prefix="bizsuite-bench-chain-") as tmp_:
        tmp = Path(args.keep) if args.keep else Path(tmp_)
        tmp.mkdir(parents=True, exist_ok=True)
        for k in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME"):
            os.environ[k] = str(tmp / "home")
        os.environ.pop("BIZSUITE_DB", None)
        journal = tmp / "chain.journal"
        t = time.perf_counter()
        rows = make_journal(journal, n)
        print(f"generated {n:,} transactions, {len(rows):,} postings in {time.perf_counter() - t:.1f} s",
              file=sys.stderr)
        del rows

        def sqlite_url(name: str):
            path = tmp / f"{name}.sqlite"
            for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                p.unlink(missing_ok=True)
            return f"sqlite:///{path}", (lambda: None)

        bench("SQLite", sqlite_url, journal, n, owner, figures, runs)
        if args.pg:
            bench("PostgreSQL", lambda _name: _pg_database(args.pg), journal, n, owner, figures, runs)
        else:
            figures.append(Figure("PostgreSQL", None, None, note="no server given (--pg or BIZSUITE_TEST_PG_URL)"))

    w = max(len(f.name) for f in figures)
    print(f"\nbizsuite chain bench: {n:,} transactions, Python {sys.version.split()[0]}, "
          f"SQLite {sqlite3.sqlite_version}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}\n")
    print(f"{'figure':<{w}}  {'measured':>9}  ratio / note")
    for f in figures:
        print(f"{f.name:<{w}}  {secs(f.measured):>9}  " + "  ".join(x for x in (f.ratio, f.note) if x))
    print(f"\n(took {time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

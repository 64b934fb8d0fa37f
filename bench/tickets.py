"""Tickets at scale: the queue's first page and ``tickets list --breached``, on this machine.

    python bench/tickets.py [--tickets 50000] [--quick] [--runs 7]

Builds books with the demo company's users and (small) contacts and ``--tickets`` tickets from
the demo's tickets part (believable stories, every status, some breached), then prints a table
of figures, targets, measurements and ratios against raw ``sqlite3`` running the same query on
the same file. Not a test: nothing fails the run; ``--quick`` (5,000 tickets, fewer runs) is
CI's smoke test. Every file lives in a temporary directory (HOME and XDG dirs of the
subprocesses too) and is removed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchlib import Figure, best_of, bizsuite_exe, env_for, secs, timed_process  # noqa: E402  (bench/ is the script's own folder)


def build(path: Path, n: int):
    """Fresh books with the demo's users (the contacts part adds them), small contacts and ``n`` demo tickets."""
    from bizsuite.core.auth import os_login
    from bizsuite.core.db import Location, to_url
    from bizsuite.core.store import Store
    from bizsuite.crm.contacts.demo import add_demo_contacts
    from bizsuite.crm.tickets.demo import add_demo_tickets
    from bizsuite.demo import BASE

    location = Location(to_url(str(path)), "bench")
    store = Store.open_or_create_empty(location)
    store.initialise(company="Bench Co", currency="USD", owner=os_login())
    actor = store.actor_for(os_login())
    with store.transaction(actor) as books:
        add_demo_contacts(books, random.Random("7:contacts"), "small", base=BASE, seed=7)
    t = time.perf_counter()
    with store.transaction(actor) as books:
        made = add_demo_tickets(books, random.Random("7:tickets"), "large", base=BASE, seed=7, count=n)
    return store, actor, location, time.perf_counter() - t, made


RAW_QUEUE = """
SELECT t.id, t.subject, t.contact_id, c.name, t.priority, t.status, t.channel, t.assignee, t.created_at,
       t.updated_at, t.sla_due, t.sla_missed, t.first_response_at, t.resolved_at, t.version
FROM tickets t JOIN contacts c ON c.id = t.contact_id
WHERE t.status IN ('new', 'open', 'pending', 'on_hold') {extra}
ORDER BY t.sla_due IS NULL, t.sla_due, t.id LIMIT 100
"""


def tui_first_row(store, actor, location) -> float | None:
    try:
        from bizsuite.app import make_app
    except ImportError:
        return None

    async def run() -> float:
        app = make_app(store, actor, location)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            t = time.perf_counter()
            app.open_module("tickets")
            deadline = t + 30
            while time.perf_counter() < deadline:
                await asyncio.sleep(0.002)
                table = app.screen.query("#queue")
                if table and table.first().row_at(0) is not None:
                    return time.perf_counter() - t
            raise TimeoutError("the queue showed no rows in 30 s")

    return asyncio.run(run())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tickets", type=int, default=50_000)
    ap.add_argument("--quick", action="store_true", help="5,000 tickets, fewer runs (CI smoke test)")
    ap.add_argument("--runs", type=int, default=7, help="runs of each figure (the minimum counts)")
    ap.add_argument("--no-tui", action="store_true", help="skip the TUI figure")
    args = ap.parse_args()
    n = 5_000 if args.quick else args.tickets
    runs = 3 if args.quick else args.runs
    figures: list[Figure] = []
    exe = bizsuite_exe()
    started = time.perf_counter()

    with tempfile.TemporaryDirectory(prefix="bizsuite-bench-") as tmp_:
        tmp = Path(tmp_)
        home = tmp / "home"
        home.mkdir()
        env = env_for(home)
        os.environ.update({k: env[k] for k in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME")})
        os.environ.pop("BIZSUITE_DB", None)
        db = tmp / "books.sqlite"

        # 1. the books
        store, actor, location, took, made = build(db, n)
        figures.append(Figure(f"demo tickets part: {made['tickets']:,} tickets, {made['ticket messages']:,} "
                              "messages (in-process)", None, took))
        with store.read(actor) as books:
            summary = books.tickets.summary()
        note = f"{summary['active']:,} active, {summary['breached']:,} breached, {summary['due_soon']:,} due soon"
        print(f"built {n:,} tickets in {took:.1f} s: {note}", file=sys.stderr)

        # 2. the queue's first page, in-process, against raw sqlite3 on the same file
        def page(**kw):
            def go():
                with store.read(actor) as books:
                    return books.tickets.page(limit=100, **kw)
            return go

        conn = sqlite3.connect(db)

        def raw(extra: str = "", params=()):
            def go():
                conn.execute(RAW_QUEUE.format(extra=extra), params).fetchall()
            return go

        _, raw_queue = best_of(raw(), runs)
        figures.append(Figure("raw sqlite3: the queue's first 100 rows", None, raw_queue, "1.0x"))
        first, fastest = best_of(page(with_total=False), runs)
        figures.append(Figure(f"queue first page of {n:,} tickets (active, by due time)", 0.3, fastest,
                              f"{fastest / raw_queue:.1f}x", f"first call {secs(first)}"))
        first, fastest = best_of(page(), runs)
        figures.append(Figure("queue first page, with the count", 0.3, fastest, note=f"first call {secs(first)}"))
        first, fastest = best_of(page(status="all"), runs)
        figures.append(Figure("first page of all statuses, with the count", 0.3, fastest,
                              note=f"first call {secs(first)}"))
        from bizsuite.core import clock

        now = clock.now().astimezone().replace(tzinfo=None).isoformat(" ")
        _, raw_breached = best_of(raw("AND (t.sla_missed = 1 OR t.sla_due < ?)", (now,)), runs)
        first, fastest = best_of(page(breached=True), runs)
        figures.append(Figure("breached first page, with the count", 0.3, fastest,
                              f"{fastest / raw_breached:.1f}x", f"raw sqlite3 {secs(raw_breached)}"))
        first, fastest = best_of(page(mine=True), runs)
        figures.append(Figure("--mine first page, with the count", 0.3, fastest))
        conn.close()

        # 3. the whole program: `bizsuite tickets list --breached`
        for label, extra in (("tickets list --breached", []), ("tickets list --breached --format csv", ["--format", "csv"]),
                             ("tickets list (the queue)", [])):
            times = []
            args_ = [*exe, "--db", str(db), "tickets", "list", *extra]
            if "--breached" in label:
                args_.insert(5, "--breached")
            for _ in range(runs):
                took, done = timed_process(args_, env)
                times.append(took)
                if done.returncode:
                    print(done.stderr, file=sys.stderr)
                    break
            rows = max(0, len(done.stdout.splitlines()) - (1 if "csv" in label else 2))
            figures.append(Figure(f"`bizsuite {label}` (process, min of {len(times)})", 1.0,
                                  min(times) if not done.returncode else None,
                                  note=f"median {secs(statistics.median(times))}, ~{rows} rows"))
        took, _ = timed_process([*exe, "--help"], env)
        figures.append(Figure("`bizsuite --help` (process, for reference)", None, took))

        # 4. the app's queue
        if not args.no_tui:
            try:
                took_tui = tui_first_row(store, actor, location)
                figures.append(Figure("TUI queue: first row shown", 0.3, took_tui))
            except Exception as exc:  # noqa: BLE001 - optional figure
                figures.append(Figure("TUI queue: first row shown", 0.3, None, note=f"{type(exc).__name__}: {exc}"[:60]))

        # 5. the integrity check of every ticket's stored due times
        t = time.perf_counter()
        with store.read(actor) as books:
            from bizsuite.crm.tickets.checks import ticket_checks

            results = ticket_checks(books)
        figures.append(Figure("`check`: every ticket's history and due times", None, time.perf_counter() - t,
                              note="ok" if all(r.ok for r in results) else "FAILED"))
        store.close()

    width = max(len(f.name) for f in figures)
    print()
    print(f"bizsuite tickets bench: {n:,} tickets, Python {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version}, "
          f"{os.cpu_count()} CPUs")
    print(f"{'figure':<{width}}  {'target':>9}  {'measured':>10}  {'result':>6}  {'vs sqlite3':>10}  note")
    print("-" * (width + 50))
    for f in figures:
        target = f"< {secs(f.target)}" if f.target else ""
        print(f"{f.name:<{width}}  {target:>9}  {secs(f.measured):>10}  {f.verdict:>6}  {f.ratio:>10}  {f.note}")
    failed = [f for f in figures if f.verdict == "FAIL"]
    print(f"\n{len(figures) - len(failed)} of {len(figures)} figures met or have no target; "
          f"total bench time {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

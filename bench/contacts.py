"""Contacts at scale: start-up, import, the first page and search keystrokes, on this machine.

    python bench/contacts.py [--rows 100000] [--quick] [--runs 7]

Prints a table of figures, targets, measurements and ratios against raw ``sqlite3`` on the same
rows. Not a test: nothing fails the run; ``--quick`` (5,000 rows) is CI's smoke test. Every file
lives in a temporary directory (HOME and XDG dirs of the subprocesses too) and is removed.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchlib import Figure, best_of, bizsuite_exe, env_for, secs, timed_process  # noqa: E402  (bench/ is the script's own folder)

FIELDS = ["name", "kind", "company", "email", "phone", "roles", "tags", "address", "city",
          "country", "notes"]


# -- the CSV ------------------------------------------------------------------------------------


def make_csv(path: Path, rows: int, seed: int = 1) -> dict[str, str]:
    """Our CSV columns; ~15 % companies, people pointing at them by name; valid emails/phones.

    Returns a few strings that occur in the data, for the search figures.
    """
    from bizsuite.crm.contacts import demo as d

    r = random.Random(seed)
    n_companies = max(1, rows * 15 // 100)
    companies = []
    seen = set()
    cities_cn = ["北京", "上海", "广州", "深圳", "杭州"]
    while len(companies) < n_companies:
        i = len(companies)
        if r.random() < 0.3:
            brand, trade = r.choice(d.CN_BRANDS), r.choice(d.CN_TRADES)
            city = r.choice(cities_cn)
            name = f"{city}{brand[0]}{trade[0]}有限公司"
            if name in seen:
                name = f"{city}{brand[0]}{trade[0]}{i}号有限公司"
            domain = f"{brand[1]}{i}.cn"
            companies.append((name, domain, city, "China", "cn"))
        else:
            word, trade = r.choice(d.EN_WORDS), r.choice(d.EN_TRADES)
            name = f"{word} {trade} {r.choice(['Inc.', 'LLC', 'Ltd'])}"
            if name in seen:
                name = f"{word} {trade} {i} Inc."
            domain = f"{word.lower()}{trade.split()[0].lower()}{i}.com"
            city, country = r.choice([("San Francisco", "United States"), ("London", "United Kingdom"),
                                      ("Austin", "United States")])
            companies.append((name, domain, city, country, "en"))
        seen.add(name)
    out = []
    for i, (name, domain, city, country, _) in enumerate(companies):
        out.append([name, "company", "", f"info@{domain}", f"+1 415 555 {i % 10000:04d}" if i % 3 else "",
                    r.choice(["customer", "supplier", "customer;supplier", "lead"]),
                    r.choice(["", "vip", "wholesale", "retail;newsletter"]), f"{r.randint(1, 999)} Market St",
                    city, country, ""])
    for i in range(rows - n_companies):
        company = companies[r.randrange(len(companies))] if r.random() < 0.85 else None
        chinese = r.random() < (0.8 if company and company[4] == "cn" else 0.2)
        if chinese:
            fam, given = r.choice(d.CN_FAMILY), r.choice(d.CN_GIVEN)
            name = fam[0] + given[0]
            local = f"{fam[1]}.{given[1]}{i}"
            phone = f"+86 138 {i // 10000:04d} {i % 10000:04d}"
        else:
            first, last = r.choice(d.EN_FIRST), r.choice(d.EN_LAST)
            name = f"{first} {last}"
            local = f"{d._slug(first)}.{d._slug(last)}{i}"
            phone = f"(212) 555-{i % 10000:04d}" if r.random() < 0.5 else ""
        domain = company[1] if company else r.choice(["gmail.com", "163.com", "outlook.com"])
        # a few people have only a (unique) phone: the importer then matches them by phone
        email = "" if chinese and r.random() < 0.05 else f"{local}@{domain}"
        out.append([name, "person", company[0] if company else "", email, phone,
                     r.choice(["customer", "lead", "supplier", ""]),
                     r.choice(["", "", "newsletter", "vip", "trade-show-2026"]), "",
                     company[2] if company else "", company[3] if company else "",
                     "Met at the trade show." if r.random() < 0.05 else ""])
    r.shuffle(out)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(FIELDS)
        w.writerows(out)
    pick = random.Random(seed + 1)
    people = [row for row in out if row[1] == "person"]
    email = pick.choice([row[3] for row in people if row[3] and "." in row[3].split("@")[0]])
    phone = pick.choice([row[4] for row in people if row[4].startswith("+86")])
    return {"email": email.split("@")[0][:9], "phone": "".join(ch for ch in phone if ch.isdigit())[-7:]}


# -- measurements -------------------------------------------------------------------------------


def raw_sqlite(csv_path: Path, db: Path) -> float:
    """SQLite's own speed: csv.reader + one executemany into an equivalent plain table."""
    t = time.perf_counter()
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE contacts (id INTEGER PRIMARY KEY, "
                 + ", ".join(f"{f} TEXT" for f in FIELDS) + ")")
    with csv_path.open(newline="", encoding="utf-8") as fh:
        rows = csv.reader(fh)
        next(rows)
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(f"INSERT INTO contacts ({', '.join(FIELDS)}) VALUES ({', '.join('?' * len(FIELDS))})", rows)
        conn.execute("COMMIT")
    conn.close()
    return time.perf_counter() - t


def fresh_books(path: Path):
    from bizsuite.core.auth import os_login
    from bizsuite.core.db import Location, to_url
    from bizsuite.core.store import Store

    loc = Location(to_url(str(path)), "bench")
    store = Store.open_or_create_empty(loc)
    store.initialise(company="Bench Co", currency="USD", owner=os_login())
    return store, store.actor_for(os_login())


def tui_first_page(store, actor, location) -> float | None:
    try:
        from bizsuite.app import make_app
    except ImportError:
        return None

    async def run() -> float:
        app = make_app(store, actor, location)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            t = time.perf_counter()
            app.open_module("contacts")
            deadline = t + 30
            while time.perf_counter() < deadline:
                await asyncio.sleep(0.002)
                table = app.screen.query("#contacts")
                if table and table.first().row_at(0) is not None:
                    return time.perf_counter() - t
            raise TimeoutError("the contacts screen showed no rows in 30 s")

    return asyncio.run(run())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--quick", action="store_true", help="5,000 rows, fewer runs (CI smoke test)")
    ap.add_argument("--runs", type=int, default=7, help="runs of `bizsuite --help` (the minimum counts)")
    ap.add_argument("--no-tui", action="store_true", help="skip the optional TUI figure")
    ap.add_argument("--no-demo", action="store_true", help="skip the demo-company figure")
    args = ap.parse_args()
    rows = 5_000 if args.quick else args.rows
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

        # 1. start-up
        times = []
        for _ in range(runs):
            took, done = timed_process([*exe, "--help"], env)
            if done.returncode != 0:
                print(done.stderr, file=sys.stderr)
                break
            times.append(took)
        figures.append(Figure("`bizsuite --help` (process, min of %d)" % len(times), 0.3,
                              min(times) if times else None,
                              note=f"median {secs(statistics.median(times))}" if times else "failed"))

        # 2. import
        csv_path = tmp / "contacts.csv"
        t = time.perf_counter()
        samples = make_csv(csv_path, rows)
        print(f"generated {rows:,} rows ({csv_path.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t:.1f} s",
              file=sys.stderr)
        raw = raw_sqlite(csv_path, tmp / "raw.sqlite")
        figures.append(Figure(f"raw sqlite3: csv + executemany, {rows:,} rows", None, raw, "1.0x"))

        from bizsuite.crm.contacts.importer import import_contacts

        store, actor = fresh_books(tmp / "inproc.sqlite")
        t = time.perf_counter()
        with store.transaction(actor) as books:
            report = import_contacts(books, csv_path)
        inproc = time.perf_counter() - t
        figures.append(Figure(f"import {rows:,} in-process (import_contacts)", 5.0, inproc,
                              f"{inproc / raw:.0f}x", report.summary().split(": ", 1)[-1][:60]))

        cli_db = tmp / "cli.sqlite"
        init = subprocess.run([*exe, "--db", str(cli_db), "init"], env=env, capture_output=True, text=True)
        took, done = timed_process([*exe, "--db", str(cli_db), "contacts", "import", str(csv_path)], env)
        if init.returncode or done.returncode:
            figures.append(Figure(f"import {rows:,} via the CLI (process)", 5.0, None,
                                  note=((init.stderr or done.stderr).strip().splitlines() or ["failed"])[-1][:60]))
        else:
            figures.append(Figure(f"import {rows:,} via the CLI (process)", 5.0, took, f"{took / raw:.0f}x",
                                  done.stdout.strip().split(": ", 1)[-1][:60]))

        # 3. the list: first page and search keystrokes, on the in-process books
        store.close()
        from bizsuite.core.db import Location, to_url
        from bizsuite.core.store import Store

        location = Location(to_url(str(tmp / "inproc.sqlite")), "bench")
        store = Store.open(location)
        n = 5 if args.quick else 7

        def page(**kw):
            def go():
                with store.read(actor) as books:
                    return books.contacts.page(limit=50, **kw)
            return go

        with store.read(actor) as books:
            total = books.contacts.count()
        first, fastest = best_of(page(offset=0), n)
        figures.append(Figure(f"first page of {total:,}, with total", 0.3, fastest,
                              note=f"first call {secs(first)}"))
        first, fastest = best_of(page(offset=0, with_total=False), n)
        figures.append(Figure("first page, without the count", 0.3, fastest, note=f"first call {secs(first)}"))
        queries = [("Latin 3-letter prefix", "mar"), ("Chinese name part", "小明"),
                   ("email fragment", samples["email"]), ("phone fragment", samples["phone"])]
        conn = sqlite3.connect(tmp / "raw.sqlite")
        for label, q in queries:
            _, with_total = best_of(page(query=q), n)
            _, without = best_of(page(query=q, with_total=False), n)
            with store.read(actor) as books:
                hits = books.contacts.count(query=q)
            t = time.perf_counter()
            for _ in range(n):
                conn.execute("SELECT * FROM contacts WHERE name LIKE ? OR email LIKE ? OR phone LIKE ? "
                             "ORDER BY name LIMIT 50", (f"%{q}%",) * 3).fetchall()
            scan = (time.perf_counter() - t) / n
            figures.append(Figure(f"search {label} {q!r} ({hits:,} hits), with total", 0.1, with_total,
                                  f"{with_total / scan:.1f}x", f"raw LIKE scan {secs(scan)}"))
            figures.append(Figure(f"search {q!r}, without the count", 0.1, without, f"{without / scan:.1f}x"))
        conn.close()

        # optional: the app's contacts screen
        if not args.no_tui:
            try:
                took_tui = tui_first_page(store, actor, location)
                if took_tui is not None:
                    figures.append(Figure("TUI contacts screen: first row shown", 0.3, took_tui))
            except Exception as exc:  # noqa: BLE001 - optional figure
                figures.append(Figure("TUI contacts screen: first row shown", 0.3, None,
                                      note=f"{type(exc).__name__}: {exc}"[:60]))
        store.close()

        # the demo company (ours): large unless --quick
        if not args.no_demo:
            from bizsuite.demo import prepare_demo

            size = "small" if args.quick else "large"
            t = time.perf_counter()
            prepare_demo(Location(to_url(str(tmp / "demo.sqlite")), "bench"), size=size, echo=lambda m: None)
            # every module's demo part (contacts, ledger, tickets, …): shown for reference, the
            # issues set no target for it
            figures.append(Figure(f"demo --size {size}, all modules (in-process)", None,
                                  time.perf_counter() - t))

    # 4. the table
    def cols(text: str) -> int:  # terminal columns: CJK characters take two
        return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)

    def pad(text: str, n: int) -> str:
        return text + " " * max(0, n - cols(text))

    width = max(cols(f.name) for f in figures)
    print()
    print(f"bizsuite contacts bench: {rows:,} rows, Python {sys.version.split()[0]}, "
          f"SQLite {sqlite3.sqlite_version}, {os.cpu_count()} CPUs")
    print(f"{'figure':<{width}}  {'target':>9}  {'measured':>10}  {'result':>6}  {'vs sqlite3':>10}  note")
    print("-" * (width + 50))
    for f in figures:
        target = f"< {secs(f.target)}" if f.target else ""
        print(f"{pad(f.name, width)}  {target:>9}  {secs(f.measured):>10}  {f.verdict:>6}  {f.ratio:>10}  {f.note}")
    failed = [f for f in figures if f.verdict == "FAIL"]
    print(f"\n{len(figures) - len(failed)} of {len(figures)} figures met or have no target; "
          f"total bench time {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""``bizsuite demo``: a realistic, reproducible demo company, in books of its own.

The demo never touches the real books:

- ``dedicated=True`` (no ``--db``): ``location`` is the demo's own file in the user data dir.
  If it already holds the demo of the same size and seed (settings ``demo.size``/``demo.seed``)
  it is reused as is; if it holds anything else it is deleted (with its ``-wal``/``-shm``) and
  built again.
- ``dedicated=False`` (``--db`` given): the demo fills only a missing or empty file, or books that
  were initialised but hold no data yet; books that already hold this very demo are reused;
  anything else is refused (:class:`Refused`) and nothing is written.

Each module declares its own part (``Module.demo``, see :mod:`bizsuite.core.modules`); the
function is called as ``fn(books, rng, size, *, base, seed, progress) -> dict[str, int]`` (what it made,
for the summary line) and may look in ``books`` for what earlier parts made (users, contacts…).
All parts run in order in **one** unit of work as the owner, together with the ``demo.*``
markers: the whole demo lands, or none of it. Every part gets its own ``random.Random`` seeded
from ``(seed, part name)`` — never the global ``random`` — so adding or changing one part does
not change the data of another.

The timeline: a part may also give a daily callback (``DemoPart(..., daily="pkg.mod:fn")``, the
contract in :class:`bizsuite.core.modules.DemoPart`). Every part's setup runs first, in module
order (a part with a daily callback gets a ``state`` dict to keep for it); then the demo walks
the year's :data:`DAYS` days, oldest first, ending on "today", and on each day calls every daily
callback in module order (stock: that day's deliveries and counts; purchasing: receipts due,
bills, payments, new orders for what ran low). So stock and purchasing interleave by date, each
seeing the other's moves of the days before; the core still never imports a module.

Dates: every part builds its dates back from one "today" (:func:`demo_today`): the last close of
business (17:30 UTC) that has passed, never before :data:`BASE`. So the demo looks like a business
that is running now — the ledger's year ends today, this month's P&L has sales in it, the
timeline's latest calls are days old, not months. The seed fixes everything else: the same seed
gives the same company on the same day, and always with the clock frozen (as the tests do).
"""

from __future__ import annotations

import importlib
import random
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from bizsuite.core.db import Location, refresh_statistics
from bizsuite.core.errors import BooksError, Refused

SIZES = ("small", "large")
DAYS = 365  # the demo's year, the timeline's days: today and the 364 before it
BASE = datetime(2026, 3, 13, 17, 30, tzinfo=timezone.utc)  # the earliest "today" of the demo company
CLOSE_OF_BUSINESS = (17, 30)  # UTC


def demo_today(now: datetime | None = None) -> datetime:
    """The demo company's "today": the last close of business at or before ``now``
    (:mod:`bizsuite.core.clock` if not given), never before :data:`BASE`."""
    from datetime import timedelta

    from bizsuite.core import clock

    now = now or clock.now()
    close = now.astimezone(timezone.utc).replace(hour=CLOSE_OF_BUSINESS[0], minute=CLOSE_OF_BUSINESS[1],
                                                   second=0, microsecond=0)
    if close > now:
        close -= timedelta(days=1)
    return max(BASE, close)
DEMO_COMPANY = "Lotus & Pine Trading Co."
DEMO_CURRENCY = "USD"


def _resolve(target: str) -> Callable:
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


@dataclass(frozen=True)
class Part:
    name: str
    target: str  # "package.module:function", imported only when the demo runs
    weight: int = 1  # share of the progress bar
    daily: str | None = None  # "package.module:function", called for each day of the year

    def function(self) -> Callable[..., dict[str, int]]:
        return _resolve(self.target)

    def day_function(self) -> Callable[..., dict[str, int]] | None:
        return _resolve(self.daily) if self.daily else None


def parts() -> list[Part]:
    """The demo's parts: each installed module's, in dependency order (the company's staff,
    who use bizsuite, are contacts: the contacts part adds them)."""
    from bizsuite.core import modules

    return [Part(m.name, m.demo.target, m.demo.weight, m.demo.daily) for m in modules.installed() if m.demo]


def prepare_demo(location: Location, *, size: str = "small", seed: int = 7, dedicated: bool = True,
                 echo: Callable[[str], None] = print,
                 progress: Callable[[int, int], None] | None = None) -> None:
    """Make sure ``location`` holds the demo company of this size and seed (see the module doc)."""
    if size not in SIZES:
        raise Refused(f"--size: {size!r} is not one of: {', '.join(SIZES)}")
    started = time.perf_counter()
    path = location.path
    if path is None:
        dedicated = False  # a server database is never dropped: treat it like --db
    state = _what_is_there(location, size, seed, strict=not dedicated)
    if state == "same":
        echo(f"demo: {location.display()} already holds the {size} demo (seed {seed}); reusing it")
        return
    if state == "other":
        if not dedicated:
            raise Refused(
                f"{location.display()}: already holds other data; the demo fills only new or empty books"
            )
        echo(f"demo: {location.display()} holds something else; rebuilding it")
        _remove_sqlite(path)
    created_file = path is not None and not path.exists()
    try:
        counts = _build(location, size=size, seed=seed, refuse_data=not dedicated, progress=progress)
    except BaseException:
        if created_file:
            _remove_sqlite(path)
        raise
    took = time.perf_counter() - started
    shown = ", ".join(f"{n:,} {what}" for what, n in counts.items() if what != "users")
    echo(f"demo: {shown} in {took:.1f} s")


# -- what is there ------------------------------------------------------------------------------


def _what_is_there(location: Location, size: str, seed: int, *, strict: bool) -> str:
    """'new' (nothing, or books with no data), 'same' (this demo), or 'other'. Writes nothing."""
    from sqlalchemy import create_engine, inspect, text
    from sqlalchemy.exc import DBAPIError
    from sqlalchemy.pool import NullPool

    from bizsuite.core.db import sqlite_file_state

    path = location.path
    if path is not None:
        if path.is_dir():
            raise BooksError(f"{path}: is a directory")
        state = sqlite_file_state(path)
        if state in ("missing", "empty"):
            return "new"
        if state == "foreign":
            return "other"
    # A bare engine: none of the store's pragmas (which would switch a foreign file to WAL).
    engine = create_engine(location.url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            names = set(inspect(conn).get_table_names())
            if not names:
                return "new"
            if not {"settings", "alembic_version"} <= names:
                return "other"
            settings = dict(conn.execute(text(
                "SELECT key, value FROM settings WHERE key IN ('app', 'demo.size', 'demo.seed')"
            )).all())
            if settings.get("app") != "bizsuite":
                return "other"
            if settings.get("demo.size") == size and settings.get("demo.seed") == str(seed):
                return "same"
            return "other" if _holds_data(conn, names) else "new"
    except DBAPIError as exc:
        if strict:
            raise BooksError(f"{location.display()}: cannot be read: {exc.orig}") from None
        return "other"
    finally:
        engine.dispose()


def _holds_data(conn, names: set[str] | None = None) -> bool:
    """Does any business table (any module's, not settings/users/audit) have a row?"""
    from sqlalchemy import exists, inspect, select
    from sqlmodel import SQLModel

    from bizsuite.core.modules import is_business_table, load_models

    load_models()  # every installed module's tables
    if names is None:
        names = set(inspect(conn).get_table_names())
    for table in SQLModel.metadata.sorted_tables:
        if not is_business_table(table.name) or table.name not in names:
            continue
        if conn.execute(select(exists().select_from(table))).scalar():
            return True
    return False


def _remove_sqlite(path: Path | None) -> None:
    if path is None:
        return
    for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm"),
              path.with_name(path.name + "-journal")):
        try:
            p.unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise BooksError(f"{p}: cannot remove the old demo: {exc.strerror}") from None


# -- building -----------------------------------------------------------------------------------


def _build(location: Location, *, size: str, seed: int, refuse_data: bool,
           progress: Callable[[int, int], None] | None) -> dict[str, int]:
    from bizsuite.core.auth import os_login
    from bizsuite.core.store import Store

    owner = os_login()
    store = Store.open_or_create_empty(location)
    try:
        store.initialise(company=DEMO_COMPANY, currency=DEMO_CURRENCY, owner=owner)
        actor = store.actor_for(owner)
        todo = parts()
        total = sum(p.weight for p in todo) * 1000
        counts: dict[str, int] = {}
        base = demo_today()
        with store.transaction(actor) as books:
            # Checked again under the write lock: someone may have written since we looked.
            if refuse_data and _holds_data(books.session.connection()):
                raise Refused(
                    f"{location.display()}: already holds other data; the demo fills only new or empty books"
                )
            done = 0
            timeline: list[tuple[Part, Callable, random.Random, dict]] = []
            for part in todo:
                daily = part.day_function()
                # a part on the timeline: a fifth of its share for its setup, the rest for its days
                share = part.weight * 1000 // 5 if daily else part.weight * 1000

                def scaled(d: int, t: int, _start=done, _share=share) -> None:
                    if progress and t:
                        progress(_start + min(d, t) * _share // t, total)

                rng = random.Random(f"{seed}:{part.name}")
                extra = {}
                if daily:
                    extra["state"] = {}
                    timeline.append((part, daily, rng, extra["state"]))
                made = part.function()(books, rng, size, base=base, seed=seed, progress=scaled, **extra)
                for what, n in made.items():
                    counts[what] = counts.get(what, 0) + n
                done += part.weight * 1000 if not daily else share
                if progress:
                    progress(done, total)
            if timeline:
                from datetime import timedelta

                rest = total - done
                last = base.date()
                for i in range(DAYS):
                    day = last - timedelta(days=DAYS - 1 - i)
                    for part, daily, rng, state in timeline:
                        for what, n in daily(books, rng, day, state).items():
                            counts[what] = counts.get(what, 0) + n
                    if progress and i % 10 == 0:
                        progress(done + rest * i // DAYS, total)
                if progress:
                    progress(total, total)
            books.set_setting("demo.size", size)
            books.set_setting("demo.seed", str(seed))
        # the parts wrote their tables in bulk: PostgreSQL's planner knows nothing of them until
        # autovacuum comes by, and plans for empty tables (a nested loop over 100k deals took
        # minutes in bizsuite check)
        refresh_statistics(store.engine)
        return counts
    finally:
        store.close()

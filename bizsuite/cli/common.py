"""What every command shares: opening the books as the OS user, output formats, errors.

Kept light: nothing heavy is imported until a command runs, so ``bizsuite --help`` is fast.
"""

from __future__ import annotations

import csv
import json
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any, Iterable, Sequence

import typer


class Fmt(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


FORMAT_OPTION = typer.Option(Fmt.table, "--format", "-f", help="table, csv or json")


@dataclass
class Globals:
    db: str | None = None
    as_name: str | None = None


def globals_(ctx: typer.Context) -> Globals:
    root = ctx.find_root()
    if not isinstance(root.obj, Globals):
        root.obj = Globals()
    return root.obj


def fail(*lines: str, code: int = 1):
    for line in lines:
        typer.echo(line, err=True)
    raise typer.Exit(code)


@contextmanager
def refusals():
    """Turn every refusal into one line per problem on stderr and exit code 1."""
    from sqlalchemy.exc import DatabaseError

    from bizsuite.core.errors import Refused

    try:
        yield
    except Refused as exc:
        fail(*exc.problems)
    except DatabaseError as exc:
        # Damaged pages, a vanished server: one line, not a traceback.
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        fail(f"the books cannot be read: {reason}; run `bizsuite check`, or restore a backup")
    except KeyboardInterrupt:
        fail("interrupted; nothing was written", code=130)


def location(ctx: typer.Context):
    from bizsuite.core.db import locate

    with refusals():
        return locate(globals_(ctx).db)


@contextmanager
def open_store(ctx: typer.Context):
    """The books, opened as the OS user (or the user the owner acts as with --as)."""
    from bizsuite.core.auth import os_login
    from bizsuite.core.store import Store

    g = globals_(ctx)
    with refusals():
        loc = location(ctx)
        store = Store.open(loc)
        try:
            actor = store.actor_for(os_login(), g.as_name)
        except BaseException:
            store.close()
            raise
    try:
        with refusals():
            yield store, actor
    finally:
        store.close()


@contextmanager
def books(ctx: typer.Context, *, write: bool = True):
    with open_store(ctx) as (store, actor):
        with refusals():
            with store.transaction(actor, write=write) as b:
                yield b


def plain(value: Any) -> Any:
    """CSV/JSON form of a value: plain decimals, ISO dates, lists joined by ';'."""
    from datetime import date, datetime

    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return ";".join(str(v) for v in value)
    return value


def emit(rows: Iterable[dict], columns: Sequence[str], fmt: Fmt, *, title: str | None = None,
         headers: dict[str, str] | None = None, numeric: Sequence[str] = (), out=None) -> None:
    """Print rows as a Rich table, CSV (formula cells neutralised) or JSON."""
    out = out or sys.stdout
    if fmt == Fmt.csv:
        from bizsuite.core.importer import neutralise

        w = csv.writer(out, lineterminator="\n")
        w.writerow(columns)
        for r in rows:
            w.writerow([
                plain(r.get(c)) if c in numeric else neutralise(str(plain(r.get(c)))) for c in columns
            ])
        return
    if fmt == Fmt.json:
        def conv(v):
            if isinstance(v, Decimal):
                return f"{v:f}"
            if hasattr(v, "isoformat"):
                return v.isoformat()
            return v

        json.dump([{c: conv(r.get(c)) for c in columns} for r in rows], out, ensure_ascii=False, indent=2)
        out.write("\n")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, show_lines=False, header_style="bold", box=None if len(columns) > 6 else None)
    for c in columns:
        table.add_column((headers or {}).get(c, c.replace("_", " ")), justify="right" if c in numeric else "left",
                         overflow="fold", no_wrap=c in ("id", "kind", "phone", "at", "action"))
    n = 0
    for r in rows:
        table.add_row(*[str(plain(r.get(c))) for c in columns])
        n += 1
    # On a terminal, its width; in a pipe, wide enough that rows stay on one line.
    width = None if out.isatty() else 200
    # Cells are data, not Rich markup: 'assets:bank:checking' must not become an emoji.
    Console(file=out, width=width, emoji=False, markup=False).print(table)


def progress_bar(label: str):
    """A Rich progress callback on a terminal; silent in pipes and cron."""
    if not sys.stderr.isatty():
        return None, None
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

    # on stderr, like every other message, so `bizsuite … > file` keeps the bar on the terminal
    bar = Progress(TextColumn(label), BarColumn(), TaskProgressColumn(), TimeRemainingColumn(), transient=True,
                   console=Console(stderr=True))
    task = bar.add_task(label, total=None)

    def update(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)

    return bar, update

"""What every command shares: opening the books as the OS user, output formats, errors.

Kept light: nothing heavy is imported until a command runs, so ``bizsuite --help`` is fast.
"""

from __future__ import annotations

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
        if disk_full(exc):  # nothing is wrong with the books: there is no room to write
            fail("cannot write the books: No space left on device; nothing was written")
        fail(f"the books cannot be read: {reason}; run `bizsuite check`, or restore a backup")
    except KeyboardInterrupt:
        fail("interrupted; nothing was written", code=130)


def disk_full(exc: BaseException) -> bool:
    """Is this database error a full disk (SQLite's SQLITE_FULL, PostgreSQL's 53100 disk_full)?"""
    orig = getattr(exc, "orig", None) or exc
    if getattr(orig, "sqlite_errorname", None) == "SQLITE_FULL" or getattr(orig, "sqlstate", None) == "53100":
        return True
    return "database or disk is full" in str(orig)


def cannot_write(name: str, exc: OSError):
    """The one line for output that could not be written (a full disk, a closed device)."""
    fail(f"cannot write {name}: {exc.strerror or exc}")


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


def json_ready(v):
    """A record (nested dicts and lists) with plain decimals and ISO dates, as JSON holds them."""
    if isinstance(v, dict):
        return {k: json_ready(x) for k, x in v.items()}
    if isinstance(v, list):
        return [json_ready(x) for x in v]
    if isinstance(v, Decimal):
        return f"{v:f}"
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return v


def print_record(record) -> None:
    """One record as JSON: plain decimals, ISO dates, the script's own characters."""
    import json

    typer.echo(json.dumps(json_ready(record), ensure_ascii=False, indent=2))


def say(text: str, record, fmt) -> None:
    """What a command that changed something prints: one line, or with ``-f json`` the record."""
    if fmt == Fmt.json:
        print_record(record)
    else:
        typer.echo(text)


def emit(rows: Iterable[dict], columns: Sequence[str], fmt: Fmt, *, title: str | None = None,
         headers: dict[str, str] | None = None, numeric: Sequence[str] = (), out=None) -> None:
    """Print rows as a Rich table, CSV (formula cells neutralised) or JSON. ``rows`` may be any
    iterator: CSV and JSON are written a row at a time as the rows come (the JSON is the text of
    ``json.dump`` of the whole list, indent 2), so a caller can stream rows it never holds; a
    table needs them all. Output that cannot be written (stdout on a full disk) is one line and
    exit 1; a closed pipe is left to Click."""
    out = out or sys.stdout
    try:
        _emit(rows, columns, fmt, title=title, headers=headers, numeric=numeric, out=out)
        out.flush()  # a full disk shows here, not after "done" was reported
    except BrokenPipeError:
        raise
    except OSError as exc:
        cannot_write("standard output" if out is sys.stdout else str(getattr(out, "name", "the output")), exc)


def _emit(rows, columns, fmt, *, title, headers, numeric, out) -> None:
    if fmt == Fmt.csv:
        import csv

        from bizsuite.core.importer import neutralise

        w = csv.writer(out, lineterminator="\n")
        w.writerow(columns)
        kinds = [(c, c in numeric) for c in columns]
        for r in rows:
            w.writerow([plain(r.get(c)) if num else neutralise(str(plain(r.get(c)))) for c, num in kinds])
        return
    if fmt == Fmt.json:
        import json

        def conv(v):
            if isinstance(v, Decimal):
                return f"{v:f}"
            if hasattr(v, "isoformat"):
                return v.isoformat()
            return v

        # a row at a time, each as json.dump of the list would write it one level in
        dumps = json.JSONEncoder(ensure_ascii=False, indent=2).encode
        out.write("[")
        sep = "\n  "
        for r in rows:
            out.write(sep + dumps({c: conv(r.get(c)) for c in columns}).replace("\n", "\n  "))
            sep = ",\n  "
        out.write("]\n" if sep == "\n  " else "\n]\n")
        return
    names = [(headers or {}).get(c, c.replace("_", " ")) for c in columns]
    cells = [[str(plain(r.get(c))) for c in columns] for r in rows]
    # On a terminal, its width; in a pipe, wide enough that rows stay on one line.
    terminal = out.isatty()
    width = None if terminal else 200
    from bizsuite.cli import plain_table  # the same text without importing Rich, when it can

    page = plain_table.terminal_width() if terminal else width
    text = None if page is None else plain_table.render(
        title, names, cells, [c in numeric for c in columns], width=page, terminal=terminal)
    if text is not None:
        out.write(text)
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, show_lines=False, header_style="bold", box=None)
    for c, name in zip(columns, names):
        table.add_column(name, justify="right" if c in numeric else "left",
                         overflow="fold", no_wrap=c in ("id", "kind", "phone", "at", "action"))
    for row in cells:
        table.add_row(*row)
    # Cells are data, not Rich markup: 'assets:bank:checking' must not become an emoji.
    Console(file=out, width=width, emoji=False, markup=False).print(table)


WARNINGS_SHOWN = 50  # an import prints at most this many warnings, then how many more there are


def report_import(report, *, dry_run: bool) -> None:
    """How every import reports: why each rejected row was rejected, the warnings (at most
    WARNINGS_SHOWN, then "… and K more warnings"), all on stderr; the summary line, in the
    module's words, on stdout. A dry run that found bad rows exits 1."""
    for p in report.problems:
        typer.echo(str(p), err=True)
    for w in report.warnings[:WARNINGS_SHOWN]:
        typer.echo(f"warning: {w}", err=True)
    if len(report.warnings) > WARNINGS_SHOWN:
        typer.echo(f"warning: … and {len(report.warnings) - WARNINGS_SHOWN} more warnings", err=True)
    typer.echo(report.summary())
    if dry_run and report.rejected:
        raise typer.Exit(1)


def run_import(ctx: typer.Context, importer, file: str, *, dry_run: bool, skip_invalid: bool,
               rejects: str | None, **options) -> None:
    """The one way the import commands run: check --rejects, open the books (a dry run never
    takes the write lock), call ``importer(books, file, dry_run=…, skip_invalid=…, rejects=…,
    progress=…, **options)`` once, and :func:`report_import` what it returns."""
    import os
    from contextlib import nullcontext

    if rejects and not skip_invalid and not dry_run:
        fail("--rejects goes with --skip-invalid (or --dry-run)", code=2)
    if rejects and (os.path.isdir(rejects) or not os.path.isdir(os.path.dirname(os.path.abspath(rejects)))):
        fail(f"--rejects {rejects}: cannot write a file there")
    if rejects:
        _rejects_not_read(ctx, rejects, file)
    bar, update = progress_bar("importing")
    kwargs = dict(options, dry_run=dry_run, skip_invalid=skip_invalid or dry_run, rejects=rejects)
    if bar:
        kwargs["progress"] = update
    try:
        with books(ctx, write=not dry_run) as b, bar or nullcontext():
            report = importer(b, file, **kwargs)
    except OSError as exc:  # the rejects file could not be written: the import was rolled back
        if not rejects:
            raise
        fail(f"{exc.filename or rejects}: cannot write: {exc.strerror}; nothing was imported")
    report_import(report, dry_run=dry_run)


def _same_file(a: str, b: str) -> bool:
    """The same file: the same inode (hard links, symlinks) or, when one is missing, the same
    resolved path."""
    import os

    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def _rejects_not_read(ctx: typer.Context, rejects: str, file: str) -> None:
    """--rejects must not name a file the import reads: the input, or the books (and their
    -wal/-shm/-journal). Refused before the books are opened, so nothing is written."""
    read = [(file, "the file being imported")]
    path = location(ctx).path
    if path is not None:
        read += [(f"{path}{suffix}", "the books") for suffix in ("", "-wal", "-shm", "-journal")]
    for other, what in read:
        if _same_file(rejects, str(other)):
            fail(f"--rejects {rejects}: is {what}; give another file name")


OUTPUT_OPTION_HELP = "Write to this file instead of standard output."


def write_output(output: str | None, write, what: str) -> None:
    """``write(stream) -> n`` to stdout, or to ``output`` through a temporary file that replaces it
    only when complete; then "exported N WHAT to FILE" on stderr. A file that cannot be written
    (no such folder, a full disk) is one line, "cannot write FILE: reason", exit 1, and leaves
    nothing behind. A device or a pipe (``-o /dev/stdout``, ``-o /dev/full``) is written as it is:
    it cannot be replaced by a temporary file."""
    import os

    if not output:
        try:
            write(sys.stdout)
            sys.stdout.flush()
        except BrokenPipeError:  # `bizsuite … | head`: Click ends quietly
            raise
        except OSError as exc:
            cannot_write("standard output", exc)
        return
    if os.path.isdir(output):
        fail(f"{output}: is a folder; give a file name")
    if os.path.exists(output) and not os.path.isfile(output):
        try:
            with open(output, "w", newline="", encoding="utf-8") as out:
                n = write(out)
        except OSError as exc:
            cannot_write(output, exc)
        typer.echo(f"exported {n} {what} to {output}", err=True)
        return
    tmp = output + ".partial"
    try:
        with open(tmp, "w", newline="", encoding="utf-8") as out:
            n = write(out)
            out.flush()
            os.fsync(out.fileno())  # a full disk shows now, not after the rename
        os.replace(tmp, output)
    except OSError as exc:
        cannot_write(output, exc)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    typer.echo(f"exported {n} {what} to {output}", err=True)


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

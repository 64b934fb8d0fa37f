"""``bizsuite``: the command line. One sub-app per module; heavy imports wait for the command."""

from __future__ import annotations

from typing import Optional

import typer

from bizsuite import __version__
from bizsuite.cli import admin, contacts, ledger, tickets
from bizsuite.cli.common import Globals, globals_

app = typer.Typer(
    name="bizsuite",
    help="A terminal business suite: contacts and CRM, ledger and ERP, on one set of books.\n\n"
    "Run with no command to open the app.",
    no_args_is_help=False,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"bizsuite {__version__}")
        raise typer.Exit()


@app.callback(invoke_without_command=True)
def root(
    ctx: typer.Context,
    db: Optional[str] = typer.Option(
        None, "--db", metavar="PATH_OR_URL",
        help="The books: an SQLite file path or a postgresql+psycopg:// URL "
        "(default: $BIZSUITE_DB, then ~/.config/bizsuite/config.toml, then /etc/bizsuite/config.toml, "
        "then a file in your data directory).",
    ),
    as_name: Optional[str] = typer.Option(
        None, "--as", metavar="NAME", help="Owner only: act as another bizsuite user (audited)."
    ),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    g = globals_(ctx)
    g.db, g.as_name = db, as_name
    if ctx.invoked_subcommand is None:
        from bizsuite.cli.common import location

        from bizsuite.app import run_tui

        raise typer.Exit(run_tui(location(ctx), as_name))


admin.register(app)
app.add_typer(contacts.app, name="contacts", help="Companies and people: list, show, add, edit, import, export, merge.")
app.add_typer(ledger.app, name="ledger", help="The general ledger: accounts, entries, reports, journal import and export.")
app.add_typer(tickets.app, name="tickets", help="Support tickets: queue, SLA clocks, replies, import, export, stats.")


def main() -> None:
    try:
        app()
    except SystemExit as exc:  # how Click always ends
        _exit_now(exc.code)
    _exit_now(0)


def _exit_now(code: object) -> None:
    """End the process once the command is done, skipping the interpreter's teardown.

    Unloading SQLAlchemy, pydantic and Typer module by module costs about 0.12 s on every
    command, for nothing: the books are committed and closed by then. Output is flushed first;
    an unexpected exception never gets here (it ends the normal way, with its traceback).
    mypy ends the same way, for the same reason.
    """
    import os
    import sys

    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:  # sys.exit("message")
        print(code, file=sys.stderr)
        status = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (bizsuite … | head): nothing left to say
            pass
    os._exit(status)


__all__ = ["app", "main", "Globals"]

"""``bizsuite``: the command line. The core's commands (admin.py) and one sub-app per installed
module (its declaration names it); heavy imports wait for the command."""

from __future__ import annotations

from typing import Optional

import typer

from typer.core import TyperGroup

from bizsuite import __version__
from bizsuite.cli import admin
from bizsuite.cli.common import Globals, globals_
from bizsuite.cli.search import search as search_command


class ModulesGroup(TyperGroup):
    """The root command: the core's commands, plus one sub-command per installed module that has
    a CLI (``Module.cli``), imported only when that sub-command runs. ``--help`` lists them from
    their declarations, so it imports none of them."""

    def _modules(self) -> dict:
        from bizsuite.core import modules

        return {m.name: m for m in modules.installed() if m.cli}

    def list_commands(self, ctx) -> list[str]:
        names = super().list_commands(ctx)
        return names + [n for n in self._modules() if n not in names]

    def get_command(self, ctx, cmd_name: str):
        found = super().get_command(ctx, cmd_name)
        if found is not None:
            return found
        module = self._modules().get(cmd_name)
        if module is None:
            return None
        from bizsuite.core.modules import load

        # Mounted as ``add_typer`` on the root would: the root's help style, no completion options.
        mount = typer.Typer(rich_markup_mode=None, add_completion=False)
        mount.add_typer(load(module.cli), name=cmd_name, help=module.cli_help or module.description)
        command = typer.main.get_command(mount).commands[cmd_name]
        self.commands[cmd_name] = command  # built once per process
        return command

    def format_commands(self, ctx, formatter) -> None:
        from typer._click.utils import make_default_short_help

        mods = self._modules()
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(map(len, names), default=0)
        rows = []
        for name in names:
            if name in mods and name not in self.commands:
                rows.append((name, make_default_short_help(mods[name].cli_help or mods[name].description, limit)))
                continue
            cmd = self.get_command(ctx, name)
            if cmd is not None and not cmd.hidden:
                rows.append((name, cmd.get_short_help_str(limit)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


app = typer.Typer(
    cls=ModulesGroup,
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
app.command("search")(search_command)


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

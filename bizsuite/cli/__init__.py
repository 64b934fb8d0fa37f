"""``bizsuite``: the command line. The core's commands (admin.py) and one sub-app per installed
module (its declaration names it); heavy imports wait for the command."""

from __future__ import annotations

import copy
from collections.abc import MutableMapping
from typing import Callable, Optional

import typer

from typer.core import TyperGroup

from bizsuite import __version__
from bizsuite.cli import admin
from bizsuite.cli.common import Globals, globals_
from bizsuite.cli.search import search as search_command


class LazyCommands(MutableMapping):
    """A group's command table whose commands are built on first use.

    Typer turns every command of an app into a Click command (its parameters read from the
    function's signature and type hints) before it runs any: a tenth of a millisecond or more
    each, the whole table for the one command a process runs. Here the names are known at once
    (``--help`` and the suggestions for a misspelt name see all of them) and each command is
    built when it is asked for."""

    def __init__(self, built: dict, pending: list[tuple[str, Callable[[], object]]]):
        self._pending = dict(pending)
        self._built: dict = {}
        self._order = [name for name, _ in pending]
        for name, command in built.items():
            self[name] = command

    def __getitem__(self, name: str):
        try:
            return self._built[name]
        except KeyError:
            make = self._pending.pop(name)  # KeyError: no such command
        command = self._built[name] = make()
        return command

    def __setitem__(self, name: str, command) -> None:
        self._pending.pop(name, None)
        if name not in self._built and name not in self._order:
            self._order.append(name)
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        if name not in self._built and name not in self._pending:
            raise KeyError(name)
        self._built.pop(name, None)
        self._pending.pop(name, None)
        self._order.remove(name)

    def pending(self, name: str) -> bool:
        """Is ``name`` a command not built yet?"""
        return name in self._pending

    def __contains__(self, name: object) -> bool:
        return name in self._built or name in self._pending

    def __iter__(self):
        return iter(list(self._order))

    def __len__(self) -> int:
        return len(self._order)


def _command_name(info) -> str:
    return info.name or typer.main.get_command_name(info.callback.__name__)


def lazy_group(app: typer.Typer, build_group: Callable[[typer.Typer], TyperGroup], *,
               pretty_exceptions_short: bool, rich_markup_mode=None) -> TyperGroup:
    """``build_group(app)``'s group (its callback, its options, its sub-groups), with ``app``'s
    own commands built only when one is asked for (:class:`LazyCommands`)."""
    bare = copy.copy(app)
    bare.registered_commands = []
    group = build_group(bare)

    def maker(info):
        return lambda: typer.main.get_command_from_info(
            info, pretty_exceptions_short=pretty_exceptions_short, rich_markup_mode=rich_markup_mode)

    group.commands = LazyCommands(group.commands, [(_command_name(i), maker(i)) for i in app.registered_commands])
    return group


class ModulesGroup(TyperGroup):
    """The root command: the core's commands, plus one sub-command per installed module that has
    a CLI (``Module.cli``), imported only when that sub-command runs. ``--help`` lists them from
    their declarations, so it imports none of them. Every command, the core's and the modules',
    is built only when it is asked for (:class:`LazyCommands`)."""

    def __init__(self, *args, commands=None, **kwargs):
        super().__init__(*args, commands=commands, **kwargs)
        self.commands = LazyCommands(self.commands, _core_commands())

    def parse_args(self, ctx, args: list[str]) -> list[str]:
        # A NUL byte cannot reach a real process's arguments (execve stops at it), but a script
        # that runs the app in-process can pass one: file names with it make Python's os calls
        # raise ValueError deep inside a command. Refused here, once, for every argument.
        for n, arg in enumerate(args, 1):
            if "\0" in arg:
                typer.echo(f"argument {n} ({arg.split(chr(0))[0]!r}…) contains a NUL byte", err=True)
                raise typer.Exit(2)
        return super().parse_args(ctx, args)

    def list_commands(self, ctx) -> list[str]:
        names = list(self.commands)  # names only: nothing is built to list them
        return names + [n for n in self._modules() if n not in names]

    def _modules(self) -> dict:
        from bizsuite.core import modules

        return {m.command: m for m in modules.installed() if m.cli}

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
        help_ = module.cli_help or module.description

        def build(sub: typer.Typer) -> TyperGroup:
            mount.registered_groups = []
            mount.add_typer(sub, name=cmd_name, help=help_)
            return typer.main.get_command(mount).commands[cmd_name]

        command = lazy_group(load(module.cli), build, pretty_exceptions_short=mount.pretty_exceptions_short)
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
            info = _CORE_INFOS.get(name)
            if info is not None and self.commands.pending(name):
                # what the built command's get_short_help_str(limit) says, without building it
                if not info.hidden:
                    rows.append((name, _short_help(info, limit, make_default_short_help)))
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
    if db is not None and not db.strip():
        # not "no --db": an empty value (an unset variable in a script) must not open the default books
        typer.echo("--db: empty; give a file path or a database URL", err=True)
        raise typer.Exit(2)
    g.db, g.as_name = db, as_name
    if ctx.invoked_subcommand is None:
        from bizsuite.cli.common import location

        from bizsuite.app import run_tui

        raise typer.Exit(run_tui(location(ctx), as_name))


# The core's commands: registered on their own app, built by the root one at a time
# (ModulesGroup) with the root's settings.
core = typer.Typer(rich_markup_mode=None, add_completion=False)
admin.register(core)
core.command("search")(search_command)


# The core's commands by name (not its groups): ``--help`` reads their one-line help from here.
_CORE_INFOS = {_command_name(i): i for i in core.registered_commands}


def _short_help(info, limit: int, make_default_short_help) -> str:
    """Click's ``Command.get_short_help_str(limit)`` of the command Typer would build from
    ``info`` (its help is ``info.help``, else the function's docstring); a test holds them equal."""
    import inspect

    help_ = inspect.cleandoc(info.help) if info.help is not None else inspect.getdoc(info.callback)
    if info.short_help:
        text = inspect.cleandoc(info.short_help)
    elif help_:
        text = make_default_short_help(help_, limit)
    else:
        text = ""
    if info.deprecated:
        text = f"{text} {f'(DEPRECATED: {info.deprecated})' if isinstance(info.deprecated, str) else '(DEPRECATED)'}"
    return text.strip()


def _core_commands() -> list[tuple[str, Callable[[], object]]]:
    def command(info):
        return lambda: typer.main.get_command_from_info(
            info, pretty_exceptions_short=app.pretty_exceptions_short, rich_markup_mode=app.rich_markup_mode)

    def group(info):
        return lambda: typer.main.get_group_from_info(
            info, pretty_exceptions_short=app.pretty_exceptions_short, rich_markup_mode=app.rich_markup_mode,
            suggest_commands=app.suggest_commands)

    return [*((_command_name(i), command(i)) for i in core.registered_commands),
            *((i.name, group(i)) for i in core.registered_groups)]


# Output that could not be written, whatever wrote it: one line, exit 1, not a traceback.
_WRITE_ERRORS = {"ENOSPC", "EDQUOT", "EFBIG", "EIO", "EROFS"}


def main() -> None:
    import errno

    try:
        app()
    except SystemExit as exc:  # how Click always ends
        _exit_now(exc.code)
    except OSError as exc:
        if errno.errorcode.get(exc.errno or 0) not in _WRITE_ERRORS:
            raise
        import sys

        print(f"cannot write {exc.filename or 'standard output'}: {exc.strerror}", file=sys.stderr)
        _exit_now(1, reported=True)
    _exit_now(0)


def _exit_now(code: object, *, reported: bool = False) -> None:
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
    try:
        sys.stdout.flush()
    except (BrokenPipeError, ValueError):  # a closed pipe (bizsuite … | head): nothing left to say
        pass
    except OSError as exc:  # stdout on a full disk: what was printed is not all there
        if not reported:
            try:
                print(f"cannot write standard output: {exc.strerror}", file=sys.stderr)
            except (OSError, ValueError):
                pass
        status = status or 1
    try:
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    os._exit(status)


__all__ = ["app", "main", "Globals"]

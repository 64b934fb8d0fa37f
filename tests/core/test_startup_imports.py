"""A command loads what it uses, and nothing else (issue 7: a command's start-up time).

Each test runs one command in a fresh interpreter — ``python -c`` running the CLI in process — and
looks at what that process imported and built: no timing (that is ``bench/startup.py``'s), only
what would make every command slower if it crept back in.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

RUN = r"""
import json, sys
import typer.main
from bizsuite import cli

args = json.loads(sys.argv[1])
root = typer.main.get_command(cli.app)
try:
    root.main(args=args, prog_name="bizsuite")
    code = 0
except SystemExit as exc:
    code = exc.code or 0
def built(group):  # the commands a group has built (a plain dict holds them all)
    return getattr(group.commands, "_built", group.commands)

group = built(root).get(args[2]) if len(args) > 2 else None
said = {
    "code": code,
    "modules": sorted(sys.modules),
    "root_built": sorted(built(root)),
    "group_built": sorted(built(group)) if group is not None else None,
}
sys.stderr.write("\nSAID " + json.dumps(said) + "\n")
"""

# What no listing command needs: the TUI, schema upgrades (only when the books are behind), phone
# parsing, fuzzy matching, tests' tools, config files (the books are given with --db), and Rich
# (off a terminal the table is written without it).
NEVER = ("textual", "alembic", "phonenumbers", "rapidfuzz", "hypothesis", "rich", "tomllib")


def run(db: str, *args: str, terminal: bool = False) -> dict:
    argv = ["--db", db, *args]
    env = {k: v for k, v in os.environ.items()
           if k not in ("FORCE_COLOR", "TTY_COMPATIBLE", "NO_COLOR", "TTY_INTERACTIVE", "COLUMNS")}
    cmd = [sys.executable, "-c", RUN, json.dumps(argv)]
    if terminal:  # standard output on a pseudo-terminal, as a clerk runs it
        import pty

        env["TERM"] = "xterm-256color"
        master, slave = pty.openpty()
        try:
            done = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=slave, stderr=subprocess.PIPE,
                                  text=True, env=env)
        finally:
            os.close(slave)
        shown = b""
        try:
            while chunk := os.read(master, 65536):
                shown += chunk
        except OSError:  # EIO: the terminal's other end is closed, all is read
            pass
        os.close(master)
        done.stdout = shown.decode()
    else:
        done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    line = next((ln for ln in done.stderr.splitlines() if ln.startswith("SAID ")), None)
    assert line is not None, done.stderr
    said = json.loads(line[5:])
    assert said["code"] == 0, done.stderr
    said["stdout"] = done.stdout
    return said


def loaded(said: dict, package: str) -> bool:
    return any(m == package or m.startswith(package + ".") for m in said["modules"])


def models(said: dict) -> set[str]:
    return {m.rsplit(".", 2)[-2] for m in said["modules"] if m.startswith("bizsuite.") and m.endswith(".models")}


@pytest.fixture
def books(sqlite_store, sqlite_location) -> str:
    return str(sqlite_location.path)


@pytest.mark.parametrize("command, own_models", [
    (("contacts", "list"), {"core", "contacts"}),
    (("ledger", "trial-balance"), {"core", "contacts", "ledger"}),  # the ledger depends on contacts
])
def test_a_listing_command_loads_only_its_modules_and_nothing_heavy(books, command, own_models):
    said = run(books, *command)
    assert [p for p in NEVER if loaded(said, p)] == []
    assert models(said) == own_models
    assert not loaded(said, "bizsuite.screens") and not loaded(said, "bizsuite.widgets")
    assert said["stdout"].strip(), "the command printed its table"


def test_a_command_builds_only_itself(books):
    """Typer would build every command of the root and of the module (their signatures, their type
    hints) to run one: only the one asked for is built."""
    said = run(books, "contacts", "list")
    assert said["root_built"] == ["contacts"]
    assert said["group_built"] == ["list"]


def test_books_that_are_current_are_opened_without_alembic(books):
    """'Is the schema current' compares the stored revisions with the known heads, read from the
    revision files: Alembic is imported only when there is something to upgrade."""
    said = run(books, "contacts", "list")
    assert not loaded(said, "alembic")
    assert loaded(said, "bizsuite.migrations")  # the check did run


def test_on_a_terminal_a_listing_is_drawn_without_rich(books):
    said = run(books, "contacts", "list", terminal=True)
    assert not loaded(said, "rich")
    assert "\x1b[1m" in said["stdout"] and "Contacts" in said["stdout"]  # styled as Rich styles it

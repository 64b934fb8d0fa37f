"""Issue 8: the whole command line, fuzzed. Every command of the CLI (modules' lazy sub-apps
too), every option and argument given hostile values — huge and negative numbers, empty
strings, NUL and control characters, digits other than 0-9, impossible dates — on fresh books:
never a traceback, exit 0, 1 or 2; a refusal (1) is one line on stderr per problem (a single bad
value: one line), never a usage text; and a command that
refused (1 or 2) wrote nothing (the books' bytes are unchanged).

A hostile value may also be a fine one (``--search ""``, ``--limit 0``): then the command runs
(exit 0) and the test only asks that it said nothing like a traceback. Paths (-o, --rejects,
backup, the file of an import) are left out: a hostile name is a name the file system may take.
"""

from __future__ import annotations

import os
import shutil

import pytest
import typer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

HUGE = "99999999999999999999999"
HOSTILE = [
    "", " ", "\x00", "a\x00b", "\x1b[2J\x1b[31mred", "\r\n", "\t", "\x7f", "\u202e", "-1", "-" + HUGE, HUGE,
    "9" * 40, "0", "-0", "٥", "５", "²", "١٢", "1e309", "NaN", "inf", "0x10", "1,2", "#" + HUGE, "#-1", "#٥",
    "2026-02-30", "2025-13-01", "0000-01-01", "9999-12-31", "10000-01-01", "٢٠٢٦-01-05", "2026-01-05T25:00",
    "12345678901234567890123456789012", "Cash " + "9" * 32, "Cash ٥", "Cash -" + HUGE, "99999999999999999d",
]
values = st.one_of(st.sampled_from(HOSTILE),
                   st.text(st.characters(categories=["Cc", "Nd", "Zs", "Cf"]), max_size=6))

SKIP_COMMANDS = {"init", "demo", "backup", "restore"}  # make or replace whole books / files
PATH_PARAMS = {"--output", "--rejects", "dest", "src", "--load", "file"}
MISSING_FILE = "no-such-file.csv"  # a required path gets one that does not exist
EXAMPLES = 40  # per command: the 54 tests in about 45 s


def _commands():
    from bizsuite.cli import app

    def walk(cmd, path):
        if hasattr(cmd, "list_commands"):  # a group (modules' sub-apps load when asked for)
            ctx = cmd.context_class(cmd)
            for name in cmd.list_commands(ctx):
                yield from walk(cmd.get_command(ctx, name), (*path, name))
        else:
            yield path, cmd

    return [(path, cmd) for path, cmd in walk(typer.main.get_command(app), ()) if " ".join(path) not in SKIP_COMMANDS]


def _fuzzable(cmd):
    for p in cmd.params:
        option = p.opts[0].startswith("-")
        name = p.opts[0] if option else p.name
        if name in ("--help", "--format"):  # a bad -f is a usage error, always
            continue
        if name in PATH_PARAMS and not p.required:
            continue
        if getattr(p, "is_flag", False) or getattr(p, "count", False):
            continue
        yield name, option, p


COMMANDS = _commands()


def test_the_fuzz_reaches_every_command():
    names = {" ".join(path) for path, _ in COMMANDS}
    assert len(names) > 45
    assert {"ledger post", "tickets housekeep", "contacts edit", "ledger close-year", "users add"} <= names


@pytest.mark.parametrize("path, cmd", COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_hostile_values_never_make_a_traceback(cli, _template_books, tmp_path, path, cmd):
    params = list(_fuzzable(cmd))
    books = tmp_path / "fuzz.sqlite"

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(st.data())
    def run(data):
        shutil.copyfile(_template_books, books)
        for suffix in ("-wal", "-shm"):
            (tmp_path / f"fuzz.sqlite{suffix}").unlink(missing_ok=True)
        options, arguments = [], []
        for name, option, p in params:
            if not (p.required or data.draw(st.booleans(), label=f"give {name}")):
                continue
            value = MISSING_FILE if name in PATH_PARAMS else data.draw(values, label=name)
            if option:
                options.append(f"{name}={value}")
            else:
                arguments.append(value)
        before = books.read_bytes()
        # In this process: an OS cannot pass a NUL in argv, but the same text reaches the domain
        # from files, stdin and the screens.
        r = cli.in_process(cli._args((*path, *options, "--", *arguments), books), cwd=tmp_path)
        said = r.stdout + r.stderr
        if os.environ.get("FUZZ_LOG"):
            with open(os.environ["FUZZ_LOG"], "a") as log:
                log.write(f"{r.rc} {r.args[2:]!r} {r.stderr.strip()[:150]!r}\n")
        assert "Traceback" not in said, r
        assert r.rc in (0, 1, 2), r
        if r.rc == 1:  # one line per problem: a value that is wrong, a field or line that is missing
            assert 1 <= len(r.err_lines) <= len(options) + len(arguments) + 2, r
            assert not any(line.startswith(("Usage:", "Try ")) for line in r.err_lines), r
        if r.rc in (1, 2):
            assert r.stderr.strip(), r
            assert books.read_bytes() == before, r

    run()

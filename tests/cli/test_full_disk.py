"""Output to a full disk: exports and reports exit 1 with one line "cannot write …: No space
left on device", never "exported N …", a traceback, or "the books cannot be read … restore a
backup". /dev/full stands in for the full disk (every write to it fails with ENOSPC)."""

from __future__ import annotations

import os
import sqlite3
import stat

import pytest
import typer

from bizsuite.crm.contacts.models import ContactIn

FULL = "/dev/full"
pytestmark = pytest.mark.skipif(not os.path.exists(FULL), reason="needs /dev/full")
NO_SPACE = "No space left on device"


@pytest.fixture
def some_books(cli, books_path, data_dir):
    with cli.direct(books_path) as b:
        for i in range(60):
            b.contacts.add(ContactIn(name=f"Person {i:02d}", email=f"p{i}@example.com"))
    assert cli("ledger", "import", data_dir / "ledger" / "sample.journal", db=books_path).rc == 0
    for clerk in ("tom", "sara", "ann"):
        cli("users", "add", clerk, "--role", "clerk", db=books_path)
    r = cli("tickets", "import", data_dir / "tickets" / "tickets.csv", "--create-contacts", "--skip-invalid",
            db=books_path)
    assert r.rc == 0 and cli.count(books_path, "tickets") > 0, r
    return books_path


@pytest.mark.parametrize("module", ["contacts", "tickets", "ledger"])
def test_export_to_dev_full_is_one_line_and_leaves_the_device_alone(cli, some_books, module):
    for fmt in (("-f", "csv"), ("-f", "json")) if module != "ledger" else ((),):
        r = cli(module, "export", "-o", FULL, *fmt, db=some_books)
        assert (r.rc, r.err_lines, r.stdout) == (1, [f"cannot write {FULL}: {NO_SPACE}"], ""), r
    assert stat.S_ISCHR(os.stat(FULL).st_mode)  # still the device, not a file put in its place
    assert not os.path.exists(FULL + ".partial")


def test_export_to_a_device_that_works_writes_through_it(cli, some_books):
    n = cli.count(some_books, "contacts")
    r = cli("contacts", "export", "-o", "/dev/null", db=some_books)
    assert (r.rc, r.err_lines) == (0, [f"exported {n} contacts to /dev/null"]), r
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


@pytest.mark.parametrize("args", [
    ("contacts", "export"), ("contacts", "export", "-f", "json"), ("contacts", "list"),
    ("contacts", "list", "-f", "csv"), ("contacts", "show", "1", "-f", "json"), ("ledger", "export"),
    ("ledger", "trial-balance"), ("tickets", "list", "-f", "json"), ("tickets", "export"), ("check",), ("audit",),
])
def test_stdout_on_a_full_disk_is_one_line_and_exit_1(cli, some_books, args):
    with open(FULL, "w") as full:
        p = cli.popen(*args, db=some_books, stdout=full)
        _, err = p.communicate(timeout=120)
    lines = [line for line in err.splitlines() if line.strip()]
    assert (p.returncode, lines) == (1, [f"cannot write standard output: {NO_SPACE}"]), (args, err)


def test_a_closed_pipe_is_still_quiet(cli, some_books):
    p = cli.popen("contacts", "export", db=some_books)
    p.stdout.readline()
    p.stdout.close()
    _, err = p.communicate(timeout=120)
    assert "Traceback" not in err and "cannot write" not in err, err


def test_a_full_disk_under_the_books_is_not_called_damage(capsys):
    from sqlalchemy.exc import OperationalError

    from bizsuite.cli.common import refusals

    exc = OperationalError("INSERT INTO contacts …", {}, sqlite3.OperationalError("database or disk is full"))
    with pytest.raises(typer.Exit) as ended:
        with refusals():
            raise exc
    assert ended.value.exit_code == 1
    assert capsys.readouterr().err == "cannot write the books: No space left on device; nothing was written\n"

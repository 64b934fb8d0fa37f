"""``bizsuite backup`` of PostgreSQL books prints the pg_dump command, and it works as printed:
the libpq form of the URL (no ``+psycopg``, no password on the command line), the password
from a PGPASSFILE as pg_dump documents."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess

import pytest
from sqlalchemy.engine import make_url

from bizsuite.core.backup import libpq_url, pg_commands
from bizsuite.core.db import Location
from cli_runner import Bizsuite


def test_the_libpq_url_has_no_driver_and_no_password():
    url = "postgresql+psycopg://clerk:s3cr%3At@db.example:6543/my%20books?sslmode=require"
    assert libpq_url(url) == "postgresql://clerk@db.example:6543/my%20books?sslmode=require"
    dump, restore = pg_commands(Location(url, "test"), "/tmp/the books.dump")
    assert dump == ("pg_dump --format=custom --file='/tmp/the books.dump' "
                    "'postgresql://clerk@db.example:6543/my%20books?sslmode=require'")
    assert "s3cr" not in dump + restore and "+psycopg" not in dump + restore
    assert restore.startswith("pg_restore --clean --if-exists --dbname=")


def test_the_printed_pg_dump_command_makes_a_dump(store, owner, tmp_path):
    if store.location.is_sqlite:
        pytest.skip("PostgreSQL books only (SQLite books are backed up by bizsuite itself)")
    if not shutil.which("pg_dump"):
        pytest.skip("pg_dump is not installed")
    with store.transaction(owner) as books:
        books.ledger.load_chart("standard")
        books.ledger.post_entry("2025-01-02", "Opening cash", [("assets:bank:checking", "100.00"), ("income:sales", None)])
    url = store.location.url
    dest = tmp_path / "the books.dump"
    r = Bizsuite(tmp_path)("backup", str(dest), db=url)
    assert r.rc == 1 and not dest.exists(), r  # bizsuite itself wrote nothing
    commands = [ln for ln in r.stderr.splitlines() if ln.startswith("pg_dump ")]
    assert len(commands) == 1, r.stderr
    command = commands[0]
    u = make_url(url)
    assert "+psycopg" not in command and f":{u.password}@" not in command, command
    assert "PGPASSFILE" in r.stderr and ".pgpass" in r.stderr

    passfile = tmp_path / "pgpass"
    passfile.write_text(f"{u.host}:{u.port or 5432}:{u.database}:{u.username}:{u.password}\n")
    passfile.chmod(0o600)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["PGPASSFILE"] = str(passfile)
    done = subprocess.run(command, shell=True, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert dest.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
    listing = subprocess.run(["pg_restore", "--list", str(dest)], capture_output=True, text=True, timeout=60)
    assert listing.returncode == 0 and "ledger_lines" in listing.stdout

    # without the password file the same command is refused by the server, not given a password
    env["PGPASSFILE"] = str(tmp_path / "none")
    failed = subprocess.run(shlex.split(command) + ["--no-password"], env=env, cwd=tmp_path, capture_output=True,
                            text=True, timeout=120)
    assert failed.returncode != 0 and "password" in failed.stderr

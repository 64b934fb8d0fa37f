"""What the environment may and may not change: BIZSUITE_DB picks the books; nothing dates them."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

PAST = "2001-02-03T04:05:06+00:00"


def test_a_real_process_with_bizsuite_frozen_now_set_still_audits_the_real_time(cli, books_path):
    before = datetime.now(timezone.utc) - timedelta(seconds=1)
    env = {"BIZSUITE_FROZEN_NOW": PAST}
    r = cli.process("contacts", "add", "Backdated Bob", db=books_path, env=env)
    assert r.rc == 0, r
    r = cli.process("tickets", "new", "Backdated ticket", "--contact", "Backdated Bob", db=books_path, env=env)
    assert r.rc == 0, r
    r = cli.process("audit", "--format", "json", db=books_path, env=env)
    assert r.rc == 0, r
    after = datetime.now(timezone.utc) + timedelta(seconds=1)
    stamps = {(e["entity"], e["action"]): datetime.fromisoformat(e["at"]) for e in json.loads(r.stdout)}
    assert ("contacts", "insert") in stamps and ("tickets", "insert") in stamps, stamps
    for key, at in stamps.items():
        if key[0] in ("contacts", "tickets"):
            at = at if at.tzinfo else at.replace(tzinfo=timezone.utc)
            assert before <= at <= after, (key, at)
    created = cli.sql(books_path, "SELECT created_at FROM tickets")[0][0]
    assert not created.startswith("2001"), created


def test_nothing_in_the_program_reads_the_frozen_clock_variable():
    root = Path(__file__).resolve().parents[2] / "bizsuite"
    readers = [str(p) for p in root.rglob("*.py") if "FROZEN_NOW" in p.read_text(encoding="utf-8")]
    assert readers == []


def test_the_test_launcher_freezes_the_clock_in_the_process_it_starts(cli, books_path):
    r = cli.process("contacts", "add", "Dated Dora", db=books_path, now=PAST)
    assert r.rc == 0, r
    r = cli.process("audit", "--format", "json", "--entity", "contacts", db=books_path)
    assert [e["at"][:10] for e in json.loads(r.stdout)] == ["2001-02-03"], r


def test_bizsuite_db_in_the_environment_picks_the_books_and_db_comes_first(cli, books_path, tmp_path):
    r = cli.process("contacts", "add", "Env Eve", env={"BIZSUITE_DB": str(books_path)})
    assert r.rc == 0, r
    assert cli.sql(books_path, "SELECT name FROM contacts") == [("Env Eve",)]
    r = cli.process("contacts", "list", "--format", "csv", db=books_path, env={"BIZSUITE_DB": str(tmp_path / "none")})
    assert r.rc == 0 and "Env Eve" in r.stdout, r

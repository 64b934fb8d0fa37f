"""``bizsuite init | users | audit | backup | restore | check`` on the command line, as scripts see it."""

from __future__ import annotations

import csv
import io
import json
import sqlite3

from bizsuite.core.auth import os_login
from bizsuite.crm.contacts.models import ContactIn

ME = os_login()


def dump(path) -> dict[str, list]:
    """Every row of every ordinary table, read with raw sqlite3."""
    conn = sqlite3.connect(path)
    try:
        tables = [t for (t,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
            "AND name NOT LIKE 'contacts_fts%' ORDER BY name")]
        return {t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables}
    finally:
        conn.close()


def users(cli, db) -> dict[str, str]:
    r = cli("users", "list", "--format", "csv", db=db)
    assert r.rc == 0, r
    return {row["name"]: row["role"] for row in csv.DictReader(io.StringIO(r.stdout))}


def test_init_creates_books_and_is_idempotent(cli, tmp_path):
    db = tmp_path / "sub" / "books.sqlite"
    r = cli("init", "--company", "Lee & Co", "--currency", "eur", "--region", "gb", db=db)
    assert r.rc == 0, r
    assert f"{ME} is the owner" in r.stdout and db.exists()
    settings = dict(cli.sql(db, "SELECT key, value FROM settings"))
    assert (settings["company.name"], settings["company.currency"], settings["contacts.phone_region"]) == (
        "Lee & Co", "EUR", "GB")
    assert cli.sql(db, "SELECT name, role, active FROM users") == [(ME, "owner", 1)]
    before = dump(db)
    r = cli("init", "--company", "Other Name", "--currency", "USD", db=db)
    assert r.rc == 0, r
    assert "nothing changed" in r.stdout
    assert dump(db) == before  # not the name, not the currency, not the audit log


def test_init_refuses_bad_options_and_writes_no_file(cli, tmp_path):
    db = tmp_path / "books.sqlite"
    for args, fragment in ((["--currency", "dollars"], "currency"), (["--region", "XX"], "region"),
                           (["--company", "  "], "company")):
        r = cli("init", *args, db=db)
        assert r.rc == 1 and len(r.err_lines) == 1 and fragment in r.stderr, r
    assert list(tmp_path.iterdir()) == [tmp_path / "home"]


def test_users_add_list_set_role_remove(cli, books_path):
    r = cli("users", "add", "bob", "--role", "sales", db=books_path)
    assert r.rc == 0 and "bob may now use the books as sales" in r.stdout, r
    assert users(cli, books_path) == {ME: "owner", "bob": "sales"}
    r = cli("users", "add", "bob", "--role", "viewer", db=books_path)
    assert r.rc == 1 and r.err_lines == ["bob is already a user (sales)"], r
    r = cli("users", "add", "carl", "--role", "boss", db=books_path)
    assert r.rc == 1 and len(r.err_lines) == 1 and "'boss' is not one of" in r.stderr, r
    assert cli("users", "set-role", "bob", "support", db=books_path).rc == 0
    assert cli.sql(books_path, "SELECT role, active FROM users WHERE name = 'bob'") == [("support", 1)]
    assert cli("users", "remove", "bob", db=books_path).rc == 0
    r = cli("users", "list", "--all", "--format", "json", db=books_path)
    assert {u["name"]: (u["role"], u["active"]) for u in json.loads(r.stdout)} == {
        ME: ("owner", True), "bob": ("support", False)}
    assert users(cli, books_path) == {ME: "owner"}  # without --all: active users only
    r = cli("users", "remove", "nobody", db=books_path)
    assert r.rc == 1 and r.err_lines == ["no bizsuite user 'nobody'"], r


def test_the_last_owner_cannot_be_removed_or_demoted(cli, books_path):
    before = dump(books_path)
    for args in (["users", "remove", ME], ["users", "set-role", ME, "viewer"]):
        r = cli(*args, db=books_path)
        assert r.rc == 1, r
        assert r.err_lines == [f"{ME} is the last owner; make someone else owner first"]
    assert dump(books_path) == before


def test_a_non_owner_may_not_act_as_someone_else(cli, books_path):
    with cli.direct(books_path) as b:
        b.admin.add_user("alice", "owner")
        b.admin.add_user("bob", "sales")
    r = cli("users", "set-role", ME, "viewer", db=books_path)  # alice stays owner, so this is allowed
    assert r.rc == 0, r
    before = dump(books_path)
    r = cli("--as", "alice", "contacts", "add", "As Alice", db=books_path)
    assert r.rc == 1, r
    assert r.err_lines == [f"only the owner may act as another user (--as); {ME} is viewer"]
    # as a viewer the OS user may not change users either (nor make themselves owner again)
    r = cli("users", "set-role", ME, "owner", db=books_path)
    assert r.rc == 1 and len(r.err_lines) == 1 and r.stderr.startswith(f"{ME} (viewer) may not "), r
    assert "admin" in r.stderr and "ask the owner" in r.stderr
    assert dump(books_path) == before
    assert cli.sql(books_path, "SELECT name, role FROM users ORDER BY name") == sorted(
        [(ME, "viewer"), ("alice", "owner"), ("bob", "sales")])


def test_an_unknown_os_user_is_told_who_can_add_them(cli, books_path):
    assert cli("users", "add", "alice", "--role", "owner", db=books_path).rc == 0
    assert cli("users", "remove", ME, db=books_path).rc == 0
    before = dump(books_path)
    for args in (["contacts", "list"], ["contacts", "add", "X"]):
        r = cli(*args, db=books_path)
        assert r.rc == 1, r
        assert r.err_lines == [f"{ME} is not a bizsuite user of these books; "
                               f"alice can add you with: bizsuite users add {ME} --role ROLE"]
    assert dump(books_path) == before


def test_owner_acting_as_is_audited_and_audit_filters(cli, books_path):
    from datetime import datetime, timezone

    from bizsuite.core import clock

    with clock.freeze(datetime(2030, 1, 10, 10, tzinfo=timezone.utc)), cli.direct(books_path) as b:
        b.admin.add_user("bob", "sales")
        ann = b.contacts.add(ContactIn(name="Early Ann", tags=["x"])).id
    # the owner acts as bob on the command line, a month later
    r = cli("--as", "bob", "contacts", "add", "Late Bob", db=books_path,
            now="2030-02-10T10:00:00+00:00")
    assert r.rc == 0, r
    with clock.freeze(datetime(2030, 2, 10, 11, tzinfo=timezone.utc)), cli.direct(books_path) as b:
        data = b.contacts.as_input(b.contacts.get(ann))
        data.city = "Rome"
        b.contacts.update(ann, data)

    def audit(*args):
        r = cli("audit", "--format", "json", *args, db=books_path)
        assert r.rc == 0, r
        return sorted((e["user"], e["via"], e["entity"], e["action"], e["at"][:10]) for e in json.loads(r.stdout))

    late_bob = ("bob", ME, "contacts", "insert", "2030-02-10")  # bob's name, and who really did it
    late_edit = (ME, "", "contacts", "update", "2030-02-10")
    assert audit("--entity", "contacts") == sorted([(ME, "", "contacts", "insert", "2030-01-10"), late_bob,
                                                    late_edit])
    assert audit("--entity", "contacts", "--user", "bob") == [late_bob]
    assert audit("--entity", "contacts", "--since", "2030-02-01") == sorted([late_bob, late_edit])
    # --user matches what a user did, and what the owner did as someone else (via)
    assert audit("--user", ME, "--since", "2030-02-01") == sorted([late_bob, late_edit])
    r = cli("audit", "--since", "last week", db=books_path)
    assert r.rc == 1 and len(r.err_lines) == 1 and "--since" in r.stderr
    # the table view shows an update as old → new
    r = cli("audit", "--entity", "contacts", "--since", "2030-02-10T10:30+00:00", db=books_path)
    assert r.rc == 0 and "city: None → Rome" in r.stdout and "Late Bob" not in r.stdout, r


def test_backup_and_restore_round_trip(cli, books_path, tmp_path, data_dir):
    assert cli("contacts", "import", data_dir / "contacts_ours.csv", db=books_path).rc == 0
    backup = tmp_path / "backup.sqlite"
    r = cli("backup", backup, db=books_path)
    assert r.rc == 0 and "5 contacts" in r.stdout, r
    r = cli("backup", backup, db=books_path)  # never overwrites
    assert r.rc == 1 and "already exists" in r.stderr, r
    restored = tmp_path / "restored" / "books.sqlite"
    r = cli("restore", backup, db=restored)
    assert r.rc == 0, r
    assert dump(restored) == dump(books_path)
    assert cli("check", db=restored).rc == 0


def test_restore_onto_books_with_data_needs_force(cli, books_path, tmp_path):
    with cli.direct(books_path) as b:
        b.contacts.add(ContactIn(name="In the backup"))
    backup = tmp_path / "backup.sqlite"
    assert cli("backup", backup, db=books_path).rc == 0
    with cli.direct(books_path) as b:
        b.contacts.add(ContactIn(name="Added after the backup"))
    before = dump(books_path)
    r = cli("restore", backup, db=books_path)
    assert r.rc == 1 and len(r.err_lines) == 1, r
    assert "2 contacts" in r.stderr and "--force" in r.stderr
    assert dump(books_path) == before
    r = cli("restore", backup, "--force", db=books_path)
    assert r.rc == 0, r
    assert cli.sql(books_path, "SELECT name FROM contacts") == [("In the backup",)]
    assert cli("check", db=books_path).rc == 0


def test_restore_refuses_a_file_that_is_not_a_backup(cli, books_path, tmp_path):
    fake = tmp_path / "fake.sqlite"
    fake.write_bytes(b"not a database at all")
    before = dump(books_path)
    r = cli("restore", fake, "--force", db=books_path)
    assert r.rc == 1 and len(r.err_lines) == 1 and "not a bizsuite backup" in r.stderr, r
    assert dump(books_path) == before


def test_check_passes_then_fails_on_stale_search_text(cli, books_path, data_dir):
    assert cli("contacts", "import", data_dir / "contacts_ours.csv", db=books_path).rc == 0
    r = cli("check", db=books_path)
    assert r.rc == 0, r
    assert "FAILED" not in r.stdout and "contact search text up to date" in r.stdout
    conn = sqlite3.connect(books_path)
    with conn:
        conn.execute("UPDATE contacts SET search_text = 'x'")
    conn.close()
    r = cli("check", db=books_path)
    assert r.rc == 1, r
    assert r.err_lines == ["check failed: contact search text up to date: 5 contacts have stale search text"]
    r = cli("check", "--format", "json", db=books_path)
    assert {c["check"]: c["ok"] for c in json.loads(r.stdout)}["contact search text up to date"] == "FAILED"


def test_restore_onto_books_with_any_module_data_needs_force(cli, books_path, tmp_path):
    """Not only contacts: books holding only a ledger entry are not replaced without --force."""
    backup = tmp_path / "empty-backup.sqlite"
    assert cli("backup", backup, db=books_path).rc == 0
    with cli.direct(books_path) as b:
        b.ledger.load_chart("standard")
        b.ledger.post_entry("2026-01-05", "owner's capital", [("assets:bank:checking", 100),
                                                              ("equity:owner capital", None)])
    before = dump(books_path)
    r = cli("restore", backup, db=books_path)
    assert r.rc == 1 and len(r.err_lines) == 1, r
    assert "ledger entries" in r.stderr and "--force" in r.stderr and "contacts" not in r.stderr
    assert dump(books_path) == before

"""``bizsuite tickets …`` on the command line (tests/cli_runner.py): exit codes, one line per problem, nothing written."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import pytest

from bizsuite.core.auth import os_login
from bizsuite.core.db import Location, to_url
from bizsuite.core.store import Store
from bizsuite.crm.contacts.models import ContactIn
from cli_runner import Bizsuite, Result  # the one CLI runner, tests/cli_runner.py

DATA = Path(__file__).resolve().parents[2] / "data" / "tickets"
NOW = "2026-03-16T09:30:00+00:00"  # a Monday


class Run(Bizsuite):
    """``run(*args, now=…)``: ``bizsuite --db BOOKS *args`` with the clock at ``now`` (default NOW)."""

    def __init__(self, db: Path):
        super().__init__(db.parent, db=db, now=NOW, env={"TZ": "UTC"})

    def __call__(self, *args, now: str = NOW, stdin: str = "") -> Result:
        return super().__call__(*args, now=now, input=stdin, timeout=60)

    def sql(self, query: str, *params):
        with sqlite3.connect(self.db) as conn:
            return conn.execute(query, params).fetchall()

    def counts(self) -> tuple:
        return tuple(self.sql(f"SELECT count(*) FROM {t}")[0][0]
                     for t in ("tickets", "ticket_messages", "ticket_events", "ticket_tags", "contacts"))


def err(r) -> list[str]:
    return [line for line in r.stderr.splitlines() if line.strip()]


@pytest.fixture
def run(tmp_path) -> Run:
    db = tmp_path / "books.sqlite"
    store = Store.open_or_create_empty(Location(to_url(str(db)), "test"))
    store.initialise(company="Test Co", currency="USD", owner=os_login())
    with store.transaction(store.actor_for(os_login())) as b:
        for name, role in (("tom", "support"), ("sam", "sales"), ("wes", "warehouse"), ("vic", "viewer")):
            b.admin.add_user(name, role)
        b.contacts.add(ContactIn(name="Alice Martin", email="alice@acme.example"))
        b.contacts.add(ContactIn(name="王小明", email="xiaoming@bjkj.cn"))
    store.close()
    return Run(db)


def test_open_reply_and_follow_a_ticket(run):
    r = run("tickets", "new", "Order 1042 arrived damaged", "--contact", "alice@acme.example", "-p", "urgent",
            "--assignee", "tom", "--tag", "damage;mugs", "--channel", "walk-in", "-d", "-", stdin="Two mugs broken.\n")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "opened #1 Order 1042 arrived damaged; first response due 2026-03-16 10:30\n"
    r = run("tickets", "reply", "1", "We are sending a replacement.", now="2026-03-16T09:50:00+00:00")
    assert (r.returncode, r.stdout) == (0, "replied to #1 (open)\n")
    r = run("tickets", "reply", "1", "Check stock first", "--internal", now="2026-03-16T09:55:00+00:00")
    assert (r.returncode, r.stdout) == (0, "added an internal note to #1 (open)\n")
    shown = json.loads(run("tickets", "show", "#1", "--format", "json", now="2026-03-16T10:00:00+00:00").stdout)
    assert (shown["status"], shown["channel"], shown["assignee"], shown["tags"]) == ("open", "walk_in", "tom",
                                                                                      ["damage", "mugs"])
    assert shown["description"] == "Two mugs broken."
    assert shown["first_response_at"] == "2026-03-16T09:50:00+00:00"
    assert shown["clocks"]["first_response"]["state"] == "met"
    assert shown["clocks"]["resolution"]["due"] == "2026-03-16T13:30:00+00:00"
    assert [m["kind"] for m in shown["messages"]] == ["reply", "note"]
    table = run("tickets", "show", "1", now="2026-03-16T10:00:00+00:00").stdout
    assert "first response  met 2026-03-16 09:50" in table and "due 2026-03-16 13:30 (in 3h 30m)" in table
    r = run("tickets", "status", "1", "pending")
    assert (r.returncode, r.stdout) == (0, "#1 is pending\n")
    r = run("tickets", "reply", "1", "Got it, thanks", "--customer")
    assert (r.returncode, r.stdout) == (0, "recorded the customer's reply on #1 (open)\n")
    r = run("tickets", "reply", "1", "Done.", "--status", "resolved")
    assert (r.returncode, r.stdout) == (0, "replied to #1 (resolved)\n")


@pytest.fixture
def closed(run):
    assert run("tickets", "new", "Old issue", "-c", "Alice Martin").returncode == 0
    assert run("tickets", "status", "1", "closed").returncode == 0
    return run


def test_closed_to_open_is_one_line_exit_1_and_nothing_written(closed):
    before = closed.counts()
    r = closed("tickets", "status", "1", "open")
    assert (r.returncode, r.stdout) == (1, "")
    assert err(r) == ["ticket #1 is closed and cannot become open: closed tickets stay closed; "
                      "open a new ticket that refers to it"]
    assert closed.counts() == before


def test_a_reply_to_a_closed_ticket_is_refused(closed):
    before = closed.counts()
    for extra in ((), ("--internal",), ("--customer",)):
        r = closed("tickets", "reply", "1", "Any news?", *extra)
        assert r.returncode == 1
        assert err(r) == ["ticket #1 is closed and takes no more replies: closed tickets stay closed; "
                          "open a new ticket that refers to it"]
    assert closed.counts() == before
    r = closed("tickets", "new", "Still broken", "-c", "Alice Martin", "--related", "1")
    assert r.returncode == 0 and closed.sql("SELECT related_id FROM tickets WHERE id = 2") == [(1,)]


@pytest.mark.parametrize("user, line", [
    ("zed", "assignee: 'zed' is not a bizsuite user"),
    ("sam", "assignee: sam (sales) may not work tickets; assign a support user or the owner"),
    ("vic", "assignee: vic (viewer) may not work tickets; assign a support user or the owner"),
])
def test_a_bad_assignee_is_one_line_and_nothing_written(run, user, line):
    assert run("tickets", "new", "Hello", "-c", "1").returncode == 0
    before = run.counts()
    r = run("tickets", "assign", "1", user)
    assert (r.returncode, err(r)) == (1, [line])
    r = run("tickets", "new", "Another", "-c", "1", "--assignee", user)
    assert (r.returncode, err(r)) == (1, [line])
    assert run.counts() == before


def test_an_empty_subject_and_an_unknown_contact(run):
    r = run("tickets", "new", "  ", "-c", "1")
    assert (r.returncode, err(r)) == (1, ["subject: is required"])
    r = run("tickets", "new", "Hello", "-c", "nobody@example.com")
    assert (r.returncode, err(r)) == (1, ["no contact named 'nobody@example.com'"])
    assert run.counts()[:4] == (0, 0, 0, 0)


@pytest.mark.parametrize("who, role", [("sam", "sales"), ("wes", "warehouse")])
def test_sales_and_warehouse_may_not_read_tickets(run, who, role):
    assert run("tickets", "new", "Hello", "-c", "1").returncode == 0
    line = f"{who} ({role}) may not see tickets; ask the owner for a role that may"
    for args in (("list", "--breached"), ("show", "1"), ("export",)):
        r = run("--as", who, "tickets", *args)
        assert (r.returncode, r.stdout, err(r)) == (1, "", [line]), args
    r = run("--as", "vic", "tickets", "list", "--format", "csv")
    assert r.returncode == 0 and "Hello" in r.stdout
    r = run("--as", "vic", "tickets", "reply", "1", "hi")
    assert err(r) == ["vic (viewer) may not change tickets; ask the owner for a role that may"]


def test_list_filters_and_formats(run):
    for args in (("Checkout fails", "-p", "urgent"), ("Invoice wrong", "-p", "normal", "-a", "tom"),
                 ("Price list", "-p", "low", "-a", os_login())):
        assert run("tickets", "new", *args, "-c", "1", now="2026-03-16T08:00:00+00:00").returncode == 0
    later = "2026-03-16T10:30:00+00:00"  # the urgent one's first response was due at 10:00

    def ids(*args):
        r = run("tickets", "list", "--format", "csv", *args, now=later)
        assert r.returncode == 0, r.stderr
        return [int(row["id"]) for row in csv.DictReader(io.StringIO(r.stdout))]

    assert ids() == [1, 2, 3]  # nearest due first
    assert ids("--breached") == [1]
    assert ids("--mine") == [3]
    assert ids("--unassigned") == [1]
    assert ids("--assignee", "tom") == [2]
    assert ids("--priority", "low", "--priority", "normal") == [2, 3]
    assert ids("--search", "invoice") == [2]
    assert ids("--contact", "王小明") == []
    assert ids("--status", "closed") == []
    rows = json.loads(run("tickets", "list", "--format", "json", now=later).stdout)
    assert rows[0]["breached"] is True and rows[0]["sla_due"] == "2026-03-16T10:00:00+00:00"
    table = run("tickets", "list", "--breached", now=later).stdout
    assert "!! breached" in table and "Checkout fails" in table
    r = run("tickets", "list", "--mine", "--unassigned")
    assert r.returncode == 2


def test_import_refuses_unknown_contacts_unless_asked(run, tmp_path):
    before = run.counts()
    r = run("tickets", "import", DATA / "tickets_mistakes.csv")
    assert r.returncode == 1
    lines = err(r)
    assert f"{DATA / 'tickets_mistakes.csv'}:4: contact: no contact named 'Nobody Known'; add it first or use " \
           "--create-contacts" in lines
    assert len(lines) == 6 and run.counts() == before
    rejects = tmp_path / "rejects.csv"
    r = run("tickets", "import", DATA / "tickets_mistakes.csv", "--dry-run", "--rejects", rejects)
    assert r.returncode == 1 and "would import 1" in r.stdout and run.counts() == before
    assert len(list(csv.DictReader(rejects.open()))) == 6
    ok = tmp_path / "ok.csv"
    ok.write_text("subject,contact,email\nHello,Nobody Known,\nHi,Alice Martin,\n", encoding="utf-8")
    r = run("tickets", "import", ok)
    assert (r.returncode, err(r)) == (1, [f"{ok}:2: contact: no contact named 'Nobody Known'; add it first or use "
                                          "--create-contacts"])
    r = run("tickets", "import", ok, "--create-contacts")
    assert (r.returncode, r.stdout.strip()) == (0, f"{ok}: 2 rows read, imported 2, 1 contacts created")
    r = run("tickets", "import", ok, "--create-contacts")
    assert r.stdout.strip() == f"{ok}: 2 rows read, imported 0, 2 already present"


def test_export_housekeep_stats_and_sla(run, tmp_path):
    assert run("tickets", "import", DATA / "tickets.csv", "--create-contacts").returncode == 0
    out = tmp_path / "t.csv"
    r = run("tickets", "export", "-o", out)
    assert r.returncode == 0 and err(r) == [f"exported 4 tickets to {out}"]
    assert [row["ref"] for row in csv.DictReader(out.open(encoding="utf-8"))] == ["ZD-104", "ZD-103", "ZD-102", "ZD-101"]
    r = run("tickets", "housekeep", "--days", "7")
    assert (r.returncode, r.stdout) == (0, "closed 1 ticket resolved more than 7 days ago\n")
    assert run.sql("SELECT import_key, status FROM tickets WHERE status = 'closed'") == [("ref:ZD-102", "closed")]
    stats = json.loads(run("tickets", "stats", "--since", "2026-03-01", "--format", "json").stdout)
    assert stats["open"]["open"]["high"] == 1 and stats["open"]["new"]["low"] == 1
    assert stats["created"] == 4 and stats["resolved"] == 1
    assert stats["median_first_response_business_minutes"] == 25.0
    r = run("tickets", "sla", "--format", "csv")
    assert r.stdout.splitlines()[1] == "urgent,60,240"
    policy = tmp_path / "p.toml"
    policy.write_text('timezone = "UTC"\n[targets]\nurgent = { first_response = "30m" }\n', encoding="utf-8")
    r = run("tickets", "sla", "--load", policy, "--format", "csv")
    assert r.returncode == 0 and r.stdout.splitlines()[1] == "urgent,30,240"
    assert "due times of" in r.stderr
    policy.write_text('hours = ["9-5"]\n', encoding="utf-8")
    r = run("tickets", "sla", "--load", policy)
    assert (r.returncode, err(r)) == (1, ["hours: '9-5' is not a range such as \"09:00-17:00\""])
    r = run("--as", "tom", "tickets", "sla", "--reset")
    assert r.returncode == 1 and err(r) == ["tom (support) may not change the SLA policy; only the owner may"]
    r = run("check")
    assert r.returncode == 0, r.stdout


def test_changing_commands_print_the_record_as_show_does_with_format_json(run):
    """new, reply, assign, status and priority with -f json: exactly `tickets show N -f json`."""
    r = run("tickets", "new", "Order 1042 arrived damaged", "-c", "alice@acme.example", "-p", "urgent",
            "--tag", "damage", "--format", "json")
    assert r.returncode == 0, r.stderr
    record = json.loads(r.stdout)
    assert (record["id"], record["status"], record["priority"], record["tags"]) == (1, "new", "urgent", ["damage"])
    assert r.stdout == run("tickets", "show", "1", "--format", "json").stdout
    for args in (("reply", "1", "A replacement ships today."), ("assign", "1", "tom"), ("status", "1", "pending"),
                 ("priority", "1", "high")):
        r = run("tickets", *args, "-f", "json")
        assert r.returncode == 0, r.stderr
        assert r.stdout == run("tickets", "show", "1", "-f", "json").stdout, args
    assert json.loads(r.stdout)["history"][-1] == {"at": NOW, "actor": os_login(), "kind": "priority",
                                                   "old": "urgent", "new": "high"}
    before = run.counts()
    r = run("tickets", "status", "1", "open", "-f", "csv")
    assert (r.returncode, r.stdout) == (2, "") and before == run.counts()
    assert err(r)[-1].endswith("--format: give table or json (a changed ticket is one record, not a list)")
    assert run("tickets", "status", "1", "open").stdout == "#1 is open\n"  # prose stays the default

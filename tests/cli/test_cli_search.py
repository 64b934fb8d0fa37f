"""``bizsuite search``: every installed module's searcher, only what the role may see."""

from __future__ import annotations

import csv
import io
import json

from typer.testing import CliRunner

from bizsuite.cli import app
from bizsuite.crm.contacts.models import ContactIn
from bizsuite.crm.tickets.models import TicketIn


def _books(sqlite_store, owner_name):
    owner = sqlite_store.actor_for(owner_name)
    with sqlite_store.transaction(owner) as b:
        b.ledger.load_chart("standard")
        cid = b.contacts.add(ContactIn(name="Checking Chen", kind="person", email="chen@example.org")).id
        b.admin.add_user("sue", "support")
        t = b.tickets.add(TicketIn(subject="Cannot find the checking statement", contact_id=cid)).id
    return sqlite_store.location.url.removeprefix("sqlite:///"), cid, t


def test_search_finds_contacts_accounts_and_tickets_in_one_list(sqlite_store, owner_name):
    db, cid, ticket = _books(sqlite_store, owner_name)
    out = CliRunner().invoke(app, ["--db", db, "search", "checking", "-f", "csv"])
    assert out.exit_code == 0, out.output
    rows = list(csv.DictReader(io.StringIO(out.output)))
    kinds = {(r["kind"], r["number"]) for r in rows}
    assert ("contact", f"#{cid}") in kinds
    assert ("account", "1010") in kinds  # assets:bank:checking by name, numbered by its code
    assert any(r["kind"] == "ticket" for r in rows)
    exact = CliRunner().invoke(app, ["--db", db, "search", f"#{ticket}", "-f", "json"])
    assert json.loads(exact.output)[0]["kind"] == "ticket"


def test_search_shows_only_what_the_role_may_see(sqlite_store, owner_name):
    db, _, _ = _books(sqlite_store, owner_name)
    out = CliRunner().invoke(app, ["--db", db, "--as", "sue", "search", "checking", "-f", "csv"])
    assert out.exit_code == 0, out.output
    kinds = {r["kind"] for r in csv.DictReader(io.StringIO(out.output))}
    assert kinds == {"contact", "ticket"}  # support may not see the ledger

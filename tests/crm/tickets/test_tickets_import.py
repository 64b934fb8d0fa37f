"""Importing and exporting tickets: documented CSV, contacts by email or name, all or nothing."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bizsuite.core import clock
from bizsuite.core.errors import PermissionDenied
from bizsuite.core.importer import ImportFailed
from bizsuite.crm.contacts.models import Contact
from bizsuite.crm.tickets.importer import export_csv, export_json, import_tickets
from bizsuite.crm.tickets.models import Ticket, TicketEvent, TicketIn

MON = datetime(2026, 3, 16, 9, 30, tzinfo=timezone.utc)  # a Monday: tests/conftest.py's frozen now
DATA = Path(__file__).resolve().parents[2] / "data" / "tickets"
UTC = timezone.utc


def n(books, model) -> int:
    return books.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def tom(store, owner):
    with store.transaction(owner) as b:
        b.admin.add_user("tom", "support")
        b.admin.add_user("sam", "sales")


def test_import_finds_contacts_by_email_or_name_and_keeps_the_history(store, owner, people, tom):
    with clock.freeze(MON), store.transaction(owner) as b:
        report = import_tickets(b, DATA / "tickets.csv", display="tickets.csv")
    assert (report.read, report.imported, report.unchanged, report.rejected) == (4, 4, 0, [])
    with clock.freeze(MON), store.read(owner) as b:
        by_ref = {t.import_key: t for t in b.session.scalars(select(Ticket))}
        damaged = by_ref["ref:ZD-101"]
        assert (damaged.contact_id, damaged.status, damaged.priority, damaged.assignee) == (
            people["Alice Martin"], "open", "high", "tom")
        assert damaged.description == "Two of six mugs broken.\nPhotos attached."
        assert damaged.created_at == datetime(2026, 3, 13, 10, 15, tzinfo=UTC)  # local time = UTC here
        assert damaged.first_response_at == datetime(2026, 3, 13, 10, 40, tzinfo=UTC)
        assert damaged.response_secs == 25 * 60 and damaged.response_due is None
        assert b.tickets.tags_of(damaged.id) == ["damage", "mugs"]
        vat = by_ref["ref:ZD-102"]
        assert (vat.contact_id, vat.status, vat.channel) == (people["王小明"], "resolved", "phone")
        assert vat.resolved_at == datetime(2026, 3, 3, 11, tzinfo=UTC)
        assert [s for _, s in b.tickets.history(vat.id)] == ["new", "open", "resolved"]
        assert vat.resolution_secs == 5 * 3600 and not vat.sla_missed  # Mon 14:00 → Tue 11:00
        assert by_ref["ref:ZD-103"].contact_id == people["王小明"]  # by name, in Chinese
        parcel = by_ref["ref:ZD-104"]
        assert (parcel.status, parcel.channel, parcel.sla_due) == ("pending", "walk_in", None)
        assert b.tickets.stale_sla() == []
    with clock.freeze(MON), store.transaction(owner) as b:
        again = import_tickets(b, DATA / "tickets.csv")
    assert (again.imported, again.unchanged) == (0, 4)


@pytest.mark.parametrize("each_up_to, rows", [(10_000, 4), (2, 1)])
def test_imported_tickets_are_audited_one_by_one_or_as_one_load(store, owner, people, tom, monkeypatch,
                                                                each_up_to, rows):
    from bizsuite.core import audit

    monkeypatch.setattr(audit, "EACH_UP_TO", each_up_to)
    with clock.freeze(MON), store.transaction(owner) as b:
        import_tickets(b, DATA / "tickets.csv", display="tickets.csv")
    with store.read(owner) as b:
        inserts = [e for e in b.admin.audit(entity="tickets") if e.action == "insert"]
        assert len(inserts) == rows
        assert all(json.loads(e.changes)["source"] == [None, "import tickets.csv"] for e in inserts)
        some = b.session.scalars(select(Ticket.id)).first()
        assert [e.id for e in b.admin.audit(entity="tickets", entity_id=str(some))
                if e.action == "insert"] != []  # any ticket's history shows how it came in


def test_bad_rows_refuse_the_whole_import_one_line_each(store, owner, people, tom):
    with clock.freeze(MON), pytest.raises(ImportFailed) as exc:
        with store.transaction(owner) as b:
            import_tickets(b, DATA / "tickets_mistakes.csv", display="m.csv")
    assert exc.value.problems == [
        "m.csv:3: subject: is required",
        "m.csv:4: contact: no contact named 'Nobody Known'; add it first or use --create-contacts",
        "m.csv:5: priority: 'asap' is not one of: low, normal, high, urgent",
        "m.csv:6: assignee: sam (sales) may not work tickets; assign a support user or the owner",
        "m.csv:7: created: 'yesterday' is not a date such as 2026-03-14 or 2026-03-14 09:30",
        "m.csv:8: contact: no contact with email ghost@nowhere.example; add it first or use --create-contacts",
    ]
    with store.read(owner) as b:
        assert (n(b, Ticket), n(b, TicketEvent), n(b, Contact)) == (0, 0, 3)


def test_skip_invalid_imports_the_good_rows_and_writes_the_rejects(store, owner, people, tom, tmp_path):
    rejects = tmp_path / "rejects.csv"
    with clock.freeze(MON), store.transaction(owner) as b:
        report = import_tickets(b, DATA / "tickets_mistakes.csv", skip_invalid=True, rejects=rejects)
    assert (report.imported, len(report.rejected)) == (1, 6)
    rows = list(csv.DictReader(rejects.open(encoding="utf-8")))
    assert [r["line"] for r in rows] == ["3", "4", "5", "6", "7", "8"]
    assert rows[1]["error"].startswith("contact: no contact named 'Nobody Known'")


def test_create_contacts_adds_the_unknown_customers(store, owner, people, tom, tmp_path):
    f = tmp_path / "new.csv"
    f.write_text("title,customer,e-mail\nHello,Nobody Known,\nAgain,Nobody Known,\nHi,,ghost@nowhere.example\n",
                 encoding="utf-8")
    with clock.freeze(MON), store.transaction(owner) as b:
        dry = import_tickets(b, f, create_contacts=True, dry_run=True)
        assert (dry.imported, dry.created_related) == (3, 2)
        assert n(b, Contact) == 3 and n(b, Ticket) == 0
    with clock.freeze(MON), store.transaction(owner) as b:
        report = import_tickets(b, f, create_contacts=True)
    assert (report.imported, report.created_related) == (3, 2)
    with store.read(owner) as b:
        made = {c.name: c for c in b.session.scalars(select(Contact).where(Contact.id > max(people.values())))}
        assert set(made) == {"Nobody Known", "ghost"}
        assert made["ghost"].email == "ghost@nowhere.example" and made["ghost"].is_customer
        tickets = b.session.scalars(select(Ticket).order_by(Ticket.id)).all()
        assert [t.contact_id for t in tickets] == [made["Nobody Known"].id] * 2 + [made["ghost"].id]


def test_an_ambiguous_name_asks_for_the_email(store, owner, people, tom, tmp_path):
    from bizsuite.crm.contacts.models import ContactIn

    with store.transaction(owner) as b:
        b.contacts.add(ContactIn(name="Alice Martin", email="other.alice@example.com"))
    f = tmp_path / "a.csv"
    f.write_text("subject,contact\nHello,alice martin\n", encoding="utf-8")
    with pytest.raises(ImportFailed) as exc:
        with store.transaction(owner) as b:
            import_tickets(b, f, display="a.csv")
    assert exc.value.problems[0].startswith("a.csv:2: contact: 'alice martin' names several contacts (#")


def test_a_file_without_subject_or_contact_columns_is_refused(store, owner, tmp_path):
    from bizsuite.core.errors import Refused

    f = tmp_path / "x.csv"
    f.write_text("title,notes\nHello,there\n", encoding="utf-8")
    with pytest.raises(Refused) as exc:
        with store.transaction(owner) as b:
            import_tickets(b, f, display="x.csv")
    assert exc.value.problems == ["x.csv:1: no column for contact or email (the header has: title, notes); "
                                  "use --map SOURCE=FIELD"]


def test_only_roles_that_work_tickets_import_them(store, owner, people, tom):
    from bizsuite.core.auth import Actor

    with pytest.raises(PermissionDenied):
        with store.transaction(Actor("sam", "sales")) as b:
            import_tickets(b, DATA / "tickets.csv")


def test_export_reimports_into_other_books(store, owner, people, tom, tmp_path, owner_name):
    from bizsuite.core.db import Location, to_url
    from bizsuite.core.store import Store

    with clock.freeze(MON), store.transaction(owner) as b:
        import_tickets(b, DATA / "tickets.csv")
        tid = b.tickets.add(TicketIn(subject="=cmd|' /C calc'!A0", contact_id=people["Alice Martin"])).id
        b.tickets.reply(tid, "On it")
    out = io.StringIO()
    with store.read(owner) as b:
        assert export_csv(b, out) == 5
        j = io.StringIO()
        export_json(b, j)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert rows[0]["subject"] == "'=cmd|' /C calc'!A0"  # neutralised
    assert {r["ref"] for r in rows} == {"", "ZD-101", "ZD-102", "ZD-103", "ZD-104"}
    items = json.loads(j.getvalue())
    assert items[0]["status"] == "open" and items[0]["tags"] == [] and items[0]["ref"] is None
    path = tmp_path / "export.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    other = Store.open_or_create_empty(Location(to_url(str(tmp_path / "other.sqlite")), "test"))
    try:
        other.initialise(company="Other", currency="USD", owner=owner_name)
        me = other.actor_for(owner_name)
        with other.transaction(me) as b:
            b.admin.add_user("tom", "support")
        with clock.freeze(MON), other.transaction(me) as b:
            report = import_tickets(b, path, create_contacts=True)
            assert (report.imported, report.created_related) == (5, 2)
        with clock.freeze(MON), other.transaction(me) as b:
            assert import_tickets(b, path, create_contacts=True).imported == 0
        with other.read(me) as b:
            subjects = {t.subject for t in b.session.scalars(select(Ticket))}
            assert "=cmd|' /C calc'!A0" in subjects
    finally:
        other.close()

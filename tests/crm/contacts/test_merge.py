"""Merging duplicates: everything that pointed at DUP points at KEEP, DUP is gone, all audited."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Column, ForeignKey, Integer, String, Table, func, insert, select
from sqlmodel import SQLModel

from bizsuite.core.errors import NotFound, Refused
from bizsuite.core.models import AuditEntry
from bizsuite.crm.contacts.models import Activity, Contact, ContactIn, ContactTag


def _audit(b, entity: str, action: str | None = None) -> list[AuditEntry]:
    stmt = select(AuditEntry).where(AuditEntry.entity == entity)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    return list(b.session.scalars(stmt.order_by(AuditEntry.id)))


@pytest.fixture
def two_acmes(store, owner):
    """KEEP "Acme Inc" (one person, sparse) and DUP "ACME Incorporated" (two people, full details)."""
    with store.transaction(owner) as b:
        keep = b.contacts.add(ContactIn(name="Acme Inc", kind="company", roles=["customer"], tags=["vip"],
                                        notes="Keep's note"))
        dup = b.contacts.add(ContactIn(name="ACME Incorporated", kind="company", email="info@acme.example",
                                       phone="(415) 555-0100", roles=["supplier"], tags=["vip", "west"],
                                       address="1 Market St", city="San Francisco", country="US",
                                       notes="Dup's note"))
        ann = b.contacts.add(ContactIn(name="Ann", company_id=keep.id))
        bob = b.contacts.add(ContactIn(name="Bob", company_id=dup.id))
        cy = b.contacts.add(ContactIn(name="Cy", company_id=dup.id))
        b.contacts.add_activity(dup.id, kind="call", subject="Called the dup")
        b.contacts.add_activity(dup.id, kind="meeting", subject="Met the dup")
        b.contacts.add_activity(keep.id, kind="note", subject="Keep's own note")
        ids = dict(keep=keep.id, dup=dup.id, ann=ann.id, bob=bob.id, cy=cy.id)
    return ids


def test_merge_moves_everything_to_keep_and_removes_dup(store, owner, two_acmes):
    ids = two_acmes
    with store.transaction(owner) as b:
        kept = b.contacts.merge(ids["keep"], ids["dup"])
        assert kept.id == ids["keep"]
    with store.read(owner) as b:
        with pytest.raises(NotFound):
            b.contacts.get(ids["dup"])
        keep = b.contacts.get(ids["keep"])
        # KEEP's own values win; its blanks are filled from DUP; lists are united
        assert keep.name == "Acme Inc"
        assert (keep.email, keep.phone, keep.address, keep.city, keep.country) == (
            "info@acme.example", "+14155550100", "1 Market St", "San Francisco", "US")
        assert keep.notes == "Keep's note\n\nDup's note"
        assert keep.roles == ["customer", "supplier"]
        assert b.contacts.tags_of(keep.id) == ["vip", "west"]
        # the people of both companies now belong to KEEP
        detail = b.contacts.detail(keep.id)
        assert sorted(p.name for p in detail.people) == ["Ann", "Bob", "Cy"]
        assert b.contacts.get(ids["bob"]).company_id == ids["keep"]
        # the whole timeline, plus a note saying what happened
        subjects = [a.subject for a in b.contacts.timeline(keep.id)]
        assert sorted(subjects) == sorted(["Called the dup", "Met the dup", "Keep's own note",
                                           f"Merged #{ids['dup']} ACME Incorporated into this contact"])
        # nothing anywhere still points at DUP
        s = b.session
        assert s.scalar(select(func.count()).select_from(Contact).where(Contact.company_id == ids["dup"])) == 0
        assert s.scalar(select(func.count()).select_from(Activity).where(Activity.contact_id == ids["dup"])) == 0
        assert s.scalar(select(func.count()).select_from(ContactTag).where(ContactTag.contact_id == ids["dup"])) == 0
        # the moved people are found under KEEP's name, and the books pass every check
        assert sorted(r.name for r in b.contacts.page(query="acme inc", kind="person").rows) == ["Ann", "Bob", "Cy"]
        assert b.contacts.page(query="incorporated").total == 0
        failed = [r for r in b.admin.check() if not r.ok]
        assert failed == []


def test_merge_is_audited(store, owner, two_acmes):
    ids = two_acmes
    with store.read(owner) as b:
        before = b.session.scalar(select(func.max(AuditEntry.id)))
    with store.transaction(owner) as b:
        b.contacts.merge(ids["keep"], ids["dup"])
    with store.read(owner) as b:
        new = [e for e in b.session.scalars(select(AuditEntry).where(AuditEntry.id > before))]
        assert new and all(e.actor == owner.name for e in new)
        by = {(e.entity, e.entity_id, e.action): json.loads(e.changes) for e in new}
        # people moved from DUP to KEEP
        for person in ("bob", "cy"):
            assert by[("contacts", str(ids[person]), "update")]["company_id"] == [ids["dup"], ids["keep"]]
        # activities moved
        moved = [k for k, v in by.items() if k[0] == "contact_activities" and k[2] == "update"]
        assert len(moved) == 2 and all(by[k]["contact_id"] == [ids["dup"], ids["keep"]] for k in moved)
        # DUP deleted, with what it held
        assert by[("contacts", str(ids["dup"]), "delete")]["name"] == ["ACME Incorporated", None]
        # KEEP updated with the filled-in blanks
        keep_change = by[("contacts", str(ids["keep"]), "update")]
        assert keep_change["email"] == [None, "info@acme.example"]
        assert keep_change["is_supplier"] == [False, True]
        # DUP's tags are recorded as deleted, the tag KEEP gained as inserted
        assert ("contact_tags", f"{ids['dup']}/west", "delete") in by
        assert ("contact_tags", f"{ids['keep']}/west", "insert") in by


def test_merge_people_fills_company_from_dup(store, owner):
    with store.transaction(owner) as b:
        keep = b.contacts.add(ContactIn(name="Ann Lee", email="ann@example.com"))
        dup = b.contacts.add(ContactIn(name="Ann  Lee", company="Acme", phone="(415) 555-0123", tags=["x"]))
        company_id = dup.company_id
        b.contacts.add_activity(dup.id, subject="Dup's call", kind="call")
        keep_id, dup_id = keep.id, dup.id
    with store.transaction(owner) as b:
        b.contacts.merge(keep_id, dup_id)
    with store.read(owner) as b:
        k = b.contacts.get(keep_id)
        assert (k.email, k.phone, k.company_id) == ("ann@example.com", "+14155550123", company_id)
        assert b.contacts.tags_of(keep_id) == ["x"]
        assert "Dup's call" in [a.subject for a in b.contacts.timeline(keep_id)]
        assert [p.id for p in b.contacts.detail(company_id).people] == [keep_id]
        assert b.contacts.count() == 2  # Ann and Acme


def test_merge_refusals_change_nothing(store, owner):
    with store.transaction(owner) as b:
        company = b.contacts.add(ContactIn(name="Acme", kind="company"))
        person = b.contacts.add(ContactIn(name="Ann", company_id=company.id))
        other = b.contacts.add(ContactIn(name="Ann 2"))
        ids = (company.id, person.id, other.id)
    cases = [
        ((ids[1], ids[1]), "into itself"),
        ((ids[0], ids[1]), "cannot merge a person"),
        ((ids[1], ids[0]), "cannot merge a company"),
        ((ids[2], ids[2] + 100), "no contact"),
    ]
    for (keep, dup), message in cases:
        with pytest.raises(Refused, match=message):
            with store.transaction(owner) as b:
                b.contacts.merge(keep, dup)
    with store.read(owner) as b:
        assert b.contacts.count() == 3
        assert b.contacts.get(ids[1]).company_id == ids[0]
        assert _audit(b, "contacts", "delete") == []


def test_merge_needs_write_permission(store, owner, owner_name):
    with store.transaction(owner) as b:
        a = b.contacts.add(ContactIn(name="A", email="a@example.com")).id
        d = b.contacts.add(ContactIn(name="A", email="a@example.com")).id
        b.admin.add_user("wendy", "warehouse")
    wendy = store.actor_for(owner_name, "wendy")
    with pytest.raises(Refused, match="may not change contacts"):
        with store.transaction(wendy) as b:
            b.contacts.merge(a, d)
    with store.read(owner) as b:
        assert b.contacts.count() == 2


@pytest.mark.parametrize("location", ["sqlite"], indirect=True)
def test_merge_follows_any_foreign_key_to_contacts(store, owner):
    """A table merge has never heard of (another module's, say) is followed through the metadata."""
    probe = Table(
        "zz_merge_probe_refs",
        SQLModel.metadata,
        Column("id", Integer, primary_key=True),
        Column("customer_id", Integer, ForeignKey("contacts.id"), nullable=False),
        Column("label", String(20)),
    )
    try:
        probe.create(store.engine)
        with store.transaction(owner) as b:
            keep = b.contacts.add(ContactIn(name="Keep Ltd", kind="company")).id
            dup = b.contacts.add(ContactIn(name="Keep Limited", kind="company")).id
            other = b.contacts.add(ContactIn(name="Other", kind="company")).id
            b.session.execute(insert(probe), [
                {"id": 1, "customer_id": dup, "label": "dup order 1"},
                {"id": 2, "customer_id": dup, "label": "dup order 2"},
                {"id": 3, "customer_id": other, "label": "other order"},
            ])
        # the unknown table's rows count as references: deleting DUP is refused ...
        with pytest.raises(Refused, match="zz merge probe refs"):
            with store.transaction(owner) as b:
                b.contacts.delete(dup)
        # ... and merging moves them
        with store.transaction(owner) as b:
            b.contacts.merge(keep, dup)
        with store.read(owner) as b:
            rows = dict(b.session.execute(select(probe.c.id, probe.c.customer_id)).all())
            assert rows == {1: keep, 2: keep, 3: other}
            audited = {e.entity_id: json.loads(e.changes) for e in _audit(b, "zz_merge_probe_refs")}
            assert audited == {"1": {"customer_id": [dup, keep]}, "2": {"customer_id": [dup, keep]}}
            assert b.contacts.detail(keep).references == {"zz_merge_probe_refs": 2}
    finally:
        SQLModel.metadata.remove(probe)
    assert "zz_merge_probe_refs" not in SQLModel.metadata.tables

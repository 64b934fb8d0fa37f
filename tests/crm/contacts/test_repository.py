"""The contacts repository: add, validate, update with versions, delete, timeline, roles, audit.

Every test runs on SQLite and, with BIZSUITE_TEST_PG_URL set, on PostgreSQL.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bizsuite.core import clock
from bizsuite.core.errors import NotFound, PermissionDenied, Refused, StaleRecord, ValidationFailed
from bizsuite.core.models import AuditEntry
from bizsuite.crm.contacts.models import Activity, Contact, ContactIn, ContactTag

ROOT_CONFTEST = Path(__file__).resolve().parents[2] / "conftest.py"


@pytest.fixture
def make_user(request):
    """``make_user`` from tests/conftest.py (conftest modules cannot be imported by name)."""
    for plugin in request.config.pluginmanager.get_plugins():
        if getattr(plugin, "__file__", None) and Path(plugin.__file__).resolve() == ROOT_CONFTEST:
            return plugin.make_user
    raise LookupError("tests/conftest.py is not loaded")


def audit_rows(books, entity: str = "contacts", entity_id=None) -> list[AuditEntry]:
    stmt = select(AuditEntry).where(AuditEntry.entity == entity).order_by(AuditEntry.id)
    if entity_id is not None:
        stmt = stmt.where(AuditEntry.entity_id == str(entity_id))
    return list(books.session.scalars(stmt))


def n_contacts(books) -> int:
    return books.session.scalar(select(func.count()).select_from(Contact))


# -- adding ------------------------------------------------------------------------------------


def test_add_person_creates_company_by_name_and_links_them(store, owner):
    with store.transaction(owner) as b:
        ann = b.contacts.add(ContactIn(name="  Ann   Lee ", company="Acme Inc", email="Ann.Lee@Example.COM",
                                       roles=["Customer", "lead", "customer"], tags=["VIP", "west", "vip"]))
        ann_id = ann.id
    with store.read(owner) as b:
        ann = b.contacts.get(ann_id)
        assert ann.name == "Ann Lee"  # inner runs of spaces collapse, ends trimmed
        assert ann.kind == "person"
        assert ann.email == "ann.lee@example.com"
        assert ann.roles == ["customer", "lead"]
        assert b.contacts.tags_of(ann_id) == ["vip", "west"]
        company = b.contacts.get(ann.company_id)
        assert (company.kind, company.name) == ("company", "Acme Inc")
        assert [p.id for p in b.contacts.detail(company.id).people] == [ann_id]
        assert b.contacts.detail(ann_id).company.id == company.id
        assert ann.version == 1 and ann.created_by == owner.name == ann.updated_by


def test_second_person_joins_the_existing_company_whatever_the_case(store, owner):
    with store.transaction(owner) as b:
        a = b.contacts.add(ContactIn(name="Ann", company="Acme Inc"))
        c = b.contacts.add(ContactIn(name="Cy", company="ACME INC"))
        assert a.company_id == c.company_id
        assert b.contacts.count(kind="company") == 1


def test_company_names_typed_with_odd_spacing_find_the_same_company(store, owner):
    with store.transaction(owner) as b:
        acme = b.contacts.add(ContactIn(name="Acme  Inc", kind="company"))
        a = b.contacts.add(ContactIn(name="Ann", company="Acme   Inc"))
        c = b.contacts.add(ContactIn(name="Cy", company=" acme inc "))
        assert acme.name == "Acme Inc"
        assert a.company_id == c.company_id == acme.id
        assert b.contacts.count(kind="company") == 1


def test_add_company(store, owner):
    with store.transaction(owner) as b:
        c = b.contacts.add(ContactIn(name="Globex", kind="company", roles=["supplier"], city="Berlin"))
    with store.read(owner) as b:
        got = b.contacts.get(c.id)
        assert (got.kind, got.company_id, got.roles, got.city) == ("company", None, ["supplier"], "Berlin")


@pytest.mark.parametrize(
    "data, field, fragment",
    [
        (ContactIn(name="   "), "name", "is required"),
        (ContactIn(name="Ann", email="ann.example.com"), "email", "not a valid address"),
        (ContactIn(name="Ann", email="ann@"), "email", "not a valid address"),
        (ContactIn(name="Ann", phone="12"), "phone", "not a phone number we can read"),
        (ContactIn(name="Ann", phone="call me"), "phone", "not a phone number"),
        (ContactIn(name="Ann", roles=["boss"]), "roles", "'boss' is not one of"),
        (ContactIn(name="Ann", kind="robot"), "kind", "'robot' is not one of"),
        (ContactIn(name="Ann\x07"), "name", "control characters"),
        (ContactIn(name="x" * 201), "name", "longer than 200"),
        (ContactIn(name="Acme", kind="company", company="Parent Co"), "company", "cannot belong"),
    ],
)
def test_validation_names_the_field_and_writes_nothing(store, owner, data, field, fragment):
    with pytest.raises(ValidationFailed) as exc:
        with store.transaction(owner) as b:
            b.contacts.add(data)
    assert fragment in (exc.value.for_field(field) or ""), exc.value.problems
    with store.read(owner) as b:
        assert n_contacts(b) == 0
        assert audit_rows(b) == []


def test_every_bad_field_is_reported_at_once(store, owner):
    with store.transaction(owner) as b:
        with pytest.raises(ValidationFailed) as exc:
            b.contacts.add(ContactIn(name="", email="nope", phone="12", roles=["boss"], kind="robot"))
    assert {e.field for e in exc.value.errors} == {"name", "email", "phone", "roles", "kind"}
    assert len(exc.value.problems) == 5 and all(p.split(":")[0] in {"name", "email", "phone", "roles", "kind"}
                                                for p in exc.value.problems)


def test_phone_is_e164_with_the_books_region(store, owner):
    with store.transaction(owner) as b:
        us = b.contacts.add(ContactIn(name="Default Region", phone="(415) 555-0123"))
        b.set_setting("contacts.phone_region", "GB")
    with store.transaction(owner) as b:
        gb = b.contacts.add(ContactIn(name="British", phone="020 7946 0958"))
        intl = b.contacts.add(ContactIn(name="Chinese", phone="+86 10 6552 9988"))
        assert b.contacts.phone_region == "GB"
    with store.read(owner) as b:
        assert b.contacts.get(us.id).phone == "+14155550123"  # default region US
        assert b.contacts.get(gb.id).phone == "+442079460958"  # national GB number, region from setting
        assert b.contacts.get(intl.id).phone == "+861065529988"  # explicit country code wins


# -- updating ----------------------------------------------------------------------------------


def test_update_bumps_version_and_records_who(store, owner, make_user, frozen_clock):
    bob = make_user(store, owner, "bob", "sales")
    with store.transaction(owner) as b:
        cid = b.contacts.add(ContactIn(name="Ann Lee", email="ann@example.com")).id
    later = frozen_clock + timedelta(hours=2)
    with clock.freeze(later), store.transaction(bob) as b:
        data = b.contacts.as_input(b.contacts.get(cid))
        data.email = "ANN@new.example"
        c = b.contacts.update(cid, data, expected_version=1)
        assert c.version == 2
    with store.read(owner) as b:
        c = b.contacts.get(cid)
        assert (c.email, c.version, c.updated_by, c.updated_at) == ("ann@new.example", 2, "bob", later)
        assert c.created_by == owner.name and c.created_at == frozen_clock


def test_saving_unchanged_data_keeps_the_version(store, owner):
    with store.transaction(owner) as b:
        cid = b.contacts.add(ContactIn(name="Ann", tags=["a"])).id
    with store.transaction(owner) as b:
        c = b.contacts.update(cid, b.contacts.as_input(b.contacts.get(cid)), expected_version=1)
        assert c.version == 1
    with store.read(owner) as b:
        assert [e.action for e in audit_rows(b, entity_id=cid)] == ["insert"]


def test_stale_save_is_refused_naming_who_and_when_and_nothing_is_lost(store, owner, make_user, frozen_clock):
    bob = make_user(store, owner, "bob", "sales")
    with store.transaction(owner) as b:
        cid = b.contacts.add(ContactIn(name="Ann Lee", city="Paris")).id
    # The owner opens the form (version 1) ...
    with store.read(owner) as b:
        opened = b.contacts.get(cid)
        my_copy, my_version = b.contacts.as_input(opened), opened.version
    # ... bob saves first, an hour later ...
    bob_time = frozen_clock + timedelta(hours=1)
    with clock.freeze(bob_time), store.transaction(bob) as b:
        data = b.contacts.as_input(b.contacts.get(cid))
        data.city = "Lyon"
        b.contacts.update(cid, data, expected_version=1)
    # ... then the owner saves the copy they opened.
    my_copy.notes = "my note"
    with pytest.raises(StaleRecord) as exc:
        with store.transaction(owner) as b:
            b.contacts.update(cid, my_copy, expected_version=my_version)
    message = exc.value.problems[0]
    assert "bob" in message
    assert bob_time.astimezone().strftime("%Y-%m-%d %H:%M") in message
    assert f"#{cid}" in message and "nothing was saved" in message
    with store.read(owner) as b:
        c = b.contacts.get(cid)
        assert (c.city, c.notes, c.version, c.updated_by) == ("Lyon", None, 2, "bob")
    # deleting with the stale version is refused the same way
    with pytest.raises(StaleRecord):
        with store.transaction(owner) as b:
            b.contacts.delete(cid, expected_version=1)
    with store.read(owner) as b:
        assert b.contacts.get(cid).city == "Lyon"


def test_update_validates_like_add(store, owner):
    with store.transaction(owner) as b:
        cid = b.contacts.add(ContactIn(name="Ann", email="ann@example.com")).id
    with pytest.raises(ValidationFailed) as exc:
        with store.transaction(owner) as b:
            data = b.contacts.as_input(b.contacts.get(cid))
            data.email, data.name = "broken", ""
            b.contacts.update(cid, data)
    assert exc.value.for_field("email") and exc.value.for_field("name")
    with store.read(owner) as b:
        c = b.contacts.get(cid)
        assert (c.name, c.email, c.version) == ("Ann", "ann@example.com", 1)


def test_renaming_a_company_renames_it_in_its_people_search(store, owner):
    with store.transaction(owner) as b:
        ann = b.contacts.add(ContactIn(name="Ann", company="Acme"))
        company_id = ann.company_id
    with store.transaction(owner) as b:
        data = b.contacts.as_input(b.contacts.get(company_id))
        data.name = "Zenith Holdings"
        b.contacts.update(company_id, data)
    with store.read(owner) as b:
        assert [r.name for r in b.contacts.page(query="zenith", kind="person").rows] == ["Ann"]
        assert b.contacts.page(query="acme").total == 0
        assert all(r.ok for r in b.admin.check()), [r for r in b.admin.check() if not r.ok]


def test_company_with_people_cannot_become_a_person(store, owner):
    with store.transaction(owner) as b:
        company_id = b.contacts.add(ContactIn(name="Ann", company="Acme")).company_id
    with pytest.raises(ValidationFailed, match="1 person belongs"):
        with store.transaction(owner) as b:
            data = b.contacts.as_input(b.contacts.get(company_id))
            data.kind = "person"
            b.contacts.update(company_id, data)


# -- deleting ----------------------------------------------------------------------------------


def test_delete_company_refused_while_people_belong_to_it(store, owner):
    with store.transaction(owner) as b:
        ann = b.contacts.add(ContactIn(name="Ann", company="Acme"))
        ann_id, company_id = ann.id, ann.company_id
    with pytest.raises(Refused) as exc:
        with store.transaction(owner) as b:
            b.contacts.delete(company_id)
    assert "1 person" in exc.value.problems[0] and "merge" in exc.value.problems[0]
    with store.read(owner) as b:
        assert b.contacts.get(company_id).name == "Acme"
    # once the person has left, the company can go
    with store.transaction(owner) as b:
        data = b.contacts.as_input(b.contacts.get(ann_id))
        data.company_id = None
        b.contacts.update(ann_id, data)
        b.contacts.delete(company_id)
    with store.read(owner) as b:
        with pytest.raises(NotFound):
            b.contacts.get(company_id)
        assert b.contacts.get(ann_id).company_id is None


def test_delete_takes_tags_and_activities_along_and_is_audited(store, owner):
    with store.transaction(owner) as b:
        keep = b.contacts.add(ContactIn(name="Keep", tags=["vip"]))
        gone = b.contacts.add(ContactIn(name="Gone", tags=["vip", "old"], email="gone@example.com"))
        b.contacts.add_activity(gone.id, kind="call", subject="Called")
        b.contacts.add_activity(keep.id, kind="note", subject="Stays")
        gone_id, keep_id = gone.id, keep.id
    with store.transaction(owner) as b:
        b.contacts.delete(gone_id)
    with store.read(owner) as b:
        s = b.session
        assert s.scalar(select(func.count()).select_from(ContactTag).where(ContactTag.contact_id == gone_id)) == 0
        assert s.scalar(select(func.count()).select_from(Activity).where(Activity.contact_id == gone_id)) == 0
        assert b.contacts.tags_of(keep_id) == ["vip"]
        assert [a.subject for a in b.contacts.timeline(keep_id)] == ["Stays"]
        deleted = [e for e in audit_rows(b, entity_id=gone_id) if e.action == "delete"]
        assert len(deleted) == 1
        assert json.loads(deleted[0].changes)["email"] == ["gone@example.com", None]
        assert {e.entity_id for e in audit_rows(b, "contact_tags") if e.action == "delete"} == {
            f"{gone_id}/vip", f"{gone_id}/old"}


# -- activities --------------------------------------------------------------------------------


def test_timeline_is_newest_first_and_ties_keep_entry_order(store, owner, frozen_clock):
    t0 = frozen_clock
    with store.transaction(owner) as b:
        cid = b.contacts.add(ContactIn(name="Ann")).id
        b.contacts.add_activity(cid, kind="meeting", subject="Old meeting", occurred_at=t0 - timedelta(days=30))
        b.contacts.add_activity(cid, kind="call", subject="Future call", occurred_at=t0 + timedelta(days=2))
        b.contacts.add_activity(cid, kind="note", subject="First note")  # occurred now
        b.contacts.add_activity(cid, kind="email", subject="Second note", body="hello")  # also now
    with store.read(owner) as b:
        items = b.contacts.timeline(cid)
        assert [a.subject for a in items] == ["Future call", "Second note", "First note", "Old meeting"]
        assert items[1].author == owner.name and items[1].body == "hello"
        assert [a.subject for a in b.contacts.timeline(cid, limit=2)] == ["Future call", "Second note"]


def test_activity_validation(store, owner):
    with store.transaction(owner) as b:
        cid = b.contacts.add(ContactIn(name="Ann")).id
        with pytest.raises(ValidationFailed) as exc:
            b.contacts.add_activity(cid, kind="fax", subject="  ")
        assert exc.value.for_field("kind") and exc.value.for_field("subject") == "is required"
        with pytest.raises(NotFound):
            b.contacts.add_activity(cid + 999, subject="x")


# -- roles -------------------------------------------------------------------------------------


def test_support_may_write_contacts(store, owner, make_user):
    sue = make_user(store, owner, "sue", "support")
    with store.transaction(sue) as b:
        cid = b.contacts.add(ContactIn(name="Ticket Person")).id
        b.contacts.add_activity(cid, subject="Reported a bug")
    with store.read(owner) as b:
        assert b.contacts.get(cid).created_by == "sue"


@pytest.mark.parametrize("role", ["warehouse", "hr"])
def test_read_only_roles_read_but_never_write(store, owner, make_user, role):
    with store.transaction(owner) as b:
        cid = b.contacts.add(ContactIn(name="Ann", email="ann@example.com")).id
    user = make_user(store, owner, "wally", role)
    with store.read(user) as b:
        assert [r.name for r in b.contacts.page().rows] == ["Ann"]
        assert b.contacts.get(cid).email == "ann@example.com"
    attempts = {
        "add": lambda b: b.contacts.add(ContactIn(name="Nope")),
        "update": lambda b: b.contacts.update(cid, ContactIn(name="Renamed")),
        "delete": lambda b: b.contacts.delete(cid),
        "note": lambda b: b.contacts.add_activity(cid, subject="x"),
    }
    for what, attempt in attempts.items():
        with pytest.raises(PermissionDenied) as exc:
            with store.transaction(user) as b:
                attempt(b)
        assert f"wally ({role}) may not change contacts" in exc.value.problems[0], what
    with store.read(owner) as b:
        c = b.contacts.get(cid)
        assert (n_contacts(b), c.name, c.version, b.contacts.timeline(cid)) == (1, "Ann", 1, [])


# -- audit -------------------------------------------------------------------------------------


def test_audit_records_insert_update_delete_with_actor_and_old_new(store, owner):
    with store.transaction(owner) as b:
        cid = b.contacts.add(ContactIn(name="Ann", email="ann@example.com", city="Paris")).id
    with store.transaction(owner) as b:
        data = b.contacts.as_input(b.contacts.get(cid))
        data.city, data.email = "Lyon", None
        b.contacts.update(cid, data)
    with store.transaction(owner) as b:
        b.contacts.delete(cid)
    with store.read(owner) as b:
        rows = audit_rows(b, entity_id=cid)
        assert [r.action for r in rows] == ["insert", "update", "delete"]
        assert all(r.actor == owner.name and r.via is None for r in rows)
        inserted, updated, deleted = (json.loads(r.changes) for r in rows)
        assert inserted["name"] == [None, "Ann"] and inserted["city"] == [None, "Paris"]
        # only what changed, old → new; bookkeeping and derived columns are left out
        assert updated == {"city": ["Paris", "Lyon"], "email": ["ann@example.com", None]}
        assert deleted["name"] == ["Ann", None] and deleted["city"] == ["Lyon", None]
        for bookkeeping in ("version", "updated_at", "search_text", "sort_name"):
            assert bookkeeping not in updated and bookkeeping not in inserted


def test_acting_as_another_user_is_audited_with_both_names(store, owner, owner_name, make_user):
    make_user(store, owner, "bob", "sales")
    as_bob = store.actor_for(owner_name, "bob")
    assert (as_bob.name, as_bob.role, as_bob.via) == ("bob", "sales", owner_name)
    with store.transaction(as_bob) as b:
        cid = b.contacts.add(ContactIn(name="Made As Bob")).id
    with store.read(owner) as b:
        c = b.contacts.get(cid)
        assert c.created_by == "bob"
        (entry,) = audit_rows(b, entity_id=cid)
        assert (entry.actor, entry.via) == ("bob", owner_name)
        assert [e.id for e in b.admin.audit(entity="contacts", user=owner_name)] == [entry.id]
        assert [e.id for e in b.admin.audit(entity="contacts", user="bob")] == [entry.id]


def test_a_refused_unit_of_work_leaves_no_audit_trace(store, owner):
    with store.read(owner) as b:
        before = b.session.scalar(select(func.count()).select_from(AuditEntry))
    with pytest.raises(ValidationFailed):
        with store.transaction(owner) as b:
            b.contacts.add(ContactIn(name="Fine", company="New Co"))  # writes two rows ...
            b.contacts.add(ContactIn(name="", email="x"))  # ... then the unit is refused
    with store.read(owner) as b:
        assert n_contacts(b) == 0
        assert b.session.scalar(select(func.count()).select_from(AuditEntry)) == before


def test_resolve_by_number_email_and_unique_name(store, owner):
    with store.transaction(owner) as b:
        ann = b.contacts.add(ContactIn(name="Ann Lee", email="ann@example.com"))
        b.contacts.add(ContactIn(name="Twin"))
        b.contacts.add(ContactIn(name="twin"))
        ann_id = ann.id
    with store.read(owner) as b:
        assert b.contacts.resolve(f"#{ann_id}").id == ann_id
        assert b.contacts.resolve(str(ann_id)).id == ann_id
        assert b.contacts.resolve("ANN@example.com").id == ann_id
        assert b.contacts.resolve("ann lee").id == ann_id
        with pytest.raises(Refused, match="names several contacts"):
            b.contacts.resolve("Twin")
        with pytest.raises(NotFound):
            b.contacts.resolve("Nobody")


def test_why_not_delete_names_every_record_of_any_module_that_refers_to_the_contact(store, owner):
    import datetime as dt
    from decimal import Decimal

    from bizsuite.crm.contacts.repository import contact_foreign_keys
    from bizsuite.crm.tickets.models import TicketIn
    from bizsuite.erp.ledger.models import LineIn

    with store.transaction(owner) as b:
        acme = b.contacts.add(ContactIn(name="Acme", kind="company"))
        b.contacts.add(ContactIn(name="Ann", company_id=acme.id))
        b.contacts.add(ContactIn(name="Bob", company_id=acme.id))
        b.tickets.add(TicketIn(subject="Broken widget", contact_id=acme.id))
        b.ledger.load_chart("standard")
        b.ledger.post_entry(dt.date(2025, 1, 9), "sale", [LineIn.debit("accounts receivable", Decimal(108)),
                                                         LineIn.credit("sales", Decimal(108))], contact_id=acme.id)
        free = b.contacts.add(ContactIn(name="Free"))
        acme_id, free_id = acme.id, free.id
    expected = (f"contact #{acme_id} Acme is still referred to by 1 ledger entry, 2 ledger lines, 2 people, "
                "1 ticket; merge it into another contact instead")
    with store.read(owner) as b:
        assert b.contacts.why_not_delete(acme_id) == expected
        assert b.contacts.why_not_delete(free_id) is None
    with pytest.raises(Refused) as exc:
        with store.transaction(owner) as b:
            b.contacts.delete(acme_id)
    assert exc.value.problems == [expected]  # the same words
    # found from the schema, not from a list of modules: every foreign key to contacts.id
    tables = {t.name for t, _ in contact_foreign_keys()}
    assert {"tickets", "ledger_entries", "ledger_lines", "ledger_draft_lines", "contacts"} <= tables


def test_the_contact_list_sorts_by_its_columns_both_ways_empty_values_last(store, owner):
    with store.transaction(owner) as b:
        for name, email, company in (("Bea Zed", "bea@b.example", "Zulu Ltd"), ("Al Young", None, "Alpha Co"),
                                     ("Cy Xu", "AMY@c.example", None)):
            b.contacts.add(ContactIn(name=name, email=email, company=company))
    with store.read(owner) as b:
        def names(sort):
            return [r.name for r in b.contacts.page(sort=sort, kind="person").rows]

        assert names("name") == ["Al Young", "Bea Zed", "Cy Xu"]
        assert names("name:desc") == ["Cy Xu", "Bea Zed", "Al Young"]
        assert names("email") == ["Cy Xu", "Bea Zed", "Al Young"]  # case does not count; no email comes last
        assert names("email:desc") == ["Bea Zed", "Cy Xu", "Al Young"]  # …in both directions
        assert names("company") == ["Al Young", "Bea Zed", "Cy Xu"]
        assert names("company:desc") == ["Bea Zed", "Al Young", "Cy Xu"]
        assert names("created") == ["Cy Xu", "Al Young", "Bea Zed"]  # a bare key: its natural direction (newest first)
        with pytest.raises(Refused, match="sort: 'salary' is not one of: name, company, email"):
            b.contacts.page(sort="salary")

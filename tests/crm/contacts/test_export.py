"""Contacts export: CSV in our import columns (formulas neutralised), JSON; and the round trip."""

from __future__ import annotations

import csv
import io
import json
import uuid

import pytest

from bizsuite.core.db import Location, to_url
from bizsuite.core.store import Store
from bizsuite.crm.contacts.importer import FIELDS, export_csv, export_json, import_contacts
from bizsuite.crm.contacts.models import ContactIn

CONTACTS = [
    ContactIn(name="Acme Inc", kind="company", email="info@acme.example", phone="+1 415 555 0100",
              roles=["customer", "supplier"], tags=["wholesale", "west"], address="1 Market St, Suite 5",
              city="San Francisco", country="US", notes='Says "hi", often.\nSecond line; with semicolon'),
    ContactIn(name="Ann Lee", company="Acme Inc", email="ann@acme.example", phone="(415) 555-0101",
              roles=["lead"], tags=["vip"]),
    ContactIn(name="王小明", company="北京科技有限公司", phone="+86 10 6552 9988", tags=["中国"], city="北京"),
    ContactIn(name="=SUM(A1)", notes="+1 more"),
    ContactIn(name="-x", notes="@x mentions", tags=["-minus", "plain"]),
    ContactIn(name="@home", email="home@example.com", city="=cmd|' /C calc'!A0"),
    ContactIn(name="+1 Club", roles=["employee"]),
    ContactIn(name="Solo", tags=["=danger"]),
]


@pytest.fixture
def filled(store, owner):
    with store.transaction(owner) as b:
        for c in CONTACTS:
            b.contacts.add(c)
    return store


def exported_csv(store, owner, **filters) -> tuple[str, int]:
    out = io.StringIO(newline="")
    with store.read(owner) as b:
        n = export_csv(b, out, **filters)
    return out.getvalue(), n


def snapshot(store, owner) -> dict[str, tuple]:
    """Everything the CSV carries, by name (ids differ between books)."""
    with store.read(owner) as b:
        return {
            r.name: (r.kind, r.company, r.email, r.phone, tuple(r.roles), tuple(r.tags), r.address, r.city,
                     r.country, r.notes)
            for r in b.contacts.iter_all()
        }


def test_csv_has_our_import_columns(filled, owner):
    text, n = exported_csv(filled, owner)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == ["name", "kind", "company", "email", "phone", "roles", "tags", "address", "city",
                       "country", "notes", "id"]
    assert rows[0][: len(FIELDS)] == list(FIELDS)
    assert n == len(rows) - 1 == len(CONTACTS) + 1  # + the company created for 王小明
    by_name = {r[0]: dict(zip(rows[0], r)) for r in rows[1:]}
    acme = by_name["Acme Inc"]
    assert (acme["kind"], acme["roles"], acme["tags"], acme["address"]) == (
        "company", "customer;supplier", "west;wholesale", "1 Market St, Suite 5")
    assert acme["notes"] == 'Says "hi", often.\nSecond line; with semicolon'
    ann = by_name["Ann Lee"]
    assert (ann["company"], ann["email"], ann["kind"]) == ("Acme Inc", "ann@acme.example", "person")
    with filled.read(owner) as b:
        assert int(ann["id"]) == b.contacts.resolve("Ann Lee").id


def test_formula_cells_are_neutralised(filled, owner):
    text, _ = exported_csv(filled, owner)
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    cells = [v for r in rows for k, v in r.items() if k != "id"]
    # no cell a spreadsheet would evaluate
    assert [c for c in cells if c[:1] in ("=", "+", "-", "@")] == []
    by_name = {r["name"]: r for r in rows}
    assert "'=SUM(A1)" in by_name and by_name["'=SUM(A1)"]["notes"] == "'+1 more"
    assert by_name["'-x"]["notes"] == "'@x mentions"
    assert by_name["'@home"]["city"] == "'=cmd|' /C calc'!A0"
    assert "'+1 Club" in by_name
    assert by_name["Ann Lee"]["phone"] == "'+14155550101"  # E.164 starts with "+": quoted too
    assert by_name["Solo"]["tags"] == "'=danger"
    # and a harmless value is left alone
    assert by_name["Acme Inc"]["email"] == "info@acme.example"


def test_export_then_import_into_fresh_books_round_trips(filled, owner, owner_name, tmp_path):
    text, _ = exported_csv(filled, owner)
    path = tmp_path / "export.csv"
    path.write_text(text, encoding="utf-8", newline="")
    fresh_loc = Location(to_url(str(tmp_path / f"fresh-{uuid.uuid4().hex[:6]}.sqlite")), "test")
    fresh = Store.open_or_create_empty(fresh_loc)
    try:
        fresh.initialise(company="Fresh", currency="USD", owner=owner_name)
        fresh_owner = fresh.actor_for(owner_name)
        with fresh.transaction(fresh_owner) as b:
            report = import_contacts(b, path)
        assert report.rejected == [] and report.imported == len(CONTACTS) + 1
        assert snapshot(fresh, fresh_owner) == snapshot(filled, owner)
        # and importing the same export again adds nothing
        with fresh.transaction(fresh_owner) as b:
            again = import_contacts(b, path)
        assert again.imported == 0 and again.unchanged == len(CONTACTS) + 1
    finally:
        fresh.close()


def test_export_filters(filled, owner):
    text, n = exported_csv(filled, owner, kind="company")
    names = [r["name"] for r in csv.DictReader(io.StringIO(text, newline=""))]
    assert n == 2 and sorted(names) == ["Acme Inc", "北京科技有限公司"]
    text, n = exported_csv(filled, owner, query="acme", kind="person")
    assert n == 1 and "Ann Lee" in text
    text, n = exported_csv(filled, owner, tag="vip")
    assert n == 1


def test_json_export_parses_and_has_the_fields(filled, owner):
    out = io.StringIO()
    with filled.read(owner) as b:
        n = export_json(b, out)
    items = json.loads(out.getvalue())
    assert n == len(items) == len(CONTACTS) + 1
    assert set(items[0]) == {"id", "name", "kind", "company", "email", "phone", "roles", "tags", "address",
                             "city", "country", "notes", "updated_at"}
    by_name = {i["name"]: i for i in items}
    ann = by_name["Ann Lee"]
    assert (ann["company"], ann["phone"], ann["roles"], ann["tags"]) == (
        "Acme Inc", "+14155550101", ["lead"], ["vip"])
    assert by_name["=SUM(A1)"]["notes"] == "+1 more"  # JSON is data, not a spreadsheet: no quoting
    assert by_name["王小明"]["tags"] == ["中国"]
    assert isinstance(ann["id"], int) and ann["updated_at"].startswith("20")


def test_export_needs_only_read_permission(filled, owner, owner_name):
    with filled.transaction(owner) as b:
        b.admin.add_user("henry", "hr")
    henry = filled.actor_for(owner_name, "henry")
    out = io.StringIO()
    with filled.read(henry) as b:
        assert export_csv(b, out) == len(CONTACTS) + 1

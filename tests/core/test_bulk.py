"""Bulk loads on SQLite: secondary indexes dropped and rebuilt exactly as they were."""

import pytest
from sqlalchemy import text

from bizsuite.core import db
from bizsuite.core.store import Store


def _indexes(store: Store, owner, table: str) -> list[tuple[str, str]]:
    with store.read(owner) as books:
        return books.session.execute(
            text("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = :t "
                 "AND sql IS NOT NULL ORDER BY name"),
            {"t": table},
        ).all()


def _rows(n: int, start: int = 1) -> list[dict]:
    from bizsuite.core import clock

    now = clock.now()
    return [
        {"id": i, "kind": "person", "name": f"P{i}", "sort_name": f"p{i}", "company_id": None,
         "email": f"p{i}@example.com", "phone": None, "is_customer": False, "is_supplier": False,
         "is_lead": False, "is_employee": False, "address": None, "city": None, "country": None,
         "notes": None, "search_text": f"p{i}", "version": 1, "created_at": now, "created_by": "t",
         "updated_at": now, "updated_by": "t"}
        for i in range(start, start + n)
    ]


def test_indexes_are_dropped_during_a_large_load_and_rebuilt_the_same(sqlite_store, owner_name, monkeypatch):
    from bizsuite.crm.contacts.models import Contact

    owner = sqlite_store.actor_for(owner_name)
    before = _indexes(sqlite_store, owner, "contacts")
    assert len(before) >= 4
    monkeypatch.setattr(db, "REBUILD_INDEXES_FROM", 10)
    with sqlite_store.transaction(owner) as books:
        with db.indexes_rebuilt(books.session, "contacts", adding=50):
            during = books.session.execute(
                text("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'contacts' "
                     "AND sql IS NOT NULL")).scalar()
            db.bulk_insert(books.session, Contact.__table__, _rows(50))
    assert during == 0
    assert _indexes(sqlite_store, owner, "contacts") == before
    with sqlite_store.read(owner) as books:
        plan = " ".join(r[-1] for r in books.session.execute(
            text("EXPLAIN QUERY PLAN SELECT id FROM contacts WHERE email = 'p7@example.com'")))
        assert "ix_contacts_email" in plan
        assert books.contacts.count() == 50


def test_a_small_load_into_a_big_table_keeps_its_indexes(sqlite_store, owner_name, monkeypatch):
    from bizsuite.crm.contacts.models import Contact

    owner = sqlite_store.actor_for(owner_name)
    monkeypatch.setattr(db, "REBUILD_INDEXES_FROM", 10)
    with sqlite_store.transaction(owner) as books:
        db.bulk_insert(books.session, Contact.__table__, _rows(100))
    with sqlite_store.transaction(owner) as books:
        with db.indexes_rebuilt(books.session, "contacts", adding=20):
            n = books.session.execute(
                text("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'contacts' "
                     "AND sql IS NOT NULL")).scalar()
    assert n >= 4


def test_indexes_come_back_when_the_load_fails(sqlite_store, owner_name, monkeypatch):
    owner = sqlite_store.actor_for(owner_name)
    before = _indexes(sqlite_store, owner, "contacts")
    monkeypatch.setattr(db, "REBUILD_INDEXES_FROM", 10)
    with sqlite_store.transaction(owner) as books:
        with pytest.raises(RuntimeError):
            with db.indexes_rebuilt(books.session, "contacts", adding=50):
                raise RuntimeError("a bad row")
        # the caller caught it and goes on to commit: the schema must be whole
    assert _indexes(sqlite_store, owner, "contacts") == before


@pytest.mark.parametrize("flag", [True, False])
@pytest.mark.parametrize("n", [1, 3])  # PostgreSQL writes one row with VALUES, more with unnest
def test_insert_rows_writes_a_boolean_constant_on_both_databases(store, owner_name, flag, n):
    """The same value on every row goes into the SQL as a literal; PostgreSQL refuses ``1`` for
    a boolean column, so the literal must be a boolean one (and still read back as the flag)."""
    from bizsuite.crm.contacts.models import Contact

    owner = store.actor_for(owner_name)
    rows = _rows(n)
    variable = [k for k in rows[0] if k != "is_supplier"]
    with store.transaction(owner) as books:
        conn = books.session.connection()
        db.insert_rows(conn, Contact.__table__, variable, {"is_supplier": flag},
                       [tuple(r[k] for k in variable) for r in rows])
    with store.read(owner) as books:
        got = books.session.execute(text("SELECT is_supplier FROM contacts ORDER BY id")).scalars().all()
    assert [bool(v) for v in got] == [flag] * n

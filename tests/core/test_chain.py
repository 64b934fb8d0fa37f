"""The audit log's hash chain (core/chain.py) and users changed behind bizsuite's back: ``bizsuite
check`` names the first audit row changed or following a deleted one, and the user whose role or
active flag is not what the audit log last set. SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
from datetime import date, datetime

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bizsuite import migrations
from bizsuite.core import chain
from bizsuite.core.audit import CHAIN
from bizsuite.core.store import Store

AUDIT = "audit log matches its seals"
USERS = "users are as the audit log last set them"


def make_user(store, owner, name: str, role: str) -> None:
    with store.transaction(owner) as books:
        books.admin.add_user(name, role)


def failed(store, actor) -> dict[str, str]:
    with store.read(actor) as b:
        return {r.name: r.detail for r in b.admin.check() if not r.ok}


def raw(store, sql: str, **params) -> None:
    with store.engine.begin() as conn:
        conn.execute(text(sql), params)


def audit_ids(store) -> list[int]:
    with store.engine.connect() as conn:
        return list(conn.scalars(text("SELECT id FROM audit_log ORDER BY seal_no")))


# -- the encoding ------------------------------------------------------------------------------


def test_the_seal_is_sha256_of_the_previous_seal_and_the_canonical_json():
    content = ("2025-01-02", "Café 咖啡", None, 7, [(1, "x", -250), (2, None, 250)])
    expected = hashlib.sha256(
        b"prev\x1e" + '[5,"2025-01-02","Café 咖啡",null,7,[[1,"x",-250],[2,null,250]]]'.encode()).hexdigest()
    assert chain.digest("prev", 5, content) == expected
    assert chain.digest(None, 5, content) != chain.digest("", 6, content)  # the id is part of it
    # values built in Python take the form the database gives back
    assert chain._canon(date(2025, 1, 2)) == "2025-01-02"
    assert chain._canon(datetime(2026, 3, 16, 9, 30)) == "2026-03-16 09:30:00.000000"
    assert chain._canon(True) == 1


# -- the audit log -----------------------------------------------------------------------------


def test_audit_rows_are_sealed_in_order_when_their_unit_of_work_commits(store, owner):
    make_user(store, owner, "clerk", "sales")
    make_user(store, owner, "ann", "viewer")
    with store.engine.connect() as conn:
        rows = conn.execute(text("SELECT id, seal_no, seal FROM audit_log ORDER BY id")).all()
    assert rows and [r.seal_no for r in rows] == list(range(1, len(rows) + 1))
    assert all(r.seal and len(r.seal) == 64 for r in rows)
    assert failed(store, owner) == {}


def test_a_rolled_back_unit_of_work_leaves_no_seal_behind(store, owner):
    before = audit_ids(store)
    with pytest.raises(RuntimeError):
        with store.transaction(owner) as b:
            b.admin.add_user("bob", "sales")
            b.session.flush()
            raise RuntimeError("no")
    make_user(store, owner, "bob", "sales")
    assert audit_ids(store)[:len(before)] == before
    assert failed(store, owner) == {}


def test_an_audit_row_changed_with_sql_is_named(store, owner):
    make_user(store, owner, "clerk", "sales")
    ids = audit_ids(store)
    raw(store, "UPDATE audit_log SET actor = 'someone else' WHERE id = :i", i=ids[1])
    assert failed(store, owner)[AUDIT] == (f"audit log: row #{ids[1]} does not match its seal "
                                           "(changed, or a record before it deleted)")


def test_an_audit_row_deleted_with_sql_is_named_by_the_row_after_it(store, owner):
    make_user(store, owner, "clerk", "sales")
    make_user(store, owner, "ann", "viewer")
    ids = audit_ids(store)
    raw(store, "DELETE FROM audit_log WHERE id = :i", i=ids[2])
    assert failed(store, owner)[AUDIT] == (f"audit log: row #{ids[3]} does not match its seal "
                                           "(changed, or a record before it deleted)")


def test_an_audit_row_added_with_sql_has_no_seal(store, owner):
    raw(store, "INSERT INTO audit_log (at, actor, entity, entity_id, action, changes) "
               "VALUES ('2026-01-01 00:00:00', 'x', 'settings', 'k', 'insert', '{}')")
    assert failed(store, owner)[AUDIT].startswith("audit log: row #")
    assert "has no seal (1 unsealed" in failed(store, owner)[AUDIT]


def test_a_role_raised_with_sql_and_a_forged_audit_row_stay_named_after_later_writes(store, owner):
    """The forger adds the audit row that would explain the change; the next clerk's ordinary
    write seals only its own rows, so check still names the forged one."""
    make_user(store, owner, "clerk", "sales")
    raw(store, "UPDATE users SET role = 'owner' WHERE name = 'clerk'")
    raw(store, "INSERT INTO audit_log (at, actor, entity, entity_id, action, changes) "
               "VALUES ('2026-01-01 00:00:00', 'root', 'users', 'clerk', 'update', '{\"role\": [\"sales\", \"owner\"]}')")
    with store.transaction(owner) as b:
        b.set_setting("company.name", "Still Test Co")
    assert "has no seal (1 unsealed" in failed(store, owner)[AUDIT]


def test_an_audit_seal_is_set_once(store, owner):
    (first, *_) = audit_ids(store)
    for sql in ("UPDATE audit_log SET seal = 'x' WHERE id = :i", "UPDATE audit_log SET seal_no = NULL WHERE id = :i"):
        with pytest.raises(DBAPIError, match="a seal is set once"):
            raw(store, sql, i=first)


# -- users -------------------------------------------------------------------------------------


def test_a_role_changed_with_sql_is_named(store, owner):
    make_user(store, owner, "clerk", "sales")
    assert failed(store, owner) == {}
    raw(store, "UPDATE users SET role = 'owner' WHERE name = 'clerk'")
    assert failed(store, owner) == {
        USERS: "user clerk is owner, but the audit log last set sales: changed behind bizsuite's back"}


def test_roles_and_removals_through_bizsuite_pass(store, owner):
    make_user(store, owner, "clerk", "sales")
    with store.transaction(owner) as b:
        b.admin.set_role("clerk", "accountant")
    with store.transaction(owner) as b:
        b.admin.remove_user("clerk")
    with store.transaction(owner) as b:
        b.admin.add_user("clerk", "viewer")  # back again
    assert failed(store, owner) == {}


def test_a_user_reactivated_or_added_with_sql_is_named(store, owner):
    make_user(store, owner, "clerk", "sales")
    with store.transaction(owner) as b:
        b.admin.remove_user("clerk")
    raw(store, "UPDATE users SET active = :t WHERE name = 'clerk'", t=True)
    raw(store, "INSERT INTO users (name, role, active, created_at, created_by) "
               "VALUES ('mallory', 'owner', :t, '2026-01-01 00:00:00', 'x')", t=True)
    detail = failed(store, owner)[USERS]
    assert "user clerk is active, but the audit log says otherwise" in detail
    assert "user mallory (owner) is not in the audit log: added behind bizsuite's back" in detail


# -- existing books ----------------------------------------------------------------------------


def test_the_migration_seals_existing_rows_and_records_users_as_found(location, owner_name):
    store = Store.open_or_create_empty(location)
    try:
        with store.engine.begin() as conn:
            command.upgrade(migrations.alembic_config(conn), "0003_tickets")
            conn.execute(text("INSERT INTO settings (key, value) VALUES ('app', 'bizsuite'), "
                              "('company.name', 'Old Co'), ('company.currency', 'USD')"))
            conn.execute(text("INSERT INTO users (name, role, active, created_at, created_by) "
                              "VALUES (:n, 'owner', :t, '2026-01-01 00:00:00', :n)"), {"n": owner_name, "t": True})
            for i in range(3):
                conn.execute(text("INSERT INTO audit_log (at, actor, entity, entity_id, action, changes) "
                                  "VALUES ('2026-01-01 00:00:00', :n, 'settings', :k, 'insert', '{}')"),
                             {"n": owner_name, "k": f"k{i}"})
            conn.execute(text("INSERT INTO ledger_accounts (id, name, type, active, version, created_at, created_by, "
                              "updated_at, updated_by) VALUES (1, 'assets', 'asset', :t, 1, '2026-01-01 00:00:00', "
                              "'x', '2026-01-01 00:00:00', 'x'), (2, 'income', 'income', :t, 1, "
                              "'2026-01-01 00:00:00', 'x', '2026-01-01 00:00:00', 'x')"), {"t": True})
            for e in (1, 2):
                conn.execute(text("INSERT INTO ledger_entries (id, date, memo, mark, status, source_kind, version, "
                                  "created_at, created_by, posted_at, posted_by) VALUES (:e, '2025-01-02', 'old', '', "
                                  "'posted', 'manual', 1, '2026-01-01 00:00:00', 'x', '2026-01-01 00:00:00', 'x')"),
                             {"e": e})
                conn.execute(text("INSERT INTO ledger_lines (entry_id, line_no, date, account_id, amount) VALUES "
                                  "(:e, 1, '2025-01-02', 1, 500), (:e, 2, '2025-01-02', 2, -500)"), {"e": e})
    finally:
        store.close()
    reopened = Store.open(location)  # opening upgrades
    try:
        actor = reopened.actor_for(owner_name)
        with reopened.engine.connect() as conn:
            audit = conn.execute(text("SELECT id, seal_no, via, entity FROM audit_log ORDER BY id")).all()
            entries = conn.execute(text("SELECT id, seal_no FROM ledger_entries ORDER BY id")).all()
        assert [(a.seal_no, a.via, a.entity) for a in audit] == [
            (1, None, "settings"), (2, None, "settings"), (3, None, "settings"), (4, "baseline", "users")]
        assert [(e.id, e.seal_no) for e in entries] == [(1, 1), (2, 2)]
        assert failed(reopened, actor) == {}
        # and from now on a raw change to the old owner is seen
        raw(reopened, "UPDATE users SET role = 'viewer' WHERE name = :n", n=owner_name)
        assert USERS in failed(reopened, actor)
    finally:
        reopened.close()


def test_the_audit_chain_is_verified_in_one_pass(store, owner):
    for i in range(5):
        make_user(store, owner, f"u{i}", "viewer")
    with store.engine.connect() as conn:
        assert CHAIN.verify(conn) is None
        n, head = CHAIN.head(conn)
        assert n == conn.execute(text("SELECT count(*) FROM audit_log")).scalar() and len(head) == 64

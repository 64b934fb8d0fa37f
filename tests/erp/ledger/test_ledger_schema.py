"""The ledger's migration: it upgrades books that already hold contacts, protects posted entries
with triggers on SQLite and PostgreSQL, and downgrades cleanly."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import inspect, text

from bizsuite import migrations
from bizsuite.core.store import Store
from bizsuite.crm.contacts.models import ContactIn


def test_upgrade_from_0001_keeps_data_and_adds_the_ledger(location, owner_name):
    store = Store.open_or_create_empty(location)
    try:
        with store.engine.begin() as conn:
            command.upgrade(migrations.alembic_config(conn), "0001_foundation")
            conn.execute(text("INSERT INTO settings (key, value) VALUES ('app', 'bizsuite'), "
                              "('company.name', 'Old Co'), ('company.currency', 'USD')"))
            conn.execute(text("INSERT INTO users (name, role, active, created_at, created_by) "
                              "VALUES (:n, 'owner', :t, '2025-01-01 00:00:00', :n)"), {"n": owner_name, "t": True})
        store.migrate()
        with store.engine.connect() as conn:
            assert migrations.current_revisions(conn) == migrations.newest()
            tables = set(inspect(conn).get_table_names())
        assert {"ledger_accounts", "ledger_entries", "ledger_lines", "ledger_draft_lines"} <= tables
        actor = store.actor_for(owner_name)
        with store.transaction(actor) as b:
            c = b.contacts.add(ContactIn(name="Acme", kind="company"))
            b.ledger.load_chart("standard")
            b.ledger.post_entry("2025-01-02", "x", [("assets:cash", 5), ("income:sales", None)], contact_id=c.id)
        with store.read(actor) as b:
            results = {r.name: r for r in b.admin.check()}
        assert all(r.ok for r in results.values()), [r for r in results.values() if not r.ok]
        assert results["posted ledger entries are protected"].ok
    finally:
        store.close()


def test_downgrade_removes_the_ledger_and_its_triggers(location, owner_name):
    store = Store.open_or_create_empty(location)
    try:
        store.initialise(company="X", currency="USD", owner=owner_name)
        actor = store.actor_for(owner_name)
        with store.transaction(actor) as b:
            b.ledger.load_chart("standard")
            b.ledger.post_entry("2025-01-02", "x", [("assets:cash", 5), ("income:sales", None)])
        with store.engine.begin() as conn:
            command.downgrade(migrations.alembic_config(conn), "0001_foundation")
        with store.engine.connect() as conn:
            assert not {t for t in inspect(conn).get_table_names() if t.startswith("ledger_")}
            if conn.dialect.name == "sqlite":
                left = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'ledger%'")).all()
            else:
                left = conn.execute(text("SELECT proname FROM pg_proc WHERE proname LIKE 'ledger%'")).all()
            assert left == []
        assert migrations.upgrade_if_needed(store.engine) is True
    finally:
        store.close()


def test_check_reports_a_missing_trigger(store, owner):
    if store.engine.dialect.name != "sqlite":
        pytest.skip("dropping a trigger by hand: shown on SQLite")
    with store.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER ledger_lines_never_delete"))
    with store.read(owner) as b:
        r = next(r for r in b.admin.check() if r.name == "posted ledger entries are protected")
    assert not r.ok and r.detail == "missing triggers: ledger_lines_never_delete"

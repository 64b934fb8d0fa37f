"""The schema comes only from Alembic revisions, and they match the models exactly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

import bizsuite.models_registry  # noqa: F401
from bizsuite import migrations
from bizsuite.core.store import Store


def test_head_constant_is_the_newest_revision():
    script = ScriptDirectory.from_config(migrations.alembic_config())
    assert script.get_current_head() == migrations.HEAD
    assert migrations.HEAD in migrations.known_revisions()


def test_upgrade_from_empty_then_no_drift(location):
    store = Store.open_or_create_empty(location)
    try:
        assert store.state() == "empty"
        assert migrations.upgrade_if_needed(store.engine) is True
        assert migrations.upgrade_if_needed(store.engine) is False  # idempotent
        with store.engine.connect() as conn:
            assert migrations.current_revision(conn) == migrations.HEAD
            from bizsuite.migrations.filters import include_object

            ctx = MigrationContext.configure(
                conn, opts={"include_object": include_object, "compare_type": True}
            )
            diff = compare_metadata(ctx, SQLModel.metadata)
            assert diff == [], f"models and migrations disagree: {diff}"
            tables = set(inspect(conn).get_table_names())
            assert {"contacts", "contact_tags", "contact_activities", "users", "settings", "audit_log"} <= tables
            if conn.dialect.name == "sqlite":
                # the search index and its triggers exist only on SQLite
                names = {r[0] for r in conn.execute(text("SELECT name FROM sqlite_master"))}
                assert {"contacts_fts", "contacts_fts_ai", "contacts_fts_ad", "contacts_fts_au"} <= names
            else:
                idx = {i["name"] for i in inspect(conn).get_indexes("contacts")}
                assert "ix_contacts_search_trgm" in idx
    finally:
        store.close()


def test_downgrade_to_empty_and_back(sqlite_location):
    from alembic import command

    store = Store.open_or_create_empty(sqlite_location)
    try:
        migrations.upgrade_if_needed(store.engine)
        with store.engine.begin() as conn:
            command.downgrade(migrations.alembic_config(conn), "base")
        with store.engine.connect() as conn:
            left = set(inspect(conn).get_table_names()) - {"alembic_version"}
            assert left == set()
        assert migrations.upgrade_if_needed(store.engine) is True
    finally:
        store.close()

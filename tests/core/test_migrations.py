"""The schema comes only from Alembic revisions, one branch per module, and they match the models.

Books made at every earlier release of the schema upgrade to all heads with no drift; books at
a revision this bizsuite does not know are refused before anything is written.
"""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

import bizsuite.models_registry  # noqa: F401
from bizsuite import migrations
from bizsuite.core import modules
from bizsuite.core.errors import BooksError
from bizsuite.core.store import Store
from bizsuite.migrations.filters import include_object

# Each schema a released bizsuite made books at (the straight chain before module branches).
RELEASES = ["0001_foundation", "0002_ledger", "0003_tickets"]


def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(migrations.alembic_config())


def _drift(conn) -> list:
    ctx = MigrationContext.configure(conn, opts={"include_object": include_object, "compare_type": True})
    return compare_metadata(ctx, SQLModel.metadata)


def test_the_light_parser_agrees_with_alembic_about_revisions_and_heads():
    script = _script()
    assert migrations.known_revisions() == {r.revision for r in script.walk_revisions()}
    assert migrations.heads() == set(script.get_heads())
    assert migrations.newest() == set(script.revision_map._real_heads)
    assert len(migrations.heads()) > 1  # really branches, not one chain with a hard-coded head


def test_every_module_with_tables_has_a_branch_of_its_own_that_depends_on_its_modules():
    script = _script()
    labels = {label: rev for rev in script.walk_revisions() for label in (rev._orig_branch_labels or ())}
    assert "core" in labels
    for m in modules.installed():
        if not m.models:
            continue
        assert m.name in labels, f"module {m.name} has no migration branch"
        base = labels[m.name]
        assert base.module.__file__.startswith(str(m.migrations_dir())), "a module's revisions live in its own folder"
        for dep in m.depends:
            assert dep in (base.dependencies or ()), f"{m.name}'s branch does not depend on {dep}"
        # the branch's newest revision is one of the heads the books are upgraded to
        assert script.revision_map.get_current_head(m.name) in migrations.heads()


def test_upgrade_from_empty_then_no_drift(location):
    store = Store.open_or_create_empty(location)
    try:
        assert store.state() == "empty"
        assert migrations.upgrade_if_needed(store.engine) is True
        assert migrations.upgrade_if_needed(store.engine) is False  # idempotent
        with store.engine.connect() as conn:
            assert migrations.current_revisions(conn) == migrations.newest()
            assert _drift(conn) == [], "models and migrations disagree"
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


@pytest.mark.parametrize("release", RELEASES)
def test_books_made_at_each_earlier_release_upgrade_to_every_head(location, owner_name, release):
    """Books as that release made them (with data in them) open, upgrade, keep their data."""
    store = Store.open_or_create_empty(location)
    try:
        with store.engine.begin() as conn:
            command.upgrade(migrations.alembic_config(conn), release)
            conn.execute(text("INSERT INTO settings (key, value) VALUES ('app', 'bizsuite')"))
            conn.execute(text("INSERT INTO settings (key, value) VALUES ('company.name', 'Old Co')"))
            conn.execute(text(
                "INSERT INTO users (name, role, active, created_at, created_by) "
                "VALUES (:n, 'owner', :t, '2026-01-01 00:00:00', :n)"), {"n": owner_name, "t": True})
        with store.engine.connect() as conn:
            assert migrations.current_revisions(conn) == {release}
    finally:
        store.close()

    reopened = Store.open(location)  # opening upgrades
    try:
        with reopened.engine.connect() as conn:
            assert migrations.current_revisions(conn) == migrations.newest()
            assert _drift(conn) == []
        with reopened.read(reopened.actor_for(owner_name)) as books:
            assert books.company == "Old Co"
            assert {c.name for c in books.admin.check() if not c.ok} == set()
    finally:
        reopened.close()


def test_books_from_a_newer_bizsuite_are_refused_and_left_as_they_were(store):
    with store.engine.begin() as conn:
        conn.execute(text("INSERT INTO alembic_version (version_num) VALUES ('stock_0009_future')"))
    before = _schema(store)
    store.close()
    with pytest.raises(BooksError) as refused:
        Store.open(store.location)
    message = str(refused.value)
    assert "newer bizsuite" in message and "stock_0009_future" in message
    assert "\n" not in message
    again = Store(store.location)
    try:
        assert _schema(again) == before  # nothing was upgraded, nothing half-done
    finally:
        again.close()


def test_a_module_added_later_is_installed_by_its_own_branch(sqlite_location, tmp_path):
    """Books made without a module get its tables when a bizsuite that has it opens them;
    books that have it are refused by a bizsuite that lacks it (its revisions are unknown)."""
    from memos_module import MODULE as MEMOS

    store = Store.open_or_create_empty(sqlite_location)
    try:
        migrations.upgrade_if_needed(store.engine)
        with modules.use([*modules.installed(), MEMOS]):
            assert migrations.upgrade_if_needed(store.engine) is True
            with store.engine.connect() as conn:
                assert "memos" in inspect(conn).get_table_names()
                assert "memos_0001" in migrations.current_revisions(conn)
        with pytest.raises(BooksError, match="memos_0001"):
            migrations.upgrade_if_needed(store.engine)
    finally:
        store.close()


def test_downgrade_to_empty_and_back(sqlite_location):
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


def _schema(store: Store) -> tuple:
    with store.engine.connect() as conn:
        insp = inspect(conn)
        return tuple(sorted(insp.get_table_names())), tuple(sorted(migrations.current_revisions(conn)))


def test_several_processes_opening_old_books_at_once_upgrade_them_once(location, owner_name):
    """Three clerks start the new bizsuite at the same moment on books of the last release: one
    upgrades, the others wait and find them up to date (PostgreSQL: an advisory lock)."""
    import subprocess
    import sys

    store = Store.open_or_create_empty(location)
    try:
        with store.engine.begin() as conn:
            command.upgrade(migrations.alembic_config(conn), RELEASES[-1])
            conn.execute(text("INSERT INTO settings (key, value) VALUES ('app', 'bizsuite')"))
    finally:
        store.close()
    code = ("import sys; from bizsuite.core.db import Location; from bizsuite.core.store import Store; "
            "s = Store.open(Location(sys.argv[1], 'test')); s.close(); print('ok')")
    procs = [subprocess.Popen([sys.executable, "-c", code, location.url], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(3)]
    results = [p.communicate(timeout=120) + (p.returncode,) for p in procs]
    assert [(out.strip(), rc) for out, _, rc in results] == [("ok", 0)] * 3, [err for _, err, _ in results]
    again = Store(location)
    try:
        with again.engine.connect() as conn:
            assert migrations.current_revisions(conn) == migrations.newest()
            assert _drift(conn) == []
    finally:
        again.close()


def test_the_parser_reads_revision_files_written_any_way_alembic_accepts(tmp_path, monkeypatch):
    (tmp_path / "a.py").write_text('revision = "a"\ndown_revision = None\nbranch_labels = ("x",)\n')
    (tmp_path / "b.py").write_text(
        '"""b"""\nfrom typing import Union\nrevision: str = "b"  # the id\n'
        'down_revision: Union[str, None] = (\n    "a",\n)\ndepends_on = [\n    "x",\n]\n')
    (tmp_path / "_c.py").write_text('revision = "c"\ndown_revision = "b"\n')  # Alembic reads it too
    monkeypatch.setattr(migrations, "version_locations", lambda: [tmp_path])
    migrations._forget()
    try:
        assert migrations.known_revisions() == {"a", "b", "c"}
        assert migrations.heads() == {"c"}
    finally:
        migrations._forget()


def test_books_closed_and_imported_twice_before_ledger_0003_upgrade_with_one_closing_per_year(location, owner_name):
    """Books of the last release in which a race had already posted 2024's closing twice and
    landed an import twice: the upgrade records one closing per year (the first entry, and as the
    lock date before it the end of the year closed before), and marks the second copy's import
    key so the unique index can be built; no posted entry is lost."""
    store = Store.open_or_create_empty(location)
    try:
        with store.engine.begin() as conn:
            command.upgrade(migrations.alembic_config(conn), RELEASES[-1])
            conn.execute(text("INSERT INTO settings (key, value) VALUES ('app', 'bizsuite')"))
            conn.execute(text("INSERT INTO users (name, role, active, created_at, created_by) "
                              "VALUES (:n, 'owner', :t, '2026-01-01 00:00:00', :n)"), {"n": owner_name, "t": True})
            at = "2026-01-05 10:00:00"
            for i, (kind, source, key) in enumerate([("close_year", 2023, None), ("close_year", 2024, None),
                                                     ("close_year", 2024, None), ("import", None, "k" * 32),
                                                     ("import", None, "k" * 32)], 1):
                conn.execute(text(
                    "INSERT INTO ledger_entries (id, date, memo, mark, status, source_kind, source_id, import_key, "
                    "version, created_at, created_by, posted_at, posted_by) VALUES (:i, :d, 'e', '', 'posted', :k, "
                    ":s, :key, 1, :at, :n, :at, :n)"),
                    {"i": i, "d": f"{source or 2025}-12-31", "k": kind, "s": source, "key": key, "at": at,
                     "n": owner_name})
    finally:
        store.close()
    reopened = Store.open(location)
    try:
        with reopened.engine.connect() as conn:
            assert _drift(conn) == []
            closings = conn.execute(text("SELECT year, entry_id, lock_before FROM ledger_closings ORDER BY year")).all()
            assert [(y, e, b and str(b)) for y, e, b in closings] == [(2023, 1, None), (2024, 2, "2023-12-31")]
            assert conn.execute(text("SELECT id, import_key FROM ledger_entries WHERE import_key IS NOT NULL "
                                     "ORDER BY id")).all() == [(4, "k" * 32), (5, "k" * 32 + "~5")]
            assert conn.execute(text("SELECT count(*) FROM ledger_entries")).scalar() == 5
    finally:
        reopened.close()

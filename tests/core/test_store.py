"""The store: where books are found, how they are opened, and that a unit of work is atomic."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from sqlalchemy import event, text

from bizsuite.core.db import Location, locate, to_url
from bizsuite.core.errors import BooksError, PermissionDenied
from bizsuite.core.settings import Settings
from bizsuite.core.store import Store
from bizsuite.crm.contacts.models import ContactIn


def test_locate_order(tmp_path, monkeypatch, _isolated_home):
    import bizsuite.core.db as db

    default = locate(None)
    assert default.source == "default" and default.path.name == "books.sqlite"
    assert str(_isolated_home) in str(default.path)

    site = tmp_path / "site.toml"
    site.write_text('db = "/srv/site.sqlite"\n')
    monkeypatch.setattr(db, "SITE_CONFIG", site)
    assert locate(None).url == to_url("/srv/site.sqlite")

    user_cfg = db.user_config_file()
    user_cfg.parent.mkdir(parents=True)
    user_cfg.write_text('db = "/srv/user.sqlite"\n')
    assert locate(None).url == to_url("/srv/user.sqlite")

    monkeypatch.setenv("BIZSUITE_DB", "/srv/env.sqlite")
    env = Settings.from_env()
    assert locate(None, env).source == "BIZSUITE_DB" and locate(None, env).url == to_url("/srv/env.sqlite")
    assert locate("/srv/opt.sqlite", env).url == to_url("/srv/opt.sqlite")  # --db comes first
    assert locate("/srv/opt.sqlite").url == to_url("/srv/opt.sqlite")
    pg = locate("postgresql://u:p@h/db")
    assert pg.url.startswith("postgresql+psycopg://") and not pg.is_sqlite
    assert "p@" not in pg.display()  # the password is never shown


def test_settings_are_typed_frozen_and_read_once(monkeypatch):
    import dataclasses
    import re
    from pathlib import Path

    from bizsuite.core import settings

    assert Settings.from_env({"BIZSUITE_DB": "  /srv/x.sqlite "}).db == "/srv/x.sqlite"
    assert Settings.from_env({"BIZSUITE_DB": "  "}).db is None  # empty is unset
    assert Settings.from_env({"DB": "/srv/x.sqlite"}).db is None  # only the BIZSUITE_ prefix counts
    with pytest.raises(dataclasses.FrozenInstanceError):
        Settings().db = "x"  # type: ignore[misc]
    settings.current.cache_clear()
    try:
        monkeypatch.setenv("BIZSUITE_DB", "/srv/first.sqlite")
        first = settings.current()
        monkeypatch.setenv("BIZSUITE_DB", "/srv/later.sqlite")
        assert settings.current() is first and locate(None).url == to_url("/srv/first.sqlite")
    finally:
        settings.current.cache_clear()
    # nothing else in bizsuite reads its own variables from the environment
    root = Path(settings.__file__).resolve().parents[1]
    reads = re.compile(r"""(environ(\.get)?[\[(]|getenv\()\s*f?["']BIZSUITE_""")
    readers = [p.relative_to(root).as_posix() for p in root.rglob("*.py") if reads.search(p.read_text("utf-8"))]
    assert readers == []


def test_bad_config_file_is_a_clear_refusal(_isolated_home, monkeypatch):
    import bizsuite.core.db as db

    cfg = db.user_config_file()
    cfg.parent.mkdir(parents=True)
    cfg.write_text("db = [oops\n")
    with pytest.raises(BooksError, match="config.toml: cannot read"):
        locate(None)


def test_open_refuses_missing_without_creating(tmp_path):
    path = tmp_path / "nope.sqlite"
    with pytest.raises(BooksError, match="no books here"):
        Store.open(Location(to_url(str(path)), "test"))
    assert not path.exists()


def test_open_refuses_foreign_files(tmp_path):
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"hello, not a database")
    with pytest.raises(BooksError, match="not a bizsuite database"):
        Store.open(Location(to_url(str(junk)), "test"))
    other = tmp_path / "other.sqlite"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE foo (x)")
    conn.commit()
    conn.close()
    with pytest.raises(BooksError, match="not a bizsuite database"):
        Store.open(Location(to_url(str(other)), "test"))
    corrupt = tmp_path / "corrupt.sqlite"
    corrupt.write_bytes(b"SQLite format 3\x00" + b"\xff" * 2000)
    with pytest.raises(BooksError):
        Store.open(Location(to_url(str(corrupt)), "test"))


def test_sqlite_pragmas(store):
    if store.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_write_transactions_take_the_lock_up_front(store, owner):
    """A writer holds SQLite's write lock from BEGIN; a second writer waits instead of failing."""
    if store.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    path = store.location.path
    order = []
    with store.transaction(owner) as books:
        books.session.execute(text("SELECT 1"))  # BEGIN IMMEDIATE has run
        probe = sqlite3.connect(path, timeout=0)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            probe.execute("BEGIN IMMEDIATE")
        probe.close()

        waiting = threading.Event()  # set when the second writer sends its BEGIN IMMEDIATE

        def on_execute(conn, cursor, statement, *args):
            if statement.startswith("BEGIN IMMEDIATE") and threading.current_thread() is t:
                waiting.set()

        def second():
            try:
                with store.transaction(owner) as b2:
                    b2.contacts.add(ContactIn(name="Second"))
                order.append("second")
            except Exception as exc:  # "database is locked" would land here
                order.append(repr(exc))

        event.listen(store.engine, "before_cursor_execute", on_execute)
        try:
            t = threading.Thread(target=second)
            t.start()
            assert waiting.wait(10), "the second writer never began"
            books.contacts.add(ContactIn(name="First"))  # while the second writer waits for the lock
            order.append("first")
        finally:
            event.remove(store.engine, "before_cursor_execute", on_execute)
    t.join(10)
    assert order == ["first", "second"]


def test_transaction_is_all_or_nothing(store, owner):
    with pytest.raises(RuntimeError):
        with store.transaction(owner) as books:
            books.contacts.add(ContactIn(name="Half"))
            raise RuntimeError("boom")
    with store.read(owner) as books:
        assert books.contacts.count() == 0
        # nothing audited either
        assert books.admin.audit(entity="contacts") == []


def test_read_transactions_write_nothing(store, owner):
    with store.read(owner) as books:
        books.contacts  # noqa: B018
        books.set_setting("company.name", "Changed")
    with store.read(owner) as books:
        assert books.company == "Test Co"


def test_initialise_is_idempotent(store, owner_name):
    assert store.initialise(company="Other", currency="EUR", owner=owner_name) is False
    with store.read(store.actor_for(owner_name)) as books:
        assert books.company == "Test Co" and books.currency == "USD"


def test_unknown_os_user_is_told_who_can_add_them(store, owner_name):
    with pytest.raises(PermissionDenied) as exc:
        store.actor_for("mallory")
    msg = str(exc.value)
    assert "mallory is not a bizsuite user" in msg
    assert owner_name in msg and "bizsuite users add mallory --role" in msg


def test_as_is_for_owners_only(store, owner):
    with store.transaction(owner) as books:
        books.admin.add_user("bob", "sales")
        books.admin.add_user("carol", "viewer")
    as_bob = store.actor_for(owner.name, "bob")
    assert as_bob.name == "bob" and as_bob.role == "sales" and as_bob.via == owner.name
    with pytest.raises(PermissionDenied, match="only the owner"):
        store.actor_for("bob", "carol")
    with pytest.raises(PermissionDenied, match="no such bizsuite user"):
        store.actor_for(owner.name, "nobody")
    with store.transaction(as_bob) as books:
        books.contacts.add(ContactIn(name="Added as bob"))
    with store.read(owner) as books:
        entry = books.admin.audit(entity="contacts")[0]
        assert entry.actor == "bob" and entry.via == owner.name

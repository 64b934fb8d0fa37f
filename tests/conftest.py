"""Shared fixtures: fresh books on SQLite, and on PostgreSQL too when BIZSUITE_TEST_PG_URL is set."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from datetime import datetime, timezone

import pytest

from bizsuite.core import clock
from bizsuite.core.auth import Actor, os_login
from bizsuite.core.db import Location, to_url
from bizsuite.core.store import Store

PG_URL = os.environ.get("BIZSUITE_TEST_PG_URL")
if os.environ.get("CI") and not PG_URL:
    raise pytest.UsageError("CI must run the PostgreSQL tests: set BIZSUITE_TEST_PG_URL (see .ci/run)")
FROZEN = datetime(2026, 3, 16, 9, 30, tzinfo=timezone.utc)


def _backends():
    params = [pytest.param("sqlite", id="sqlite")]
    params.append(
        pytest.param(
            "postgresql",
            id="postgresql",
            marks=[
                pytest.mark.postgres,
                pytest.mark.skipif(not PG_URL, reason="BIZSUITE_TEST_PG_URL is not set"),
            ],
        )
    )
    return params


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory, monkeypatch):
    """Never touch the developer's real books or config: HOME and XDG dirs point at a temp dir."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.delenv("BIZSUITE_DB", raising=False)
    monkeypatch.setattr("bizsuite.core.db.SITE_CONFIG", home / "etc-bizsuite-config.toml")
    yield home


def pytest_xdist_auto_num_workers(config) -> int:
    """``-n auto``: two workers per CPU. The suite waits as well as computes (real processes,
    PostgreSQL, a settling app): on 2 CPUs, 4 workers ran it in 10:50-10:54, 2 in 11:05-12:41."""
    cpus = os.cpu_count() or 1
    return min(2 * cpus, cpus + 6)


@pytest.fixture(scope="session")
def small_demo_file(tmp_path_factory):
    """``small_demo_file(seed=7, copy="", into=None)``: the small demo of that seed as built on
    BASE's day, made once per run (a build takes 10-14 s; with xdist the first worker that needs
    it builds it, under a file lock, in the run's shared temp folder) and shared: read it, never
    write it — ``into=PATH`` gives a test its own copy there. ``copy`` names an independent second
    build, for the tests that prove the same seed gives the same company."""
    import fcntl
    import sqlite3

    from bizsuite.demo import BASE, prepare_demo

    shared = _shared_temp(tmp_path_factory)
    made: dict[tuple[int, str], object] = {}

    def get(seed: int = 7, copy: str = "", into=None):
        if (seed, copy) not in made:
            folder = shared / f"shared-demo-{seed}{copy}"
            path = folder / "demo.sqlite"
            with open(shared / f"shared-demo-{seed}{copy}.lock", "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)  # the others wait for the one building it
                if not (folder / "built").exists():
                    folder.mkdir(exist_ok=True)
                    with clock.freeze(BASE):
                        prepare_demo(Location(to_url(str(path)), "test"), seed=seed, echo=lambda m: None)
                    (folder / "built").touch()
            made[(seed, copy)] = path
        if into is None:
            return made[(seed, copy)]
        src, dst = sqlite3.connect(made[(seed, copy)]), sqlite3.connect(into)
        try:  # SQLite's backup: whole even if someone has the source open
            src.backup(dst)
            dst.execute("PRAGMA journal_mode = WAL")
        finally:
            dst.close()
            src.close()
        return into

    return get


@pytest.fixture(scope="session")
def pg_demo(tmp_path_factory):
    """The small demo (seed 7, built on BASE's day) in a PostgreSQL database of its own, built
    once per run by the first worker that needs it (under a file lock, as ``small_demo_file``)
    and shared: read it, never write it. The run's controller drops it at the end
    (``pytest_sessionfinish``). A build on PostgreSQL takes a minute or more of the suite."""
    import fcntl

    from bizsuite.demo import BASE, prepare_demo

    if not PG_URL:
        pytest.skip("BIZSUITE_TEST_PG_URL is not set")
    shared = _shared_temp(tmp_path_factory)
    with open(shared / "pg-demo.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        made = shared / "pg-demo.url"
        if not made.exists():
            url, _ = _pg_database(PG_URL)
            with open(shared / PG_DEMOS, "a") as names:
                names.write(url + "\n")  # for the controller to drop
            with clock.freeze(BASE):
                prepare_demo(Location(url, "test"), echo=lambda m: None)
            made.write_text(url)
    return Location(made.read_text(), "test")


PG_DEMOS = "pg-demo-databases.txt"


def _shared_temp(tmp_path_factory) -> Path:
    """The run's temp folder that every xdist worker sees (the controller's)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def pytest_sessionfinish(session, exitstatus):
    """The controller (or a run without xdist) drops the shared PostgreSQL demo."""
    if os.environ.get("PYTEST_XDIST_WORKER") or not PG_URL:
        return
    factory = getattr(session.config, "_tmp_path_factory", None)
    listed = factory.getbasetemp() / PG_DEMOS if factory is not None else None
    if listed is None or not listed.exists():
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(to_url(PG_URL), isolation_level="AUTOCOMMIT")
    try:
        for url in listed.read_text().split():
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture(params=_backends())
def demo_location(request, tmp_path, small_demo_file):
    """Where the small demo (seed 7, BASE's day) is, to read: on SQLite this test's own copy of
    the run's build, on PostgreSQL the run's shared build (``pg_demo``: never write to it)."""
    if request.param == "sqlite":
        return Location(to_url(str(small_demo_file(into=tmp_path / "demo.sqlite"))), "test")
    return request.getfixturevalue("pg_demo")


@pytest.fixture
def frozen_clock():
    with clock.freeze(FROZEN):
        yield FROZEN


def _pg_database(base_url: str):
    """A fresh PostgreSQL database for one test; dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"bizsuite_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(to_url(base_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(to_url(base_url)).set(database=name).render_as_string(hide_password=False)

    def drop():
        from sqlalchemy.exc import DBAPIError

        # FORCE ends sessions a test left open. Ending an autovacuum worker that happens to be in
        # the database needs pg_signal_backend (CI grants it); without it, plain DROP DATABASE
        # asks autovacuum to leave and waits, so fall back to that.
        def run(statement):
            with admin.connect() as conn:
                conn.execute(text(statement))

        try:
            try:
                run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            except DBAPIError:
                run(f'DROP DATABASE IF EXISTS "{name}"')
        finally:
            admin.dispose()

    return url, drop


@pytest.fixture(params=_backends())
def location(request, tmp_path):
    """Where fresh books live: an SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield Location(to_url(str(tmp_path / "books.sqlite")), "test")
    else:
        url, drop = _pg_database(PG_URL)
        yield Location(url, "test")
        drop()


@pytest.fixture(scope="module", params=_backends())
def module_location(request, tmp_path_factory):
    """Like ``location``, shared by a module's tests: books built once that the tests only read."""
    if request.param == "sqlite":
        yield Location(to_url(str(tmp_path_factory.mktemp("module") / "books.sqlite")), "test")
    else:
        url, drop = _pg_database(PG_URL)
        yield Location(url, "test")
        drop()


@pytest.fixture
def sqlite_location(tmp_path):
    return Location(to_url(str(tmp_path / "books.sqlite")), "test")


@pytest.fixture
def owner_name() -> str:
    return os_login()


def _initialised(location: Location, owner_name: str) -> Store:
    s = Store.open_or_create_empty(location)
    s.initialise(company="Test Co", currency="USD", owner=owner_name)
    return s


@pytest.fixture
def store(location, owner_name):
    s = _initialised(location, owner_name)
    yield s
    s.close()


@pytest.fixture
def sqlite_store(sqlite_location, owner_name):
    """Initialised books on SQLite only (for what only SQLite does)."""
    s = _initialised(sqlite_location, owner_name)
    yield s
    s.close()


@pytest.fixture
def owner(store, owner_name) -> Actor:
    return store.actor_for(owner_name)


def make_user(store: Store, owner: Actor, name: str, role: str) -> Actor:
    with store.transaction(owner) as books:
        books.admin.add_user(name, role)
    return Actor(name=name, role=role)

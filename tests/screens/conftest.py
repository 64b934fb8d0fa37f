"""Books with a fixed dozen contacts, a frozen clock and UTC, for Pilot and snapshot tests."""

from __future__ import annotations

import asyncio
import inspect
import time
from datetime import timedelta

import pytest

from bizsuite.app import make_app
from bizsuite.core import clock
from bizsuite.core.auth import Actor
from bizsuite.core.store import Store
from bizsuite.crm.contacts.models import ContactIn

OWNER = "alice"

# (name, kind, company, email, phone, roles, tags, city, country, notes)
PEOPLE_AND_COMPANIES = [
    ("北京科技有限公司", "company", None, "info@bjkj.cn", "+86 10 8888 6666", ["customer", "supplier"], ["asia", "vip"], "北京", "China", "Key distributor for north China."),
    ("Acme Trading Ltd", "company", None, "sales@acme.example", "+44 20 7946 0000", ["customer"], ["wholesale"], "London", "United Kingdom", None),
    ("Globex GmbH", "company", None, "einkauf@globex.example", "+49 30 901820", ["supplier"], ["europe"], "Berlin", "Germany", None),
    ("王小明", "person", "北京科技有限公司", "xiaoming@bjkj.cn", "+86 138 0013 8000", ["customer"], ["vip"], "北京", "China", "Prefers WeChat."),
    ("李华", "person", "北京科技有限公司", "lihua@bjkj.cn", None, ["lead"], [], "上海", "China", None),
    ("Alice Martin", "person", "Acme Trading Ltd", "alice@acme.example", "+44 20 7946 0001", ["customer"], ["wholesale"], "London", "United Kingdom", None),
    ("Bob Stone", "person", "Acme Trading Ltd", "bob@acme.example", None, ["customer", "lead"], [], "Leeds", "United Kingdom", None),
    ("Carla Weber", "person", "Globex GmbH", "carla@globex.example", "+49 30 901821", ["supplier"], ["europe"], "Berlin", "Germany", None),
    ("Dmitri Ivanov", "person", None, "dmitri@example.org", None, ["employee"], [], "Riga", "Latvia", None),
    ("Emma Johnson", "person", None, "emma.j@example.com", "+1 415 555 0123", ["lead"], ["newsletter"], "San Francisco", "USA", None),
    ("Frank Müller", "person", "Globex GmbH", "frank@globex.example", None, [], [], "Hamburg", "Germany", None),
    ("Emma Johnston", "person", None, "emma.j@example.com", None, ["lead"], [], "Oakland", "USA", "Met at the trade fair."),
]


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem):
    """Run ``async def`` tests (Pilot) in a fresh event loop; no asyncio plugin needed."""
    if inspect.iscoroutinefunction(pyfuncitem.obj):
        args = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
        asyncio.run(pyfuncitem.obj(**args))
        return True
    return None


@pytest.fixture(autouse=True)
def _utc(monkeypatch):
    """Times render in UTC whatever the machine's zone, so snapshots are the same everywhere."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def fill(store: Store, actor: Actor, now) -> dict[str, int]:
    """The fixed dataset; returns ids by name. Each contact is one minute older than the next."""
    ids: dict[str, int] = {}
    start = now - timedelta(days=3)
    for n, (name, kind, company, email, phone, roles, tags, city, country, notes) in enumerate(PEOPLE_AND_COMPANIES):
        with clock.freeze(start + timedelta(minutes=n)):
            with store.transaction(actor) as books:
                c = books.contacts.add(ContactIn(
                    name=name, kind=kind, company=company, email=email, phone=phone, roles=roles,
                    tags=tags, city=city, country=country, notes=notes))
                ids[name] = c.id
    with store.transaction(actor) as books:
        with clock.freeze(now - timedelta(days=2, hours=3)):
            books.contacts.add_activity(ids["王小明"], kind="call", subject="Asked for the spring price list")
        with clock.freeze(now - timedelta(hours=1)):
            books.contacts.add_activity(ids["王小明"], kind="meeting", subject="Visit to the Beijing office",
                                        body="Agreed on quarterly orders.")
        with clock.freeze(now - timedelta(days=40)):
            books.contacts.add_activity(ids["北京科技有限公司"], kind="email", subject="Signed the distribution agreement")
        with clock.freeze(now - timedelta(days=1)):
            books.contacts.add_activity(ids["Emma Johnston"], kind="note", subject="Wants the catalogue")
    return ids


@pytest.fixture
def books(sqlite_location, frozen_clock):
    """SQLite books for Test Co with the fixed dataset: (store, owner actor, ids by name)."""
    store = Store.open_or_create_empty(sqlite_location)
    store.initialise(company="Test Co", currency="USD", owner=OWNER)
    actor = Actor(name=OWNER, role="owner")  # not the OS login: snapshots must not depend on it
    with store.transaction(actor) as b:
        b.set_setting("contacts.phone_region", "GB")
    ids = fill(store, actor, frozen_clock)
    yield store, actor, ids
    store.close()


@pytest.fixture
def app(books, sqlite_location):
    store, actor, _ = books
    a = make_app(store, actor, sqlite_location)
    a.blink_cursor = False
    return a

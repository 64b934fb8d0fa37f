"""Fixtures for the tickets tests: UTC as the local zone, contacts to raise tickets for, users."""

from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest

from bizsuite.core import clock
from bizsuite.core.auth import Actor
from bizsuite.crm.contacts.models import ContactIn

# Monday 16 March 2026, 09:30 UTC: the frozen "now" of tests/conftest.py.
MON = datetime(2026, 3, 16, 9, 30, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def _utc(monkeypatch):
    """The shipped SLA calendar counts in the machine's local zone: make that UTC here."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def people(store, owner) -> dict[str, int]:
    """Two customers and a company, by name."""
    ids = {}
    with clock.freeze(MON.replace(day=2)):
        with store.transaction(owner) as b:
            for name, kind, company, email in (
                ("Acme Trading Ltd", "company", None, "sales@acme.example"),
                ("Alice Martin", "person", "Acme Trading Ltd", "alice@acme.example"),
                ("王小明", "person", None, "xiaoming@bjkj.cn"),
            ):
                ids[name] = b.contacts.add(ContactIn(name=name, kind=kind, company=company, email=email,
                                                     roles=["customer"])).id
    return ids


@pytest.fixture
def staff(store, owner) -> dict[str, Actor]:
    """One user of each role besides the owner: tom (support), sam (sales), wes (warehouse)…"""
    users = {"tom": "support", "sam": "sales", "wes": "warehouse", "ann": "accountant", "hal": "hr",
             "vic": "viewer"}
    with store.transaction(owner) as b:
        for name, role in users.items():
            b.admin.add_user(name, role)
    return {name: Actor(name=name, role=role) for name, role in users.items()}

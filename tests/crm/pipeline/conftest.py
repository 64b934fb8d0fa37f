"""Pipeline fixtures: books (SQLite, and PostgreSQL when configured) with a customer, a lead, a
supplier, and a sales user."""

from __future__ import annotations

import pytest

from bizsuite.crm.contacts.models import ContactIn


@pytest.fixture
def deals_store(store, owner):
    """Books with the customer Acme (#1), the lead 王小明 (#2), the supplier Parts Co (#3) and the
    bizsuite user ``sam`` (role sales)."""
    with store.transaction(owner) as b:
        b.contacts.add(ContactIn(name="Acme Trading Ltd", kind="company", roles=["customer"]))
        b.contacts.add(ContactIn(name="王小明", roles=["lead"]))
        b.contacts.add(ContactIn(name="Parts Co", kind="company", roles=["supplier"]))
        b.admin.add_user("sam", "sales")
    return store


@pytest.fixture
def cli(tmp_path):
    from cli_runner import Bizsuite

    return Bizsuite(tmp_path)


@pytest.fixture
def db(deals_store, location) -> str:
    return str(location.path) if location.is_sqlite else location.url

"""Purchasing fixtures: books with the standard chart, a supplier and three products (SQLite,
and PostgreSQL when configured), and the command line on them."""

from __future__ import annotations

import pytest
from cli_runner import Bizsuite
from purchasing_helpers import db_of

from bizsuite.crm.contacts.models import ContactIn
from bizsuite.erp.stock.models import ProductIn


@pytest.fixture
def pstore(store, owner):
    """Books with the standard chart, the supplier Acme (#1), a customer Bob (#2) and products
    A-1 (pcs, tax 13%, reorder at 5 → 20, from Acme), K-1 (kg) and N-1 (pcs, reorder at 2, no
    supplier)."""
    with store.transaction(owner) as b:
        b.ledger.load_chart("standard")
        acme = b.contacts.add(ContactIn(name="Acme Supplies", kind="company", roles=["supplier"]))
        b.contacts.add(ContactIn(name="Bob Buyer", roles=["customer"]))
        b.stock.add_product(ProductIn(sku="A-1", name="Widget", tax_rate="13", reorder_point="5", reorder_qty="20",
                                      supplier=f"#{acme.id}"))
        b.stock.add_product(ProductIn(sku="K-1", name="Flour", unit="kg"))
        b.stock.add_product(ProductIn(sku="N-1", name="Nut", reorder_point="2"))
        b.stock.add_location("Main")
    return store


@pytest.fixture
def db(pstore, location) -> str:
    return db_of(location)


@pytest.fixture
def cli(tmp_path) -> Bizsuite:
    return Bizsuite(tmp_path)

"""Sales fixtures: books with the standard chart, a customer, a lead, a supplier, two products in
stock at known costs and a sales user (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bizsuite.crm.contacts.models import ContactIn
from bizsuite.erp.stock.models import MoveIn, ProductIn


@pytest.fixture
def sstore(store, owner):
    """Acme Trading (#1, customer), 王小明 (#2, lead), Parts Co (#3, supplier); products A-1
    (pcs, price 10.00, tax 13 %: 10 in at 4.00 on 2026-03-01) and K-1 (kg, price 2.50, no tax:
    20 kg in at 1.00); the users sam (sales), wes (warehouse), amy (accountant)."""
    with store.transaction(owner) as b:
        b.ledger.load_chart("standard")
        b.contacts.add(ContactIn(name="Acme Trading", kind="company", roles=["customer"], email="buy@acmetrading.com"))
        b.contacts.add(ContactIn(name="王小明", roles=["lead"]))
        b.contacts.add(ContactIn(name="Parts Co", kind="company", roles=["supplier"]))
        b.stock.add_location("Main")
        b.stock.add_product(ProductIn(sku="A-1", name="Widget", price="10", tax_rate="13"))
        b.stock.add_product(ProductIn(sku="K-1", name="Flour", unit="kg", price="2.5"))
        b.stock.move("receipt", [MoveIn("A-1", Decimal(10), Decimal(4)), MoveIn("K-1", Decimal(20), Decimal(1))],
                     date="2026-03-01", source=("stock_adjustment", None))
        for name, role in (("sam", "sales"), ("wes", "warehouse"), ("amy", "accountant")):
            b.admin.add_user(name, role)
    return store


@pytest.fixture
def cli(tmp_path):
    from cli_runner import Bizsuite

    return Bizsuite(tmp_path)


@pytest.fixture
def db(sstore, location) -> str:
    return str(location.path) if location.is_sqlite else location.url

"""Small helpers for the stock tests (imported by name: tests/erp/stock is on the path)."""

from __future__ import annotations

from decimal import Decimal

from bizsuite.erp.stock.models import MoveIn, ProductIn

D = Decimal


def product(b, sku: str, unit: str = "pcs", **kw):
    return b.stock.add_product(ProductIn(sku=sku, name=kw.pop("name", sku.title()), unit=unit, **kw))


def receive(b, sku, qty, cost, *, date=None, location=None):
    """A receipt as a supplier's goods come in (the purchase module's kind), against GRNI."""
    return b.stock.move("receipt", [MoveIn(sku, D(str(qty)), D(str(cost)), location)], date=date,
                        source=("stock_adjustment", None), ref="test receipt")


def deliver(b, sku, qty, *, date=None, location=None):
    return b.stock.move("delivery", [MoveIn(sku, D(str(qty)), None, location)], date=date,
                        source=("stock_adjustment", None), ref="test delivery")


def state(b, sku):
    p = b.stock.product(sku)
    return p.on_hand, p.value


def inventory_balance(b, as_of=None):
    return b.ledger.balance(b.ledger.role_account("inventory").id, as_of=as_of)


def check_failures(b):
    from bizsuite.erp.stock.checks import stock_checks

    return [(r.name, r.detail) for r in stock_checks(b) if not r.ok]

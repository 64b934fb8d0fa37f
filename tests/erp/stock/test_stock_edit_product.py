"""``edit_product``: only the fields given change (the rule the CLI and the screens share)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from stock_helpers import product

from bizsuite.core.errors import ValidationFailed


def test_only_the_fields_given_change_and_a_bad_one_writes_nothing(stock_store, owner):
    with stock_store.transaction(owner) as b:
        product(b, "AB-1", price="12.50", reorder_point="4")
    with stock_store.transaction(owner) as b:
        b.stock.edit_product("ab-1", name="Renamed", reorder_qty="10")
    with stock_store.read(owner) as b:
        p = b.stock.product("AB-1")
        assert (p.name, p.price, p.reorder_point, p.reorder_qty, p.active) == ("Renamed", D("12.50"), D(4), D(10), True)
    with pytest.raises(ValidationFailed) as e, stock_store.transaction(owner) as b:
        b.stock.edit_product("AB-1", price="12,x", active=False)
    assert [x.field for x in e.value.errors] == ["price"]
    with stock_store.transaction(owner) as b:
        b.stock.edit_product("AB-1", sku="AB-2", active=False)
    with stock_store.read(owner) as b:
        p = b.stock.product("AB-2")
        assert (p.name, p.price, p.active) == ("Renamed", D("12.50"), False)


def test_an_unknown_field_is_a_programming_error(stock_store, owner):
    with stock_store.transaction(owner) as b:
        product(b, "AB-1")
    with pytest.raises(TypeError, match="colour"), stock_store.transaction(owner) as b:
        b.stock.edit_product("AB-1", colour="red")

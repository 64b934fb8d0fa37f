"""What the purchasing screens look like at 80x24 (SQLite, the orders of
``purchasing_data.fill_purchasing``, a frozen clock: Monday 2026-03-16 09:30 UTC).

Regenerate with ``pytest tests/screens/test_purchasing_snapshots.py --snapshot-update`` and look
at every changed SVG before keeping it.
"""

from __future__ import annotations

import pytest
from purchasing_data import fill_purchasing
from screen_helpers import SIZE, settle


@pytest.fixture
def orders(books) -> dict[str, int]:
    store, owner, ids = books
    return {**fill_purchasing(store, owner, ids), "_books": books}


def test_purchase_orders(app, orders, snap_compare):
    """The open orders, newest first: a draft, one partly received, billed and paid in part, one
    confirmed; the cancelled one left out (the filter says how many of all)."""

    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_purchase_order_page(app, orders, snap_compare):
    """Per line ordered, received (yellow: some still due), billed and paid; the bill; what is owed."""

    async def run_before(pilot):
        from bizsuite.screens.purchasing import open_order

        await settle(pilot)
        open_order(pilot.app, orders["PO-00002"])
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_purchase_bill_refused(app, books, orders, snap_compare):
    """Billing more than was received: the reason under the line's quantity, the dialog open."""
    store, owner, _ = books
    with store.transaction(owner) as b:
        b.purchasing.receive(orders["PO-00001"], ["BOLT-M6 1500", "MUG-CL 60"], date="2026-03-14")

    async def run_before(pilot):
        from bizsuite.screens.purchasing import open_order

        await settle(pilot)
        open_order(pilot.app, orders["PO-00001"])
        await settle(pilot)
        await pilot.press("b")
        await settle(pilot)
        await pilot.press(*"GX-7781", "tab", "end", *["backspace"] * 4, *"1600", "ctrl+s")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_purchase_new_order(app, orders, snap_compare):
    """A new order: one line added by the picker, the next product's matches showing as typed."""

    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press(*"mug")
        await settle(pilot)
        await pilot.press("enter", *"120")
        await settle(pilot)
        await pilot.press("shift+tab", *"gl")  # back to the picker: GLUE-1 by SKU
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_purchase_suggestions(app, orders, snap_compare):
    """Reorder suggestions: one product with a supplier, one without (yellow, not ordered)."""
    from bizsuite.erp.stock.models import ProductIn

    store, owner, ids = orders["_books"]
    with store.transaction(owner) as b:
        b.purchasing.cancel(orders["PO-00003"])
        b.stock.adjust("CABLE-3", to="50", reason="count")
        b.stock.add_product(ProductIn(sku="PEN-B", name="Ballpoint pen, blue", unit="pcs", price="0.90",
                                      tax_rate="20", reorder_point="50", reorder_qty="200",
                                      supplier=f"#{ids['Globex GmbH']}"))

    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)

"""What the stock screens look like at 80x24 (SQLite, the stock of ``stock_data.fill_stock``, a
frozen clock: Monday 2026-03-16 09:30 UTC).

Regenerate with ``pytest tests/screens/test_stock_snapshots.py --snapshot-update`` and look at
every changed SVG before keeping it.
"""

from __future__ import annotations

import pytest
from screen_helpers import SIZE, settle
from stock_data import fill_stock


@pytest.fixture
def stock(books) -> dict[str, int]:
    store, owner, ids = books
    return fill_stock(store, owner, ids)


def test_stock_products(app, stock, snap_compare):
    """Chinese names, a product by weight, the low one marked ! in yellow, nothing on order."""

    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("down", "down")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_stock_product_page(app, stock, snap_compare):
    """On hand by location; the moves with the running quantity and value; the newest move,
    re-valued by a receipt dated before it, told in full under the table."""

    async def run_before(pilot):
        from bizsuite.screens.stock import open_product

        await settle(pilot)
        open_product(pilot.app, stock["MUG-CL"])
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_stock_adjust_refused(app, stock, snap_compare):
    """Taking more than the location holds: the reason under the field, the form still open."""

    async def run_before(pilot):
        from bizsuite.screens.stock import open_product

        await settle(pilot)
        open_product(pilot.app, stock["MUG-CL"])
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        await pilot.press(*"-13", "tab", "tab", *"broken in the shop", "ctrl+s")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_stock_transfer_form(app, stock, snap_compare):
    """From the location that holds the most, to the other one; each with what it holds."""

    async def run_before(pilot):
        from bizsuite.screens.stock import open_product

        await settle(pilot)
        open_product(pilot.app, stock["BOLT-M6"])
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        await pilot.press(*"200")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)

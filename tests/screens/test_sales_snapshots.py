"""What the sales screens look like at 80x24 (SQLite, the documents of ``sales_data.fill_sales``,
a frozen clock: Monday 2026-03-16 09:30 UTC).

Regenerate with ``pytest tests/screens/test_sales_snapshots.py --snapshot-update`` and look at
every changed SVG before keeping it.
"""

from __future__ import annotations

import pytest
from sales_data import build_template, open_copy
from screen_helpers import SIZE, settle


@pytest.fixture(scope="module")
def template(request, tmp_path_factory):
    return build_template(request, tmp_path_factory)


@pytest.fixture
def books(template, sqlite_location, frozen_clock):
    store, owner, ids = open_copy(template, sqlite_location)
    yield store, owner, ids
    store.close()


@pytest.fixture
def docs(template, books) -> dict[str, int]:
    return dict(template[2])


def test_sales_orders(app, docs, snap_compare):
    """Every order, newest first: a quotation (cyan), a cancelled one, one partly delivered, two
    closed (one still unpaid); the filter and the search box above, how many below."""

    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        pilot.app.screen.query_one("#show").value = "all"
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_sales_order_page(app, docs, snap_compare):
    """Per line ordered, delivered, invoiced, returned; the delivery, the overdue invoice and the
    allowance by day; what is owed."""

    async def run_before(pilot):
        from bizsuite.screens.sales import open_order

        await settle(pilot)
        open_order(pilot.app, docs["SO-00002"])
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_sales_quotation_form(app, docs, snap_compare):
    """A quotation: one line asking more than is available (said in words), the next product's
    matches showing on hand and available."""

    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        form = pilot.app.screen
        form.query_one("#customer").value = "Alice Martin"
        form.query_one("#find").focus()
        await pilot.press(*"mug")
        await settle(pilot)
        await pilot.press("enter", *"10")
        await settle(pilot)
        form.query_one("#find").focus()
        await pilot.press(*"c")  # CABLE-3 and 环氧树脂胶 (GLUE-1's SKU): two matches
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_sales_aging(app, docs, snap_compare):
    """What each customer owes by days past due, the total and the overdue part below."""

    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_sales_statement(app, books, docs, snap_compare):
    """Acme's statement since January: the balance forward, the invoice and the payment with the
    running balance, the aging and the balance due at the end."""
    _, _, ids = books

    async def run_before(pilot):
        import datetime as dt

        from bizsuite.screens.sales import StatementScreen

        await settle(pilot)
        pilot.app.push_screen(StatementScreen(ids["Acme Trading Ltd"], start=dt.date(2026, 1, 1)))
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)

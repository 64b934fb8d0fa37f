"""What the tickets screens look like at 80x24 (SQLite, a frozen clock: Monday 09:30 UTC).

Regenerate with ``pytest tests/screens/test_tickets_snapshots.py --snapshot-update`` and look at
every changed SVG before keeping it.
"""

from __future__ import annotations

import pytest
from screen_helpers import SIZE, settle
from test_tickets import fill_tickets


@pytest.fixture
def tickets(books, frozen_clock) -> dict[str, int]:
    store, owner, ids = books
    return fill_tickets(store, owner, ids, frozen_clock)


def test_ticket_queue(app, tickets, snap_compare):
    """Breached (!!, red), due within the hour (!, yellow), normal and paused rows."""

    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_ticket_view(app, tickets, snap_compare):
    """SLA clocks, the thread with a late reply, the customer's words and an internal note."""

    async def run_before(pilot):
        from bizsuite.screens.tickets import open_ticket

        await settle(pilot)
        open_ticket(pilot.app, tickets["checkout"])
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_new_ticket_form_with_errors(app, tickets, snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press("tab", *"zzzz")  # no subject, and a customer that matches nobody
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)

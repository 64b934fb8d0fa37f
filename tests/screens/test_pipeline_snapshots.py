"""What the pipeline screens look like at 80x24 (SQLite, the deals of
``pipeline_data.fill_pipeline``, a frozen clock: Monday 2026-03-16 09:30 UTC).

Regenerate with ``pytest tests/screens/test_pipeline_snapshots.py --snapshot-update`` and look
at every changed SVG before keeping it.
"""

from __future__ import annotations

import pytest
from pipeline_data import fill_pipeline
from screen_helpers import SIZE, settle


@pytest.fixture
def deals(books) -> dict[str, int]:
    store, owner, ids = books
    return fill_pipeline(store, owner, ids)


def test_pipeline_board(app, deals, snap_compare):
    """The first two open stages with their totals; the overdue follow-up marked in words; the
    line below says which stages of four are shown."""

    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("down")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_pipeline_board_next_stages(app, deals, snap_compare):
    """→ past the right edge: proposal and negotiation (a Chinese title), the stages before named."""

    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("right", "right", "right")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_pipeline_deal_page(app, deals, snap_compare):
    """A deal's facts, its stages, its activities: the overdue follow-up first, marked in words."""

    async def run_before(pilot):
        from bizsuite.screens.pipeline import open_deal

        await settle(pilot)
        open_deal(pilot.app, deals["D-00002"])
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_pipeline_lost_refused(app, deals, snap_compare):
    """Lost without a reason: the dialog stays open, the reason's list under the field."""

    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_pipeline_new_deal(app, deals, snap_compare):
    """The new deal form, a customer that is not one refused under its field."""

    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press(*"Solar panels", "enter", *"Globex GmbH", "enter", *"4800", "ctrl+s")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_pipeline_follow_ups(app, deals, snap_compare):
    """The open follow-ups, the most overdue first, overdue said in words."""

    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)

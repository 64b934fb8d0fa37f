"""What the ledger screens look like at 80x24 (SQLite, the standard chart, the entries of
``test_ledger.fill_ledger``, a frozen clock: Monday 2026-03-16 09:30 UTC).

Regenerate with ``pytest tests/screens/test_ledger_snapshots.py --snapshot-update`` and look at
every changed SVG before keeping it.
"""

from __future__ import annotations

import pytest
from screen_helpers import SIZE, settle
from test_ledger import DUPLICATE, fill_ledger, type_line


@pytest.fixture
def ledger(books) -> dict[str, int]:
    store, owner, _ = books
    return fill_ledger(store, owner)


async def _open(pilot, *keys: str) -> None:
    await settle(pilot)
    await pilot.press("l")
    await settle(pilot)
    for key in keys:
        await pilot.press(key)
        await settle(pilot)


def test_ledger_accounts_tree(app, ledger, snap_compare):
    """The chart as a tree with balances as of today; parents in bold, zero balances blank."""

    async def run_before(pilot):
        await _open(pilot, "down", "down", "down")

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_ledger_journal(app, ledger, snap_compare):
    """Newest first; × a reversed entry, ↩ its reversal; references dim before the memo."""

    async def run_before(pilot):
        await _open(pilot, "j")

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_ledger_entry(app, ledger, snap_compare):
    """A posted entry that has been reversed: its facts, its lines, the link to the reversal."""

    async def run_before(pilot):
        from bizsuite.screens.ledger import EntryScreen

        await _open(pilot)
        pilot.app.push_screen(EntryScreen(DUPLICATE))
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_ledger_entry_form_unbalanced(app, ledger, snap_compare):
    """Two lines off by 10.00: the difference in red, and the repository's refusal under it."""

    async def run_before(pilot):
        await _open(pilot, "n")
        await pilot.press("enter", *"INV-1003", "enter", *"Invoice 1003, Globex", "enter")
        await type_line(pilot, "receiv", debit="1,080.00")
        await type_line(pilot, "income:sales", credit="1,000.00")
        await pilot.press(*"sales tax", "enter")
        await settle(pilot)
        await pilot.press("tab", *"70.00")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_ledger_register(app, ledger, snap_compare):
    """The checking account, newest first, with the running balance."""

    async def run_before(pilot):
        from bizsuite.screens.ledger import RegisterScreen

        await _open(pilot)
        pilot.app.push_screen(RegisterScreen(ledger["checking"]))
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_ledger_trial_balance(app, ledger, snap_compare):
    async def run_before(pilot):
        await _open(pilot, "r")

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_ledger_profit_and_loss_monthly(app, ledger, snap_compare):
    """This quarter by month: three months and the total fit in 80 columns."""

    async def run_before(pilot):
        await _open(pilot, "p")
        pilot.app.screen.query_one("#preset").value = "this_quarter"
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_ledger_profit_and_loss_a_year_by_month(app, ledger, snap_compare):
    """A whole year by month at 80 columns: the accounts and the total stay, the months scroll."""

    async def run_before(pilot):
        await _open(pilot, "p")
        await pilot.press("m", "right")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_ledger_balance_sheet(app, ledger, snap_compare):
    async def run_before(pilot):
        await _open(pilot, "b")

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)

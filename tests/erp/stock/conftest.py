"""Stock fixtures: books with the standard chart and two locations (SQLite, and PostgreSQL when
configured)."""

from __future__ import annotations

import pytest


@pytest.fixture
def stock_store(store, owner):
    """Books with the standard chart, locations Main (the default) and Back."""
    with store.transaction(owner) as b:
        b.ledger.load_chart("standard")
        b.stock.add_location("Main")
        b.stock.add_location("Back")
    return store

"""Helpers for the purchasing tests (imported by name: this directory is on sys.path under pytest)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import text

from bizsuite.core.db import Location

# Every table a purchasing command may write: "nothing written" means these stay as they were.
TABLES = ("purchase_orders", "purchase_order_lines", "purchase_receipts", "purchase_receipt_lines",
          "purchase_bills", "purchase_bill_lines", "purchase_payments", "stock_moves", "stock_quants",
          "stock_locations", "ledger_entries", "ledger_lines", "audit_log")


def db_of(location: Location) -> str:
    return str(location.path) if location.is_sqlite else location.url


def D(x) -> Decimal:
    return Decimal(str(x))


def written(store) -> dict:
    """Rows in every table purchasing writes, and where the number series stand."""
    with store.engine.connect() as conn:
        out = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in TABLES}
        out["series"] = sorted(conn.execute(text("SELECT series, next FROM number_series")).all())
        out["lines_on_order"] = sorted(conn.execute(text(
            "SELECT id, received, billed FROM purchase_order_lines")).all())
        out["bills"] = sorted(conn.execute(text("SELECT id, paid FROM purchase_bills")).all())
        out["orders"] = sorted(conn.execute(text("SELECT id, status, version FROM purchase_orders")).all())
    return out

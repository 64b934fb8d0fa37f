"""The ledger part of the demo: a believable year, balanced, reproducible, linked to contacts."""

from __future__ import annotations

import hashlib
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from bizsuite.core.db import Location, to_url
from bizsuite.core.store import Store
from bizsuite.demo import BASE



def digest(path: Path) -> str:
    h = hashlib.sha256()
    with sqlite3.connect(path) as conn:
        for query in ("SELECT id, date, memo, code, source_kind, contact_id FROM ledger_entries ORDER BY id",
                      "SELECT entry_id, line_no, date, account_id, amount, contact_id FROM ledger_lines ORDER BY id",
                      "SELECT id, name, code, type FROM ledger_accounts ORDER BY id"):
            for row in conn.execute(query):
                h.update(repr(row).encode())
    return h.hexdigest()


@pytest.fixture
def demo(small_demo_file) -> Path:
    return small_demo_file()  # built once per worker (tests/conftest.py): read it, never write it


def test_a_year_of_about_two_thousand_balanced_entries(demo, owner_name):
    store = Store.open(Location(to_url(str(demo)), "test"))
    try:
        actor = store.actor_for(owner_name)
        with store.read(actor) as b:
            counts = b.ledger.counts()
            # with sales installed its documents post the invoices and payments (fewer orders than
            # the ledger part's own invoices, and their deliveries): about 1,600 entries
            assert (1400 if b.has("sales") else 1800) <= counts["entries"] <= 2400, counts
            tb = b.ledger.trial_balance()
            assert sum(r.balance for r in tb) == 0
            assert all(r.ok for r in b.admin.check()), [r for r in b.admin.check() if not r.ok]
            first, last = b.ledger.journal_page(newest_first=False, limit=1), b.ledger.journal_page(limit=1)
            assert (BASE.date() - first.rows[0].date).days == 364 and last.rows[0].date <= BASE.date()
            end = BASE.date()
            pnl = b.ledger.profit_and_loss(start=first.rows[0].date, end=end)
            totals = {r.label: r.amounts[0] for r in pnl.totals}
            assert totals["total income"] > Decimal(500_000) and totals["net income"] > 0  # a business that works
            bs = b.ledger.balance_sheet(as_of=end)
            bt = {r.label: r.amounts[0] for r in bs.totals}
            assert bt["total assets"] == bt["total liabilities and equity"]
            assert b.ledger.balance(b.ledger.role_account("bank").id) > 0
            # receivables are open for recent invoices, and customers are on the lines
            receivable = b.ledger.role_account("receivable")
            assert b.ledger.balance(receivable.id) > 0
            page = b.ledger.register(receivable.id, limit=50)
            assert all(r.contact_id is not None for r in page.rows)
            kinds = {memo.split()[0] for memo in (r.memo for r in b.ledger.journal_page(limit=400).rows)}
            assert {"Invoice", "Payment", "Payroll", "Office", "Cash"} <= kinds
            # the goods bought: purchasing's receipts and bills when stock keeps the inventory
            # (the ledger part then posts no supplier bills of its own), else the ledger part's
            assert ({"Receipt", "Bill"} if b.has("stock") else {"Supplier"}) <= kinds
            customer = b.contacts.get(page.rows[0].contact_id)
            assert customer.is_customer
    finally:
        store.close()


def test_the_same_seed_gives_the_same_books(demo, small_demo_file):
    assert digest(small_demo_file(7, copy="again")) == digest(demo)  # a build of its own
    assert digest(small_demo_file(8)) != digest(demo)

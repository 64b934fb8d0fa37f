"""The inventory account is kept by stock (``Module.keeps``): only stock's documents and those of
modules built on it (purchasing's receipts and bills) post there. A manual entry, a journal
import or a reversal by hand is refused before anything is written — ERPNext refuses the same
("account can only be updated via stock transactions") — so `bizsuite check`'s "inventory equals
the valuation" cannot be broken from the ledger's side."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from sqlalchemy import func, select

from stock_helpers import product, receive

from bizsuite.core import modules
from bizsuite.core.errors import Refused, ValidationFailed
from bizsuite.core.importer import ImportFailed
from bizsuite.erp.ledger.models import Entry, LineIn


def _entries(store, owner) -> int:
    with store.read(owner) as b:
        return b.session.scalar(select(func.count()).select_from(Entry))


def test_who_may_post_to_the_inventory_account():
    module, kinds, _ = modules.kept_roles()["inventory"]
    assert module == "stock"
    assert {"stock_adjustment", "stock_opening", "stock_revaluation"} <= kinds  # its own
    assert {"purchase_receipt", "supplier_bill"} <= kinds  # purchasing depends on stock
    assert not kinds & {"manual", "import", "close_year", "demo", "reversal"}


def test_books_that_keep_no_stock_post_their_cost_entries_by_hand(stock_store, owner):
    """Periodic inventory (结转成本 at month end): without a stock move the account is not kept."""
    with stock_store.transaction(owner) as b:
        inventory = b.ledger.role_account("inventory")
        b.ledger.post_entry("2026-01-31", "cost of sales, January", [LineIn.debit("expenses:cost of goods sold", D(60)),
                                                                     LineIn.credit(inventory.id, D(60))])
        product(b, "K0")
        receive(b, "K0", 1, 1)  # stock is kept from now on
        with pytest.raises(ValidationFailed, match="kept by stock"):
            b.ledger.post_entry("2026-02-28", "cost of sales, February", [
                LineIn.debit("expenses:cost of goods sold", D(60)), LineIn.credit(inventory.id, D(60))])


def test_a_manual_entry_to_inventory_is_refused_and_nothing_is_written(stock_store, owner):
    with stock_store.transaction(owner) as b:
        product(b, "K9")
        receive(b, "K9", 1, 1)
    before = _entries(stock_store, owner)
    with stock_store.transaction(owner) as b:
        inventory = b.ledger.role_account("inventory")
        lines = [LineIn.debit("expenses:office supplies", D(50)), LineIn.credit(inventory.id, D(50))]
        with pytest.raises(ValidationFailed) as caught:
            b.ledger.post_entry("2026-02-01", "take stock by hand", lines)
    [problem] = caught.value.errors
    assert problem.field == "line 2"
    assert problem.message.startswith("assets:inventory is the inventory account, kept by stock")
    assert _entries(stock_store, owner) == before
    with stock_store.transaction(owner) as b:  # the same lines on other accounts post
        b.ledger.post_entry("2026-02-01", "fine", [LineIn.debit("expenses:office supplies", D(50)),
                                                    LineIn.credit("assets:bank:checking", D(50))])
    assert _entries(stock_store, owner) == before + 1


def test_stock_s_own_moves_still_post_there(stock_store, owner):
    with stock_store.transaction(owner) as b:
        product(b, "K1")
        receive(b, "K1", 4, "2.50")
        done = b.stock.adjust("K1", by=-1, reason="broken")
        lines = b.ledger.entry(done.entry_ids[0]).lines
        assert {ln.account for ln in lines} == {"assets:inventory", "expenses:inventory adjustments"}


def test_a_stock_entry_cannot_be_reversed_in_the_ledger(stock_store, owner):
    with stock_store.transaction(owner) as b:
        product(b, "K2")
        receive(b, "K2", 3, 4)
        entry_id = b.stock.adjust("K2", by=-1, reason="lost").entry_ids[0]
    before = _entries(stock_store, owner)
    with stock_store.transaction(owner) as b:
        with pytest.raises(Refused, match=rf"entry #{entry_id} cannot be reversed in the ledger: "
                                          r"assets:inventory is the inventory account, kept by stock"):
            b.ledger.reverse(entry_id, date="2026-03-01")
    assert _entries(stock_store, owner) == before


def test_a_journal_import_to_inventory_names_the_line(stock_store, owner, tmp_path):
    journal = tmp_path / "opening.journal"
    journal.write_text("2026-01-01 Opening\n    assets:inventory  $500.00\n    equity:opening balances\n\n"
                       "2026-01-02 Rent\n    expenses:rent  $10.00\n    assets:bank:checking\n", encoding="utf-8")
    from bizsuite.erp.ledger.importer import import_file

    with stock_store.transaction(owner) as b:
        product(b, "K8")
        receive(b, "K8", 1, 1)
    before = _entries(stock_store, owner)
    with stock_store.transaction(owner) as b:
        with pytest.raises(ImportFailed) as caught:
            import_file(b, journal)
    text = str(caught.value)
    assert "opening.journal:2" in text and "kept by stock" in text, text
    assert "opening.journal:6" not in text
    assert _entries(stock_store, owner) == before

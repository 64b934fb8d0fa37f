"""``books.ledger.edit_account``: an account's name, code, type and active flag change in one
step, its version checked once; a refusal (a stale copy, any bad field) changes nothing."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from bizsuite.core.errors import StaleRecord, ValidationFailed


def snapshot(b) -> list[tuple]:
    return [(a.id, a.name, a.code, a.type, a.active, a.version) for a in b.ledger.accounts()]


def test_rename_code_and_deactivate_together_is_one_change(books_store, owner):
    with books_store.read(owner) as b:
        bank = b.ledger.account("assets:bank")
        version, checking_id = bank.version, b.ledger.account("assets:bank:checking").id
    with books_store.transaction(owner) as b:
        a = b.ledger.edit_account(bank.id, name="assets:banks", code="1009", active=False,
                                  expected_version=version)
        assert (a.name, a.code, a.active, a.version) == ("assets:banks", "1009", False, version + 1)
    with books_store.read(owner) as b:
        a = b.ledger.account(bank.id)
        assert (a.name, a.code, a.active, a.version) == ("assets:banks", "1009", False, version + 1)
        assert b.ledger.account(checking_id).name == "assets:banks:checking"  # its sub-account moved too
        with pytest.raises(ValidationFailed, match="assets:banks is inactive"):
            b.ledger.post_entry("2025-01-05", "x", [("assets:banks", D(1)), ("owner capital", D(-1))])


def test_a_stale_copy_is_refused_and_nothing_changes(books_store, owner):
    with books_store.read(owner) as b:
        opened = b.ledger.account("assets:cash").version  # the form opens the account…
    with books_store.transaction(owner) as b:
        b.ledger.edit_account("assets:cash", code="1001")  # …someone else saves it meanwhile
    with books_store.read(owner) as b:
        before = snapshot(b)
    with pytest.raises(StaleRecord, match="account assets:cash was changed by"):
        with books_store.transaction(owner) as b:
            b.ledger.edit_account("assets:cash", name="assets:petty cash", code="1002", active=False,
                                  expected_version=opened)
    with books_store.read(owner) as b:
        assert snapshot(b) == before


def test_every_bad_field_is_refused_together_and_nothing_changes(books_store, owner):
    with books_store.transaction(owner) as b:
        b.ledger.post_entry("2025-01-05", "x", [("assets:cash", D(10)), ("owner capital", D(-10))])
        code_of_bank = b.ledger.account("assets:bank:checking").code
        before = snapshot(b)
        with pytest.raises(ValidationFailed) as refused:
            b.ledger.edit_account("assets:cash", name="assets:bank", code=code_of_bank, type="liability",
                                  active=False)
        assert [e.field for e in refused.value.errors] == ["name", "code", "type"]
        assert snapshot(b) == before  # not the active flag either


def test_nothing_to_change_keeps_the_version(books_store, owner):
    with books_store.transaction(owner) as b:
        a = b.ledger.account("assets:cash")
        version = a.version
        b.ledger.edit_account(a.id, name=a.name, code=a.code or "", type=a.type, active=a.active,
                              expected_version=version)
        assert b.ledger.account(a.id).version == version

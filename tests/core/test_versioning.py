"""One version mechanism for records clerks edit (core.versioning): a stale copy is refused with
who changed it and when, and a row changed between a read and a write is never overwritten."""

from __future__ import annotations

import pytest

from bizsuite.core.errors import StaleRecord
from bizsuite.crm.contacts.models import Contact, ContactIn
from bizsuite.crm.tickets.models import Ticket
from bizsuite.erp.ledger.models import Account


def test_the_edited_records_share_one_mechanism():
    for model in (Contact, Ticket, Account):
        assert model.__mapper__.version_id_col is model.__table__.c.version, model


def test_a_stale_copy_is_refused_naming_who_changed_it(store, owner):
    with store.transaction(owner) as b:
        cid = b.contacts.add(ContactIn(name="Vera Stale", kind="person")).id
        b.admin.add_user("bob", "sales")
    from bizsuite.core.auth import Actor

    with store.transaction(Actor("bob", "sales")) as b:
        b.contacts.update(cid, ContactIn(name="Vera Fresh", kind="person"), expected_version=1)
    with pytest.raises(StaleRecord, match=r"contact #\d+ was changed by bob at .* since you opened it"):
        with store.transaction(owner) as b:
            b.contacts.update(cid, ContactIn(name="Vera Mine", kind="person"), expected_version=1)
    with store.read(owner) as b:
        c = b.contacts.get(cid)
        assert (c.name, c.version) == ("Vera Fresh", 2)  # one change, one version


def test_a_row_changed_between_read_and_write_is_not_overwritten(store, owner):
    if store.engine.dialect.name == "sqlite":
        pytest.skip("SQLite: write transactions take the lock before they read (BEGIN IMMEDIATE)")
    with store.transaction(owner) as b:
        cid = b.contacts.add(ContactIn(name="Race Condition", kind="person")).id
    with pytest.raises(StaleRecord, match="changed by someone else"):
        with store.transaction(owner) as slow:
            mine = slow.session.get(Contact, cid)  # read, no row lock
            with store.transaction(owner) as fast:
                fast.contacts.update(cid, ContactIn(name="Race Won", kind="person"))
            mine.name, mine.version = "Race Lost", mine.version + 1
            slow.session.flush()
    with store.read(owner) as b:
        assert b.contacts.get(cid).name == "Race Won"

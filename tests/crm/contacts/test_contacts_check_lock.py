"""The contact search index's check writes (FTS5 checks itself through an INSERT): in a read unit
it must not keep the write lock for the rest of the unit, or a second clerk's check (or save)
finds the books locked."""

from __future__ import annotations

import time

from bizsuite.core import db
from bizsuite.crm.contacts.models import ContactIn


def test_a_check_in_one_read_unit_leaves_another_free_to_check_and_save(sqlite_store, owner_name, monkeypatch):
    actor = sqlite_store.actor_for(owner_name)
    with sqlite_store.transaction(actor) as b:
        b.contacts.add(ContactIn(name="Ada Lovelace"))
    with sqlite_store.read(actor) as first:
        assert [r.ok for r in first.admin.check() if r.name == "contact search index"] == [True]
        # the first unit is still open: the other clerk's check and save go ahead at once
        other = type(sqlite_store).open(sqlite_store.location)
        try:
            started = time.monotonic()
            with other.read(actor) as second:
                assert [(r.name, r.ok) for r in second.admin.check() if r.name == "contact search index"] == [
                    ("contact search index", True)]
            with other.transaction(actor) as w:
                w.contacts.add(ContactIn(name="Charles Babbage"))
            assert time.monotonic() - started < db.BUSY_TIMEOUT_MS / 1000 / 2  # nobody waited on a lock
        finally:
            other.close()

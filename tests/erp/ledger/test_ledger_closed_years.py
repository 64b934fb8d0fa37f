"""Closed years stay closed (issue 8): a year is closed once, only after it has ended; the lock
date never moves before the end of the last closed year; reopening is the owner's explicit,
audited step that reverses the closing entry. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from ledger_helpers import D, tb_map

from bizsuite.core import clock
from bizsuite.core.auth import Actor
from bizsuite.core.errors import PermissionDenied, Refused, ValidationFailed
from bizsuite.core.models import AuditEntry
from bizsuite.erp.ledger.models import Closing, Entry

SALE = [("assets:bank:checking", D(100)), ("income:sales", None)]
TODAY = datetime(2026, 3, 16, 9, 30, tzinfo=timezone.utc)


@pytest.fixture
def closed_2025(books_store, owner):
    """Books with sales in 2024, 2025 and 2026; 2025 closed on 2026-03-16 after locking 2024-06-30."""
    with clock.freeze(TODAY), books_store.transaction(owner) as b:
        b.ledger.post_entry("2024-03-01", "sale", SALE)
        b.ledger.post_entry("2025-03-09", "sale", SALE)
        b.ledger.post_entry("2026-01-05", "sale", SALE)
        b.ledger.lock("2024-06-30")
        e = b.ledger.close_year(2025)
    with clock.freeze(TODAY):
        yield books_store, e


def test_the_lock_date_never_moves_before_a_closed_year_end(closed_2025, owner):
    store, _ = closed_2025
    for until in ("2025-06-30", "2025-12-30", None):  # None: removing the lock
        with store.transaction(owner) as b, pytest.raises(Refused, match=(
                r"2025 is closed: the lock date cannot move before 2025-12-31; to reopen the year, "
                r"the owner runs: bizsuite ledger reopen-year 2025")):
            b.ledger.lock(until)
    with store.transaction(owner) as b:
        assert b.ledger.lock_date == dt.date(2025, 12, 31)
        with pytest.raises(ValidationFailed, match="date: 2025-09-01 is on or before the lock date 2025-12-31"):
            b.ledger.post_entry("2025-09-01", "late", SALE)
        assert b.ledger.lock("2026-01-31") == dt.date(2026, 1, 31)  # forward is fine


def test_a_year_is_closed_once(closed_2025, owner):
    store, e = closed_2025
    with store.transaction(owner) as b, pytest.raises(Refused, match=(
            rf"2025 is already closed \(entry #{e.id}, by {owner.name} on 2026-03-16\); "
            r"to reopen it, the owner runs: bizsuite ledger reopen-year 2025")):
        b.ledger.close_year(2025)
    with store.read(owner) as b:
        assert b.session.scalar(select(Entry.id).where(Entry.source_kind == "close_year")) == e.id
        assert [(c.year, c.entry_id, c.lock_before) for c in b.ledger.closings()] == [
            (2025, e.id, dt.date(2024, 6, 30))]


@pytest.mark.parametrize("year", [2026, 2030])
def test_a_year_is_closed_only_after_it_has_ended(books_store, owner, year):
    with clock.freeze(TODAY), books_store.transaction(owner) as b:
        b.ledger.post_entry("2026-01-05", "sale", SALE)
        with pytest.raises(Refused, match=rf"{year} has not ended \(today is 2026-03-16\)"):
            b.ledger.close_year(year)
        assert b.ledger.lock_date is None
        b.ledger.post_entry("2026-03-16", "today's sale", SALE)  # today is not locked out


def test_a_lock_date_after_today_is_refused(books_store, owner):
    with clock.freeze(TODAY), books_store.transaction(owner) as b, pytest.raises(
            ValidationFailed, match=r"until: 2026-03-17 is after today \(2026-03-16\)"):
        b.ledger.lock("2026-03-17")


def test_only_the_owner_reopens_a_year(closed_2025, owner):
    store, _ = closed_2025
    with store.transaction(owner) as b:
        b.admin.add_user("amy", "accountant")
    amy = Actor(name="amy", role="accountant")
    with store.transaction(amy) as b, pytest.raises(
            PermissionDenied, match="only the owner may reopen a closed year; amy is accountant"):
        b.ledger.reopen_year(2025)
    with store.transaction(amy) as b, pytest.raises(Refused, match="2025 is closed: the lock date cannot move"):
        b.ledger.lock("2025-06-30")
    with store.read(owner) as b:
        assert [c.year for c in b.ledger.closings()] == [2025]


def test_owner_only_is_one_permission_the_ledger_declares(closed_2025, owner):
    """Moving the lock date back and reopening a year are both ``ledger.reopen`` (the ledger's
    MODULE), not one of them the core's ``admin``: grant it to the accountant and she may do
    both; the owner's other rights (admin) stay the owner's."""
    import dataclasses

    from bizsuite.core import modules

    store, _ = closed_2025
    with store.transaction(owner) as b:
        b.admin.add_user("amy", "accountant")
    amy = Actor(name="amy", role="accountant")
    ledger = modules.find("ledger")
    granted = dataclasses.replace(ledger, permissions={**ledger.permissions, "ledger.reopen": ("owner", "accountant")})
    with modules.use([granted if m is ledger else m for m in modules.installed()]):
        assert amy.can("ledger.reopen") and not amy.can("admin")
        with store.transaction(amy) as b:
            b.ledger.reopen_year(2025)
            b.ledger.lock("2025-12-31")
        with store.transaction(amy) as b:
            b.ledger.lock("2025-06-30")  # back: reopens periods
            assert b.ledger.lock_date == dt.date(2025, 6, 30)
    assert not amy.can("ledger.reopen")
    with store.transaction(amy) as b, pytest.raises(PermissionDenied, match="only the owner may move the lock date"):
        b.ledger.lock("2025-01-31")


def test_reopening_reverses_the_closing_entry_and_puts_the_lock_date_back(closed_2025, owner):
    store, e = closed_2025
    with store.transaction(owner) as b:
        r = b.ledger.reopen_year(2025)
        assert (r.date, r.reverses_id, r.source_kind, r.source_id) == (dt.date(2025, 12, 31), e.id, "close_year", 2025)
        assert b.ledger.lock_date == dt.date(2024, 6, 30)  # as it was before 2025 was closed
        assert b.ledger.closings() == []
        assert tb_map(b, as_of="2025-12-31")["income:sales"] == D("-200.00")  # 2024 and 2025 sales are back
        late = b.ledger.post_entry("2025-09-01", "late", SALE)  # 2025 is open again
    with store.read(owner) as b:
        audited = b.session.execute(select(AuditEntry.entity, AuditEntry.entity_id, AuditEntry.action, AuditEntry.actor)
                                    .where(AuditEntry.entity.in_(("ledger_closings", "ledger_entries")))
                                    .order_by(AuditEntry.id)).all()
    assert ("ledger_closings", "2025", "delete", owner.name) in audited
    assert ("ledger_entries", str(r.id), "insert", owner.name) in audited
    with store.transaction(owner) as b:  # and it closes again, with the late sale in it
        again = b.ledger.close_year(2025)
        assert tb_map(b, as_of="2025-12-31")["income:sales"] == 0
        assert b.ledger.entry(again.id).total == D("300.00")
        assert [c.year for c in b.ledger.closings()] == [2025]
        assert late.id < again.id


def test_reopening_refuses_what_is_not_the_last_closed_year(closed_2025, owner):
    store, _ = closed_2025
    with store.transaction(owner) as b, pytest.raises(Refused, match="2024 is not closed; nothing to reopen"):
        b.ledger.reopen_year(2024)
    with clock.freeze(datetime(2027, 2, 1, tzinfo=timezone.utc)):
        with store.transaction(owner) as b:
            b.ledger.close_year(2026)
        with store.transaction(owner) as b, pytest.raises(Refused, match=(
                r"2026 is closed after 2025; reopen 2026 first \(bizsuite ledger reopen-year 2026\)")):
            b.ledger.reopen_year(2025)
        with store.transaction(owner) as b:
            b.ledger.reopen_year(2026)
            assert b.ledger.lock_date == dt.date(2025, 12, 31)  # 2025 is still closed
            b.ledger.reopen_year(2025)
            assert b.ledger.lock_date == dt.date(2024, 6, 30)


def test_a_closing_entry_is_not_reversed_by_hand(closed_2025, owner):
    store, e = closed_2025
    with store.transaction(owner) as b, pytest.raises(
            Refused, match=rf"entry #{e.id} closes 2025; it is not reversed by hand .* reopen-year 2025"):
        b.ledger.reverse(e.id, date="2026-02-01")


def test_a_year_with_nothing_to_move_is_closed_all_the_same(books_store, owner):
    with clock.freeze(TODAY), books_store.transaction(owner) as b:
        assert b.ledger.close_year(2024) is None
        assert [(c.year, c.entry_id) for c in b.ledger.closings()] == [(2024, None)]
        with pytest.raises(Refused, match="2024 is already closed"):
            b.ledger.close_year(2024)
        assert b.ledger.reopen_year(2024) is None
        assert b.ledger.lock_date is None and b.session.scalar(select(Closing)) is None


def test_a_year_locked_through_its_last_day_can_still_be_closed(books_store, owner):
    """"Lock through 31 December, then close" is the usual order; locked beyond it is refused
    with the way out."""
    with clock.freeze(TODAY), books_store.transaction(owner) as b:
        b.ledger.post_entry("2025-03-09", "sale", SALE)
        b.ledger.lock("2025-12-31")
        e = b.ledger.close_year(2025)
        assert e is not None and [(c.year, c.lock_before) for c in b.ledger.closings()] == [(2025, dt.date(2025, 12, 31))]
        b.ledger.reopen_year(2025)
        assert b.ledger.lock_date == dt.date(2025, 12, 31)  # as it was: locked, no longer closed
        b.ledger.lock("2026-01-31")
        with pytest.raises(Refused, match="2025 is locked beyond its end .* move the lock date back to 2025-12-31"):
            b.ledger.close_year(2025)


def test_a_documents_reference_is_text_like_any_other(books_store, owner):
    with books_store.transaction(owner) as b, pytest.raises(ValidationFailed, match="source_ref: contains a control"):
        b.ledger.post_entry("2026-01-05", "sale", SALE, source_ref="INV\x1b[2J")


def test_check_names_a_closing_entry_no_closed_year_records(closed_2025, owner):
    """What concurrent closes left in books before closings were recorded once: a second closing
    entry of the year (made here as the race made it, behind the closing's back)."""
    store, e = closed_2025

    def failed():
        with store.read(owner) as b:
            return {r.name: r.detail for r in b.admin.check() if not r.ok}

    assert failed() == {}
    with store.transaction(owner) as b:  # a second closing entry, posted the way the old code did
        b.ledger.reopen_year(2025)
        b.ledger.close_year(2025)
        b.session.delete(b.session.get(Closing, 2025))
        b.ledger._set_lock(dt.date(2025, 12, 31))
        b.session.add(Closing(year=2025, entry_id=e.id, lock_before=None, closed_at=TODAY, closed_by="x"))
    bad = failed()
    assert set(bad) == {"each year is closed once and stays locked"}, bad
    assert bad["each year is closed once and stays locked"].startswith(
        "closing entries no closed year records (a year closed twice?): #")

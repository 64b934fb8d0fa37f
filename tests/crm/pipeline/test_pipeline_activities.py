"""A deal's activities and follow-ups, and how the pipeline converts (conversion and days per
stage, win rate by source), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from bizsuite.core import clock
from bizsuite.core.errors import NotFound, PermissionDenied, Refused, ValidationFailed


def at(day: str, hour: int = 9) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=dt.timezone.utc)


def fields(exc: ValidationFailed) -> dict[str, str]:
    return {e.field: e.message for e in exc.errors}


def test_a_follow_up_is_open_until_done_and_overdue_once_its_day_has_passed(deals_store, owner):
    with clock.freeze(at("2026-03-02")), deals_store.transaction(owner) as b:
        d = b.pipeline.add("Tea for the hotel", customer="Acme Trading Ltd", amount="1200", owner="sam")
        note = b.pipeline.log(d.number, "Met the buyer at the fair", kind="meeting")
        call = b.pipeline.log(d.number, "Call about the sizes", kind="CALL", due="2026-03-04")
        mine = b.pipeline.log(d.number, "Send the samples", kind="task", due="2026-03-09", owner=owner.name)
        assert (call.kind, call.owner, mine.owner) == ("call", "sam", owner.name)  # the deal's owner unless said
        assert b.pipeline.deal(d.number).follow_up == dt.date(2026, 3, 4)
        assert [r.follow_up for r in b.pipeline.list()] == [dt.date(2026, 3, 4)]
    with clock.freeze(at("2026-03-06")), deals_store.transaction(owner) as b:
        today = clock.today()
        rows = b.pipeline.follow_ups()
        assert [(r.id, r.deal, r.customer, r.overdue_days(today)) for r in rows] == \
            [(call.id, "D-00001", "Acme Trading Ltd", 2), (mine.id, "D-00001", "Acme Trading Ltd", 0)]
        assert [r.id for r in b.pipeline.follow_ups(overdue=True)] == [call.id]
        assert [r.id for r in b.pipeline.follow_ups(owner="sam")] == [call.id]
        assert [r.id for r in b.pipeline.follow_ups(until="2026-03-08")] == [call.id]
        done = b.pipeline.done(f"#{call.id}")
        assert (done.done_by, done.done_at, done.overdue_days(today)) == (owner.name, clock.now(), 0)
        with pytest.raises(Refused, match=r"already done, at 2026-03-06 09:00 UTC by"):
            b.pipeline.done(call.id)
        with pytest.raises(Refused, match="a record of what was done, not a follow-up"):
            b.pipeline.done(note.id)
        moved = b.pipeline.reschedule(mine.id, "2026-03-20")
        assert moved.due == dt.date(2026, 3, 20)
        with pytest.raises(Refused, match="is done; log a new follow-up"):
            b.pipeline.reschedule(call.id, "2026-03-21")
        view = b.pipeline.deal(d.number)
        assert [(a.kind, a.text, a.due) for a in view.activities] == [
            ("meeting", "Met the buyer at the fair", None), ("call", "Call about the sizes", dt.date(2026, 3, 4)),
            ("task", "Send the samples", dt.date(2026, 3, 20))]
        assert view.follow_up == dt.date(2026, 3, 20)  # the done one no longer counts
        with pytest.raises(NotFound, match="no activity '#99'"):
            b.pipeline.done("#99")


def test_an_activity_with_bad_fields_names_each_and_writes_nothing(deals_store, owner):
    with deals_store.transaction(owner) as b:
        d = b.pipeline.add("Silk", customer="#1", amount="10")
        with pytest.raises(ValidationFailed) as e:
            b.pipeline.log(d.number, "  ", kind="lunch", due="2026-02-30", owner="nobody")
        assert fields(e.value) == {
            "kind": "'lunch' is not one of call, meeting, email, task, note",
            "text": "say what was done or is to be done",
            "due": "2026-02-30 is not a date (no such day)",
            "owner": "'nobody' is not a bizsuite user (bizsuite users list)",
        }
        with pytest.raises(ValidationFailed, match="control character"):
            b.pipeline.log(d.number, "ring\x1b[2J")
        assert b.pipeline.deal(d.number).activities == []
    with deals_store.read(owner) as b:
        assert b.pipeline.follow_ups() == []


def test_a_viewer_reads_follow_ups_but_may_not_log_one(deals_store, owner):
    with deals_store.transaction(owner) as b:
        b.admin.add_user("vic", "viewer")
        d = b.pipeline.add("Silk", customer="#1", amount="10")
        b.pipeline.log(d.number, "Call", kind="call", due="2026-01-05")
    viewer = deals_store.actor_for("vic")
    with deals_store.read(viewer) as b:
        assert len(b.pipeline.follow_ups()) == 1
    with pytest.raises(PermissionDenied):
        with deals_store.transaction(viewer) as b:
            b.pipeline.log("D-00001", "Me too")
    with pytest.raises(PermissionDenied):
        with deals_store.transaction(viewer) as b:
            b.pipeline.done(1)


def test_conversion_and_days_per_stage_come_from_the_stage_changes(deals_store, owner):
    """Four deals with known days in each stage; the figures are worked out by hand below."""
    def step(day, fn, *args, **kw):
        with clock.freeze(at(day)), deals_store.transaction(owner) as b:
            return getattr(b.pipeline, fn)(*args, **kw)

    a = step("2026-01-01", "add", "A", customer="#1", amount="100", source="web").number
    b_ = step("2026-01-01", "add", "B", customer="#1", amount="200", source="web").number
    c = step("2026-01-01", "add", "C", customer="#2", amount="300", source="fair").number
    step("2026-01-11", "add", "D", customer="#2", amount="400", stage="qualified")
    step("2026-01-05", "move", a, "qualified")     # A: lead 4 days
    step("2026-01-07", "move", b_, "qualified")    # B: lead 6 days
    step("2026-01-02", "lost", c, reason="price")  # C: lead 1 day, lost
    step("2026-01-15", "move", a, "proposal")      # A: qualified 10 days
    step("2026-01-17", "move", b_, "lead")         # B: qualified 10 days, back (not onwards)
    step("2026-01-20", "won", a)                   # A: proposal 5 days, won
    with deals_store.read(owner) as bk:
        stats = {s.stage: s for s in bk.pipeline.stats()}
        by_source = {s.source: s for s in bk.pipeline.stats(by="source")}
        late = {s.stage: s for s in bk.pipeline.stats(since="2026-01-10")}
    lead, qual, prop, neg, won = (stats[k] for k in ("lead", "qualified", "proposal", "negotiation", "won"))
    assert (lead.entered, lead.advanced, lead.won, lead.now) == (3, 2, 1, 1)  # A, B, C in; A, B on; B back now
    assert (lead.conversion, lead.to_won, lead.avg_days) == (D("66.7"), D("33.3"), D("3.7"))  # (4 + 6 + 1) / 3
    assert (qual.entered, qual.advanced, qual.won, qual.now) == (3, 1, 1, 1)  # A, B, D in; only A onwards
    assert (qual.conversion, qual.avg_days) == (D("33.3"), D("10.0"))         # D's stay has not ended
    assert (prop.entered, prop.advanced, prop.avg_days) == (1, 1, D("5.0"))
    assert (neg.entered, neg.conversion, neg.avg_days) == (0, None, None)
    assert (won.entered, won.advanced, won.conversion, won.to_won, won.now) == (1, None, None, D("100.0"), 1)
    assert "lost" not in stats
    assert (late["qualified"].entered, late["lead"].entered) == (1, 0)  # only D was created after the 10th
    web, fair, none = by_source["web"], by_source["fair"], by_source["(no source)"]
    assert (web.deals, web.open, web.won, web.lost, web.win_rate, web.won_amount) == (2, 1, 1, 0, D("100.0"), D("100.00"))
    assert (fair.won, fair.lost, fair.win_rate, fair.won_amount) == (0, 1, D("0.0"), D("0.00"))
    assert (none.deals, none.win_rate) == (1, None)  # nothing closed: no rate
    assert list(by_source) == ["web", "fair", "(no source)"]  # best win rate first, no source last
    with deals_store.read(owner) as bk, pytest.raises(ValidationFailed, match="'owner' is not one of stage, source"):
        bk.pipeline.stats(by="owner")

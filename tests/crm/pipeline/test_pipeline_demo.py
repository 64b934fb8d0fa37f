"""The pipeline part of the demo: a year of selling on the timeline (read on the shared small demo,
at BASE), the same deals from the same seed, and the large company's deals in bulk (at a reduced
size, on SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib
import random
from collections import Counter, defaultdict
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from bizsuite.core import clock
from bizsuite.core.auth import os_login
from bizsuite.core.db import Location, to_url
from bizsuite.core.store import Store
from bizsuite.crm.pipeline.models import Activity, Deal, Stage, StageChange
from bizsuite.demo import BASE, DAYS

TODAY = BASE.date()
LARGE_COUNT = 3_000


@pytest.fixture(autouse=True)
def _at_base():
    """The demo is read on the day it was built: "today" is BASE's day."""
    with clock.freeze(BASE):
        yield


@pytest.fixture(scope="module")
def demo(small_demo_file):
    store = Store.open(Location(to_url(str(small_demo_file())), "test"))
    try:
        with store.read(store.actor_for(os_login())) as books:
            yield books
    finally:
        store.close()


def _deals(books) -> list[Deal]:
    return list(books.session.scalars(select(Deal).order_by(Deal.id)))


def _stages(books) -> dict[int, Stage]:
    return {s.id: s for s in books.session.scalars(select(Stage))}


def _changes(books) -> dict[int, list[StageChange]]:
    out: dict[int, list[StageChange]] = defaultdict(list)
    for c in books.session.scalars(select(StageChange).order_by(StageChange.id)):
        out[c.deal_id].append(c)
    return out


def _consistent(books, deals, changes) -> None:
    """What every deal of either size holds: its status is its stage's kind (won at 100 %, lost
    at 0 %, with a reason from the lists and the day it closed), its history opens once, on its
    creation, runs forward in time and ends where the deal is, one version per change."""
    stages = _stages(books)
    lost_reasons = set(books.pipeline.reasons("lost"))
    won_reasons = set(books.pipeline.reasons("won"))
    for d in deals:
        st = stages[d.stage_id]
        assert d.status == st.kind, d.number
        hist = changes[d.id]
        assert hist[0].from_stage_id is None and hist[0].at == d.created_at, d.number
        assert all(c.from_stage_id is not None for c in hist[1:]), d.number
        assert all(a.to_stage_id == b.from_stage_id and a.at < b.at for a, b in zip(hist, hist[1:])), d.number
        assert hist[-1].to_stage_id == d.stage_id and hist[-1].at == d.updated_at <= BASE, d.number
        assert d.version == len(hist), d.number
        if d.status == "won":
            assert d.probability == 100 and (d.reason is None or d.reason in won_reasons), d.number
        elif d.status == "lost":
            assert d.probability == 0 and d.reason in lost_reasons, d.number
        else:
            assert d.reason is None and d.closed_on is None, d.number
        if d.status != "open":
            assert d.closed_on == hist[-1].at.date() and hist[-1].reason == d.reason, d.number
        assert all(stages[c.to_stage_id].kind == "open" for c in hist[:-1]), d.number  # closed once, at the end


def _follow_ups_consistent(books, deals) -> None:
    created = {d.id: d.created_at for d in deals}
    acts = list(books.session.scalars(select(Activity)))
    assert acts
    for a in acts:
        assert a.created_at >= created[a.deal_id]
        if a.done_at is not None:
            assert a.due is not None and a.done_at.date() >= a.due and a.done_at >= a.created_at
        if a.due is not None:
            assert a.due > a.created_at.date()
            if a.due > TODAY:
                assert a.done_at is None  # nobody ticks off tomorrow's follow-up today
    return acts


# -- the small company, on the timeline -------------------------------------------------------


def test_about_300_deals_in_every_open_stage_won_and_lost_with_reasons(demo):
    deals = _deals(demo)
    assert 250 <= len(deals) <= 350
    stages = _stages(demo)
    open_now = Counter(stages[d.stage_id].name for d in deals if d.status == "open")
    assert set(open_now) == {s.name for s in demo.pipeline.stages() if s.kind == "open"}, open_now
    won = [d for d in deals if d.status == "won"]
    lost = [d for d in deals if d.status == "lost"]
    assert 0.2 <= len(won) / (len(won) + len(lost)) <= 0.35, (len(won), len(lost))
    assert len({d.reason for d in lost}) >= 4  # several reasons, every lost deal has one
    assert any(d.reason for d in won) and any(d.reason is None for d in won)  # won: a reason now and then
    # sales people own them; several sources; believable, skewed amounts in the books' currency
    assert {d.owner for d in deals} == {"mei", "oliver"}
    assert len({d.source for d in deals}) >= 5
    amounts = sorted(d.amount for d in deals)
    assert amounts[0] >= 300 and amounts[-1] >= 15_000
    assert amounts[len(amounts) // 2] < sum(amounts) / len(amounts)  # skewed: a few big ones
    # new deals through the year, on working days, more of them later (the business grows)
    opened = [d.created_at for d in deals]
    assert min(opened).date() >= TODAY - timedelta(days=DAYS - 1)
    assert all(t.weekday() < 5 and 9 <= t.hour < 17 for t in opened)
    half = TODAY - timedelta(days=DAYS // 2)
    assert sum(t.date() >= half for t in opened) > sum(t.date() < half for t in opened)


def test_histories_start_on_creation_and_end_at_the_deal_s_stage(demo):
    deals = _deals(demo)
    changes = _changes(demo)
    _consistent(demo, deals, changes)
    every = [c for hist in changes.values() for c in hist]
    assert all(c.at.weekday() < 5 and 9 <= c.at.hour <= 17 for c in every)  # a clerk's working day
    assert any(len(h) >= 5 for h in changes.values())  # some go all the way
    stages = _stages(demo)
    backwards = sum(1 for h in changes.values() for c in h[1:]
                    if stages[c.to_stage_id].kind == "open" and stages[c.to_stage_id].position
                    < stages[c.from_stage_id].position)
    assert backwards >= 3  # a revised proposal now and then
    failed = [(r.name, r.detail) for r in demo.admin.check() if not r.ok]
    assert not failed, failed


def test_follow_ups_mostly_done_some_overdue_and_tomorrow_s_still_open(demo):
    deals = _deals(demo)
    acts = _follow_ups_consistent(demo, deals)
    follow_ups = [a for a in acts if a.due is not None]
    assert {a.kind for a in acts} >= {"call", "email", "meeting", "note", "task"}
    done = [a for a in follow_ups if a.done_at is not None]
    assert len(done) >= 0.8 * len(follow_ups)
    assert sum(a.done_at.date() > a.due for a in done) >= 0.1 * len(done)  # some a few days late
    overdue = demo.pipeline.follow_ups(overdue=True)
    assert 3 <= len(overdue) <= 60, len(overdue)
    assert all(f.due < TODAY for f in overdue)
    assert any(a.due > TODAY and a.done_at is None for a in follow_ups)  # the days ahead are planned
    # a closed deal leaves no open follow-up
    closed = {d.id for d in deals if d.status != "open"}
    assert not [a.id for a in follow_ups if a.deal_id in closed and a.done_at is None]
    assert demo.pipeline.summary()["overdue"] == len(overdue)


def test_expected_close_dates_ahead_and_some_gone_by(demo):
    open_deals = [d for d in _deals(demo) if d.status == "open"]
    assert 25 <= len(open_deals) <= 120
    assert all(d.close is not None for d in open_deals)
    ahead = {(d.close.year, d.close.month) for d in open_deals if d.close >= TODAY}
    assert len(ahead) >= 3  # spread over the coming months
    assert any(d.close < TODAY for d in open_deals)  # and a stale one or two
    months = demo.pipeline.forecast(by="month")
    assert sum(r.deals for r in months) == len(open_deals)


def test_stats_reflect_the_timeline(demo):
    by_stage = {s.stage: s for s in demo.pipeline.stats(by="stage")}
    for st in demo.pipeline.stages():
        if st.kind == "open":
            s = by_stage[st.name]
            assert s.entered > 0 and s.avg_days is not None
            assert Decimal(1) <= s.avg_days <= Decimal(60), (st.name, s.avg_days)
    first = by_stage[demo.pipeline.stages()[0].name]
    assert first.conversion is not None and 40 <= first.conversion <= 95
    by_source = {s.source: s for s in demo.pipeline.stats(by="source")}
    assert {"Existing customer", "Web", "Phone", "Referral"} <= set(by_source)
    # repeat business is won far more often than a cold call
    assert by_source["Existing customer"].win_rate > by_source["Phone"].win_rate


# -- the same seed, the same deals --------------------------------------------------------------


def _run_small(path, seed: int, days: int) -> str:
    """The contacts part and ``days`` days of the pipeline's year on fresh books: a digest of
    every deal, stage change and activity."""
    from bizsuite.crm.contacts.demo import add_demo_contacts
    from bizsuite.crm.pipeline.demo import add_demo_pipeline, demo_day

    store = Store.open_or_create_empty(Location(to_url(str(path)), "test"))
    try:
        store.initialise(company="Seed Co", currency="USD", owner=os_login())
        with store.transaction(store.actor_for(os_login())) as books:
            add_demo_contacts(books, random.Random(f"{seed}:contacts"), "small", base=BASE)
            rng, state = random.Random(f"{seed}:pipeline"), {}
            add_demo_pipeline(books, rng, "small", base=BASE, seed=seed, state=state)
            first = TODAY - timedelta(days=DAYS - 1)
            for i in range(days):
                demo_day(books, rng, first + timedelta(days=i), state)
            h = hashlib.sha256()
            for model in (Deal, StageChange, Activity):
                for row in books.session.execute(select(model.__table__).order_by(model.__table__.c.id)):
                    h.update(repr(tuple(row)).encode())
            assert books.pipeline.counts()["deals"] > 0
            return h.hexdigest()
    finally:
        store.close()


def test_the_same_seed_gives_the_same_deals(tmp_path):
    days = 75
    a = _run_small(tmp_path / "a.sqlite", 7, days)
    assert _run_small(tmp_path / "b.sqlite", 7, days) == a
    assert _run_small(tmp_path / "c.sqlite", 8, days) != a


# -- the large company, in bulk (at a reduced size) ----------------------------------------------


@pytest.fixture(scope="module")
def large_books(module_location):
    from bizsuite.crm.contacts.demo import add_demo_contacts
    from bizsuite.crm.pipeline.demo import add_demo_pipeline

    store = Store.open_or_create_empty(module_location)
    try:
        store.initialise(company="Large Co", currency="USD", owner=os_login())
        actor = store.actor_for(os_login())
        with clock.freeze(BASE), store.transaction(actor) as books:
            add_demo_contacts(books, random.Random("7:contacts"), "small", base=BASE)
            state: dict = {}
            made = add_demo_pipeline(books, random.Random("7:pipeline"), "large", base=BASE, seed=7, state=state,
                                     count=LARGE_COUNT)
            assert made["deals"] == LARGE_COUNT and not state["active"]  # no daily work left
        with store.read(actor) as books:
            yield books
    finally:
        store.close()


def test_large_deals_numbered_without_gaps_and_consistent(large_books):
    b = large_books
    deals = _deals(b)
    assert len(deals) == LARGE_COUNT
    assert [d.number for d in deals] == [f"D-{n:05d}" for n in range(1, LARGE_COUNT + 1)]
    assert b.pipeline.number_of("d-1") == deals[0].number
    changes = _changes(b)
    assert sum(1 for hist in changes.values() for c in hist if c.from_stage_id is None) == LARGE_COUNT
    _consistent(b, deals, changes)
    _follow_ups_consistent(b, deals)
    status = Counter(d.status for d in deals)
    assert 0.2 <= status["won"] / (status["won"] + status["lost"]) <= 0.35, status
    assert 0.05 * LARGE_COUNT <= status["open"] <= 0.4 * LARGE_COUNT, status
    stages = _stages(b)
    assert {stages[d.stage_id].name for d in deals if d.status == "open"} == \
        {s.name for s in b.pipeline.stages() if s.kind == "open"}
    assert b.pipeline.follow_ups(overdue=True)
    assert all(s.avg_days and s.avg_days > 0 for s in b.pipeline.stats(by="stage") if s.advanced is not None)
    opened = [d.created_at.date() for d in deals]
    assert min(opened) >= TODAY - timedelta(days=DAYS - 1) and max(opened) <= TODAY
    failed = [(r.name, r.detail) for r in b.admin.check() if not r.ok]
    assert not failed, failed

"""Deals through the stages: the rules of the pipeline repository, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from sqlalchemy import func, select

from bizsuite.core import clock
from bizsuite.core.errors import PermissionDenied, Refused, StaleRecord, ValidationFailed


def fields(exc: ValidationFailed) -> dict[str, str]:
    return {e.field: e.message for e in exc.errors}


def test_the_default_stages_and_reasons_come_with_the_books(deals_store, owner):
    with deals_store.read(owner) as b:
        assert [(s.name, s.probability, s.kind) for s in b.pipeline.stages()] == [
            ("lead", 10, "open"), ("qualified", 25, "open"), ("proposal", 50, "open"), ("negotiation", 75, "open"),
            ("won", 100, "won"), ("lost", 0, "lost")]
        assert "competitor" in b.pipeline.reasons("lost") and "price" in b.pipeline.reasons("won")


def test_a_deal_takes_its_stage_s_probability_until_one_is_set_by_hand(deals_store, owner):
    with deals_store.transaction(owner) as b:
        d = b.pipeline.add("Tea for the hotel", customer="Acme Trading Ltd", amount="1200", close="2026-05-31")
        assert (d.number, d.stage, d.status, d.probability, d.weighted, d.owner) == \
            ("D-00001", "lead", "open", D(10), D("120.00"), owner.name)
        d = b.pipeline.move(d.number, "proposal")
        assert (d.probability, d.weighted) == (D(50), D("600.00"))
        e = b.pipeline.add("Porcelain", customer="#2", amount="999.99", stage="qualified", probability="33.3")
        assert (e.probability, e.weighted, e.probability_set) == (D("33.3"), D("333.00"), True)  # 332.99667 → 333.00
        e = b.pipeline.move(e.number, "negotiation")
        assert e.probability == D("33.3")  # set by hand: kept
        assert [h.to_stage for h in e.history] == ["qualified", "negotiation"]


def test_won_lost_and_reopen(deals_store, owner):
    with deals_store.transaction(owner) as b:
        d = b.pipeline.add("Silk", customer="Acme Trading Ltd", amount="500", stage="proposal")
        with pytest.raises(ValidationFailed) as e:
            b.pipeline.lost(d.number, reason="")
        assert "a lost deal needs a reason" in fields(e.value)["reason"]
        with pytest.raises(ValidationFailed) as e:
            b.pipeline.lost(d.number, reason="the moon")
        assert "'the moon' is not one of the reasons a deal is lost" in fields(e.value)["reason"]
        lost = b.pipeline.lost(d.number, reason="COMPETITOR")
        assert (lost.status, lost.stage, lost.probability, lost.weighted, lost.reason, lost.closed_on) == \
            ("lost", "lost", D(0), D("0.00"), "competitor", clock.today())
        with pytest.raises(Refused, match="a lost deal moves only by being reopened"):
            b.pipeline.move(d.number, "negotiation")
        with pytest.raises(Refused, match="already lost"):
            b.pipeline.lost(d.number, reason="price")
        back = b.pipeline.reopen(d.number)
        assert (back.status, back.stage, back.probability, back.reason, back.closed_on) == \
            ("open", "proposal", D(50), None, None)
        won = b.pipeline.won(d.number)
        assert (won.status, won.probability, won.weighted, won.reason) == ("won", D(100), D("500.00"), None)
        with pytest.raises(Refused, match="reopen it first"):
            b.pipeline.lost(d.number, reason="price")
        with pytest.raises(Refused, match="won closes a deal"):
            b.pipeline.move(b.pipeline.add("Other", customer="#1", amount="1").number, "won")
        assert [(h.from_stage, h.to_stage, h.reason) for h in b.pipeline.deal(d.number).history] == [
            (None, "proposal", None), ("proposal", "lost", "competitor"), ("lost", "proposal", None),
            ("proposal", "won", None)]
    with deals_store.read(owner) as b:
        assert [r.name for r in b.admin.check() if not r.ok] == []


def test_bad_input_is_named_by_field_and_nothing_is_written(deals_store, owner):
    from bizsuite.crm.pipeline.models import Deal

    with deals_store.transaction(owner) as b:
        with pytest.raises(ValidationFailed) as e:
            b.pipeline.add("", customer="Parts Co", amount="-1", stage="won", close="2026-02-30", owner="nobody",
                           probability="101")
        got = fields(e.value)
        assert set(got) == {"title", "customer", "amount", "stage", "close", "owner", "probability"}
        assert "neither a customer nor a lead" in got["customer"]
        assert "not 2026-02-30" in got["close"] or "no such day" in got["close"]
        with pytest.raises(ValidationFailed) as e:
            b.pipeline.add("No one", customer="", amount="10")
        assert "a deal needs a customer" in fields(e.value)["customer"]
        with pytest.raises(ValidationFailed) as e:
            b.pipeline.add("Too fine", customer="#1", amount="10.001")
        assert "decimal" in fields(e.value)["amount"]
        with pytest.raises(Refused, match="no stage 'closing'"):
            b.pipeline.move(b.pipeline.add("Ok", customer="#1", amount="10").number, "closing")
        assert b.session.scalar(select(func.count()).select_from(Deal)) == 1


def test_the_list_and_the_forecast_agree_to_the_cent(deals_store, owner):
    with deals_store.transaction(owner) as b:
        for n, (amount, stage, close, who) in enumerate([
                ("100.01", "lead", "2026-04-10", None), ("100.01", "lead", "2026-04-20", None),
                ("100.01", "lead", "2026-04-30", "sam"), ("2500", "negotiation", "2026-05-02", "sam"),
                ("80", "proposal", None, None)]):
            b.pipeline.add(f"Deal {n}", customer="#1", amount=amount, stage=stage, close=close, owner=who)
        b.pipeline.lost(b.pipeline.add("Gone", customer="#1", amount="9999", close="2026-04-01").number, reason="price")
        rows = b.pipeline.list()
        assert [r.weighted for r in rows][:3] == [D("10.00")] * 3  # 10.001 each, rounded once per deal
        months = {f.key: (f.deals, f.amount, f.weighted) for f in b.pipeline.forecast(by="month")}
        assert months == {"2026-04": (3, D("300.03"), D("30.00")), "2026-05": (1, D("2500.00"), D("1875.00")),
                          "no date": (1, D("80.00"), D("40.00"))}
        assert list(months) == ["2026-04", "2026-05", "no date"]
        assert sum(w for _, _, w in months.values()) == sum(r.weighted for r in rows)  # the lost deal is in neither
        owners = {f.key: f.deals for f in b.pipeline.forecast(by="owner")}
        assert owners == {owner.name: 3, "sam": 2}
        assert [f.key for f in b.pipeline.forecast(by="stage")] == ["lead", "proposal", "negotiation"]
        assert [r.number for r in b.pipeline.list(owner="sam")] == ["D-00003", "D-00004"]
        assert [r.title for r in b.pipeline.list(stage="lost")] == ["Gone"]
        assert len(b.pipeline.list(status="all")) == 6
        with pytest.raises(ValidationFailed):
            b.pipeline.forecast(by="colour")


def test_an_owner_adds_a_stage_and_a_reason_that_deals_then_use(deals_store, owner):
    with deals_store.transaction(owner) as b:
        st = b.pipeline.add_stage("Demo given", "40", after="qualified")
        assert [s.name for s in b.pipeline.stages()][:4] == ["lead", "qualified", "Demo given", "proposal"]
        with pytest.raises(Refused, match="already a stage"):
            b.pipeline.add_stage("demo GIVEN", "40")
        with pytest.raises(ValidationFailed):
            b.pipeline.add_stage("After won", "50", after="won")
        d = b.pipeline.add("Demo", customer="#1", amount="100", stage="demo given")
        assert (d.stage, d.probability) == (st.name, D(40))
        b.pipeline.add_reason("lost", "went bankrupt")
        assert b.pipeline.lost(d.number, reason="Went bankrupt").reason == "went bankrupt"


def test_roles_sales_works_deals_viewer_and_support_read_them_only_the_owner_sets_the_stages(deals_store, owner):
    with deals_store.transaction(owner) as b:
        b.admin.add_user("vic", "viewer")
        b.admin.add_user("sue", "support")
        b.admin.add_user("hal", "hr")
    sam, viewer, support, hr = (deals_store.actor_for(n) for n in ("sam", "vic", "sue", "hal"))
    with deals_store.transaction(sam) as b:
        d = b.pipeline.add("Sam's", customer="#1", amount="10")
        b.pipeline.move(d.number, "qualified")
        with pytest.raises(PermissionDenied):
            b.pipeline.add_stage("Mine", "20")
    with deals_store.read(viewer) as b:
        assert [r.number for r in b.pipeline.list()] == [d.number]
    with deals_store.transaction(viewer) as b, pytest.raises(PermissionDenied):
        b.pipeline.move(d.number, "proposal")
    with deals_store.read(support) as b:  # a customer's deals, beside their tickets
        assert len(b.pipeline.list()) == 1
    with deals_store.transaction(support) as b, pytest.raises(PermissionDenied):
        b.pipeline.won(d.number)
    with deals_store.read(hr) as b, pytest.raises(PermissionDenied):
        b.pipeline.list()


def test_a_save_from_an_older_copy_is_refused(deals_store, owner):
    with deals_store.transaction(owner) as b:
        d = b.pipeline.add("Versioned", customer="#1", amount="10")
    with deals_store.transaction(owner) as b:
        b.pipeline.move(d.number, "qualified", expect_version=d.version)
    with deals_store.transaction(owner) as b, pytest.raises(StaleRecord):
        b.pipeline.move(d.number, "proposal", expect_version=d.version)
    with deals_store.read(owner) as b:
        assert b.pipeline.deal(d.number).stage == "qualified"


def test_search_finds_a_deal_by_number_title_or_customer_and_the_home_figure_adds_up(deals_store, owner):
    with clock.freeze(dt.datetime(2026, 3, 2, 9, tzinfo=dt.timezone.utc)), deals_store.transaction(owner) as b:
        b.pipeline.add("Tea for the hotel", customer="Acme Trading Ltd", amount="1200")       # D-1, 120.00
        b.pipeline.add("100% silk", customer="王小明", amount="333.33", stage="proposal")      # D-2, 166.665 → 166.66
        b.pipeline.lost(b.pipeline.add("Old tea", customer="#1", amount="50").number, reason="price")  # D-3
        b.pipeline.log("D-00001", "Call", kind="call", due="2026-03-01")
        b.pipeline.log("D-00002", "Call", kind="call", due="2026-03-02")  # due today: not overdue
        assert [r.number for r in b.pipeline.search("d-2")] == ["D-00002"]
        assert [r.number for r in b.pipeline.search("TEA")] == ["D-00001", "D-00003"]  # open first
        assert [r.number for r in b.pipeline.search("王")] == ["D-00002"]
        assert [r.number for r in b.pipeline.search("acme")] == ["D-00001", "D-00003"]
        assert [r.number for r in b.pipeline.search("0%")] == ["D-00002"]  # % taken literally
        assert [r.number for r in b.pipeline.search("_")] == []
        assert b.pipeline.search("tea", limit=1)[0].number == "D-00001"
        assert b.pipeline.summary() == {"open": 2, "weighted": D("286.66"), "overdue": 1}
        from bizsuite.crm.pipeline.overview import home_summary, search

        assert home_summary(b) == "2 open · weighted 286.66 · 1 overdue follow-up"
        hits = search(b, "D-00001")
        assert [(h.kind, h.number, h.score) for h in hits] == [("deal", "D-00001", 1.0)]

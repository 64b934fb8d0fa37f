"""``pipeline import``: a pipeline from another CRM's CSV, by the repository's rules, all or
nothing, named by line, and never twice — on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal as D

import pytest
from sqlalchemy import text

from bizsuite.core import clock
from bizsuite.core.importer import ImportFailed
from bizsuite.crm.pipeline.importer import import_deals

NOW = dt.datetime(2026, 11, 20, 10, tzinfo=dt.timezone.utc)

# a HubSpot-like export: its own headers, found by the aliases
GOOD = """Deal Name,Customer,Deal Value,Deal Stage,Close Date,Lead Source,Tags,Lost Reason,Created,Closed,Deal ID
Hotel linen,Acme Trading Ltd,2500,proposal,2027-01-15,referral,hotel;Linen,,2026-10-01,,HUB-1
茶具,#2,300.5,Closed Won,,web,,,2026-09-01,2026-09-20,HUB-2
Old silk,Acme Trading Ltd,120,lost,,web,,Competitor,2026-08-01,2026-08-05,HUB-3
"""


def counts(store) -> dict:
    with store.engine.connect() as conn:
        return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar()
                for t in ("deals", "deal_tags", "deal_stage_changes")}


def run(store, owner, tmp_path, body: str, name="deals.csv", **kw):
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    with clock.freeze(NOW), store.transaction(owner) as b:
        return import_deals(b, path, display=name, **kw)


def test_a_crm_export_comes_in_with_its_history_and_a_second_run_adds_nothing(deals_store, owner, tmp_path):
    report = run(deals_store, owner, tmp_path, GOOD)
    assert (report.read, report.imported, report.unchanged) == (3, 3, 0)
    with deals_store.read(owner) as b:
        rows = {r.number: r for r in b.pipeline.list(status="all")}
        linen, tea, silk = (b.pipeline.deal(n) for n in ("D-00001", "D-00002", "D-00003"))
        by_source = {s.source: s for s in b.pipeline.stats(by="source")}
    assert (linen.stage, linen.status, linen.amount, linen.probability, linen.close, linen.source, linen.tags) == \
        ("proposal", "open", D("2500.00"), D(50), dt.date(2027, 1, 15), "referral", ["hotel", "Linen"])
    assert [(h.at.date(), h.to_stage) for h in linen.history] == [(dt.date(2026, 10, 1), "proposal")]
    assert (tea.customer, tea.status, tea.probability, tea.weighted, tea.closed_on) == \
        ("王小明", "won", D(100), D("300.50"), dt.date(2026, 9, 20))
    assert [(h.at.date(), h.from_stage, h.to_stage) for h in tea.history] == [
        (dt.date(2026, 9, 1), None, "lead"), (dt.date(2026, 9, 20), "lead", "won")]
    assert (silk.status, silk.reason, silk.closed_on) == ("lost", "competitor", dt.date(2026, 8, 5))
    assert rows["D-00001"].weighted == D("1250.00")
    assert (by_source["web"].won, by_source["web"].lost, by_source["web"].win_rate) == (1, 1, D("50.0"))
    before = counts(deals_store)
    again = run(deals_store, owner, tmp_path, GOOD)
    assert (again.imported, again.unchanged) == (0, 3)
    assert counts(deals_store) == before
    with deals_store.engine.connect() as conn:  # numbered without gaps, in the file's order
        assert conn.execute(text("SELECT next FROM number_series WHERE series = 'pipeline.deal'")).scalar() == 4


BAD = """title,customer,amount,stage,probability,close,owner,reason,created,closed
,Acme Trading Ltd,10,,,,,,,
Tea,Nobody Ltd,1x,closing,101,2026-13-01,zed,,2027-01-01,
Parts,Parts Co,10,,,,,,,
Lost,#1,10,lost,,,,,,
Won early,#1,10,won,,,,,2026-05-01,2026-04-01
Open,#1,10,lead,,,,price,,2026-05-01
Fine,#1,10,,,,,,,
"""


def test_bad_rows_are_named_by_line_and_field_and_nothing_is_written(deals_store, owner, tmp_path):
    before = counts(deals_store)
    with pytest.raises(ImportFailed) as e:
        run(deals_store, owner, tmp_path, BAD, name="bad.csv")
    assert list(e.value.problems) == [
        "bad.csv:2: title: a deal needs a title",
        "bad.csv:3: customer: no contact 'Nobody Ltd'; add it first (bizsuite contacts add)",
        "bad.csv:3: amount: not a valid amount: '1x'",
        "bad.csv:3: stage: no stage 'closing' (the stages: lead, qualified, proposal, negotiation, won, lost)",
        "bad.csv:3: probability: 101 is not a percentage from 0 to 100 (at most 4 decimals)",
        "bad.csv:3: close: 2026-13-01 is not a date (no such day)",
        "bad.csv:3: owner: 'zed' is not a bizsuite user (bizsuite users list)",
        "bad.csv:3: created: 2027-01-01 is in the future",
        "bad.csv:4: customer: Parts Co (#3) is neither a customer nor a lead; give the contact one of those roles "
        "first",
        "bad.csv:5: reason: a lost deal needs a reason",
        "bad.csv:6: closed: 2026-04-01 is before the deal was created (2026-05-01)",
        "bad.csv:7: reason: is for a won or lost deal; lead is open",
        "bad.csv:7: closed: is for a won or lost deal; lead is open",
    ]
    assert counts(deals_store) == before
    rejects = tmp_path / "rejects.csv"
    report = run(deals_store, owner, tmp_path, BAD, name="bad.csv", skip_invalid=True, rejects=rejects)
    assert (report.imported, len(report.rejected)) == (1, 6)
    with deals_store.read(owner) as b:
        assert [r.title for r in b.pipeline.list()] == ["Fine"]
    rows = list(csv.DictReader(io.StringIO(rejects.read_text(encoding="utf-8"))))
    assert len(rows) == 6 and rows[0]["title"] == ""


def test_a_dry_run_counts_and_writes_nothing(deals_store, owner, tmp_path):
    before = counts(deals_store)
    report = run(deals_store, owner, tmp_path, GOOD, dry_run=True)
    assert (report.imported, report.dry_run) == (3, True)
    assert counts(deals_store) == before

"""``bizsuite pipeline …`` on SQLite and PostgreSQL: what each write prints, the JSON record, the
report columns of PRODUCT.md, and bad input — exit 1, one line per problem, nothing written."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import text

TABLES = ("deals", "deal_tags", "deal_stage_changes", "pipeline_stages", "pipeline_reasons")


def written(store) -> dict:
    with store.engine.connect() as conn:
        out = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in TABLES}
        out["deals_rows"] = sorted(conn.execute(text("SELECT id, stage_id, status, version FROM deals")).all())
        out["series"] = sorted(conn.execute(text("SELECT series, next FROM number_series")).all())
    return out


@pytest.fixture
def with_deals(deals_store, owner):
    """D-00001 Acme 1200 lead (close 2026-04-30); D-00002 王小明 300 proposal; D-00003 lost."""
    with deals_store.transaction(owner) as b:
        b.pipeline.add("Hotel tea", customer="Acme Trading Ltd", amount="1200", close="2026-04-30", source="web")
        b.pipeline.add("茶具", customer="王小明", amount="300", stage="proposal", owner="sam")
        b.pipeline.lost(b.pipeline.add("Gone", customer="#1", amount="50").number, reason="price")
    return deals_store


BAD = {
    "no customer": (["add", "X", "--customer", "", "--amount", "5"],
                    ["customer: a deal needs a customer (--customer: #id, email or name)"]),
    "a supplier as the customer": (["add", "X", "--customer", "Parts Co", "--amount", "5"],
                                   ["customer: Parts Co (#3) is neither a customer nor a lead; give the contact one of "
                                    "those roles first"]),
    "an unknown customer and a bad amount": (["add", "X", "--customer", "#99", "--amount", "1,5"],
                                             None),
    "an unknown stage": (["move", "D-00001", "closing"], None),
    "a lost deal moved forward": (["move", "D-00003", "proposal"],
                                  ["D-00003 is lost; a lost deal moves only by being reopened: bizsuite pipeline "
                                   "reopen D-00003"]),
    "lost without a listed reason": (["lost", "D-00001", "--reason", "bad luck"], None),
    "an unknown deal": (["won", "D-00042"], ["no deal 'D-00042'"]),
    "a stale copy": (["move", "D-00001", "qualified", "--expect-version", "7"], None),
    "a forecast by colour": (["forecast", "--by", "colour"], ["by: 'colour' is not one of month, owner, stage"]),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_is_one_line_per_problem_exit_1_and_nothing_written(cli, with_deals, db, case):
    args, lines = BAD[case]
    before = written(with_deals)
    r = cli("pipeline", *args, db=db)
    assert r.rc == 1 and "Traceback" not in r.stderr and r.stdout == "", r
    if lines is not None:
        assert r.err_lines == lines, r
    else:
        assert 1 <= len(r.err_lines) <= 2, r
    assert written(with_deals) == before


def test_the_list_and_the_forecast_in_csv_have_product_md_s_columns(cli, with_deals, db):
    r = cli("pipeline", "list", "--format", "csv", db=db)
    assert r.rc == 0, r
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert list(rows[0]) == ["number", "title", "customer", "stage", "amount", "probability", "weighted", "close",
                             "owner"]
    assert [(x["number"], x["stage"], x["amount"], x["probability"], x["weighted"], x["close"], x["owner"])
            for x in rows] == [("D-00001", "lead", "1200.00", "10", "120.00", "2026-04-30", with_deals_owner(with_deals)),
                               ("D-00002", "proposal", "300.00", "50", "150.00", "", "sam")]
    r = cli("pipeline", "list", "--stage", "lost", "--format", "csv", db=db)
    assert [x["number"] for x in csv.DictReader(io.StringIO(r.stdout))] == ["D-00003"]
    r = cli("pipeline", "forecast", "--by", "owner", "--format", "csv", db=db)
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert list(rows[0]) == ["owner", "deals", "amount", "weighted"]
    assert {x["owner"]: (x["deals"], x["weighted"]) for x in rows} == {
        with_deals_owner(with_deals): ("1", "120.00"), "sam": ("1", "150.00")}
    r = cli("pipeline", "forecast", "--format", "csv", db=db)
    assert [x["month"] for x in csv.DictReader(io.StringIO(r.stdout))] == ["2026-04", "no date"]


def with_deals_owner(store) -> str:
    from bizsuite.core.auth import os_login

    return os_login()


def test_a_deal_from_lead_to_won_by_the_command_line(cli, deals_store, db):
    r = cli("pipeline", "add", "Porcelain for the hotel", "--customer", "Acme Trading Ltd", "--amount", "2500",
            "--close", "2026-06-30", "--tag", "hotel", "--source", "fair", db=db)
    assert r.rc == 0 and r.stdout == ("added D-00001 'Porcelain for the hotel' for Acme Trading Ltd: lead, 2500.00 "
                                      "at 10% (weighted 250.00)\n"), r
    assert cli("pipeline", "move", "d-1", "negotiation", db=db).stdout.startswith("moved D-00001")
    r = cli("pipeline", "won", "D-00001", "--reason", "Relationship", "--format", "json", db=db)
    record = json.loads(r.stdout)
    assert (record["status"], record["probability"], record["weighted"], record["reason"], record["tags"],
            record["source"]) == ("won", "100", "2500.00", "relationship", ["hotel"], "fair")
    assert [(h["from"], h["to"]) for h in record["history"]] == [(None, "lead"), ("lead", "negotiation"),
                                                                 ("negotiation", "won")]
    r = cli("pipeline", "reopen", "D-00001", db=db)
    assert r.stdout.startswith("reopened D-00001") and "negotiation, 2500.00 at 75%" in r.stdout, r
    r = cli("pipeline", "stages", "--format", "csv", db=db)
    assert [x["stage"] for x in csv.DictReader(io.StringIO(r.stdout))] == [
        "lead", "qualified", "proposal", "negotiation", "won", "lost"]
    r = cli("check", db=db)
    assert r.rc == 0 and "deals: the stage history ends where each deal is" in r.stdout, r

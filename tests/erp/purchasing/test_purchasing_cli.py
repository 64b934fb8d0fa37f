"""``bizsuite purchase …`` on SQLite and PostgreSQL: what each write prints, the JSON record, the
report columns, and every bad input of issue 9 that concerns purchasing — exit 1, one line that
names the problem, nothing written."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from purchasing_helpers import D, written


@pytest.fixture
def open_po(pstore, owner):
    """PO-00001 from Acme, confirmed: A-1 10 @ 10.00 (13%), K-1 2.5 kg @ 4.00; 4 A-1 received
    on 2026-03-02; BILL-00001 (ref INV-1) for 2 of them (22.60)."""
    with pstore.transaction(owner) as b:
        o = b.purchasing.create("Acme Supplies", ["A-1 10 10", "K-1 2.5 4"], date="2026-03-01")
        b.purchasing.confirm(o.number)
        b.purchasing.receive(o.number, ["A-1 4"], date="2026-03-02")
        b.purchasing.bill(o.number, supplier_ref="INV-1", lines=["A-1 2"], date="2026-03-03")
        b.purchasing.create("Acme Supplies", ["A-1 1 10"], date="2026-03-01")  # PO-00002, a draft
    return pstore


BAD = {
    "unknown SKU": (["create", "--supplier", "Acme Supplies", "--line", "ZZ-9 1 10"],
                    "line 1: unknown SKU 'ZZ-9'"),
    "zero quantity": (["create", "--supplier", "Acme Supplies", "--line", "A-1 0 10"],
                      "line 1: quantity: must be more than zero, not 0"),
    "negative quantity": (["create", "--supplier", "Acme Supplies", "--line", "A-1 -3 10"],
                          "line 1: quantity: must be more than zero, not -3"),
    "fractional quantity of a whole unit": (["create", "--supplier", "Acme Supplies", "--line", "A-1 1.5 10"],
                                            "line 1: quantity: 1.5 is not a whole number of pcs"),
    "a supplier who is not one": (["create", "--supplier", "Bob Buyer", "--line", "A-1 1 10"],
                                  "supplier: Bob Buyer (#2) is not a supplier; give the contact the supplier role first"),
    "no price": (["create", "--supplier", "Acme Supplies", "--line", "A-1 1"],
                 "line 1: 'A-1 1' is not SKU QTY PRICE [TAX%]"),
    "receiving more than ordered": (["receive", "PO-00001", "--line", "A-1 7"],
                                    "line 1: A-1: receiving 7 pcs is more than the 6 pcs still due on PO-00001 "
                                    "(ordered 10 pcs, received 4 pcs); to take more than ordered, give the reason (over)"),
    "receiving a fraction of a whole unit": (["receive", "PO-00001", "--line", "A-1 0.5"],
                                             "line 1: quantity: 0.5 is not a whole number of pcs"),
    "receiving zero": (["receive", "PO-00001", "--line", "K-1 0"], "line 1: quantity: must be more than zero, not 0"),
    "receiving a product not on the order": (["receive", "PO-00001", "--line", "N-1 1"], "line 1: N-1 is not on PO-00001"),
    "receiving an unknown SKU": (["receive", "PO-00001", "--line", "ZZ-9 1"], "line 1: unknown SKU 'ZZ-9'"),
    "receiving on a draft": (["receive", "PO-00002"],
                             "PO-00002 is a draft; confirm it first: bizsuite purchase confirm PO-00002"),
    "receiving before the order's date": (["receive", "PO-00001", "--date", "2026-02-27"],
                                          "date: 2026-02-27 is before the order's date 2026-03-01"),
    "billing more than received": (["bill", "PO-00001", "--ref", "INV-2", "--line", "A-1 3"],
                                   "line 1: A-1: billing 3 pcs is more than the 2 pcs received and not yet billed on "
                                   "PO-00001 (ordered 10 pcs, received 4 pcs, billed 2 pcs)"),
    "billing what was never received": (["bill", "PO-00001", "--ref", "INV-2", "--line", "K-1 1"],
                                        "line 1: K-1: billing 1 kg is more than the 0 kg received and not yet billed "
                                        "on PO-00001 (ordered 2.5 kg, received 0 kg, billed 0 kg)"),
    "the same supplier bill twice": (["bill", "PO-00001", "--ref", "inv-1"],
                                     "the supplier's bill 'inv-1' is already in the books as BILL-00001"),
    "paying more than owed": (["pay", "BILL-00001", "22.61"], "amount: 22.61 is more than BILL-00001 still owes (22.60)"),
    "paying a negative amount": (["pay", "BILL-00001", "--", "-5"], "amount: must be more than zero, not -5.00"),
    "paying in fractions of a cent": (["pay", "BILL-00001", "1.005"], "amount: '1.005' has more than 2 decimal places"),
    "paying an unknown bill": (["pay", "BILL-00099"], "no bill 'BILL-00099'"),
    "cancelling an order with receipts": (["cancel", "PO-00001"],
                                          "PO-00001 has receipts (A-1 4 pcs received); an order with receipts cannot "
                                          "be cancelled"),
    "an unknown order": (["show", "PO-00042"], "no purchase order 'PO-00042'"),
    "an unknown status": (["list", "--status", "lost"],
                          "status: 'lost' is not a status; statuses: open, draft, confirmed, partially_received, received, "
                          "closed, cancelled"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_is_one_line_exit_1_and_nothing_written(cli, open_po, db, case):
    args, message = BAD[case]
    before = written(open_po)
    r = cli("purchase", *args, db=db)
    assert r.rc == 1 and r.err_lines == [message], r
    assert "Traceback" not in r.stderr and r.stdout == ""
    assert written(open_po) == before


def test_a_receipt_into_a_locked_period_is_refused(cli, open_po, owner, db):
    with open_po.transaction(owner) as b:
        b.ledger.lock("2026-03-31")
    before = written(open_po)
    r = cli("purchase", "receive", "PO-00001", "--date", "2026-03-10", db=db)
    assert r.rc == 1 and len(r.err_lines) == 1 and "on or before the lock date 2026-03-31" in r.stderr, r
    assert written(open_po) == before


def test_the_whole_way_through_the_command_line(cli, pstore, db):
    r = cli("purchase", "create", "--supplier", "Acme Supplies", "--line", "A-1 10 10", "--line", "K-1 2.5 4 0%",
            "--date", "2026-03-01", "--expected", "2026-03-09", db=db)
    assert r.rc == 0 and r.stdout == "created PO-00001 for Acme Supplies: 2 lines, total 123.00 (draft)\n", r
    r = cli("purchase", "confirm", "PO-00001", db=db)
    assert r.stdout == "confirmed PO-00001: total 123.00\n", r
    r = cli("purchase", "receive", "PO-00001", "--line", "A-1 4", "--date", "2026-03-02", db=db)
    assert r.rc == 0 and re.fullmatch(r"received PO-00001 \(receipt #1, entry #\d+\): A-1 4 pcs; partially "
                                      r"received; still due: A-1 6 pcs, K-1 2.5 kg\n", r.stdout), r
    r = cli("purchase", "bill", "PO-00001", "--ref", "S-77", "--line", "A-1 4 11", "--date", "2026-03-03",
            "--due", "2026-04-02", db=db)
    assert r.stdout == "created BILL-00001 for PO-00001 (S-77): total 49.72, due 2026-04-02\n", r  # 44 + 5.72
    r = cli("purchase", "pay", "BILL-00001", "20", "--date", "2026-03-04", db=db)
    assert r.stdout == "created PAY-00001 for BILL-00001: paid 20.00, 29.72 still owed\n", r
    r = cli("purchase", "show", "PO-00001", "--format", "json", db=db)
    assert r.rc == 0, r
    rec = json.loads(r.stdout)
    assert (rec["number"], rec["status"], rec["supplier"], rec["expected"]) == \
        ("PO-00001", "partially_received", "Acme Supplies", "2026-03-09")
    assert [(ln["sku"], ln["ordered"], ln["received"], ln["billed"], ln["billed_amount"], ln["paid"])
            for ln in rec["lines"]] == [("A-1", "10", "4", "4", "49.72", "20.00"),
                                        ("K-1", "2.500", "0.000", "0.000", "0.00", "0.00")]
    assert rec["totals"] == {"net": "110.00", "tax": "13.00", "total": "123.00", "billed": "49.72", "paid": "20.00"}
    assert rec["amounts_due"] == {"to_receive": [{"sku": "A-1", "quantity": "6"}, {"sku": "K-1", "quantity": "2.500"}],
                                  "to_bill": [], "owed": "29.72"}
    assert [b["number"] for b in rec["bills"]] == ["BILL-00001"]
    r = cli("purchase", "receive", "PO-00001", "--date", "2026-03-05", "--format", "json", db=db)
    assert r.rc == 0 and json.loads(r.stdout)["status"] == "received", r
    r = cli("purchase", "list", "--format", "csv", db=db)
    assert list(csv.reader(io.StringIO(r.stdout))) == [
        ["number", "date", "supplier", "status", "total", "billed", "paid"],
        ["PO-00001", "2026-03-01", "Acme Supplies", "received", "123.00", "49.72", "20.00"]]
    r = cli("purchase", "aging", "--as-of", "2026-05-10", "--format", "csv", db=db)
    assert list(csv.reader(io.StringIO(r.stdout))) == [
        ["supplier", "current", "1-30", "31-60", "61-90", "90+", "total"],
        ["Acme Supplies", "0.00", "0.00", "29.72", "0.00", "0.00", "29.72"]]  # 38 days past 04-02
    r = cli("check", db=db)
    assert r.rc == 0, r


def test_suggest_lists_and_creates_draft_orders_per_supplier(cli, pstore, db):
    r = cli("purchase", "suggest", "--format", "csv", db=db)
    assert list(csv.reader(io.StringIO(r.stdout))) == [
        ["sku", "name", "on_hand", "on_order", "reorder_point", "quantity", "unit_price", "supplier"],
        ["A-1", "Widget", "0", "0", "5", "20", "0.00", "Acme Supplies"],
        ["N-1", "Nut", "0", "0", "2", "2", "0.00", ""]]
    r = cli("purchase", "suggest", "--create", db=db)
    assert r.rc == 0 and "created PO-00001 for Acme Supplies: 1 lines, total 0.00 (draft)" in r.stdout, r
    assert "no preferred supplier (not ordered): N-1" in r.stdout
    r = cli("purchase", "list", "--status", "draft", "--format", "json", db=db)
    assert [o["number"] for o in json.loads(r.stdout)] == ["PO-00001"]


def test_the_command_word_is_purchase(cli):
    r = cli("--help")
    assert re.search(r"^\s+purchase\s+Purchase orders", r.stdout, re.M), r
    assert not re.search(r"^\s+purchasing\s", r.stdout, re.M)
    r = cli("purchase", "--help")
    assert r.rc == 0 and all(c in r.stdout for c in ("create", "receive", "bill", "pay", "suggest", "aging")), r


def test_a_bill_json_record(cli, open_po, db):
    r = cli("purchase", "bill", "PO-00001", "--ref", "INV-2", "--date", "2026-03-05", "--format", "json", db=db)
    assert r.rc == 0, r
    rec = json.loads(r.stdout)
    assert {k: rec[k] for k in ("number", "order", "ref", "net", "tax", "total", "paid", "owed", "due")} == {
        "number": "BILL-00002", "order": "PO-00001", "ref": "INV-2", "net": "20.00", "tax": "2.60", "total": "22.60",
        "paid": "0.00", "owed": "22.60", "due": "2026-04-04"}
    assert D(rec["total"]) == D(rec["net"]) + D(rec["tax"])


@pytest.mark.parametrize("word, why", [("ledger", "ledger's"), ("check", "the core's"), ("Purchase", "the core's")])
def test_a_command_word_is_one_modules_and_not_the_cores(word, why):
    from bizsuite.core import modules

    other = modules.Module(name="other", title="Other", cli="bizsuite.cli.purchase:app", cli_name=word)
    with pytest.raises(LookupError) as exc:
        modules.resolve([*modules.installed(), other])
    assert str(exc.value) == f"module other: the command '{word}' is reserved or already {why}"

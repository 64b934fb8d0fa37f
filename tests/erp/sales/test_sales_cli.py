"""``bizsuite sales …`` and ``pipeline quote`` on SQLite and PostgreSQL: a lead becomes cash as
five commands, what each prints, PRODUCT.md's report columns, and bad input — exit 1, one line
per problem, nothing written."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import text

TABLES = ("sales_orders", "sales_order_lines", "sales_deliveries", "sales_invoices", "sales_payments",
          "sales_credit_notes", "sales_allocations", "stock_moves", "stock_reservations", "ledger_entries", "deals",
          "contacts")


def written(store) -> dict:
    with store.engine.connect() as conn:
        out = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in TABLES}
        out["series"] = sorted(conn.execute(text("SELECT series, next FROM number_series")).all())
    return out


def rows(r) -> list[dict]:
    assert r.rc == 0, r
    return list(csv.DictReader(io.StringIO(r.stdout)))


def test_a_lead_becomes_cash_in_five_commands(cli, sstore, db):
    r = cli("pipeline", "add", "Widgets for the tea house", "--customer", "王小明", "--amount", "100", db=db)
    assert r.rc == 0, r
    r = cli("pipeline", "quote", "D-00001", "--line", "A-1 6", "--line", "K-1 2", "--date", "2026-03-01", db=db)
    assert r.stdout == "created SO-00001 for 王小明: 2 lines, total 72.80 (quotation for D-00001)\n", r
    r = cli("sales", "confirm", "so-1", db=db)  # 6 × 10 + 7.80 tax + 2 × 2.50
    assert r.stdout == "confirmed SO-00001: total 72.80, stock reserved; D-00001 won\n", r
    r = cli("sales", "deliver", "SO-00001", "--line", "A-1 4", "--date", "2026-03-05", db=db)
    assert r.stdout == "delivered A-1 4 on SO-00001; 2 lines still to deliver\n", r
    r = cli("sales", "invoice", "SO-00001", "--date", "2026-03-10", "--format", "json", db=db)
    inv = json.loads(r.stdout)
    assert (inv["number"], inv["total"], inv["due"], inv["open"]) == ("INV-00001", "45.20", "2026-04-09", "45.20")
    r = cli("sales", "pay", "王小明", "50", "--date", "2026-03-12", db=db)
    assert r.stdout == ("received PAY-00001 from 王小明: 50.00, settles INV-00001 45.20; 4.80 is left as 王小明's "
                        "credit\n"), r
    orders = rows(cli("sales", "orders", "--format", "csv", db=db))
    assert list(orders[0]) == ["number", "date", "customer", "status", "total", "delivered", "invoiced", "paid"]
    assert [(o["number"], o["status"], o["total"], o["delivered"], o["invoiced"], o["paid"]) for o in orders] == [
        ("SO-00001", "partially_delivered", "72.80", "4/8", "45.20", "45.20")]
    aging = rows(cli("sales", "aging", "--format", "csv", db=db))
    assert list(aging[0]) == ["customer", "current", "1-30", "31-60", "61-90", "90+", "total"]
    assert [(a["customer"], a["current"], a["total"]) for a in aging] == [("王小明", "-4.80", "-4.80")]
    record = json.loads(cli("sales", "show", "SO-00001", "--format", "json", db=db).stdout)
    assert (record["deal"], record["status"], [ln["to_deliver"] for ln in record["lines"]],
            record["amounts_due"]["owed"]) == ("D-00001", "partially_delivered", ["2", "2.000"], "0.00")
    deal = json.loads(cli("pipeline", "show", "D-00001", "--format", "json", db=db).stdout)
    assert deal["status"] == "won"
    # the deal shows its documents: the order, what of it is invoiced and paid
    assert [(o["number"], o["status"], o["total"], o["invoiced"], o["paid"]) for o in deal["documents"]["orders"]] == [
        ("SO-00001", "partially_delivered", "72.80", "45.20", "45.20")]
    assert (deal["documents"]["invoiced"], deal["documents"]["paid"]) == ("45.20", "45.20")
    shown = cli("pipeline", "show", "D-00001", db=db).stdout
    assert "Quotations and orders · invoiced 45.20 · paid 45.20" in shown and "SO-00001" in shown
    r = cli("check", db=db)
    assert r.rc == 0, r


@pytest.fixture
def invoiced(sstore, owner):
    """SO-00001 for Acme: A-1 2 delivered and invoiced (INV-00001, 22.60); SO-00002 a quotation."""
    with sstore.transaction(owner) as b:
        o = b.sales.create("Acme Trading", ["A-1 2"], date="2026-03-02")
        b.sales.confirm(o.number)
        b.sales.deliver(o.number, date="2026-03-02")
        b.sales.invoice(o.number, date="2026-03-02")
        b.sales.create("Acme Trading", ["K-1 1"], date="2026-03-02")
    return sstore


BAD = {
    "a quotation for a supplier": (["create", "--customer", "Parts Co", "--line", "A-1 1"],
                                   ["customer: Parts Co (#3) is neither a customer nor a lead; give the contact the "
                                    "customer role first"]),
    "a quotation without lines": (["create", "--customer", "#1"],
                                  ['lines: a quotation needs at least one line (--line "SKU QTY [PRICE]")']),
    "delivering more than ordered": (["deliver", "SO-00001", "--line", "A-1 3"], None),
    "delivering a quotation": (["deliver", "SO-00002"],
                               ["SO-00002 is a quotation; confirm it first: bizsuite sales confirm SO-00002"]),
    "invoicing more than delivered": (["invoice", "SO-00001"], ["SO-00001: nothing delivered is left to invoice"]),
    "crediting more than invoiced": (["credit-note", "INV-00001", "--line", "A-1 3", "--return"], None),
    "cancelling an order with deliveries": (["cancel", "SO-00001"], None),
    "paying another customer's invoice": (["pay", "王小明", "5", "--invoice", "INV-00001"],
                                          ["invoice: INV-00001 is not 王小明's"]),
    "an unknown invoice": (["pay", "Acme Trading", "5", "--invoice", "INV-00009"], ["no invoice 'INV-00009'"]),
    "deleting a customer with invoices": (["_contacts", "delete", "1"], None),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_is_one_line_per_problem_exit_1_and_nothing_written(cli, invoiced, db, case):
    args, lines = BAD[case]
    before = written(invoiced)
    r = cli("contacts", *args[1:], db=db) if args[0] == "_contacts" else cli("sales", *args, db=db)
    assert r.rc == 1 and "Traceback" not in r.stderr and r.stdout == "", r
    if lines is not None:
        assert r.err_lines == lines, r
    else:
        assert 1 <= len(r.err_lines) <= 2, r
    assert written(invoiced) == before


def test_a_payment_with_nothing_open_becomes_credit_and_says_so(cli, invoiced, db):
    assert cli("sales", "pay", "Acme Trading", "22.60", db=db).rc == 0
    r = cli("sales", "pay", "Acme Trading", "10", "--format", "json", db=db)
    record = json.loads(r.stdout)
    assert (record["allocations"], record["credit"]) == ([], "10.00"), r
    r = cli("sales", "pay", "Acme Trading", "1", db=db)
    assert r.stdout == "received PAY-00003 from Acme Trading: 1.00; 1.00 is left as Acme Trading's credit\n", r

"""A customer statement on SQLite and PostgreSQL: the balance forward, every document with its
running balance, the closing balance and the aging — worked by hand — and the same statement as
JSON (PRODUCT.md's keys), CSV, and a PDF whose Chinese name reads back from the file."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
import subprocess
from decimal import Decimal as D

import pytest

from bizsuite.core import clock

TODAY = dt.datetime(2026, 5, 20, 10, tzinfo=dt.timezone.utc)


@pytest.fixture
def history(sstore, owner):
    """王小明 (made a customer by their first order): INV-00001 11.30 on 03-02 (due 04-01),
    paid 5.00 on 03-20; INV-00002 22.60 on 04-10 (due 05-10); a 3.39 allowance on it on 04-15;
    a payment of 10.00 on 05-01."""
    with clock.freeze(TODAY), sstore.transaction(owner) as b:
        for day, qty in (("2026-03-02", 1), ("2026-04-10", 2)):
            o = b.sales.create("王小明", [f"A-1 {qty}"], date=day)
            b.sales.confirm(o.number)
            b.sales.deliver(o.number, date=day)
            b.sales.invoice(o.number, date=day)
        b.sales.pay("王小明", "5", invoices=["INV-00001"], date="2026-03-20")
        b.sales.credit_note("INV-00002", ["A-1 2 1.50"], date="2026-04-15", reason="scratched")
        b.sales.pay("王小明", "10", date="2026-05-01", ref="bank 77")
    return sstore


def test_the_balance_forward_the_running_balance_and_the_aging(history, owner):
    with clock.freeze(TODAY), history.read(owner) as b:
        st = b.sales.statement("王小明", start="2026-04-01")
        everything = b.sales.statement("#2", start="2026-01-01", end="2026-03-31")
    assert (st.start, st.end, st.opening) == (dt.date(2026, 4, 1), dt.date(2026, 5, 20), D("6.30"))  # 11.30 − 5.00
    assert [(ln.date, ln.document, ln.amount, ln.balance) for ln in st.lines] == [
        (dt.date(2026, 4, 10), "INV-00002", D("22.60"), D("28.90")),
        (dt.date(2026, 4, 15), "CN-00001", D("-3.39"), D("25.51")),
        (dt.date(2026, 5, 1), "PAY-00002", D("-10.00"), D("15.51")),
    ]
    assert [ln.description for ln in st.lines] == ["Invoice for SO-00002, due 2026-05-10",
                                                   "Allowance on INV-00002: scratched", "Payment received, bank 77"]
    assert st.closing == D("15.51")
    # the 10.00 went to INV-00001 first (the oldest due): it owes 0, INV-00002 owes 22.60 − 3.39 − 3.70 = 15.51,
    # ten days past its due date
    a = st.aging
    assert (a.current, a.d1_30, a.total) == (D("0.00"), D("15.51"), st.closing)
    assert (everything.opening, everything.closing, [ln.document for ln in everything.lines]) == \
        (D("0.00"), D("6.30"), ["INV-00001", "PAY-00001"])


def test_the_statement_as_json_csv_and_a_pdf_with_a_chinese_name(cli, history, db, tmp_path):
    cli = cli.__class__(tmp_path, now=TODAY)
    r = cli("sales", "statement", "王小明", "--from", "2026-04-01", "--format", "json", db=db)
    assert r.rc == 0, r
    record = json.loads(r.stdout)
    assert list(record) == ["customer", "customer_id", "from", "to", "opening", "lines", "closing", "aging"]
    assert (record["opening"], record["closing"], record["aging"]["1-30"]) == ("6.30", "15.51", "15.51")
    assert list(record["lines"][0]) == ["date", "document", "description", "amount", "balance"]
    r = cli("sales", "statement", "王小明", "--from", "2026-04-01", "--format", "csv", db=db)
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert [(x["document"], x["amount"], x["balance"]) for x in rows] == [
        ("", "", "6.30"), ("INV-00002", "22.60", "28.90"), ("CN-00001", "-3.39", "25.51"),
        ("PAY-00002", "-10.00", "15.51")]
    out = tmp_path / "statement.pdf"
    r = cli("sales", "statement", "王小明", "--from", "2026-04-01", "-f", "pdf", "-o", str(out), db=db)
    assert r.rc == 0 and r.stdout.startswith("wrote the statement of 王小明"), r
    data = out.read_bytes()
    assert data.startswith(b"%PDF-")
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext (poppler-utils) is needed to read the PDF back; .ci/run installs it")
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True).stdout
    for expected in ("王小明", "Balance forward", "INV-00002", "-3.39", "Balance due", "15.51", "1-30 days"):
        assert expected in text, (expected, text)
    r = cli("sales", "statement", "王小明", "-f", "pdf", db=db)
    assert r.rc == 2 and "give it with -o FILE" in r.stderr, r


def test_a_pdf_with_chinese_and_no_font_for_it_is_refused_with_how_to_fix_it(history, owner, monkeypatch, tmp_path):
    import bizsuite.core.pdf as pdf
    from bizsuite.core.errors import Refused
    from bizsuite.erp.sales.statement_pdf import render

    monkeypatch.setattr(pdf, "CANDIDATES", ())
    with clock.freeze(TODAY), history.read(owner) as b:
        st = b.sales.statement("王小明")
        with pytest.raises(Refused, match="needs a font with its characters and none was found: install one"):
            render(st, company=b.company, currency=b.currency)
        st.customer, st.lines = "Bob", []
        assert render(st, company="Prop Co", currency="USD").startswith(b"%PDF-")  # Latin-1: Helvetica does

"""Each currency has its own decimals (ISO 4217): JPY none, USD two, KWD three. Amounts are
integer minor units of the books' currency, refused with more decimals than it has, and printed
with exactly its decimals (on SQLite and PostgreSQL)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from ledger_helpers import D, hledger_balances, tb_map
from sqlalchemy import text

from bizsuite.core.errors import ValidationFailed
from bizsuite.core.money import currency_decimals, money_scale
from bizsuite.core.store import Store
from bizsuite.core.importer import ImportFailed
from bizsuite.erp.ledger.importer import export_csv, import_file
from bizsuite.erp.ledger.journal import write_journal

# currency, a sale as the user writes it, the same in minor units, one decimal too many
CASES = [("JPY", "1234", 1234, "12.5"), ("KWD", "1.250", 1250, "0.0005"), ("USD", "1234.50", 123450, "0.001")]


def test_iso_4217_minor_units():
    assert [currency_decimals(c) for c in ("JPY", "usd", "KWD", "CNY", "CLF")] == [0, 2, 3, 2, 4]
    with pytest.raises(ValueError):
        currency_decimals("XYZ")


def test_an_unknown_currency_is_refused_at_init(location, owner_name):
    s = Store.open_or_create_empty(location)
    try:
        with pytest.raises(ValidationFailed) as exc:
            s.initialise(company="X", currency="ABC", owner=owner_name)
        assert exc.value.for_field("currency")
        assert s.state() == "empty"
    finally:
        s.close()


@pytest.fixture
def books_in(location, owner_name):
    made = []

    def make(currency: str):
        s = Store.open_or_create_empty(location)
        s.initialise(company="Yen Co", currency=currency, owner=owner_name)
        owner = s.actor_for(owner_name)
        with s.transaction(owner) as b:
            b.ledger.load_chart("standard")
        made.append(s)
        return s, owner

    yield make
    for s in made:
        s.close()


@pytest.mark.parametrize("currency, written, units, too_fine", CASES)
def test_amounts_in_the_currencys_minor_unit(books_in, location, owner_name, tmp_path, currency, written, units,
                                             too_fine):
    store, owner = books_in(currency)
    scale = currency_decimals(currency)
    with store.transaction(owner) as b:
        assert b.ledger.scale == scale == money_scale(store.engine)
        assert b.setting("company.currency_decimals") == str(scale)
        b.ledger.post_entry("2025-01-09", "sale", [("assets:bank:checking", written), ("income:sales", None)])
        b.ledger.post_entry("2025-01-10", "rent", [("expenses:rent", D(written) * 2), ("assets:bank:checking", None)])
        with pytest.raises(ValidationFailed) as exc:
            b.ledger.post_entry("2025-01-11", "x", [("assets:cash", too_fine), ("income:sales", None)])
        assert exc.value.problems == [f"line 1: amount {too_fine!r} has more than {scale} decimal places"]
        with pytest.raises(ValidationFailed, match=f"line 1: amount .* has more than {scale} decimal places"):
            b.ledger.post_entry("2025-01-11", "x", [("assets:cash", D(too_fine)), ("income:sales", None)])
        stored = b.session.execute(text("SELECT amount FROM ledger_lines ORDER BY id")).scalars().all()
        assert stored == [units, -units, 2 * units, -2 * units]  # integer minor units of the currency
    store.close()
    store = Store.open(location)  # the scale is a setting of the books: it comes back on opening
    with store.read(owner) as b:
        tb = {r.account: r for r in b.ledger.trial_balance()}
        sales = tb["income:sales"]
        assert f"{sales.credit:f}" == written and f"{sales.debit:f}" == format(Decimal(0).scaleb(-scale), "f")
        assert f"{tb['assets:bank:checking'].balance:f}" == f"{-D(written):f}"
        st = b.ledger.profit_and_loss(start="2025-01-01", end="2025-12-31")
        net = {r.label: r.amounts[0] for r in st.totals}["net income"]
        assert f"{net:f}" == f"{-D(written):f}"
        assert f"{b.ledger.balance('income:sales'):f}" == f"{-D(written):f}"
        # the journal export: hledger reads the same balances, written with the currency's decimals
        journal = tmp_path / "books.journal"
        with journal.open("w", encoding="utf-8") as out:
            write_journal(b, out)
        lines = journal.read_text(encoding="utf-8")
        symbol = {"JPY": "¥", "USD": "$"}.get(currency, "")
        assert f"assets:bank:checking  {symbol}{written}\n" in lines
        expected = tb_map(b)
        csv_path = tmp_path / "lines.csv"
        with csv_path.open("w", encoding="utf-8", newline="") as out:
            export_csv(b, out)
        assert f",{written},," in csv_path.read_text() or f",{written}," in csv_path.read_text()
    assert hledger_balances(journal) == {k: v for k, v in expected.items() if v}
    # a journal line with more decimals than the currency has is refused with FILE:LINE
    bad = tmp_path / "bad.journal"
    bad.write_text(f"2025-02-01 too fine\n    assets:cash  {too_fine}\n    income:sales\n", encoding="utf-8")
    with store.transaction(owner) as b:
        with pytest.raises(ImportFailed) as exc:
            import_file(b, bad)
        assert [p.split("/")[-1] for p in exc.value.problems] == [
            f"bad.journal:2: amount {too_fine!r} has more than {scale} decimal places"]
    bad_csv = tmp_path / "bad.csv"
    bad_csv.write_text("date,entry,account,debit,credit,memo\n"
                       f"2025-02-01,1,assets:cash,{too_fine},,too fine\n2025-02-01,1,income:sales,,{too_fine},\n",
                       encoding="utf-8")
    with store.transaction(owner) as b:
        with pytest.raises(ImportFailed) as exc:
            import_file(b, bad_csv)
        assert [p.split("/")[-1] for p in exc.value.problems][0] == (
            f"bad.csv:2: debit: amount {too_fine!r} has more than {scale} decimal places")
    store.close()


def test_books_without_the_setting_stay_at_two_decimals(books_in, location):
    store, owner = books_in("USD")
    with store.transaction(owner) as b:
        b.session.execute(text("DELETE FROM settings WHERE key = 'company.currency_decimals'"))
        b.ledger.post_entry("2025-01-09", "sale", [("assets:bank:checking", "12.34"), ("income:sales", None)])
    store.close()
    store = Store.open(location)
    with store.read(owner) as b:
        assert b.ledger.scale == 2 and tb_map(b)["income:sales"] == D("-12.34")
    store.close()

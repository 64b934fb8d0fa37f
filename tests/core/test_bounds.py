"""Amounts the books can always add up (core.money's bounds, erp/ledger/bounds.py's turnover).

Two posts of 50,000,000,000,000,000.00 used to be accepted on SQLite, and from then on every
report and `check` failed with "integer overflow" for good. Now one line holds at most
LINE_MAX_UNITS and all posted lines together move at most BOOKS_MAX_UNITS, so every sum fits a
signed 64-bit integer; past that is refused with the field named, on both databases alike.
"""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal, InvalidOperation

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from bizsuite.core.auth import os_login
from bizsuite.core.errors import Refused, ValidationFailed
from bizsuite.core.importer import ImportFailed
from bizsuite.core.money import (
    BOOKS_MAX_UNITS,
    INT64_MAX,
    LINE_MAX_UNITS,
    clean_amount,
    from_minor,
    parse_decimal,
)
from bizsuite.core.store import Store
from bizsuite.erp.ledger import bounds
from bizsuite.erp.ledger.importer import import_file
from cli_runner import Bizsuite

MAX = from_minor(LINE_MAX_UNITS, 2)  # 10,000,000,000,000.00
CENT = Decimal("0.01")


def test_the_bounds_make_every_sum_fit_64_bits():
    assert LINE_MAX_UNITS == 10**15 and BOOKS_MAX_UNITS == 9 * 10**18
    assert 2 * LINE_MAX_UNITS <= BOOKS_MAX_UNITS <= INT64_MAX  # a sum of |amounts| up to the turnover fits


# -- parsing: never decimal.InvalidOperation ---------------------------------------------------


@settings(max_examples=400, deadline=None)
@given(whole=st.text("0123456789,", max_size=45), frac=st.one_of(st.none(), st.text("0123456789", max_size=45)),
       sign=st.sampled_from(["", "-", "+"]), scale=st.integers(0, 30))
def test_parse_decimal_of_any_digits_is_a_decimal_or_a_value_error(whole, frac, sign, scale):
    raw = sign + whole + ("" if frac is None else "." + frac)
    for s in (scale, None):
        try:
            parse_decimal(raw, scale=s)
        except ValueError:
            pass  # InvalidOperation (an ArithmeticError) would fail the test


@pytest.mark.parametrize("raw", ["9" * 32, "1" * 32 + ".5", "0." + "0" * 31 + "1", "-" + "9" * 40,
                                 "9" * 17 + ".9", "1" * 5000])
def test_32_digit_amounts_are_refused_not_an_invalid_operation(raw):
    for scale in (0, 2, 3, 4, 30):
        try:
            parse_decimal(raw, scale=scale)
        except ValueError:
            pass
        with pytest.raises(ValueError):
            clean_amount(raw, 2)


@settings(max_examples=300, deadline=None)
@given(st.decimals(allow_nan=True, allow_infinity=True))
def test_clean_amount_of_any_decimal_is_an_amount_or_a_value_error(value):
    try:
        out = clean_amount(value, 2)
    except ValueError:
        return
    except InvalidOperation:  # pragma: no cover - the defect
        raise AssertionError(f"InvalidOperation for {value!r}") from None
    assert abs(out) <= MAX and out == value and out.as_tuple().exponent == -2


# -- the line bound, the same on SQLite and PostgreSQL, in every currency ----------------------


def _books(location, currency: str) -> Store:
    s = Store.open_or_create_empty(location)
    s.initialise(company="Test Co", currency=currency, owner=os_login())
    with s.transaction(s.actor_for(os_login())) as b:
        b.ledger.load_chart("standard")
    return s


def _counts(books) -> dict[str, int]:
    return {t: books.session.execute(text(f"SELECT count(*) FROM {t}")).scalar()
            for t in ("ledger_entries", "ledger_lines", "ledger_draft_lines", "audit_log")}


@pytest.mark.parametrize("currency, scale", [("JPY", 0), ("USD", 2), ("KWD", 3)])
def test_one_line_holds_at_most_the_line_bound_on_both_databases(location, currency, scale):
    store = _books(location, currency)
    owner = store.actor_for(os_login())
    top = from_minor(LINE_MAX_UNITS, scale)
    unit = from_minor(1, scale)
    try:
        with store.transaction(owner) as b:
            e = b.ledger.post_entry("2025-01-02", "The most", [("assets:bank:checking", top), ("income:sales", None)])
        with store.read(owner) as b:
            assert [ln.amount for ln in b.ledger.entry(e.id).lines] == [top, -top]
            before = _counts(b)
        for lines, where in (
            ([("assets:bank:checking", top + unit), ("income:sales", None)], "line 1"),
            ([("assets:bank:checking", str(top + unit)), ("income:sales", -(top + unit))], "line 1"),
            ([("assets:bank:checking", top), ("assets:bank:checking", unit), ("income:sales", None)], "line 3"),
        ):
            with pytest.raises(ValidationFailed) as exc:
                with store.transaction(owner) as b:
                    b.ledger.post_entry("2025-01-03", "Too much", lines)
            assert exc.value.problems[0].startswith(f"{where}: amount "), exc.value.problems
            assert "is more than the most one line may hold" in exc.value.problems[0]
        with pytest.raises(ValidationFailed, match="line 1: amount .* is more than the most one line may hold"):
            with store.transaction(owner) as b:
                b.ledger.save_draft("2025-01-03", "Too much", [("assets:bank:checking", top + unit)])
        with store.read(owner) as b:
            assert _counts(b) == before
    finally:
        store.close()


def test_the_two_posts_of_the_issue_are_refused_and_the_books_still_add_up(store, owner):
    with store.transaction(owner) as b:
        b.ledger.load_chart("standard")
    huge = "50,000,000,000,000,000.00"
    for amount in (huge, Decimal("50000000000000000.00"), Decimal("1E+40"), Decimal("1" * 32)):
        with pytest.raises(ValidationFailed) as exc:
            with store.transaction(owner) as b:
                b.ledger.post_entry("2025-01-02", "Huge", [("assets:bank:checking", amount), ("income:sales", None)])
        assert exc.value.problems == [exc.value.problems[0]] and exc.value.problems[0].startswith("line 1: amount ")
        assert exc.value.problems[0].endswith("is more than the most one line may hold, 10,000,000,000,000.00")
    with store.read(owner) as b:
        assert _counts(b)["ledger_lines"] == 0
        assert all(r.ok for r in b.admin.check())


# -- the books' bound: filled to the brim, every report still adds up --------------------------


def _journal(path, entries: int, amount: str = "10000000000000.00", day: str = "2025-03-01") -> None:
    with open(path, "w", encoding="utf-8") as f:
        for i in range(entries):
            f.write(f"{day} ({i}) Big sale {i}\n    assets:bank:checking  ${amount}\n    income:sales\n\n")


@pytest.fixture
def full_books(location, tmp_path):
    """Books whose turnover is exactly BOOKS_MAX_UNITS: 4,500 entries of two lines at the line bound."""
    store = _books(location, "USD")
    owner = store.actor_for(os_login())
    n = BOOKS_MAX_UNITS // (2 * LINE_MAX_UNITS)
    _journal(tmp_path / "full.journal", n)
    with store.transaction(owner) as b:
        r = import_file(b, tmp_path / "full.journal")
        assert r.imported == n
    yield store, owner
    store.close()


def test_full_books_add_up_and_refuse_one_cent_more(full_books, tmp_path):
    store, owner = full_books
    half = from_minor(BOOKS_MAX_UNITS // 2, 2)
    with store.read(owner) as b:
        assert bounds.turnover(b.session) == bounds.recompute(b.session)[0] == BOOKS_MAX_UNITS
        tb = {r.account: r.balance for r in b.ledger.trial_balance()}
        assert tb["assets:bank:checking"] == half and tb["income:sales"] == -half
        assert b.ledger.balance("assets:bank:checking") == half
        pnl = b.ledger.profit_and_loss(start="2025-01-01", end="2025-12-31", monthly=True)
        assert pnl.rows
        b.ledger.balance_sheet(as_of="2025-12-31")
        b.ledger.register("income:sales", limit=5)
        b.ledger.account_tree()
        results = b.admin.check()
        assert all(r.ok for r in results), [r for r in results if not r.ok]
    small = [("assets:bank:checking", CENT), ("income:sales", None)]
    with store.transaction(owner) as b:  # a draft is not posted: it may be saved, not posted
        draft = b.ledger.save_draft("2025-04-01", "One cent", small).id
    with store.read(owner) as b:
        before = _counts(b)
    with pytest.raises(ValidationFailed) as exc:
        with store.transaction(owner) as b:
            b.ledger.post_entry("2025-04-01", "One cent", small)
    assert exc.value.problems[0].startswith("lines: the amounts would take the books past the most they may hold")
    with pytest.raises(ValidationFailed, match="^lines: the amounts would take the books past"):
        with store.transaction(owner) as b:
            b.ledger.post_draft(draft)
    with pytest.raises(ValidationFailed, match="^lines: the amounts would take the books past"):
        with store.transaction(owner) as b:
            b.ledger.reverse(1, date="2025-04-02")
    _journal(tmp_path / "more.journal", 2, "0.01", "2025-04-03")
    with pytest.raises(ImportFailed) as exc:
        with store.transaction(owner) as b:
            import_file(b, tmp_path / "more.journal", display="more.journal")
    assert exc.value.problems == [exc.value.problems[0]]
    assert exc.value.problems[0].startswith("more.journal:1: the amounts would take the books past")
    with pytest.raises(Refused, match="line .*income:sales: amount .* is more than the most one line may hold"):
        with store.transaction(owner) as b:
            b.ledger.close_year(2025)  # the closing line would be the year's sales, past the line bound
    with store.read(owner) as b:
        assert _counts(b) == before
        assert bounds.turnover(b.session) == BOOKS_MAX_UNITS


def test_full_books_reports_and_check_from_the_command_line(full_books, tmp_path):
    store, _owner = full_books
    run = Bizsuite(tmp_path)
    url = store.location.url
    for args in (("check",), ("ledger", "trial-balance"), ("ledger", "pnl", "--year", "2025"),
                 ("ledger", "balance-sheet"), ("ledger", "register", "income:sales"), ("ledger", "journal")):
        r = run(*args, db=url)
        assert r.rc == 0, r
        assert "overflow" not in r.stdout + r.stderr
    r = run("ledger", "trial-balance", "--format", "csv", db=url)
    assert "45000000000000000.00" in r.stdout  # each side: half the turnover, to the cent
    r = run("ledger", "post", "--date", "2025-04-01", "-m", "x", "-l", "assets:bank:checking 0.01",
            "-l", "income:sales", db=url)
    assert r.rc == 1 and len(r.err_lines) == 1 and r.err_lines[0].startswith("lines: the amounts would take"), r


# -- imports: FILE:LINE, exit 1, nothing written ------------------------------------------------


@pytest.mark.parametrize("name, body, line, says", [
    ("big.journal", "2025-01-02 Big\n    assets:bank:checking  $10,000,000,000,000.01\n    income:sales\n", 2,
     "amount 10,000,000,000,000.01 is more than the most one line may hold"),
    ("sum.journal", "2025-01-02 Big\n    assets:bank:checking  $9,000,000,000,000.00\n"
                    "    assets:bank:checking  $9,000,000,000,000.00\n    income:sales\n", 4,
     "is more than the most one line may hold, 10,000,000,000,000.00 (the amount that balances the transaction)"),
    ("digits.journal", "2025-01-02 Big\n    assets:bank:checking  $" + "9" * 5000 + "\n    income:sales\n", 2,
     "is more than the most one line may hold"),
    ("big.csv", "date,entry,account,debit,credit,memo\n2025-01-02,1,assets:bank:checking,50000000000000000.00,,x\n"
                "2025-01-02,1,income:sales,,50000000000000000.00,x\n", 2, "is more than the most one line may hold"),
])
def test_imports_refuse_a_line_past_the_bound_at_its_line(location, tmp_path, name, body, line, says):
    store = _books(location, "USD")
    try:
        run = Bizsuite(tmp_path)
        (tmp_path / name).write_text(body, encoding="utf-8")
        owner = store.actor_for(os_login())
        with store.read(owner) as b:
            before = _counts(b)
        r = run("ledger", "import", name, db=store.location.url, cwd=tmp_path)
        assert (r.rc, r.stdout) == (1, ""), r
        assert len(r.err_lines) == 1 and r.err_lines[0].startswith(f"{name}:{line}: ") and says in r.err_lines[0], r
        with store.read(owner) as b:
            assert _counts(b) == before
    finally:
        store.close()


# -- check: the kept turnover is the true one ---------------------------------------------------


def test_check_names_a_turnover_kept_wrong_and_a_line_past_the_bound(store, owner):
    with store.transaction(owner) as b:
        b.ledger.load_chart("standard")
        b.ledger.post_entry("2025-01-02", "Sale", [("assets:bank:checking", "10.00"), ("income:sales", None)])
    with store.read(owner) as b:
        assert bounds.turnover(b.session) == 2000
        assert all(r.ok for r in b.admin.check())
    with store.transaction(owner) as b:  # behind bizsuite's back
        b.session.execute(text("UPDATE settings SET value = '5' WHERE key = 'ledger.turnover'"))
    with store.read(owner) as b:
        bad = {r.name: r.detail for r in b.admin.check() if not r.ok}
    assert list(bad) == ["ledger turnover is kept"]
    assert "the kept turnover is 0.05 but the posted lines move 20.00" in bad["ledger turnover is kept"]


def test_books_made_before_the_turnover_get_it_on_their_first_post(store, owner):
    with store.transaction(owner) as b:
        b.ledger.load_chart("standard")
        b.ledger.post_entry("2025-01-02", "Sale", [("assets:bank:checking", "10.00"), ("income:sales", None)])
        b.session.execute(text("DELETE FROM settings WHERE key = 'ledger.turnover'"))
    with store.transaction(owner) as b:
        b.ledger.post_entry("2025-01-03", "Sale", [("assets:bank:checking", "1.50"), ("income:sales", None)])
    with store.read(owner) as b:
        assert bounds.turnover(b.session) == bounds.recompute(b.session)[0] == 2300
        assert all(r.ok for r in b.admin.check())


def test_concurrent_posters_keep_one_true_turnover(store, owner):
    if store.location.is_sqlite:
        pytest.skip("SQLite has one writer at a time; the race is PostgreSQL's")
    with store.transaction(owner) as b:
        b.ledger.load_chart("standard")
    errors = []

    def poster(k: int) -> None:
        try:
            for i in range(5):
                with store.transaction(owner) as b:
                    b.ledger.post_entry(dt.date(2025, 1, 1 + i), f"Sale {k}.{i}",
                                        [("assets:bank:checking", Decimal(k + 1)), ("income:sales", None)])
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=poster, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with store.read(owner) as b:
        expected = sum(2 * (k + 1) * 100 * 5 for k in range(6))
        assert bounds.turnover(b.session) == bounds.recompute(b.session)[0] == expected
        assert all(r.ok for r in b.admin.check())


def test_a_draft_is_bounded_on_its_own(store, owner):
    """The drafts list sorts by a draft's debits, summed in SQL: one draft may not pass the bound either."""
    with store.transaction(owner) as b:
        b.ledger.load_chart("standard")
    n = BOOKS_MAX_UNITS // LINE_MAX_UNITS + 1  # lines at the line bound: just past the books' bound
    lines = [("assets:bank:checking", MAX)] * n
    with pytest.raises(ValidationFailed) as exc:
        with store.transaction(owner) as b:
            b.ledger.save_draft("2025-01-02", "Too much", lines)
    assert any(p.startswith("lines: ") for p in exc.value.problems), exc.value.problems
    with store.read(owner) as b:
        assert _counts(b)["ledger_draft_lines"] == 0

"""Issue 8, "One clear line, never a traceback": arguments the books cannot hold or that are not
the product's numbers (ASCII digits) are refused with one line naming the field, exit 1, and
nothing written."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bizsuite.core.parsing import INT64_MAX, BadNumber, parse_int, parse_year, record_id

HUGE = "99999999999999999999999"  # past a 64-bit integer: SQLite's driver overflowed on it


def _refused(r, *words: str) -> None:
    assert r.rc == 1, r
    assert "Traceback" not in r.stderr + r.stdout, r
    assert len(r.err_lines) == 1, r
    for w in words:
        assert w in r.stderr, r


def _seed(cli, books_path) -> None:
    """One contact and one ticket, so that the commands get past "no contact"."""
    r = cli("contacts", "add", "Ada Lovelace", "--email", "ada@example.com", db=books_path)
    assert r.rc == 0, r
    r = cli("tickets", "new", "Printer jam", "--contact", "ada@example.com", db=books_path)
    assert r.rc == 0, r


@pytest.mark.parametrize("args, words", [
    (("ledger", "show", HUGE), ("entry", "not a number bizsuite can hold")),
    (("ledger", "reverse", HUGE), ("entry",)),
    (("ledger", "post-draft", HUGE), ("entry",)),
    (("ledger", "delete-draft", HUGE), ("entry",)),
    (("contacts", "show", "#" + HUGE), ("no contact",)),
    (("contacts", "show", HUGE), ("no contact",)),
    (("tickets", "show", HUGE), ("no ticket",)),
    (("tickets", "show", "#" + HUGE), ("no ticket",)),
    (("tickets", "reply", HUGE, "hello"), ("no ticket",)),
    (("tickets", "assign", HUGE, "nobody"), ("no ticket",)),
    (("tickets", "new", "Again", "--contact", "ada@example.com", "--related", HUGE), ("no ticket",)),
    (("tickets", "new", "Again", "--contact", "#" + HUGE), ("contact",)),
    (("ledger", "journal", "--limit", HUGE), ("--limit", "bizsuite can hold")),
    (("contacts", "list", "--offset", HUGE), ("--offset",)),
    (("tickets", "list", "--limit", HUGE), ("--limit",)),
])
def test_ids_and_counts_too_big_for_the_database_are_one_line(cli, books_path, args, words):
    _seed(cli, books_path)
    before = books_path.read_bytes()
    _refused(cli(*args, db=books_path), *words)
    assert books_path.read_bytes() == before


@pytest.mark.parametrize("amount", ["12345678901234567890123456789012", "1" * 32 + ".5", "0." + "1" * 40])
def test_an_amount_with_32_digits_is_one_line_naming_the_line(cli, books_path, amount):
    before = books_path.read_bytes()
    r = cli("ledger", "post", "--date", "2026-01-05", "-l", f"Cash {amount}", "-l", "Sales", db=books_path)
    _refused(r, "--line", "digits")
    assert books_path.read_bytes() == before


def test_housekeep_with_a_huge_number_of_days_is_one_line(cli, books_path):
    _seed(cli, books_path)
    before = books_path.read_bytes()
    _refused(cli("tickets", "housekeep", "--days", "99999999999999", db=books_path), "days")
    _refused(cli("tickets", "housekeep", "--days", HUGE, db=books_path), "--days")
    assert books_path.read_bytes() == before


def test_a_huge_sla_target_is_refused_not_an_overflow():
    from bizsuite.crm.tickets.sla import parse_duration

    day = timedelta(hours=8)
    assert parse_duration("1d 4h", day) == timedelta(hours=12)
    for text in ("99999999999999999d", "9999999999999h", "999999999999999999999999m", "90000h"):
        with pytest.raises(ValueError, match="longer than"):
            parse_duration(text, day)


def test_year_zero_is_not_a_year(cli, books_path):
    _refused(cli("ledger", "pnl", "--year", "0", db=books_path), "--year: 0 is not a year")
    _refused(cli("ledger", "pnl", "--year", "10000", db=books_path), "--year")
    before = books_path.read_bytes()
    _refused(cli("ledger", "close-year", "0", db=books_path), "year")
    assert books_path.read_bytes() == before


@pytest.mark.parametrize("digit", ["٥", "５", "²"])
def test_digits_other_than_ascii_are_refused_with_the_field_named(cli, books_path, digit):
    _seed(cli, books_path)
    before = books_path.read_bytes()
    r = cli("ledger", "post", "--date", "2026-01-05", "-l", f"Cash {digit}", "-l", "Sales", db=books_path)
    _refused(r, "--line")
    if digit != "²":
        assert "0-9" in r.stderr
    r = cli("ledger", "post", "--date", f"202{digit}-01-05", "-l", "Cash 5", "-l", "Sales", db=books_path)
    _refused(r, "date", "0-9")
    _refused(cli("ledger", "journal", "--limit", digit, db=books_path), "--limit")
    _refused(cli("ledger", "show", digit, db=books_path), "entry")
    _refused(cli("contacts", "show", "#" + digit, db=books_path), "no contact")
    _refused(cli("tickets", "show", "#" + digit, db=books_path), "ticket")
    assert books_path.read_bytes() == before


def test_the_shared_parsers():
    assert parse_int("42", "n") == 42
    assert parse_int(" -7 ", "n") == -7
    for bad in ("٥", "５", "1e3", "", "4.0", str(INT64_MAX + 1), "9" * 5000):
        with pytest.raises(BadNumber, match="^n: "):
            parse_int(bad, "n")
    with pytest.raises(BadNumber, match="0 or more"):
        parse_int("-1", "n", lo=0)
    assert parse_year("2026") == 2026
    with pytest.raises(BadNumber, match="0 is not a year"):
        parse_year(0, "--year")
    assert record_id("#12") == 12 and record_id("12") == 12
    assert record_id("#٥") is None and record_id("ada@example.com") is None
    assert record_id("#" + HUGE) > INT64_MAX  # no record has it: "no such …"


def test_a_search_for_a_ticket_number_past_any_ticket_finds_nothing(cli, books_path):
    _seed(cli, books_path)
    for query in ("#" + HUGE, "#" + "9" * 200):
        r = cli("search", query, db=books_path)  # the fuzz test found this one
        assert r.rc == 0 and "Traceback" not in r.stderr, r
        assert "Printer jam" not in r.stdout, r
    r = cli("tickets", "list", "--search", "#" + HUGE, db=books_path)
    assert r.rc == 0 and "Printer jam" not in r.stdout, r


@pytest.mark.parametrize("args", [
    ("contacts", "import", "people\0.csv"),
    ("ledger", "import", "bank\0.journal"),
    ("tickets", "import", "t\0.csv"),
    ("contacts", "export", "-o", "out\0.csv"),
    ("ledger", "export", "-o", "out\0.journal"),
    ("backup", "copy\0.sqlite"),
    ("restore", "copy\0.sqlite"),
])
def test_a_nul_byte_in_a_file_name_is_one_line_not_a_traceback(cli, books_path, args):
    """Only an in-process caller can pass one (execve stops at NUL); it used to be a ValueError
    ("embedded null byte") from deep inside the command."""
    before = books_path.read_bytes()
    r = cli.in_process(["--db", str(books_path), *args])
    assert r.rc == 2, r
    assert "Traceback" not in r.stderr and len(r.err_lines) == 1, r
    assert "contains a NUL byte" in r.stderr, r
    assert books_path.read_bytes() == before

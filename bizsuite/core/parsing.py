"""Numbers, record numbers and years typed by a person: one parser for each, shared by the CLI
and the domain modules.

The product's numbers are ASCII digits (``0``-``9``): Python's ``int()`` and ``\\d`` also take
``٥`` (Arabic-Indic) and ``５`` (full width) as 5, and ``str.isdigit`` takes ``²``, which ``int()``
then refuses with a traceback. Every number bizsuite stores is a 64-bit signed integer (SQLite's
and PostgreSQL's BIGINT), so a number past that range is refused here, with the field named,
instead of overflowing in the database driver.
"""

from __future__ import annotations

import re

from bizsuite.core.errors import Refused

INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)
YEAR_MIN, YEAR_MAX = 1, 9999

ASCII_ONLY = "numbers are written with the digits 0-9"
_INT = re.compile(r"[+-]?[0-9]+", re.ASCII)


class BadNumber(Refused, ValueError):
    """A number that is not one, or not one bizsuite can hold: refused (exit 1), and a
    ValueError for validators."""


def has_non_ascii_digit(text: str) -> bool:
    """True when ``text`` holds a digit other than 0-9 (``٥``, ``５``, ``²``)."""
    return any(ch.isdigit() and not ("0" <= ch <= "9") for ch in text)


def parse_int(text: object, field: str, *, lo: int | None = INT64_MIN, hi: int | None = INT64_MAX) -> int:
    """An integer in ``lo..hi`` (default: what a 64-bit integer holds) from ASCII digits.
    ``field`` names the input in the one-line refusal."""
    if isinstance(text, bool):
        raise BadNumber(f"{field}: {text!r} is not a number")
    if isinstance(text, int):
        value = text
    else:
        raw = str(text).strip()
        if has_non_ascii_digit(raw):
            raise BadNumber(f"{field}: {raw!r} is not a number ({ASCII_ONLY})")
        if not _INT.fullmatch(raw):
            raise BadNumber(f"{field}: {raw!r} is not a whole number")
        if len(raw.lstrip("+-0")) > 25:  # no int() of a million digits
            raise BadNumber(f"{field}: {raw[:30]}… is not a number bizsuite can hold")
        value = int(raw)
    if not (INT64_MIN <= value <= INT64_MAX):
        raise BadNumber(f"{field}: {value} is not a number bizsuite can hold")
    if lo is not None and value < lo:
        raise BadNumber(f"{field}: must be {lo} or more, not {value}")
    if hi is not None and value > hi:
        raise BadNumber(f"{field}: must be at most {hi}, not {value}")
    return value


def record_id(value: object) -> int | None:
    """The number of a record reference (``12`` or ``#12``) as an int a database can look up, or
    None when ``value`` is not one (then it may be a name or an email). A number too big for any
    record is returned as it is (past :func:`fits`): the caller's lookup then says "no such …"."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip()
    text = text[1:] if text.startswith("#") else text
    if not text or not all("0" <= ch <= "9" for ch in text):
        return None
    if len(text.lstrip("0")) > 100:  # no int() of a million digits; still no record
        return INT64_MAX + 1
    return int(text)


def parse_year(value: object, field: str = "year") -> int:
    """A calendar year, 1 to 9999 (``0`` is not one)."""
    try:
        year = parse_int(value, field, lo=None, hi=None)
    except BadNumber:
        if isinstance(value, int) and not isinstance(value, bool):
            raise BadNumber(f"{field}: {value} is not a year") from None
        raise
    if not (YEAR_MIN <= year <= YEAR_MAX):
        raise BadNumber(f"{field}: {year} is not a year")
    return year


ID_MAX = 2**31 - 1  # record ids are INTEGER columns: 32 bits on PostgreSQL, so on both databases


def fits(value: object) -> bool:
    """True when ``value`` is an int that can be a record's id (what an id column holds on
    PostgreSQL and SQLite alike): a record number past that is no record, not an overflow in the
    driver."""
    return isinstance(value, int) and not isinstance(value, bool) and INT64_MIN <= value <= ID_MAX

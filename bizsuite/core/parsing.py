"""Numbers, record numbers, years and dates typed by a person: one parser for each, shared by
the CLI and the domain modules.

The product's numbers are ASCII digits (``0``-``9``): Python's ``int()`` and ``\\d`` also take
``٥`` (Arabic-Indic) and ``５`` (full width) as 5, and ``str.isdigit`` takes ``²``, which ``int()``
then refuses with a traceback. Every number bizsuite stores is a 64-bit signed integer (SQLite's
and PostgreSQL's BIGINT), so a number past that range is refused here, with the field named,
instead of overflowing in the database driver.
"""

from __future__ import annotations

import datetime as dt
import re

from bizsuite.core.errors import FieldError, Refused, ValidationFailed

INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)
YEAR_MIN, YEAR_MAX = 1, 9999

ASCII_ONLY = "numbers are written with the digits 0-9"
_INT = re.compile(r"[+-]?[0-9]+", re.ASCII)


class BadNumber(Refused, ValueError):
    """A number that is not one, or not one bizsuite can hold: refused (exit 1), and a
    ValueError for validators."""


class BadDate(Refused, ValueError):
    """A date that is not one: refused (exit 1), and a ValueError for validators."""


def parse_date(value: dt.date | str, what: str = "date") -> dt.date:
    """A date from a ``date`` or ISO text; ``2025-02-30`` is refused, not guessed."""
    if isinstance(value, dt.datetime):
        raise BadDate(f"{what}: give a date, not a date and time")
    if isinstance(value, dt.date):
        return value
    text = (value or "").strip() if isinstance(value, str) else str(value)
    m = re.match(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$", text, re.ASCII)
    if not m:
        ascii_note = f" ({ASCII_ONLY})" if has_non_ascii_digit(text) else ""
        raise BadDate(f"{what}: {text!r} is not a date (YYYY-MM-DD){ascii_note}")
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        raise BadDate(f"{what}: {text} is not a date (no such day)") from None


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


# -- text ---------------------------------------------------------------------------------------
#
# Every text bizsuite stores is shown again: in a terminal, a TUI table, a CSV or a journal. A
# control character there is never text: ESC starts a terminal escape sequence (``\x1b[2J``
# clears the screen of whoever lists the records), NUL ends the string for C tools and cannot be
# stored in PostgreSQL at all, a bare CR rewrites the line it is on, and the bidirectional
# overrides (U+202A-U+202E, U+2066-U+2069) make a memo or a name read differently from what it
# holds ("Trojan Source"). So they are refused, in every text field, by :func:`clean_text` —
# one rule for every module. Line feeds are text only in fields of several lines (notes,
# descriptions, comments; CRLF and CR are read as LF there), tabs only where a field says so.

_NAMES = {0: "NUL", 7: "BEL", 8: "BS", 9: "TAB", 10: "a line break", 11: "VT", 12: "FF", 13: "a line break (CR)",
          27: "ESC", 127: "DEL", 0x2028: "a line separator", 0x2029: "a paragraph separator"}
_ALWAYS = "\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
_TEXT_RULES = {
    # (multiline, tabs) → the characters refused
    (False, False): re.compile(f"[{_ALWAYS}\t\n\u2028\u2029]"),
    (False, True): re.compile(f"[{_ALWAYS}\n\u2028\u2029]"),
    (True, False): re.compile(f"[{_ALWAYS}\t]"),
    (True, True): re.compile(f"[{_ALWAYS}]"),
}


_PRINTABLE = bytes(range(0x20, 0x7F))


class BadText(Refused, ValueError):
    """Text with a character no text field may hold: refused (exit 1), and a ValueError for
    validators."""


def _describe(ch: str) -> str:
    code = ord(ch)
    if 0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069:
        return f"a bidirectional override (U+{code:04X})"
    name = _NAMES.get(code)
    if code in (9, 10, 13, 0x2028, 0x2029):
        return name
    return f"a control character ({name}, U+{code:04X})" if name else f"a control character (U+{code:04X})"


def text_problem(value: str, *, multiline: bool = False, tabs: bool | None = None) -> str | None:
    """Why ``value`` may not be stored as text, or None (see :func:`clean_text`); for callers
    that collect problems (``FILE:LINE: …``). CR is a problem here: :func:`clean_text` turns it
    into LF in multi-line fields before looking."""
    tabs = multiline if tabs is None else tabs
    if len(value) > 4096 and value.isascii():  # a whole file: deleting the allowed bytes is 3x a regex scan
        allowed = _PRINTABLE + (b"\n" if multiline else b"") + (b"\t" if tabs else b"")
        if not value.encode("ascii").translate(None, allowed):
            return None
    m = _TEXT_RULES[multiline, tabs].search(value)
    if m is None:
        return None
    ch = m.group()
    if ch in "\n\r\u2028\u2029" and not multiline:
        return f"must be one line (it contains {_describe(ch)})"
    if ch == "\t":
        return "contains a tab; tabs are not allowed here"
    return f"contains {_describe(ch)}; control characters and bidirectional overrides are not allowed"


def clean_text(value: object, field: str, *, multiline: bool = False, limit: int | None = None,
               tabs: bool | None = None) -> str | None:
    """The text to store for ``field``: stripped, or refused with the field named (:class:`BadText`).

    Refused everywhere: C0 controls (NUL, ESC, BEL, …), DEL, C1 controls (U+0080-U+009F) and the
    bidirectional overrides and isolates U+202A-U+202E, U+2066-U+2069. ``multiline``: line feeds
    are allowed, CRLF and CR become LF; otherwise a line break is refused (so are U+2028/U+2029).
    ``tabs``: whether a tab is allowed (by default in multi-line fields only). ``limit``: the
    most characters. None stays None; the result may be empty (the caller says whether the
    field is required).
    """
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    if multiline and "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.strip(" \t\n\r")  # a typed line's own ends, not the controls str.strip() also drops
    problem = text_problem(text, multiline=multiline, tabs=tabs)
    if problem is not None:
        raise BadText(f"{field}: {problem}")
    text = text.strip()
    if limit is not None and len(text) > limit:
        raise BadText(f"{field}: longer than {limit} characters (it has {len(text)})")
    return text


def text_field(value: object, field: str, limit: int, *, multiline: bool = False) -> str | None:
    """:func:`clean_text` for a repository: the text to store, None when empty, or
    :class:`ValidationFailed` naming ``field``."""
    try:
        return clean_text(value, field, limit=limit, multiline=multiline) or None
    except BadText as exc:
        raise ValidationFailed([FieldError(field, str(exc).split(": ", 1)[-1])]) from None

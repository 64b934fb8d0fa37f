"""Document numbers: gapless, never twice, with any number of clerks at once.

A module that numbers its documents (purchase orders ``PO-00042``, invoices, receipts) names a
series (``"purchasing.po"``) and takes the next number inside the unit of work that creates the
document::

    number = numbering.take(books, "purchasing.po")        # 42
    order.number = numbering.label(number, prefix="PO-")   # "PO-00042"

and declares the document's number column unique (ARCHITECTURE.md, "Concurrency", rule 1).

How: one row per series in ``number_series`` holding the next number, advanced by a single
``UPDATE … RETURNING``. On PostgreSQL that UPDATE locks the series' row until the unit of work
ends, so a second clerk's UPDATE waits and then reads the advanced value (READ COMMITTED); on
SQLite the writer lock already serialises writers. Because the number is taken in the same
transaction as the document, a rollback gives it back: committed numbers have no gaps — what
tax authorities ask of invoices (e.g. the EU VAT directive's "sequential number").
"""

from __future__ import annotations

import re

from sqlalchemy import text
from sqlmodel import Field, SQLModel

from bizsuite.core.errors import Refused

_SERIES = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_.]*$")
# The books' one series of payments (``PAY-00001``), in and out: purchasing's supplier payments
# and sales' customer payments take their numbers from it, so no two payments share a number.
PAYMENTS = "core.payment"


class NumberSeries(SQLModel, table=True):
    """The next number of each series of documents."""

    __tablename__ = "number_series"

    series: str = Field(primary_key=True, max_length=60)
    next: int = Field(default=1)


def take(books, series: str, *, first: int = 1) -> int:
    """The next number of ``series`` (``"<module>.<document>"``), taken for this unit of work.

    A new series starts at ``first``. Numbers go back to the series when the unit of work rolls
    back, so the committed ones run without gaps.
    """
    if not _SERIES.match(series) or len(series) > 60:
        raise Refused(f"{series!r} is not a number series (module.document, lower case)")
    conn = books.session.connection()
    advance = text("UPDATE number_series SET next = next + 1 WHERE series = :s RETURNING next - 1")
    n = conn.execute(advance, {"s": series}).scalar()
    if n is None:  # a new series: make its row (or find that another clerk just did), then advance
        conn.execute(text("INSERT INTO number_series (series, next) VALUES (:s, :n) ON CONFLICT (series) DO NOTHING"),
                     {"s": series, "n": first})
        n = conn.execute(advance, {"s": series}).scalar()
    return int(n)


def take_many(books, series: str, n: int, *, first: int = 1) -> range:
    """``n`` consecutive numbers of ``series`` at once (an import's documents), by the same rule
    as :func:`take`: one UPDATE, given back on rollback."""
    if n <= 0:
        return range(0)
    start = take(books, series, first=first)
    if n > 1:
        books.session.connection().execute(text("UPDATE number_series SET next = next + :k WHERE series = :s"),
                                           {"k": n - 1, "s": series})
    return range(start, start + n)


def peek(books, series: str, *, first: int = 1) -> int:
    """The number the next :func:`take` would give (for display; it may be taken by then)."""
    n = books.session.connection().execute(
        text("SELECT next FROM number_series WHERE series = :s"), {"s": series}).scalar()
    return int(n) if n is not None else first


def label(number: int, *, prefix: str = "", width: int = 5) -> str:
    """``PO-00042``: the prefix, then the number padded with zeros to ``width`` digits."""
    return f"{prefix}{number:0{width}d}"


def parse_label(text: str, prefix: str) -> str:
    """``po-12`` → ``PO-00012``: a document number as typed, in its stored form (anything else
    comes back upper-cased and stripped, to be found or not)."""
    t = text.strip().upper()
    digits = t[len(prefix):] if t.startswith(prefix) else ""
    if digits.isdigit() and digits.isascii() and len(digits) < 12:
        return label(int(digits), prefix=prefix)
    return t

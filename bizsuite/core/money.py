"""Exact money and quantities.

In Python every amount is a :class:`~decimal.Decimal`; in the database it is an integer of minor
units (``Amount`` columns, scale 2 by default; ``Quantity`` columns, scale 4). Floats are refused
everywhere: parsing, storing and reporting.

Rounding happens in one place, :func:`quantize`, half-even by default (banker's rounding, as
accounting software does for computed amounts such as tax and payroll percentages); callers that
need half-up say so explicitly.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation

from sqlalchemy import BigInteger
from sqlalchemy.types import TypeDecorator

MONEY_SCALE = 2
QUANTITY_SCALE = 4
HALF_EVEN = ROUND_HALF_EVEN
HALF_UP = ROUND_HALF_UP

_NUMBER = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?$")


def quantize(value: Decimal, scale: int = MONEY_SCALE, rounding: str = HALF_EVEN) -> Decimal:
    """Round ``value`` to ``scale`` decimal places with the given rounding rule."""
    return value.quantize(Decimal(1).scaleb(-scale), rounding=rounding)


def parse_decimal(text: str, *, scale: int | None = MONEY_SCALE, what: str = "amount") -> Decimal:
    """Parse user text into an exact Decimal.

    Accepts an optional sign, thousands separators in groups of three (``1,234.56``) and a
    decimal point. Refuses anything else (``12.3.4``, ``1e5``, ``NaN``, empty) and, when
    ``scale`` is given, more decimal places than the scale allows.
    """
    raw = text.strip()
    if not raw or not _NUMBER.match(raw) or raw in {"+", "-", "."}:
        raise ValueError(f"not a valid {what}: {text!r}")
    try:
        value = Decimal(raw.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the regex already guards this
        raise ValueError(f"not a valid {what}: {text!r}") from None
    if scale is not None and value != value.quantize(Decimal(1).scaleb(-scale), rounding=HALF_EVEN):
        raise ValueError(f"{what} {text!r} has more than {scale} decimal places")
    return value


def to_minor(value: Decimal | int, scale: int = MONEY_SCALE) -> int:
    if isinstance(value, float):
        raise TypeError("floats are never used for money or quantities")
    d = Decimal(value).scaleb(scale)
    if d != d.to_integral_value():
        raise ValueError(f"{value} has more than {scale} decimal places")
    return int(d)


def from_minor(units: int, scale: int = MONEY_SCALE) -> Decimal:
    return Decimal(units).scaleb(-scale).quantize(Decimal(1).scaleb(-scale))


def format_plain(value: Decimal, scale: int = MONEY_SCALE) -> str:
    """``1234.50``, ``-80.00``: the CSV/JSON form (no symbol, no separators)."""
    return f"{quantize(value, scale):f}"


def format_human(value: Decimal, scale: int = MONEY_SCALE) -> str:
    """``1,234.50``: the table form."""
    return f"{quantize(value, scale):,f}"


class _Scaled(TypeDecorator):
    impl = BigInteger
    cache_ok = True
    scale = MONEY_SCALE

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return to_minor(value, self.scale)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return from_minor(int(value), self.scale)


class Amount(_Scaled):
    """Money column: Decimal in Python, integer minor units (cents) in the database."""

    cache_ok = True  # SQLAlchemy reads it from each class's own namespace
    scale = MONEY_SCALE


class Quantity(_Scaled):
    """Stock quantity column: Decimal in Python, integer of 1/10000 units in the database."""

    cache_ok = True
    scale = QUANTITY_SCALE

"""Exact money and quantities.

In Python every amount is a :class:`~decimal.Decimal`; in the database it is an integer of minor
units (``Amount`` columns, in the minor unit of the books' currency; ``Quantity`` columns, scale
4). Floats are refused everywhere: parsing, storing and reporting.

The currency's minor unit (ISO 4217: JPY has none, USD two, KWD three) is taken when the books
are created (:func:`currency_decimals`) and kept as a setting; the store puts it on its engine
(:func:`set_money_scale`), where ``Amount`` columns read it, and :func:`money_scale` gives it to
code that sums minor units in SQL and turns them back into Decimals.

Rounding happens in one place, :func:`quantize`, half-even by default (banker's rounding, as
accounting software does for computed amounts such as tax and payroll percentages); callers that
need half-up say so explicitly.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal, InvalidOperation

from sqlalchemy import BigInteger
from sqlalchemy.types import TypeDecorator

MONEY_SCALE = 2
QUANTITY_SCALE = 4
HALF_EVEN = ROUND_HALF_EVEN
HALF_UP = ROUND_HALF_UP

# ISO 4217 minor units of the active currency codes (the list of the ISO 4217 maintenance agency).
# Two decimals unless listed otherwise; codes without a minor unit (gold, SDR, test codes) are not
# currencies books can be kept in.
_TWO = (
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN BZD "
    "CAD CDF CHE CHF CHW CNY COP COU CRC CUC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL "
    "GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD "
    "LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN "
    "PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL "
    "THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG ZWL"
)
CURRENCY_DECIMALS: dict[str, int] = {
    **{code: 2 for code in _TWO.split()},
    **{code: 0 for code in "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF".split()},
    **{code: 3 for code in "BHD IQD JOD KWD LYD OMR TND".split()},
    **{code: 4 for code in "CLF UYW".split()},
}
SCALE_ATTRIBUTE = "bizsuite_money_scale"

_NUMBER = re.compile(r"^[+-]?([0-9]{1,3}(,[0-9]{3})+|[0-9]+)?(\.[0-9]+)?$")
# The most digits an amount may have (before and after the point): a BIGINT of minor units holds
# 18; more is never an amount of money, and Decimal's default context (28 digits) cannot round it.
MAX_DIGITS = 18


class TooManyDigits(ValueError):
    """More digits than any amount has (:data:`MAX_DIGITS`)."""


def currency_decimals(code: str) -> int:
    """The minor unit of an ISO 4217 currency: ``JPY`` 0, ``USD`` 2, ``KWD`` 3. Unknown codes
    are refused (ValueError)."""
    c = (code or "").strip().upper()
    if c not in CURRENCY_DECIMALS:
        raise ValueError(f"{code!r} is not an ISO 4217 currency code such as USD, EUR, CNY, JPY")
    return CURRENCY_DECIMALS[c]


def set_money_scale(engine, scale: int) -> None:
    """Make ``Amount`` columns of this engine's books store ``scale`` decimals (its dialect is
    the engine's own: every set of books has its scale)."""
    setattr(engine.dialect, SCALE_ATTRIBUTE, int(scale))


def money_scale(bind) -> int:
    """The money scale of an engine, connection, session or dialect (2 when none was set)."""
    get_bind = getattr(bind, "get_bind", None)
    if get_bind is not None:  # a Session
        bind = get_bind()
    dialect = getattr(bind, "dialect", bind)
    return getattr(dialect, SCALE_ATTRIBUTE, MONEY_SCALE)


def sum_to_decimal(units, bind) -> Decimal:
    """A sum of minor units that SQL computed (``SUM`` over an ``Amount`` column read as integers)
    back into a Decimal, in the scale of the books behind ``bind`` (engine, connection, session)."""
    return from_minor(int(units or 0), money_scale(bind))


def zero(scale: int = MONEY_SCALE) -> Decimal:
    """Zero with ``scale`` decimals (``0``, ``0.00``, ``0.000``): the start of a sum of amounts."""
    return Decimal(0).scaleb(-scale).quantize(Decimal(1).scaleb(-scale))


def zero_like(values, scale: int = MONEY_SCALE) -> Decimal:
    """Zero with the decimals of the first amount in ``values`` (amounts read from the books carry
    their currency's), or of ``scale`` when there is none: the start of their sum."""
    for v in values:
        if v is not None:
            return abs(v) * 0
    return zero(scale)


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
    if any(ch.isdigit() and not ("0" <= ch <= "9") for ch in raw):
        raise ValueError(f"not a valid {what}: {text!r} (numbers are written with the digits 0-9)")
    if not raw or not _NUMBER.match(raw) or raw in {"+", "-", "."}:
        raise ValueError(f"not a valid {what}: {text!r}")
    digits = sum(ch.isdigit() for ch in raw.lstrip("+-0,"))
    if digits > MAX_DIGITS:
        raise TooManyDigits(f"{what} {text[:40]!r} has too many digits (at most {MAX_DIGITS})")
    try:
        value = Decimal(raw.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the regex already guards this
        raise ValueError(f"not a valid {what}: {text!r}") from None
    # Decimal places are counted in the text (trailing zeros are no places): no quantize, which
    # raises InvalidOperation when digits and scale together pass Decimal's 28-digit precision.
    if scale is not None and len(raw.partition(".")[2].rstrip("0")) > scale:
        raise ValueError(f"{what} {text!r} has more than {scale} decimal places")
    return value


# -- bounds -------------------------------------------------------------------------------------
#
# Amounts are integers of minor units in a BIGINT (SQLite's INTEGER, PostgreSQL's bigint): a
# signed 64-bit integer, at most INT64_MAX = 9,223,372,036,854,775,807. Holding each amount is
# not enough: SQLite's SUM() of integers stops with "integer overflow" once a sum passes that,
# and posted entries never go away, so one such sum would break every report and `check` for
# good. Two bounds, in minor units (so the same for 0-, 2- and 3-decimal currencies), make
# every sum the books can make fit:
#
# - LINE_MAX_UNITS: the most one line (one amount, debit or credit) may hold: 10**15 minor
#   units — 10 trillion dollars of cents, a quadrillion yen, a trillion dinars of fils. No
#   transaction of a real business comes near it, and it leaves room for 9,000 lines of it.
# - BOOKS_MAX_UNITS: the most the *turnover* of the books may be: the sum of |amount| over every
#   posted line (debits plus credits), 9 * 10**18 minor units. Any sum of posted amounts — an
#   account's balance over any period, a trial balance column, all the debits of the books, a
#   sum of absolute values — is a sum over a subset of the lines, so its size is at most the
#   turnover, and every partial sum on the way (whatever order SQL adds in) as well. So once
#   the turnover fits a 64-bit integer, no SUM anywhere can overflow, on SQLite or PostgreSQL.
#
# The ledger keeps the turnover as it posts, in the same transaction (erp/ledger/bounds.py),
# refuses a posting that would pass BOOKS_MAX_UNITS, and `bizsuite check` recomputes it.
# Amounts past the bounds are refused, with the field named, before anything is written — the
# same amounts on SQLite and PostgreSQL.

INT64_MAX = 2**63 - 1
LINE_MAX_UNITS = 10**15
BOOKS_MAX_UNITS = 9 * 10**18
assert 2 * LINE_MAX_UNITS <= BOOKS_MAX_UNITS <= INT64_MAX


def line_max(scale: int = MONEY_SCALE) -> Decimal:
    """The most one line may hold, as an amount of ``scale`` decimals (10,000,000,000,000.00)."""
    return from_minor(LINE_MAX_UNITS, scale)


def line_problem(units: int, scale: int = MONEY_SCALE, what: str = "amount") -> str | None:
    """Why an amount of ``units`` minor units may not be one line, or None."""
    if -LINE_MAX_UNITS <= units <= LINE_MAX_UNITS:
        return None
    return _too_big(format_human(from_minor(units, scale), None) if abs(units) < 10**30 else f"{str(units)[:24]}…",
                    scale, what)


def _too_big(shown: str, scale: int, what: str) -> str:
    return f"{what} {shown} is more than the most one line may hold, {format_human(line_max(scale), None)}"


def books_problem(turnover: int, adding: int, scale: int = MONEY_SCALE) -> str | None:
    """Why posting lines of ``adding`` minor units of turnover (the sum of their |amounts|) to
    books whose turnover is ``turnover`` is refused, or None."""
    if turnover + adding <= BOOKS_MAX_UNITS:
        return None
    room = max(BOOKS_MAX_UNITS - turnover, 0)
    return (f"the amounts would take the books past the most they may hold: debits and credits of all "
            f"posted lines together at most {format_human(from_minor(BOOKS_MAX_UNITS, scale), None)}; "
            f"these lines move {format_human(from_minor(adding, scale), None)}, "
            f"the books have room for {format_human(from_minor(room, scale), None)}")


def clean_amount(value: Decimal | int | str, scale: int = MONEY_SCALE, *, what: str = "amount") -> Decimal:
    """An amount one line may hold, as a Decimal of ``scale`` decimals: text is parsed
    (:func:`parse_decimal`), Decimals and ints are checked (finite, no more decimals than
    ``scale``, within :data:`LINE_MAX_UNITS`). ValueError with the reason otherwise, never
    decimal.InvalidOperation whatever the digits; floats are a TypeError."""
    if isinstance(value, float):
        raise TypeError("floats are never used for money")
    if isinstance(value, bool):
        raise ValueError(f"not a valid {what}: {value!r}")
    if isinstance(value, str):
        try:
            value = parse_decimal(value, scale=scale, what=what)
        except TooManyDigits:
            whole = value.strip().lstrip("+-").partition(".")[0].replace(",", "").lstrip("0")
            if len(whole) > len(str(LINE_MAX_UNITS // 10**scale)):  # the whole part alone is past the bound
                raise ValueError(_too_big(value.strip()[:40] + ("…" if len(value.strip()) > 40 else ""),
                                          scale, what)) from None
            raise
    elif not isinstance(value, Decimal):
        value = Decimal(value)
    if not value.is_finite():
        raise ValueError(f"not a valid {what}: {value}")
    if abs(value) > line_max(scale):  # exact comparison: no rounding, whatever the digits
        shown = format_human(value, None) if value.adjusted() < 30 and value.as_tuple().exponent > -30 else \
            f"{value:.6E}"
        raise ValueError(_too_big(shown, scale, what))
    exact = value.quantize(Decimal(1).scaleb(-scale), rounding=HALF_EVEN, context=Context(prec=60))
    if exact != value:
        raise ValueError(f"{what} {value} has more than {scale} decimal places")
    return exact


def to_minor(value: Decimal | int, scale: int = MONEY_SCALE) -> int:
    if isinstance(value, float):
        raise TypeError("floats are never used for money or quantities")
    d = Decimal(value).scaleb(scale)
    if d != d.to_integral_value():
        raise ValueError(f"{value} has more than {scale} decimal places")
    return int(d)


def from_minor(units: int, scale: int = MONEY_SCALE) -> Decimal:
    return Decimal(units).scaleb(-scale).quantize(Decimal(1).scaleb(-scale))


def format_plain(value: Decimal, scale: int | None = MONEY_SCALE) -> str:
    """``1234.50``, ``-80.00``: the CSV/JSON form (no symbol, no separators). ``scale=None``
    keeps the value's own decimals (amounts read from the books carry their currency's)."""
    return f"{value if scale is None else quantize(value, scale):f}"


def format_human(value: Decimal, scale: int | None = MONEY_SCALE) -> str:
    """``1,234.50``: the table form (``scale=None``: the value's own decimals)."""
    return f"{value if scale is None else quantize(value, scale):,f}"


class _Scaled(TypeDecorator):
    impl = BigInteger
    cache_ok = True
    scale = MONEY_SCALE

    def scale_for(self, dialect) -> int:
        return self.scale

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return to_minor(value, self.scale_for(dialect))

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return from_minor(int(value), self.scale_for(dialect))


class Amount(_Scaled):
    """Money column: Decimal in Python, integer minor units of the books' currency in the
    database (cents for USD, yen for JPY, fils for KWD): the scale is the engine's
    (:func:`set_money_scale`), 2 when none was set."""

    cache_ok = True  # SQLAlchemy reads it from each class's own namespace
    scale = MONEY_SCALE

    def scale_for(self, dialect) -> int:
        return getattr(dialect, SCALE_ATTRIBUTE, MONEY_SCALE)


class Quantity(_Scaled):
    """Stock quantity column: Decimal in Python, integer of 1/10000 units in the database."""

    cache_ok = True
    scale = QUANTITY_SCALE


UNIT_PRICE_SCALE = 6
PERCENT_SCALE = 4


class UnitPrice(_Scaled):
    """A price or cost of one unit (``0.0125`` a screw): Decimal in Python, integer millionths of
    the currency in the database, whatever the currency's own decimals; what a line of goods
    is worth is rounded once, to the currency, by :func:`line_value`."""

    cache_ok = True
    scale = UNIT_PRICE_SCALE


class Percent(_Scaled):
    """A rate in percent (a tax rate ``13``, ``8.875``; a discount): Decimal, scale 4."""

    cache_ok = True
    scale = PERCENT_SCALE


def line_value(quantity: Decimal, unit_price: Decimal, scale: int = MONEY_SCALE) -> Decimal:
    """What ``quantity`` units at ``unit_price`` are worth, in the currency: the one place a
    goods line is rounded (half-even, to the currency's decimals)."""
    return quantize(Decimal(quantity) * Decimal(unit_price), scale)


def share(total_units: int, part: Decimal, whole: Decimal) -> int:
    """``total_units * part / whole`` in whole minor units, half-even: the value of ``part`` of a
    stock of ``whole`` units worth ``total_units``. The whole stock is worth all of it (no
    rounding left over); ``whole`` must be positive."""
    if part == whole:
        return total_units
    exact = Context(prec=60).divide(Context(prec=60).multiply(Decimal(total_units), Decimal(part)), Decimal(whole))
    return int(exact.quantize(Decimal(1), rounding=HALF_EVEN, context=Context(prec=60)))

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bizsuite.core.money import format_plain, from_minor, parse_decimal, quantize, to_minor


@pytest.mark.parametrize(
    "text,value",
    [("1234.56", "1234.56"), ("1,234.56", "1234.56"), ("-80", "-80"), ("+0.10", "0.10"), (".5", "0.5")],
)
def test_parse_accepts(text, value):
    assert parse_decimal(text) == Decimal(value)


@pytest.mark.parametrize("text", ["12.3.4", "1e5", "NaN", "", "-", "1,23.00", "12,34", "abc", "1.234"])
def test_parse_refuses(text):
    with pytest.raises(ValueError):
        parse_decimal(text)


def test_floats_are_refused():
    with pytest.raises(TypeError):
        to_minor(0.1)


def test_rounding_is_half_even_by_default():
    assert quantize(Decimal("0.125")) == Decimal("0.12")
    assert quantize(Decimal("0.135")) == Decimal("0.14")
    assert format_plain(Decimal("-80")) == "-80.00"


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_minor_units_round_trip(units):
    assert to_minor(from_minor(units)) == units

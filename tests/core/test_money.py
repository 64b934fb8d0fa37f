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


def test_amount_columns_take_the_scale_of_their_engine():
    """JPY books store whole yen, KWD books thousandths; books without a scale stay at cents."""
    from sqlalchemy import create_engine

    from bizsuite.core.money import Amount, money_scale, set_money_scale, sum_to_decimal, zero, zero_like

    engine = create_engine("sqlite://")
    assert money_scale(engine) == 2
    amount = Amount()
    set_money_scale(engine, 0)
    assert amount.process_bind_param(Decimal("1234"), engine.dialect) == 1234
    assert f"{amount.process_result_value(1234, engine.dialect):f}" == "1234"
    with pytest.raises(ValueError):
        amount.process_bind_param(Decimal("0.5"), engine.dialect)
    set_money_scale(engine, 3)
    assert amount.process_bind_param(Decimal("1.25"), engine.dialect) == 1250
    assert f"{sum_to_decimal(1250, engine):f}" == "1.250"
    assert [f"{zero(s):f}" for s in (0, 2, 3)] == ["0", "0.00", "0.000"]
    assert f"{zero_like([None, Decimal('-1.250')]):f}" == "0.000" and f"{zero_like([]):f}" == "0.00"
    assert format_plain(Decimal("1.250"), None) == "1.250" and format_plain(Decimal("1234"), None) == "1234"

"""Money: precision per currency, named rounding, and the worked rounding table."""

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

import pytest

from app.engine import Money, PercentageBenefit, currency_precision, quantize, spread
from tests.engine.builders import D, cart, line, rule, run


@pytest.mark.parametrize(
    ("currency", "precision"),
    [("EUR", 2), ("usd", 2), ("JPY", 0), ("KRW", 0), ("KWD", 3), ("BHD", 3), ("XYZ", 2)],
    ids=lambda v: str(v),
)
def test_currency_precision(currency, precision):
    # when
    result = currency_precision(currency)

    # then
    assert result == precision


@pytest.mark.parametrize(
    ("amount", "currency", "rounding", "expected"),
    [
        ("3.335", "EUR", ROUND_HALF_UP, "3.34"),
        ("3.345", "EUR", ROUND_HALF_UP, "3.35"),
        ("3.339", "EUR", ROUND_DOWN, "3.33"),
        ("125.5", "JPY", ROUND_HALF_UP, "126"),
        ("0.0705", "KWD", ROUND_HALF_UP, "0.071"),
    ],
    ids=["eur-half-up", "eur-half-up-not-banker", "eur-down", "jpy", "kwd"],
)
def test_quantize_uses_the_named_rounding(amount, currency, rounding, expected):
    # when
    result = quantize(D(amount), currency, rounding)

    # then
    assert str(result) == expected


# The worked rounding table: an order-level amount spread over lines in proportion to their value.
# Shares but the last are rounded half up at the currency's precision; the last line takes the remainder.
SPREAD_TABLE = [
    # amount, currency, line values, shares
    ("10", "EUR", ["10.00", "10.00", "10.00"], ["3.33", "3.33", "3.34"]),
    ("20", "EUR", ["10.00", "10.00", "10.00"], ["6.67", "6.67", "6.66"]),
    ("10", "EUR", ["20.00", "10.00"], ["6.67", "3.33"]),
    ("1.01", "EUR", ["3.35", "3.35", "3.35"], ["0.34", "0.34", "0.33"]),
    ("100", "JPY", ["1000", "1000", "1000"], ["33", "33", "34"]),
    ("1000", "JPY", ["1500", "700", "300"], ["600", "280", "120"]),
    ("1", "KWD", ["1.000", "1.000", "1.000"], ["0.333", "0.333", "0.334"]),
    ("2.5", "KWD", ["4.125", "0.875"], ["2.063", "0.437"]),
    ("0.02", "EUR", ["0.01", "0.01", "0.01", "0.01"], ["0.01", "0.01", "0.00", "0.00"]),
    ("50", "EUR", ["30.00", "10.00"], ["30.00", "10.00"]),
    ("5", "EUR", ["0.01", "99.99"], ["0.00", "5.00"]),
]


@pytest.mark.parametrize(
    ("amount", "currency", "values", "shares"),
    SPREAD_TABLE,
    ids=[
        "10eur-over-3-equal",
        "20eur-over-3-equal",
        "10eur-over-2-to-1",
        "1.01eur-over-3-equal",
        "100jpy-over-3-equal",
        "1000jpy-uneven",
        "1kwd-over-3-equal",
        "2.5kwd-uneven",
        "tiny-lines-rounded-up-taken-back",
        "amount-above-total-capped",
        "cent-line-gets-nothing",
    ],
)
def test_worked_rounding_table(amount, currency, values, shares):
    # given
    weights = [D(v) for v in values]

    # when
    result = spread(D(amount), weights, currency)

    # then
    assert [str(s) for s in result] == shares
    assert sum(result) == min(D(amount), sum(weights))
    assert all(Decimal(0) <= s <= w for s, w in zip(result, weights, strict=True))


# Percentages through the whole engine: one line, a percentage rule, ROUND_HALF_UP at the precision.
PERCENT_TABLE = [
    ("10", "33.35", "EUR", "3.34"),
    ("15", "9.99", "EUR", "1.50"),
    ("50", "0.01", "EUR", "0.01"),
    ("12.5", "1001", "JPY", "125"),
    ("33", "3", "JPY", "1"),
    ("7", "1.005", "KWD", "0.070"),
    ("7.5", "0.100", "KWD", "0.008"),
]


@pytest.mark.parametrize(
    ("percent", "price", "currency", "discount"),
    PERCENT_TABLE,
    ids=["10pct-eur", "15pct-eur", "50pct-of-a-cent", "12.5pct-jpy", "33pct-jpy", "7pct-kwd", "7.5pct-kwd"],
)
def test_percentage_rounding_table(percent, price, currency, discount):
    # given
    the_cart = cart(line(price=price), currency=currency)
    the_rule = rule(benefit=PercentageBenefit(percent=D(percent)), currency=currency)

    # when
    result = run(the_cart, [the_rule], {"CODE": "r1"})

    # then
    assert str(result.total_discount.amount) == discount
    assert str(result.line_discount("l1").amount) == discount


def test_percentage_on_three_lines_is_rounded_once_then_spread():
    # given: 10 % of 3 x 3.35 = 1.005 -> 1.01 (half up), spread 0.34 / 0.34 / 0.33
    the_cart = cart(*(line(name, product=name, price="3.35") for name in ("a", "b", "c")))

    # when
    result = run(the_cart, [rule()], {"TEN": "r1"})

    # then
    assert result.line_discounts() == {"a": D("0.34"), "b": D("0.34"), "c": D("0.33")}
    assert result.total_discount == Money(D("1.01"), "EUR")


def test_money_refuses_to_mix_currencies():
    # given
    euros, yen = Money(D("1.00"), "EUR"), Money(D("1"), "JPY")

    # when / then
    with pytest.raises(ValueError, match="currency mismatch"):
        euros + yen


def test_money_renders_at_precision():
    # given
    amount = Money(D("12.5"), "EUR")

    # when
    text, payload = str(amount), amount.to_json()

    # then
    assert text == "12.50 EUR"
    assert payload == {"amount": "12.50", "currency": "EUR"}

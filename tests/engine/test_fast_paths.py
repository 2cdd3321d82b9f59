"""The evaluator's shortcuts give exactly what the plain arithmetic gives (values and how they are written)."""

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.engine import FixedPerUnitBenefit, currency_precision, spread
from app.engine.evaluator import _get_units
from app.engine.money import _spread_decimal, spread_minor, to_minor_units
from tests.engine.builders import D, cart, line, rule, run

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def written(values: list[Decimal]) -> list[str]:
    """Each value as written (``repr`` keeps the exponent: ``Decimal('1.50')`` is not ``Decimal('1.5')``)."""
    return [repr(v) for v in values]


@st.composite
def decimals(draw: st.DrawFn, precision: int) -> Decimal:
    """Amounts at, above (coarser) or below (finer) the precision, sometimes off it."""
    units = draw(st.one_of(st.integers(0, 60_000), st.integers(0, 10**14)))
    shift = draw(st.sampled_from([-2, -1, 0, 0, 0, 1, 2]))
    return Decimal(units).scaleb(-precision - shift)


@SETTINGS
@given(st.data())
def test_spread_on_integers_is_the_decimal_spread(data):
    # given
    currency = data.draw(st.sampled_from(["EUR", "JPY", "KWD"]))
    precision = currency_precision(currency)
    weights = data.draw(st.lists(decimals(precision), min_size=1, max_size=12))
    amount = data.draw(st.one_of(decimals(precision), st.just(sum(weights, Decimal(0)))))

    # when
    shares = spread(amount, weights, currency)

    # then
    assert written(shares) == written(_spread_decimal(amount, weights, currency))


@SETTINGS
@given(st.data())
def test_spread_minor_is_the_decimal_spread_or_declines(data):
    # given: weights at the precision, as the evaluator passes them (line totals in minor units)
    currency = data.draw(st.sampled_from(["EUR", "JPY", "KWD"]))
    precision = currency_precision(currency)
    minor = data.draw(st.lists(st.integers(0, 10**6), min_size=1, max_size=30))
    weights = [Decimal(m).scaleb(-precision) for m in minor]
    amount = Decimal(data.draw(st.integers(0, 2 * 10**6))).scaleb(-precision)

    # when
    shares = spread_minor(amount, minor, currency)

    # then
    if shares is not None:
        assert written(shares) == written(_spread_decimal(amount, weights, currency))


@pytest.mark.parametrize(
    ("values", "currency", "expected"),
    [
        (["12.34", "0.5", "7", "1E+1", "12.300"], "EUR", [1234, 50, 700, 1000, 1230]),
        (["125", "3"], "JPY", [125, 3]),
        (["0.005"], "EUR", None),
        (["1.5"], "JPY", None),
        (["NaN"], "EUR", None),
        (["1E+999999"], "EUR", None),
        (["1E-999999"], "EUR", None),
    ],
)
def test_to_minor_units_is_exact_or_none(values, currency, expected):
    # when
    result = to_minor_units([D(v) for v in values], currency)

    # then
    assert result == expected


@pytest.mark.parametrize("group", range(2, 8))
def test_get_units_counts_what_the_unit_by_unit_loop_counts(group):
    for x in range(1, group):
        for start in range(0, 3 * group):
            for stop in range(start, 5 * group):
                # when
                count = _get_units(start, stop, group, x)

                # then
                assert count == sum(1 for p in range(start, stop) if p % group >= x)


def test_per_unit_amounts_are_written_as_each_rule_writes_its_amount():
    # given: two store-wide rules share one scope; 1.5 and 1.50 are the same number written differently
    the_cart = cart(line("a", product="a", price="10.00", qty=2), line("b", product="b", price="1.00", qty=3))
    rules = [
        rule("r1", FixedPerUnitBenefit(amount=D("1.5")), requires_code=False, stacking="cumulative"),
        rule("r2", FixedPerUnitBenefit(amount=D("1.50")), requires_code=False, stacking="cumulative"),
    ]

    # when
    result = run(the_cart, rules)

    # then
    assert [(a.rule_id, a.line_id, str(a.amount)) for a in result.line_adjustments] == [
        ("r1", "a", "3.0"),
        ("r1", "b", "3.00"),
        ("r2", "a", "3.00"),
    ]

"""Property tests: whatever the cart and the rules, the invariants hold."""

import random
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.engine import (
    BuyXGetYBenefit,
    Cart,
    Conditions,
    Customer,
    FixedAmountBenefit,
    FixedPerUnitBenefit,
    GiftBenefit,
    Line,
    PercentageBenefit,
    Rule,
    ShippingBenefit,
    Tier,
    TieredBenefit,
    currency_precision,
    evaluate,
    spread,
)
from tests.engine.builders import NOW

CURRENCIES = ["EUR", "JPY", "KWD"]
PRODUCTS = ["p0", "p1", "p2", "p3"]
CUSTOMER = Customer(id="c", logged_in=True)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def amounts(currency: str, max_units: int = 50_000) -> st.SearchStrategy[Decimal]:
    precision = currency_precision(currency)
    return st.integers(min_value=0, max_value=max_units).map(lambda n: Decimal(n).scaleb(-precision))


@st.composite
def carts(draw: st.DrawFn, currency: str) -> Cart:
    count = draw(st.integers(min_value=1, max_value=6))
    lines = tuple(
        Line(
            id=f"l{i}",
            variant_id=f"v{i}",
            product_id=draw(st.sampled_from(PRODUCTS)),
            quantity=draw(st.integers(min_value=0, max_value=6)),
            unit_price=draw(amounts(currency)),
            category_id=draw(st.sampled_from(["c0", "c1", None])),
            metadata={"source": "upload"} if draw(st.booleans()) else {},
        )
        for i in range(count)
    )
    shipping = draw(st.one_of(st.none(), amounts(currency, 3_000)))
    return Cart(currency=currency, channel="default", lines=lines, shipping_price=shipping)


def benefits(currency: str) -> st.SearchStrategy:
    money = amounts(currency, 20_000).filter(lambda d: d > 0)
    percent = st.integers(min_value=1, max_value=100).map(Decimal)
    return st.one_of(
        st.builds(PercentageBenefit, percent=percent, apply_to=st.sampled_from(["eligible", "order"]),
                  max_discount=st.one_of(st.none(), money)),
        st.builds(FixedAmountBenefit, amount=money, apply_to=st.sampled_from(["eligible", "order"])),
        st.builds(FixedPerUnitBenefit, amount=money),
        st.builds(ShippingBenefit, percent=percent, amount=st.one_of(st.none(), money)),
        st.builds(BuyXGetYBenefit, buy_quantity=st.integers(1, 3), get_quantity=st.integers(1, 2), percent=percent,
                  max_applications=st.one_of(st.none(), st.integers(1, 3)),
                  get_product_ids=st.sampled_from([frozenset(), frozenset({"p1"})])),
        st.builds(GiftBenefit, variant_id=st.just("v0"), value=st.one_of(st.none(), money)),
        st.builds(TieredBenefit, tiers=st.just((Tier(threshold=Decimal(0), percent=Decimal(5)),
                                                Tier(threshold=Decimal(100), percent=Decimal(15))))),
    )


@st.composite
def rule_sets(draw: st.DrawFn, currency: str) -> list[Rule]:
    count = draw(st.integers(min_value=1, max_value=5))
    rules = []
    for i in range(count):
        conditions = Conditions(
            currency=currency,
            product_ids=draw(st.sampled_from([frozenset(), frozenset({"p0"}), frozenset({"p1", "p2"})])),
            excluded_line_metadata=draw(st.sampled_from([{}, {"source": ("upload",)}])),
            min_subtotal=draw(st.one_of(st.none(), amounts(currency, 20_000))),
        )
        rules.append(
            Rule(
                id=f"r{i}",
                requires_code=False,
                conditions=conditions,
                benefit=draw(benefits(currency)),
                stacking=draw(st.sampled_from(["exclusive", "cumulative"])),
                cascade=draw(st.booleans()),
                priority=draw(st.integers(0, 2)),
            )
        )
    return rules


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[Cart, list[Rule]]:
    currency = draw(st.sampled_from(CURRENCIES))
    return draw(carts(currency)), draw(rule_sets(currency))


def _evaluate(cart: Cart, rules: list[Rule]):
    return evaluate(cart=cart, customer=CUSTOMER, rules=rules, now=NOW)


@SETTINGS
@given(scenarios())
def test_discount_never_exceeds_subtotal_plus_shipping_and_no_line_goes_below_zero(scenario):
    # given
    cart, rules = scenario

    # when
    result = _evaluate(cart, rules)

    # then
    assert Decimal(0) <= result.total_discount.amount <= result.subtotal.amount + result.shipping.amount
    assert result.total.amount >= 0
    totals = {line.id: line.unit_price * line.quantity for line in cart.lines}
    for line_id, discount in result.line_discounts().items():
        assert Decimal(0) < discount <= totals[line_id]
    assert all(a.amount > 0 for a in result.line_adjustments)
    assert result.shipping_discount.amount <= (cart.shipping_price or Decimal(0))
    precision = currency_precision(cart.currency)
    assert all(-a.amount.as_tuple().exponent <= precision for a in result.line_adjustments)
    assert sum((a.amount.amount for a in result.applied), Decimal(0)) == result.total_discount.amount


@SETTINGS
@given(scenarios(), st.randoms(use_true_random=False))
def test_result_is_independent_of_rule_order(scenario, rng: random.Random):
    # given
    cart, rules = scenario
    shuffled = list(rules)
    rng.shuffle(shuffled)

    # when
    first, second = _evaluate(cart, rules), _evaluate(cart, shuffled)

    # then
    assert first.to_json() == second.to_json()


@SETTINGS
@given(scenarios())
def test_index_gives_the_same_result_as_looking_at_every_rule(scenario):
    # given
    cart, rules = scenario

    # when
    indexed = _evaluate(cart, rules)
    exhaustive = evaluate(cart=cart, customer=CUSTOMER, rules=rules, now=NOW, report_all=True)

    # then
    assert indexed.line_adjustments == exhaustive.line_adjustments
    assert indexed.shipping_adjustments == exhaustive.shipping_adjustments
    assert indexed.applied == exhaustive.applied
    assert set(indexed.rejected) <= set(exhaustive.rejected)


@SETTINGS
@given(st.data())
def test_removing_a_line_never_raises_a_percentage_rule_discount(data):
    # given
    currency = data.draw(st.sampled_from(CURRENCIES))
    cart = data.draw(carts(currency))
    percentage = data.draw(
        st.builds(PercentageBenefit, percent=st.integers(1, 100).map(Decimal),
                  apply_to=st.sampled_from(["eligible", "order"]))
    )
    conditions = Conditions(
        currency=currency,
        product_ids=data.draw(st.sampled_from([frozenset(), frozenset({"p0", "p1"})])),
        excluded_line_metadata=data.draw(st.sampled_from([{}, {"source": ("upload",)}])),
        min_subtotal=data.draw(st.one_of(st.none(), amounts(currency, 10_000))),
        min_quantity=data.draw(st.one_of(st.none(), st.integers(1, 6))),
    )
    the_rule = Rule(id="pct", requires_code=False, conditions=conditions, benefit=percentage)
    removed = data.draw(st.integers(min_value=0, max_value=len(cart.lines) - 1))
    smaller = Cart(cart.currency, cart.channel, cart.lines[:removed] + cart.lines[removed + 1:], cart.shipping_price)

    # when
    before = _evaluate(cart, [the_rule]).discount_for("pct").amount
    after = _evaluate(smaller, [the_rule]).discount_for("pct").amount

    # then
    assert after <= before


@SETTINGS
@given(st.data())
def test_spread_adds_up_and_stays_within_each_line(data):
    # given
    currency = data.draw(st.sampled_from(CURRENCIES))
    weights = data.draw(st.lists(amounts(currency), min_size=1, max_size=12))
    amount = data.draw(amounts(currency, 100_000))

    # when
    shares = spread(amount, weights, currency)

    # then
    assert sum(shares, Decimal(0)) == min(amount, sum(weights, Decimal(0)))
    assert all(Decimal(0) <= s <= w for s, w in zip(shares, weights, strict=True))

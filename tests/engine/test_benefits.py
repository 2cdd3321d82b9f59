"""Every benefit, table-driven: what it takes off each line and shipping."""

from dataclasses import dataclass, field
from typing import Any

import pytest

from app.engine import (
    BuyXGetYBenefit,
    FixedAmountBenefit,
    FixedPerUnitBenefit,
    GiftBenefit,
    PercentageBenefit,
    Reason,
    ShippingBenefit,
    Tier,
    TieredBenefit,
)
from tests.engine.builders import D, cart, line, rule, run

SHIRT = line("shirt", product="shirt", price="20.00", category="clothes")
JEANS = line("jeans", product="jeans", price="30.00", category="clothes")
PHOTO = line("photo", product="album", price="50.00", metadata={"source": "upload"})


@dataclass
class Case:
    id: str
    benefit: Any
    lines: tuple
    expected: dict[str, str]
    conditions: dict[str, Any] = field(default_factory=dict)
    shipping: str | None = None
    shipping_discount: str = "0"


LADDER = TieredBenefit(tiers=(Tier(threshold=D(50), percent=D(5)), Tier(threshold=D(100), percent=D(10))))

CASES = [
    Case("percentage-eligible-lines-only", PercentageBenefit(percent=D(10)), (SHIRT, JEANS),
         {"shirt": "2.00"}, {"product_ids": {"shirt"}}),
    Case("percentage-whole-order", PercentageBenefit(percent=D(10), apply_to="order"), (SHIRT, JEANS),
         {"shirt": "2.00", "jeans": "3.00"}, {"product_ids": {"shirt"}}),
    Case("percentage-whole-order-skips-customised", PercentageBenefit(percent=D(10), apply_to="order"),
         (SHIRT, PHOTO), {"shirt": "2.00"}, {"excluded_line_metadata": {"source": ("upload",)}}),
    Case("percentage-capped", PercentageBenefit(percent=D(50), max_discount=D(20)), (SHIRT, JEANS),
         {"shirt": "8.00", "jeans": "12.00"}),
    Case("percentage-hundred", PercentageBenefit(percent=D(100)), (SHIRT,), {"shirt": "20.00"}),
    Case("fixed-amount-spread-by-value", FixedAmountBenefit(amount=D(10)), (SHIRT, JEANS),
         {"shirt": "4.00", "jeans": "6.00"}),
    Case("fixed-amount-never-below-zero", FixedAmountBenefit(amount=D(100)), (SHIRT, JEANS),
         {"shirt": "20.00", "jeans": "30.00"}),
    Case("fixed-amount-eligible-lines", FixedAmountBenefit(amount=D(5)), (SHIRT, JEANS), {"jeans": "5.00"},
         {"product_ids": {"jeans"}}),
    Case("fixed-per-unit", FixedPerUnitBenefit(amount=D(2)), (line("a", qty=3, price="10.00"),), {"a": "6.00"}),
    Case("fixed-per-unit-capped-at-unit-price", FixedPerUnitBenefit(amount=D(2)),
         (line("a", qty=4, price="1.50"), line("b", product="p2", price="9.00")), {"a": "6.00", "b": "2.00"}),
    Case("free-shipping", ShippingBenefit(), (SHIRT,), {}, shipping="7.90", shipping_discount="7.90"),
    Case("half-price-shipping", ShippingBenefit(percent=D(50)), (SHIRT,), {}, shipping="7.90",
         shipping_discount="3.95"),
    Case("fixed-off-shipping-capped", ShippingBenefit(amount=D(5)), (SHIRT,), {}, shipping="3.00",
         shipping_discount="3.00"),
    Case("buy-2-get-1", BuyXGetYBenefit(buy_quantity=2, get_quantity=1), (line("a", qty=3, price="10.00"),),
         {"a": "10.00"}),
    Case("buy-2-get-1-cheapest-free", BuyXGetYBenefit(buy_quantity=2, get_quantity=1),
         (line("a", price="30.00"), line("b", product="p2", price="20.00"), line("c", product="p3", price="10.00")),
         {"c": "10.00"}),
    Case("buy-2-get-1-repeats", BuyXGetYBenefit(buy_quantity=2, get_quantity=1),
         (line("a", qty=7, price="10.00"),), {"a": "20.00"}),
    Case("buy-2-get-1-max-once", BuyXGetYBenefit(buy_quantity=2, get_quantity=1, max_applications=1),
         (line("a", qty=7, price="10.00"),), {"a": "10.00"}),
    Case("buy-1-get-1-half-price", BuyXGetYBenefit(buy_quantity=1, get_quantity=1, percent=D(50)),
         (line("a", qty=2, price="15.00"),), {"a": "7.50"}),
    Case("buy-2-shirts-get-a-cap", BuyXGetYBenefit(buy_quantity=2, get_quantity=1, get_product_ids={"cap"}),
         (line("shirt", product="shirt", qty=2, price="25.00"), line("cap", product="cap", price="8.00")),
         {"cap": "8.00"}, {"product_ids": {"shirt"}}),
    Case("gift-gives-no-money", GiftBenefit(variant_id="v-mug"), (SHIRT,), {}),
    Case("ladder-first-step", LADDER, (line("a", qty=4, price="20.00"),), {"a": "4.00"}),
    Case("ladder-second-step", LADDER, (line("a", qty=6, price="20.00"),), {"a": "12.00"}),
    Case("ladder-by-quantity", TieredBenefit(basis="quantity", tiers=(Tier(threshold=D(3), amount=D(5)),
                                                                        Tier(threshold=D(6), amount=D(15)))),
         (line("a", qty=6, price="4.00"),), {"a": "15.00"}),
    Case("ladder-on-eligible-lines", LADDER, (line("a", qty=3, price="20.00"), JEANS), {"a": "3.00"},
         {"product_ids": {"p1"}}),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_benefit(case: Case):
    # given
    the_cart = cart(*case.lines, shipping=case.shipping)
    the_rule = rule(benefit=case.benefit, **case.conditions)

    # when
    result = run(the_cart, [the_rule], {"CODE": "r1"})

    # then
    assert result.rejected == ()
    assert {k: str(v) for k, v in result.line_discounts().items()} == case.expected
    assert result.shipping_discount.amount == D(case.shipping_discount)
    total = sum((D(v) for v in case.expected.values()), D(0)) + D(case.shipping_discount)
    assert result.total_discount.amount == total
    assert result.discount_for("r1").amount == total


def test_gift_product_is_listed_for_the_caller():
    # given
    the_rule = rule(benefit=GiftBenefit(variant_id="v-mug", quantity=2))

    # when
    result = run(cart(SHIRT), [the_rule], {"MUG": "r1"})

    # then
    [gift] = result.gift_lines
    assert (gift.rule_id, gift.code, gift.variant_id, gift.quantity) == ("r1", "MUG", "v-mug", 2)
    assert [a.rule_id for a in result.applied] == ["r1"]


@pytest.mark.parametrize(
    ("benefit", "lines", "reason", "details"),
    [
        (ShippingBenefit(), (SHIRT,), Reason.NOTHING_TO_DISCOUNT, {"why": "no_shipping"}),
        (LADDER, (line("a", qty=2, price="20.00"),), Reason.MIN_SUBTOTAL_NOT_MET,
         {"min": "50.00", "missing": "10.00"}),
        (TieredBenefit(basis="quantity", tiers=(Tier(threshold=D(3), percent=D(5)),)), (line("a", qty=2),),
         Reason.MIN_QUANTITY_NOT_MET, {"min": 3, "missing": 1}),
        (BuyXGetYBenefit(buy_quantity=2, get_quantity=1), (line("a", qty=2),), Reason.MIN_QUANTITY_NOT_MET,
         {"min": 3, "quantity": 2, "missing": 1}),
        (BuyXGetYBenefit(buy_quantity=1, get_quantity=1, get_product_ids={"cap"}), (line("a", qty=2),),
         Reason.NO_ELIGIBLE_PRODUCT, {"set": "get"}),
        (PercentageBenefit(percent=D(10)), (line("a", price="0.00"),), Reason.NOTHING_TO_DISCOUNT,
         {"why": "zero_value"}),
    ],
    ids=["shipping-without-delivery", "ladder-not-reached", "ladder-quantity-not-reached",
         "bxgy-not-enough-units", "bxgy-no-get-product", "free-items-nothing-to-take"],
)
def test_benefit_that_cannot_give_anything(benefit, lines, reason, details):
    # given
    the_rule = rule(benefit=benefit)

    # when
    result = run(cart(*lines), [the_rule], {"CODE": "r1"})

    # then
    assert result.applied == ()
    [verdict] = result.rejected
    assert verdict.reason == reason
    assert {k: verdict.details[k] for k in details} == details


def test_jpy_fixed_amount_spreads_whole_yen():
    # given
    lines = [line(name, product=name, price="1000") for name in ("a", "b", "c")]
    the_cart = cart(*lines, currency="JPY")
    the_rule = rule(benefit=FixedAmountBenefit(amount=D(100)), currency="JPY")

    # when
    result = run(the_cart, [the_rule], {"YEN": "r1"})

    # then
    assert {k: str(v) for k, v in result.line_discounts().items()} == {"a": "33", "b": "33", "c": "34"}
    assert str(result.total.amount) == "2900"

"""Rules round-trip through JSON (the coupons app keeps them in a JSONField)."""

import json
from datetime import timedelta

import pytest
from pydantic import ValidationError

from app.engine import (
    BuyXGetYBenefit,
    FixedAmountBenefit,
    FixedPerUnitBenefit,
    GiftBenefit,
    PercentageBenefit,
    Rule,
    ShippingBenefit,
    Tier,
    TieredBenefit,
)
from tests.engine.builders import NOW, D, rule

BENEFITS = [
    PercentageBenefit(percent=D("12.5"), apply_to="order", max_discount=D(30)),
    FixedAmountBenefit(amount=D("10.00")),
    FixedPerUnitBenefit(amount=D("1.50")),
    ShippingBenefit(percent=D(50)),
    ShippingBenefit(amount=D(3)),
    BuyXGetYBenefit(buy_quantity=2, get_quantity=1, percent=D(50), max_applications=3, get_product_ids={"cap"}),
    GiftBenefit(variant_id="v-mug", quantity=2, value=D("9.90")),
    TieredBenefit(tiers=(Tier(threshold=D(100), percent=D(10)), Tier(threshold=D(50), percent=D(5)))),
]


@pytest.mark.parametrize("benefit", BENEFITS, ids=lambda b: b.kind)
def test_rule_round_trips_through_json(benefit):
    # given
    original = rule(
        "r-1",
        benefit,
        name="Summer",
        stacking="cumulative",
        cascade=True,
        priority=3,
        starts_at=NOW,
        ends_at=NOW + timedelta(days=7),
        channels={"b", "a"},
        product_ids={"p2", "p1"},
        excluded_line_metadata={"source": ("upload",)},
        customers={"Ann@Example.com"},
        min_subtotal=D("50.00"),
    )

    # when
    stored = json.loads(json.dumps(original.model_dump(mode="json")))
    rebuilt = Rule.model_validate(stored)

    # then
    assert rebuilt == original
    assert stored["conditions"]["channels"] == ["a", "b"]
    assert stored["conditions"]["customers"] == ["ann@example.com"]
    assert stored["benefit"]["kind"] == benefit.kind


def test_tiers_are_kept_in_threshold_order():
    # when
    ladder = TieredBenefit(tiers=(Tier(threshold=D(100), percent=D(10)), Tier(threshold=D(50), percent=D(5))))

    # then
    assert [t.threshold for t in ladder.tiers] == [D(50), D(100)]


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"id": "r", "benefit": {"kind": "fixed_amount", "amount": "5"}}, "needs conditions.currency"),
        ({"id": "r", "benefit": {"kind": "percentage", "percent": "120"}}, "less than or equal to 100"),
        ({"id": "r", "benefit": {"kind": "percentage", "percent": "0"}}, "greater than 0"),
        ({"id": "r", "benefit": {"kind": "teleport"}}, "does not match any of the expected tags"),
        ({"id": "r", "benefit": {"kind": "tiered", "tiers": [{"threshold": "5"}]}, "conditions": {"currency": "EUR"}},
         "either a percent or an amount"),
        ({"id": "r", "benefit": {"kind": "percentage", "percent": "5"},
          "conditions": {"starts_at": "2026-02-01T00:00:00Z", "ends_at": "2026-01-01T00:00:00Z"}},
         "ends_at must be after starts_at"),
        ({"id": "r", "benefit": {"kind": "percentage", "percent": "5"},
          "conditions": {"starts_at": "2026-02-01T00:00:00"}}, "timezone"),
        ({"id": "r", "benefit": {"kind": "percentage", "percent": "5"}, "colour": "red"}, "Extra inputs"),
    ],
    ids=["amount-without-currency", "percent-above-100", "percent-zero", "unknown-kind", "tier-without-value",
         "window-backwards", "naive-date", "unknown-field"],
)
def test_invalid_rules_are_refused(payload, message):
    # when / then
    with pytest.raises(ValidationError, match=message):
        Rule.model_validate(payload)


def test_rules_are_frozen():
    # given
    the_rule = rule()

    # when / then
    with pytest.raises(ValidationError):
        the_rule.priority = 5  # type: ignore[misc]

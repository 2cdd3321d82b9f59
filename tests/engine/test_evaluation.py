"""The Evaluation object: helpers and its JSON form."""

from app.engine import FixedAmountBenefit, GiftBenefit, Money, PercentageBenefit, ShippingBenefit
from tests.engine.builders import D, cart, line, rule, run


def test_evaluation_helpers_and_json():
    # given
    the_cart = cart(line("a", price="30.00"), line("b", product="p2", price="10.00"), shipping="5.00")
    rules = [
        rule("pct", PercentageBenefit(percent=D(10)), name="Ten"),
        rule("ship", ShippingBenefit(), requires_code=False, stacking="cumulative"),
        rule("mug", GiftBenefit(variant_id="v-mug"), stacking="cumulative"),
        rule("fix", FixedAmountBenefit(amount=D(1))),
    ]

    # when
    result = run(the_cart, rules, {"TEN": "pct", "MUG": "mug", "ONE": "fix", "NOPE": "missing"})

    # then
    assert result.discount_for("pct") == Money(D("4.00"), "EUR")
    assert result.discount_for("fix") == Money(D("0.00"), "EUR")
    assert result.line_discount("a") == Money(D("3.00"), "EUR")
    assert result.shipping_discount == Money(D("5.00"), "EUR")
    assert result.total == Money(D("36.00"), "EUR")
    assert [v.reason.value for v in result.verdicts_for("one")] == ["beaten_by_better_offer"]
    assert result.to_json() == {
        "currency": "EUR",
        "subtotal": "40.00",
        "shipping": "5.00",
        "total_discount": "9.00",
        "total": "36.00",
        "line_adjustments": [
            {"line_id": "a", "rule_id": "pct", "code": "TEN", "amount": "3.00"},
            {"line_id": "b", "rule_id": "pct", "code": "TEN", "amount": "1.00"},
        ],
        "shipping_adjustments": [{"rule_id": "ship", "code": None, "amount": "5.00"}],
        "applied": [
            {"rule_id": "pct", "code": "TEN", "name": "Ten", "kind": "percentage", "stacking": "exclusive",
             "amount": "4.00"},
            {"rule_id": "mug", "code": "MUG", "name": "mug", "kind": "gift", "stacking": "cumulative",
             "amount": "0.00"},
            {"rule_id": "ship", "code": None, "name": "ship", "kind": "shipping", "stacking": "cumulative",
             "amount": "5.00"},
        ],
        "rejected": [
            {"reason": "disabled", "code": "NOPE", "rule_id": "missing", "rule_name": None,
             "details": {"what": "rule"}},
            {"reason": "beaten_by_better_offer", "code": "ONE", "rule_id": "fix", "rule_name": "fix",
             "details": {"winner_rule_id": "pct", "winner_name": "Ten", "winner_code": "TEN",
                         "winner_amount": "4.00", "amount": "1.00", "currency": "EUR"}},
        ],
        "gift_lines": [{"rule_id": "mug", "code": "MUG", "variant_id": "v-mug", "quantity": 1}],
    }

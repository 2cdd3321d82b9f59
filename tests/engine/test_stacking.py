"""Stacking as the merchants of seed 000 expect it.

"When a customer tries several non-cumulative coupons, the system picks the best offer (highest money
amount). Cumulative coupons can be added on top of a non-cumulative one; their amount is computed on the
initial total price (before any discount)."
"""

import itertools

import pytest

from app.engine import (
    BuyXGetYBenefit,
    FixedAmountBenefit,
    PercentageBenefit,
    Reason,
    ShippingBenefit,
    compile_rules,
)
from tests.engine.builders import D, cart, line, rule, run

TEN_PERCENT = rule("ten", PercentageBenefit(percent=D(10)), name="Ten percent")
FIVE_EUROS = rule("five", FixedAmountBenefit(amount=D(5)), name="Five euros")


@pytest.mark.parametrize(
    ("price", "winner", "loser", "winner_amount", "loser_amount"),
    [("80.00", "TEN", "FIVE", "8.00", "5.00"), ("30.00", "FIVE", "TEN", "5.00", "3.00")],
    ids=["percentage-worth-more", "fixed-worth-more"],
)
def test_best_non_cumulative_offer_wins(price, winner, loser, winner_amount, loser_amount):
    # given
    the_cart = cart(line(price=price))

    # when
    result = run(the_cart, [TEN_PERCENT, FIVE_EUROS], {"TEN": "ten", "FIVE": "five"})

    # then
    assert result.applied_codes == (winner,)
    assert str(result.total_discount.amount) == winner_amount
    [verdict] = result.rejected
    assert (verdict.reason, verdict.code) == (Reason.BEATEN_BY_BETTER_OFFER, loser)
    assert verdict.details["winner_code"] == winner
    assert (verdict.details["winner_amount"], verdict.details["amount"]) == (winner_amount, loser_amount)


def test_tie_goes_to_priority_then_to_rule_id():
    # given: both worth 5.00
    a = rule("a", FixedAmountBenefit(amount=D(5)))
    b = rule("b", FixedAmountBenefit(amount=D(5)))
    b_first = rule("b", FixedAmountBenefit(amount=D(5)), priority=1)

    # when
    by_id = run(cart(), [b, a], {"A": "a", "B": "b"})
    by_priority = run(cart(), [a, b_first], {"A": "a", "B": "b"})

    # then
    assert by_id.applied_codes == ("A",)
    assert by_priority.applied_codes == ("B",)


def test_cumulative_is_computed_on_the_original_total():
    # given: 20 % exclusive + 10 % cumulative on 100.00
    exclusive = rule("x", PercentageBenefit(percent=D(20)))
    cumulative = rule("c", PercentageBenefit(percent=D(10)), stacking="cumulative")

    # when
    result = run(cart(line(price="100.00")), [exclusive, cumulative], {"X": "x", "C": "c"})

    # then
    assert [(a.rule_id, str(a.amount.amount)) for a in result.applied] == [("x", "20.00"), ("c", "10.00")]
    assert str(result.total.amount) == "70.00"


def test_cascading_cumulative_is_computed_on_the_discounted_price():
    # given
    exclusive = rule("x", PercentageBenefit(percent=D(20)))
    cascading = rule("c", PercentageBenefit(percent=D(10)), stacking="cumulative", cascade=True)

    # when
    result = run(cart(line(price="100.00")), [exclusive, cascading], {"X": "x", "C": "c"})

    # then
    assert [(a.rule_id, str(a.amount.amount)) for a in result.applied] == [("x", "20.00"), ("c", "8.00")]


def test_cascading_rules_follow_priority_after_the_plain_cumulative_ones():
    # given: 100.00; plain 10 % on the original; then cascade 50 % (priority 2) then cascade 10 % (priority 1)
    plain = rule("plain", PercentageBenefit(percent=D(10)), stacking="cumulative")
    half = rule("half", PercentageBenefit(percent=D(50)), stacking="cumulative", cascade=True, priority=2)
    tenth = rule("tenth", PercentageBenefit(percent=D(10)), stacking="cumulative", cascade=True, priority=1)

    # when
    result = run(cart(line(price="100.00")), [tenth, half, plain], {"T": "tenth", "H": "half", "P": "plain"})

    # then: 10.00, then 50 % of 90.00, then 10 % of 45.00
    assert [(a.rule_id, str(a.amount.amount)) for a in result.applied] == [
        ("plain", "10.00"), ("half", "45.00"), ("tenth", "4.50")
    ]


def test_cumulative_is_clamped_so_no_line_goes_below_zero():
    # given
    exclusive = rule("x", PercentageBenefit(percent=D(80)))
    cumulative = rule("c", PercentageBenefit(percent=D(50)), stacking="cumulative")
    late = rule("late", FixedAmountBenefit(amount=D(5)), stacking="cumulative", priority=-1)

    # when
    result = run(cart(line(price="100.00")), [exclusive, cumulative, late], {"X": "x", "C": "c", "L": "late"})

    # then
    assert [(a.rule_id, str(a.amount.amount)) for a in result.applied] == [("x", "80.00"), ("c", "20.00")]
    assert str(result.total.amount) == "0.00"
    [verdict] = result.rejected
    assert (verdict.reason, verdict.code, verdict.details) == (
        Reason.NOTHING_TO_DISCOUNT, "L", {"why": "fully_discounted"}
    )


def test_free_shipping_stacks_with_a_percentage():
    # given
    percentage = rule("p", PercentageBenefit(percent=D(10)))
    shipping = rule("s", ShippingBenefit(), stacking="cumulative", requires_code=False)

    # when
    result = run(cart(line(price="50.00"), shipping="4.90"), [percentage, shipping], {"P": "p"})

    # then
    assert str(result.total_discount.amount) == "9.90"
    assert str(result.total.amount) == "45.00"


def test_automatic_offer_beaten_by_a_better_code_is_named():
    # given
    automatic = rule("welcome", PercentageBenefit(percent=D(5)), name="Welcome", requires_code=False)
    code = rule("vip", PercentageBenefit(percent=D(15)), name="VIP")

    # when
    result = run(cart(line(price="40.00")), [automatic, code], {"VIP15": "vip"})

    # then
    assert result.applied_codes == ("VIP15",)
    [verdict] = result.rejected
    assert (verdict.reason, verdict.rule_id, verdict.code) == (Reason.BEATEN_BY_BETTER_OFFER, "welcome", None)
    assert (verdict.details["winner_rule_id"], verdict.details["winner_name"]) == ("vip", "VIP")


def test_a_unit_used_by_one_buy_x_get_y_is_not_used_twice():
    # given: two cumulative "buy 1 get 1 free" on the same product, the first one once per order
    first = rule("b1", BuyXGetYBenefit(buy_quantity=1, get_quantity=1, max_applications=1), stacking="cumulative",
                 priority=1)
    second = rule("b2", BuyXGetYBenefit(buy_quantity=1, get_quantity=1), stacking="cumulative")
    codes = {"B1": "b1", "B2": "b2"}

    # when
    two_units = run(cart(line(qty=2, price="10.00")), [first, second], codes)
    four_units = run(cart(line(qty=4, price="10.00")), [first, second], codes)

    # then
    assert [a.rule_id for a in two_units.applied] == ["b1"]
    [verdict] = two_units.rejected
    assert (verdict.reason, verdict.details) == (Reason.NOTHING_TO_DISCOUNT, {"why": "units_used"})
    assert [(a.rule_id, str(a.amount.amount)) for a in four_units.applied] == [("b1", "10.00"), ("b2", "10.00")]


def test_exclusive_buy_x_get_y_units_are_not_reused_by_a_cumulative_one():
    # given
    exclusive = rule("x", BuyXGetYBenefit(buy_quantity=2, get_quantity=1))
    cumulative = rule("c", BuyXGetYBenefit(buy_quantity=2, get_quantity=1), stacking="cumulative")

    # when
    result = run(cart(line(qty=5, price="10.00")), [exclusive, cumulative], {"X": "x", "C": "c"})

    # then: X uses 3 units, the 2 left are not enough for C
    assert [a.rule_id for a in result.applied] == ["x"]
    assert result.verdicts_for("C")[0].reason == Reason.NOTHING_TO_DISCOUNT


def test_result_does_not_depend_on_rule_order():
    # given
    rules = [
        TEN_PERCENT,
        FIVE_EUROS,
        rule("cum", PercentageBenefit(percent=D(5)), stacking="cumulative"),
        rule("cas", FixedAmountBenefit(amount=D(3)), stacking="cumulative", cascade=True),
        rule("auto", ShippingBenefit(), requires_code=False, stacking="cumulative"),
        rule("bx", BuyXGetYBenefit(buy_quantity=1, get_quantity=1), stacking="cumulative"),
    ]
    the_cart = cart(line("a", qty=2, price="12.34"), line("b", product="p2", price="45.67"), shipping="5.00")
    codes = {"TEN": "ten", "FIVE": "five", "CUM": "cum", "CAS": "cas", "BX": "bx"}

    # when
    results = {
        repr(run(the_cart, list(order), codes).to_json()) for order in itertools.permutations(rules)
    }

    # then
    assert len(results) == 1


def test_compiled_index_gives_the_same_result_as_the_rule_list():
    # given
    rules = [TEN_PERCENT, FIVE_EUROS, rule("auto", ShippingBenefit(), requires_code=False, channels={"default"})]
    the_cart = cart(line(price="70.00"), shipping="5.00")

    # when
    from_list = run(the_cart, rules, {"TEN": "ten"})
    from_index = run(the_cart, compile_rules(rules), {"TEN": "ten"})  # type: ignore[arg-type]

    # then
    assert from_list.to_json() == from_index.to_json()


def test_duplicate_rule_ids_are_refused():
    # when / then
    with pytest.raises(ValueError, match="duplicate rule id"):
        compile_rules([TEN_PERCENT, TEN_PERCENT])


def test_cumulative_fixed_amount_moves_to_lines_that_still_have_room():
    # given: the shirt is already free; 10.00 off the order would put 4.00 on it
    free_shirt = rule("x", PercentageBenefit(percent=D(100)), product_ids={"shirt"})
    ten_off = rule("c", FixedAmountBenefit(amount=D(10)), stacking="cumulative")
    the_cart = cart(line("shirt", product="shirt", price="20.00"), line("jeans", product="jeans", price="30.00"))

    # when
    result = run(the_cart, [free_shirt, ten_off], {"X": "x", "C": "c"})

    # then
    assert [(a.rule_id, str(a.amount.amount)) for a in result.applied] == [("x", "20.00"), ("c", "10.00")]
    assert [(a.line_id, a.rule_id, str(a.amount)) for a in result.line_adjustments] == [
        ("shirt", "x", "20.00"), ("jeans", "c", "10.00")
    ]


def test_cumulative_percentage_of_a_free_line_is_simply_nothing():
    # given
    free_shirt = rule("x", PercentageBenefit(percent=D(100)), product_ids={"shirt"})
    tenth = rule("c", PercentageBenefit(percent=D(10)), stacking="cumulative")
    the_cart = cart(line("shirt", product="shirt", price="20.00"), line("jeans", product="jeans", price="30.00"))

    # when
    result = run(the_cart, [free_shirt, tenth], {"X": "x", "C": "c"})

    # then: 10 % of the original 50.00 is 5.00, of which the jeans' 3.00 can still be taken
    assert [(a.rule_id, str(a.amount.amount)) for a in result.applied] == [("x", "20.00"), ("c", "3.00")]

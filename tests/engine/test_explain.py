"""explain(): every reason a code fails for this cart and customer, not just the first."""

from datetime import timedelta

import pytest

from app.engine import CodeState, Customer, Reason, ShippingBenefit, explain
from tests.engine.builders import ANN, GUEST, NOW, D, cart, line, rule


def test_explain_lists_every_failing_condition_in_order():
    # given: seed 000's checklist, all wrong at once
    the_rule = rule(
        ends_at=NOW - timedelta(days=1),
        channels={"family"},
        customer_groups={"press"},
        first_order_only=True,
        min_subtotal=D(100),
        excluded_line_metadata={"source": ("upload",)},
    )
    the_cart = cart(line("photo", price="30.00", metadata={"source": "upload"}), channel="wedding")
    state = CodeState("FAMILY10", "r1", uses_left=0, customer_uses_left=0)

    # when
    verdicts = explain(cart=the_cart, customer=ANN, rule=the_rule, now=NOW, code_state=state)

    # then
    assert [v.reason for v in verdicts] == [
        Reason.EXPIRED,
        Reason.WRONG_CHANNEL,
        Reason.NOT_IN_CUSTOMER_LISTS,
        Reason.FIRST_ORDER_ONLY,
        Reason.USAGE_CAP_REACHED,
        Reason.CUSTOMER_CAP_REACHED,
        Reason.NO_ELIGIBLE_PRODUCT,
        Reason.MIN_SUBTOTAL_NOT_MET,
    ]
    assert {v.code for v in verdicts} == {"FAMILY10"}
    assert verdicts[-1].details["missing"] == "70.00"


def test_explain_reports_login_once_for_a_guest():
    # given
    the_rule = rule(login_required=True, customers={"user-ann"}, customer_groups={"vip"})

    # when
    verdicts = explain(cart=cart(), customer=GUEST, rule=the_rule, now=NOW,
                       code_state=CodeState("ANN", "r1", assigned_customer="user-ann"))

    # then
    assert [v.reason for v in verdicts] == [Reason.LOGIN_REQUIRED]


def test_explain_is_empty_when_the_rule_applies():
    # when
    verdicts = explain(cart=cart(), customer=ANN, rule=rule(), now=NOW, code_state=CodeState("TEN", "r1"))

    # then
    assert verdicts == []


def test_explain_flags_a_rule_that_would_give_nothing():
    # when
    verdicts = explain(cart=cart(), customer=Customer(id="x", logged_in=True), rule=rule(benefit=ShippingBenefit()),
                       now=NOW)

    # then
    assert [(v.reason, v.details["why"]) for v in verdicts] == [(Reason.NOTHING_TO_DISCOUNT, "no_shipping")]


def test_explain_refuses_a_code_of_another_rule():
    # when / then
    with pytest.raises(ValueError, match="another rule"):
        explain(cart=cart(), customer=ANN, rule=rule(), now=NOW, code_state=CodeState("X", "other"))

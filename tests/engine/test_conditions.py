"""Every condition, table-driven: a cart it accepts and a cart it refuses, with the reason and details."""

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest

from app.engine import CodeState, Customer, Reason, Usage
from tests.engine.builders import ANN, GUEST, NOW, D, cart, line, rule, run

CUSTOMISED = line("photo", product="album", price="30.00", metadata={"source": "upload"})
FROM_GALLERY = line("print", product="print", price="30.00", metadata={"source": "gallery"})


@dataclass
class Case:
    id: str
    conditions: dict[str, Any]
    lines: tuple = (line(qty=2, price="20.00", category="prints", collections=("summer",), product_type="paper"),)
    channel: str = "default"
    currency: str = "EUR"
    customer: Customer = ANN
    state: dict[str, Any] = field(default_factory=dict)
    usage: Usage | None = None
    reason: Reason | None = None
    details: dict[str, Any] = field(default_factory=dict)


CASES = [
    # date window
    Case("window-open", {"starts_at": NOW - timedelta(days=1), "ends_at": NOW + timedelta(days=1)}),
    Case("not-started", {"starts_at": NOW + timedelta(hours=2)}, reason=Reason.NOT_STARTED,
         details={"starts_at": "2026-06-15T14:00:00+00:00"}),
    Case("expired", {"ends_at": NOW - timedelta(days=1)}, reason=Reason.EXPIRED,
         details={"ends_at": "2026-06-14T12:00:00+00:00"}),
    Case("expired-at-the-end-instant", {"ends_at": NOW}, reason=Reason.EXPIRED),
    # channel (seed 000: the wedding gallery vs the family gallery)
    Case("right-channel", {"channels": {"family"}}, channel="family"),
    Case("wrong-channel", {"channels": {"family"}}, channel="wedding", reason=Reason.WRONG_CHANNEL,
         details={"channel": "wedding", "allowed": ["family"]}),
    # currency
    Case("same-currency", {"currency": "EUR"}),
    Case("currency-mismatch", {"currency": "EUR"}, currency="USD", reason=Reason.CURRENCY_MISMATCH,
         details={"currency": "USD", "expected": "EUR"}),
    # min subtotal (cart: 2 x 20.00 = 40.00)
    Case("min-subtotal-met", {"min_subtotal": D("40.00")}),
    Case("min-subtotal-missing", {"min_subtotal": D("52.50")}, reason=Reason.MIN_SUBTOTAL_NOT_MET,
         details={"min": "52.50", "subtotal": "40.00", "missing": "12.50", "currency": "EUR"}),
    Case("min-subtotal-of-eligible-lines", {"min_subtotal": D("50"), "subtotal_scope": "eligible",
                                           "product_ids": {"p1"}},
         lines=(line(qty=2, price="20.00"), line("l2", product="p2", price="30.00")),
         reason=Reason.MIN_SUBTOTAL_NOT_MET, details={"subtotal": "40.00", "missing": "10.00", "scope": "eligible"}),
    # min quantity
    Case("min-quantity-met", {"min_quantity": 2}),
    Case("min-quantity-missing", {"min_quantity": 5}, reason=Reason.MIN_QUANTITY_NOT_MET,
         details={"min": 5, "quantity": 2, "missing": 3}),
    # product scope: included
    Case("product-included", {"product_ids": {"p1"}}),
    Case("variant-included", {"variant_ids": {"v-p1"}}),
    Case("category-included", {"category_ids": {"prints"}}),
    Case("collection-included", {"collection_ids": {"summer"}}),
    Case("product-type-included", {"product_type_ids": {"paper"}}),
    Case("product-not-in-cart", {"product_ids": {"p9"}}, reason=Reason.NO_ELIGIBLE_PRODUCT,
         details={"excluded_lines": []}),
    Case("category-not-in-cart", {"category_ids": {"frames"}}, reason=Reason.NO_ELIGIBLE_PRODUCT),
    Case("collection-not-in-cart", {"collection_ids": {"winter"}}, reason=Reason.NO_ELIGIBLE_PRODUCT),
    Case("product-type-not-in-cart", {"product_type_ids": {"canvas"}}, reason=Reason.NO_ELIGIBLE_PRODUCT),
    # product scope: excluded (seed 000: "product type excluded")
    Case("product-excluded", {"excluded_product_ids": {"p1"}}, reason=Reason.NO_ELIGIBLE_PRODUCT,
         details={"excluded_lines": ["l1"]}),
    Case("variant-excluded", {"excluded_variant_ids": {"v-p1"}}, reason=Reason.NO_ELIGIBLE_PRODUCT),
    Case("category-excluded", {"excluded_category_ids": {"prints"}}, reason=Reason.NO_ELIGIBLE_PRODUCT),
    Case("collection-excluded", {"excluded_collection_ids": {"summer"}}, reason=Reason.NO_ELIGIBLE_PRODUCT),
    Case("product-type-excluded", {"excluded_product_type_ids": {"paper"}}, reason=Reason.NO_ELIGIBLE_PRODUCT),
    Case("exclusion-of-another-product", {"excluded_product_ids": {"p2"}}),
    # lines excluded by metadata / attribute (seed 000: photos uploaded outside the gallery)
    Case("customised-item-excluded", {"excluded_line_metadata": {"source": ("upload",)}}, lines=(CUSTOMISED,),
         reason=Reason.NO_ELIGIBLE_PRODUCT, details={"excluded_lines": ["photo"]}),
    Case("gallery-item-kept", {"excluded_line_metadata": {"source": ("upload",)}}, lines=(FROM_GALLERY,)),
    Case("any-value-of-a-key-excluded", {"excluded_line_attributes": {"engraving": ()}},
         lines=(line(attributes={"engraving": "Ann & Bob"}),), reason=Reason.NO_ELIGIBLE_PRODUCT),
    Case("attribute-absent-kept", {"excluded_line_attributes": {"engraving": ()}}),
    # required products
    Case("required-product-present", {"required_product_ids": {"p1"}}),
    Case("required-product-missing", {"required_product_ids": {"p1", "frame"}},
         reason=Reason.REQUIRED_PRODUCT_MISSING, details={"missing": ["frame"], "mode": "all"}),
    Case("one-of-required-present", {"required_product_ids": {"p1", "frame"}, "required_mode": "any"}),
    Case("required-variant-missing", {"required_variant_ids": {"v-frame"}},
         reason=Reason.REQUIRED_PRODUCT_MISSING, details={"missing": ["v-frame"]}),
    # first order only
    Case("first-order-ok", {"first_order_only": True}, customer=Customer(id="new", logged_in=True)),
    Case("not-first-order", {"first_order_only": True}, reason=Reason.FIRST_ORDER_ONLY,
         details={"orders_count": 3}),
    # customer: logged in, assigned, lists
    Case("login-required-ok", {"login_required": True}),
    Case("login-required", {"login_required": True}, customer=GUEST, reason=Reason.LOGIN_REQUIRED),
    Case("rule-for-this-customer", {"customers": {"user-ann"}}),
    Case("rule-for-this-email", {"customers": {"ANN@example.com"}}),
    Case("rule-for-another-customer", {"customers": {"user-bob"}}, reason=Reason.NOT_THIS_CUSTOMER,
         details={"assigned": "rule"}),
    Case("rule-for-customers-guest", {"customers": {"user-ann"}}, customer=GUEST, reason=Reason.LOGIN_REQUIRED),
    Case("in-customer-list", {"customer_groups": {"vip", "press"}}),
    Case("not-in-customer-lists", {"customer_groups": {"press"}}, reason=Reason.NOT_IN_CUSTOMER_LISTS,
         details={"groups": ["press"]}),
    Case("code-assigned-to-customer", {}, state={"assigned_customer": "user-ann"}),
    Case("code-assigned-by-email-guest", {}, customer=Customer.anonymous("ann@example.com"),
         state={"assigned_customer": "Ann@Example.com"}),
    Case("code-assigned-to-another", {}, state={"assigned_customer": "user-bob"},
         reason=Reason.NOT_THIS_CUSTOMER, details={"assigned": "code"}),
    Case("code-assigned-unknown-guest", {}, customer=GUEST, state={"assigned_customer": "user-ann"},
         reason=Reason.LOGIN_REQUIRED),
    # caps: numbers handed in by the caller
    Case("uses-left", {}, state={"uses_left": 1, "customer_uses_left": 1}),
    Case("code-usage-cap", {}, state={"uses_left": 0}, reason=Reason.USAGE_CAP_REACHED, details={"scope": "code"}),
    Case("code-customer-cap", {}, state={"customer_uses_left": 0}, reason=Reason.CUSTOMER_CAP_REACHED,
         details={"scope": "code"}),
    Case("rule-usage-cap", {}, usage=Usage(uses_left=0), reason=Reason.USAGE_CAP_REACHED,
         details={"scope": "rule"}),
    Case("rule-customer-cap", {}, usage=Usage(customer_uses_left=0), reason=Reason.CUSTOMER_CAP_REACHED,
         details={"scope": "rule"}),
    # code and rule switched off
    Case("code-disabled", {}, state={"active": False}, reason=Reason.DISABLED, details={"what": "code"}),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_condition(case: Case):
    # given
    the_cart = cart(*case.lines, currency=case.currency, channel=case.channel)
    the_rule = rule(**case.conditions)
    state = CodeState(code="CODE", rule_id="r1", **case.state)
    usage = {"r1": case.usage} if case.usage else None

    # when
    result = run(the_cart, [the_rule], customer=case.customer, states={"CODE": state}, entered=["code"],
                 rule_usage=usage)

    # then
    if case.reason is None:
        assert result.rejected == ()
        assert [a.rule_id for a in result.applied] == ["r1"]
        assert result.total_discount.amount > 0
    else:
        assert result.applied == ()
        [verdict] = result.rejected
        assert (verdict.reason, verdict.code, verdict.rule_id) == (case.reason, "CODE", "r1")
        assert {k: verdict.details[k] for k in case.details} == case.details


def test_disabled_rule_is_refused():
    # given
    the_rule = rule(enabled=False)

    # when
    result = run(cart(), [the_rule], {"CODE": "r1"})

    # then
    [verdict] = result.rejected
    assert (verdict.reason, verdict.details) == (Reason.DISABLED, {"what": "rule"})


def test_code_of_a_deleted_rule_is_refused_as_disabled():
    # when
    result = run(cart(), [], {"GONE": "deleted-rule"})

    # then
    [verdict] = result.rejected
    assert (verdict.reason, verdict.rule_id) == (Reason.DISABLED, "deleted-rule")


@pytest.mark.parametrize(
    ("entered", "known", "suggestion"),
    [
        ("SUMER10", ["SUMMER10", "WINTER10"], "SUMMER10"),
        ("summer1O", ["SUMMER10"], "SUMMER10"),
        ("MEIRCI", ["MERCI"], "MERCI"),
        ("XYZ", ["SUMMER10"], None),
    ],
    ids=["missing-letter", "letter-o-for-zero", "swapped-letters", "nothing-close"],
)
def test_unknown_code_suggests_the_closest(entered, known, suggestion):
    # when
    result = run(cart(), [rule()], entered=[entered], suggestion_candidates=known)

    # then
    [verdict] = result.rejected
    assert verdict.reason == Reason.UNKNOWN_CODE
    assert verdict.code == entered.upper()
    assert verdict.details.get("suggestion") == suggestion


def test_codes_are_case_insensitive():
    # given
    the_rule = rule()

    # when
    result = run(cart(), [the_rule], states={"SUMMER10": CodeState("SUMMER10", "r1")}, entered=["  summer10 "])

    # then
    assert result.applied_codes == ("SUMMER10",)


def test_code_entered_twice_counts_once():
    # when
    result = run(cart(), [rule()], states={"TEN": CodeState("TEN", "r1")}, entered=["ten", "TEN"])

    # then
    assert result.applied_codes == ("TEN",)
    assert result.rejected == ()


def test_two_codes_of_one_rule_apply_once():
    # given
    states = {"ANN-1": CodeState("ANN-1", "r1"), "ANN-2": CodeState("ANN-2", "r1")}

    # when
    result = run(cart(), [rule()], states=states, entered=["ann-1", "ann-2"])

    # then
    assert result.applied_codes == ("ANN-1",)
    [verdict] = result.rejected
    assert (verdict.reason, verdict.code, verdict.details) == (Reason.ALREADY_APPLIED, "ANN-2", {"other_code": "ANN-1"})


def test_rule_with_code_does_not_apply_without_it():
    # when
    result = run(cart(), [rule()])

    # then
    assert result.applied == () and result.rejected == ()


def test_automatic_rule_applies_without_code_and_reports_its_failure():
    # given
    free_over_50 = rule("auto", requires_code=False, min_subtotal=D(50))

    # when
    near, far = run(cart(line(price="45.00")), [free_over_50]), run(cart(line(price="60.00")), [free_over_50])

    # then
    [verdict] = near.rejected
    assert (verdict.reason, verdict.code, verdict.details["missing"]) == (Reason.MIN_SUBTOTAL_NOT_MET, None, "5.00")
    assert [a.rule_id for a in far.applied] == ["auto"]


def test_naive_now_is_refused():
    # when / then
    with pytest.raises(ValueError, match="timezone-aware"):
        run(cart(), [rule()], now=NOW.replace(tzinfo=None))


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: line(qty=-1), "negative quantity"),
        (lambda: line(price="-1.00"), "negative unit price"),
        (lambda: cart(line(), shipping="-1"), "negative shipping"),
        (lambda: cart(line("same"), line("same", product="p2")), "share an id"),
    ],
    ids=["negative-quantity", "negative-price", "negative-shipping", "duplicate-line-id"],
)
def test_inconsistent_carts_are_refused(build, message):
    # when / then
    with pytest.raises(ValueError, match=message):
        build()

"""The rule index: an evaluation looks only at the rules that can concern the cart."""

from app.engine import Reason, compile_rules, evaluate
from tests.engine.builders import ANN, NOW, cart, line, rule

CART = cart(
    line("a", product="mug", category="kitchen", collections=("summer",), product_type="ceramic"),
    channel="family",
)


def _automatic(id: str, **conditions):
    return rule(id, requires_code=False, **conditions)


RULES = [
    _automatic("store-wide"),
    _automatic("family-only", channels={"family"}),
    _automatic("wedding-only", channels={"wedding"}),
    _automatic("mug", product_ids={"mug"}),
    _automatic("vase", product_ids={"vase"}),
    _automatic("kitchen", category_ids={"kitchen"}),
    _automatic("garden", category_ids={"garden"}),
    _automatic("summer", collection_ids={"summer"}),
    _automatic("ceramic", product_type_ids={"ceramic"}),
    _automatic("variant", variant_ids={"v-mug"}),
    _automatic("wedding-mug", channels={"wedding"}, product_ids={"mug"}),
    _automatic("in-dollars", currency="USD"),
    _automatic("switched-off", enabled=False),
    rule("needs-a-code"),
]


def test_index_keeps_only_the_rules_that_can_concern_the_cart():
    # given
    index = compile_rules(RULES)

    # when
    kept = index.candidate_count(CART)

    # then: store-wide, family-only, mug, kitchen, summer, ceramic, variant
    assert kept == 7


def test_rules_ruled_out_by_the_index_are_listed_only_on_request():
    # given
    index = compile_rules(RULES)

    # when
    usual = evaluate(cart=CART, customer=ANN, rules=index, now=NOW)
    everything = evaluate(cart=CART, customer=ANN, rules=index, now=NOW, report_all=True)

    # then
    # (all worth 10 %: the tie goes to the smallest id, "ceramic"; the six others are beaten)
    assert [a.rule_id for a in usual.applied] == ["ceramic"]
    assert {v.rule_id for v in usual.rejected} == {"store-wide", "family-only", "mug", "kitchen", "summer", "variant"}
    reasons = {v.rule_id: v.reason for v in everything.rejected}
    assert reasons["wedding-only"] == Reason.WRONG_CHANNEL
    assert reasons["vase"] == Reason.NO_ELIGIBLE_PRODUCT
    assert reasons["in-dollars"] == Reason.CURRENCY_MISMATCH
    assert reasons["switched-off"] == Reason.DISABLED
    assert "needs-a-code" not in reasons
    assert usual.applied == everything.applied


def test_index_exposes_rules_by_id():
    # given
    index = compile_rules(RULES)

    # when
    found, missing = index.rule("mug"), index.rule("nope")

    # then
    assert found is RULES[3] and missing is None
    assert len(index) == len(RULES)

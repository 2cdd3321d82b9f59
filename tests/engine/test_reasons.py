"""Every reason: produced by the engine, then rendered for shoppers and merchants, in English and French."""

import re
from datetime import timedelta

import pytest

from app.engine import CodeState, FixedAmountBenefit, PercentageBenefit, Reason, ShippingBenefit, Verdict
from app.engine.messages import format_money
from tests.engine.builders import ANN, GUEST, NOW, D, cart, line, rule, run

# reason -> (cart, rules, states, entered, customer); each scenario yields exactly that reason.
BASE = cart(line(qty=2, price="18.75"))
R = rule()


def _states(**assigned):
    return {"CODE": CodeState("CODE", "r1", **assigned)}


SCENARIOS = {
    Reason.UNKNOWN_CODE: (BASE, [R], {}, ["SUMER10"], ANN),
    Reason.DISABLED: (BASE, [R], _states(active=False), ["code"], ANN),
    Reason.NOT_STARTED: (BASE, [rule(starts_at=NOW + timedelta(days=2))], _states(), ["code"], ANN),
    Reason.EXPIRED: (BASE, [rule(ends_at=NOW - timedelta(days=2))], _states(), ["code"], ANN),
    Reason.WRONG_CHANNEL: (cart(line(), channel="family"), [rule(channels={"wedding"})], _states(), ["code"], ANN),
    Reason.CURRENCY_MISMATCH: (cart(line(), currency="USD"), [R], _states(), ["code"], ANN),
    Reason.LOGIN_REQUIRED: (BASE, [rule(login_required=True)], _states(), ["code"], GUEST),
    Reason.NOT_THIS_CUSTOMER: (BASE, [R], _states(assigned_customer="user-bob"), ["code"], ANN),
    Reason.NOT_IN_CUSTOMER_LISTS: (BASE, [rule(customer_groups={"press"})], _states(), ["code"], ANN),
    Reason.USAGE_CAP_REACHED: (BASE, [R], _states(uses_left=0), ["code"], ANN),
    Reason.CUSTOMER_CAP_REACHED: (BASE, [R], _states(customer_uses_left=0), ["code"], ANN),
    Reason.MIN_SUBTOTAL_NOT_MET: (BASE, [rule(min_subtotal=D(50))], _states(), ["code"], ANN),
    Reason.MIN_QUANTITY_NOT_MET: (BASE, [rule(min_quantity=3)], _states(), ["code"], ANN),
    Reason.NO_ELIGIBLE_PRODUCT: (BASE, [rule(product_ids={"p9"})], _states(), ["code"], ANN),
    Reason.REQUIRED_PRODUCT_MISSING: (BASE, [rule(required_product_ids={"frame"})], _states(), ["code"], ANN),
    Reason.FIRST_ORDER_ONLY: (BASE, [rule(first_order_only=True)], _states(), ["code"], ANN),
    Reason.BEATEN_BY_BETTER_OFFER: (
        BASE,
        [R, rule("big", FixedAmountBenefit(amount=D(20)), name="Big spender")],
        {"CODE": CodeState("CODE", "r1"), "BIG": CodeState("BIG", "big")},
        ["code", "big"],
        ANN,
    ),
    Reason.ALREADY_APPLIED: (
        BASE, [R], {"CODE": CodeState("CODE", "r1"), "CODE2": CodeState("CODE2", "r1")}, ["code2", "code"], ANN
    ),
    Reason.NOTHING_TO_DISCOUNT: (BASE, [rule(benefit=ShippingBenefit())], _states(), ["code"], ANN),
}

# what each sentence must mention (details made readable)
EXPECTED = {
    ("shopper", "en"): {
        Reason.UNKNOWN_CODE: "did you mean SUMMER10?",
        Reason.MIN_SUBTOTAL_NOT_MET: "Add 12.50 EUR more to your cart to use this code.",
        Reason.MIN_QUANTITY_NOT_MET: "Add 1 more eligible item",
        Reason.BEATEN_BY_BETTER_OFFER: "the code BIG, which saves you more (20.00 EUR)",
        Reason.LOGIN_REQUIRED: "Log in to your account to use this code.",
        Reason.EXPIRED: "This code expired on 13 June 2026, 12:00 UTC.",
    },
    ("shopper", "fr"): {
        Reason.UNKNOWN_CODE: "vouliez-vous dire SUMMER10 ?",
        Reason.MIN_SUBTOTAL_NOT_MET: "Ajoutez 12,50 € à votre panier pour utiliser ce code.",
        Reason.BEATEN_BY_BETTER_OFFER: "(20,00 €)",
        Reason.NOT_STARTED: "à partir du 17 juin 2026 à 12:00 UTC",
    },
    ("merchant", "en"): {
        Reason.WRONG_CHANNEL: "The coupon is limited to channel 'wedding'; the checkout is in 'family'.",
        Reason.MIN_SUBTOTAL_NOT_MET: "subtotal of 50.00 EUR and the cart has 37.50 EUR (12.50 EUR short)",
        Reason.BEATEN_BY_BETTER_OFFER: "(worth 3.75 EUR) is not cumulative and lost to the code BIG (worth 20.00 EUR)",
        Reason.REQUIRED_PRODUCT_MISSING: "'frame'",
        Reason.NOT_IN_CUSTOMER_LISTS: "('press')",
        Reason.CURRENCY_MISMATCH: "The coupon's amounts are in EUR and the checkout is in USD;",
        Reason.FIRST_ORDER_ONLY: "already placed 3 orders",
    },
    ("merchant", "fr"): {
        Reason.WRONG_CHANNEL: "Le coupon est limité au canal « wedding » ; le panier est dans « family ».",
        Reason.MIN_SUBTOTAL_NOT_MET: "(il manque 12,50 €)",
        Reason.ALREADY_APPLIED: "(CODE2) est déjà appliqué",
    },
}


def _verdict(reason: Reason) -> Verdict:
    the_cart, rules, states, entered, customer = SCENARIOS[reason]
    result = run(the_cart, rules, states=states, entered=entered, customer=customer,
                 suggestion_candidates=["SUMMER10"])
    [verdict] = [v for v in result.rejected if v.reason == reason]
    return verdict


def test_every_reason_has_a_scenario():
    # then
    assert set(SCENARIOS) == set(Reason)


@pytest.mark.parametrize("reason", list(Reason), ids=[r.value for r in Reason])
@pytest.mark.parametrize(
    ("audience", "language"),
    [("shopper", "en"), ("shopper", "fr"), ("merchant", "en"), ("merchant", "fr")],
    ids=["shopper-en", "shopper-fr", "merchant-en", "merchant-fr"],
)
def test_reason_renders_as_one_plain_sentence(reason, audience, language):
    # given
    verdict = _verdict(reason)

    # when
    sentence = verdict.render(audience=audience, language=language)

    # then
    assert sentence[0].isupper() and sentence[-1] in ".?"
    assert "{" not in sentence and "\n" not in sentence
    assert re.search(r"[.?] \S", sentence) is None  # one sentence
    assert re.search(r"(?<!^)\bNone\b", sentence) is None  # no missing detail rendered as "None"
    expected = EXPECTED[(audience, language)].get(reason)
    if expected is not None:
        assert expected in sentence


@pytest.mark.parametrize("reason", list(Reason), ids=[r.value for r in Reason])
def test_shopper_and_merchant_sentences_differ_and_languages_differ(reason):
    # given
    verdict = _verdict(reason)

    # when
    sentences = {
        verdict.render(audience=a, language=lang) for a in ("shopper", "merchant") for lang in ("en", "fr")
    }

    # then
    assert len(sentences) == 4


def test_reason_is_a_string_enum_and_verdict_is_json_ready():
    # given
    verdict = _verdict(Reason.MIN_SUBTOTAL_NOT_MET)

    # when
    payload = verdict.to_json()

    # then
    assert payload == {
        "reason": "min_subtotal_not_met",
        "code": "CODE",
        "rule_id": "r1",
        "rule_name": "r1",
        "details": {"min": "50.00", "subtotal": "37.50", "missing": "12.50", "currency": "EUR", "scope": "cart"},
    }
    assert Reason("expired") is Reason.EXPIRED


def test_unknown_audience_is_refused():
    # given
    verdict = _verdict(Reason.EXPIRED)

    # when / then
    with pytest.raises(ValueError, match="audience"):
        verdict.render(audience="robot")  # type: ignore[arg-type]


def test_percentage_rule_is_named_in_merchant_sentences():
    # given
    named = rule(benefit=PercentageBenefit(percent=D(10)), name="Summer sale", ends_at=NOW - timedelta(days=1))

    # when
    result = run(BASE, [named], {"SUMMER": "r1"})

    # then
    assert result.rejected[0].render("merchant", "en").startswith("The coupon 'Summer sale' ended on")
    assert result.rejected[0].render("merchant", "fr").startswith("Le coupon « Summer sale » a pris fin le")


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Add 12.50 EUR more to your cart to get this offer."),
        ("fr", "Ajoutez 12,50 € à votre panier pour profiter de cette offre."),
    ],
    ids=["en", "fr"],
)
def test_automatic_offer_is_called_an_offer_not_a_code(language, expected):
    # given
    automatic = rule("auto", requires_code=False, min_subtotal=D(50))

    # when
    result = run(BASE, [automatic])

    # then
    [verdict] = result.rejected
    assert verdict.render("shopper", language) == expected


def test_automatic_offer_wording_agrees_in_french():
    # given
    automatic = rule("auto", requires_code=False, customer_groups={"press"})

    # when
    result = run(BASE, [automatic])

    # then
    assert result.rejected[0].render("shopper", "fr") == (
        "Cette offre est réservée aux membres de certains groupes de clients."
    )


@pytest.mark.parametrize(
    ("amount", "currency", "language", "expected"),
    [
        ("12.50", "EUR", "en", "12.50 EUR"),
        ("12.50", "EUR", "fr", "12,50 €"),
        ("1234.50", "EUR", "fr", "1\u202f234,50 €"),
        ("1500", "JPY", "fr", "1\u202f500 ¥"),
        ("0.250", "KWD", "fr", "0,250 KWD"),
    ],
    ids=["en", "fr-euro", "fr-thousands", "fr-yen", "fr-dinar"],
)
def test_amounts_read_naturally(amount, currency, language, expected):
    # when
    text = format_money(amount, currency, language)

    # then
    assert text == expected

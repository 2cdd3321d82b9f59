"""Merchant diagnostics: code + customer (+ checkout) -> every reason, in plain words, with the fix."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from app.core import jobs
from app.coupons import selectors, services

from .conftest import percent_rule


def _reasons(diagnosis) -> list[str]:
    return [f.reason for f in diagnosis.findings]


def test_unknown_code_suggests_the_closest_one(make_coupon, installation):
    # given
    make_coupon("Summer", codes=["SUMMER10"])
    # when
    diagnosis = selectors.diagnose(installation=installation, code="sumer10", customer_email="ann@example.com")
    # then
    (finding,) = diagnosis.findings
    assert (finding.reason, finding.details["suggestion"]) == ("unknown_code", "SUMMER10")
    assert "SUMMER10" in finding.message and finding.fix
    assert diagnosis.ok is False


def test_every_reason_is_listed_at_once(make_coupon, installation):
    # given: an expired, disabled coupon whose code belongs to someone else
    past = timezone.now() - timedelta(days=1)
    coupon = make_coupon("Old", codes=[], rule=percent_rule("10", ends_at=past.isoformat()))
    services.code_add(coupon=coupon, code="ANN-ONLY", assigned_customer="ann@example.com")
    services.coupon_disable(coupon=coupon)
    # when
    diagnosis = selectors.diagnose(installation=installation, code="ann-only", customer_email="bob@example.com")
    # then
    reasons = _reasons(diagnosis)
    assert {"disabled", "expired", "not_this_customer"} <= set(reasons)
    assert all(f.message and f.fix for f in diagnosis.findings if f.severity == "blocking")
    assert diagnosis.coupon_name == "Old"


def test_already_used_says_in_which_orders(make_coupon, installation):
    # given
    coupon = make_coupon("Once", codes=["ONCE"], usage_limit_per_customer=1)
    services.redemption_record(installation=installation, coupon=coupon, code=coupon.codes.get(), order_id="o-1",
                               order_number="1001", customer_email="ann@example.com", amount=Decimal("5"),
                               currency="USD")
    # when
    diagnosis = selectors.diagnose(installation=installation, code="once", customer_email="ann@example.com")
    # then
    assert "customer_cap_reached" in _reasons(diagnosis)
    used = next(f for f in diagnosis.findings if f.reason == "used_in")
    assert "#1001" in used.message
    assert diagnosis.usages[0]["order_number"] == "1001"


def test_diagnosis_in_french(make_coupon, installation):
    # given
    make_coupon("Summer", codes=["SUMMER10"])
    # when
    diagnosis = selectors.diagnose(installation=installation, code="SUMER10", customer_email="", language="fr")
    # then
    assert diagnosis.findings[0].message.startswith("Aucun code")


def test_app_only_coupon_is_flagged_as_information(make_coupon, installation):
    # given: a buy-2-get-1 coupon, which no Saleor voucher can express
    make_coupon("B2G1", codes=["B2G1"], rule={"benefit": {"kind": "buy_x_get_y", "buy_quantity": 2,
                                                           "get_quantity": 1}})
    # when
    diagnosis = selectors.diagnose(installation=installation, code="b2g1", customer_email="ann@example.com")
    # then
    info = next(f for f in diagnosis.findings if f.reason == "app_only")
    assert info.severity == "info"
    assert diagnosis.ok is True


@pytest.mark.django_db(transaction=True)
def test_diagnosis_reads_the_checkout_from_saleor(saleor_standin, installed_app):
    # given: a coupon for the USD channel, with a minimum, and a shopper's checkout in the EUR channel
    standin = saleor_standin
    tee = standin.catalog.add_product(name="Tee", prices={"default-channel": Decimal("10"),
                                                          "channel-eur": Decimal("10")})
    services.coupon_create(installation=installed_app, data={"name": "US only", "codes": ["USONLY"], "rule": {
        "benefit": {"kind": "percentage", "percent": "10"},
        "conditions": {"channels": ["default-channel"], "min_subtotal": "50", "currency": "USD"}}})
    jobs.drain()
    checkout = standin.storefront.checkout_create(lines=[(tee, 1)], channel="channel-eur")
    # when
    diagnosis = selectors.diagnose(installation=installed_app, code="usonly", customer_email="customer@example.com",
                                   checkout_id=checkout["id"])
    # then
    assert diagnosis.checked_with_checkout is True
    assert {"wrong_channel", "currency_mismatch"} <= set(_reasons(diagnosis))
    wrong = next(f for f in diagnosis.findings if f.reason == "wrong_channel")
    assert "channel-eur" in wrong.message

"""The whole flow against the Saleor stand-in: real HTTP both ways, real webhooks, the outbox drained."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from app.core import jobs
from app.coupons import services
from app.coupons.models import AttemptLog, CheckoutVoucher, Coupon, KnownOrder, Redemption

pytestmark = pytest.mark.django_db(transaction=True)


def _amount(money: dict) -> Decimal:
    return Decimal(str(money["amount"])).quantize(Decimal("0.01"))


def _vouchers_with(standin, code: str) -> list:
    with standin.lock:
        return [v for v in standin.state.vouchers.values() if any(c.code == code for c in v.codes)]


def test_coupon_mirrored_applied_paid_refunded(saleor_standin, installed_app):
    standin = saleor_standin
    tee = standin.catalog.add_product(name="Tee", price=Decimal("50.00"))
    # given: a coupon created by the merchant
    coupon = services.coupon_create(installation=installed_app, actor="ann@example.com", data={
        "name": "Summer", "codes": ["SUMMER10"], "usage_limit": 100,
        "rule": {"benefit": {"kind": "percentage", "percent": "10", "apply_to": "order"}}})
    # when: the worker runs the outbox
    jobs.drain()
    # then: it is a Saleor voucher with its code, listed in every channel
    coupon.refresh_from_db()
    assert coupon.mirror_state == Coupon.Mirror.SYNCED
    (voucher,) = _vouchers_with(standin, "SUMMER10")
    assert voucher.global_id == coupon.saleor_voucher_id
    assert (voucher.discount_value_type, voucher.usage_limit) == ("PERCENTAGE", 100)
    assert sorted(voucher.listings) == ["channel-eur", "default-channel"]

    # when: a shopper applies the code through Saleor's own checkoutAddPromoCode
    checkout = standin.storefront.checkout_create(lines=[(tee, 2)], email="shopper@example.com")
    checkout, errors = standin.storefront.add_promo_code(checkout["id"], "SUMMER10")
    jobs.drain()
    # then: Saleor's totals carry the discount, and the attempt is logged
    assert errors == []
    checkout = standin.storefront.checkout(checkout["id"])
    assert (_amount(checkout["subtotalPrice"]["gross"]), _amount(checkout["discount"])) == (Decimal("90.00"),
                                                                                          Decimal("10.00"))
    attempt = AttemptLog.objects.get(installation=installed_app)
    assert (attempt.code, attempt.result, attempt.checkout_id) == ("SUMMER10", "applied", checkout["id"])

    # when: the order is placed and paid
    order = standin.storefront.complete(checkout["id"])
    standin.staff.mark_paid(order["id"])
    jobs.drain()
    # then: one redemption, whatever the number of order events
    redemption = Redemption.objects.get(installation=installed_app)
    assert (redemption.order_id, redemption.order_number, redemption.amount, redemption.currency,
            redemption.customer_email, redemption.state) == (
        order["id"], str(order["number"]), Decimal("10.00"), "USD", "shopper@example.com", "active")
    assert KnownOrder.objects.filter(order_id=order["id"]).exists()

    # when: the order is refunded
    standin.staff.refund(order["id"])
    jobs.drain()
    # then: the redemption is released and Saleor's usage limit frees the slot (it never gives usage back)
    redemption.refresh_from_db()
    assert (redemption.state, redemption.release_reason) == ("released", "refunded")
    with standin.lock:
        assert standin.state.vouchers[voucher.pk].usage_limit == 101


def test_ineligible_code_removed_with_reason_in_metadata(saleor_standin, installed_app):
    standin = saleor_standin
    tee = standin.catalog.add_product(name="Tee", price=Decimal("30.00"))
    services.coupon_create(installation=installed_app, data={
        "name": "Welcome", "codes": ["WELCOME"],
        "rule": {"benefit": {"kind": "percentage", "percent": "20", "apply_to": "order"},
                 "conditions": {"first_order_only": True}}})
    jobs.drain()
    # given: a returning customer (a first order the app saw)
    first = standin.storefront.checkout_create(lines=[(tee, 1)], email="back@example.com")
    standin.storefront.complete(first["id"])
    # when: they type the first-order code in Saleor's checkout
    checkout = standin.storefront.checkout_create(lines=[(tee, 1)], email="back@example.com")
    _, errors = standin.storefront.add_promo_code(checkout["id"], "WELCOME")
    assert errors == []  # Saleor cannot know: it accepts the code
    jobs.drain()
    # then: the app removed it and wrote why into the checkout's metadata
    checkout = standin.storefront.checkout(checkout["id"])
    assert checkout["voucherCode"] is None
    assert _amount(checkout["totalPrice"]["gross"]) == Decimal("30.00")
    metadata = {m["key"]: m["value"] for m in checkout["metadata"]}
    (rejected,) = json.loads(metadata["coupons.rejected"])
    assert (rejected["code"], rejected["reason"]) == ("WELCOME", "first_order_only")
    assert rejected["message"]
    attempt = AttemptLog.objects.get(code="WELCOME")
    assert (attempt.result, attempt.reason, attempt.customer_email) == ("rejected", "first_order_only",
                                                                        "back@example.com")


def test_two_codes_through_the_storefront_api_become_one_app_code(saleor_standin, installed_app, client):
    standin = saleor_standin
    tee = standin.catalog.add_product(name="Tee", price=Decimal("40.00"))
    for name, amount in (("Ten", "10.00"), ("Five", "5.00")):
        services.coupon_create(installation=installed_app, data={
            "name": name, "codes": [name.upper()],
            "rule": {"benefit": {"kind": "fixed_amount", "amount": amount, "apply_to": "order"},
                     "conditions": {"currency": "USD"}, "stacking": "cumulative"}})
    jobs.drain()
    checkout = standin.storefront.checkout_create(lines=[(tee, 2)])
    url = f"/api/storefront/checkouts/{checkout['id']}/codes"
    headers = {"saleor-api-url": installed_app.saleor_api_url}
    # when: the shopper enters two codes, in lower case, through the app
    first = client.post(url, {"code": "ten"}, content_type="application/json", headers=headers)
    jobs.drain()
    second = client.post(url, {"code": " five "}, content_type="application/json", headers=headers)
    jobs.drain()
    # then: both apply, and Saleor carries ONE app code with the combined amount
    assert first.status_code == second.status_code == 200
    assert second.json()["result"]["applied"] is True
    assert second.json()["discount"] == {"amount": "15.00", "currency": "USD"}
    checkout = standin.storefront.checkout(checkout["id"])
    assert checkout["voucherCode"].startswith("APP-")
    assert (_amount(checkout["subtotalPrice"]["gross"]), _amount(checkout["discount"])) == (Decimal("65.00"),
                                                                                          Decimal("15.00"))
    # and the previous app code (for TEN alone) is gone from Saleor
    live = CheckoutVoucher.objects.exclude(state="retired").get()
    assert live.code == checkout["voucherCode"]
    assert [v.name for v in _vouchers_with(standin, live.code)] == [f"Checkout discount {live.code}"]
    with standin.lock:
        app_vouchers = [v for v in standin.state.vouchers.values() if (v.name or "").startswith("Checkout discount")]
    assert len(app_vouchers) == 1

    # when: the order is placed
    order = standin.storefront.complete(checkout["id"])
    jobs.drain()
    # then: each coupon has its redemption, and the app voucher is cleaned up
    assert sorted((r.coupon.name, r.amount) for r in Redemption.objects.all()) == [
        ("Five", Decimal("5.00")), ("Ten", Decimal("10.00"))]
    assert {r.order_id for r in Redemption.objects.all()} == {order["id"]}
    with standin.lock:
        assert not [v for v in standin.state.vouchers.values() if (v.name or "").startswith("Checkout discount")]


def test_storefront_api_answers_the_reason_in_french(saleor_standin, installed_app, client):
    standin = saleor_standin
    tee = standin.catalog.add_product(name="Tee", price=Decimal("20.00"))
    services.coupon_create(installation=installed_app, data={
        "name": "Big", "codes": ["BIG"],
        "rule": {"benefit": {"kind": "percentage", "percent": "10"},
                 "conditions": {"min_subtotal": "100.00", "currency": "USD"}}})
    jobs.drain()
    checkout = standin.storefront.checkout_create(lines=[(tee, 1)])
    # when
    response = client.post(f"/api/storefront/checkouts/{checkout['id']}/codes", {"code": "big"},
                           content_type="application/json",
                           headers={"saleor-api-url": installed_app.saleor_api_url, "accept-language": "fr-FR"})
    # then
    result = response.json()["result"]
    assert (response.status_code, result["applied"], result["reason"]) == (200, False, "min_subtotal_not_met")
    assert "80" in result["message"]


def test_shared_code_typed_in_lower_case_in_saleor_works(saleor_standin, installed_app):
    standin = saleor_standin
    tee = standin.catalog.add_product(name="Tee", price=Decimal("40.00"))
    # given: a shared code mirrored into Saleor, whose code lookup is case-sensitive
    coupon = services.coupon_create(installation=installed_app, data={
        "name": "Summer", "codes": ["SUMMER10"],
        "rule": {"benefit": {"kind": "percentage", "percent": "10", "apply_to": "order"}}})
    jobs.drain()
    # when: a shopper types it in lower case in Saleor's own checkout field
    checkout = standin.storefront.checkout_create(lines=[(tee, 1)], email="low@example.com")
    _, errors = standin.storefront.add_promo_code(checkout["id"], "summer10")
    jobs.drain()
    # then: Saleor knew that spelling, the discount is there, and the app left the code as typed
    assert errors == []
    checkout = standin.storefront.checkout(checkout["id"])
    assert (checkout["voucherCode"], _amount(checkout["discount"])) == ("summer10", Decimal("4.00"))
    assert not CheckoutVoucher.objects.filter(installation=installed_app).exists()
    # and the order counts as a use of the coupon
    order = standin.storefront.complete(checkout["id"])
    jobs.drain()
    assert Redemption.objects.get(installation=installed_app, coupon=coupon).order_id == order["id"]

"""The Saleor mirror of a coupon: what Saleor can express, codes pushed in chunks, kept in step."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from app.core import jobs
from app.core.models import Job
from app.coupons import services, tasks, writeback
from app.coupons.models import CheckoutVoucher, Coupon
from app.engine import Rule


def _rule(**data) -> Rule:
    return Rule.model_validate({"id": "r", **data})


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"benefit": {"kind": "percentage", "percent": "10", "apply_to": "order"}},
         ("ENTIRE_ORDER", "PERCENTAGE", Decimal("10"))),
        ({"benefit": {"kind": "fixed_amount", "amount": "5"}, "conditions": {"currency": "EUR"}},
         ("ENTIRE_ORDER", "FIXED", Decimal("5"))),
        ({"benefit": {"kind": "percentage", "percent": "20"}, "conditions": {"category_ids": ["Q2F0OjE="]}},
         ("SPECIFIC_PRODUCT", "PERCENTAGE", Decimal("20"))),
        ({"benefit": {"kind": "fixed_per_unit", "amount": "2"}, "conditions": {"currency": "USD",
                                                                               "product_ids": ["UHJvZDox"]}},
         ("SPECIFIC_PRODUCT", "FIXED", Decimal("2"))),
        ({"benefit": {"kind": "shipping"}}, ("SHIPPING", "PERCENTAGE", Decimal("100"))),
    ],
    ids=["percent-order", "fixed-order", "percent-category", "fixed-per-unit-product", "free-shipping"],
)
def test_rules_saleor_can_express(rule, expected):
    # when
    plan = writeback.voucher_plan(_rule(**rule))
    # then
    assert (plan.type, plan.value_type, plan.value) == expected


@pytest.mark.parametrize(
    ("rule", "why"),
    [
        ({"benefit": {"kind": "buy_x_get_y", "buy_quantity": 2, "get_quantity": 1}}, "buy x get y"),
        ({"benefit": {"kind": "percentage", "percent": "10", "max_discount": "20"},
          "conditions": {"currency": "EUR"}}, "maximum"),
        ({"benefit": {"kind": "percentage", "percent": "10"},
          "conditions": {"excluded_product_ids": ["UHJvZDox"]}}, "exclu"),
        ({"benefit": {"kind": "fixed_amount", "amount": "5"},
          "conditions": {"currency": "EUR", "product_ids": ["UHJvZDox"]}}, "per unit"),
        ({"benefit": {"kind": "percentage", "percent": "10"}, "requires_code": False}, "automatic"),
    ],
    ids=["bogo", "capped-percent", "exclusion", "fixed-on-products", "automatic"],
)
def test_rules_saleor_cannot_express(rule, why):
    # when / then
    with pytest.raises(writeback.NotExpressible) as error:
        writeback.voucher_plan(_rule(**rule))
    assert why in str(error.value)


def test_restrictions_only_the_app_enforces_do_not_prevent_the_mirror():
    # when
    plan = writeback.voucher_plan(_rule(benefit={"kind": "percentage", "percent": "10"}, conditions={
        "first_order_only": True, "customers": ["ann@example.com"], "min_subtotal": "30", "currency": "USD"}))
    # then
    assert plan.min_spent == Decimal("30")
    assert plan.app_enforced == ("first order only", "customers")


@pytest.mark.django_db(transaction=True)
def test_batch_codes_are_pushed_in_chunks_and_edits_follow(saleor_standin, installed_app):
    standin = saleor_standin
    # given: a coupon with 600 generated codes
    coupon = services.coupon_create(installation=installed_app, data={
        "name": "Batch", "codes": [], "rule": {"benefit": {"kind": "percentage", "percent": "10"}}})
    services.code_batch_create(coupon=coupon, count=600, pattern="B-########")
    # when
    jobs.drain(rounds=50)
    # then: one voucher holds every code, pushed 250 at a time
    coupon.refresh_from_db()
    with standin.lock:
        (voucher,) = standin.state.vouchers.values()
        saleor_codes = sorted(c.code for c in voucher.codes)
    assert saleor_codes == sorted(coupon.codes.values_list("code", flat=True))
    assert len(saleor_codes) == 600 and voucher.single_use is True
    pushes = [r for r in standin.requests if ("CouponsVoucherCreate" in r.query or "CouponsVoucherUpdate" in r.query)
              and "addCodes" in (r.variables or {}).get("input", {})]
    assert [len(r.variables["input"]["addCodes"]) for r in pushes] == [250, 250, 100]
    assert coupon.mirror_state == Coupon.Mirror.SYNCED

    # when: the merchant changes the value, then disables the coupon
    services.coupon_update(coupon=coupon, data={"name": "Batch", "rule": {
        "benefit": {"kind": "percentage", "percent": "15"}}})
    jobs.drain()
    with standin.lock:
        values = {slug: listing.discount_value for slug, listing in voucher.listings.items()}
    services.coupon_disable(coupon=coupon)
    jobs.drain()
    with standin.lock:
        disabled_listings = dict(voucher.listings)
    services.coupon_enable(coupon=coupon)
    jobs.drain()
    # then: Saleor followed each step; disabled = listed nowhere, so no storefront can use it
    assert values == {"channel-eur": Decimal("15"), "default-channel": Decimal("15")}
    assert disabled_listings == {}
    with standin.lock:
        assert sorted(voucher.listings) == ["channel-eur", "default-channel"]


@pytest.mark.django_db(transaction=True)
def test_deleting_an_unused_coupon_deletes_its_voucher(saleor_standin, installed_app):
    # given
    coupon = services.coupon_create(installation=installed_app, data={
        "name": "Gone", "codes": ["GONE"], "rule": {"benefit": {"kind": "percentage", "percent": "10"}}})
    jobs.drain()
    assert len(saleor_standin.state.vouchers) == 1
    # when
    services.coupon_delete(coupon=Coupon.objects.get(pk=coupon.pk))
    jobs.drain()
    # then
    with saleor_standin.lock:
        assert saleor_standin.state.vouchers == {}


@pytest.mark.django_db(transaction=True)
def test_sweep_retires_app_vouchers_of_checkouts_gone_from_saleor(saleor_standin, installed_app):
    standin = saleor_standin
    tee = standin.catalog.add_product(name="Tee", price=Decimal("10"))
    live = standin.storefront.checkout_create(lines=[(tee, 1)])
    # given: two app vouchers, one for a checkout Saleor no longer has
    old = timezone.now() - timedelta(hours=2)
    for checkout_id in (live["id"], "Q2hlY2tvdXQ6MDAwMDAwMDAtMDAwMC00MDAwLTgwMDAtMDAwMDAwMDAwMDAw"):
        cv = writeback.checkout_voucher_create(installation=installed_app, checkout_id=checkout_id,
                                               channel="default-channel", currency="USD", amount=Decimal("3"),
                                               sources=[])
        CheckoutVoucher.objects.filter(pk=cv.pk).update(created_at=old)
    jobs.drain()
    assert len(standin.state.vouchers) == 2
    # when
    gone = tasks.checkout_vouchers_sweep()
    jobs.drain()
    # then
    assert gone == 1
    assert CheckoutVoucher.objects.get(state="retired").checkout_id != live["id"]
    with standin.lock:
        assert len(standin.state.vouchers) == 1


def test_periodic_jobs_are_registered(db):
    # when
    scheduled = jobs.schedule_periodic()
    # then
    kinds = set(Job.objects.values_list("kind", flat=True))
    assert scheduled >= 2
    assert {"coupons.purge_attempts", "coupons.sweep_checkout_vouchers"} <= kinds

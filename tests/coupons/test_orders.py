"""ORDER_* and CUSTOMER_* handlers: redemptions recorded once, released on cancel / refund."""

from __future__ import annotations

from decimal import Decimal

from app.coupons import handlers
from app.coupons.checkout import orders_count
from app.coupons.models import CheckoutState, CheckoutVoucher, KnownCustomer, KnownOrder, Redemption
from app.saleor import payloads

from .conftest import order_event


def test_order_created_then_paid_records_one_redemption(make_coupon, installation):
    # given
    coupon = make_coupon("Summer", codes=["SUMMER10"])
    event = order_event(voucher_code="summer10", discount="5.00", number="1001")
    # when: created, redelivered, then paid
    handlers.on_order_created(installation=installation, event=event)
    handlers.on_order_created(installation=installation, event=event)
    handlers.on_order_paid(installation=installation, event=order_event(voucher_code="summer10", discount="5.00",
                                                                        number="1001"))
    # then
    redemption = Redemption.objects.get()
    assert (redemption.coupon_id, redemption.code.code, redemption.amount, redemption.order_number,
            redemption.customer_email) == (coupon.pk, "SUMMER10", Decimal("5.00"), "1001", "shopper@example.com")
    assert KnownOrder.objects.count() == 1


def test_order_without_an_app_code_records_nothing_but_is_remembered(make_coupon, installation):
    # given
    make_coupon("Summer", codes=["SUMMER10"])
    # when
    handlers.on_order_created(installation=installation, event=order_event(voucher_code="SALEOR-NATIVE"))
    # then
    assert Redemption.objects.count() == 0
    assert orders_count(installation=installation, customer_id="", email="shopper@example.com") == 1


def test_cancelled_order_releases_and_stops_counting_as_an_order(make_coupon, installation):
    # given
    make_coupon("Summer", codes=["SUMMER10"])
    handlers.on_order_created(installation=installation, event=order_event())
    # when
    handlers.on_order_released(installation=installation, event=order_event(status="CANCELED"))
    # then
    redemption = Redemption.objects.get()
    assert (redemption.state, redemption.release_reason) == ("released", "cancelled")
    assert orders_count(installation=installation, customer_id="", email="shopper@example.com") == 0


def test_refund_releases_the_redemption(make_coupon, installation):
    # given
    make_coupon("Summer", codes=["SUMMER10"])
    handlers.on_order_paid(installation=installation, event=order_event())
    # when
    handlers.on_order_released(installation=installation, event=order_event(status="FULFILLED"))
    handlers.on_order_released(installation=installation, event=order_event(status="FULFILLED"))
    # then
    assert list(Redemption.objects.values_list("state", "release_reason")) == [("released", "refunded")]


def test_order_with_an_app_code_records_each_source_and_retires_the_voucher(make_coupon, installation):
    # given: an APP- code that combined two coupons on this checkout
    ten = make_coupon("Ten", codes=["TEN"])
    five = make_coupon("Five", codes=["FIVE"])
    CheckoutState.objects.create(installation=installation, checkout_id="Q2hlY2tvdXQ6MQ==")
    CheckoutVoucher.objects.create(
        installation=installation, checkout_id="Q2hlY2tvdXQ6MQ==", code="APP-ABCDEFGHJKLM", amount=Decimal("15"),
        currency="USD", channel="default-channel", state="active", saleor_voucher_id="Vm91Y2hlcjo5",
        sources=[{"code": "TEN", "coupon_id": ten.pk, "amount": "10.00"},
                 {"code": "FIVE", "coupon_id": five.pk, "amount": "5.00"}])
    # when
    handlers.on_order_created(installation=installation, event=order_event(voucher_code="APP-ABCDEFGHJKLM",
                                                                           discount="15.00"))
    # then
    assert sorted((r.coupon.name, r.code.code, r.amount, r.order_code) for r in Redemption.objects.all()) == [
        ("Five", "FIVE", Decimal("5.00"), "APP-ABCDEFGHJKLM"), ("Ten", "TEN", Decimal("10.00"), "APP-ABCDEFGHJKLM")]
    voucher = CheckoutVoucher.objects.get()
    assert (voucher.state, voucher.deleted_in_saleor) == ("retired", True)
    assert not CheckoutState.objects.exists()


def test_customer_events_link_user_id_and_email(installation):
    # given
    event = payloads.CustomerEvent.model_validate({
        "issuedAt": "2026-11-25T06:00:00+00:00", "version": "3.23.28", "issuingPrincipal": None,
        "user": {"id": "VXNlcjox", "email": "Ann@Example.com", "firstName": "", "lastName": "", "isActive": True,
                 "dateJoined": "2026-01-01T00:00:00+00:00", "privateMetadata": [], "metadata": []}})
    # when
    handlers.on_customer_changed(installation=installation, event=event)
    handlers.on_customer_changed(installation=installation, event=event)
    # then
    assert list(KnownCustomer.objects.values_list("user_id", "email")) == [("VXNlcjox", "ann@example.com")]

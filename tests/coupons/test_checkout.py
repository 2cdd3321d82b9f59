"""CHECKOUT_UPDATED handling without Saleor: what the handler decides and queues in the outbox."""

from __future__ import annotations

import json
from decimal import Decimal

from app.core.models import Job
from app.coupons import handlers
from app.coupons.models import AttemptLog, CheckoutState, CheckoutVoucher, Code, Coupon, KnownOrder

from .conftest import checkout_event, fixed_rule, percent_rule


def _writes() -> list[tuple[str, dict]]:
    return [(j.payload["document"].rsplit("/", 1)[-1], j.payload["variables"])
            for j in Job.objects.filter(kind="saleor.write").order_by("pk")]


def _mirrored(coupon: Coupon) -> Coupon:
    Coupon.objects.filter(pk=coupon.pk).update(saleor_voucher_id="Vm91Y2hlcjox", mirror_state="synced",
                                               mirrored_version=coupon.version)
    Code.objects.filter(coupon=coupon).update(saleor_sync="pushed")
    Job.objects.all().delete()
    return Coupon.objects.get(pk=coupon.pk)


def test_ineligible_code_is_removed_with_the_reason_in_metadata(make_coupon, installation):
    # given: a first-order coupon, and a customer the app saw ordering before
    _mirrored(make_coupon("Welcome", codes=["WELCOME"], rule=percent_rule("10", first_order_only=True)))
    KnownOrder.objects.create(installation=installation, order_id="old", customer_email="shopper@example.com")
    event = checkout_event(voucher_code="welcome")
    checkout = event.checkout
    # when
    handlers.on_checkout_changed(installation=installation, event=event)
    # then
    writes = dict(_writes())
    assert writes["checkout_remove_promo_code.graphql"] == {"id": checkout.id, "promoCode": "welcome"}
    metadata = writes["update_metadata.graphql"]["input"][0]
    rejected = json.loads(metadata["value"])
    assert metadata["key"] == "coupons.rejected"
    assert [(r["code"], r["reason"]) for r in rejected] == [("WELCOME", "first_order_only")]
    attempt = AttemptLog.objects.get()
    assert (attempt.code_typed, attempt.result, attempt.reason, attempt.source) == (
        "welcome", "rejected", "first_order_only", "saleor")


def test_same_checkout_twice_writes_and_logs_once(make_coupon, installation):
    # given
    _mirrored(make_coupon("Welcome", codes=["WELCOME"], rule=percent_rule("10", first_order_only=True)))
    KnownOrder.objects.create(installation=installation, order_id="old", customer_email="shopper@example.com")
    event = checkout_event(voucher_code="WELCOME")
    handlers.on_checkout_changed(installation=installation, event=event)
    writes, attempts = len(_writes()), AttemptLog.objects.count()
    # when
    handlers.on_checkout_changed(installation=installation, event=event)
    # then
    assert (len(_writes()), AttemptLog.objects.count()) == (writes, attempts) == (2, 1)


def test_eligible_mirrored_code_is_left_to_saleor(make_coupon, installation):
    # given
    _mirrored(make_coupon("Summer", codes=["SUMMER10"]))
    # when
    handlers.on_checkout_changed(installation=installation, event=checkout_event(voucher_code="SUMMER10"))
    # then
    assert _writes() == []
    assert AttemptLog.objects.get().result == "applied"


def test_event_caused_by_the_app_is_ignored(make_coupon, installation):
    # given
    _mirrored(make_coupon("Welcome", codes=["WELCOME"], rule=percent_rule("10", login_required=True)))
    event = checkout_event(voucher_code="WELCOME", principal={"__typename": "App", "id": installation.app_id})
    # when
    handlers.on_checkout_changed(installation=installation, event=event)
    # then
    assert (_writes(), AttemptLog.objects.count()) == ([], 0)


def test_two_codes_become_one_app_voucher_with_the_combined_amount(make_coupon, installation):
    # given: two cumulative coupons, one typed in Saleor, one entered through the storefront API
    _mirrored(make_coupon("Ten", codes=["TEN"], rule=fixed_rule("10.00", stacking="cumulative")))
    _mirrored(make_coupon("Five", codes=["FIVE"], rule=fixed_rule("5.00", stacking="cumulative")))
    event = checkout_event(voucher_code="TEN")
    checkout = event.checkout
    CheckoutState.objects.create(installation=installation, checkout_id=checkout.id,
                                 entered_codes=[{"code": "FIVE", "typed": "five", "source": "storefront"}])
    # when
    handlers.on_checkout_changed(installation=installation, event=event)
    # then
    voucher = CheckoutVoucher.objects.get()
    assert voucher.code.startswith("APP-")
    assert (voucher.amount, voucher.currency, voucher.channel) == (Decimal("15.00"), "USD", "default-channel")
    assert sorted(s["code"] for s in voucher.sources) == ["FIVE", "TEN"]
    (document, variables), = _writes()
    assert document == "voucher_create.graphql"
    assert variables["input"]["addCodes"] == [voucher.code]
    assert (variables["input"]["type"], variables["input"]["discountValueType"]) == ("ENTIRE_ORDER", "FIXED")


def test_unknown_code_is_logged_with_a_suggestion(make_coupon, installation):
    # given
    make_coupon("Summer", codes=["SUMMER10"])
    event = checkout_event()
    checkout = event.checkout
    CheckoutState.objects.create(installation=installation, checkout_id=checkout.id,
                                 entered_codes=[{"code": "SUMER10", "typed": "sumer10", "source": "storefront"}])
    # when
    handlers.on_checkout_changed(installation=installation, event=event)
    # then
    attempt = AttemptLog.objects.get()
    assert (attempt.result, attempt.reason) == ("unknown", "unknown_code")
    assert "SUMMER10" in attempt.message


def test_a_checkout_without_codes_costs_no_write(make_coupon, installation):
    # given: coupons exist, but none automatic, and the checkout carries no code
    make_coupon("Summer", codes=["SUMMER10"])
    # when
    handlers.on_checkout_changed(installation=installation, event=checkout_event())
    # then
    assert not CheckoutState.objects.exists()
    assert (_writes(), AttemptLog.objects.count()) == ([], 0)


def test_automatic_rule_alone_becomes_an_app_voucher(make_coupon, installation):
    # given: an automatic 10 % for logged-in customers
    make_coupon("Members", codes=[], rule={**percent_rule("10", login_required=True), "requires_code": False})
    # when
    handlers.on_checkout_changed(installation=installation, event=checkout_event(
        user={"id": "VXNlcjox", "email": "ann@example.com"}))
    # then
    voucher = CheckoutVoucher.objects.get()
    assert (voucher.amount, [s["code"] for s in voucher.sources]) == (Decimal("5.00"), [""])


def test_shopper_removing_the_app_code_drops_the_codes_it_combined(make_coupon, installation):
    # given: TEN + FIVE were combined into an APP- code the app applied at 06:00
    from datetime import datetime

    ten = _mirrored(make_coupon("Ten", codes=["TEN"], rule=fixed_rule("10.00", stacking="cumulative")))
    five = _mirrored(make_coupon("Five", codes=["FIVE"], rule=fixed_rule("5.00", stacking="cumulative")))
    sources = sorted([{"code": "TEN", "coupon_id": ten.pk, "amount": "10.00"},
                      {"code": "FIVE", "coupon_id": five.pk, "amount": "5.00"}], key=lambda s: s["coupon_id"])
    applied_at = datetime.fromisoformat("2026-11-25T06:00:00+00:00")
    state = CheckoutState.objects.create(
        installation=installation, checkout_id="Q2hlY2tvdXQ6MQ==", applied_code="APP-ABCDEFGHJKLM",
        applied_at=applied_at, entered_codes=[{"code": "TEN", "typed": "ten", "source": "storefront"},
                                              {"code": "FIVE", "typed": "five", "source": "storefront"}])
    CheckoutVoucher.objects.create(installation=installation, checkout_id=state.checkout_id, code="APP-ABCDEFGHJKLM",
                                   amount=Decimal("15"), currency="USD", channel="default-channel", state="active",
                                   saleor_voucher_id="Vm91Y2hlcjo5", sources=sources)
    # when: an event issued BEFORE the app applied it arrives late (no code yet): nothing is dropped
    handlers.on_checkout_changed(installation=installation,
                                 event=checkout_event(issued_at="2026-11-25T05:59:00+00:00"))
    kept = [e["code"] for e in CheckoutState.objects.get().entered_codes]
    late_writes = [name for name, _ in _writes() if name != "update_metadata.graphql"]
    # and then one issued AFTER, without the code: the shopper removed it
    handlers.on_checkout_changed(installation=installation,
                                 event=checkout_event(issued_at="2026-11-25T06:01:00+00:00"))
    # then
    assert kept == ["TEN", "FIVE"]
    assert late_writes == []  # the late event neither re-created nor re-applied the APP- code
    assert CheckoutState.objects.get().entered_codes == []
    assert CheckoutVoucher.objects.get().state == "retired"
    assert ("voucher_delete.graphql", {"id": "Vm91Y2hlcjo5"}) in _writes()

"""Saleor down during the mirror write: the write waits in the outbox and is retried with backoff;
nothing is lost and nothing is applied twice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from app.core import jobs
from app.core.models import Job
from app.coupons import services
from app.coupons.models import Coupon
from app.saleor.client import SaleorClient
from app.saleor.documents import load

pytestmark = pytest.mark.django_db(transaction=True)

CODES = ["SUMMER10", "SUMMER20", "SUMMER30"]
# Shared codes go to Saleor in both spellings (Saleor's lookup is case-sensitive).
SALEOR_SPELLINGS = sorted(CODES + [c.lower() for c in CODES])


def _saleor_codes(standin) -> list[str]:
    with standin.lock:
        return sorted(c.code for v in standin.state.vouchers.values() for c in v.codes)


def _create_coupon(installation) -> Coupon:
    return services.coupon_create(installation=installation, data={
        "name": "Summer", "codes": CODES, "rule": {"benefit": {"kind": "percentage", "percent": "10"}}})


def _break(standin, mode: str) -> None:
    if mode == "down":
        standin.go_down()
    elif mode == "500":
        standin.fail_with(500)
    else:
        standin.fail_with("timeout", seconds=2)


def _repair(standin, mode: str) -> None:
    if mode == "down":
        standin.come_back()
    else:
        standin.recover()


@pytest.mark.parametrize("mode", ["down", "500", "timeout"], ids=["connection-refused", "http-500", "timeout"])
def test_mirror_write_survives_saleor_being_down(saleor_standin, installed_app, settings, mode):
    settings.SALEOR_HTTP_TIMEOUT = 0.5
    settings.SALEOR_HTTP_RETRIES = 0
    # given: Saleor fails while the coupon's voucher is being written
    coupon = _create_coupon(installed_app)
    _break(saleor_standin, mode)
    before = timezone.now()
    jobs.drain()
    # then: the write is kept, pending, with a backoff
    write = Job.objects.get(kind="saleor.write")
    assert (write.state, write.attempts) == ("pending", 1)
    assert write.run_after > before
    assert write.last_error
    coupon.refresh_from_db()
    assert (coupon.saleor_voucher_id, coupon.mirror_state) == ("", "pending")
    # when: Saleor is back; nothing runs before the backoff, everything after it
    _repair(saleor_standin, mode)
    assert _saleor_codes(saleor_standin) == []
    jobs.drain(now=timezone.now() + timedelta(hours=1))
    # then: one voucher, each code once, the coupon in step
    assert _saleor_codes(saleor_standin) == SALEOR_SPELLINGS
    with saleor_standin.lock:
        assert len(saleor_standin.state.vouchers) == 1
    coupon.refresh_from_db()
    assert coupon.mirror_state == Coupon.Mirror.SYNCED
    assert coupon.codes.filter(saleor_sync="pushed").count() == 3
    assert not Job.objects.exclude(state="done").exists()


def test_a_write_that_reached_saleor_but_was_not_recorded_is_not_applied_twice(saleor_standin, installed_app):
    # given: the worker sent voucherCreate, Saleor created the voucher, and the worker died before recording it
    coupon = _create_coupon(installed_app)
    jobs.run_due_jobs()  # the mirror job queues the voucherCreate write
    write = Job.objects.get(kind="saleor.write")
    SaleorClient(installed_app).execute(load(write.payload["document"]), write.payload["variables"])
    assert _saleor_codes(saleor_standin) == SALEOR_SPELLINGS
    # when: the write is retried
    jobs.drain()
    # then: Saleor answered ALREADY_EXISTS; the app adopted that voucher instead of making another
    coupon.refresh_from_db()
    with saleor_standin.lock:
        (voucher,) = saleor_standin.state.vouchers.values()
    assert coupon.saleor_voucher_id == voucher.global_id
    assert _saleor_codes(saleor_standin) == SALEOR_SPELLINGS
    assert coupon.mirror_state == Coupon.Mirror.SYNCED


def test_redelivered_order_webhook_records_one_redemption(saleor_standin, installed_app):
    from decimal import Decimal

    from app.coupons.models import Redemption

    standin = saleor_standin
    tee = standin.catalog.add_product(name="Tee", price=Decimal("50.00"))
    _create_coupon(installed_app)
    jobs.drain()
    checkout = standin.storefront.checkout_create(lines=[(tee, 1)])
    standin.storefront.add_promo_code(checkout["id"], "SUMMER10")
    standin.storefront.complete(checkout["id"])
    (delivery,) = standin.deliveries_for("ORDER_CREATED")
    # when: Saleor delivers the same ORDER_CREATED again
    standin.redeliver(delivery)
    standin.redeliver(delivery)
    # then
    assert Redemption.objects.count() == 1
    assert Redemption.objects.get().amount == Decimal("5.00")

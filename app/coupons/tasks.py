"""Background jobs of the coupons app. Each loads by id and calls a service; all are idempotent."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from app.core import jobs
from app.coupons import services, writeback
from app.coupons.models import CheckoutState, CheckoutVoucher, CodeBatch
from app.saleor.client import SaleorClient, SaleorUnavailable
from app.saleor.documents import load

log = logging.getLogger("app.coupons")

SWEEP_AFTER = timedelta(hours=1)
STATE_RETENTION = timedelta(days=30)


def retry_while_saleor_down(handler: Callable[[dict[str, Any]], Any]) -> Callable[[dict[str, Any]], Any]:
    """A job that calls Saleor: Saleor unreachable (5xx, timeout, refused) retries it later, with backoff."""

    @functools.wraps(handler)
    def run(payload: dict[str, Any]) -> Any:
        try:
            return handler(payload)
        except SaleorUnavailable as exc:
            raise jobs.RetryLater(str(exc)) from exc

    return run


@jobs.job("coupons.generate_batch")
def generate_batch(payload: dict[str, Any]) -> dict[str, Any]:
    batch = CodeBatch.objects.filter(pk=payload["batch_id"]).first()
    if batch is None:
        return {"skipped": "batch deleted"}
    try:
        result = services.code_batch_run(batch=batch)
    except Exception as exc:
        CodeBatch.objects.filter(pk=batch.pk).update(error=f"{type(exc).__name__}: {exc}"[:2000])
        raise
    return {"status": result.status, "generated": result.generated}


@jobs.job("coupons.mirror")
@retry_while_saleor_down
def mirror(payload: dict[str, Any]) -> str:
    return writeback.mirror_run(coupon_id=payload["coupon_id"])


@jobs.job("coupons.voucher_recover")
@retry_while_saleor_down
def voucher_recover(payload: dict[str, Any]) -> str:
    return writeback.voucher_recover(coupon_id=payload["coupon_id"], code_ids=payload["code_ids"])


@jobs.job("coupons.checkout_voucher_publish")
@retry_while_saleor_down
def checkout_voucher_publish(payload: dict[str, Any]) -> str:
    return writeback.checkout_voucher_publish(checkout_voucher_id=payload["checkout_voucher_id"])


@jobs.job("coupons.checkout_voucher_recover")
@retry_while_saleor_down
def checkout_voucher_recover(payload: dict[str, Any]) -> str:
    return writeback.checkout_voucher_recover(checkout_voucher_id=payload["checkout_voucher_id"])


def checkout_vouchers_sweep(*, now: datetime | None = None, older_than: timedelta = SWEEP_AFTER) -> int:
    """Retire the APP- vouchers of checkouts that no longer exist in Saleor (Saleor has no CHECKOUT_DELETED
    event); forget checkout states untouched for STATE_RETENTION. Returns how many checkouts were gone."""
    now = now or timezone.now()
    gone = 0
    pending = (
        CheckoutVoucher.objects.exclude(state=CheckoutVoucher.State.RETIRED)
        .filter(created_at__lt=now - older_than).select_related("installation")
        .order_by("installation_id", "checkout_id")
    )
    seen: set[tuple[int, str]] = set()
    for cv in pending[:500]:
        key = (cv.installation_id, cv.checkout_id)
        if key in seen or not cv.installation.is_active:
            continue
        seen.add(key)
        data = SaleorClient(cv.installation).execute(load(f"{writeback.DOCS}/checkout_exists.graphql"),
                                                     {"id": cv.checkout_id})
        if data.get("checkout") is None:
            with transaction.atomic():
                writeback.checkout_vouchers_retire(installation=cv.installation, checkout_id=cv.checkout_id)
                CheckoutState.objects.filter(installation=cv.installation, checkout_id=cv.checkout_id).delete()
            gone += 1
    CheckoutState.objects.filter(updated_at__lt=now - STATE_RETENTION).delete()
    return gone


@jobs.periodic("coupons.sweep_checkout_vouchers", every_seconds=3600)
@retry_while_saleor_down
def sweep_checkout_vouchers(payload: dict[str, Any]) -> dict[str, int]:
    return {"gone": checkout_vouchers_sweep()}


@jobs.periodic("coupons.purge_attempts", every_seconds=86400)
def purge_attempts(payload: dict[str, Any]) -> dict[str, int]:
    return {"deleted": services.attempts_purge()}

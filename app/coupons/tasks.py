"""Background jobs of the coupons app. Each loads by id and calls a service; all are idempotent."""

from __future__ import annotations

import logging
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


def _retry(exc: Exception) -> jobs.RetryLater:
    return jobs.RetryLater(str(exc))


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
def mirror(payload: dict[str, Any]) -> str:
    try:
        return writeback.mirror_run(coupon_id=payload["coupon_id"])
    except SaleorUnavailable as exc:
        raise _retry(exc) from exc


@jobs.job("coupons.voucher_recover")
def voucher_recover(payload: dict[str, Any]) -> str:
    try:
        return writeback.voucher_recover(coupon_id=payload["coupon_id"], code_ids=payload["code_ids"])
    except SaleorUnavailable as exc:
        raise _retry(exc) from exc


@jobs.job("coupons.checkout_voucher_publish")
def checkout_voucher_publish(payload: dict[str, Any]) -> str:
    try:
        return writeback.checkout_voucher_publish(checkout_voucher_id=payload["checkout_voucher_id"])
    except SaleorUnavailable as exc:
        raise _retry(exc) from exc


@jobs.job("coupons.checkout_voucher_recover")
def checkout_voucher_recover(payload: dict[str, Any]) -> str:
    try:
        return writeback.checkout_voucher_recover(checkout_voucher_id=payload["checkout_voucher_id"])
    except SaleorUnavailable as exc:
        raise _retry(exc) from exc


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
def sweep_checkout_vouchers(payload: dict[str, Any]) -> dict[str, int]:
    try:
        return {"gone": checkout_vouchers_sweep()}
    except SaleorUnavailable as exc:
        raise _retry(exc) from exc


@jobs.periodic("coupons.purge_attempts", every_seconds=86400)
def purge_attempts(payload: dict[str, Any]) -> dict[str, int]:
    return {"deleted": services.attempts_purge()}

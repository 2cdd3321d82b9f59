"""Caps hold under concurrency: parallel redemptions, each thread on its own database connection."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection

from app.coupons import services
from app.coupons.models import Code, Coupon, Redemption

from .conftest import percent_rule

THREADS = 32  # each holds its own connection: stay well under PostgreSQL's default max_connections
ATTEMPTS = 200


def _run_in_parallel(work: list, fn) -> tuple[list, list]:
    """Split `work` over THREADS threads released together; returns (results, errors)."""
    barrier = threading.Barrier(THREADS)
    results, errors, lock = [], [], threading.Lock()

    def worker(items: list) -> None:
        try:
            barrier.wait(timeout=30)
            for item in items:
                outcome = fn(item)
                with lock:
                    results.append(outcome)
        except Exception as exc:  # noqa: BLE001 - collected and asserted on below
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(work[i::THREADS],)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results, errors


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("cap", ["code", "coupon"], ids=["code-capped-at-100", "coupon-capped-at-100"])
def test_200_concurrent_redemptions_of_a_code_capped_at_100_record_exactly_100(installation, cap):
    # given
    coupon = services.coupon_create(installation=installation, data={
        "name": "Rush", "rule": percent_rule("10"), "codes": [],
        "usage_limit": 100 if cap == "coupon" else None})
    code = services.code_add(coupon=coupon, code="RUSH", usage_limit=100 if cap == "code" else None)

    def redeem(i: int):
        return services.redemption_record(
            installation=installation, coupon=Coupon(pk=coupon.pk), code=Code(pk=code.pk),
            order_id=f"order-{i}", order_number=str(i), customer_email=f"c{i}@example.com",
            amount=Decimal("5.00"), currency="USD", order_code="RUSH")

    # when
    results, errors = _run_in_parallel(list(range(ATTEMPTS)), redeem)
    # then
    assert errors == []
    assert len(results) == ATTEMPTS
    assert sum(r is not None for r in results) == 100
    assert Redemption.objects.filter(coupon=coupon, state="active").count() == 100


@pytest.mark.django_db(transaction=True)
def test_concurrent_redeliveries_of_one_order_record_one_redemption(installation):
    # given
    coupon = services.coupon_create(installation=installation, data={
        "name": "Once", "rule": percent_rule("10"), "codes": ["ONCE"]})
    code = coupon.codes.get()

    def redeem(_: int):
        return services.redemption_record(
            installation=installation, coupon=Coupon(pk=coupon.pk), code=Code(pk=code.pk), order_id="order-1",
            order_number="1", customer_email="a@example.com", amount=Decimal("5.00"), currency="USD")

    # when
    results, errors = _run_in_parallel(list(range(64)), redeem)
    # then
    assert errors == []
    assert len({r.pk for r in results}) == 1
    assert Redemption.objects.count() == 1

"""Fixtures of the coupons tests: an installation, coupons, and Saleor-shaped checkout / order payloads."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from app.coupons import services
from app.coupons.models import Coupon
from app.saleor import payloads
from app.saleor.models import Installation

CHANNEL = "default-channel"


@pytest.fixture(autouse=True)
def _jobs_run_only_when_drained(settings: Any) -> None:
    """The tests drive the job queue with `jobs.drain()`: no in-process runner racing them. (pytest-django
    reads the settings before the root conftest sets TASKS_MODE=manual, so it is set here too.)"""
    settings.TASKS_MODE = "manual"


@pytest.fixture
def installation(db: Any) -> Installation:
    return Installation.objects.create(
        saleor_api_url="https://shop.example.com/graphql/", app_id="QXBwOjE=", auth_token="token-1",
    )


@pytest.fixture
def other_installation(db: Any) -> Installation:
    return Installation.objects.create(
        saleor_api_url="https://other.example.com/graphql/", app_id="QXBwOjI=", auth_token="token-2",
    )


def percent_rule(percent: str = "10", **conditions: Any) -> dict[str, Any]:
    return {"benefit": {"kind": "percentage", "percent": percent, "apply_to": "order"}, "conditions": conditions}


def fixed_rule(amount: str = "5.00", currency: str = "USD", stacking: str = "exclusive",
               **conditions: Any) -> dict[str, Any]:
    return {"benefit": {"kind": "fixed_amount", "amount": amount, "apply_to": "order"},
            "conditions": {"currency": currency, **conditions}, "stacking": stacking}


@pytest.fixture
def make_coupon(installation: Installation) -> Any:
    def make(name: str = "Summer", *, codes: list[str] | None = None, rule: dict[str, Any] | None = None,
             inst: Installation | None = None, **fields: Any) -> Coupon:
        data = {"name": name, "rule": rule or percent_rule(), "codes": codes if codes is not None else ["SUMMER10"],
                **fields}
        return services.coupon_create(installation=inst or installation, data=data, actor="merchant@example.com")

    return make


def checkout_payload(**kwargs: Any) -> payloads.Checkout:
    return payloads.Checkout.model_validate(checkout_data(**kwargs))


def checkout_data(
    *,
    checkout_id: str = "Q2hlY2tvdXQ6MQ==",
    lines: list[tuple[str, int, str]] | None = None,
    voucher_code: str | None = None,
    email: str | None = "shopper@example.com",
    user: dict[str, Any] | None = None,
    channel: str = CHANNEL,
    currency: str = "USD",
    metadata: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A checkout as the CHECKOUT_UPDATED subscription delivers it. lines: (variant, quantity, unit price)."""
    if lines is None:
        lines = [("UHJvZHVjdFZhcmlhbnQ6MQ==", 2, "20.00"), ("UHJvZHVjdFZhcmlhbnQ6Mg==", 1, "10.00")]
    subtotal = sum((Decimal(price) * qty for _, qty, price in lines), Decimal(0))
    money = lambda amount: {"amount": str(amount), "currency": currency}  # noqa: E731
    return {
        "id": checkout_id,
        "token": "b3c1a4d2-0000-4000-8000-000000000001",
        "email": email,
        "channel": {"slug": channel, "currencyCode": currency},
        "user": user,
        "voucherCode": voucher_code,
        "discount": money(0),
        "subtotalPrice": {"gross": money(subtotal)},
        "totalPrice": {"gross": money(subtotal)},
        "shippingPrice": {"gross": money(0)},
        "deliveryMethod": None,
        "lines": [
            {"id": f"line-{i}", "quantity": qty, "undiscountedUnitPrice": money(price), "metadata": [],
             "variant": {"id": variant, "sku": None, "name": "", "product": {
                 "id": f"product-{variant}", "name": "", "productType": {"id": "pt-1"}, "category": {"id": "cat-1"},
                 "collections": []}}}
            for i, (variant, qty, price) in enumerate(lines)
        ],
        "privateMetadata": [],
        "metadata": [{"key": k, "value": v} for k, v in (metadata or {}).items()],
    }


def order_payload(**kwargs: Any) -> payloads.Order:
    return payloads.Order.model_validate(order_data(**kwargs))


def order_data(
    *,
    order_id: str = "T3JkZXI6MQ==",
    number: str = "1001",
    voucher_code: str | None = "SUMMER10",
    discount: str = "5.00",
    email: str = "shopper@example.com",
    user: dict[str, Any] | None = None,
    status: str = "UNFULFILLED",
    checkout_id: str | None = "Q2hlY2tvdXQ6MQ==",
    currency: str = "USD",
) -> dict[str, Any]:
    money = lambda amount: {"amount": str(amount), "currency": currency}  # noqa: E731
    return {
        "id": order_id, "number": number, "status": status, "checkoutId": checkout_id,
        "channel": {"slug": CHANNEL, "currencyCode": currency}, "userEmail": email, "user": user,
        "voucherCode": voucher_code,
        "discounts": [{"id": "d1", "type": "VOUCHER", "valueType": "FIXED", "value": discount, "name": None,
                       "amount": money(discount)}] if voucher_code else [],
        "total": {"gross": money("45.00")}, "subtotal": {"gross": money("45.00")},
        "shippingPrice": {"gross": money(0)},
        "lines": [{"id": "ol-1", "quantity": 1, "variant": {"id": "UHJvZHVjdFZhcmlhbnQ6MQ==", "product": {
                       "id": "UHJvZHVjdDox"}}, "unitPrice": {"gross": money("45.00")},
                   "undiscountedUnitPrice": {"gross": money("50.00")}}],
        "privateMetadata": [],
    }


def checkout_event(*, principal: dict[str, Any] | None = None, issued_at: str = "2026-11-25T06:00:00+00:00",
                   **kwargs: Any) -> payloads.CheckoutEvent:
    """A CHECKOUT_UPDATED event; kwargs as for `checkout_data`."""
    return payloads.CheckoutEvent.model_validate({
        "issuedAt": issued_at, "version": "3.23.28", "issuingPrincipal": principal, "checkout": checkout_data(**kwargs),
    })


def order_event(*, issued_at: str = "2026-11-25T06:00:00+00:00", **kwargs: Any) -> payloads.OrderEvent:
    """An ORDER_* event; kwargs as for `order_data`."""
    return payloads.OrderEvent.model_validate({
        "issuedAt": issued_at, "version": "3.23.28", "issuingPrincipal": None, "order": order_data(**kwargs),
    })

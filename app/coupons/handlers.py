"""Webhook handlers, called by the intake as `handler(*, installation, event)` inside the transaction that
records the delivery. Each is idempotent: a redelivered event has one effect."""

from __future__ import annotations

import logging
from decimal import Decimal

from app.coupons import services, writeback
from app.coupons.checkout import checkout_concerns_app, checkout_process
from app.coupons.models import CheckoutState, CheckoutVoucher, Code, KnownOrder
from app.engine import canonical_code
from app.saleor import payloads
from app.saleor.models import Installation

log = logging.getLogger("app.coupons.handlers")


def _from_app(installation: Installation, event: payloads.Event) -> bool:
    return event.issued_by_app(installation.app_id)


def checkout_wanted(*, installation: Installation, event: payloads.CheckoutEvent) -> bool:
    """Asked by the intake before any write: False for a checkout the app has nothing to do with (no code, never
    seen, no automatic coupon), which Saleor sends on every change of every checkout. One indexed read at most."""
    if event.checkout is None or _from_app(installation, event):
        return False
    return checkout_concerns_app(installation, event.checkout)


def on_checkout_changed(*, installation: Installation, event: payloads.CheckoutEvent) -> None:
    """CHECKOUT_CREATED / CHECKOUT_UPDATED: evaluate, log attempts, enforce what Saleor cannot."""
    if event.checkout is None or _from_app(installation, event):
        return
    checkout_process(installation=installation, checkout=event.checkout, issued_at=event.issued_at)


def _voucher_amount(order: payloads.Order) -> Decimal:
    """What the order's voucher took off (Saleor's VOUCHER discounts; else undiscounted - discounted)."""
    vouchers = [d.amount.amount for d in order.discounts if d.type.upper() == "VOUCHER"]
    if vouchers:
        return sum(vouchers, Decimal(0))
    undiscounted = sum((line.undiscounted_unit_price.amount * line.quantity for line in order.lines), Decimal(0))
    discounted = sum((line.unit_price.amount * line.quantity for line in order.lines), Decimal(0))
    return max(undiscounted - discounted, Decimal(0))


def _remember_order(installation: Installation, order: payloads.Order) -> None:
    email = (order.user.email if order.user and order.user.email else order.user_email) or ""
    KnownOrder.objects.get_or_create(
        installation=installation, order_id=order.id,
        defaults={"number": order.number, "checkout_id": order.checkout_id or "",
                  "customer_id": order.user.id if order.user else "", "customer_email": email.lower(),
                  "voucher_code": order.voucher_code or ""},
    )


def _record(installation: Installation, order: payloads.Order) -> int:
    """Record the order's redemptions (once per order and coupon); returns how many rows exist for it."""
    if not order.voucher_code:
        return 0
    code = canonical_code(order.voucher_code)
    email = (order.user.email if order.user and order.user.email else order.user_email) or ""
    customer_id = order.user.id if order.user else ""
    common = {"installation": installation, "order_id": order.id, "order_number": order.number,
              "customer_id": customer_id, "customer_email": email, "currency": order.channel.currency_code,
              "checkout_id": order.checkout_id or "", "order_code": code}
    recorded = 0
    if code.startswith(writeback.APP_CODE_PREFIX):
        cv = CheckoutVoucher.objects.filter(installation=installation, code=code).first()
        if cv is None:
            return 0
        codes = {c.code: c for c in Code.objects.select_related("coupon").filter(
            installation=installation, code__in=[s["code"] for s in cv.sources if s["code"]])}
        from app.coupons.models import Coupon

        coupons = {c.pk: c for c in Coupon.objects.filter(pk__in=[s["coupon_id"] for s in cv.sources])}
        for source in sorted(cv.sources, key=lambda s: s["coupon_id"]):
            coupon = coupons.get(source["coupon_id"])
            if coupon is None:
                continue
            row = services.redemption_record(coupon=coupon, code=codes.get(source["code"]),
                                             amount=Decimal(source["amount"]), **common)
            recorded += row is not None
        return recorded
    row_code = Code.objects.select_related("coupon").filter(installation=installation, code=code).first()
    if row_code is None:
        return 0
    row = services.redemption_record(coupon=row_code.coupon, code=row_code, amount=_voucher_amount(order), **common)
    return int(row is not None)


def on_order_created(*, installation: Installation, event: payloads.OrderEvent) -> None:
    """ORDER_CREATED: remember the order (first-order rules), record its redemptions, and retire the
    checkout's app vouchers (Saleor has no CHECKOUT_DELETED)."""
    order = event.order
    if order is None:
        return
    _remember_order(installation, order)
    _record(installation, order)
    if order.checkout_id:
        writeback.checkout_vouchers_retire(installation=installation, checkout_id=order.checkout_id)
        CheckoutState.objects.filter(installation=installation, checkout_id=order.checkout_id).delete()


def on_order_paid(*, installation: Installation, event: payloads.OrderEvent) -> None:
    """ORDER_PAID / ORDER_FULLY_PAID: record the redemptions if ORDER_CREATED did not (once)."""
    order = event.order
    if order is None:
        return
    _remember_order(installation, order)
    _record(installation, order)


def on_order_released(*, installation: Installation, event: payloads.OrderEvent) -> None:
    """ORDER_CANCELLED / ORDER_REFUNDED / ORDER_FULLY_REFUNDED: the uses count no more.

    Any refund releases the order's redemptions (a partial refund too: the merchant gave money back on an
    order that used the coupon; they can see it in the usage list). Cancelled orders stop counting for
    "first order only"."""
    order = event.order
    if order is None:
        return
    cancelled = order.status.upper() in {"CANCELED", "CANCELLED"}
    if cancelled:
        KnownOrder.objects.filter(installation=installation, order_id=order.id).update(is_cancelled=True)
    services.redemption_release(installation=installation, order_id=order.id,
                                reason="cancelled" if cancelled else "refunded")


def on_customer_changed(*, installation: Installation, event: payloads.CustomerEvent) -> None:
    """CUSTOMER_CREATED / UPDATED: link the user id to its e-mail (codes may be assigned to either)."""
    if event.user is None:
        return
    services.customer_remember(installation=installation, user_id=event.user.id, email=event.user.email)

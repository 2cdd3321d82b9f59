"""Payload models: Decimal money, TaxedMoney → gross, metadata as dicts, impossible bodies refused."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from app.saleor.payloads import AppDeletedEvent, CheckoutEvent, OrderEvent
from tests.saleor.support import checkout_payload


def order_payload() -> dict:
    usd = lambda amount: {"amount": amount, "currency": "EUR"}  # noqa: E731
    return {
        "issuedAt": "2026-11-25T04:00:00+00:00", "version": "3.23.28", "issuingPrincipal": None,
        "order": {
            "id": "T3JkZXI6MQ==", "number": "17", "status": "UNCONFIRMED", "checkoutId": "Q2hlY2tvdXQ6MQ==",
            "channel": {"slug": "eu", "currencyCode": "EUR"}, "userEmail": "a@example.com", "user": None,
            "voucherCode": "WELCOME10",
            "discounts": [{"id": "RDox", "type": "VOUCHER", "valueType": "PERCENTAGE", "value": 10,
                           "name": "Welcome", "amount": usd(8.5)}],
            "total": {"gross": usd(76.5)}, "subtotal": {"gross": usd(76.5)}, "shippingPrice": {"gross": usd(0)},
            "lines": [
                {"id": "TDox", "quantity": 2, "variant": {"id": "VjoxMg==", "product": {"id": "UDo0"}},
                 "unitPrice": {"gross": usd(38.25)}, "undiscountedUnitPrice": {"gross": usd(42.5)}},
                {"id": "TDoy", "quantity": 1, "variant": None,
                 "unitPrice": {"gross": usd(0)}, "undiscountedUnitPrice": {"gross": usd(0)}},
            ],
            "privateMetadata": [],
        },
    }


def test_checkout_money_is_decimal_and_gross():
    # when
    event = CheckoutEvent.model_validate(checkout_payload())
    # then
    checkout = event.checkout
    assert checkout.total_price.amount == Decimal("43.99")
    assert checkout.total_price.currency == "USD"
    assert checkout.lines[0].undiscounted_unit_price.amount == Decimal("14.663")
    assert checkout.private_metadata == {"app.note": "x"}
    assert checkout.delivery_method is False
    assert checkout.lines[0].variant.product.product_type.id == "UHJvZHVjdFR5cGU6MQ=="


def test_checkout_with_delivery_method_says_so():
    # given
    body = checkout_payload()
    body["checkout"]["deliveryMethod"] = {"__typename": "ShippingMethod"}
    # when
    event = CheckoutEvent.model_validate(body)
    # then
    assert event.checkout.delivery_method is True


def test_deleted_checkout_arrives_as_none():
    # given
    body = checkout_payload()
    body["checkout"] = None
    # when
    event = CheckoutEvent.model_validate(body)
    # then
    assert event.checkout is None


def test_order_lines_flatten_variant_and_product():
    # when
    event = OrderEvent.model_validate(order_payload())
    # then
    first, deleted = event.order.lines
    assert (first.variant_id, first.product_id) == ("VjoxMg==", "UDo0")
    assert (deleted.variant_id, deleted.product_id) == (None, None)
    assert first.unit_price.amount == Decimal("38.25")
    assert event.order.discounts[0].amount.amount == Decimal("8.5")
    assert event.order.checkout_id == "Q2hlY2tvdXQ6MQ=="


@pytest.mark.parametrize(
    "mutate,problem",
    [
        (lambda b: b["checkout"]["channel"].update(currencyCode="XYZ"), "unknown currency"),
        (lambda b: b["checkout"]["totalPrice"]["gross"].update(currency="EUR"), "channel's currency is USD"),
        (lambda b: b["checkout"]["lines"][0]["undiscountedUnitPrice"].update(amount=-1), "greater than or equal"),
        (lambda b: b["checkout"]["lines"][0].update(quantity=0), "greater than or equal to 1"),
        (lambda b: b["checkout"]["totalPrice"].update(gross={"amount": "NaN", "currency": "USD"}), "finite"),
        (lambda b: b["checkout"].pop("privateMetadata"), "Field required"),
    ],
    ids=["unknown-currency", "mixed-currency", "negative-price", "zero-quantity", "nan", "missing-field"],
)
def test_impossible_checkout_is_refused(mutate, problem):
    # given
    body = checkout_payload()
    mutate(body)
    # when
    with pytest.raises(ValidationError) as refused:
        CheckoutEvent.model_validate(body)
    # then
    assert problem in str(refused.value)


def test_order_in_another_currency_than_its_channel_is_refused():
    # given
    body = order_payload()
    body["order"]["lines"][0]["unitPrice"]["gross"]["currency"] = "USD"
    # when / then
    with pytest.raises(ValidationError, match="lines.0.unitPrice is in USD"):
        OrderEvent.model_validate(body)


def test_app_deleted_carries_the_app_id():
    # when
    event = AppDeletedEvent.model_validate(
        {"issuedAt": None, "version": "3.23.28", "issuingPrincipal": {"__typename": "User", "id": "VXNlcjox"},
         "app": {"id": "QXBwOjQy"}})
    # then
    assert event.app.id == "QXBwOjQy"
    assert not event.issued_by_app("QXBwOjQy")

"""The app's own subscription documents (webhooks/*.graphql, with their imported fragments, as the manifest
serves them) run on the stand-in without errors, so the payloads other tests receive are complete."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.saleor import documents

ROOT = Path(__file__).resolve().parents[2]
SUBSCRIPTIONS = sorted((ROOT / "webhooks").glob("*.graphql"))


@pytest.mark.skipif(not SUBSCRIPTIONS, reason="the app has no webhooks/*.graphql yet")
def test_every_app_subscription_yields_a_complete_payload(saleor_standin, receiver):
    # given
    standin = saleor_standin
    webhooks = [
        {"name": path.stem, "targetUrl": f"{receiver.url}/{path.stem}",
         "query": documents.load(f"webhooks/{path.name}"), "asyncEvents": [path.stem.upper()]}
        for path in SUBSCRIPTIONS
    ]
    standin.create_app(webhooks=webhooks, permissions=[
        "MANAGE_CHECKOUTS", "MANAGE_ORDERS", "MANAGE_DISCOUNTS", "MANAGE_GIFT_CARD", "MANAGE_USERS",
    ])
    variant = standin.catalog.add_product(name="Tee", price="20.00", category="Shirts", collections=["Summer"])
    standin.staff.create_voucher(codes=["TEN"], value="10")

    # when: a whole life, touching every event
    customer = standin.staff.create_customer("ann@example.com", first_name="Ann")
    standin.staff.update_customer(customer["id"], lastName="Lee")
    checkout = standin.storefront.checkout_create(lines=[(variant, 2)], email="ann@example.com")
    standin.storefront.add_promo_code(checkout["id"], "TEN")
    paid_order = standin.storefront.complete(checkout["id"])
    standin.staff.mark_paid(paid_order["id"])
    standin.staff.refund(paid_order["id"])
    other = standin.storefront.checkout_create(lines=[(variant, 1)])
    cancelled = standin.storefront.complete(other["id"])
    standin.staff.cancel(cancelled["id"])
    standin.uninstall()

    # then
    assert standin.payload_errors == []
    delivered = {d.event for d in standin.deliveries if d.ok}
    assert delivered == {path.stem.upper() for path in SUBSCRIPTIONS}
    (order_created,) = [d for d in standin.deliveries if d.event == "ORDER_CREATED" and
                        d.body["order"]["voucherCode"] == "TEN"]
    assert order_created.body["order"]["checkoutId"] == checkout["id"]
    assert order_created.body["order"]["discounts"][0]["type"] == "VOUCHER"

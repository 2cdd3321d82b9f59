"""Webhooks sent by the stand-in to the running app (installed through the real flow): the subscriptions
execute against Saleor's schema, the bodies parse, the signatures verify, rotation and redelivery hold."""

from __future__ import annotations

import json

import pytest

from app.core.models import Job
from app.saleor import documents
from app.saleor.models import Installation, WebhookDelivery
from tests.saleor.support import EFFECT_KIND

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def recorded_checkout_webhook(installed_app, saleor_standin, live_server, test_webhooks):
    """The app's checkout_updated subscription, delivered to the test definition that records effects."""
    saleor_standin.add_webhook(
        saleor_standin.app, name="test-checkout-updated",
        target_url=f"{live_server.url}/api/webhooks/test-checkout-updated",
        query=documents.load("webhooks/checkout_updated.graphql"), events=["CHECKOUT_UPDATED"],
    )
    return installed_app


def checkout_with_line(saleor_standin) -> dict:
    variant = saleor_standin.catalog.add_product(name="Monospace Tee", price="14.50", category="Shirts",
                                                 collections=["Summer"])
    checkout = saleor_standin.storefront.checkout_create(lines=[(variant, 1)])
    return saleor_standin.storefront.lines_add(checkout["id"], [(variant, 2)])


def test_checkout_updated_from_saleor_reaches_the_handler_once(saleor_standin, recorded_checkout_webhook):
    # given
    checkout_with_line(saleor_standin)
    (delivery,) = [d for d in saleor_standin.deliveries_for("CHECKOUT_UPDATED")
                   if d.webhook_name == "test-checkout-updated"]
    # when: Saleor delivers the same request again
    again = saleor_standin.redeliver(delivery)
    # then
    assert delivery.status == 200, delivery.response_body
    assert json.loads(again.response_body) == {"duplicate": True}
    assert Job.objects.filter(kind=EFFECT_KIND).count() == 1
    assert saleor_standin.payload_errors == []


def test_checkout_body_from_saleor_parses_with_decimal_money(saleor_standin, recorded_checkout_webhook):
    # given
    from app.saleor.payloads import CheckoutEvent

    checkout_with_line(saleor_standin)
    (delivery,) = [d for d in saleor_standin.deliveries_for("CHECKOUT_UPDATED")
                   if d.webhook_name == "test-checkout-updated"]
    # when
    event = CheckoutEvent.model_validate_json(delivery.raw_body)
    # then
    line = event.checkout.lines[0]
    assert line.quantity == 3
    assert str(line.undiscounted_unit_price.amount) in {"14.5", "14.50"}
    assert line.variant.product.category is not None
    assert [c.id for c in line.variant.product.collections]


def test_rotated_key_webhook_is_accepted_and_the_new_jwks_stored(saleor_standin, installed_app):
    # given
    new_kid = saleor_standin.rotate_key()
    # when: Saleor deletes the app; APP_DELETED is signed with the new key
    saleor_standin.uninstall()
    # then
    (delivery,) = saleor_standin.deliveries_for("APP_DELETED")
    assert delivery.status == 200, delivery.response_body
    installation = Installation.objects.get(pk=installed_app.pk)
    assert installation.jwks["keys"][0]["kid"] == new_kid
    assert (installation.is_active, installation.auth_token) == (False, "")


def test_webhook_signed_with_a_foreign_key_gets_401(saleor_standin, installed_app, live_server):
    # given
    import requests

    body = json.dumps({"issuedAt": "2026-11-25T05:00:00+00:00", "version": "3.23.28",
                       "issuingPrincipal": None, "app": {"id": installed_app.app_id}}).encode()
    headers = saleor_standin.signed_headers("APP_DELETED", body, signing_key=saleor_standin.foreign_key())
    # when
    response = requests.post(f"{live_server.url}/api/webhooks/app-deleted", data=body, headers=headers,
                             allow_redirects=False, timeout=10)
    # then
    assert response.status_code == 401
    assert Installation.objects.get(pk=installed_app.pk).is_active
    assert not WebhookDelivery.objects.exists()


def test_concurrent_redeliveries_have_one_effect(live_server, installation, key_a, test_webhooks):
    # given: the same signed request twice at the same time (Saleor retrying while the first still runs)
    import threading

    import requests

    from tests.saleor.support import checkout_payload

    body = json.dumps(checkout_payload()).encode()
    headers = {"Content-Type": "application/json", "Saleor-Event": "checkout_updated",
               "Saleor-Api-Url": installation.saleor_api_url, "Saleor-Signature": key_a.sign(body)}
    answers: list[requests.Response] = []

    def deliver() -> None:
        answers.append(requests.post(f"{live_server.url}/api/webhooks/test-slow", data=body, headers=headers,
                                     timeout=30))

    # when
    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then
    assert sorted(a.status_code for a in answers) == [200, 200]
    assert sorted(json.dumps(a.json()) for a in answers) == ['{"duplicate": true}', '{"ok": true}']
    assert Job.objects.filter(kind=EFFECT_KIND).count() == 1
    assert WebhookDelivery.objects.count() == 1


def test_checkout_the_app_has_nothing_to_do_with_is_answered_without_writing(saleor_standin, installed_app):
    # given: no coupon at all; a shopper's checkout changes
    checkout_with_line(saleor_standin)
    # then: Saleor's deliveries to the app's own checkout webhook succeeded, and nothing was written
    deliveries = [d for d in saleor_standin.deliveries_for("CHECKOUT_UPDATED")
                  if d.url.endswith("/api/webhooks/checkout-updated")]
    assert deliveries and all(d.status == 200 for d in deliveries)
    assert {json.dumps(json.loads(d.response_body)) for d in deliveries} == {'{"ignored": "nothing to do"}'}
    assert not WebhookDelivery.objects.filter(installation=installed_app).exists()


def test_checkout_with_a_code_is_recorded_and_handled_once(saleor_standin, installed_app):
    # given: a code the shopper types in Saleor (not one of the app's: the app still looks at it)
    variant = saleor_standin.catalog.add_product(name="Mug", price="9.00")
    saleor_standin.staff.create_voucher(codes=["SALEOR5"], value="5")
    checkout = saleor_standin.storefront.checkout_create(lines=[(variant, 2)])
    # when
    saleor_standin.storefront.add_promo_code(checkout["id"], "SALEOR5")
    (delivery,) = [d for d in saleor_standin.deliveries_for("CHECKOUT_UPDATED")
                   if d.url.endswith("/api/webhooks/checkout-updated") and
                   json.loads(d.raw_body)["checkout"]["voucherCode"] == "SALEOR5"]
    again = saleor_standin.redeliver(delivery)
    # then: recorded once, the redelivery is a duplicate
    assert json.loads(delivery.response_body) == {"ok": True}
    assert json.loads(again.response_body) == {"duplicate": True}
    assert WebhookDelivery.objects.filter(installation=installed_app, event="CHECKOUT_UPDATED").count() == 1

"""Webhook delivery, install flow, and Saleor being down."""

from __future__ import annotations

import jwt
import pytest
import requests

from tests.saleor_standin.server import InstallRefused, satisfies

CHECKOUT_SUBSCRIPTION = """
subscription {
  event {
    __typename issuedAt
    issuingPrincipal { __typename ... on App { id name } ... on User { id email } }
    ... on CheckoutUpdated { checkout { id voucherCode metadata { key value } totalPrice { gross { amount } } } }
    ... on CheckoutCreated { checkout { id } }
  }
}
"""
ORDER_SUBSCRIPTION = """
subscription { event { __typename ... on OrderCreated { order { id checkoutId voucherCode status } } } }
"""


def _app_with_webhook(standin, receiver, query=CHECKOUT_SUBSCRIPTION, events=None):
    return standin.create_app(
        name="Coupons",
        webhooks=[{"name": "hook", "targetUrl": f"{receiver.url}/hook", "query": query, "asyncEvents": events}],
    )


def test_app_metadata_update_fires_checkout_updated_with_the_app_as_principal(saleor_standin, receiver):
    # given
    app, token = _app_with_webhook(saleor_standin, receiver, events=["CHECKOUT_UPDATED"])
    variant = saleor_standin.catalog.add_product(name="Tee", price="10.00")
    checkout = saleor_standin.storefront.checkout_create(lines=[(variant, 1)])

    # when
    answer = saleor_standin.graphql(
        """mutation M($id: ID!) { updateMetadata(id: $id, input: [{key: "coupons", value: "x"}]) {
             errors { code } } }""",
        {"id": checkout["id"]},
        token=token,
    )

    # then
    assert answer["data"]["updateMetadata"]["errors"] == []
    (hook,) = receiver.posts("/hook")
    assert hook.headers["Saleor-Event"] == "checkout_updated"
    assert hook.json["issuingPrincipal"] == {"__typename": "App", "id": app.global_id, "name": "Coupons"}
    assert hook.json["checkout"]["metadata"] == [{"key": "coupons", "value": "x"}]
    key = jwt.PyJWK(requests.get(saleor_standin.jwks_url, timeout=5).json()["keys"][0]).key
    jwt.api_jws.decode(hook.headers["Saleor-Signature"], key, algorithms=["RS256"], detached_payload=hook.body)


def test_events_come_from_the_subscription_when_the_manifest_lists_none(saleor_standin, receiver):
    # given
    _app_with_webhook(saleor_standin, receiver)
    variant = saleor_standin.catalog.add_product(name="Tee", price="10.00")

    # when
    checkout = saleor_standin.storefront.checkout_create(lines=[(variant, 1)])
    saleor_standin.storefront.lines_add(checkout["id"], [(variant, 1)])

    # then
    assert [d.event for d in saleor_standin.deliveries] == ["CHECKOUT_CREATED", "CHECKOUT_UPDATED"]
    created, updated = (r.json for r in receiver.posts("/hook"))
    assert created["__typename"] == "CheckoutCreated" and created["issuingPrincipal"] is None
    assert updated["checkout"]["totalPrice"]["gross"]["amount"] == 20.0


def test_body_is_serialised_like_saleor(saleor_standin, receiver):
    # given
    _app_with_webhook(saleor_standin, receiver)
    variant = saleor_standin.catalog.add_product(name="Tee", price="10.00")

    # when
    saleor_standin.storefront.checkout_create(lines=[(variant, 1)])

    # then
    raw = saleor_standin.deliveries[0].raw_body.decode()
    assert raw.startswith('{"__typename": "CheckoutCreated", "issuedAt": "')
    assert receiver.posts("/hook")[0].headers["Host"] == "127.0.0.1"


def test_staff_action_carries_a_user_principal_and_order_created_names_the_checkout(saleor_standin, receiver):
    # given
    _app_with_webhook(saleor_standin, receiver, query=ORDER_SUBSCRIPTION)
    saleor_standin.add_webhook(saleor_standin.app, target_url=f"{receiver.url}/paid", events=["ORDER_PAID"],
                               query="subscription { event { issuingPrincipal { __typename } } }")
    variant = saleor_standin.catalog.add_product(name="Tee", price="10.00")
    checkout = saleor_standin.storefront.checkout_create(lines=[(variant, 1)])

    # when
    order = saleor_standin.storefront.complete(checkout["id"])
    saleor_standin.staff.mark_paid(order["id"])

    # then
    (created,) = receiver.posts("/hook")
    assert created.json["order"] == {"id": order["id"], "checkoutId": checkout["id"], "voucherCode": None,
                                     "status": "UNCONFIRMED"}
    (paid,) = receiver.posts("/paid")
    assert paid.json == {"issuingPrincipal": {"__typename": "User"}}


def test_redeliver_sends_the_identical_request(saleor_standin, receiver):
    # given
    _app_with_webhook(saleor_standin, receiver)
    variant = saleor_standin.catalog.add_product(name="Tee", price="10.00")
    saleor_standin.storefront.checkout_create(lines=[(variant, 1)])

    # when
    again = saleor_standin.redeliver(saleor_standin.deliveries[0])

    # then
    first, second = receiver.posts("/hook")
    assert again.ok
    assert first.body == second.body
    assert first.headers["Saleor-Signature"] == second.headers["Saleor-Signature"]


def test_failed_deliveries_are_retried_but_4xx_are_not(saleor_standin, receiver):
    # given
    _app_with_webhook(saleor_standin, receiver)
    variant = saleor_standin.catalog.add_product(name="Tee", price="10.00")
    receiver.status = 503
    saleor_standin.storefront.checkout_create(lines=[(variant, 1)])
    receiver.status = 400
    saleor_standin.storefront.checkout_create(lines=[(variant, 1)])
    receiver.status = 200

    # when
    resent = saleor_standin.retry_failed_deliveries()

    # then
    assert [d.status for d in resent] == [200]
    assert resent[0].raw_body == saleor_standin.deliveries[0].raw_body


def test_restart_on_the_same_port_keeps_the_state(saleor_standin):
    # given
    variant = saleor_standin.catalog.add_product(name="Tee", price="10.00")
    checkout = saleor_standin.storefront.checkout_create(lines=[(variant, 1)])
    port = saleor_standin.port

    # when
    saleor_standin.go_down()
    with pytest.raises(requests.ConnectionError):
        requests.post(saleor_standin.api_url, json={"query": "{ channels { slug } }"}, timeout=2)
    saleor_standin.come_back()

    # then
    assert saleor_standin.port == port
    assert saleor_standin.storefront.checkout(checkout["id"])["id"] == checkout["id"]


def test_fail_with_500_then_recover(saleor_standin):
    # given
    saleor_standin.fail_with(500)

    # when
    failing = requests.post(saleor_standin.api_url, json={"query": "{ channels { slug } }"}, timeout=2)
    saleor_standin.recover()
    working = requests.post(saleor_standin.api_url, json={"query": "{ channels { slug } }"}, timeout=2)

    # then
    assert failing.status_code == 500
    assert working.status_code == 200


def test_fail_with_timeout_hangs_longer_than_the_client_waits(saleor_standin):
    # given
    saleor_standin.fail_with("timeout", seconds=5)

    # when / then
    with pytest.raises(requests.Timeout):
        requests.post(saleor_standin.api_url, json={"query": "{ channels { slug } }"}, timeout=0.3)
    saleor_standin.recover()
    assert requests.get(saleor_standin.jwks_url, timeout=2).status_code == 200


# --- install flow against a throwaway app -------------------------------------------------------------


def _manifest(receiver, **overrides):
    manifest = {
        "id": "throwaway.app", "name": "Throwaway", "version": "1.0.0",
        "permissions": ["MANAGE_CHECKOUTS", "MANAGE_DISCOUNTS"],
        "tokenTargetUrl": f"{receiver.url}/api/register", "appUrl": f"{receiver.url}/dashboard",
        "requiredSaleorVersion": ">=3.20",
        "webhooks": [{"name": "checkout-updated", "targetUrl": f"{receiver.url}/hook", "isActive": True,
                      "query": CHECKOUT_SUBSCRIPTION, "asyncEvents": ["CHECKOUT_UPDATED"]}],
    }
    manifest.update(overrides)
    return manifest


def test_install_posts_the_token_with_saleor_headers(saleor_standin, receiver):
    # given
    receiver.manifest = _manifest(receiver)

    # when
    app = saleor_standin.install(receiver.url)

    # then
    manifest_get = receiver.received[0]
    assert (manifest_get.method, manifest_get.path) == ("GET", "/api/manifest")
    assert manifest_get.headers["Saleor-Schema-Version"] == "3.23"
    (register,) = receiver.posts("/api/register")
    assert register.headers["Saleor-Api-Url"] == saleor_standin.api_url
    assert register.headers["Saleor-Domain"] == saleor_standin.domain
    assert register.headers["Host"] == "127.0.0.1"
    token = register.json["auth_token"]
    answer = saleor_standin.graphql("{ app { id permissions { code } } }", token=token)
    assert answer["data"]["app"]["id"] == app.global_id
    assert app.webhooks[0].events == ["CHECKOUT_UPDATED"]


@pytest.mark.parametrize(
    ("status", "redirect"),
    [pytest.param(403, False, id="refused-403"), pytest.param(301, True, id="redirect")],
)
def test_refused_install_deletes_the_app(saleor_standin, receiver, status, redirect):
    # given
    receiver.manifest = _manifest(receiver)
    receiver.status = status
    receiver.redirect_register = redirect
    receiver.answer = {"error": {"code": "SALEOR_URL_PROHIBITED", "message": "no"}}

    # when
    with pytest.raises(InstallRefused) as refused:
        saleor_standin.install(receiver.url)

    # then
    assert refused.value.status == status
    assert refused.value.step == "register"
    assert saleor_standin.app is None
    token = receiver.posts("/api/register")[0].json["auth_token"]
    assert requests.post(saleor_standin.api_url, json={"query": "{ app { id } }"},
                         headers={"Authorization": f"Bearer {token}"}, timeout=2).status_code == 401
    if not redirect:
        assert refused.value.body == {"error": {"code": "SALEOR_URL_PROHIBITED", "message": "no"}}


def test_install_refuses_an_unsupported_saleor_version(saleor_standin, receiver):
    # given
    receiver.manifest = _manifest(receiver, requiredSaleorVersion=">=4.0")

    # when
    with pytest.raises(InstallRefused) as refused:
        saleor_standin.install(receiver.url)

    # then
    assert refused.value.step == "manifest"
    assert receiver.posts("/api/register") == []


def test_install_refuses_an_invalid_subscription_document(saleor_standin, receiver):
    # given
    broken = "subscription { event { ... on CheckoutUpdated { checkout { nope } } } }"
    receiver.manifest = _manifest(receiver, webhooks=[{"name": "w", "targetUrl": "/hook", "query": broken}])

    # when
    with pytest.raises(ValueError, match="invalid subscription query"):
        saleor_standin.install(receiver.url)

    # then
    assert saleor_standin.invalid_documents[0].source == "webhook"
    saleor_standin.invalid_documents.clear()


def test_uninstall_sends_app_deleted_then_the_token_stops_working(saleor_standin, receiver):
    # given
    receiver.manifest = _manifest(receiver, webhooks=[{
        "name": "app-deleted", "targetUrl": f"{receiver.url}/deleted", "asyncEvents": ["APP_DELETED"],
        "query": "subscription { event { ... on AppDeleted { app { id } } } }",
    }])
    app = saleor_standin.install(receiver.url)
    token = receiver.posts("/api/register")[0].json["auth_token"]

    # when
    saleor_standin.uninstall()

    # then
    (deleted,) = receiver.posts("/deleted")
    assert deleted.json == {"app": {"id": app.global_id}}
    assert deleted.headers["Saleor-Event"] == "app_deleted"
    response = requests.post(saleor_standin.api_url, json={"query": "{ app { id } }"},
                             headers={"Authorization": f"Bearer {token}"}, timeout=2)
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("requirement", "expected"),
    [
        pytest.param(">=3.20", True, id="gte"),
        pytest.param("^3.20", True, id="caret"),
        pytest.param(">=3.20 <4", True, id="range"),
        pytest.param("^3.24 || ^4", False, id="alternatives-miss"),
        pytest.param("3.x", True, id="x-range"),
        pytest.param("<3.23", False, id="lt"),
    ],
)
def test_required_saleor_version_ranges(requirement, expected):
    assert satisfies("3.23.28", requirement) is expected


def test_after_response_mode_answers_first_and_flush_waits_for_the_webhooks(saleor_standin, receiver):
    # given
    _app_with_webhook(saleor_standin, receiver)
    saleor_standin.delivery_mode = "after_response"
    variant = saleor_standin.catalog.add_product(name="Tee", price="10.00")

    # when
    saleor_standin.storefront.checkout_create(lines=[(variant, 1)])
    saleor_standin.flush_deliveries()

    # then
    assert [d.event for d in saleor_standin.deliveries] == ["CHECKOUT_CREATED"]
    assert len(receiver.posts("/hook")) == 1

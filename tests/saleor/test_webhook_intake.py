"""POST /api/webhooks/<name>: signature, installation, event, payload, own events, idempotency."""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.models import Job
from app.saleor.models import Installation, WebhookDelivery
from tests.saleor.conftest import APP_ID
from tests.saleor.support import EFFECT_KIND, checkout_payload


def effects() -> int:
    return Job.objects.filter(kind=EFFECT_KIND).count()


def nothing_written() -> bool:
    return WebhookDelivery.objects.count() == 0 and Job.objects.count() == 0


def test_signed_webhook_calls_the_handler_once(post_webhook):
    # when
    response = post_webhook(checkout_payload())
    # then
    assert response.status_code == 200
    assert response.json() == {"ok": True}
    assert "handler;dur=" in response["Server-Timing"]
    assert effects() == 1
    assert WebhookDelivery.objects.count() == 1


def test_redelivery_has_one_effect(post_webhook):
    # given
    body = json.dumps(checkout_payload()).encode()
    post_webhook(body)
    # when: Saleor delivers the same body again (its retry after a lost answer)
    again = post_webhook(body)
    # then
    assert again.status_code == 200
    assert again.json() == {"duplicate": True}
    assert effects() == 1
    assert WebhookDelivery.objects.count() == 1


def test_distinct_events_each_have_an_effect(post_webhook):
    # when
    post_webhook(checkout_payload(issued_at="2026-11-25T03:59:47+00:00"))
    post_webhook(checkout_payload(issued_at="2026-11-25T03:59:48+00:00"))
    # then
    assert effects() == 2


@pytest.mark.parametrize(
    "kwargs,code",
    [
        ({"signature": ""}, "SIGNATURE_VERIFICATION_FAILED"),
        ({"signature": "garbage"}, "SIGNATURE_VERIFICATION_FAILED"),
        ({"api_url": "http://127.0.0.1:1/graphql/"}, "NOT_REGISTERED"),
    ],
    ids=["unsigned", "garbage-signature", "unknown-saleor"],
)
def test_unsigned_or_unknown_sender_gets_401_and_nothing_written(post_webhook, kwargs, code):
    # when
    response = post_webhook(checkout_payload(), **kwargs)
    # then
    assert response.status_code == 401
    assert response.json()["error"]["code"] == code
    assert nothing_written()


def test_body_altered_after_signing_gets_401(post_webhook, key_a):
    # given
    signature = key_a.sign(json.dumps(checkout_payload()).encode())
    altered = checkout_payload()
    altered["checkout"]["totalPrice"]["gross"]["amount"] = 0.01
    # when
    response = post_webhook(altered, signature=signature)
    # then
    assert response.status_code == 401
    assert nothing_written()


def test_signature_by_wrong_key_gets_401(post_webhook, key_b):
    # when
    response = post_webhook(checkout_payload(), key=key_b)
    # then
    assert response.status_code == 401
    assert nothing_written()


def test_rotated_key_is_accepted(post_webhook, jwks_server, key_b, installation):
    # given: Saleor rotated its key
    jwks_server.jwks = key_b.jwks
    # when
    response = post_webhook(checkout_payload(), key=key_b)
    # then
    assert response.status_code == 200
    installation.refresh_from_db()
    assert installation.jwks == key_b.jwks


def test_unknown_key_while_jwks_unreachable_gets_503_so_saleor_retries(post_webhook, jwks_server, key_b):
    # given
    jwks_server.status = 500
    # when
    response = post_webhook(checkout_payload(), key=key_b)
    # then
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "JWKS_NOT_AVAILABLE"
    assert nothing_written()


def test_uninstalled_installation_gets_401(post_webhook, installation):
    # given
    Installation.objects.filter(pk=installation.pk).update(is_active=False, auth_token="")
    # when
    response = post_webhook(checkout_payload())
    # then
    assert response.status_code == 401
    assert nothing_written()


@pytest.mark.parametrize("event", [None, "order_created", "checkout_created"], ids=["missing", "other", "near"])
def test_wrong_saleor_event_header_gets_400(post_webhook, event):
    # when
    response = post_webhook(checkout_payload(), event=event)
    # then
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "WRONG_EVENT"
    assert nothing_written()


def test_event_caused_by_this_app_is_ignored(post_webhook):
    # when
    response = post_webhook(checkout_payload(principal={"__typename": "App", "id": APP_ID}))
    # then
    assert response.status_code == 200
    assert response.json() == {"ignored": "own event"}
    assert nothing_written()


@pytest.mark.parametrize(
    "principal",
    [{"__typename": "App", "id": "QXBwOjk5"}, {"__typename": "User", "id": "VXNlcjox"}, None],
    ids=["other-app", "staff-user", "anonymous-shopper"],
)
def test_events_of_others_reach_the_handler(post_webhook, principal):
    # when
    response = post_webhook(checkout_payload(principal=principal))
    # then
    assert response.status_code == 200
    assert effects() == 1


def test_handler_failure_rolls_back_and_answers_5xx_so_saleor_retries(post_webhook):
    # when
    response = post_webhook(checkout_payload(), name="test-failing")
    # then
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "HANDLER_FAILED"
    assert nothing_written()


def test_unknown_webhook_name_gets_json_404(post_webhook):
    # when
    response = post_webhook(checkout_payload(), name="no-such-hook")
    # then
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "UNKNOWN_WEBHOOK"


def test_trailing_slash_is_not_redirected(client, installation):
    # when
    response = client.post("/api/webhooks/checkout-updated/", data=b"{}", content_type="application/json")
    # then
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_payload_error_names_the_field(post_webhook):
    # given
    body = checkout_payload()
    body["checkout"]["lines"][0]["quantity"] = "three"
    # when
    response = post_webhook(body)
    # then
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "INVALID_PAYLOAD"
    assert error["errors"][0]["field"] == "checkout.lines.0.quantity"
    assert "integer" in error["errors"][0]["problem"]
    assert nothing_written()


# --- malformed bodies, generated ------------------------------------------------------------------
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
not_an_object = json_values.filter(lambda v: not isinstance(v, dict))
wrong_for_text = st.one_of(st.integers(), st.booleans(), st.lists(st.integers(), max_size=2),
                           st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))
wrong_for_amount = st.one_of(st.text(alphabet="abcxyz", min_size=1, max_size=5), st.floats(max_value=-0.01),
                             st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=3), st.integers()),
                             st.none())
wrong_for_quantity = st.one_of(st.integers(max_value=0), st.text(alphabet="abc", min_size=1, max_size=4),
                               st.floats(min_value=0.1, max_value=9.9).filter(lambda f: f != int(f)), st.none(),
                               st.lists(st.integers(), max_size=2))
wrong_for_currency = st.one_of(
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=0, max_size=5).filter(
        lambda c: c not in {"USD"}), st.integers(), st.none())

# (path into the body, strategy of values that are wrong there)
MUTATIONS = [
    (("checkout", "id"), wrong_for_text | st.none()),
    (("checkout", "token"), wrong_for_text | st.none()),
    (("checkout", "channel", "slug"), wrong_for_text | st.none() | st.just("")),
    (("checkout", "channel", "currencyCode"), wrong_for_currency),
    (("checkout", "totalPrice", "gross", "amount"), wrong_for_amount),
    (("checkout", "totalPrice", "gross", "currency"), wrong_for_currency),
    (("checkout", "subtotalPrice"), st.none() | st.integers() | st.just({"net": {"amount": 1, "currency": "USD"}})),
    (("checkout", "shippingPrice", "gross"), st.none() | wrong_for_text),
    (("checkout", "lines"), st.none() | st.integers() | st.text(max_size=3) | st.just({})),
    (("checkout", "lines", 0, "quantity"), wrong_for_quantity),
    (("checkout", "lines", 0, "undiscountedUnitPrice", "amount"), wrong_for_amount),
    (("checkout", "lines", 0, "undiscountedUnitPrice", "currency"), wrong_for_currency),
    (("checkout", "lines", 0, "variant"), st.none() | wrong_for_text),
    (("checkout", "lines", 0, "variant", "product", "productType"), st.none() | wrong_for_text),
    (("checkout", "privateMetadata"), st.integers() | st.just([{"key": "k"}]) | st.just([1, 2])),
    (("issuedAt",), st.text(alphabet="xyz", min_size=1, max_size=6) | st.lists(st.integers(), max_size=1)),
    (("issuingPrincipal",), st.just({"__typename": "Robot", "id": "x"}) | st.integers() | st.just({"id": "x"})),
    (("checkout",), st.integers() | st.text(max_size=4) | st.lists(st.integers(), max_size=2)),
]


@st.composite
def malformed_payloads(draw) -> bytes:
    kind = draw(st.sampled_from(["mutated", "missing", "not-an-object", "not-json"]))
    if kind == "not-an-object":
        return json.dumps(draw(not_an_object)).encode()
    if kind == "not-json":
        return draw(st.binary(min_size=0, max_size=40).filter(lambda b: not _is_json(b)))
    body = copy.deepcopy(checkout_payload())
    path, wrong = draw(st.sampled_from(MUTATIONS))
    parent = body
    for step in path[:-1]:
        parent = parent[step]
    if kind == "missing" and path[-1] not in {"issuedAt", "issuingPrincipal", "checkout"}:
        del parent[path[-1]]
    else:
        parent[path[-1]] = draw(wrong)
    return json.dumps(body).encode()


def _is_json(raw: bytes) -> bool:
    try:
        json.loads(raw)
    except ValueError:
        return False
    return True


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=malformed_payloads())
def test_malformed_signed_payload_gets_400_and_writes_nothing(post_webhook, raw):
    # when: correctly signed, so only the body is wrong
    response = post_webhook(raw)
    # then
    assert response.status_code == 400, (raw, response.content)
    error = response.json()["error"]
    assert error["code"] in {"INVALID_PAYLOAD", "INVALID_JSON"}
    assert error["message"]
    assert error["errors"] and all(e["field"] and e["problem"] for e in error["errors"])
    assert nothing_written()


def test_prune_forgets_only_old_delivery_records(post_webhook, installation):
    # given: one delivery from last month, one from now
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    post_webhook(checkout_payload(issued_at="2026-10-01T00:00:00+00:00"))
    WebhookDelivery.objects.update(received_at=timezone.now() - timedelta(days=30))
    post_webhook(checkout_payload(issued_at="2026-11-25T00:00:00+00:00"))
    # when
    call_command("prune_webhook_deliveries", "--days", "7")
    # then
    assert WebhookDelivery.objects.count() == 1
    assert WebhookDelivery.objects.get().received_at > timezone.now() - timedelta(days=1)

"""JWKS, webhook signatures and Dashboard JWTs, checked against the real Saleor samples' format."""

from __future__ import annotations

import base64
import json

import jwt
import pytest
import requests

from tests.saleor_standin.schema import SCHEMA_PATH

SAMPLES = SCHEMA_PATH.parent / "samples"


def _protected_header(signature: str) -> dict:
    encoded = signature.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))


def _served_key(standin):
    jwks = requests.get(standin.jwks_url, timeout=5).json()
    return jwt.PyJWK(jwks["keys"][0]).key


def test_signature_verifies_with_pyjwt_against_the_served_jwks(saleor_standin):
    # given
    raw_body = b'{"__typename": "CheckoutUpdated", "checkout": null}'

    # when
    signature = saleor_standin.sign(raw_body)

    # then
    decoded = jwt.api_jws.decode(signature, _served_key(saleor_standin), algorithms=["RS256"],
                                 detached_payload=raw_body)
    assert decoded == raw_body


def test_signature_fails_when_one_byte_of_the_body_changes(saleor_standin):
    # given
    raw_body = b'{"amount": 10.0}'
    signature = saleor_standin.sign(raw_body)

    # when / then
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.api_jws.decode(signature, _served_key(saleor_standin), algorithms=["RS256"],
                           detached_payload=b'{"amount": 11.0}')


def test_signature_has_the_form_and_header_of_the_real_samples(saleor_standin):
    # given
    sample = json.loads((SAMPLES / "checkout_updated.json").read_text())
    sample_signature = sample["headers"]["Saleor-Signature"]

    # when
    signature = saleor_standin.sign(sample["raw_body"].encode())

    # then
    assert signature.count(".") == 2 and signature.split(".")[1] == ""
    ours, theirs = _protected_header(signature), _protected_header(sample_signature)
    assert list(ours) == list(theirs)
    assert {k: v for k, v in ours.items() if k != "kid"} == {k: v for k, v in theirs.items() if k != "kid"}
    assert ours["kid"] == saleor_standin.kid


def test_jwks_has_the_shape_of_the_real_one(saleor_standin):
    # given
    sample = json.loads((SAMPLES / "jwks.json").read_text())

    # when
    served = requests.get(saleor_standin.jwks_url, timeout=5).json()

    # then
    assert len(served["keys"]) == 1
    assert set(served["keys"][0]) == set(sample["keys"][0])
    assert {k: served["keys"][0][k] for k in ("kty", "key_ops", "e", "use", "alg")} == {
        k: sample["keys"][0][k] for k in ("kty", "key_ops", "e", "use", "alg")
    }


def test_rotation_serves_only_the_new_key_with_a_new_kid(saleor_standin):
    # given
    old_kid = saleor_standin.kid
    old_signature = saleor_standin.sign(b"{}")

    # when
    new_kid = saleor_standin.rotate_key()

    # then
    served = requests.get(saleor_standin.jwks_url, timeout=5).json()
    assert new_kid != old_kid
    assert [key["kid"] for key in served["keys"]] == [new_kid]
    assert _protected_header(saleor_standin.sign(b"{}"))["kid"] == new_kid
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.api_jws.decode(old_signature, _served_key(saleor_standin), algorithms=["RS256"], detached_payload=b"{}")


def test_foreign_key_signature_does_not_verify(saleor_standin):
    # given
    raw_body = b"{}"

    # when
    signature = saleor_standin.sign(raw_body, signing_key=saleor_standin.foreign_key())

    # then
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.api_jws.decode(signature, _served_key(saleor_standin), algorithms=["RS256"], detached_payload=raw_body)


def test_jwks_unavailable_answers_500(saleor_standin):
    # given
    saleor_standin.jwks_unavailable = True

    # when
    response = requests.get(saleor_standin.jwks_url, timeout=5)

    # then
    assert response.status_code == 500


def test_signed_headers_are_named_as_saleor_sends_them(saleor_standin):
    # given
    sample = json.loads((SAMPLES / "order_created.json").read_text())
    raw_body = sample["raw_body"].encode()

    # when
    headers = saleor_standin.signed_headers("ORDER_CREATED", raw_body)

    # then
    assert headers["Saleor-Event"] == "order_created"
    assert headers["Saleor-Api-Url"] == saleor_standin.api_url
    assert headers["Saleor-Domain"] == saleor_standin.domain
    assert set(headers) <= set(sample["headers"])
    assert {"Saleor-Event", "Saleor-Domain", "Saleor-Signature", "Saleor-Api-Url"} <= set(headers)


def test_dashboard_jwt_carries_the_observed_claims(saleor_standin):
    # given
    app, _token = saleor_standin.create_app(permissions=["MANAGE_DISCOUNTS", "MANAGE_CHECKOUTS"])

    # when
    token = saleor_standin.issue_dashboard_jwt(user_permissions=("MANAGE_DISCOUNTS", "MANAGE_ORDERS"))

    # then
    assert jwt.get_unverified_header(token)["kid"] == saleor_standin.kid
    claims = jwt.decode(token, _served_key(saleor_standin), algorithms=["RS256"])
    assert claims["iss"] == saleor_standin.api_url
    assert claims["app"] == app.global_id
    assert claims["owner"] == "saleor" and claims["type"] == "thirdparty"
    assert claims["permissions"] == ["MANAGE_DISCOUNTS"]
    assert claims["user_permissions"] == ["MANAGE_DISCOUNTS", "MANAGE_ORDERS"]
    assert claims["exp"] - claims["iat"] == 300
    assert {"email", "user_id", "is_staff", "token"} <= set(claims)
    assert "aud" not in claims


def test_expired_dashboard_jwt_is_refused_by_pyjwt(saleor_standin):
    # given
    saleor_standin.create_app()

    # when
    token = saleor_standin.issue_dashboard_jwt(expires_in=-10)

    # then
    with pytest.raises(jwt.ExpiredSignatureError):
        jwt.decode(token, _served_key(saleor_standin), algorithms=["RS256"])


SAMPLE_FRAGMENTS = """
fragment CheckoutFields on Checkout {
  id token email created updatedAt channel { slug currencyCode }
  user { id email }
  voucherCode
  discount { amount currency }
  discountName
  totalPrice { gross { amount currency } }
  subtotalPrice { gross { amount currency } }
  lines { id quantity variant { id sku name product { id name } }
          totalPrice { gross { amount currency } } }
  metadata { key value }
}
fragment OrderFields on Order {
  id number created status channel { slug } userEmail user { id email }
  voucherCode
  discounts { id type valueType value name amount { amount currency } }
  total { gross { amount currency } }
  subtotal { gross { amount currency } }
  lines { id productSku productName quantity unitPrice { gross { amount currency } } }
  metadata { key value }
}
"""


def _shape(value):
    if isinstance(value, dict):
        return {key: _shape(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [_shape(value[0])] if value else []
    return type(value).__name__ if value is not None else None


def test_webhook_bodies_have_the_shape_of_the_real_samples(saleor_standin, receiver):
    # given: the subscriptions that produced the samples (samples/README.md)
    checkout_query = ("subscription { event { __typename issuedAt version ... on CheckoutUpdated { checkout { "
                      "...CheckoutFields } } } }" + SAMPLE_FRAGMENTS.split("fragment OrderFields")[0])
    order_query = ("subscription { event { __typename issuedAt version ... on OrderCreated { order { "
                   "...OrderFields } } } }\nfragment OrderFields" + SAMPLE_FRAGMENTS.split("fragment OrderFields")[1])
    saleor_standin.create_app(webhooks=[
        {"name": "c", "targetUrl": f"{receiver.url}/api/webhooks/checkout-updated", "query": checkout_query},
        {"name": "o", "targetUrl": f"{receiver.url}/api/webhooks/order-created", "query": order_query},
    ])
    tee = saleor_standin.catalog.add_product(name="Monospace Tee", price="14.00", sku="328223580", variant_name="S")
    juice = saleor_standin.catalog.add_product(name="Apple Juice", price="1.99")
    checkout = saleor_standin.storefront.checkout_create(lines=[(tee, 3)])

    # when
    saleor_standin.storefront.lines_add(checkout["id"], [(juice, 1)])
    saleor_standin.storefront.complete(checkout["id"])

    # then
    for event, path in (("checkout_updated", "/api/webhooks/checkout-updated"),
                        ("order_created", "/api/webhooks/order-created")):
        sample = json.loads((SAMPLES / f"{event}.json").read_text())
        (ours,) = receiver.posts(path)
        assert list(ours.json) == list(sample["body"])
        assert _shape(ours.json) == _shape(sample["body"])
        assert ours.json["version"] == sample["body"]["version"]
    checkout_body = receiver.posts("/api/webhooks/checkout-updated")[0].json["checkout"]
    sample_checkout = json.loads((SAMPLES / "checkout_updated.json").read_text())["body"]["checkout"]
    assert checkout_body["totalPrice"] == sample_checkout["totalPrice"]
    assert [line["totalPrice"] for line in checkout_body["lines"]] == [
        line["totalPrice"] for line in sample_checkout["lines"]
    ]

"""Webhook signature and Dashboard JWT verification against a live JWKS endpoint (key rotation)."""

from __future__ import annotations

import time

import jwt
import pytest

from app.saleor import security
from app.saleor.models import Installation
from tests.saleor.conftest import APP_ID

BODY = b'{"issuedAt": "2026-11-25T03:59:47+00:00", "checkout": null}'


def test_signature_valid_is_accepted(installation, key_a, jwks_server):
    # given
    signature = key_a.sign(BODY)
    # when
    security.verify_webhook_signature(installation=installation, signature=signature, raw_body=BODY)
    # then: accepted from the stored JWKS, without asking Saleor
    assert jwks_server.requests == 0


def test_signature_over_altered_body_is_refused(installation, key_a, jwks_server):
    # given
    signature = key_a.sign(BODY)
    # when / then
    with pytest.raises(security.InvalidSignature):
        security.verify_webhook_signature(installation=installation, signature=signature,
                                          raw_body=BODY.replace(b"null", b"{}"))
    assert jwks_server.requests == 0


@pytest.mark.parametrize("kid", ["key-a", "made-up"], ids=["known-kid", "unknown-kid"])
def test_signature_by_wrong_key_is_refused(installation, key_b, jwks_server, kid):
    # given: an attacker's key, claiming Saleor's kid or another one
    signature = key_b.sign(BODY, kid=kid)
    # when / then
    with pytest.raises(security.InvalidSignature):
        security.verify_webhook_signature(installation=installation, signature=signature, raw_body=BODY)
    installation.refresh_from_db()
    assert installation.jwks["keys"][0]["kid"] == "key-a"


def test_rotated_key_is_accepted_after_one_jwks_refetch_and_stored(installation, key_b, jwks_server):
    # given: Saleor rotated to key B; the app still stores key A
    jwks_server.jwks = key_b.jwks
    signature = key_b.sign(BODY)
    # when
    security.verify_webhook_signature(installation=installation, signature=signature, raw_body=BODY)
    security.verify_webhook_signature(installation=installation, signature=key_b.sign(BODY + b" "),
                                      raw_body=BODY + b" ")
    # then
    assert jwks_server.requests == 1
    installation.refresh_from_db()
    assert installation.jwks == key_b.jwks


def test_unknown_kid_with_jwks_unreachable_is_transient(installation, key_b, jwks_server):
    # given
    jwks_server.status = 503
    # when / then: not a 401 that would lose a real rotated-key event
    with pytest.raises(security.JwksUnavailable):
        security.verify_webhook_signature(installation=installation, signature=key_b.sign(BODY), raw_body=BODY)


def test_jwks_refetches_are_throttled(installation, key_b, jwks_server):
    # given: a forger sending made-up kids
    with pytest.raises(security.InvalidSignature):
        security.verify_webhook_signature(installation=installation, signature=key_b.sign(BODY, kid="x1"),
                                          raw_body=BODY)
    # when
    with pytest.raises(security.JwksUnavailable):
        security.verify_webhook_signature(installation=installation, signature=key_b.sign(BODY, kid="x2"),
                                          raw_body=BODY)
    # then
    assert jwks_server.requests == 1


@pytest.mark.parametrize(
    "signature",
    ["", "not-a-jws", "a.b.c", "eyJhbGciOiJub25lIn0..", "eyJhbGciOiJIUzI1NiJ9..c2ln"],
    ids=["empty", "garbage", "attached-payload", "alg-none", "hs256"],
)
def test_malformed_signatures_are_refused(installation, signature):
    # when / then
    with pytest.raises(security.InvalidSignature):
        security.verify_webhook_signature(installation=installation, signature=signature, raw_body=BODY)


# --- Dashboard JWT -------------------------------------------------------------------------------
def dashboard_token(key, installation: Installation, **overrides) -> str:
    now = int(time.time())
    claims = {
        "iss": installation.saleor_api_url, "owner": "saleor", "type": "thirdparty", "app": APP_ID,
        "user_id": "VXNlcjox", "email": "staff@example.com", "is_staff": True,
        "permissions": ["MANAGE_DISCOUNTS"], "user_permissions": ["MANAGE_DISCOUNTS", "MANAGE_ORDERS"],
        "iat": now, "exp": now + 300,
    }
    claims.update(overrides)
    return jwt.encode(claims, key.private, algorithm="RS256", headers={"kid": key.kid})


def test_dashboard_jwt_valid_gives_the_user(installation, key_a):
    # given
    token = dashboard_token(key_a, installation)
    # when
    user = security.verify_dashboard_jwt(installation=installation, token=token)
    # then
    assert user.user_id == "VXNlcjox"
    assert user.email == "staff@example.com"
    assert user.is_staff is True
    assert user.user_permissions == frozenset({"MANAGE_DISCOUNTS", "MANAGE_ORDERS"})
    assert user.app_permissions == frozenset({"MANAGE_DISCOUNTS"})


def test_dashboard_jwt_signed_by_rotated_key_refetches_once(installation, key_b, jwks_server):
    # given
    jwks_server.jwks = key_b.jwks
    # when
    user = security.verify_dashboard_jwt(installation=installation, token=dashboard_token(key_b, installation))
    # then
    assert user.email == "staff@example.com"
    assert jwks_server.requests == 1


@pytest.mark.parametrize(
    "make_token,reason",
    [
        (lambda a, b, i: dashboard_token(a, i, exp=int(time.time()) - 5), "expired"),
        (lambda a, b, i: jwt.encode({"iss": i.saleor_api_url, "app": APP_ID, "exp": int(time.time()) + 60},
                                    b.private, algorithm="RS256", headers={"kid": "key-a"}), "signature"),
        (lambda a, b, i: dashboard_token(a, i, iss="http://other.example/graphql/"), "issuer"),
        (lambda a, b, i: dashboard_token(a, i, app="QXBwOjk5"), "app"),
        (lambda a, b, i: "not.a.jwt", "malformed"),
        (lambda a, b, i: jwt.encode({"iss": i.saleor_api_url, "app": APP_ID}, a.private, algorithm="RS256",
                                    headers={"kid": "key-a"}), "malformed"),
    ],
    ids=["expired", "wrong-key", "other-issuer", "other-app", "garbage", "no-exp"],
)
def test_dashboard_jwt_refusals_name_the_reason(installation, key_a, key_b, make_token, reason):
    # given
    token = make_token(key_a, key_b, installation)
    # when
    with pytest.raises(security.InvalidToken) as refused:
        security.verify_dashboard_jwt(installation=installation, token=token)
    # then
    assert refused.value.reason == reason

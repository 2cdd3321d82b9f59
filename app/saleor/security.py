"""Signatures from Saleor: webhook `Saleor-Signature` (detached JWS) and the Dashboard's JWT.

Both are RS256 against the installation's JWKS (`<saleor origin>/.well-known/jwks.json`). Saleor's `kid`
is its key's thumbprint and changes when Saleor rotates the key, so when a signature names a `kid` the
stored JWKS does not hold, the JWKS is fetched again once and the check retried; the fetched JWKS replaces
the stored one only if it verifies. (A signature that fails with a known `kid` is refused at once: a
refetch cannot help it.) Refetches are throttled per installation (`SALEOR_JWKS_REFETCH_SECONDS`, default
10 s) so forged requests with made-up `kid`s cannot make the app hammer Saleor. When the JWKS cannot be
fetched (unreachable, or throttled), an unknown-`kid` webhook gets `JwksUnavailable`: the intake answers
503 and Saleor delivers it again, rather than a 401 that would lose a real event.

Parsed public keys are cached in process memory by the JWKS' content.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import jwt
import requests
from django.conf import settings
from jwt.algorithms import RSAAlgorithm

from app.saleor import selectors
from app.saleor.models import Installation

log = logging.getLogger("app.saleor.security")

JWKS_TIMEOUT = (2.0, 5.0)


class InvalidSignature(Exception):
    """The webhook's Saleor-Signature is missing, malformed or does not verify."""


class JwksUnavailable(Exception):
    """Saleor's JWKS could not be fetched (or refetching is throttled): a transient condition."""


class InvalidToken(Exception):
    """A Dashboard JWT was refused; `reason` is "expired", "signature", "issuer", "app" or "malformed"."""

    REASONS = frozenset({"expired", "signature", "issuer", "app", "malformed"})

    def __init__(self, reason: str, message: str = ""):
        if reason not in self.REASONS:
            raise ValueError(f"unknown InvalidToken reason {reason!r}")
        super().__init__(message or reason)
        self.reason = reason


@dataclass(frozen=True)
class DashboardUser:
    user_id: str
    email: str
    is_staff: bool
    user_permissions: frozenset[str]
    app_permissions: frozenset[str]
    claims: dict[str, Any] = field(repr=False, hash=False, compare=False)


# --- JWKS ----------------------------------------------------------------------------------------
PublicKeys = dict[str | None, Any]
_keys_cache: dict[tuple, PublicKeys] = {}
_last_refetch: dict[str, float] = {}
_lock = threading.Lock()


def reset_caches() -> None:
    """Forget parsed keys and refetch timestamps (tests; operators never need it)."""
    with _lock:
        _keys_cache.clear()
        _last_refetch.clear()


def fetch_jwks(jwks_url: str) -> dict[str, Any]:
    """GET a JWKS; raises `JwksUnavailable` on connection errors, non-200 or a body without RSA keys."""
    try:
        response = requests.get(jwks_url, timeout=JWKS_TIMEOUT, allow_redirects=False)
    except requests.RequestException as exc:
        raise JwksUnavailable(f"JWKS at {jwks_url} unreachable: {type(exc).__name__}") from exc
    if response.status_code != 200:
        raise JwksUnavailable(f"JWKS at {jwks_url} answered HTTP {response.status_code}")
    try:
        jwks = response.json()
        public_keys(jwks)
    except (ValueError, TypeError, KeyError) as exc:
        raise JwksUnavailable(f"JWKS at {jwks_url} is not a usable key set: {exc}") from exc
    return jwks


def public_keys(jwks: dict[str, Any]) -> PublicKeys:
    """`{kid: RSAPublicKey}` of a JWKS, parsed once per distinct key set. Raises ValueError if it has none."""
    keys = jwks.get("keys") if isinstance(jwks, dict) else None
    if not isinstance(keys, list):
        raise ValueError("JWKS has no 'keys' list")
    fingerprint = tuple((k.get("kid"), k.get("n"), k.get("e")) for k in keys if isinstance(k, dict))
    cached = _keys_cache.get(fingerprint)
    if cached is not None:
        return cached
    parsed: PublicKeys = {}
    for key in keys:
        if isinstance(key, dict) and key.get("kty") == "RSA":
            parsed[key.get("kid")] = RSAAlgorithm.from_jwk(json.dumps(key))
    if not parsed:
        raise ValueError("JWKS holds no RSA key")
    with _lock:
        if len(_keys_cache) > 256:
            _keys_cache.clear()
        _keys_cache[fingerprint] = parsed
    return parsed


def _stored_keys(installation: Installation) -> PublicKeys:
    try:
        return public_keys(installation.jwks)
    except ValueError:
        return {}


def _candidates(keys: PublicKeys, kid: str | None) -> list[Any]:
    if kid is not None and kid in keys:
        return [keys[kid]]
    if kid is None:
        return list(keys.values())
    return []


def _refetch(installation: Installation) -> dict[str, Any]:
    """Fetch the JWKS again, unless this installation's was fetched moments ago (then JwksUnavailable)."""
    interval = float(getattr(settings, "SALEOR_JWKS_REFETCH_SECONDS", 10))
    now = time.monotonic()
    with _lock:
        last = _last_refetch.get(installation.saleor_api_url)
        if last is not None and now - last < interval:
            raise JwksUnavailable(f"JWKS refetched less than {interval:g} s ago; unknown key id")
        _last_refetch[installation.saleor_api_url] = now
    log.info("jwks refetch", extra={"saleor_api_url": installation.saleor_api_url})
    return fetch_jwks(installation.jwks_url)


def _adopt(installation: Installation, jwks: dict[str, Any]) -> None:
    """Store a refetched JWKS that verified a signature (the key rotated)."""
    Installation.objects.filter(pk=installation.pk).update(jwks=jwks)
    installation.jwks = jwks
    selectors.installation_forget(installation.saleor_api_url)
    log.info("jwks rotated", extra={"saleor_api_url": installation.saleor_api_url})


# --- webhooks ------------------------------------------------------------------------------------
def _jws_header(signature: str) -> dict[str, Any]:
    if not signature or signature.count(".") != 2:
        raise InvalidSignature("Saleor-Signature is missing or not a detached JWS")
    head, payload, _ = signature.split(".")
    if payload:
        raise InvalidSignature("Saleor-Signature must have a detached (empty) payload")
    try:
        header = jwt.get_unverified_header(signature)
    except jwt.InvalidTokenError as exc:
        raise InvalidSignature(f"Saleor-Signature header is malformed: {exc}") from exc
    if header.get("alg") != "RS256":
        raise InvalidSignature("Saleor-Signature must be RS256")
    return header


def _jws_verifies(signature: str, raw_body: bytes, keys: list[Any]) -> bool:
    for key in keys:
        try:
            jwt.api_jws.decode(signature, key, algorithms=["RS256"], detached_payload=raw_body)
        except jwt.InvalidTokenError:
            continue
        return True
    return False


def verify_webhook_signature(*, installation: Installation, signature: str, raw_body: bytes) -> None:
    """Check a webhook's detached JWS over its raw body; refetch the JWKS once on failure.

    Raises `InvalidSignature` (→ 401) or `JwksUnavailable` (→ 503, transient).
    """
    header = _jws_header(signature)
    kid = header.get("kid")
    keys = _stored_keys(installation)
    if _jws_verifies(signature, raw_body, _candidates(keys, kid)):
        return
    if kid is not None and kid in keys:
        raise InvalidSignature("Saleor-Signature does not verify")
    jwks = _refetch(installation)
    if _jws_verifies(signature, raw_body, _candidates(public_keys(jwks), kid)):
        _adopt(installation, jwks)
        return
    raise InvalidSignature("Saleor-Signature does not verify against Saleor's JWKS")


# --- Dashboard JWT -------------------------------------------------------------------------------
def _decode_dashboard(token: str, keys: list[Any]) -> dict[str, Any] | None:
    for key in keys:
        try:
            return jwt.decode(
                token, key, algorithms=["RS256"],
                options={"require": ["exp", "iss"], "verify_aud": False},
            )
        except jwt.ExpiredSignatureError as exc:
            raise InvalidToken("expired", "the Dashboard token has expired") from exc
        except jwt.InvalidSignatureError:
            continue
        except jwt.MissingRequiredClaimError as exc:
            raise InvalidToken("malformed", str(exc)) from exc
        except jwt.InvalidTokenError as exc:
            raise InvalidToken("malformed", str(exc)) from exc
    return None


def verify_dashboard_jwt(*, installation: Installation, token: str) -> DashboardUser:
    """Verify the JWT the Dashboard hands to the app's page; raises `InvalidToken(reason)`."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError as exc:
        raise InvalidToken("malformed", f"not a JWT: {exc}") from exc
    if header.get("alg") != "RS256":
        raise InvalidToken("malformed", "the Dashboard token must be RS256")
    kid = header.get("kid")
    keys = _stored_keys(installation)
    claims = _decode_dashboard(token, _candidates(keys, kid))
    if claims is None and (kid is None or kid not in keys):
        try:
            jwks = _refetch(installation)
        except JwksUnavailable as exc:
            raise InvalidToken("signature", f"unknown signing key and no fresh JWKS: {exc}") from exc
        claims = _decode_dashboard(token, _candidates(public_keys(jwks), kid))
        if claims is not None:
            _adopt(installation, jwks)
    if claims is None:
        raise InvalidToken("signature", "the Dashboard token's signature does not verify")
    if claims.get("iss") != installation.saleor_api_url:
        raise InvalidToken("issuer", "the Dashboard token was issued by another Saleor")
    if claims.get("app") != installation.app_id:
        raise InvalidToken("app", "the Dashboard token is for another app")
    return DashboardUser(
        user_id=str(claims.get("user_id") or ""),
        email=str(claims.get("email") or ""),
        is_staff=bool(claims.get("is_staff")),
        user_permissions=frozenset(_str_list(claims.get("user_permissions"))),
        app_permissions=frozenset(_str_list(claims.get("permissions"))),
        claims=claims,
    )


def _str_list(value: Any) -> list[str]:
    return [str(item) for item in value] if isinstance(value, list) else []

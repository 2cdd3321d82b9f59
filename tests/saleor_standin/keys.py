"""RSA keys, the JWKS, detached-JWS webhook signatures and Dashboard JWTs, like Saleor's."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

_pool: dict[int, rsa.RSAPrivateKey] = {}
_pool_lock = threading.Lock()


def pooled_key(index: int) -> rsa.RSAPrivateKey:
    """Keys are expensive to generate (~50 ms): each process makes each index once and reuses it."""
    with _pool_lock:
        if index not in _pool:
            _pool[index] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return _pool[index]


def _b64(number: int) -> str:
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def public_jwk(key: rsa.RSAPrivateKey) -> dict[str, str]:
    numbers = key.public_key().public_numbers()
    return {"kty": "RSA", "n": _b64(numbers.n), "e": _b64(numbers.e)}


def key_id(key: rsa.RSAPrivateKey) -> str:
    """RFC 7638 thumbprint (base64url SHA-256 of the canonical public JWK), as Saleor's kid looks."""
    canonical = json.dumps(public_jwk(key), sort_keys=True, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(hashlib.sha256(canonical).digest()).rstrip(b"=").decode()


def jwks_document(key: rsa.RSAPrivateKey) -> dict[str, Any]:
    jwk = public_jwk(key)
    return {"keys": [{"kty": "RSA", "key_ops": ["verify"], "n": jwk["n"], "e": jwk["e"], "use": "sig",
                      "kid": key_id(key), "alg": "RS256"}]}


def sign_detached(raw_body: bytes, key: rsa.RSAPrivateKey) -> str:
    """Saleor's `Saleor-Signature`: RS256 JWS with b64=false, payload detached (`header..signature`)."""
    return jwt.api_jws.encode(
        raw_body,
        key,
        algorithm="RS256",
        headers={"kid": key_id(key), "b64": False, "crit": ["b64"]},
        is_payload_detached=True,
    )


def sign_jwt(claims: dict[str, Any], key: rsa.RSAPrivateKey) -> str:
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": key_id(key)})

"""Test-only helpers of the Saleor-layer tests: keys, detached-JWS signing, a JWKS server, a recording handler."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from pydantic import BaseModel

from app.core.models import Job

EFFECT_KIND = "test.webhook-effect"


@dataclass(frozen=True)
class SigningKey:
    private: rsa.RSAPrivateKey
    kid: str

    @property
    def jwk(self) -> dict[str, Any]:
        jwk = json.loads(RSAAlgorithm.to_jwk(self.private.public_key()))
        jwk.update({"kid": self.kid, "use": "sig", "alg": "RS256"})
        return jwk

    @property
    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.jwk]}

    def sign(self, raw_body: bytes, *, kid: str | None = None) -> str:
        """A detached JWS over the raw body, the way Saleor signs webhooks."""
        return jwt.api_jws.encode(
            raw_body, self.private, algorithm="RS256",
            headers={"kid": kid or self.kid, "b64": False, "crit": ["b64"]}, is_payload_detached=True,
        )


def new_key(kid: str) -> SigningKey:
    return SigningKey(rsa.generate_private_key(public_exponent=65537, key_size=2048), kid)


class JwksServer:
    """A loopback HTTP server answering `/.well-known/jwks.json` with `self.jwks` (or `self.status`)."""

    def __init__(self) -> None:
        self.jwks: dict[str, Any] = {"keys": []}
        self.status = 200
        self.requests = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                server.requests += 1
                body = json.dumps(server.jwks).encode() if self.path == "/.well-known/jwks.json" else b"{}"
                status = server.status if self.path == "/.well-known/jwks.json" else 404
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def record_effect(*, installation: Any, event: Any) -> None:
    """The test webhooks' handler: one Job row per call is the observable effect."""
    Job.objects.create(kind=EFFECT_KIND, payload={"installation": installation.pk,
                                                  "event": type(event).__name__})


def failing_handler(*, installation: Any, event: Any) -> None:
    """A handler that writes, then fails: the write must be rolled back and Saleor asked to retry."""
    record_effect(installation=installation, event=event)
    raise RuntimeError("handler bug")


def checkout_payload(*, principal: dict[str, Any] | None = None, issued_at: str = "2026-11-25T03:59:47.059997+00:00",
                     checkout_id: str = "Q2hlY2tvdXQ6YWI1OTc5MTA=") -> dict[str, Any]:
    """A CHECKOUT_UPDATED body shaped by webhooks/checkout_updated.graphql."""
    usd = lambda amount: {"amount": amount, "currency": "USD"}  # noqa: E731
    return {
        "issuedAt": issued_at,
        "version": "3.23.28",
        "issuingPrincipal": principal,
        "checkout": {
            "id": checkout_id,
            "token": "ab597910-ee4f-48fd-b735-016d366849ed",
            "email": "customer@example.com",
            "channel": {"slug": "default-channel", "currencyCode": "USD"},
            "user": None,
            "voucherCode": None,
            "discount": usd(0.0),
            "subtotalPrice": {"gross": usd(43.99)},
            "totalPrice": {"gross": usd(43.99)},
            "shippingPrice": {"gross": usd(0.0)},
            "deliveryMethod": None,
            "lines": [
                {
                    "id": "Q2hlY2tvdXRMaW5lOjg3M2UzMmRh",
                    "quantity": 3,
                    "undiscountedUnitPrice": usd(14.663),
                    "metadata": [],
                    "variant": {
                        "id": "UHJvZHVjdFZhcmlhbnQ6MzQ4",
                        "sku": "328223580",
                        "name": "S",
                        "product": {"id": "UHJvZHVjdDoxMzQ=", "name": "Monospace Tee",
                                    "productType": {"id": "UHJvZHVjdFR5cGU6MQ=="},
                                    "category": {"id": "Q2F0ZWdvcnk6MQ=="}, "collections": []},
                    },
                }
            ],
            "privateMetadata": [{"key": "app.note", "value": "x"}],
            "metadata": [],
        },
    }


class SampleEvent(BaseModel):
    """What the captured samples' subscriptions selected in common (they predate the app's documents)."""

    issuedAt: str  # noqa: N815 - the wire name
    version: str


OUTBOX_RESULT_KIND = "test.outbox-result"


def record_outbox_result(*, installation: Any, data: dict[str, Any], context: dict[str, Any]) -> None:
    """The outbox tests' on_result: stores what it was given as a Job row."""
    Job.objects.create(kind=OUTBOX_RESULT_KIND, state=Job.State.DONE,
                       payload={"installation": installation.pk, "data": data, "context": context})


def slow_record_effect(*, installation: Any, event: Any) -> None:
    """Records one effect and holds the transaction open a moment, so that a concurrent delivery overlaps."""
    import time

    record_effect(installation=installation, event=event)
    time.sleep(0.3)

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from graphql import GraphQLSchema, build_schema

from app.saleor import security, selectors
from app.saleor.models import Installation
from app.saleor.payloads import CheckoutEvent
from app.saleor.webhooks import REGISTRY, define
from tests.saleor.support import JwksServer, SampleEvent, SigningKey, new_key
from tests.saleor_standin.schema import SHARED_SALEOR_DIR

SHARED = SHARED_SALEOR_DIR
APP_ID = "QXBwOjQy"


@pytest.fixture(scope="session")
def saleor_schema() -> GraphQLSchema:
    return build_schema((SHARED / "schema.graphql").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def key_a() -> SigningKey:
    return new_key("key-a")


@pytest.fixture(scope="session")
def key_b() -> SigningKey:
    return new_key("key-b")


@pytest.fixture(scope="session")
def _jwks_server() -> Iterator[JwksServer]:
    server = JwksServer()
    yield server
    server.close()


@pytest.fixture
def jwks_server(_jwks_server: JwksServer, key_a: SigningKey) -> JwksServer:
    """A live JWKS endpoint (serving key A) at the test installation's Saleor origin."""
    _jwks_server.jwks = key_a.jwks
    _jwks_server.status = 200
    _jwks_server.requests = 0
    return _jwks_server


@pytest.fixture(autouse=True)
def _fresh_caches(settings) -> Iterator[None]:
    settings.SALEOR_JWKS_REFETCH_SECONDS = 10
    security.reset_caches()
    selectors.installation_cache_clear()
    yield
    security.reset_caches()
    selectors.installation_cache_clear()


@pytest.fixture
def installation(db, jwks_server: JwksServer, key_a: SigningKey) -> Installation:
    return Installation.objects.create(
        saleor_api_url=f"{jwks_server.origin}/graphql/", app_id=APP_ID, auth_token="app-token",
        jwks=key_a.jwks, domain="127.0.0.1",
    )


@pytest.fixture
def test_webhooks(monkeypatch) -> dict[str, Any]:
    """Test-only definitions: the real CheckoutEvent model with a handler that records one effect."""
    definitions = {
        "test-checkout-updated": define("CHECKOUT_UPDATED", CheckoutEvent, "tests.saleor.support.record_effect"),
        "test-slow": define("CHECKOUT_UPDATED", CheckoutEvent, "tests.saleor.support.slow_record_effect"),
        "test-failing": define("CHECKOUT_UPDATED", CheckoutEvent, "tests.saleor.support.failing_handler"),
        "test-any-checkout": define("CHECKOUT_UPDATED", SampleEvent, "tests.saleor.support.record_effect"),
        "test-order-created": define("ORDER_CREATED", SampleEvent, "tests.saleor.support.record_effect"),
    }
    for name, definition in definitions.items():
        definition = dataclasses.replace(definition, name=name, path=f"/api/webhooks/{name}")
        definitions[name] = definition
        monkeypatch.setitem(REGISTRY, name, definition)
    return definitions


@pytest.fixture
def post_webhook(client, installation: Installation, key_a: SigningKey, test_webhooks) -> Callable[..., Any]:
    def post(
        body: bytes | dict[str, Any],
        *,
        name: str = "test-checkout-updated",
        key: SigningKey | None = None,
        signature: str | None = None,
        event: str | None = "checkout_updated",
        api_url: str | None = None,
    ):
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers = {"Saleor-Api-Url": api_url or installation.saleor_api_url, "Saleor-Domain": "127.0.0.1"}
        if event is not None:
            headers["Saleor-Event"] = event
        signed = signature if signature is not None else (key or key_a).sign(raw)
        if signed:
            headers["Saleor-Signature"] = signed
        return client.post(f"/api/webhooks/{name}", data=raw, content_type="application/json", headers=headers)

    return post

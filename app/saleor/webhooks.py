"""The one registry of webhooks: the manifest is built from it and the intake routes by it.

A webhook is declared once: event, subscription document (`webhooks/<event>.graphql`), path, payload
model and handler. Handlers are dotted paths resolved at call time, called as
`handler(*, installation, event)` inside the transaction that records the delivery.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.module_loading import import_string
from pydantic import BaseModel

from app.saleor import documents
from app.saleor.payloads import AppDeletedEvent, CheckoutEvent, CustomerEvent, OrderEvent

WEBHOOK_PATH_PREFIX = "/api/webhooks/"


@dataclass(frozen=True)
class WebhookDefinition:
    name: str  # "checkout-updated": the URL segment and the manifest's webhook name
    event: str  # Saleor's WebhookEventTypeAsyncEnum, e.g. "CHECKOUT_UPDATED"
    query_file: str  # the subscription document, repo-relative
    path: str  # "/api/webhooks/checkout-updated"
    payload_model: type[BaseModel]
    handler: str  # dotted path of `handler(*, installation, event)`
    # Optional dotted path of `wanted(*, installation, event) -> bool`, asked before any write: False means the
    # handler would do nothing with this event, so it is answered 200 without a transaction or delivery record
    # (a no-op needs no idempotency). Read-only and cheap: it runs on every delivery.
    wanted: str | None = None

    @property
    def query(self) -> str:
        return documents.load(self.query_file)

    def resolve_handler(self) -> Any:
        return import_string(self.handler)

    def resolve_wanted(self) -> Any:
        return import_string(self.wanted) if self.wanted else None


def define(event: str, payload_model: type[BaseModel], handler: str, wanted: str | None = None) -> WebhookDefinition:
    """A definition named after its event: CHECKOUT_UPDATED → checkout-updated, webhooks/checkout_updated.graphql."""
    name = event.lower().replace("_", "-")
    return WebhookDefinition(
        name=name,
        event=event,
        query_file=f"webhooks/{event.lower()}.graphql",
        path=f"{WEBHOOK_PATH_PREFIX}{name}",
        payload_model=payload_model,
        handler=handler,
        wanted=wanted,
    )


_COUPONS = "app.coupons.handlers"

#: name → definition. Tests add their own definitions with `monkeypatch.setitem(REGISTRY, ...)`.
REGISTRY: dict[str, WebhookDefinition] = {
    d.name: d
    for d in [
        define("CHECKOUT_CREATED", CheckoutEvent, f"{_COUPONS}.on_checkout_changed", f"{_COUPONS}.checkout_wanted"),
        define("CHECKOUT_UPDATED", CheckoutEvent, f"{_COUPONS}.on_checkout_changed", f"{_COUPONS}.checkout_wanted"),
        define("ORDER_CREATED", OrderEvent, f"{_COUPONS}.on_order_created"),
        define("ORDER_PAID", OrderEvent, f"{_COUPONS}.on_order_paid"),
        define("ORDER_FULLY_PAID", OrderEvent, f"{_COUPONS}.on_order_paid"),
        define("ORDER_CANCELLED", OrderEvent, f"{_COUPONS}.on_order_released"),
        define("ORDER_REFUNDED", OrderEvent, f"{_COUPONS}.on_order_released"),
        define("ORDER_FULLY_REFUNDED", OrderEvent, f"{_COUPONS}.on_order_released"),
        define("CUSTOMER_CREATED", CustomerEvent, f"{_COUPONS}.on_customer_changed"),
        define("CUSTOMER_UPDATED", CustomerEvent, f"{_COUPONS}.on_customer_changed"),
        define("APP_DELETED", AppDeletedEvent, "app.saleor.services.installation_uninstall"),
    ]
}


def webhook_registry() -> dict[str, WebhookDefinition]:
    return REGISTRY


def webhook_get(name: str) -> WebhookDefinition | None:
    return REGISTRY.get(name)

"""Writes of the Saleor layer: install, uninstall, and handling one signed webhook."""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from fnmatch import fnmatchcase
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.utils import InterfaceError
from django.utils import timezone
from pydantic import BaseModel, ValidationError

from app.core.errors import AppError, Forbidden, NotFound, Unauthorized
from app.saleor import documents, security, selectors
from app.saleor.client import SaleorClient, SaleorError, SaleorUnavailable
from app.saleor.models import Installation, WebhookDelivery
from app.saleor.payloads import AppDeletedEvent
from app.saleor.webhooks import WebhookDefinition

log = logging.getLogger("app.saleor")

APP_ID_QUERY = "app/saleor/graphql/app_id.graphql"
REGISTER_TIMEOUT = 5.0


class BadGateway(AppError):
    """Saleor itself (its API or JWKS) could not be reached while handling a request from it."""

    status = 502
    code = "bad_gateway"


class Unavailable(AppError):
    """Transient failure: the caller (Saleor) should retry."""

    status = 503
    code = "unavailable"


# --- install / uninstall -------------------------------------------------------------------------
def saleor_api_url_check(value: str | None) -> str:
    """A Saleor API URL from a header: absolute http(s), a host, no credentials, query or fragment."""
    if not value:
        raise AppError("The Saleor-Api-Url header is required", code="MISSING_SALEOR_API_URL")
    parts = urlsplit(value)
    if (parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password
            or parts.query or parts.fragment or len(value) > 500):
        raise AppError(f"Saleor-Api-Url is not a valid API URL: {value[:200]!r}", code="INVALID_SALEOR_API_URL")
    return value


def saleor_url_allowed(saleor_api_url: str) -> bool:
    return any(fnmatchcase(saleor_api_url, pattern) for pattern in settings.ALLOWED_SALEOR_URLS)


def installation_register(*, saleor_api_url: str, auth_token: str, domain: str = "") -> Installation:
    """Install (or re-install) this app for one Saleor, the way app-sdk does.

    1. the API URL must match ALLOWED_SALEOR_URLS (403 SALEOR_URL_PROHIBITED);
    2. `{ app { id } }` with the token must answer an id (401 UNKNOWN_APP_ID);
    3. the JWKS must be fetchable (502 JWKS_NOT_AVAILABLE: Saleor's side failed, not the caller's credentials);
    4. upsert the Installation: a re-install of the same Saleor replaces token, app id and JWKS and reactivates it.
    """
    saleor_api_url_check(saleor_api_url)
    if not saleor_url_allowed(saleor_api_url):
        raise Forbidden(f"{saleor_api_url} may not install this app", code="SALEOR_URL_PROHIBITED")
    if not auth_token:
        raise AppError("auth_token is required", code="MISSING_AUTH_TOKEN")

    probe = Installation(saleor_api_url=saleor_api_url, auth_token=auth_token)
    try:
        data = SaleorClient(probe, timeout=REGISTER_TIMEOUT, retries=1, backoff=0.2).execute(
            documents.load(APP_ID_QUERY)
        )
    except SaleorUnavailable as exc:
        raise BadGateway(f"Saleor did not answer: {exc}", code="SALEOR_NOT_AVAILABLE") from exc
    except SaleorError as exc:
        raise Unauthorized(f"The token was refused: {exc}", code="UNKNOWN_APP_ID") from exc
    app_id = ((data.get("app") or {}) if isinstance(data, dict) else {}).get("id")
    if not app_id:
        raise Unauthorized("The token belongs to no app", code="UNKNOWN_APP_ID")

    try:
        jwks = security.fetch_jwks(probe.jwks_url)
    except security.JwksUnavailable as exc:
        raise BadGateway(str(exc), code="JWKS_NOT_AVAILABLE") from exc

    origins = [probe.saleor_origin, *getattr(settings, "SALEOR_DASHBOARD_ORIGINS", [])]
    with transaction.atomic():
        installation = Installation.objects.select_for_update().filter(saleor_api_url=saleor_api_url).first()
        if installation is None:
            installation = Installation(saleor_api_url=saleor_api_url)
        installation.app_id = app_id
        installation.auth_token = auth_token
        installation.jwks = jwks
        installation.domain = domain[:255]
        installation.is_active = True
        installation.dashboard_origins = list(dict.fromkeys([*installation.dashboard_origins, *origins]))
        installation.save()
        selectors.installation_forget(saleor_api_url)
        transaction.on_commit(lambda: selectors.installation_forget(saleor_api_url))
    log.info("installed", extra={"saleor_api_url": saleor_api_url, "app_id": app_id})
    return installation


def installation_uninstall(*, installation: Installation, event: AppDeletedEvent | None = None) -> None:
    """APP_DELETED: forget the token and deactivate; the data stays (a re-install reactivates it).

    An APP_DELETED for another app id (a late event of an earlier installation) changes nothing.
    """
    if event is not None and event.app is not None and event.app.id != installation.app_id:
        log.warning("app_deleted for another app id ignored",
                    extra={"saleor_api_url": installation.saleor_api_url, "app_id": event.app.id})
        return
    Installation.objects.filter(pk=installation.pk).update(auth_token="", is_active=False)
    installation.auth_token = ""
    installation.is_active = False
    url = installation.saleor_api_url
    # Forget now (a rollback merely costs a cache miss) and again once committed (a concurrent request
    # may have cached the row in between).
    selectors.installation_forget(url)
    transaction.on_commit(lambda: selectors.installation_forget(url))
    log.info("uninstalled", extra={"saleor_api_url": url})


# --- webhooks ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class WebhookOutcome:
    status: int
    body: dict[str, Any]
    handler_ms: float


def _payload_errors(exc: ValidationError) -> list[dict[str, str]]:
    return [
        {"field": ".".join(str(part) for part in error["loc"]) or "(body)", "problem": error["msg"],
         "type": error["type"]}
        for error in exc.errors(include_url=False, include_context=False, include_input=False)[:50]
    ]


def webhook_parse(definition: WebhookDefinition, raw_body: bytes) -> BaseModel:
    """The body as the definition's payload model; `AppError` 400 INVALID_PAYLOAD saying what is wrong."""
    try:
        return definition.payload_model.model_validate_json(raw_body)
    except ValidationError as exc:
        errors = _payload_errors(exc)
        if any(e["type"] == "json_invalid" for e in errors):
            raise AppError("The body is not valid JSON", code="INVALID_JSON", errors=errors) from None
        raise AppError(f"The {definition.event} payload is invalid", code="INVALID_PAYLOAD",
                       errors=errors) from None


_DELIVERY_INSERT = (
    f"INSERT INTO {WebhookDelivery._meta.db_table} (installation_id, event, body_sha256, received_at) "
    "VALUES (%s, %s, %s, %s) ON CONFLICT (installation_id, event, body_sha256) DO NOTHING"
)


def _delivery_record(installation_id: int, event: str, digest: str) -> bool:
    """Record a delivery; False if it was recorded before (a redelivery).

    One `INSERT ... ON CONFLICT DO NOTHING` (PostgreSQL, SQLite >= 3.24) instead of a savepoint around an
    insert that may fail: two round trips fewer on the webhook hot path. A concurrent delivery of the same
    body waits on the unique index until the first transaction ends, then inserts nothing.
    """
    with connection.cursor() as cursor:
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        cursor.execute(_DELIVERY_INSERT, [installation_id, event, digest, now])
        return cursor.rowcount == 1


def webhook_handle(
    *,
    definition: WebhookDefinition,
    saleor_api_url: str | None,
    signature: str | None,
    event_header: str | None,
    raw_body: bytes,
) -> WebhookOutcome:
    """Verify, parse and apply one webhook; a redelivery of the same body has no second effect.

    Raises `AppError` (4xx: forged, unknown installation, wrong event, malformed body: nothing written) or
    `Unavailable` (503: JWKS or database unavailable, Saleor retries). A handler exception propagates after
    rollback (the view answers 500, Saleor retries).
    """
    if not saleor_api_url:
        raise Unauthorized("The Saleor-Api-Url header is required", code="MISSING_SALEOR_API_URL")
    try:
        installation = selectors.installation_get_cached(saleor_api_url)
    except NotFound:
        raise Unauthorized(f"{saleor_api_url} has not installed this app", code="NOT_REGISTERED") from None
    except (OperationalError, InterfaceError) as exc:
        raise Unavailable(f"Database unavailable: {type(exc).__name__}", code="DATABASE_UNAVAILABLE") from exc
    try:
        security.verify_webhook_signature(installation=installation, signature=signature or "",
                                          raw_body=raw_body)
    except security.InvalidSignature as exc:
        raise Unauthorized(str(exc), code="SIGNATURE_VERIFICATION_FAILED") from None
    except security.JwksUnavailable as exc:
        raise Unavailable(str(exc), code="JWKS_NOT_AVAILABLE") from None
    if (event_header or "").lower() != definition.event.lower():
        raise AppError(f"This endpoint takes {definition.event.lower()}, got {event_header!r}",
                       code="WRONG_EVENT")
    event = webhook_parse(definition, raw_body)
    if getattr(event, "issued_by_app", None) and event.issued_by_app(installation.app_id):
        return WebhookOutcome(200, {"ignored": "own event"}, 0.0)

    handler = definition.resolve_handler()
    wanted = definition.resolve_wanted()
    started = time.perf_counter()
    try:
        if wanted is not None and not wanted(installation=installation, event=event):
            return WebhookOutcome(200, {"ignored": "nothing to do"}, round((time.perf_counter() - started) * 1000, 2))
    except (OperationalError, InterfaceError) as exc:
        raise Unavailable(f"Database unavailable: {type(exc).__name__}", code="DATABASE_UNAVAILABLE") from exc
    digest = hashlib.sha256(raw_body).hexdigest()
    try:
        with transaction.atomic():
            if not _delivery_record(installation.pk, definition.event, digest):
                return WebhookOutcome(200, {"duplicate": True}, 0.0)
            handler(installation=installation, event=event)
    except (OperationalError, InterfaceError) as exc:
        raise Unavailable(f"Database unavailable: {type(exc).__name__}", code="DATABASE_UNAVAILABLE") from exc
    return WebhookOutcome(200, {"ok": True}, round((time.perf_counter() - started) * 1000, 2))


def webhook_deliveries_prune(*, older_than: timedelta = timedelta(days=7)) -> int:
    """Forget idempotency records older than any Saleor retry (Saleor gives up after ~5 minutes)."""
    deleted, _ = WebhookDelivery.objects.filter(received_at__lt=timezone.now() - older_than).delete()
    log.info("webhook deliveries pruned", extra={"deleted": deleted})
    return deleted

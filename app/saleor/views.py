"""Saleor-facing endpoints: manifest, register, webhook intake. Adapters only: the work is in services."""

from __future__ import annotations

import json
import logging
import time

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from app.core.errors import AppError, app_error_response, error_response
from app.saleor import services
from app.saleor.manifest import manifest_build
from app.saleor.webhooks import webhook_get

log = logging.getLogger("app.saleor.webhooks")


def _method_not_allowed(request: HttpRequest, allowed: str) -> JsonResponse:
    response = error_response("METHOD_NOT_ALLOWED", f"{request.method} is not allowed here; use {allowed}", 405)
    response["Allow"] = allowed
    return response


def manifest(request: HttpRequest) -> JsonResponse:
    if request.method not in ("GET", "HEAD"):
        return _method_not_allowed(request, "GET")
    return JsonResponse(manifest_build())


@csrf_exempt
def register(request: HttpRequest) -> JsonResponse:
    if request.method != "POST":
        return _method_not_allowed(request, "POST")
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        return error_response("INVALID_JSON", "The body must be JSON: {\"auth_token\": \"...\"}", 400)
    token = body.get("auth_token") if isinstance(body, dict) else None
    if not isinstance(token, str) or not token:
        return error_response("MISSING_AUTH_TOKEN", "The body must hold a non-empty auth_token", 400)
    try:
        services.installation_register(
            saleor_api_url=request.headers.get("Saleor-Api-Url", ""),
            auth_token=token,
            domain=request.headers.get("Saleor-Domain", ""),
        )
    except AppError as exc:
        log.warning("register refused", extra={"code": exc.code, "error": exc.message,
                                               "saleor_api_url": request.headers.get("Saleor-Api-Url", "")})
        return app_error_response(exc)
    return JsonResponse({"success": True})


@csrf_exempt
def webhook(request: HttpRequest, name: str) -> JsonResponse:
    started = time.perf_counter()
    if request.method != "POST":
        return _method_not_allowed(request, "POST")
    definition = webhook_get(name)
    if definition is None:
        return error_response("UNKNOWN_WEBHOOK", f"No webhook named {name!r}", 404)
    extra = {"event": definition.event, "saleor_api_url": request.headers.get("Saleor-Api-Url", "")}
    try:
        outcome = services.webhook_handle(
            definition=definition,
            saleor_api_url=request.headers.get("Saleor-Api-Url"),
            signature=request.headers.get("Saleor-Signature"),
            event_header=request.headers.get("Saleor-Event"),
            raw_body=request.body,
        )
    except AppError as exc:
        level = logging.ERROR if exc.status >= 500 else logging.WARNING
        log.log(level, "webhook refused", extra={**extra, "code": exc.code, "status": exc.status,
                                                 "error": exc.message})
        return app_error_response(exc)
    except Exception as exc:  # noqa: BLE001 - rolled back; a 5xx makes Saleor deliver it again
        log.exception("webhook handler failed", extra=extra)
        return error_response("HANDLER_FAILED", f"{type(exc).__name__} while handling the webhook", 500)
    log.info("webhook", extra={**extra, "result": next(iter(outcome.body)), "handler_ms": outcome.handler_ms})
    response = JsonResponse(outcome.body, status=outcome.status)
    total_ms = round((time.perf_counter() - started) * 1000, 2)
    response["Server-Timing"] = f"handler;dur={outcome.handler_ms}, intake;dur={total_ms}"
    return response

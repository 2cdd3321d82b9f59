"""Authentication of the Dashboard page's calls to the app: `@dashboard_api(...)`.

Every call the page makes carries two headers, set by its JavaScript from the AppBridge handshake:

* ``saleor-api-url``: which installation (Saleor instance) the merchant is working in;
* ``authorization-bearer``: the Dashboard user's JWT (RS256, 5 minutes), verified against that
  installation's JWKS (signature, ``exp``, ``iss`` == the API URL, ``app`` == the installation's app id).

Answers: 401 when the token is missing, malformed or fails a check (``token_expired`` when it only
expired, so the page can wait for the Dashboard's ``tokenRefresh`` and retry), 403 when the user lacks the
permission the action needs, 404 when the API URL names no active installation, 400 for a body that is not
the expected JSON. A refused request never reaches the view, so it changes nothing.

CSRF: the API reads no cookie and keeps no session. Its only credential is the ``authorization-bearer``
header, which a cross-site form or a plain link cannot set (and a cross-origin ``fetch`` may only send it
after a CORS preflight this app never approves). A request without the header is refused before anything
else, so a forged request has nothing to ride on; that is why these views are ``csrf_exempt``.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from pydantic import BaseModel, ValidationError

from app.core.errors import AppError, app_error_response, error_response
from app.saleor.security import InvalidToken, verify_dashboard_jwt
from app.saleor.selectors import installation_get

log = logging.getLogger("app.dashboard")

MANAGE_DISCOUNTS = "MANAGE_DISCOUNTS"
TOKEN_HEADER = "authorization-bearer"
API_URL_HEADER = "saleor-api-url"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MAX_JSON_BODY = 1_000_000

View = Callable[..., HttpResponse]


def request_language(request: HttpRequest) -> str:
    """"fr" when the page asked for French (it sends the Dashboard's locale as Accept-Language), else "en"."""
    accepted = request.headers.get("Accept-Language", "")
    first = accepted.split(",")[0].strip().lower()
    return "fr" if first.startswith("fr") else "en"


def validation_fields(exc: ValidationError) -> dict[str, str]:
    """pydantic errors as {"dotted.field.path": "message"} for the page to show beside each field."""
    fields: dict[str, str] = {}
    for err in exc.errors():
        location = [str(part) for part in err.get("loc", ()) if part not in ("body", "__root__")]
        # Discriminated unions add the tag to the path ("benefit.percentage.percent"): drop it.
        location = [part for i, part in enumerate(location) if not (i > 0 and location[i - 1] == "benefit"
                                                                     and part in _BENEFIT_KINDS)]
        key = ".".join(location) or "__all__"
        message = str(err.get("msg", "invalid"))
        if message.startswith("Value error, "):
            message = message[len("Value error, "):]
        fields.setdefault(key, message)
    return fields


_BENEFIT_KINDS = frozenset(
    {"percentage", "fixed_amount", "fixed_per_unit", "shipping", "buy_x_get_y", "gift", "tiered"}
)


def _parse_body(request: HttpRequest, model: type[BaseModel] | type[dict]) -> BaseModel | dict[str, Any]:
    """The JSON body as `model` (400 `invalid_json` / `validation_error`); `dict`: any JSON object."""
    raw = request.body
    if len(raw) > MAX_JSON_BODY:
        raise AppError("The request body is too large.", code="body_too_large", status=413)
    try:
        data = json.loads(raw or b"{}")
    except (ValueError, UnicodeDecodeError) as exc:
        raise AppError("The request body is not valid JSON.", code="invalid_json") from exc
    if model is dict:
        if not isinstance(data, dict):
            raise AppError("The request body must be a JSON object.", code="invalid_json")
        return data
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise AppError(
            "Some fields are not valid.", code="validation_error", fields=validation_fields(exc)
        ) from exc


def authenticate(request: HttpRequest, *, permission: str | None) -> None:
    """Resolve the installation, verify the JWT and the permission; set request attributes or raise."""
    token = request.headers.get(TOKEN_HEADER, "").strip()
    if not token:
        raise AppError(
            "This call needs the Dashboard's token in the authorization-bearer header.",
            code="missing_token",
            status=401,
        )
    api_url = request.headers.get(API_URL_HEADER, "").strip()
    if not api_url:
        raise AppError("The saleor-api-url header is missing.", code="missing_saleor_api_url", status=400)
    installation = installation_get(api_url)  # NotFound (404) for an unknown or uninstalled Saleor
    try:
        user = verify_dashboard_jwt(installation=installation, token=token)
    except InvalidToken as exc:
        reason = getattr(exc, "reason", "malformed")
        log.info("dashboard token refused", extra={"reason": reason, "saleor_api_url": api_url})
        if reason == "expired":
            raise AppError(
                "The Dashboard session expired; waiting for a fresh token.", code="token_expired", status=401
            ) from exc
        raise AppError(
            "The Dashboard token is not valid for this app.", code="invalid_token", status=401, reason=reason
        ) from exc
    if permission and permission not in user.user_permissions:
        log.info(
            "dashboard permission refused",
            extra={"permission": permission, "user_id": user.user_id, "saleor_api_url": api_url},
        )
        raise AppError(
            f"Your Saleor account lacks the {permission} permission needed here.",
            code="permission_denied",
            status=403,
            permission=permission,
        )
    request.installation = installation
    request.dashboard_user = user
    request.language = request_language(request)


def dashboard_api(
    *, permission: str | None = MANAGE_DISCOUNTS, body: type[BaseModel] | type[dict] | None = None
) -> Callable[[View], View]:
    """Protect a Dashboard API view (see the module docstring).

    The view is called as ``view(request, **url_kwargs)`` or, with ``body=Model``, as
    ``view(request, payload=<Model instance>, **url_kwargs)`` (``body=dict``: any JSON object, for services
    that validate their own input); ``request.installation``,
    ``request.dashboard_user`` and ``request.language`` are set. Writes run in one transaction: an
    ``AppError`` raised anywhere in the view rolls everything back and becomes its 4xx JSON answer.
    """

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                authenticate(request, permission=permission)
                if body is not None:
                    kwargs["payload"] = _parse_body(request, body)
                if request.method in WRITE_METHODS:
                    with transaction.atomic():
                        response = view(request, *args, **kwargs)
                else:
                    response = view(request, *args, **kwargs)
            except AppError as exc:
                return app_error_response(exc)
            response.setdefault("Cache-Control", "no-store")
            return response

        wrapper.dashboard_permission = permission  # type: ignore[attr-defined]
        return wrapper

    return decorate


def methods(**handlers: View) -> View:
    """One URL, one view per HTTP method: ``methods(get=coupon_list, post=coupon_create)``.

    Any other method answers 405 in the API's JSON error shape.
    """
    allowed = {name.upper(): handler for name, handler in handlers.items()}

    @csrf_exempt
    def dispatch(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        handler = allowed.get(request.method or "")
        if handler is None:
            response: JsonResponse = error_response(
                "method_not_allowed", f"{request.method} is not allowed here.", 405
            )
            response["Allow"] = ", ".join(sorted(allowed))
            return response
        return handler(request, *args, **kwargs)

    return dispatch

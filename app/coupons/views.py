"""The storefront API: codes a shopper enters on a checkout through the app (case-insensitive entry,
several codes at once). The checkout id is the bearer secret, as in Saleor itself.

POST   /api/storefront/checkouts/<checkout_id>/codes          {"code": "summer10"}
DELETE /api/storefront/checkouts/<checkout_id>/codes/<code>   (or DELETE .../codes with {"code": ...})
GET    /api/storefront/checkouts/<checkout_id>/codes
Header `saleor-api-url` names the installation; answers in English or French (Accept-Language).
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from app.core.errors import AppError, NotFound
from app.coupons import codes as codes_module
from app.coupons import writeback
from app.coupons.checkout import checkout_process, state_lock
from app.coupons.models import AttemptLog, CheckoutState
from app.saleor import payloads
from app.saleor.client import SaleorClient, SaleorUnavailable
from app.saleor.documents import load
from app.saleor.models import Installation
from app.saleor.selectors import installation_get

# Entries through the API per checkout in RATE_WINDOW before answering 429 (guessing codes is slow).
RATE_LIMIT = 30
RATE_WINDOW = timedelta(minutes=10)


class Unavailable(AppError):
    status = 503
    code = "saleor_unavailable"


class TooManyAttempts(AppError):
    status = 429
    code = "too_many_attempts"


def _language(request: HttpRequest) -> str:
    return "fr" if request.headers.get("Accept-Language", "").strip().lower().startswith("fr") else "en"


def _installation(request: HttpRequest) -> Installation:
    url = request.headers.get("saleor-api-url", "").strip()
    if not url:
        raise AppError("The saleor-api-url header is required.", code="missing_saleor_api_url")
    return installation_get(url)


def _checkout(installation: Installation, checkout_id: str) -> payloads.Checkout:
    try:
        data = SaleorClient(installation).execute(load(f"{writeback.DOCS}/checkout_get.graphql"), {"id": checkout_id})
    except SaleorUnavailable as exc:
        raise Unavailable("Saleor is not answering; try again in a moment.") from exc
    if not data.get("checkout"):
        raise NotFound("No such checkout.", code="checkout_not_found")
    return payloads.Checkout.model_validate(data["checkout"])


def _body_code(request: HttpRequest) -> str:
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError) as exc:
        raise AppError("The body must be JSON: {\"code\": \"...\"}.", code="invalid_json") from exc
    if not isinstance(body, dict) or not isinstance(body.get("code"), str):
        raise AppError("The body must be JSON: {\"code\": \"...\"}.", code="invalid_body")
    return body["code"]


def _verdict(item: dict[str, Any], language: str) -> dict[str, Any]:
    return {
        "code": item["code"],
        "applied": item["applied"],
        "amount": item["amount"],
        "currency": item["currency"],
        "reason": item["reason"] or None,
        "message": item["message_fr"] if language == "fr" else item["message"],
    }


def _answer(state_verdicts: list[dict[str, Any]], language: str, *, code: str | None = None,
            discount: dict[str, str] | None = None, status: int = 200) -> JsonResponse:
    body: dict[str, Any] = {"codes": [_verdict(v, language) for v in state_verdicts]}
    if code is not None:
        mine = next((v for v in state_verdicts if v["code"] == code), None)
        body["result"] = _verdict(mine, language) if mine else None
    if discount is not None:
        body["discount"] = discount
    return JsonResponse(body, status=status)


def _rate_check(installation: Installation, checkout_id: str) -> None:
    recent = AttemptLog.objects.filter(installation=installation, checkout_id=checkout_id, source="storefront",
                                       created_at__gte=timezone.now() - RATE_WINDOW).count()
    if recent >= RATE_LIMIT:
        raise TooManyAttempts("Too many codes tried on this checkout; wait a few minutes.")


@require_http_methods(["GET", "POST", "DELETE"])
def checkout_codes(request: HttpRequest, checkout_id: str, code: str | None = None) -> JsonResponse:
    installation = _installation(request)
    language = _language(request)
    if request.method == "GET":
        if code is not None:
            raise AppError("GET lists every code: drop the code from the URL.", code="invalid_request")
        state = CheckoutState.objects.filter(installation=installation, checkout_id=checkout_id).first()
        return _answer(state.verdicts if state else [], language)
    raw = code if code is not None else _body_code(request)
    value = codes_module.canonical(raw)
    if request.method == "POST":
        _rate_check(installation, checkout_id)
    checkout = _checkout(installation, checkout_id)
    with transaction.atomic():
        state = state_lock(installation=installation, checkout_id=checkout.id)
        entered = [e for e in state.entered_codes if e["code"] != value]
        if request.method == "POST":
            entered.append({"code": value, "typed": raw.strip(), "source": "storefront"})
        elif checkout.voucher_code and codes_module.canonical_code(checkout.voucher_code) == value:
            writeback.checkout_code_remove(installation=installation, checkout_id=checkout.id,
                                           promo_code=checkout.voucher_code, key=f"api-delete-{state.pk}-{value}")
            checkout = checkout.model_copy(update={"voucher_code": None})
        state.entered_codes = entered
        state.save(update_fields=["entered_codes", "updated_at"])
        outcome = checkout_process(installation=installation, checkout=checkout)
    if outcome is None:  # nothing entered any more and nothing automatic: no discount
        return _answer([], language, code=None, discount={"amount": "0", "currency": checkout.channel.currency_code})
    discount = outcome.evaluation.total_discount.to_json()
    return _answer(outcome.verdicts, language, code=value if request.method == "POST" else None, discount=discount,
                   status=200)

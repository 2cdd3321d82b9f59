"""The Coupons section's JSON API: thin views over `app.coupons.services` and `app.coupons.selectors`.

Every view is `@dashboard_api(permission="MANAGE_DISCOUNTS")`: JWT + permission checked first, writes in
one transaction, refusals from the services (`AppError`) answered as 4xx JSON. Amounts are strings.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, JsonResponse, StreamingHttpResponse
from django.urls import path
from django.utils import timezone
from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.core.errors import AppError
from app.coupons import selectors, services
from app.coupons.models import AttemptLog, Code, CodeBatch, Coupon, CouponRevision, Redemption
from app.dashboard.auth import MANAGE_DISCOUNTS, dashboard_api, methods
from app.engine import canonical_code, quantize

PAGE_SIZE = 25
MAX_CSV_BYTES = 20_000_000


# --- helpers ---------------------------------------------------------------------------------------
def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _int_param(request: HttpRequest, name: str, default: int, *, minimum: int = 1, maximum: int = 10_000) -> int:
    raw = request.GET.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise AppError(f"{name} must be a whole number.", code="invalid_filter") from None
    if not minimum <= value <= maximum:
        raise AppError(f"{name} must be between {minimum} and {maximum}.", code="invalid_filter")
    return value


def _page(request: HttpRequest, query: Any, serialize: Any, size: int = PAGE_SIZE) -> dict[str, Any]:
    page = _int_param(request, "page", 1)
    rows = list(query[(page - 1) * size : page * size + 1])
    return {"results": [serialize(row) for row in rows[:size]], "page": page, "has_next": len(rows) > size}


def _amount(value: Decimal, currency: str) -> str:
    return str(quantize(Decimal(value), currency))


def _actor(request: HttpRequest) -> str:
    return request.dashboard_user.email or request.dashboard_user.user_id


def _coupon(request: HttpRequest, coupon_id: int) -> Coupon:
    return selectors.coupon_get(installation=request.installation, coupon_id=coupon_id)


def _validity(coupon: Coupon, now: datetime) -> str:
    if coupon.starts_at and coupon.starts_at > now:
        return "scheduled"
    if coupon.ends_at and coupon.ends_at <= now:
        return "expired"
    return "current"


# --- serializers -----------------------------------------------------------------------------------
def coupon_json(coupon: Coupon, *, now: datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    return {
        "id": coupon.pk,
        "name": coupon.name,
        "description": coupon.description,
        "status": coupon.status,
        "validity": _validity(coupon, now),
        "rule": coupon.rule,
        "usage_limit": coupon.usage_limit,
        "usage_limit_per_customer": coupon.usage_limit_per_customer,
        "version": coupon.version,
        "starts_at": _iso(coupon.starts_at),
        "ends_at": _iso(coupon.ends_at),
        "uses": getattr(coupon, "uses", None),
        "mirror_state": coupon.mirror_state,
        "mirror_error": coupon.mirror_error,
        "created_at": _iso(coupon.created_at),
        "updated_at": _iso(coupon.updated_at),
    }


def coupon_detail_json(coupon: Coupon) -> dict[str, Any]:
    data = coupon_json(coupon)
    data["codes"] = sorted(
        Code.objects.filter(coupon=coupon, kind=Code.Kind.STATIC, is_active=True).values_list("code", flat=True)
    )
    data["usage"] = selectors.coupon_usage(coupon=coupon)
    keys = (coupon.rule.get("conditions") or {}).get("customer_groups") or []
    found = selectors.customer_lists_by_key(installation=coupon.installation, keys=keys) if keys else {}
    # The customer lists the rule names, by name (a key without a list shows as itself, id None).
    data["customer_lists"] = [
        {"id": found[k].pk, "key": k, "name": found[k].name} if k in found else {"id": None, "key": k, "name": k}
        for k in keys
    ]
    return data


def batch_json(batch: CodeBatch) -> dict[str, Any]:
    return {
        "id": batch.pk,
        "coupon_id": batch.coupon_id,
        "count": batch.count,
        "generated": batch.generated,
        "progress": batch.progress,
        "status": batch.status,
        "pattern": batch.pattern,
        "prefix": batch.prefix,
        "suffix": batch.suffix,
        "uses_per_code": batch.uses_per_code,
        "error": batch.error,
        "created_at": _iso(batch.created_at),
        "started_at": _iso(batch.started_at),
        "finished_at": _iso(batch.finished_at),
    }


def code_json(code: Code) -> dict[str, Any]:
    return {
        "id": code.pk,
        "code": code.code,
        "kind": code.kind,
        "assigned_customer": code.assigned_customer,
        "usage_limit": code.usage_limit,
        "is_active": code.is_active,
        "batch_id": code.batch_id,
        "created_at": _iso(code.created_at),
    }


def usage_json(redemption: Redemption) -> dict[str, Any]:
    return {
        "id": redemption.pk,
        "coupon_id": redemption.coupon_id,
        "coupon_name": redemption.coupon.name,
        "code": redemption.code.code if redemption.code else redemption.order_code,
        "customer_email": redemption.customer_email,
        "customer_id": redemption.customer_id,
        "order_id": redemption.order_id,
        "order_number": redemption.order_number,
        "amount": _amount(redemption.amount, redemption.currency),
        "currency": redemption.currency,
        "state": redemption.state,
        "created_at": _iso(redemption.created_at),
        "released_at": _iso(redemption.released_at),
        "release_reason": redemption.release_reason,
        "released_by": redemption.released_by,
    }


def revision_json(revision: CouponRevision) -> dict[str, Any]:
    return {
        "id": revision.pk,
        "version": revision.version,
        "actor": revision.actor,
        "action": revision.action,
        "changes": revision.changes,
        "created_at": _iso(revision.created_at),
    }


def attempt_json(attempt: AttemptLog) -> dict[str, Any]:
    return {
        "id": attempt.pk,
        "code_typed": attempt.code_typed,
        "code": attempt.code,
        "checkout_id": attempt.checkout_id,
        "customer_id": attempt.customer_id,
        "customer_email": attempt.customer_email,
        "channel": attempt.channel,
        "source": attempt.source,
        "result": attempt.result,
        "reason": attempt.reason,
        "message": attempt.message,
        "created_at": _iso(attempt.created_at),
    }


# --- inputs ----------------------------------------------------------------------------------------
class BatchInput(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    count: int = Field(ge=1, le=10_000_000)
    pattern: str = Field(min_length=1, max_length=100)
    prefix: str = Field(default="", max_length=50)
    suffix: str = Field(default="", max_length=50)
    uses_per_code: int = Field(default=1, ge=1)


class DiagnoseInput(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: str = Field(min_length=1, max_length=255)
    customer_email: str = Field(default="", max_length=255)
    checkout_id: str = Field(default="", max_length=255)

    @field_validator("customer_email")
    @classmethod
    def _email(cls, value: str) -> str:
        if value and ("@" not in value or " " in value):
            raise ValueError("enter an e-mail address like name@example.com")
        return value.lower()


# --- coupons ---------------------------------------------------------------------------------------
@dashboard_api(permission=MANAGE_DISCOUNTS)
def coupon_list(request: HttpRequest) -> JsonResponse:
    query = selectors.coupon_list(
        installation=request.installation,
        search=request.GET.get("q") or None,
        status=request.GET.get("status") or None,
        validity=request.GET.get("validity") or None,
    )
    now = timezone.now()
    return JsonResponse(_page(request, query, lambda c: coupon_json(c, now=now)))


@dashboard_api(permission=MANAGE_DISCOUNTS, body=dict)
def coupon_create(request: HttpRequest, payload: dict[str, Any]) -> JsonResponse:
    coupon = services.coupon_create(installation=request.installation, data=payload, actor=_actor(request))
    return JsonResponse(coupon_detail_json(coupon), status=201)


@dashboard_api(permission=MANAGE_DISCOUNTS)
def coupon_detail(request: HttpRequest, coupon_id: int) -> JsonResponse:
    return JsonResponse(coupon_detail_json(_coupon(request, coupon_id)))


@dashboard_api(permission=MANAGE_DISCOUNTS, body=dict)
def coupon_update(request: HttpRequest, payload: dict[str, Any], coupon_id: int) -> JsonResponse:
    coupon = _coupon(request, coupon_id)
    version = payload.pop("version", None)
    if version is not None and not isinstance(version, int):
        raise AppError("version must be a whole number.", code="validation_error", fields={"version": "invalid"})
    updated = services.coupon_update(coupon=coupon, data=payload, actor=_actor(request), expected_version=version)
    return JsonResponse(coupon_detail_json(updated))


@dashboard_api(permission=MANAGE_DISCOUNTS)
def coupon_delete(request: HttpRequest, coupon_id: int) -> JsonResponse:
    services.coupon_delete(coupon=_coupon(request, coupon_id), actor=_actor(request))
    return JsonResponse({"deleted": coupon_id})


@dashboard_api(permission=MANAGE_DISCOUNTS)
def coupon_disable(request: HttpRequest, coupon_id: int) -> JsonResponse:
    coupon = services.coupon_disable(coupon=_coupon(request, coupon_id), actor=_actor(request))
    return JsonResponse(coupon_detail_json(coupon))


@dashboard_api(permission=MANAGE_DISCOUNTS)
def coupon_enable(request: HttpRequest, coupon_id: int) -> JsonResponse:
    coupon = services.coupon_enable(coupon=_coupon(request, coupon_id), actor=_actor(request))
    return JsonResponse(coupon_detail_json(coupon))


@dashboard_api(permission=MANAGE_DISCOUNTS)
def coupon_resync(request: HttpRequest, coupon_id: int) -> JsonResponse:
    """Queue the coupon's Saleor voucher write again (after Saleor refused it and the cause was fixed)."""
    coupon = services.coupon_mirror_resync(coupon=_coupon(request, coupon_id))
    return JsonResponse(coupon_detail_json(coupon))


@dashboard_api(permission=MANAGE_DISCOUNTS)
def coupon_history(request: HttpRequest, coupon_id: int) -> JsonResponse:
    coupon = _coupon(request, coupon_id)
    return JsonResponse(_page(request, selectors.coupon_revisions(coupon=coupon), revision_json))


# --- codes and batches -----------------------------------------------------------------------------
@dashboard_api(permission=MANAGE_DISCOUNTS)
def code_list(request: HttpRequest, coupon_id: int) -> JsonResponse:
    coupon = _coupon(request, coupon_id)
    query = Code.objects.filter(coupon=coupon).order_by("code")
    term = canonical_code(request.GET.get("q", ""))
    if term:
        query = query.filter(code__startswith=term)
    return JsonResponse(_page(request, query, code_json))


@dashboard_api(permission=MANAGE_DISCOUNTS)
def batch_list(request: HttpRequest, coupon_id: int) -> JsonResponse:
    coupon = _coupon(request, coupon_id)
    return JsonResponse({"results": [batch_json(b) for b in selectors.code_batch_list(coupon=coupon)[:50]]})


@dashboard_api(permission=MANAGE_DISCOUNTS, body=BatchInput)
def batch_create(request: HttpRequest, payload: BatchInput, coupon_id: int) -> JsonResponse:
    coupon = _coupon(request, coupon_id)
    batch = services.code_batch_create(
        coupon=coupon,
        count=payload.count,
        pattern=payload.pattern,
        prefix=payload.prefix,
        suffix=payload.suffix,
        uses_per_code=payload.uses_per_code,
    )
    return JsonResponse(batch_json(batch), status=201)


@dashboard_api(permission=MANAGE_DISCOUNTS)
def batch_detail(request: HttpRequest, batch_id: int) -> JsonResponse:
    return JsonResponse(batch_json(selectors.code_batch_get(installation=request.installation, batch_id=batch_id)))


def _csv_response(lines: Any, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@dashboard_api(permission=MANAGE_DISCOUNTS)
def codes_export(request: HttpRequest, coupon_id: int) -> StreamingHttpResponse:
    coupon = _coupon(request, coupon_id)
    return _csv_response(selectors.codes_export_csv(coupon=coupon), f"coupon-{coupon.pk}-codes.csv")


@dashboard_api(permission=MANAGE_DISCOUNTS)
def codes_import(request: HttpRequest, coupon_id: int) -> JsonResponse:
    coupon = _coupon(request, coupon_id)
    raw = request.body
    if not raw.strip():
        raise AppError("The file is empty.", code="invalid_csv")
    if len(raw) > MAX_CSV_BYTES:
        raise AppError("The file is larger than 20 MB: split it.", code="body_too_large", status=413)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise AppError("The file is not UTF-8 text: save it as CSV UTF-8.", code="invalid_csv") from None
    result = services.codes_import_csv(coupon=coupon, file=text)
    return JsonResponse({"created": result.created})


# --- usage -----------------------------------------------------------------------------------------
@dashboard_api(permission=MANAGE_DISCOUNTS)
def usage_list(request: HttpRequest, coupon_id: int) -> JsonResponse:
    coupon = _coupon(request, coupon_id)
    query = selectors.usage_list(
        installation=request.installation,
        coupon=coupon,
        state=request.GET.get("state") or None,
        customer=request.GET.get("customer") or None,
        code=request.GET.get("code") or None,
    )
    return JsonResponse(_page(request, query, usage_json))


@dashboard_api(permission=MANAGE_DISCOUNTS)
def usage_export(request: HttpRequest, coupon_id: int) -> StreamingHttpResponse:
    coupon = _coupon(request, coupon_id)
    lines = selectors.usage_export_csv(
        installation=request.installation, coupon=coupon, state=request.GET.get("state") or None
    )
    return _csv_response(lines, f"coupon-{coupon.pk}-usage.csv")


@dashboard_api(permission=MANAGE_DISCOUNTS)
def usage_cancel(request: HttpRequest, redemption_id: int) -> JsonResponse:
    redemption = services.redemption_get(installation=request.installation, redemption_id=redemption_id)
    cancelled = services.redemption_cancel(redemption=redemption, actor=_actor(request))
    return JsonResponse(usage_json(cancelled))


# --- attempts, diagnostics, analytics --------------------------------------------------------------
@dashboard_api(permission=MANAGE_DISCOUNTS)
def attempt_list(request: HttpRequest) -> JsonResponse:
    result = request.GET.get("result") or None
    if result and result not in AttemptLog.Result.values:
        raise AppError(f"result is one of {', '.join(AttemptLog.Result.values)}.", code="invalid_filter")
    rows = selectors.attempt_list(
        installation=request.installation,
        code=request.GET.get("code") or None,
        customer=request.GET.get("customer") or None,
        checkout_id=request.GET.get("checkout") or None,
        result=result,
        limit=_int_param(request, "limit", 200, maximum=1000),
    )
    return JsonResponse({"results": [attempt_json(a) for a in rows]})


@dashboard_api(permission=MANAGE_DISCOUNTS, body=DiagnoseInput)
def diagnose(request: HttpRequest, payload: DiagnoseInput) -> JsonResponse:
    result = selectors.diagnose(
        installation=request.installation,
        code=payload.code,
        customer_email=payload.customer_email,
        checkout_id=payload.checkout_id or None,
        language=request.language,
    )
    return JsonResponse(result.to_json() if hasattr(result, "to_json") else result)


@dashboard_api(permission=MANAGE_DISCOUNTS)
def analytics(request: HttpRequest) -> JsonResponse:
    days = _int_param(request, "days", 30, minimum=7, maximum=366)
    coupon_id = request.GET.get("coupon")
    coupon = _coupon(request, coupon_id) if coupon_id else None
    return JsonResponse(
        {
            "days": days,
            "per_day": selectors.redemptions_per_day(installation=request.installation, coupon=coupon, days=days),
            "per_coupon": selectors.discount_per_coupon(installation=request.installation),
        }
    )


urlpatterns = [
    path("api/dashboard/coupons", methods(get=coupon_list, post=coupon_create)),
    path(
        "api/dashboard/coupons/<int:coupon_id>",
        methods(get=coupon_detail, put=coupon_update, delete=coupon_delete),
    ),
    path("api/dashboard/coupons/<int:coupon_id>/disable", methods(post=coupon_disable)),
    path("api/dashboard/coupons/<int:coupon_id>/enable", methods(post=coupon_enable)),
    path("api/dashboard/coupons/<int:coupon_id>/resync", methods(post=coupon_resync)),
    path("api/dashboard/coupons/<int:coupon_id>/history", methods(get=coupon_history)),
    path("api/dashboard/coupons/<int:coupon_id>/codes", methods(get=code_list)),
    path("api/dashboard/coupons/<int:coupon_id>/codes.csv", methods(get=codes_export)),
    path("api/dashboard/coupons/<int:coupon_id>/codes/import", methods(post=codes_import)),
    path("api/dashboard/coupons/<int:coupon_id>/batches", methods(get=batch_list, post=batch_create)),
    path("api/dashboard/batches/<int:batch_id>", methods(get=batch_detail)),
    path("api/dashboard/coupons/<int:coupon_id>/usage", methods(get=usage_list)),
    path("api/dashboard/coupons/<int:coupon_id>/usage.csv", methods(get=usage_export)),
    path("api/dashboard/usage/<int:redemption_id>/cancel", methods(post=usage_cancel)),
    path("api/dashboard/attempts", methods(get=attempt_list)),
    path("api/dashboard/diagnose", methods(post=diagnose)),
    path("api/dashboard/analytics", methods(get=analytics)),
]

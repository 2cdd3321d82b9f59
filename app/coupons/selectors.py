"""Reads for the Dashboard and the storefront: coupons, codes, batches, usage, attempts, analytics,
diagnostics (`diagnose`, in `app.coupons.diagnostics`). Keyword-only, typed."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Lower, TruncDate
from django.utils import timezone

from app.core.errors import AppError, NotFound
from app.coupons.models import (
    AttemptLog,
    Code,
    CodeBatch,
    Coupon,
    CouponRevision,
    CustomerList,
    CustomerListMember,
    Redemption,
)
from app.engine import Rule, canonical_code, quantize
from app.saleor.models import Installation

__all__ = [
    "attempt_json",
    "attempt_list",
    "batch_json",
    "code_json",
    "coupon_json",
    "redemption_json",
    "revision_json",
    "code_batch_get",
    "code_batch_list",
    "code_get",
    "code_search",
    "codes_export_csv",
    "coupon_get",
    "coupon_list",
    "coupon_revisions",
    "coupon_rule",
    "coupon_usage",
    "customer_list_coupons",
    "customer_list_export_csv",
    "customer_list_get",
    "customer_list_json",
    "customer_list_keys_for",
    "customer_list_list",
    "customer_list_member_json",
    "customer_list_members",
    "customer_list_usage",
    "customer_lists_by_key",
    "diagnose",
    "discount_per_coupon",
    "redemptions_per_day",
    "usage_export_csv",
    "usage_list",
]

Validity = Literal["current", "scheduled", "expired"]


def coupon_rule(coupon: Coupon) -> Rule:
    """The engine rule of a coupon: its id is the coupon's pk, its name the coupon's, enabled = active."""
    return Rule.model_validate(
        {**coupon.rule, "id": str(coupon.pk), "name": coupon.name, "enabled": coupon.status == Coupon.Status.ACTIVE}
    )


def coupon_get(*, installation: Installation, coupon_id: int | str) -> Coupon:
    try:
        return Coupon.objects.get(installation=installation, pk=int(coupon_id))
    except (Coupon.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("No such coupon.", code="coupon_not_found") from exc


def coupon_list(
    *,
    installation: Installation,
    search: str | None = None,
    status: str | None = None,
    validity: Validity | None = None,
    now: datetime | None = None,
) -> QuerySet[Coupon]:
    """Coupons, newest first, annotated with `uses` (active redemptions) and `codes_count`.
    `search` matches the name (contains) or a code (exact, case-insensitive, or prefix)."""
    now = now or timezone.now()
    query = Coupon.objects.filter(installation=installation)
    if search and search.strip():
        term = search.strip()
        code = canonical_code(term)
        by_code = Code.objects.filter(installation=installation, code__startswith=code).values("coupon_id")
        query = query.filter(Q(name__icontains=term) | Q(pk__in=by_code))
    if status:
        if status not in Coupon.Status.values:
            raise AppError(f"status is one of {', '.join(Coupon.Status.values)}.", code="invalid_filter")
        query = query.filter(status=status)
    if validity:
        if validity == "current":
            query = query.filter(Q(starts_at__isnull=True) | Q(starts_at__lte=now)).filter(
                Q(ends_at__isnull=True) | Q(ends_at__gt=now))
        elif validity == "scheduled":
            query = query.filter(starts_at__gt=now)
        elif validity == "expired":
            query = query.filter(ends_at__lte=now)
        else:
            raise AppError("validity is one of current, scheduled, expired.", code="invalid_filter")
    uses = Count("redemptions", filter=Q(redemptions__state=Redemption.State.ACTIVE), distinct=True)
    return query.annotate(uses=uses).order_by("-created_at", "-id")


def coupon_usage(*, coupon: Coupon) -> dict[str, Any]:
    """Uses so far and what is left, for a coupon page."""
    active = Redemption.objects.filter(coupon=coupon, state=Redemption.State.ACTIVE)
    uses = active.count()
    return {
        "uses": uses,
        "released": Redemption.objects.filter(coupon=coupon, state=Redemption.State.RELEASED).count(),
        "usage_limit": coupon.usage_limit,
        "uses_left": None if coupon.usage_limit is None else max(coupon.usage_limit - uses, 0),
        "codes": Code.objects.filter(coupon=coupon).count(),
        "codes_active": Code.objects.filter(coupon=coupon, is_active=True).count(),
        "discount": [
            {"currency": row["currency"], "amount": str(row["amount"])}
            for row in active.values("currency").annotate(amount=Sum("amount")).order_by("currency")
        ],
    }


def coupon_revisions(*, coupon: Coupon) -> QuerySet[CouponRevision]:
    return coupon.revisions.order_by("-created_at", "-id")


def code_get(*, installation: Installation, code: str) -> Code | None:
    """The code whatever case it was typed in, or None."""
    return Code.objects.select_related("coupon").filter(installation=installation, code=canonical_code(code)).first()


def code_search(*, installation: Installation, code: str, limit: int = 50) -> list[Code]:
    """Codes equal to or starting with `code` (case-insensitive), exact match first."""
    value = canonical_code(code)
    if not value:
        return []
    exact = list(Code.objects.select_related("coupon").filter(installation=installation, code=value))
    rest = list(
        Code.objects.select_related("coupon").filter(installation=installation, code__startswith=value)
        .exclude(code=value).order_by("code")[: max(limit - len(exact), 0)]
    )
    return exact + rest


def code_batch_get(*, installation: Installation, batch_id: int | str) -> CodeBatch:
    """A batch with its progress (`generated` / `count`, `status`)."""
    try:
        return CodeBatch.objects.select_related("coupon").get(coupon__installation=installation, pk=int(batch_id))
    except (CodeBatch.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("No such code batch.", code="batch_not_found") from exc


def code_batch_list(*, coupon: Coupon) -> QuerySet[CodeBatch]:
    return coupon.batches.order_by("-created_at", "-id")


def _csv_line(values: list[Any]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(["" if v is None else v for v in values])
    return buffer.getvalue()


def codes_export_csv(*, coupon: Coupon, chunk: int = 5000) -> Iterator[str]:
    """CSV lines (streaming, constant memory) of a coupon's codes: code, kind, assigned_customer,
    usage_limit, uses, active, in_saleor, created_at."""
    yield _csv_line(["code", "kind", "assigned_customer", "usage_limit", "uses", "active", "in_saleor", "created_at"])
    last = 0
    while True:
        rows = list(Code.objects.filter(coupon=coupon, pk__gt=last).order_by("pk")[:chunk])
        if not rows:
            return
        used = dict(
            Redemption.objects.filter(code__in=rows, state=Redemption.State.ACTIVE)
            .values("code_id").annotate(n=Count("id")).values_list("code_id", "n")
        )
        for row in rows:
            yield _csv_line([row.code, row.kind, row.assigned_customer, row.usage_limit, used.get(row.pk, 0),
                             "yes" if row.is_active else "no", "yes" if row.saleor_sync == "pushed" else "no",
                             row.created_at.isoformat()])
        last = rows[-1].pk


def usage_list(
    *,
    installation: Installation,
    coupon: Coupon | None = None,
    state: str | None = None,
    customer: str | None = None,
    code: str | None = None,
    since: datetime | date | None = None,
    until: datetime | date | None = None,
) -> QuerySet[Redemption]:
    """Redemptions, newest first: who, how much, when, which order, active or released."""
    query = Redemption.objects.filter(installation=installation).select_related("coupon", "code")
    if coupon is not None:
        query = query.filter(coupon=coupon)
    if state:
        if state not in Redemption.State.values:
            raise AppError("state is active or released.", code="invalid_filter")
        query = query.filter(state=state)
    if customer:
        who = customer.strip()
        query = query.filter(Q(customer_email=who.lower()) | Q(customer_id=who))
    if code:
        value = canonical_code(code)
        query = query.filter(Q(code__code=value) | Q(order_code=value))
    if since:
        query = query.filter(created_at__gte=since)
    if until:
        query = query.filter(created_at__lt=until)
    return query.order_by("-created_at", "-id")


def usage_export_csv(
    *, installation: Installation, coupon: Coupon | None = None, state: str | None = None, chunk: int = 2000
) -> Iterator[str]:
    """Usage as CSV lines (streaming): date, coupon, code, customer, order, amount, currency, state."""
    yield _csv_line(["date", "coupon", "code", "customer_email", "customer_id", "order_number", "order_id",
                     "amount", "currency", "state", "released_at", "release_reason"])
    query = usage_list(installation=installation, coupon=coupon, state=state).order_by("pk")
    last = 0
    while True:
        rows = list(query.filter(pk__gt=last)[:chunk])
        if not rows:
            return
        for r in rows:
            yield _csv_line([r.created_at.isoformat(), r.coupon.name, r.code.code if r.code else r.order_code,
                             r.customer_email, r.customer_id, r.order_number, r.order_id,
                             str(quantize(r.amount, r.currency)),
                             r.currency, r.state, r.released_at.isoformat() if r.released_at else "",
                             r.release_reason])
        last = rows[-1].pk


def attempt_list(
    *,
    installation: Installation,
    code: str | None = None,
    customer: str | None = None,
    checkout_id: str | None = None,
    result: str | None = None,
    limit: int = 200,
) -> list[AttemptLog]:
    """What shoppers really typed, newest first (kept ATTEMPTS_RETENTION_DAYS)."""
    query = AttemptLog.objects.filter(installation=installation)
    if code:
        query = query.filter(code=canonical_code(code))
    if customer:
        who = customer.strip()
        query = query.filter(Q(customer_email=who.lower()) | Q(customer_id=who))
    if checkout_id:
        query = query.filter(checkout_id=checkout_id)
    if result:
        query = query.filter(result=result)
    return list(query.order_by("-created_at", "-id")[:limit])


# --- analytics -------------------------------------------------------------------------------------
def redemptions_per_day(
    *, installation: Installation, coupon: Coupon | None = None, days: int = 30, now: datetime | None = None
) -> list[dict[str, Any]]:
    """[{"date": "2026-11-25", "count": 3, "amounts": {"EUR": "12.50"}}] for the last `days` days
    (active redemptions, by creation day, UTC; days without any are included with zero)."""
    now = now or timezone.now()
    start = (now - timedelta(days=days - 1)).date()
    query = Redemption.objects.filter(installation=installation, state=Redemption.State.ACTIVE,
                                      created_at__date__gte=start)
    if coupon is not None:
        query = query.filter(coupon=coupon)
    rows = query.annotate(day=TruncDate("created_at")).values("day", "currency").annotate(
        n=Count("id"), amount=Sum("amount"))
    by_day: dict[date, dict[str, Any]] = {}
    for row in rows:
        entry = by_day.setdefault(row["day"], {"count": 0, "amounts": {}})
        entry["count"] += row["n"]
        entry["amounts"][row["currency"]] = str(Decimal(row["amount"]).quantize(Decimal("0.01")))
    out = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        entry = by_day.get(day, {"count": 0, "amounts": {}})
        out.append({"date": day.isoformat(), "count": entry["count"], "amounts": entry["amounts"]})
    return out


def discount_per_coupon(*, installation: Installation) -> list[dict[str, Any]]:
    """[{"coupon_id", "name", "uses", "amounts": {"EUR": "120.00"}}], most used first."""
    rows = (
        Redemption.objects.filter(installation=installation, state=Redemption.State.ACTIVE)
        .values("coupon_id", "coupon__name", "currency").annotate(n=Count("id"), amount=Sum("amount"))
    )
    out: dict[int, dict[str, Any]] = {}
    for row in rows:
        entry = out.setdefault(row["coupon_id"], {"coupon_id": row["coupon_id"], "name": row["coupon__name"],
                                                   "uses": 0, "amounts": {}})
        entry["uses"] += row["n"]
        entry["amounts"][row["currency"]] = str(Decimal(row["amount"]).quantize(Decimal("0.01")))
    return sorted(out.values(), key=lambda e: (-e["uses"], e["coupon_id"]))


def diagnose(*, installation: Installation, code: str, customer_email: str = "", checkout_id: str | None = None,
             language: str = "en", now: datetime | None = None) -> Any:
    """Every reason `code` fails for this customer (and checkout): see `app.coupons.diagnostics.diagnose`."""
    from app.coupons.diagnostics import diagnose as run

    return run(installation=installation, code=code, customer_email=customer_email, checkout_id=checkout_id,
               language=language, now=now)


# --- customer lists --------------------------------------------------------------------------------
def customer_list_get(*, installation: Installation, list_id: int | str) -> CustomerList:
    try:
        return CustomerList.objects.get(installation=installation, pk=int(list_id))
    except (CustomerList.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("No such customer list.", code="customer_list_not_found") from exc


def customer_list_list(*, installation: Installation, search: str | None = None) -> QuerySet[CustomerList]:
    """The installation's lists by name, annotated with `members_count`. `search`: name or key contains."""
    query = CustomerList.objects.filter(installation=installation)
    if search and search.strip():
        term = search.strip()
        query = query.filter(Q(name__icontains=term) | Q(key__icontains=term))
    return query.annotate(members_count=Count("members")).order_by(Lower("name"), "id")


def customer_lists_by_key(*, installation: Installation, keys: Iterable[str]) -> dict[str, CustomerList]:
    keys = set(keys)
    if not keys:
        return {}
    return {c.key: c for c in CustomerList.objects.filter(installation=installation, key__in=keys)}


def customer_list_keys_for(
    *, installation: Installation, email: str | None = None, user_id: str | None = None,
    keys: Iterable[str] | None = None,
) -> frozenset[str]:
    """The keys of the lists this customer belongs to (by lower-case e-mail or Saleor user id): ONE query on
    the (installation, email) / (installation, user_id) indexes. `keys` narrows it to the lists a rule names."""
    who = Q(pk__in=[])
    if email:
        who |= Q(email=email.strip().lower())
    if user_id:
        who |= Q(user_id=user_id)
    if not (email or user_id):
        return frozenset()
    query = CustomerListMember.objects.filter(installation=installation).filter(who)
    if keys is not None:
        keys = set(keys)
        if not keys:
            return frozenset()
        query = query.filter(customer_list__key__in=keys)
    return frozenset(query.values_list("customer_list__key", flat=True).distinct())


def customer_list_usage(*, installation: Installation) -> dict[str, list[dict[str, Any]]]:
    """{list key: [{"id", "name", "status"}]} of the coupons (any status) whose rule names the list."""
    rows = (Coupon.objects.filter(installation=installation).order_by(Lower("name"), "id")
            .values_list("pk", "name", "status", "rule__conditions__customer_groups"))
    usage: dict[str, list[dict[str, Any]]] = {}
    for pk, name, status, groups in rows:
        for key in groups or []:
            usage.setdefault(key, []).append({"id": pk, "name": name, "status": status})
    return usage


def customer_list_coupons(*, customer_list: CustomerList) -> list[dict[str, Any]]:
    """The coupons (any status) whose rule names this list: [{"id", "name", "status"}]."""
    return customer_list_usage(installation=customer_list.installation).get(customer_list.key, [])


def customer_list_members(*, customer_list: CustomerList, search: str | None = None) -> QuerySet[CustomerListMember]:
    """Members, most recently added first. `search`: part of an e-mail, or a Saleor customer ID (exact)."""
    query = CustomerListMember.objects.filter(customer_list=customer_list)
    if search and search.strip():
        term = search.strip()
        query = query.filter(Q(email__contains=term.lower()) | Q(user_id=term))
    return query.order_by("-id")


def customer_list_export_csv(*, customer_list: CustomerList, chunk: int = 5000) -> Iterator[str]:
    """The members as CSV lines (streaming, constant memory): email, user_id, added_at. The import reads
    this file back."""
    yield _csv_line(["email", "user_id", "added_at"])
    last = 0
    members = CustomerListMember.objects.filter(customer_list=customer_list)
    while True:
        rows = list(members.filter(pk__gt=last).order_by("pk")[:chunk])
        if not rows:
            return
        for row in rows:
            yield _csv_line([row.email, row.user_id, row.created_at.isoformat()])
        last = rows[-1].pk


# --- JSON shapes for the Dashboard / API (amounts as strings, dates ISO 8601) ------------------------
def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def coupon_json(coupon: Coupon, *, with_codes: bool = False) -> dict[str, Any]:
    """A coupon as the Dashboard shows / edits it (the `CouponInput` fields + state)."""
    data: dict[str, Any] = {
        "id": coupon.pk,
        "name": coupon.name,
        "description": coupon.description,
        "rule": coupon.rule,
        "status": coupon.status,
        "is_automatic": coupon.is_automatic,
        "usage_limit": coupon.usage_limit,
        "usage_limit_per_customer": coupon.usage_limit_per_customer,
        "version": coupon.version,
        "starts_at": _iso(coupon.starts_at),
        "ends_at": _iso(coupon.ends_at),
        "mirror": {"state": coupon.mirror_state, "error": coupon.mirror_error,
                   "saleor_voucher_id": coupon.saleor_voucher_id or None,
                   "in_step": coupon.mirrored_version == coupon.version},
        "uses": getattr(coupon, "uses", None),
        "created_at": _iso(coupon.created_at),
        "updated_at": _iso(coupon.updated_at),
    }
    if with_codes:
        data["codes"] = list(coupon.codes.filter(kind=Code.Kind.STATIC, is_active=True).order_by("code")
                             .values_list("code", flat=True))
    return data


def code_json(code: Code) -> dict[str, Any]:
    return {"code": code.code, "kind": code.kind, "coupon_id": code.coupon_id, "active": code.is_active,
            "assigned_customer": code.assigned_customer or None, "usage_limit": code.usage_limit,
            "in_saleor": code.saleor_sync == "pushed", "created_at": _iso(code.created_at)}


def batch_json(batch: CodeBatch) -> dict[str, Any]:
    return {"id": batch.pk, "coupon_id": batch.coupon_id, "count": batch.count, "generated": batch.generated,
            "progress": round(batch.progress, 4), "status": batch.status, "pattern": batch.pattern,
            "prefix": batch.prefix, "suffix": batch.suffix, "charset": batch.charset, "error": batch.error,
            "started_at": _iso(batch.started_at), "finished_at": _iso(batch.finished_at)}


def redemption_json(redemption: Redemption) -> dict[str, Any]:
    return {"id": redemption.pk, "coupon_id": redemption.coupon_id,
            "code": redemption.code.code if redemption.code_id else redemption.order_code,
            "order_code": redemption.order_code, "customer_email": redemption.customer_email,
            "customer_id": redemption.customer_id or None, "order_id": redemption.order_id,
            "order_number": redemption.order_number, "amount": str(quantize(redemption.amount, redemption.currency)),
            "currency": redemption.currency, "state": redemption.state, "created_at": _iso(redemption.created_at),
            "released_at": _iso(redemption.released_at), "release_reason": redemption.release_reason or None}


def attempt_json(attempt: AttemptLog) -> dict[str, Any]:
    return {"id": attempt.pk, "code_typed": attempt.code_typed, "code": attempt.code,
            "checkout_id": attempt.checkout_id, "customer_email": attempt.customer_email,
            "customer_id": attempt.customer_id, "channel": attempt.channel, "source": attempt.source,
            "result": attempt.result, "reason": attempt.reason or None, "message": attempt.message,
            "created_at": _iso(attempt.created_at)}


def customer_list_json(customer_list: CustomerList, *, coupons: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": customer_list.pk, "key": customer_list.key, "name": customer_list.name,
        "description": customer_list.description,
        "members_count": getattr(customer_list, "members_count", None),
        "created_at": _iso(customer_list.created_at), "updated_at": _iso(customer_list.updated_at),
    }
    if coupons is not None:
        data["coupons"] = coupons
    return data


def customer_list_member_json(member: CustomerListMember) -> dict[str, Any]:
    return {"id": member.pk, "email": member.email or None, "user_id": member.user_id or None,
            "added_at": _iso(member.created_at)}


def revision_json(revision: CouponRevision) -> dict[str, Any]:
    return {"version": revision.version, "actor": revision.actor, "action": revision.action,
            "changes": revision.changes, "created_at": _iso(revision.created_at)}

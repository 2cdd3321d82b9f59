"""Writes: merchant services (create / edit / disable / delete coupons, codes, batches, cancel a usage)
and the redemption lifecycle called by the order webhooks. Keyword-only, typed; refusals raise
`app.core.errors` exceptions with a message the merchant can act on."""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from app.core import jobs
from app.core.errors import AppError, Conflict, NotFound
from app.coupons import codes as codes_module
from app.coupons.inputs import CouponInput, coupon_input_parse
from app.coupons.models import (
    DEFAULT_CHARSET,
    AttemptLog,
    Code,
    CodeBatch,
    Coupon,
    CouponRevision,
    KnownCustomer,
    Redemption,
)
from app.saleor.models import Installation

log = logging.getLogger("app.coupons")

__all__ = [
    "CouponInput",
    "ImportResult",
    "attempts_purge",
    "code_add",
    "code_batch_create",
    "code_batch_run",
    "codes_import_csv",
    "coupon_create",
    "coupon_delete",
    "coupon_disable",
    "coupon_enable",
    "coupon_mirror_resync",
    "coupon_update",
    "customer_remember",
    "redemption_cancel",
    "redemption_record",
    "redemption_release",
]


# --- coupons ---------------------------------------------------------------------------------------
def _snapshot(coupon: Coupon) -> dict[str, Any]:
    return {
        "name": coupon.name,
        "description": coupon.description,
        "rule": coupon.rule,
        "status": coupon.status,
        "usage_limit": coupon.usage_limit,
        "usage_limit_per_customer": coupon.usage_limit_per_customer,
        "codes": sorted(
            coupon.codes.filter(kind=Code.Kind.STATIC, is_active=True).values_list("code", flat=True)
        ) if coupon.pk else [],
    }


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    return {key: {"before": before.get(key), "after": after[key]} for key in after if before.get(key) != after[key]}


def _revision(coupon: Coupon, *, actor: str, action: str, before: dict[str, Any]) -> CouponRevision:
    return CouponRevision.objects.create(
        coupon=coupon, version=coupon.version, actor=actor or "", action=action,
        changes=_diff(before, _snapshot(coupon)),
    )


def _automatic_changed() -> None:
    """Forget this process's cache of automatic coupons (now and after the commit)."""
    from app.coupons.checkout import automatic_coupons_changed

    automatic_coupons_changed()
    transaction.on_commit(automatic_coupons_changed)


def _apply_window(coupon: Coupon) -> None:
    _automatic_changed()
    coupon.is_automatic = not coupon.rule.get("requires_code", True)
    conditions = coupon.rule.get("conditions") or {}
    coupon.starts_at = _parse_dt(conditions.get("starts_at"))
    coupon.ends_at = _parse_dt(conditions.get("ends_at"))


def _parse_dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _set_static_codes(coupon: Coupon, wanted: list[str]) -> None:
    existing = {c.code: c for c in Code.objects.filter(coupon=coupon, kind=Code.Kind.STATIC)}
    taken = set(
        Code.objects.filter(installation_id=coupon.installation_id, code__in=wanted)
        .exclude(coupon=coupon)
        .values_list("code", flat=True)
    )
    if taken:
        raise Conflict(
            f"These codes already belong to another coupon: {', '.join(sorted(taken))}. Codes are unique "
            "(case-insensitive): choose other codes.",
            code="code_taken",
            codes=sorted(taken),
        )
    for code in wanted:
        current = existing.get(code)
        if current is None:
            Code.objects.create(installation_id=coupon.installation_id, coupon=coupon, code=code, kind=Code.Kind.STATIC)
        elif not current.is_active:
            current.is_active = True
            current.save(update_fields=["is_active"])
    for code, current in existing.items():
        if code not in wanted and current.is_active:
            current.is_active = False
            current.save(update_fields=["is_active"])


def coupon_create(*, installation: Installation, data: CouponInput | dict[str, Any] | str, actor: str = "") -> Coupon:
    """Create a coupon (and its static codes); queue its mirror to Saleor."""
    from app.coupons import writeback

    parsed = coupon_input_parse(data)
    with transaction.atomic():
        coupon = Coupon(
            installation=installation,
            name=parsed.name,
            description=parsed.description,
            rule=parsed.rule,
            status=parsed.status,
            usage_limit=parsed.usage_limit,
            usage_limit_per_customer=parsed.usage_limit_per_customer,
        )
        _apply_window(coupon)
        coupon.save()
        _set_static_codes(coupon, parsed.codes or [])
        CouponRevision.objects.create(
            coupon=coupon, version=coupon.version, actor=actor or "", action="created",
            changes={k: {"before": None, "after": v} for k, v in _snapshot(coupon).items()},
        )
        writeback.mirror_schedule(coupon=coupon)
    log.info("coupon created", extra={"coupon": coupon.pk, "installation": installation.pk, "actor": actor})
    return coupon


def _lock(coupon: Coupon, expected_version: int | None) -> Coupon:
    locked = Coupon.objects.select_for_update().get(pk=coupon.pk)
    if expected_version is not None and locked.version != expected_version:
        raise Conflict(
            f"This coupon was changed by someone else meanwhile (version {locked.version}, you edited version "
            f"{expected_version}). Reload it and apply your change again.",
            code="version_conflict",
            current_version=locked.version,
        )
    return locked


def coupon_update(
    *, coupon: Coupon, data: CouponInput | dict[str, Any] | str, actor: str = "", expected_version: int | None = None
) -> Coupon:
    """Edit a coupon; refused with `version_conflict` when `expected_version` is stale. Keeps a revision and
    queues the Saleor mirror update. Past redemptions are not changed."""
    from app.coupons import writeback

    parsed = coupon_input_parse(data)
    with transaction.atomic():
        locked = _lock(coupon, expected_version)
        before = _snapshot(locked)
        locked.name = parsed.name
        locked.description = parsed.description
        locked.rule = parsed.rule
        locked.status = parsed.status
        locked.usage_limit = parsed.usage_limit
        locked.usage_limit_per_customer = parsed.usage_limit_per_customer
        _apply_window(locked)
        if parsed.codes is not None:
            _set_static_codes(locked, parsed.codes)
        if _snapshot(locked) == before:
            return locked
        locked.version += 1
        locked.save()
        _revision(locked, actor=actor, action="updated", before=before)
        writeback.mirror_schedule(coupon=locked)
    log.info("coupon updated", extra={"coupon": locked.pk, "version": locked.version, "actor": actor})
    return locked


def _set_status(coupon: Coupon, status: str, *, actor: str, action: str) -> Coupon:
    from app.coupons import writeback

    with transaction.atomic():
        locked = _lock(coupon, None)
        if locked.status == status:
            return locked
        before = _snapshot(locked)
        locked.status = status
        locked.version += 1
        locked.save()
        _automatic_changed()
        _revision(locked, actor=actor, action=action, before=before)
        writeback.mirror_schedule(coupon=locked)
    return locked


def coupon_disable(*, coupon: Coupon, actor: str = "") -> Coupon:
    """Stop the coupon everywhere (its codes stop applying; Saleor's voucher loses its channels). Reversible."""
    return _set_status(coupon, Coupon.Status.DISABLED, actor=actor, action="disabled")


def coupon_enable(*, coupon: Coupon, actor: str = "") -> Coupon:
    return _set_status(coupon, Coupon.Status.ACTIVE, actor=actor, action="enabled")


def coupon_delete(*, coupon: Coupon, actor: str = "") -> None:
    """Delete a coupon that was never used. Refused with `has_redemptions` otherwise: disable it instead."""
    from app.coupons import writeback

    with transaction.atomic():
        locked = _lock(coupon, None)
        used = Redemption.objects.filter(coupon=locked).count()
        if used:
            raise Conflict(
                f"This coupon was used in {used} order(s): deleting it would break their history. Disable it "
                "instead: its codes stop working at once and you keep the usage history.",
                code="has_redemptions",
                redemptions=used,
                suggestion="disable",
            )
        writeback.mirror_remove(coupon=locked)
        _automatic_changed()
        log.info("coupon deleted", extra={"coupon": locked.pk, "actor": actor, "coupon_name": locked.name})
        locked.delete()


def coupon_mirror_resync(*, coupon: Coupon) -> Coupon:
    """Queue the Saleor mirror again (after a failed write was fixed in Saleor, or a dead outbox job)."""
    from app.coupons import writeback

    with transaction.atomic():
        locked = _lock(coupon, None)
        locked.push_in_flight = False
        locked.mirror_error = ""
        locked.save(update_fields=["push_in_flight", "mirror_error", "updated_at"])
        writeback.mirror_schedule(coupon=locked, force=True)
    return locked


# --- codes -----------------------------------------------------------------------------------------
def code_add(
    *, coupon: Coupon, code: str, assigned_customer: str = "", usage_limit: int | None = None,
    kind: str = Code.Kind.STATIC,
) -> Code:
    """Add one code to a coupon (canonical upper-case; refused if the installation already has it)."""
    from app.coupons import writeback

    value = codes_module.canonical(code)
    if usage_limit is not None and usage_limit < 1:
        raise AppError("A code's usage limit is at least 1 (leave it empty for no limit).", code="invalid_limit")
    if not coupon.rule.get("requires_code", True):
        raise AppError("An automatic coupon has no codes.", code="automatic_coupon")
    try:
        with transaction.atomic():
            created = Code.objects.create(
                installation_id=coupon.installation_id, coupon=coupon, code=value, kind=kind,
                assigned_customer=_who(assigned_customer), usage_limit=usage_limit,
            )
            writeback.codes_push_schedule(coupon=coupon)
    except IntegrityError as exc:
        raise Conflict(f"The code {value} already exists (codes are case-insensitive).", code="code_taken",
                       codes=[value]) from exc
    return created


def _who(customer: str) -> str:
    customer = (customer or "").strip()
    return customer.lower() if "@" in customer else customer


def code_batch_create(
    *, coupon: Coupon, count: int, pattern: str, prefix: str = "", suffix: str = "",
    charset: str = DEFAULT_CHARSET, uses_per_code: int = 1,
) -> CodeBatch:
    """Queue the generation of `count` unique codes (a job runs it in chunks; read progress with
    `selectors.code_batch_get`). Refused when the pattern cannot hold that many codes."""
    shape = codes_module.pattern_validate(pattern=pattern, prefix=prefix, suffix=suffix, charset=charset, count=count)
    if uses_per_code < 1:
        raise AppError("Each code can be used at least once.", code="invalid_limit")
    if not coupon.rule.get("requires_code", True):
        raise AppError("An automatic coupon has no codes.", code="automatic_coupon")
    with transaction.atomic():
        batch = CodeBatch.objects.create(
            coupon=coupon, count=count, pattern=shape.pattern, prefix=shape.prefix, suffix=shape.suffix,
            charset=shape.charset, uses_per_code=uses_per_code,
        )
        jobs.enqueue("coupons.generate_batch", {"batch_id": batch.pk}, dedupe_key=f"coupons.batch:{batch.pk}")
    return batch


def code_batch_run(*, batch: CodeBatch, chunk_size: int = codes_module.CHUNK_SIZE,
                   max_chunks: int | None = None) -> CodeBatch:
    """Generate (or resume) a batch; when done, queue the push of its codes to Saleor."""
    from app.coupons import writeback

    result = codes_module.batch_generate(batch=batch, chunk_size=chunk_size, max_chunks=max_chunks)
    if result.status == CodeBatch.Status.DONE:
        with transaction.atomic():
            writeback.codes_push_schedule(coupon=result.coupon)
    return result


@dataclass
class ImportResult:
    created: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)


def codes_import_csv(
    *, coupon: Coupon, file: io.TextIOBase | Iterable[str] | str | bytes, max_rows: int = 100_000
) -> ImportResult:
    """Import codes from CSV (header `code` and optionally `assigned_customer`, `usage_limit`). All or
    nothing: any bad row refuses the whole file with every problem listed by line."""
    from app.coupons import writeback

    if isinstance(file, bytes):
        file = file.decode("utf-8-sig")
    if isinstance(file, str):
        file = io.StringIO(file)
    reader = csv.DictReader(file)
    fields = [f.strip().lower() for f in (reader.fieldnames or [])]
    if "code" not in fields:
        raise AppError('The CSV needs a header line with a "code" column (optional: assigned_customer, usage_limit).',
                       code="invalid_csv")
    reader.fieldnames = fields
    rows: list[Code] = []
    errors: list[dict[str, Any]] = []
    seen: set[str] = set()
    for number, row in enumerate(reader, start=2):
        if number - 1 > max_rows:
            raise AppError(f"At most {max_rows:,} codes per file: split it.", code="invalid_csv")
        try:
            value = codes_module.canonical(row.get("code") or "")
            if value in seen:
                raise AppError(f"{value} appears twice in the file", code="duplicate")
            seen.add(value)
            limit_raw = (row.get("usage_limit") or "").strip()
            limit = int(limit_raw) if limit_raw else None
            if limit is not None and limit < 1:
                raise AppError("usage_limit must be 1 or more", code="invalid_limit")
        except ValueError:
            errors.append({"line": number, "message": "usage_limit must be a whole number"})
            continue
        except AppError as exc:
            errors.append({"line": number, "message": exc.message})
            continue
        rows.append(Code(
            installation_id=coupon.installation_id, coupon=coupon, code=value,
            kind=Code.Kind.UNIQUE if (row.get("assigned_customer") or "").strip() else Code.Kind.STATIC,
            assigned_customer=_who(row.get("assigned_customer") or ""), usage_limit=limit,
        ))
    taken = set()
    for start in range(0, len(rows), 5000):
        chunk = [r.code for r in rows[start:start + 5000]]
        taken |= set(Code.objects.filter(installation_id=coupon.installation_id, code__in=chunk)
                     .values_list("code", flat=True))
    if taken:
        errors.extend({"line": None, "message": f"{c} already exists"} for c in sorted(taken)[:50])
    if errors:
        raise AppError(f"The file was not imported: {len(errors)} problem(s).", code="invalid_csv", errors=errors[:200])
    with transaction.atomic():
        Code.objects.bulk_create(rows, batch_size=5000)
        writeback.codes_push_schedule(coupon=coupon)
    return ImportResult(created=len(rows))


# --- customers -------------------------------------------------------------------------------------
def customer_remember(*, installation: Installation, user_id: str, email: str) -> None:
    """Link a Saleor user id to its e-mail (codes may be assigned to either)."""
    KnownCustomer.objects.update_or_create(
        installation=installation, user_id=user_id, defaults={"email": (email or "").strip().lower()}
    )


# --- redemptions -----------------------------------------------------------------------------------
def _customer_q(customer_id: str, customer_email: str) -> Q:
    query = Q(pk__in=[])
    if customer_id:
        query |= Q(customer_id=customer_id)
    if customer_email:
        query |= Q(customer_email=customer_email.lower())
    return query


def redemption_record(
    *,
    installation: Installation,
    coupon: Coupon,
    code: Code | None,
    order_id: str,
    order_number: str = "",
    customer_id: str = "",
    customer_email: str = "",
    amount: Decimal,
    currency: str,
    checkout_id: str = "",
    order_code: str = "",
) -> Redemption | None:
    """Record one use of `coupon` (through `code`) by an order, once per (order, coupon).

    Caps hold under concurrency: the Coupon row (then the Code row) is locked, the active redemptions are
    counted and the row inserted in the same transaction. Returns the existing row for a redelivered
    event, or None when a cap is already reached (the refusal is written to the attempts log)."""
    customer_email = (customer_email or "").strip().lower()
    with transaction.atomic():
        locked_coupon = Coupon.objects.select_for_update().get(pk=coupon.pk)
        locked_code = Code.objects.select_for_update().get(pk=code.pk) if code is not None else None
        existing = Redemption.objects.filter(installation=installation, order_id=order_id, coupon=locked_coupon).first()
        if existing is not None:
            return existing
        active = Redemption.objects.filter(state=Redemption.State.ACTIVE)
        refusal = None
        if locked_code is not None and locked_code.usage_limit is not None:
            if active.filter(code=locked_code).count() >= locked_code.usage_limit:
                refusal = ("usage_cap_reached",
                           f"the code {locked_code.code} reached its limit of {locked_code.usage_limit} use(s)")
        if refusal is None and locked_coupon.usage_limit is not None:
            if active.filter(coupon=locked_coupon).count() >= locked_coupon.usage_limit:
                refusal = ("usage_cap_reached", f"the coupon reached its limit of {locked_coupon.usage_limit} use(s)")
        if refusal is None and locked_coupon.usage_limit_per_customer is not None and (customer_id or customer_email):
            used = active.filter(coupon=locked_coupon).filter(_customer_q(customer_id, customer_email)).count()
            if used >= locked_coupon.usage_limit_per_customer:
                refusal = ("customer_cap_reached",
                           f"this customer already used the coupon {used} time(s) "
                           f"(limit {locked_coupon.usage_limit_per_customer})")
        if refusal is not None:
            AttemptLog.objects.create(
                installation=installation, code_typed=order_code or (locked_code.code if locked_code else ""),
                code=locked_code.code if locked_code else "", checkout_id=checkout_id, customer_id=customer_id,
                customer_email=customer_email, source="order", result=AttemptLog.Result.REJECTED,
                reason=refusal[0], message=f"Order {order_number or order_id} was not counted: {refusal[1]}.",
            )
            log.warning("redemption refused: cap reached", extra={"coupon": coupon.pk, "order": order_id,
                                                                    "reason": refusal[0]})
            return None
        redemption = Redemption.objects.create(
            installation=installation, coupon=locked_coupon, code=locked_code, order_code=order_code,
            customer_id=customer_id or "", customer_email=customer_email, order_id=order_id,
            order_number=order_number or "", checkout_id=checkout_id or "", amount=amount, currency=currency,
        )
    return redemption


def redemption_release(
    *, installation: Installation, order_id: str, reason: str, actor: str = "", now: datetime | None = None
) -> list[Redemption]:
    """Release every active redemption of an order (cancelled / refunded): the uses count no more. In Saleor
    the mirrored voucher's usage limit is raised so the slot frees there too. Idempotent."""
    from app.coupons import writeback

    now = now or timezone.now()
    released: list[Redemption] = []
    with transaction.atomic():
        rows = list(
            Redemption.objects.select_for_update()
            .filter(installation=installation, order_id=order_id, state=Redemption.State.ACTIVE)
            .select_related("coupon")
            .order_by("coupon_id")
        )
        for redemption in rows:
            redemption.state = Redemption.State.RELEASED
            redemption.released_at = now
            redemption.release_reason = reason
            redemption.released_by = actor
            redemption.save(update_fields=["state", "released_at", "release_reason", "released_by"])
            released.append(redemption)
        for coupon in {r.coupon_id: r.coupon for r in released}.values():
            writeback.usage_limit_sync(coupon=coupon)
    return released


def redemption_cancel(*, redemption: Redemption, actor: str = "") -> Redemption:
    """Cancel one usage (merchant): the customer can use the code again; the slot frees in Saleor too."""
    from app.coupons import writeback

    with transaction.atomic():
        locked = Redemption.objects.select_for_update().select_related("coupon").get(pk=redemption.pk)
        if locked.state == Redemption.State.RELEASED:
            raise Conflict("This usage is already cancelled.", code="already_released")
        before = {"redemption": locked.pk, "state": locked.state}
        locked.state = Redemption.State.RELEASED
        locked.released_at = timezone.now()
        locked.release_reason = "merchant"
        locked.released_by = actor or ""
        locked.save(update_fields=["state", "released_at", "release_reason", "released_by"])
        CouponRevision.objects.create(
            coupon=locked.coupon, version=locked.coupon.version, actor=actor or "", action="usage_cancelled",
            changes={"usage": {"before": before, "after": {
                "redemption": locked.pk, "state": locked.state, "order_number": locked.order_number,
                "customer_email": locked.customer_email}}},
        )
        writeback.usage_limit_sync(coupon=locked.coupon)
    return locked


def redemption_get(*, installation: Installation, redemption_id: int) -> Redemption:
    try:
        return Redemption.objects.select_related("coupon", "code").get(installation=installation, pk=redemption_id)
    except Redemption.DoesNotExist as exc:
        raise NotFound("No such usage.", code="redemption_not_found") from exc


# --- attempts log retention ------------------------------------------------------------------------
def attempts_purge(*, now: datetime | None = None, days: int | None = None) -> int:
    """Delete attempts older than ATTEMPTS_RETENTION_DAYS; returns how many went."""
    days = settings.ATTEMPTS_RETENTION_DAYS if days is None else days
    cutoff = (now or timezone.now()) - timedelta(days=days)
    deleted, _ = AttemptLog.objects.filter(created_at__lt=cutoff).delete()
    if deleted:
        log.info("attempts purged", extra={"deleted": deleted, "cutoff": cutoff.isoformat()})
    return deleted

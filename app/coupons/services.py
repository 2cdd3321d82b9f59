"""Writes: merchant services (create / edit / disable / delete coupons, codes, batches, cancel a usage)
and the redemption lifecycle called by the order webhooks. Keyword-only, typed; refusals raise
`app.core.errors` exceptions with a message the merchant can act on."""

from __future__ import annotations

import base64
import binascii
import csv
import io
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

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
    CustomerList,
    CustomerListMember,
    KnownCustomer,
    Redemption,
)
from app.saleor.models import Installation

log = logging.getLogger("app.coupons")

__all__ = [
    "CouponInput",
    "ImportResult",
    "MembersAdded",
    "MembersRemoved",
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
    "customer_list_create",
    "customer_list_delete",
    "customer_list_import_csv",
    "customer_list_members_add",
    "customer_list_members_remove",
    "customer_list_update",
    "customer_remember",
    "member_parse",
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
        _check_customer_lists(installation.pk, parsed.rule)
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


def _check_customer_lists(installation_id: int, rule: dict[str, Any]) -> None:
    """Every key in `conditions.customer_groups` must name a list of the installation. The lists are locked
    (FOR UPDATE) until the commit, so none of them can be deleted meanwhile."""
    keys = set((rule.get("conditions") or {}).get("customer_groups") or [])
    if not keys:
        return
    found = set(
        CustomerList.objects.select_for_update().filter(installation_id=installation_id, key__in=keys)
        .values_list("key", flat=True)
    )
    missing = sorted(keys - found)
    if missing:
        quoted = ", ".join(missing)
        message = (f"no customer list has the key {quoted}: create the list first, or pick an existing one"
                   if len(missing) == 1 else
                   f"no customer list has the keys {quoted}: create the lists first, or pick existing ones")
        raise AppError(f"The coupon is not valid: rule.conditions.customer_groups: {message}", code="invalid_coupon",
                       errors=[{"field": "rule.conditions.customer_groups", "message": message}])


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
        _check_customer_lists(locked.installation_id, parsed.rule)
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


# --- customer lists --------------------------------------------------------------------------------
# Lists are named in rules by `key` (conditions.customer_groups): a slug made once from the name.
MAX_MEMBERS_PER_CALL = 10_000
MAX_MEMBERS_CSV_ROWS = 200_000
_KEY = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
_KEY_MAX = 100
_NAME_MAX = 100
_DESCRIPTION_MAX = 2000


@dataclass
class MembersAdded:
    """What an add or an import did: members `added`, entries `already` in the list (or repeated in the input),
    and the `invalid` entries [{line, value, message}] (line: 1-based position in the input)."""

    added: int = 0
    already: int = 0
    invalid: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"added": self.added, "already": self.already, "invalid": self.invalid}


@dataclass
class MembersRemoved:
    removed: int = 0
    not_found: int = 0
    invalid: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"removed": self.removed, "not_found": self.not_found, "invalid": self.invalid}


def _is_saleor_user_id(value: str) -> bool:
    """A Saleor customer's global ID: base64 of "User:<pk>" (e.g. "VXNlcjox")."""
    if not value or len(value) > 255 or not value.isascii():
        return False
    try:
        decoded = base64.b64decode(value + "=" * (-len(value) % 4), validate=True).decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return False
    kind, _, pk = decoded.partition(":")
    return kind == "User" and bool(pk.strip())


def _email(value: str) -> str:
    email = value.strip().lower()
    if len(email) > 254:
        raise AppError(f"{value.strip()[:60]}… is longer than an e-mail address can be", code="invalid_email")
    try:
        validate_email(email)
    except ValidationError:
        raise AppError(f"{value.strip()} is not a valid e-mail address", code="invalid_email") from None
    return email


def member_parse(value: str) -> tuple[str, str]:
    """One entry typed by the merchant -> (email, user_id): an e-mail address (stored lower-case) or a Saleor
    customer ID ("VXNlcjox"). Raises `AppError` with a sentence naming the entry."""
    text = (value or "").strip()
    if "@" in text:
        return _email(text), ""
    if _is_saleor_user_id(text):
        return "", text
    raise AppError(f"{text} is neither an e-mail address nor a Saleor customer ID", code="invalid_member")


def _list_invalid(errors: list[dict[str, str]]) -> AppError:
    summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return AppError(f"The customer list is not valid: {summary}", code="invalid_customer_list", errors=errors)


def _list_fields(name: str | None, description: str | None) -> tuple[str, str]:
    errors = []
    name = (name or "").strip()
    description = (description or "").strip()
    if not name:
        errors.append({"field": "name", "message": "give the list a name"})
    elif len(name) > _NAME_MAX:
        errors.append({"field": "name", "message": f"at most {_NAME_MAX} characters"})
    if len(description) > _DESCRIPTION_MAX:
        errors.append({"field": "description", "message": f"at most {_DESCRIPTION_MAX} characters"})
    if errors:
        raise _list_invalid(errors)
    return name, description


def _name_free(installation: Installation, name: str, *, exclude: int | None = None) -> None:
    query = CustomerList.objects.filter(installation=installation, name__iexact=name)
    if exclude is not None:
        query = query.exclude(pk=exclude)
    other = query.first()
    if other is not None:
        raise Conflict(f'A customer list named "{other.name}" already exists: choose another name.',
                       code="name_taken", list_id=other.pk)


def _key_base(name: str) -> str:
    base = slugify(name)[:50].strip("-_")
    return base or "list"


def _list_lock(customer_list: CustomerList) -> CustomerList:
    return CustomerList.objects.select_for_update().get(pk=customer_list.pk)


def customer_list_create(
    *, installation: Installation, name: str, description: str = "", key: str | None = None, actor: str = ""
) -> CustomerList:
    """Create a list. Its `key` (what rules store in `conditions.customer_groups`) is made from the name
    ("VIP customers" -> "vip-customers", "vip-customers-2" when taken) unless given, and never changes.
    Names are unique per installation (any case): `Conflict("name_taken")`."""
    name, description = _list_fields(name, description)
    if key is not None:
        key = key.strip()
        if not _KEY.match(key) or len(key) > _KEY_MAX:
            raise _list_invalid([{"field": "key", "message": "lower-case letters, digits, - and _ only "
                                                             f"(at most {_KEY_MAX} characters), e.g. vip-customers"}])
    base = key or _key_base(name)
    for _attempt in range(5):
        _name_free(installation, name)
        taken = set(CustomerList.objects.filter(installation=installation, key__startswith=base)
                    .values_list("key", flat=True))
        if key is not None and key in taken:
            raise Conflict(f"A customer list already has the key {key}.", code="key_taken")
        candidate, n = base, 2
        while candidate in taken:
            candidate, n = f"{base}-{n}", n + 1
        try:
            with transaction.atomic():
                created = CustomerList.objects.create(installation=installation, key=candidate, name=name,
                                                      description=description)
        except IntegrityError:
            continue  # created meanwhile by someone else: look again
        log.info("customer list created", extra={"customer_list": created.pk, "key": created.key, "actor": actor})
        return created
    raise Conflict("The list could not be created because others are creating lists right now; try again.",
                   code="busy")


def customer_list_update(
    *, customer_list: CustomerList, name: str | None = None, description: str | None = None, actor: str = ""
) -> CustomerList:
    """Rename / describe a list. The key stays: coupons using the list keep working."""
    with transaction.atomic():
        locked = _list_lock(customer_list)
        new_name, new_description = _list_fields(locked.name if name is None else name,
                                                 locked.description if description is None else description)
        if new_name != locked.name:
            _name_free(locked.installation, new_name, exclude=locked.pk)
        if (new_name, new_description) != (locked.name, locked.description):
            locked.name, locked.description = new_name, new_description
            try:
                with transaction.atomic():
                    locked.save(update_fields=["name", "description", "updated_at"])
            except IntegrityError:
                raise Conflict(f'A customer list named "{new_name}" already exists: choose another name.',
                               code="name_taken") from None
            log.info("customer list updated", extra={"customer_list": locked.pk, "actor": actor})
    return locked


def customer_list_delete(*, customer_list: CustomerList, actor: str = "") -> None:
    """Delete a list and its members. Refused (`Conflict("list_in_use")`, naming them) while a coupon's rule
    uses it, disabled coupons included: their rule would name a list that no longer exists."""
    from app.coupons.selectors import customer_list_coupons

    with transaction.atomic():
        locked = _list_lock(customer_list)
        users = customer_list_coupons(customer_list=locked)
        if users:
            names = ", ".join(f'"{c["name"]}"' for c in users[:10]) + (" …" if len(users) > 10 else "")
            raise Conflict(
                f'The list "{locked.name}" is used by {len(users)} coupon(s): {names}. Remove the list from those '
                "coupons' customer conditions first, then delete it.",
                code="list_in_use",
                coupons=[{"id": c["id"], "name": c["name"]} for c in users],
                suggestion="edit_coupons",
            )
        log.info("customer list deleted", extra={"customer_list": locked.pk, "key": locked.key,
                                                 "members": locked.members.count(), "actor": actor})
        locked.delete()


def _known(customer_list: CustomerList, emails: set[str], users: set[str]) -> tuple[set[str], set[str]]:
    """The e-mails and user ids among these that the list already holds (chunked IN queries)."""
    known_emails: set[str] = set()
    known_users: set[str] = set()
    members = CustomerListMember.objects.filter(customer_list=customer_list)
    for values, column, into in ((sorted(emails), "email", known_emails), (sorted(users), "user_id", known_users)):
        for start in range(0, len(values), 2000):
            into |= set(members.filter(**{f"{column}__in": values[start:start + 2000]})
                        .values_list(column, flat=True))
    return known_emails, known_users


def _members_insert(customer_list: CustomerList, wanted: list[tuple[str, str]], result: MembersAdded) -> None:
    """Insert the (email, user_id) pairs the list does not hold yet (the list row is locked by the caller);
    a pair whose e-mail or user id is already there counts as `already`."""
    known_emails, known_users = _known(customer_list, {e for e, _ in wanted if e}, {u for _, u in wanted if u})
    rows = []
    for email, user_id in wanted:
        if (email and email in known_emails) or (user_id and user_id in known_users):
            result.already += 1
            continue
        if email:
            known_emails.add(email)
        if user_id:
            known_users.add(user_id)
        rows.append(CustomerListMember(customer_list=customer_list, installation_id=customer_list.installation_id,
                                       email=email, user_id=user_id))
    CustomerListMember.objects.bulk_create(rows, batch_size=2000)
    result.added += len(rows)
    if rows:
        customer_list.save(update_fields=["updated_at"])


def customer_list_members_add(
    *, customer_list: CustomerList, members: Iterable[str] | str, actor: str = ""
) -> MembersAdded:
    """Add customers: each entry an e-mail (stored lower-case) or a Saleor customer ID; a text is one entry per
    line. Valid entries are added even when others are not; the answer counts `added` / `already` there and
    lists the `invalid` lines."""
    entries = members.splitlines() if isinstance(members, str) else list(members)
    if len(entries) > MAX_MEMBERS_PER_CALL:
        raise AppError(f"At most {MAX_MEMBERS_PER_CALL:,} customers at once: import a CSV file for more.",
                       code="too_many_members")
    result = MembersAdded()
    wanted: list[tuple[str, str]] = []
    for number, raw in enumerate(entries, start=1):
        text = str(raw or "").strip()
        if not text:
            continue
        try:
            wanted.append(member_parse(text))
        except AppError as exc:
            result.invalid.append({"line": number, "value": text[:255], "message": exc.message})
    with transaction.atomic():
        _members_insert(_list_lock(customer_list), wanted, result)
    log.info("customer list members added", extra={"customer_list": customer_list.pk, "added": result.added,
                                                   "already": result.already, "invalid": len(result.invalid),
                                                   "actor": actor})
    return result


def customer_list_members_remove(
    *, customer_list: CustomerList, members: Iterable[str] | str = (), member_ids: Iterable[int] = (),
    actor: str = "",
) -> MembersRemoved:
    """Remove customers given as e-mails / Saleor customer IDs (one per line in a text) and/or member row ids.
    `removed` counts the rows deleted, `not_found` the entries matching none."""
    entries = members.splitlines() if isinstance(members, str) else list(members)
    if len(entries) > MAX_MEMBERS_PER_CALL:
        raise AppError(f"At most {MAX_MEMBERS_PER_CALL:,} customers at once.", code="too_many_members")
    result = MembersRemoved()
    emails: set[str] = set()
    users: set[str] = set()
    for number, raw in enumerate(entries, start=1):
        text = str(raw or "").strip()
        if not text:
            continue
        try:
            email, user_id = member_parse(text)
        except AppError as exc:
            result.invalid.append({"line": number, "value": text[:255], "message": exc.message})
            continue
        if email:
            emails.add(email)
        else:
            users.add(user_id)
    ids = {int(i) for i in member_ids}
    with transaction.atomic():
        locked = _list_lock(customer_list)
        rows = list(CustomerListMember.objects.filter(customer_list=locked).filter(
            Q(email__in=emails) | Q(user_id__in=users) | Q(pk__in=ids)).values_list("pk", "email", "user_id"))
        matched_pks = {pk for pk, _, _ in rows}
        result.not_found = (len(emails - {e for _, e, _ in rows}) + len(users - {u for _, _, u in rows})
                            + len(ids - matched_pks))
        if matched_pks:
            result.removed, _ = CustomerListMember.objects.filter(pk__in=matched_pks).delete()
            locked.save(update_fields=["updated_at"])
    log.info("customer list members removed", extra={"customer_list": customer_list.pk, "removed": result.removed,
                                                     "actor": actor})
    return result


def customer_list_import_csv(
    *, customer_list: CustomerList, file: io.TextIOBase | Iterable[str] | str | bytes,
    max_rows: int = MAX_MEMBERS_CSV_ROWS, actor: str = "",
) -> MembersAdded:
    """Import members from CSV: header with an `email` column and optionally `user_id` (a row needs one of
    them). All or nothing: any bad row refuses the whole file with every problem listed by line. Customers
    already in the list (or repeated in the file) are counted as `already`, not refused."""
    if isinstance(file, bytes):
        try:
            file = file.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise AppError("The file is not UTF-8 text: save it as CSV UTF-8.", code="invalid_csv") from None
    if isinstance(file, str):
        file = io.StringIO(file.removeprefix("\ufeff"))
    reader = csv.DictReader(file)
    fields = [(f or "").strip().lower() for f in (reader.fieldnames or [])]
    if "email" not in fields:
        raise AppError('The CSV needs a header line with an "email" column (optional: user_id).', code="invalid_csv")
    reader.fieldnames = fields
    wanted: list[tuple[str, str]] = []
    errors: list[dict[str, Any]] = []
    for number, row in enumerate(reader, start=2):
        if number - 1 > max_rows:
            raise AppError(f"At most {max_rows:,} customers per file: split it.", code="invalid_csv")
        raw_email = (row.get("email") or "").strip()
        raw_user = (row.get("user_id") or "").strip()
        if not raw_email and not raw_user:
            if any((v or "").strip() for v in row.values() if isinstance(v, str)):
                errors.append({"line": number, "message": "needs an email (or a user_id)"})
            continue
        try:
            email = _email(raw_email) if raw_email else ""
            if raw_user and not _is_saleor_user_id(raw_user):
                raise AppError(f"user_id {raw_user[:60]} is not a Saleor customer ID (like VXNlcjox)",
                               code="invalid_member")
        except AppError as exc:
            errors.append({"line": number, "message": exc.message})
            continue
        wanted.append((email, raw_user))
    if errors:
        raise AppError(f"The file was not imported: {len(errors)} problem(s).", code="invalid_csv",
                       errors=errors[:200])
    result = MembersAdded()
    with transaction.atomic():
        _members_insert(_list_lock(customer_list), wanted, result)
    log.info("customer list imported", extra={"customer_list": customer_list.pk, "added": result.added,
                                              "already": result.already, "actor": actor})
    return result


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

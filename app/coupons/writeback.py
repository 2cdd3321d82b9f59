"""Write-back to Saleor ("the app computes, Saleor carries"), always through the outbox.

1. Mirror: a coupon whose rule Saleor can express is a Saleor voucher carrying its codes. `voucher_plan`
   maps a rule onto a voucher exactly or says why it cannot; conditions that only *restrict* who may use
   the code (first order, customer lists, per-customer cap N > 1, required products, ...) are left to the
   app, which removes an ineligible code on CHECKOUT_UPDATED.
   Steps (each an outbox write with a key, so a retried job never writes twice):
   voucherCreate with the first codes -> on_result stores the voucher id -> `coupons.mirror` job:
   voucherUpdate + voucherChannelListingUpdate (channel ids read from Saleor) -> codes pushed in chunks
   (voucherUpdate addCodes), one push in flight per coupon, each push's on_result queuing the next.
   Disabled coupon = its voucher listed in no channel; re-enabling lists it again.
2. Checkout: remove a rejected app code + write the reason into the checkout's metadata; apply the
   combined amount of several codes / automatic rules as one single-use `APP-` voucher (create -> list in
   the checkout's channel -> checkoutAddPromoCode); a changed combination gets a NEW voucher (Saleor caches
   prices: never edit in place) and the old one is deleted once the new one is applied.
"""

from __future__ import annotations

import json
import logging
import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from app.core import jobs
from app.coupons.models import (
    DEFAULT_CHARSET,
    CheckoutState,
    CheckoutVoucher,
    Code,
    Coupon,
    Redemption,
    SaleorChannel,
)
from app.engine import (
    FixedAmountBenefit,
    FixedPerUnitBenefit,
    PercentageBenefit,
    Rule,
    ShippingBenefit,
    canonical_code,
    quantize,
)
from app.saleor.client import SaleorClient
from app.saleor.models import Installation
from app.saleor.outbox import outbox_enqueue

log = logging.getLogger("app.coupons.writeback")

DOCS = "app/coupons/graphql"
PUSH_CHUNK = 250
APP_CODE_PREFIX = "APP-"
REJECTED_KEY = "coupons.rejected"
_HERE = "app.coupons.writeback"


def _doc(name: str) -> str:
    return f"{DOCS}/{name}.graphql"


# --- mapping a rule onto a Saleor voucher ----------------------------------------------------------
@dataclass(frozen=True)
class VoucherPlan:
    type: str  # ENTIRE_ORDER | SPECIFIC_PRODUCT | SHIPPING
    value_type: str  # PERCENTAGE | FIXED
    value: Decimal
    currency: str | None  # required for FIXED values and min spent: only channels in that currency
    min_spent: Decimal | None
    min_quantity: int | None
    products: tuple[str, ...]
    variants: tuple[str, ...]
    categories: tuple[str, ...]
    collections: tuple[str, ...]
    channels: tuple[str, ...]  # slugs; empty = every channel (in `currency` if set)
    app_enforced: tuple[str, ...]  # conditions the app enforces itself on CHECKOUT_UPDATED


class NotExpressible(Exception):
    """The rule's discount cannot be computed by a Saleor voucher exactly (the reason is the message)."""


def voucher_plan(rule: Rule) -> VoucherPlan:
    """The voucher that gives exactly the engine's discount for this rule, or `NotExpressible`."""
    c = rule.conditions
    b = rule.benefit
    if not rule.requires_code:
        raise NotExpressible("an automatic rule has no code to mirror")
    if c.has_exclusions:
        raise NotExpressible("exclusions change the amount: Saleor vouchers cannot exclude products")
    if c.product_type_ids:
        raise NotExpressible("Saleor vouchers cannot target product types")
    scoped = bool(c.product_ids or c.variant_ids or c.category_ids or c.collection_ids)
    enforced: list[str] = []
    if isinstance(b, PercentageBenefit):
        if b.max_discount is not None:
            raise NotExpressible("Saleor vouchers have no maximum discount")
        if scoped and b.apply_to == "eligible":
            kind, value_type, value = "SPECIFIC_PRODUCT", "PERCENTAGE", b.percent
        elif scoped:
            raise NotExpressible("a percentage of the whole order, conditional on some products, has no voucher form")
        else:
            kind, value_type, value = "ENTIRE_ORDER", "PERCENTAGE", b.percent
    elif isinstance(b, FixedAmountBenefit):
        if scoped:
            raise NotExpressible("Saleor applies a fixed amount on specific products per unit, not once")
        kind, value_type, value = "ENTIRE_ORDER", "FIXED", b.amount
    elif isinstance(b, FixedPerUnitBenefit):
        if not scoped:
            raise NotExpressible("a fixed amount per unit needs products, categories or collections in Saleor")
        kind, value_type, value = "SPECIFIC_PRODUCT", "FIXED", b.amount
    elif isinstance(b, ShippingBenefit):
        if scoped:
            raise NotExpressible("a shipping discount conditional on products has no voucher form")
        if b.amount is not None:
            kind, value_type, value = "SHIPPING", "FIXED", b.amount
        else:
            kind, value_type, value = "SHIPPING", "PERCENTAGE", b.percent
    else:
        raise NotExpressible(f"Saleor vouchers have no {b.kind.replace('_', ' ')} discount")
    min_spent = None
    if c.min_subtotal is not None:
        if c.subtotal_scope == "cart":
            min_spent = c.min_subtotal
        else:
            enforced.append("min_subtotal (eligible lines)")
    min_quantity = None
    if c.min_quantity is not None:
        if scoped:
            enforced.append("min_quantity (eligible units)")
        else:
            min_quantity = c.min_quantity
    for name, present in [
        ("required products", bool(c.required_product_ids or c.required_variant_ids)),
        ("first order only", c.first_order_only),
        ("login required", c.login_required),
        ("customers", bool(c.customers)),
        ("customer groups", bool(c.customer_groups)),
    ]:
        if present:
            enforced.append(name)
    return VoucherPlan(
        type=kind, value_type=value_type, value=value, currency=c.currency, min_spent=min_spent,
        min_quantity=min_quantity, products=tuple(sorted(c.product_ids)), variants=tuple(sorted(c.variant_ids)),
        categories=tuple(sorted(c.category_ids)), collections=tuple(sorted(c.collection_ids)),
        channels=tuple(sorted(c.channels)), app_enforced=tuple(enforced),
    )


def coupon_plan(coupon: Coupon) -> VoucherPlan | None:
    from app.coupons.selectors import coupon_rule

    try:
        return voucher_plan(coupon_rule(coupon))
    except NotExpressible:
        return None


def saleor_usage_limit(coupon: Coupon) -> int | None:
    """Saleor's usageLimit for the mirrored voucher: the coupon's cap, plus one per released use Saleor
    counted (orders that carried the merchant code itself): Saleor never gives usage back on cancel."""
    if coupon.usage_limit is None:
        return None
    released = Redemption.objects.filter(coupon=coupon, state=Redemption.State.RELEASED).exclude(
        order_code__startswith=APP_CODE_PREFIX).exclude(order_code="").count()
    return coupon.usage_limit + released


def _voucher_input(coupon: Coupon, plan: VoucherPlan, *, create: bool = False) -> dict[str, Any]:
    """VoucherInput for the coupon. `singleUse` is sent on create only (Saleor refuses to change it once a
    code was used): when every code is single-use, Saleor spends each code itself; otherwise per-code caps
    are the app's to enforce."""
    conditions = coupon.rule.get("conditions") or {}
    data: dict[str, Any] = {
        "name": f"{coupon.name} [app coupon {coupon.pk}]"[:255],
        "type": plan.type,
        "discountValueType": plan.value_type,
        "endDate": conditions.get("ends_at"),
        "products": list(plan.products),
        "variants": list(plan.variants),
        "categories": list(plan.categories),
        "collections": list(plan.collections),
        "minCheckoutItemsQuantity": plan.min_quantity or 0,
        "applyOncePerCustomer": coupon.usage_limit_per_customer == 1,
        "applyOncePerOrder": False,
        "usageLimit": saleor_usage_limit(coupon),
    }
    if conditions.get("starts_at"):
        data["startDate"] = conditions["starts_at"]
    if create:
        codes = Code.objects.filter(coupon=coupon, is_active=True)
        data["singleUse"] = codes.exists() and not codes.filter(
            Q(usage_limit__isnull=True) | Q(usage_limit__gt=1)).exists()
    return data


# --- channels --------------------------------------------------------------------------------------
def channels_refresh(*, installation: Installation) -> dict[str, SaleorChannel]:
    """Read Saleor's channels (slug -> id, currency) and cache them. Raises SaleorUnavailable (retried)."""
    data = SaleorClient(installation).execute(_load("channels"))
    seen = []
    for channel in data.get("channels") or []:
        SaleorChannel.objects.update_or_create(
            installation=installation, slug=channel["slug"],
            defaults={"channel_id": channel["id"], "currency": channel["currencyCode"]},
        )
        seen.append(channel["slug"])
    SaleorChannel.objects.filter(installation=installation).exclude(slug__in=seen).delete()
    return {c.slug: c for c in SaleorChannel.objects.filter(installation=installation)}


def channels_get(*, installation: Installation, need: tuple[str, ...] = ()) -> dict[str, SaleorChannel]:
    known = {c.slug: c for c in SaleorChannel.objects.filter(installation=installation)}
    if not known or any(slug not in known for slug in need):
        return channels_refresh(installation=installation)
    return known


def _load(name: str) -> str:
    from app.saleor import documents

    return documents.load(_doc(name))


# --- mirror ----------------------------------------------------------------------------------------
def mirror_schedule(*, coupon: Coupon, force: bool = False, reason: str = "") -> None:
    """Queue the mirror of `coupon` at its current version (call inside the deciding transaction)."""
    key = f"coupons.mirror:{coupon.pk}:v{coupon.version}"
    if reason:
        key += f":{reason}"
    if force:
        key += f":force:{timezone.now().timestamp()}"
    Coupon.objects.filter(pk=coupon.pk).update(mirror_state=Coupon.Mirror.PENDING)
    jobs.enqueue("coupons.mirror", {"coupon_id": coupon.pk}, dedupe_key=key)


def mirror_run(*, coupon_id: int) -> str:
    """The `coupons.mirror` job: bring Saleor's voucher in line with the coupon's current version."""
    coupon = Coupon.objects.select_related("installation").filter(pk=coupon_id).first()
    if coupon is None:
        return "gone"
    installation = coupon.installation
    plan = coupon_plan(coupon)
    if plan is None:
        with transaction.atomic():
            locked = Coupon.objects.select_for_update().get(pk=coupon.pk)
            if locked.saleor_voucher_id:
                _voucher_delete(installation, locked.saleor_voucher_id)
                Code.objects.filter(coupon=locked).update(saleor_sync="")
            locked.saleor_voucher_id = ""
            locked.mirror_state = Coupon.Mirror.NOT_EXPRESSIBLE
            locked.mirror_error = ""
            locked.push_in_flight = False
            locked.save(update_fields=["saleor_voucher_id", "mirror_state", "mirror_error", "push_in_flight",
                                       "updated_at"])
        return "not_expressible"
    if not coupon.saleor_voucher_id:
        with transaction.atomic():
            locked = Coupon.objects.select_for_update().get(pk=coupon.pk)
            if locked.saleor_voucher_id or locked.push_in_flight:
                return "create_in_flight"
            first = list(Code.objects.filter(coupon=locked, is_active=True, saleor_sync="").order_by("pk")[:PUSH_CHUNK])
            if not first:
                locked.mirror_state = Coupon.Mirror.PENDING
                locked.mirror_error = "Waiting for codes: the voucher is created in Saleor with its first codes."
                locked.save(update_fields=["mirror_state", "mirror_error", "updated_at"])
                return "waiting_for_codes"
            variables = {"input": {**_voucher_input(locked, plan, create=True), "addCodes": saleor_codes(first)}}
            job = outbox_enqueue(
                installation=installation, document=_doc("voucher_create"), variables=variables,
                key=f"coupons:voucher-create:{locked.pk}:{first[0].pk}", on_result=f"{_HERE}.on_voucher_created",
                context={"coupon_id": locked.pk, "code_ids": [c.pk for c in first]},
            )
            locked.push_in_flight = job is not None
            locked.save(update_fields=["push_in_flight", "updated_at"])
        return "create_queued"
    # The voucher exists: its fields and channel listings follow the coupon's version.
    channels = channels_get(installation=installation, need=plan.channels)
    with transaction.atomic():
        locked = Coupon.objects.select_for_update().get(pk=coupon.pk)
        voucher_id = locked.saleor_voucher_id
        outbox_enqueue(
            installation=installation, document=_doc("voucher_update"),
            variables={"id": voucher_id, "input": _voucher_input(locked, plan)},
            key=f"coupons:voucher-update:{locked.pk}:{voucher_id}:v{locked.version}",
            on_result=f"{_HERE}.on_voucher_written", context={"coupon_id": locked.pk, "version": locked.version},
        )
        listing = _listing_input(locked, plan, channels)
        outbox_enqueue(
            installation=installation, document=_doc("voucher_channel_listing_update"),
            variables={"id": voucher_id, "input": listing},
            key=f"coupons:voucher-listing:{locked.pk}:{voucher_id}:v{locked.version}",
            on_result=f"{_HERE}.on_listing_written", context={"coupon_id": locked.pk, "version": locked.version},
        )
        codes_push_schedule(coupon=locked)
    return "update_queued"


def _listing_input(coupon: Coupon, plan: VoucherPlan, channels: dict[str, SaleorChannel]) -> dict[str, Any]:
    wanted: list[SaleorChannel] = []
    if coupon.status == Coupon.Status.ACTIVE:
        for slug, channel in sorted(channels.items()):
            if plan.channels and slug not in plan.channels:
                continue
            if plan.currency and channel.currency != plan.currency:
                continue
            wanted.append(channel)
    add = []
    for channel in wanted:
        entry: dict[str, Any] = {"channelId": channel.channel_id, "discountValue": str(plan.value)}
        if plan.min_spent is not None:
            entry["minAmountSpent"] = str(plan.min_spent)
        add.append(entry)
    wanted_ids = {c.channel_id for c in wanted}
    remove = sorted(c.channel_id for c in channels.values() if c.channel_id not in wanted_ids)
    return {"addChannels": add, "removeChannels": remove}


def _errors(data: dict[str, Any], field: str) -> list[dict[str, Any]]:
    return list(((data or {}).get(field) or {}).get("errors") or [])


def on_voucher_created(*, installation: Installation, data: dict[str, Any], context: dict[str, Any]) -> None:
    coupon = Coupon.objects.select_for_update().filter(pk=context["coupon_id"]).first()
    result = (data or {}).get("voucherCreate") or {}
    errors = result.get("errors") or []
    voucher = result.get("voucher") or {}
    if coupon is None:
        if voucher.get("id"):  # the coupon was deleted meanwhile
            _voucher_delete(installation, voucher["id"])
        return
    coupon.push_in_flight = False
    if voucher.get("id"):
        coupon.saleor_voucher_id = voucher["id"]
        coupon.mirror_error = ""
        coupon.save(update_fields=["saleor_voucher_id", "mirror_error", "push_in_flight", "updated_at"])
        Code.objects.filter(pk__in=context["code_ids"]).update(saleor_sync="pushed")
        mirror_schedule(coupon=coupon, reason="created")
        return
    existing = [e for e in errors if e.get("code") == "ALREADY_EXISTS"]
    if existing:
        # The same create went through before and its answer was lost (timeout): find that voucher.
        coupon.save(update_fields=["push_in_flight", "updated_at"])
        jobs.enqueue("coupons.voucher_recover", {"coupon_id": coupon.pk, "code_ids": context["code_ids"]},
                     dedupe_key=f"coupons.voucher_recover:{coupon.pk}:{context['code_ids'][0]}")
        return
    coupon.mirror_state = Coupon.Mirror.FAILED
    coupon.mirror_error = "; ".join(f"{e.get('field')}: {e.get('code')} {e.get('message') or ''}" for e in errors)
    coupon.save(update_fields=["mirror_state", "mirror_error", "push_in_flight", "updated_at"])
    log.warning("voucher create refused", extra={"coupon": coupon.pk, "errors": errors})


def voucher_recover(*, coupon_id: int, code_ids: list[int]) -> str:
    """`coupons.voucher_recover` job: voucherCreate said ALREADY_EXISTS for codes it was itself creating
    (a retry after a lost answer). Find the voucher holding the first code and adopt it."""
    coupon = Coupon.objects.select_related("installation").filter(pk=coupon_id).first()
    if coupon is None or coupon.saleor_voucher_id:
        return "nothing to do"
    first = Code.objects.filter(pk__in=code_ids).order_by("pk").first()
    if first is None:
        return "no code"
    data = SaleorClient(coupon.installation).execute(_load("voucher_find"), {"search": first.code})
    found = [e["node"] for e in ((data.get("vouchers") or {}).get("edges") or [])
             if e["node"].get("name", "").endswith(f"[app coupon {coupon.pk}]")]
    with transaction.atomic():
        locked = Coupon.objects.select_for_update().get(pk=coupon.pk)
        if not found:
            locked.mirror_state = Coupon.Mirror.FAILED
            locked.mirror_error = (f"The code {first.code} already exists in another Saleor voucher: rename or "
                                   "delete that voucher in Saleor, then resync.")
            locked.save(update_fields=["mirror_state", "mirror_error", "updated_at"])
            return "conflict"
        locked.saleor_voucher_id = found[0]["id"]
        locked.save(update_fields=["saleor_voucher_id", "updated_at"])
        Code.objects.filter(pk__in=code_ids).update(saleor_sync="pushed")
        mirror_schedule(coupon=locked, reason="recovered")
    return "recovered"


def on_voucher_written(*, installation: Installation, data: dict[str, Any], context: dict[str, Any]) -> None:
    errors = _errors(data, "voucherUpdate")
    if errors:
        _mirror_failed(context["coupon_id"], errors)


def on_listing_written(*, installation: Installation, data: dict[str, Any], context: dict[str, Any]) -> None:
    errors = _errors(data, "voucherChannelListingUpdate")
    coupon = Coupon.objects.select_for_update().filter(pk=context["coupon_id"]).first()
    if coupon is None:
        return
    if errors:
        _mirror_failed(coupon.pk, errors)
        return
    if context["version"] >= coupon.mirrored_version:
        coupon.mirrored_version = context["version"]
    if coupon.mirrored_version == coupon.version and coupon.mirror_state != Coupon.Mirror.FAILED:
        coupon.mirror_state = Coupon.Mirror.SYNCED
        coupon.mirror_error = ""
    coupon.save(update_fields=["mirrored_version", "mirror_state", "mirror_error", "updated_at"])


def _mirror_failed(coupon_id: int, errors: list[dict[str, Any]]) -> None:
    message = "; ".join(f"{e.get('field')}: {e.get('code')} {e.get('message') or ''}".strip() for e in errors)
    Coupon.objects.filter(pk=coupon_id).update(mirror_state=Coupon.Mirror.FAILED, mirror_error=message[:2000])
    log.warning("voucher write refused", extra={"coupon": coupon_id, "errors": errors})


def saleor_codes(codes: list[Code]) -> list[str]:
    """The spellings Saleor gets for these codes. Saleor's code lookup is case-sensitive (PROTOCOL.md, "Observed"):
    a shared code, the kind shoppers type by hand, also goes in lower case, so "summer10" typed in Saleor's own
    checkout field works like "SUMMER10". Unique codes (copied from an e-mail) go as stored."""
    out: list[str] = []
    for code in codes:
        out.append(code.code)
        if code.kind == Code.Kind.STATIC and code.code.lower() != code.code:
            out.append(code.code.lower())
    return out


def codes_push_schedule(*, coupon: Coupon) -> None:
    """Queue the next chunk of codes not yet in Saleor (one push in flight per coupon; call in a transaction)."""
    locked = Coupon.objects.select_for_update().get(pk=coupon.pk)
    if locked.mirror_state == Coupon.Mirror.NOT_EXPRESSIBLE:
        return
    if not locked.saleor_voucher_id:
        if not locked.push_in_flight:
            last = Code.objects.filter(coupon=locked).order_by("-pk").values_list("pk", flat=True).first()
            mirror_schedule(coupon=locked, reason=f"codes-{last}")
        return
    if locked.push_in_flight:
        return
    chunk = list(Code.objects.filter(coupon=locked, is_active=True, saleor_sync="").order_by("pk")[:PUSH_CHUNK])
    if not chunk:
        return
    job = outbox_enqueue(
        installation=locked.installation, document=_doc("voucher_update"),
        variables={"id": locked.saleor_voucher_id, "input": {"addCodes": saleor_codes(chunk)}},
        key=f"coupons:push:{locked.pk}:{locked.saleor_voucher_id}:{chunk[0].pk}:{chunk[-1].pk}:{len(chunk)}",
        on_result=f"{_HERE}.on_codes_pushed", context={"coupon_id": locked.pk, "code_ids": [c.pk for c in chunk]},
    )
    if job is not None:
        Coupon.objects.filter(pk=locked.pk).update(push_in_flight=True)


def on_codes_pushed(*, installation: Installation, data: dict[str, Any], context: dict[str, Any]) -> None:
    coupon = Coupon.objects.select_for_update().filter(pk=context["coupon_id"]).first()
    if coupon is None:
        return
    errors = _errors(data, "voucherUpdate")
    ids = context["code_ids"]
    if not errors:
        Code.objects.filter(pk__in=ids).update(saleor_sync="pushed")
    else:
        clashing = {canonical_code(c) for e in errors if e.get("code") == "ALREADY_EXISTS"
                    for c in (e.get("voucherCodes") or [])}
        other = [e for e in errors if e.get("code") != "ALREADY_EXISTS"]
        if other:
            coupon.push_in_flight = False
            coupon.save(update_fields=["push_in_flight", "updated_at"])
            _mirror_failed(coupon.pk, other)
            return
        codes = Code.objects.filter(pk__in=ids)
        if clashing >= set(codes.values_list("code", flat=True)):
            # Every code "already exists": this very push went through before and its answer was lost.
            codes.update(saleor_sync="pushed")
        else:
            codes.filter(code__in=clashing).update(saleor_sync="conflict")
            log.warning("codes already in another Saleor voucher", extra={"coupon": coupon.pk,
                                                                          "codes": sorted(clashing)[:20]})
    coupon.push_in_flight = False
    coupon.save(update_fields=["push_in_flight", "updated_at"])
    codes_push_schedule(coupon=coupon)
    if not coupon.push_in_flight and coupon.mirror_state == Coupon.Mirror.PENDING \
            and coupon.mirrored_version == coupon.version:
        Coupon.objects.filter(pk=coupon.pk).update(mirror_state=Coupon.Mirror.SYNCED)


def mirror_remove(*, coupon: Coupon) -> None:
    """The coupon is being deleted: delete its Saleor voucher (queued)."""
    if coupon.saleor_voucher_id:
        _voucher_delete(coupon.installation, coupon.saleor_voucher_id)


def _voucher_delete(installation: Installation, voucher_id: str) -> None:
    outbox_enqueue(installation=installation, document=_doc("voucher_delete"), variables={"id": voucher_id},
                   key=f"coupons:voucher-delete:{voucher_id}")


def usage_limit_sync(*, coupon: Coupon) -> None:
    """After a use is released: raise the mirrored voucher's usageLimit so Saleor frees the slot too."""
    if not coupon.saleor_voucher_id or coupon.usage_limit is None:
        return
    limit = saleor_usage_limit(coupon)
    outbox_enqueue(
        installation=coupon.installation, document=_doc("voucher_update"),
        variables={"id": coupon.saleor_voucher_id, "input": {"usageLimit": limit}},
        key=f"coupons:usage-limit:{coupon.pk}:{coupon.saleor_voucher_id}:{limit}",
        on_result=f"{_HERE}.on_voucher_written", context={"coupon_id": coupon.pk},
    )


# --- checkout write-back ---------------------------------------------------------------------------
def app_code_new() -> str:
    return APP_CODE_PREFIX + "".join(secrets.choice(DEFAULT_CHARSET) for _ in range(12))


def checkout_code_remove(*, installation: Installation, checkout_id: str, promo_code: str, key: str) -> None:
    outbox_enqueue(
        installation=installation, document=_doc("checkout_remove_promo_code"),
        variables={"id": checkout_id, "promoCode": promo_code},
        key=f"coupons:checkout-remove:{checkout_id}:{promo_code}:{key}",
        on_result=f"{_HERE}.on_checkout_written", context={"checkout_id": checkout_id, "op": "remove"},
    )


def checkout_code_apply(*, installation: Installation, checkout_id: str, promo_code: str, key: str,
                        checkout_voucher_id: int | None = None) -> None:
    retire_upto = CheckoutVoucher.objects.filter(installation=installation, checkout_id=checkout_id).order_by(
        "-pk").values_list("pk", flat=True).first() or 0
    outbox_enqueue(
        installation=installation, document=_doc("checkout_add_promo_code"),
        variables={"id": checkout_id, "promoCode": promo_code},
        key=f"coupons:checkout-apply:{checkout_id}:{promo_code}:{key}",
        on_result=f"{_HERE}.on_checkout_code_applied",
        context={"checkout_id": checkout_id, "code": promo_code, "checkout_voucher_id": checkout_voucher_id,
                 "retire_upto": retire_upto},
    )


def checkout_metadata_write(*, installation: Installation, checkout_id: str, rejected: list[dict[str, Any]],
                            key: str) -> None:
    value = json.dumps(rejected, ensure_ascii=False, sort_keys=True)
    outbox_enqueue(
        installation=installation, document=_doc("update_metadata"),
        variables={"id": checkout_id, "input": [{"key": REJECTED_KEY, "value": value}]},
        key=f"coupons:checkout-meta:{checkout_id}:{key}",
        on_result=f"{_HERE}.on_checkout_written", context={"checkout_id": checkout_id, "op": "metadata"},
    )


def on_checkout_written(*, installation: Installation, data: dict[str, Any], context: dict[str, Any]) -> None:
    for field in ("checkoutRemovePromoCode", "updateMetadata"):
        errors = _errors(data, field)
        if errors:
            log.info("checkout write refused", extra={"checkout": context.get("checkout_id"), "errors": errors})


def on_checkout_code_applied(*, installation: Installation, data: dict[str, Any], context: dict[str, Any]) -> None:
    errors = _errors(data, "checkoutAddPromoCode")
    checkout_id = context["checkout_id"]
    if errors:
        log.info("checkout code refused by Saleor", extra={"checkout": checkout_id, "code": context["code"],
                                                           "errors": errors})
        return
    CheckoutState.objects.filter(installation=installation, checkout_id=checkout_id).update(
        applied_code=context["code"], applied_at=timezone.now())
    cv_id = context.get("checkout_voucher_id")
    # The new code replaced the old one on the checkout: retire the app vouchers decided before it.
    upto = cv_id - 1 if cv_id else context.get("retire_upto") or 0
    others = CheckoutVoucher.objects.filter(installation=installation, checkout_id=checkout_id, pk__lte=upto).exclude(
        state=CheckoutVoucher.State.RETIRED, deleted_in_saleor=True)
    for other in others:
        checkout_voucher_retire(checkout_voucher=other)


def checkout_voucher_create(
    *, installation: Installation, checkout_id: str, channel: str, currency: str, amount: Decimal,
    sources: list[dict[str, Any]],
) -> CheckoutVoucher:
    """A new single-use APP- voucher for this checkout with the combined amount (create -> list -> apply)."""
    amount = quantize(amount, currency)
    cv = CheckoutVoucher.objects.create(
        installation=installation, checkout_id=checkout_id, code=app_code_new(), amount=amount,
        currency=currency, channel=channel, sources=sources,
    )
    outbox_enqueue(
        installation=installation, document=_doc("voucher_create"),
        variables={"input": {
            "name": f"Checkout discount {cv.code}", "type": "ENTIRE_ORDER", "discountValueType": "FIXED",
            "addCodes": [cv.code], "singleUse": True, "usageLimit": 1, "applyOncePerOrder": False,
        }},
        key=f"coupons:cv-create:{cv.pk}", on_result=f"{_HERE}.on_checkout_voucher_created",
        context={"checkout_voucher_id": cv.pk},
    )
    return cv


def on_checkout_voucher_created(*, installation: Installation, data: dict[str, Any], context: dict[str, Any]) -> None:
    cv = CheckoutVoucher.objects.select_for_update().filter(pk=context["checkout_voucher_id"]).first()
    if cv is None:
        return
    result = (data or {}).get("voucherCreate") or {}
    voucher = result.get("voucher") or {}
    if not voucher.get("id"):
        errors = result.get("errors") or []
        if any(e.get("code") == "ALREADY_EXISTS" for e in errors):
            jobs.enqueue("coupons.checkout_voucher_recover", {"checkout_voucher_id": cv.pk},
                         dedupe_key=f"coupons.cv_recover:{cv.pk}")
        else:
            log.warning("app voucher refused", extra={"checkout_voucher": cv.pk, "errors": errors})
            cv.state = CheckoutVoucher.State.RETIRED
            cv.retired_at = timezone.now()
            cv.save(update_fields=["state", "retired_at"])
        return
    cv.saleor_voucher_id = voucher["id"]
    cv.save(update_fields=["saleor_voucher_id"])
    if cv.state == CheckoutVoucher.State.RETIRED:
        _voucher_delete(installation, cv.saleor_voucher_id)
        CheckoutVoucher.objects.filter(pk=cv.pk).update(deleted_in_saleor=True)
        return
    jobs.enqueue("coupons.checkout_voucher_publish", {"checkout_voucher_id": cv.pk},
                 dedupe_key=f"coupons.cv_publish:{cv.pk}")


def checkout_voucher_recover(*, checkout_voucher_id: int) -> str:
    cv = CheckoutVoucher.objects.select_related("installation").filter(pk=checkout_voucher_id).first()
    if cv is None or cv.saleor_voucher_id:
        return "nothing to do"
    data = SaleorClient(cv.installation).execute(_load("voucher_find"), {"search": cv.code})
    found = [e["node"]["id"] for e in ((data.get("vouchers") or {}).get("edges") or [])
             if e["node"].get("name") == f"Checkout discount {cv.code}"]
    on_checkout_voucher_created(
        installation=cv.installation,
        data={"voucherCreate": {"voucher": {"id": found[0]} if found else None,
                                "errors": [] if found else [{"code": "NOT_FOUND"}]}},
        context={"checkout_voucher_id": cv.pk},
    )
    return "recovered" if found else "lost"


def checkout_voucher_publish(*, checkout_voucher_id: int) -> str:
    """`coupons.checkout_voucher_publish` job: list the APP- voucher in the checkout's channel (the channel
    id is read from Saleor when unknown), then its on_result applies it to the checkout."""
    cv = CheckoutVoucher.objects.select_related("installation").filter(pk=checkout_voucher_id).first()
    if cv is None or cv.state == CheckoutVoucher.State.RETIRED or not cv.saleor_voucher_id:
        return "nothing to do"
    channels = channels_get(installation=cv.installation, need=(cv.channel,))
    channel = channels.get(cv.channel)
    if channel is None:
        raise LookupError(f"Saleor has no channel {cv.channel!r}")
    outbox_enqueue(
        installation=cv.installation, document=_doc("voucher_channel_listing_update"),
        variables={"id": cv.saleor_voucher_id, "input": {"addChannels": [
            {"channelId": channel.channel_id, "discountValue": str(cv.amount)}]}},
        key=f"coupons:cv-listing:{cv.pk}", on_result=f"{_HERE}.on_checkout_voucher_listed",
        context={"checkout_voucher_id": cv.pk},
    )
    return "listing queued"


def on_checkout_voucher_listed(*, installation: Installation, data: dict[str, Any], context: dict[str, Any]) -> None:
    cv = CheckoutVoucher.objects.select_for_update().filter(pk=context["checkout_voucher_id"]).first()
    if cv is None:
        return
    errors = _errors(data, "voucherChannelListingUpdate")
    if errors:
        log.warning("app voucher listing refused", extra={"checkout_voucher": cv.pk, "errors": errors})
        checkout_voucher_retire(checkout_voucher=cv)
        return
    if cv.state == CheckoutVoucher.State.RETIRED:
        return
    cv.state = CheckoutVoucher.State.ACTIVE
    cv.save(update_fields=["state"])
    checkout_code_apply(installation=installation, checkout_id=cv.checkout_id, promo_code=cv.code,
                        key=f"cv{cv.pk}", checkout_voucher_id=cv.pk)


def checkout_voucher_retire(*, checkout_voucher: CheckoutVoucher) -> None:
    """Retire an APP- voucher: delete it in Saleor (now if created, else when its create answers)."""
    cv = checkout_voucher
    if cv.state != CheckoutVoucher.State.RETIRED:
        cv.state = CheckoutVoucher.State.RETIRED
        cv.retired_at = timezone.now()
        cv.save(update_fields=["state", "retired_at"])
    if cv.saleor_voucher_id and not cv.deleted_in_saleor:
        _voucher_delete(cv.installation, cv.saleor_voucher_id)
        CheckoutVoucher.objects.filter(pk=cv.pk).update(deleted_in_saleor=True)


def checkout_vouchers_retire(*, installation: Installation, checkout_id: str) -> int:
    """The checkout became an order or is gone: retire all its APP- vouchers."""
    rows = list(CheckoutVoucher.objects.select_for_update().filter(
        installation=installation, checkout_id=checkout_id).exclude(
        state=CheckoutVoucher.State.RETIRED, deleted_in_saleor=True))
    for cv in rows:
        cv.installation = installation
        checkout_voucher_retire(checkout_voucher=cv)
    return len(rows)

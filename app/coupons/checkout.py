"""Evaluate a Saleor checkout with the engine and decide the write-back.

Runs on every CHECKOUT_CREATED / CHECKOUT_UPDATED (and on the storefront API): a few indexed queries,
one engine call, and writes only when the outcome changed (a hash of the last outcome per checkout).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from app.coupons import writeback
from app.coupons.models import (
    AttemptLog,
    CheckoutState,
    CheckoutVoucher,
    Code,
    Coupon,
    KnownCustomer,
    KnownOrder,
    Redemption,
)
from app.coupons.selectors import coupon_rule, customer_list_keys_for
from app.engine import (
    Cart,
    CodeState,
    Customer,
    Evaluation,
    Line,
    Reason,
    Usage,
    Verdict,
    canonical_code,
    evaluate,
    quantize,
)
from app.saleor import payloads
from app.saleor.models import Installation

log = logging.getLogger("app.coupons.checkout")

# --- engine inputs ---------------------------------------------------------------------------------


def cart_from_checkout(checkout: payloads.Checkout) -> Cart:
    lines = tuple(
        Line(
            id=line.id,
            variant_id=line.variant.id,
            product_id=line.variant.product.id,
            quantity=line.quantity,
            unit_price=line.undiscounted_unit_price.amount,
            category_id=line.variant.product.category.id if line.variant.product.category else None,
            collection_ids=frozenset(c.id for c in line.variant.product.collections),
            product_type_id=line.variant.product.product_type.id,
            metadata=dict(line.metadata),
        )
        for line in checkout.lines
    )
    shipping = checkout.shipping_price.amount if checkout.delivery_method else None
    return Cart(currency=checkout.channel.currency_code, channel=checkout.channel.slug, lines=lines,
                shipping_price=shipping)


def orders_count(*, installation: Installation, customer_id: str, email: str, exclude_checkout: str = "") -> int:
    """Orders of this customer the app has seen (ORDER_CREATED), cancelled ones aside. Orders placed
    before the app was installed are unknown."""
    who = Q(pk__in=[])
    if customer_id:
        who |= Q(customer_id=customer_id)
    if email:
        who |= Q(customer_email=email.lower())
    query = KnownOrder.objects.filter(installation=installation, is_cancelled=False).filter(who)
    if exclude_checkout:
        query = query.exclude(checkout_id=exclude_checkout)
    return query.count()


def customer_from_checkout(*, installation: Installation, checkout: payloads.Checkout,
                           count_orders: bool = True, with_groups: bool = True) -> Customer:
    """The engine's customer, with `groups` = the keys of the customer lists they are in (by e-mail or user
    id). `count_orders=False` / `with_groups=False` skip those queries (no rule needs them; `run_engine`
    then fills them only when a rule does)."""
    user_id = checkout.user.id if checkout.user else None
    email = (checkout.user.email if checkout.user and checkout.user.email else checkout.email) or None
    if user_id and not email:
        email = KnownCustomer.objects.filter(installation=installation, user_id=user_id).values_list(
            "email", flat=True).first() or None
    email = email.lower() if email else None
    count = orders_count(installation=installation, customer_id=user_id or "", email=email or "",
                         exclude_checkout=checkout.id) if count_orders else 0
    groups = customer_list_keys_for(installation=installation, email=email, user_id=user_id) if with_groups \
        else frozenset()
    return Customer(id=user_id, email=email, logged_in=checkout.user is not None, groups=groups, orders_count=count)


def rule_customer_groups(coupons: Any) -> set[str]:
    """The list keys the rules of these coupons name (conditions.customer_groups)."""
    keys: set[str] = set()
    for coupon in coupons:
        keys.update((coupon.rule.get("conditions") or {}).get("customer_groups") or ())
    return keys


# Automatic coupons are considered on every checkout: kept per process for a few seconds (a new or edited
# automatic coupon reaches every worker within AUTOMATIC_TTL; the process that changed it at once).
AUTOMATIC_TTL = 5.0
_automatic: dict[int, tuple[float, list[Coupon]]] = {}


def automatic_coupons(installation: Installation) -> list[Coupon]:
    cached = _automatic.get(installation.pk)
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    found = list(Coupon.objects.filter(installation=installation, is_automatic=True, status=Coupon.Status.ACTIVE))
    _automatic[installation.pk] = (time.monotonic() + AUTOMATIC_TTL, found)
    return found


def automatic_coupons_changed() -> None:
    _automatic.clear()


def _customer_uses(redemptions: Any, customer: Customer) -> Q:
    who = Q(pk__in=[])
    if customer.id:
        who |= Q(customer_id=customer.id)
    if customer.email:
        who |= Q(customer_email=customer.email)
    return who


@dataclass
class Loaded:
    codes: dict[str, Code]
    coupons: dict[int, Coupon]
    states: dict[str, CodeState]
    usage: dict[str, Usage]


def code_rows(*, installation: Installation, codes: list[str]) -> dict[str, Code]:
    if not codes:
        return {}
    query = Code.objects.select_related("coupon").filter(installation=installation, code__in=codes)
    return {c.code: c for c in query}


def load_codes(*, installation: Installation, entered: list[str], customer: Customer,
               rows: dict[str, Code] | None = None) -> Loaded:
    """Code rows + their coupons + what is left of their caps (counted from active redemptions)."""
    if rows is None:
        rows = code_rows(installation=installation, codes=entered)
    rows = {code: row for code, row in rows.items() if code in entered}
    coupons: dict[int, Coupon] = {c.coupon_id: c.coupon for c in rows.values()}
    for coupon in automatic_coupons(installation):
        coupons.setdefault(coupon.pk, coupon)
    active = Redemption.objects.filter(state=Redemption.State.ACTIVE)
    code_uses: dict[int, int] = {}
    limited = [c.pk for c in rows.values() if c.usage_limit is not None]
    if limited:
        code_uses = dict(active.filter(code_id__in=limited).values("code_id").annotate(n=Count("id"))
                         .values_list("code_id", "n"))
    capped = [c.pk for c in coupons.values() if c.usage_limit is not None]
    coupon_uses = dict(active.filter(coupon_id__in=capped).values("coupon_id").annotate(n=Count("id"))
                       .values_list("coupon_id", "n")) if capped else {}
    per_customer = [c.pk for c in coupons.values() if c.usage_limit_per_customer is not None]
    customer_uses: dict[int, int] = {}
    if per_customer and (customer.id or customer.email):
        customer_uses = dict(active.filter(coupon_id__in=per_customer).filter(_customer_uses(active, customer))
                             .values("coupon_id").annotate(n=Count("id")).values_list("coupon_id", "n"))
    states = {
        code: CodeState(
            code=code, rule_id=str(row.coupon_id), active=row.is_active,
            assigned_customer=row.assigned_customer or None,
            uses_left=None if row.usage_limit is None else max(row.usage_limit - code_uses.get(row.pk, 0), 0),
        )
        for code, row in rows.items()
    }
    usage = {
        str(pk): Usage(
            uses_left=None if c.usage_limit is None else max(c.usage_limit - coupon_uses.get(pk, 0), 0),
            customer_uses_left=None if c.usage_limit_per_customer is None
            else max(c.usage_limit_per_customer - customer_uses.get(pk, 0), 0),
        )
        for pk, c in coupons.items()
    }
    return Loaded(codes=rows, coupons=coupons, states=states, usage=usage)


def suggestion_candidates(*, installation: Installation, customer: Customer, limit: int = 500) -> list[str]:
    """The codes a typo may have meant: the customer's own codes and the shared codes of active coupons."""
    mine = Q(pk__in=[])
    if customer.id:
        mine |= Q(assigned_customer=customer.id)
    if customer.email:
        mine |= Q(assigned_customer=customer.email)
    query = Code.objects.filter(installation=installation, is_active=True, coupon__status=Coupon.Status.ACTIVE)
    return list(query.filter(mine | Q(kind=Code.Kind.STATIC)).values_list("code", flat=True)[:limit])


def run_engine(
    *, installation: Installation, cart: Cart, customer: Customer, entered: list[str], now: datetime | None = None,
    rows: dict[str, Code] | None = None, orders: Any = None, groups: bool = False,
) -> tuple[Evaluation, Loaded]:
    """Evaluate. `orders`, when given, is called to count the customer's orders if a rule needs it;
    `groups=True` looks up the customer's lists (one query, narrowed to the lists the rules name) if an active
    coupon being evaluated names lists and the customer is logged in (the engine checks lists for logged-in
    customers only)."""
    now = now or timezone.now()
    loaded = load_codes(installation=installation, entered=entered, customer=customer, rows=rows)
    if orders is not None and any((c.rule.get("conditions") or {}).get("first_order_only")
                                  for c in loaded.coupons.values()):
        customer = dataclasses.replace(customer, orders_count=orders())
    if groups and customer.logged_in and (customer.id or customer.email):
        keys = rule_customer_groups(c for c in loaded.coupons.values() if c.is_active)
        if keys:
            customer = dataclasses.replace(customer, groups=customer_list_keys_for(
                installation=installation, email=customer.email, user_id=customer.id, keys=keys))
    rules = [coupon_rule(c) for c in loaded.coupons.values()]
    unknown = [code for code in entered if code not in loaded.codes]
    candidates = suggestion_candidates(installation=installation, customer=customer) if unknown else []
    evaluation = evaluate(
        cart=cart, customer=customer, rules=rules, entered_codes=tuple(entered), codes=loaded.states, now=now,
        rule_usage=loaded.usage, suggestion_candidates=tuple(candidates),
    )
    return evaluation, loaded


# --- the decision ----------------------------------------------------------------------------------
@dataclass
class Verdicts:
    """One entry per entered code, for the storefront API and the attempts log."""

    items: list[dict[str, Any]] = field(default_factory=list)


def _verdict_json(verdict: Verdict) -> dict[str, Any]:
    return {
        "code": verdict.code,
        "reason": str(verdict.reason),
        "message": verdict.render("shopper", "en"),
        "message_fr": verdict.render("shopper", "fr"),
    }


def code_verdicts(evaluation: Evaluation, entered: list[str]) -> list[dict[str, Any]]:
    applied = {a.code: a for a in evaluation.applied if a.code}
    out = []
    for code in entered:
        if code in applied:
            out.append({"code": code, "applied": True, "amount": str(applied[code].amount.amount),
                        "currency": evaluation.currency, "reason": "", "message": "", "message_fr": ""})
            continue
        verdicts = evaluation.verdicts_for(code)
        first = verdicts[0] if verdicts else Verdict(Reason.NOTHING_TO_DISCOUNT, code=code)
        out.append({"applied": False, "amount": "0", "currency": evaluation.currency, **_verdict_json(first),
                    "code": code})
    return out


def _entered(state: CheckoutState) -> list[str]:
    return [e["code"] for e in state.entered_codes]


def _hash(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


def _log_attempts(state: CheckoutState, *, installation: Installation, verdicts: list[dict[str, Any]],
                  typed: dict[str, str], customer: Customer, channel: str, sources: dict[str, str],
                  unknown: set[str]) -> None:
    results = dict(state.last_results or {})
    rows = []
    for v in verdicts:
        result = (AttemptLog.Result.APPLIED if v["applied"] else
                  AttemptLog.Result.UNKNOWN if v["code"] in unknown else AttemptLog.Result.REJECTED)
        signature = [str(result), v["reason"]]
        if results.get(v["code"]) == signature:
            continue
        results[v["code"]] = signature
        rows.append(AttemptLog(
            installation=installation, code_typed=typed.get(v["code"], v["code"])[:255], code=v["code"][:255],
            checkout_id=state.checkout_id, customer_id=customer.id or "", customer_email=customer.email or "",
            channel=channel, source=sources.get(v["code"], ""), result=result, reason=v["reason"],
            message=v["message"],
        ))
    if rows:
        AttemptLog.objects.bulk_create(rows)
    state.last_results = results


@dataclass
class Outcome:
    evaluation: Evaluation
    verdicts: list[dict[str, Any]]
    changed: bool
    actions: list[str]


def state_lock(*, installation: Installation, checkout_id: str) -> CheckoutState:
    """The checkout's state row, locked (created on first sight)."""
    query = CheckoutState.objects.select_for_update().filter(installation=installation, checkout_id=checkout_id)
    state = query.first()
    if state is not None:
        return state
    # First sight: INSERT ... ON CONFLICT DO NOTHING (no savepoint round trips), then lock whichever row won.
    CheckoutState.objects.bulk_create([CheckoutState(installation=installation, checkout_id=checkout_id)],
                                      ignore_conflicts=True)
    return query.get()


def _state_fields(state: CheckoutState) -> str:
    return json.dumps([state.entered_codes, state.last_results, state.outcome_hash, state.verdicts, state.channel,
                       state.currency, state.customer_id, state.customer_email, state.applied_code], sort_keys=True)


def checkout_process(
    *,
    installation: Installation,
    checkout: payloads.Checkout,
    issued_at: datetime | None = None,
    now: datetime | None = None,
) -> Outcome | None:
    """Evaluate the checkout and queue the write-back when the outcome changed. Call inside a transaction.
    Returns None (and touches nothing) for a checkout the app has nothing to do with: no code, no codes
    entered through the app before, no automatic coupon."""
    now = now or timezone.now()
    if checkout.voucher_code or automatic_coupons(installation):
        state = state_lock(installation=installation, checkout_id=checkout.id)
    else:
        # Only codes entered through the app before can concern it: lock their state row in the same read.
        state = CheckoutState.objects.select_for_update().filter(
            installation=installation, checkout_id=checkout.id).first()
        if state is None:
            return None
    before = _state_fields(state)
    saleor_typed = checkout.voucher_code or ""
    if not saleor_typed and state.applied_code and state.applied_at and issued_at is not None \
            and issued_at < state.applied_at:
        # A late event describing the checkout before the app applied its code: the code is there now.
        saleor_typed = state.applied_code
    saleor_code = canonical_code(saleor_typed) if saleor_typed else ""
    app_voucher = None
    if saleor_code.startswith(writeback.APP_CODE_PREFIX):
        app_voucher = CheckoutVoucher.objects.filter(installation=installation, code=saleor_code).first()
    # The shopper removed the code the app had applied (an event issued after the app applied it).
    removed_by_shopper = not saleor_code and state.applied_code and state.applied_at and (
        issued_at is None or issued_at > state.applied_at)
    if removed_by_shopper:
        state.entered_codes = [e for e in state.entered_codes if e.get("source") == "storefront"] \
            if not state.applied_code.startswith(writeback.APP_CODE_PREFIX) else []
        state.applied_code = ""
    # A merchant code typed through Saleor joins the codes entered on this checkout.
    lookup = _entered(state)
    if saleor_code and app_voucher is None and saleor_code not in lookup:
        lookup = [*lookup, saleor_code]
    rows = code_rows(installation=installation, codes=lookup)
    saleor_is_app_code = bool(saleor_code) and app_voucher is None and saleor_code in rows
    if saleor_is_app_code and saleor_code not in _entered(state):
        entry = {"code": saleor_code, "typed": saleor_typed, "source": "saleor"}
        state.entered_codes = [*state.entered_codes, entry]
    entered = _entered(state)
    cart = cart_from_checkout(checkout)
    customer = customer_from_checkout(installation=installation, checkout=checkout, count_orders=False,
                                      with_groups=False)
    user_id, email = customer.id or "", customer.email or ""
    evaluation, loaded = run_engine(
        installation=installation, cart=cart, customer=customer, entered=entered, now=now, rows=rows,
        orders=lambda: orders_count(installation=installation, customer_id=user_id, email=email,
                                    exclude_checkout=checkout.id), groups=True)
    verdicts = code_verdicts(evaluation, entered)
    typed = {e["code"]: e.get("typed", e["code"]) for e in state.entered_codes}
    sources = {e["code"]: e.get("source", "") for e in state.entered_codes}
    _log_attempts(state, installation=installation, verdicts=verdicts, typed=typed, customer=customer,
                  channel=cart.channel, sources=sources, unknown={c for c in entered if c not in loaded.codes})

    rejected = [v for v in verdicts if not v["applied"]]
    # Rejected codes leave the list (the shopper sees why in the metadata / API answer).
    state.entered_codes = [e for e in state.entered_codes if e["code"] not in {v["code"] for v in rejected}]
    applied = list(evaluation.applied)
    desired: dict[str, Any]
    amount = min(evaluation.total_discount.amount, evaluation.subtotal.amount)
    single_code = len(applied) == 1 and applied[0].code is not None
    if not applied or amount <= 0:
        desired = {"kind": "none"}
    elif single_code and _saleor_can_carry(loaded, applied[0].code):
        desired = {"kind": "merchant", "code": applied[0].code}
    else:
        desired = {
            "kind": "app", "amount": str(quantize(amount, evaluation.currency)), "currency": evaluation.currency,
            "sources": sorted(
                [{"code": a.code or "", "coupon_id": int(a.rule_id), "amount": str(a.amount.amount)} for a in applied],
                key=lambda s: (s["coupon_id"], s["code"]),
            ),
        }
    rejected_meta = [{k: v[k] for k in ("code", "reason", "message", "message_fr")} for v in rejected]
    outcome = {"desired": desired, "rejected": rejected_meta, "saleor": saleor_code, "channel": cart.channel}
    digest = _hash(outcome)
    actions: list[str] = []
    changed = digest != state.outcome_hash
    if changed:
        actions = _write_back(installation=installation, checkout=checkout, state=state, desired=desired,
                              rejected=rejected_meta, saleor_code=saleor_code, saleor_typed=saleor_typed,
                              saleor_is_app_code=saleor_is_app_code, app_voucher=app_voucher, digest=digest)
        state.outcome_hash = digest
    state.verdicts = verdicts
    state.channel = cart.channel
    state.currency = cart.currency
    state.customer_id = customer.id or ""
    state.customer_email = customer.email or ""
    if _state_fields(state) != before:
        state.save()
    if actions:
        log.info("checkout write-back", extra={"checkout": checkout.id, "actions": actions})
    return Outcome(evaluation=evaluation, verdicts=verdicts, changed=changed, actions=actions)


def checkout_concerns_app(installation: Installation, checkout: payloads.Checkout) -> bool:
    """Whether the app has anything to do with this checkout: a code on it, codes entered through the app before
    (a state row), or an automatic coupon (cached per process: no query)."""
    if checkout.voucher_code or automatic_coupons(installation):
        return True
    return CheckoutState.objects.filter(installation=installation, checkout_id=checkout.id).exists()


def _saleor_can_carry(loaded: Loaded, code: str) -> bool:
    """Saleor computes this code's discount itself: the code is in the coupon's voucher and the voucher
    reflects the coupon's current version (else Saleor would compute the old value)."""
    row = loaded.codes.get(code)
    if row is None:
        return False
    coupon = loaded.coupons[row.coupon_id]
    return bool(coupon.saleor_voucher_id) and row.saleor_sync == "pushed" and \
        coupon.mirrored_version == coupon.version and coupon.mirror_state != Coupon.Mirror.FAILED


def _write_back(
    *, installation: Installation, checkout: payloads.Checkout, state: CheckoutState, desired: dict[str, Any],
    rejected: list[dict[str, Any]], saleor_code: str, saleor_typed: str, saleor_is_app_code: bool,
    app_voucher: CheckoutVoucher | None, digest: str,
) -> list[str]:
    actions: list[str] = []
    key = digest[:16]
    rejected_codes = {r["code"] for r in rejected}
    current_meta = checkout.metadata.get(writeback.REJECTED_KEY)
    wanted_meta = json.dumps(rejected, ensure_ascii=False, sort_keys=True)
    if rejected or current_meta not in (None, "[]"):
        if current_meta != wanted_meta:
            writeback.checkout_metadata_write(installation=installation, checkout_id=checkout.id, rejected=rejected,
                                              key=key)
            actions.append("metadata")
    kind = desired["kind"]
    if kind == "none":
        if saleor_code and (saleor_code in rejected_codes and saleor_is_app_code or app_voucher is not None):
            writeback.checkout_code_remove(installation=installation, checkout_id=checkout.id,
                                           promo_code=saleor_typed, key=key)
            actions.append("remove")
        for cv in CheckoutVoucher.objects.filter(installation=installation, checkout_id=checkout.id).exclude(
                state=CheckoutVoucher.State.RETIRED, deleted_in_saleor=True):
            if saleor_code != cv.code or app_voucher is not None:
                writeback.checkout_voucher_retire(checkout_voucher=cv)
        state.applied_code = ""
        return actions
    if kind == "merchant":
        code = desired["code"]
        if saleor_code != code:  # "summer10" typed in Saleor is the mirrored lower-case spelling: keep it
            writeback.checkout_code_apply(installation=installation, checkout_id=checkout.id, promo_code=code, key=key)
            actions.append("apply-merchant")
        return actions
    # kind == "app": one single-use voucher with the combined amount. Reuse the newest one in flight when
    # it carries exactly this combination; otherwise create a new one (prices are cached in Saleor).
    amount = Decimal(desired["amount"])
    current = (
        CheckoutVoucher.objects.filter(installation=installation, checkout_id=checkout.id)
        .exclude(state=CheckoutVoucher.State.RETIRED).order_by("-pk").first()
    )
    if current is not None and current.amount == amount and current.currency == desired["currency"] \
            and current.sources == desired["sources"] and current.channel == checkout.channel.slug:
        if current.state == CheckoutVoucher.State.ACTIVE and saleor_code != current.code:
            writeback.checkout_code_apply(installation=installation, checkout_id=checkout.id, promo_code=current.code,
                                          key=key, checkout_voucher_id=current.pk)
            actions.append("reapply-app")
        return actions
    cv = writeback.checkout_voucher_create(
        installation=installation, checkout_id=checkout.id, channel=checkout.channel.slug,
        currency=desired["currency"], amount=amount, sources=desired["sources"],
    )
    actions.append("create-app")
    return actions

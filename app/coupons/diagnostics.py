""""Why doesn't my customer's coupon work?" — code + customer (+ checkout) -> every reason, with the fix.

Seed 000's list: wrong channel, not logged in / not a recipient, expired, spelling, already used (and
where), product excluded, not cumulative. The engine's `explain` gives every failing condition of the rule;
this module adds what only the app knows: unknown code (with the closest existing one), disabled, not in
Saleor yet, already used in which orders, and what the attempts log saw.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

from django.db.models import Q
from django.utils import timezone

from app.coupons.checkout import cart_from_checkout, customer_from_checkout, load_codes, orders_count
from app.coupons.models import AttemptLog, Code, Coupon, KnownCustomer, Redemption
from app.coupons.selectors import coupon_rule, customer_list_keys_for, customer_lists_by_key
from app.coupons.writeback import DOCS, coupon_plan
from app.engine import Cart, Customer, Reason, canonical_code, explain, suggest_code
from app.saleor import payloads
from app.saleor.client import SaleorClient, SaleorError
from app.saleor.documents import load

Language = Literal["en", "fr"]

# Reasons that depend on the cart: without a checkout they cannot be judged.
_CART_REASONS = {
    Reason.WRONG_CHANNEL, Reason.CURRENCY_MISMATCH, Reason.MIN_SUBTOTAL_NOT_MET, Reason.MIN_QUANTITY_NOT_MET,
    Reason.NO_ELIGIBLE_PRODUCT, Reason.REQUIRED_PRODUCT_MISSING, Reason.NOTHING_TO_DISCOUNT,
    Reason.BEATEN_BY_BETTER_OFFER, Reason.ALREADY_APPLIED,
}

FIXES: dict[str, dict[str, str]] = {
    "unknown_code": {"en": "Check the spelling with the customer (upper/lower case does not matter).",
                     "fr": "Vérifiez l'orthographe avec le client (majuscules et minuscules n'importent pas)."},
    "disabled": {"en": "Enable the coupon (or the code) if it should work.",
                 "fr": "Réactivez le coupon (ou le code) s'il doit fonctionner."},
    "not_started": {"en": "Move the start date earlier, or ask the customer to come back then.",
                    "fr": "Avancez la date de début, ou invitez le client à revenir à cette date."},
    "expired": {"en": "Extend the end date, or give the customer a new personal code.",
                "fr": "Prolongez la date de fin, ou donnez au client un nouveau code personnel."},
    "wrong_channel": {"en": "Add the customer's channel to the coupon, or send them to the right shop.",
                      "fr": "Ajoutez le canal du client au coupon, ou orientez-le vers la bonne boutique."},
    "currency_mismatch": {"en": "Create a coupon in the customer's currency.",
                          "fr": "Créez un coupon dans la devise du client."},
    "login_required": {"en": "Ask the customer to log in before checkout.",
                       "fr": "Demandez au client de se connecter avant de payer."},
    "not_this_customer": {"en": "Assign the code to this customer, or add them to the coupon's recipients.",
                          "fr": "Attribuez le code à ce client, ou ajoutez-le aux destinataires du coupon."},
    "not_in_customer_lists": {"en": "Add the customer to one of the coupon's customer lists.",
                              "fr": "Ajoutez le client à l'une des listes du coupon."},
    "usage_cap_reached": {"en": "Raise the usage limit, or cancel a usage that should not count.",
                          "fr": "Augmentez la limite d'utilisation, ou annulez une utilisation qui ne doit "
                                "pas compter."},
    "customer_cap_reached": {"en": "Raise the per-customer limit, or cancel one of this customer's usages.",
                             "fr": "Augmentez la limite par client, ou annulez une utilisation de ce client."},
    "min_subtotal_not_met": {"en": "Lower the minimum amount, or tell the customer how much is missing.",
                             "fr": "Baissez le montant minimum, ou indiquez au client combien il manque."},
    "min_quantity_not_met": {"en": "Lower the minimum quantity, or tell the customer how many items are missing.",
                             "fr": "Baissez la quantité minimum, ou indiquez au client combien d'articles manquent."},
    "no_eligible_product": {"en": "Add the products to the coupon's scope, or remove the exclusion.",
                            "fr": "Ajoutez les produits au périmètre du coupon, ou retirez l'exclusion."},
    "required_product_missing": {"en": "The customer must add the required product, or remove that condition.",
                                 "fr": "Le client doit ajouter le produit requis, ou retirez cette condition."},
    "first_order_only": {"en": "This coupon is for first orders: give a returning customer another coupon.",
                         "fr": "Ce coupon est réservé à la première commande : proposez un autre coupon."},
    "beaten_by_better_offer": {"en": "Make the coupon cumulative if both discounts should add up.",
                               "fr": "Rendez le coupon cumulable si les deux réductions doivent s'additionner."},
    "already_applied": {"en": "One code of this coupon is enough: the customer already has one applied.",
                        "fr": "Un seul code de ce coupon suffit : le client en a déjà un."},
    "nothing_to_discount": {"en": "Nothing in this cart can be discounted (e.g. no delivery chosen yet).",
                            "fr": "Rien dans ce panier ne peut être réduit (par ex. pas encore de livraison)."},
    "not_in_saleor": {"en": "Wait a moment for the sync, or use \"resync\"; until then use the app's storefront API.",
                      "fr": "Attendez la synchronisation, ou lancez « resynchroniser »."},
    "mirror_failed": {"en": "Fix what Saleor refused (see the message) and resync.",
                      "fr": "Corrigez ce que Saleor a refusé (voir le message) puis resynchronisez."},
    "app_only": {"en": "Shoppers must enter this code through the app's storefront API (Saleor cannot hold it).",
                 "fr": "Ce code doit être saisi via l'API boutique de l'application (Saleor ne peut pas le porter)."},
    "code_conflict": {"en": "Another Saleor voucher already has this code: rename or delete that voucher.",
                      "fr": "Un autre bon de réduction Saleor porte déjà ce code : renommez-le ou supprimez-le."},
}

_APP_MESSAGES: dict[str, dict[str, str]] = {
    "unknown_code": {"en": "No code {code} exists.", "fr": "Aucun code {code} n'existe."},
    "unknown_code_suggest": {"en": "No code {code} exists; did the customer mean {suggestion}?",
                             "fr": "Aucun code {code} n'existe ; le client voulait-il dire {suggestion} ?"},
    "code_disabled": {"en": "The code {code} is deactivated.", "fr": "Le code {code} est désactivé."},
    "coupon_disabled": {"en": "The coupon \"{name}\" is disabled.", "fr": "Le coupon « {name} » est désactivé."},
    "not_in_saleor": {"en": "The code {code} is not in Saleor yet: a customer typing it in Saleor's checkout "
                            "gets \"invalid code\".",
                      "fr": "Le code {code} n'est pas encore dans Saleor : saisi dans le panier Saleor, "
                            "il est refusé."},
    "mirror_failed": {"en": "Saleor refused the coupon's voucher: {error}",
                      "fr": "Saleor a refusé le bon de réduction du coupon : {error}"},
    "app_only": {"en": "Saleor cannot express this coupon ({why}); the code works only through the app.",
                 "fr": "Saleor ne peut pas exprimer ce coupon ({why}) ; le code ne fonctionne que via l'application."},
    "code_conflict": {"en": "Saleor holds the code {code} in another voucher.",
                      "fr": "Saleor porte le code {code} dans un autre bon de réduction."},
    "used_in": {"en": "Already used by this customer in order(s) {orders}.",
                "fr": "Déjà utilisé par ce client dans la/les commande(s) {orders}."},
    "code_used_in": {"en": "This code was already used in order(s) {orders}.",
                     "fr": "Ce code a déjà été utilisé dans la/les commande(s) {orders}."},
}


@dataclass
class Finding:
    reason: str
    message: str
    fix: str
    severity: Literal["blocking", "warning", "info"] = "blocking"
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class Diagnosis:
    code_typed: str
    code: str
    customer_email: str
    checkout_id: str | None
    coupon_id: int | None = None
    coupon_name: str = ""
    findings: list[Finding] = field(default_factory=list)
    checked_with_checkout: bool = False
    checkout_error: str = ""
    recent_attempts: list[dict[str, Any]] = field(default_factory=list)
    usages: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing blocks the code for this customer (and checkout, if given)."""
        return not any(f.severity == "blocking" for f in self.findings)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["ok"] = self.ok
        return data


def _msg(key: str, language: Language, **values: Any) -> str:
    return _APP_MESSAGES[key][language].format(**values)


def _fix(reason: str, language: Language) -> str:
    return FIXES.get(reason, {}).get(language, "")


def _fetch_checkout(coupon_installation: Any, checkout_id: str) -> payloads.Checkout | None:
    data = SaleorClient(coupon_installation).execute(load(f"{DOCS}/checkout_get.graphql"), {"id": checkout_id})
    if not data.get("checkout"):
        return None
    return payloads.Checkout.model_validate(data["checkout"])


def diagnose(
    *, installation: Any, code: str, customer_email: str = "", checkout_id: str | None = None,
    language: str = "en", now: datetime | None = None,
) -> Diagnosis:
    """Every reason `code` fails for this customer (and checkout), each with a plain sentence and the fix."""
    lang: Language = "fr" if (language or "").lower().startswith("fr") else "en"
    now = now or timezone.now()
    value = canonical_code(code or "")
    email = (customer_email or "").strip().lower()
    diagnosis = Diagnosis(code_typed=code, code=value, customer_email=email, checkout_id=checkout_id)
    diagnosis.recent_attempts = [
        {"at": a.created_at.isoformat(), "typed": a.code_typed, "checkout_id": a.checkout_id, "result": a.result,
         "reason": a.reason, "message": a.message}
        for a in AttemptLog.objects.filter(installation=installation, code=value).filter(
            Q(customer_email=email) if email else Q()).order_by("-created_at", "-id")[:10]
    ]
    row = Code.objects.select_related("coupon").filter(installation=installation, code=value).first()
    if row is None:
        candidates = list(Code.objects.filter(installation=installation).filter(
            Q(kind=Code.Kind.STATIC) | Q(assigned_customer=email) if email else Q(kind=Code.Kind.STATIC)
        ).values_list("code", flat=True)[:2000])
        suggestion = suggest_code(value, candidates)
        message = (_msg("unknown_code_suggest", lang, code=value, suggestion=suggestion) if suggestion
                   else _msg("unknown_code", lang, code=value))
        diagnosis.findings.append(Finding("unknown_code", message, _fix("unknown_code", lang),
                                          details={"suggestion": suggestion}))
        return diagnosis
    coupon = row.coupon
    diagnosis.coupon_id, diagnosis.coupon_name = coupon.pk, coupon.name
    if not row.is_active:
        diagnosis.findings.append(Finding("disabled", _msg("code_disabled", lang, code=value), _fix("disabled", lang)))
    if coupon.status != Coupon.Status.ACTIVE:
        diagnosis.findings.append(Finding("disabled", _msg("coupon_disabled", lang, name=coupon.name),
                                          _fix("disabled", lang)))
    _mirror_findings(diagnosis, coupon, row, lang)

    checkout = None
    if checkout_id:
        try:
            checkout = _fetch_checkout(installation, checkout_id)
            if checkout is None:
                diagnosis.checkout_error = "Saleor has no such checkout (completed or deleted)."
        except SaleorError as exc:
            diagnosis.checkout_error = f"Saleor could not be asked about the checkout: {exc}"
    if checkout is not None:
        diagnosis.checked_with_checkout = True
        cart = cart_from_checkout(checkout)
        customer = customer_from_checkout(installation=installation, checkout=checkout)
    else:
        user_id = KnownCustomer.objects.filter(installation=installation, email=email).values_list(
            "user_id", flat=True).first() if email else None
        cart = Cart(currency=(coupon.rule.get("conditions") or {}).get("currency") or "USD", channel="", lines=())
        customer = Customer(id=user_id, email=email or None, logged_in=bool(email),
                            groups=customer_list_keys_for(installation=installation, email=email, user_id=user_id),
                            orders_count=orders_count(installation=installation, customer_id=user_id or "",
                                                      email=email))
    loaded = load_codes(installation=installation, entered=[value], customer=customer)
    verdicts = explain(cart=cart, customer=customer, rule=coupon_rule(coupon), now=now,
                       code_state=loaded.states.get(value), usage=loaded.usage.get(str(coupon.pk)))
    for verdict in verdicts:
        if verdict.reason == Reason.DISABLED and any(f.reason == "disabled" for f in diagnosis.findings):
            continue
        if checkout is None and verdict.reason in _CART_REASONS:
            continue
        if verdict.reason == Reason.NOT_IN_CUSTOMER_LISTS:
            diagnosis.findings.append(_lists_finding(installation, verdict, customer, lang))
            continue
        diagnosis.findings.append(Finding(
            str(verdict.reason), verdict.render("merchant", lang), _fix(str(verdict.reason), lang),
            details=dict(verdict.details),
        ))
    _usage_findings(diagnosis, installation, coupon, row, customer, lang)
    return diagnosis


def _quote(name: str, lang: Language) -> str:
    return f"« {name} »" if lang == "fr" else f"“{name}”"


def _lists_finding(installation: Any, verdict: Any, customer: Customer, lang: Language) -> Finding:
    """not_in_customer_lists, with the lists by name and the fix "add <email> to the list X"."""
    keys = list(verdict.details.get("groups") or [])
    found = customer_lists_by_key(installation=installation, keys=keys)
    lists = sorted(({"id": found[k].pk, "key": k, "name": found[k].name} if k in found
                    else {"id": None, "key": k, "name": k} for k in keys), key=lambda x: x["name"].lower())
    names = [_quote(x["name"], lang) for x in lists]
    who = customer.email or customer.id or ("le client" if lang == "fr" else "the customer")
    joined = ", ".join(names)
    if lang == "fr":
        message = f"{who} n'est dans aucune des listes de clients du coupon : {joined}."
        fix = (f"Ajoutez {who} à la liste {names[0]}." if len(names) == 1 else
               f"Ajoutez {who} à l'une des listes {', '.join(names[:-1])} ou {names[-1]}.")
    else:
        message = f"{who} is in none of the coupon's customer lists: {joined}."
        fix = (f"Add {who} to the list {names[0]}." if len(names) == 1 else
               f"Add {who} to one of the lists {', '.join(names[:-1])} or {names[-1]}.")
    return Finding(str(verdict.reason), message, fix, details={**dict(verdict.details), "lists": lists})


def _mirror_findings(diagnosis: Diagnosis, coupon: Coupon, row: Code, lang: Language) -> None:
    plan = coupon_plan(coupon)
    if plan is None:
        from app.coupons.writeback import NotExpressible, voucher_plan

        try:
            voucher_plan(coupon_rule(coupon))
            why = ""
        except NotExpressible as exc:
            why = str(exc)
        diagnosis.findings.append(Finding("app_only", _msg("app_only", lang, why=why), _fix("app_only", lang),
                                          severity="info"))
        return
    if coupon.mirror_state == Coupon.Mirror.FAILED:
        diagnosis.findings.append(Finding("mirror_failed", _msg("mirror_failed", lang, error=coupon.mirror_error),
                                          _fix("mirror_failed", lang), severity="warning"))
    if row.saleor_sync == "conflict":
        diagnosis.findings.append(Finding("code_conflict", _msg("code_conflict", lang, code=row.code),
                                          _fix("code_conflict", lang), severity="warning"))
    elif row.saleor_sync != "pushed" and coupon.status == Coupon.Status.ACTIVE:
        diagnosis.findings.append(Finding("not_in_saleor", _msg("not_in_saleor", lang, code=row.code),
                                          _fix("not_in_saleor", lang), severity="warning"))


def _usage_findings(diagnosis: Diagnosis, installation: Any, coupon: Coupon, row: Code, customer: Customer,
                    lang: Language) -> None:
    who = Q(pk__in=[])
    if customer.id:
        who |= Q(customer_id=customer.id)
    if customer.email:
        who |= Q(customer_email=customer.email)
    mine = Redemption.objects.filter(coupon=coupon, state=Redemption.State.ACTIVE).filter(who)
    diagnosis.usages = [
        {"order_number": r.order_number, "order_id": r.order_id, "code": r.code.code if r.code else r.order_code,
         "amount": str(r.amount), "currency": r.currency, "at": r.created_at.isoformat()}
        for r in mine.select_related("code").order_by("-created_at")[:20]
    ]
    reasons = {f.reason for f in diagnosis.findings}
    if "customer_cap_reached" in reasons and diagnosis.usages:
        orders = ", ".join(f"#{u['order_number'] or u['order_id']}" for u in diagnosis.usages)
        diagnosis.findings.append(Finding("used_in", _msg("used_in", lang, orders=orders),
                                          _fix("customer_cap_reached", lang), severity="info",
                                          details={"orders": [u["order_number"] for u in diagnosis.usages]}))
    if "usage_cap_reached" in reasons:
        used = Redemption.objects.filter(code=row, state=Redemption.State.ACTIVE).order_by("-created_at")[:10]
        orders = ", ".join(f"#{r.order_number or r.order_id}" for r in used)
        if orders:
            diagnosis.findings.append(Finding("used_in", _msg("code_used_in", lang, orders=orders),
                                              _fix("usage_cap_reached", lang), severity="info",
                                              details={"orders": [r.order_number for r in used]}))

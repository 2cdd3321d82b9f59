"""One plain sentence per reason, for a shopper (what to do) and a merchant (what to change), en + fr."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from app.engine.reasons import Audience, Language, Reason, Verdict

__all__ = ["format_date", "format_money", "render"]

_SYMBOLS_FR = {"EUR": "€", "CHF": "CHF", "GBP": "£", "USD": "$ US", "CAD": "$ CA", "JPY": "¥"}


def format_money(amount: str | Decimal, currency: str, language: Language) -> str:
    """``12.50 EUR`` in English, ``12,50 €`` in French (amount already at the currency's precision)."""
    text = str(amount)
    if language == "fr":
        try:
            value = Decimal(text)
        except InvalidOperation:
            return f"{text} {currency}"
        sign = "-" if value < 0 else ""
        whole, _, fraction = text.lstrip("-").partition(".")
        grouped = f"{int(whole):,}".replace(",", "\u202f")
        number = f"{sign}{grouped},{fraction}" if fraction else f"{sign}{grouped}"
        return f"{number} {_SYMBOLS_FR.get(currency, currency)}"
    return f"{text} {currency}"


_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
              "October", "November", "December")
_MONTHS_FR = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
              "octobre", "novembre", "décembre")


def format_date(iso: str, language: Language) -> str:
    """``25 November 2026, 14:00 UTC`` / ``25 novembre 2026 à 14:00 UTC`` (times shown in the rule's offset)."""
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    offset = moment.strftime("%z")
    zone = "UTC" if offset in ("+0000", "") else f"UTC{offset[:3]}:{offset[3:]}"
    clock = moment.strftime("%H:%M")
    if language == "fr":
        return f"{moment.day} {_MONTHS_FR[moment.month - 1]} {moment.year} à {clock} {zone}"
    return f"{moment.day} {_MONTHS_EN[moment.month - 1]} {moment.year}, {clock} {zone}"


def _quote(value: str, language: Language) -> str:
    return f"« {value} »" if language == "fr" else f"'{value}'"


def _join(values: list[str], language: Language) -> str:
    quoted = [_quote(v, language) for v in values]
    if len(quoted) <= 1:
        return "".join(quoted)
    last = " ou " if language == "fr" else " or "
    return ", ".join(quoted[:-1]) + last + quoted[-1]


class _Ctx:
    """Details of a verdict, formatted for one language."""

    def __init__(self, verdict: Verdict, language: Language) -> None:
        self.v = verdict
        self.d: Mapping[str, Any] = verdict.details
        self.lang = language

    def money(self, key: str) -> str:
        return format_money(self.d.get(key, "0"), str(self.d.get("currency", "")), self.lang)

    def date(self, key: str) -> str:
        return format_date(str(self.d.get(key, "")), self.lang)

    @property
    def coupon(self) -> str:
        name = self.v.rule_name or self.v.rule_id or self.v.code or ""
        return _quote(name, self.lang)

    @property
    def code(self) -> str:
        return self.v.code or str(self.d.get("code", ""))


Sentences = dict[tuple[Audience, Language], str]


def _unknown(x: _Ctx) -> Sentences:
    code, suggestion = x.code, x.d.get("suggestion")
    if suggestion:
        return {
            ("shopper", "en"): f"The code {code} does not exist: did you mean {suggestion}?",
            ("shopper", "fr"): f"Le code {code} n'existe pas : vouliez-vous dire {suggestion} ?",
            ("merchant", "en"): f"No coupon has the code {code}; the closest existing code is {suggestion}.",
            ("merchant", "fr"): f"Aucun coupon n'a le code {code} ; le code existant le plus proche est {suggestion}.",
        }
    return {
        ("shopper", "en"): f"The code {code} does not exist; check its spelling.",
        ("shopper", "fr"): f"Le code {code} n'existe pas ; vérifiez son orthographe.",
        ("merchant", "en"): f"No coupon has the code {code}; create it or give the shopper an existing code.",
        ("merchant", "fr"): f"Aucun coupon n'a le code {code} ; créez-le ou donnez au client un code existant.",
    }


def _disabled(x: _Ctx) -> Sentences:
    if x.d.get("what") == "code":
        merchant_en = f"The code {x.code} is disabled; re-enable it so it can be used."
        merchant_fr = f"Le code {x.code} est désactivé ; réactivez-le pour qu'il puisse servir."
    else:
        merchant_en = f"The coupon {x.coupon} is disabled or deleted; enable it so its codes work."
        merchant_fr = f"Le coupon {x.coupon} est désactivé ou supprimé ; activez-le pour que ses codes fonctionnent."
    return {
        ("shopper", "en"): "This code is no longer active.",
        ("shopper", "fr"): "Ce code n'est plus actif.",
        ("merchant", "en"): merchant_en,
        ("merchant", "fr"): merchant_fr,
    }


def _not_started(x: _Ctx) -> Sentences:
    return {
        ("shopper", "en"): f"This code can be used from {x.date('starts_at')}.",
        ("shopper", "fr"): f"Ce code sera utilisable à partir du {x.date('starts_at')}.",
        ("merchant", "en"): f"The coupon {x.coupon} starts on {x.date('starts_at')}; move its start date "
        "earlier to use it now.",
        ("merchant", "fr"): f"Le coupon {x.coupon} commence le {x.date('starts_at')} ; avancez sa date de "
        "début pour l'utiliser dès maintenant.",
    }


def _expired(x: _Ctx) -> Sentences:
    return {
        ("shopper", "en"): f"This code expired on {x.date('ends_at')}.",
        ("shopper", "fr"): f"Ce code a expiré le {x.date('ends_at')}.",
        ("merchant", "en"): f"The coupon {x.coupon} ended on {x.date('ends_at')}; extend its end date to "
        "use it again.",
        ("merchant", "fr"): f"Le coupon {x.coupon} a pris fin le {x.date('ends_at')} ; prolongez sa date "
        "de fin pour le réutiliser.",
    }


def _wrong_channel(x: _Ctx) -> Sentences:
    allowed = list(x.d.get("allowed", []))
    channel = str(x.d.get("channel", ""))
    plural_en = "channels" if len(allowed) > 1 else "channel"
    plural_fr = "aux canaux" if len(allowed) > 1 else "au canal"
    return {
        ("shopper", "en"): "This code is not valid in the shop you are buying from.",
        ("shopper", "fr"): "Ce code n'est pas valable dans la boutique où vous achetez.",
        ("merchant", "en"): f"The coupon is limited to {plural_en} {_join(allowed, 'en')}; the checkout is in "
        f"{_quote(channel, 'en')}.",
        ("merchant", "fr"): f"Le coupon est limité {plural_fr} {_join(allowed, 'fr')} ; le panier est dans "
        f"{_quote(channel, 'fr')}.",
    }


def _currency(x: _Ctx) -> Sentences:
    currency, expected = x.d.get("currency"), x.d.get("expected")
    return {
        ("shopper", "en"): f"This code cannot be used with prices in {currency}.",
        ("shopper", "fr"): f"Ce code ne peut pas être utilisé avec des prix en {currency}.",
        ("merchant", "en"): f"The coupon's amounts are in {expected} and the checkout is in {currency}; "
        f"create a coupon in {currency} for this channel.",
        ("merchant", "fr"): f"Les montants du coupon sont en {expected} et le panier est en {currency} ; "
        f"créez un coupon en {currency} pour ce canal.",
    }


def _login(x: _Ctx) -> Sentences:
    return {
        ("shopper", "en"): "Log in to your account to use this code.",
        ("shopper", "fr"): "Connectez-vous à votre compte pour utiliser ce code.",
        ("merchant", "en"): "The coupon is reserved for identified customers and the shopper is not logged "
        "in; ask them to log in to their account.",
        ("merchant", "fr"): "Le coupon est réservé aux clients identifiés et l'acheteur n'est pas connecté ; "
        "demandez-lui de se connecter à son compte.",
    }


def _not_this_customer(x: _Ctx) -> Sentences:
    if x.d.get("assigned") == "code":
        return {
            ("shopper", "en"): "This code belongs to another account; log in with the account it was sent to.",
            ("shopper", "fr"): "Ce code appartient à un autre compte ; connectez-vous avec le compte "
            "auquel il a été envoyé.",
            ("merchant", "en"): f"The code {x.code} is assigned to another customer; send this customer "
            "their own code.",
            ("merchant", "fr"): f"Le code {x.code} est attribué à un autre client ; envoyez à ce client "
            "son propre code.",
        }
    return {
        ("shopper", "en"): "This code is reserved for other customers.",
        ("shopper", "fr"): "Ce code est réservé à d'autres clients.",
        ("merchant", "en"): f"This customer is not among the recipients of the coupon {x.coupon}; add them "
        "to its customers.",
        ("merchant", "fr"): f"Ce client ne fait pas partie des destinataires du coupon {x.coupon} ; "
        "ajoutez-le à ses clients.",
    }


def _not_in_lists(x: _Ctx) -> Sentences:
    groups = list(x.d.get("groups", []))
    return {
        ("shopper", "en"): "This code is reserved for members of certain customer groups.",
        ("shopper", "fr"): "Ce code est réservé aux membres de certains groupes de clients.",
        ("merchant", "en"): f"The customer is in none of the coupon's lists ({_join(groups, 'en')}); add "
        "them to one of these lists.",
        ("merchant", "fr"): f"Le client n'est dans aucune des listes du coupon ({_join(groups, 'fr')}) ; "
        "ajoutez-le à l'une d'elles.",
    }


def _usage_cap(x: _Ctx) -> Sentences:
    code_scope = x.d.get("scope") == "code"
    what_en = f"The code {x.code}" if code_scope and x.code else f"The coupon {x.coupon}"
    what_fr = f"Le code {x.code}" if code_scope and x.code else f"Le coupon {x.coupon}"
    return {
        ("shopper", "en"): "This code has reached its usage limit.",
        ("shopper", "fr"): "Ce code a atteint sa limite d'utilisation.",
        ("merchant", "en"): f"{what_en} has been used as many times as allowed; raise its usage limit to "
        "allow more uses.",
        ("merchant", "fr"): f"{what_fr} a été utilisé autant de fois que permis ; augmentez sa limite "
        "d'utilisation pour en autoriser davantage.",
    }


def _customer_cap(x: _Ctx) -> Sentences:
    return {
        ("shopper", "en"): "You have already used this code as many times as allowed.",
        ("shopper", "fr"): "Vous avez déjà utilisé ce code autant de fois que permis.",
        ("merchant", "en"): f"This customer has used the coupon {x.coupon} as many times as allowed per "
        "customer; raise the per-customer limit or cancel one of their uses.",
        ("merchant", "fr"): f"Ce client a utilisé le coupon {x.coupon} autant de fois que permis par "
        "client ; augmentez la limite par client ou annulez l'une de ses utilisations.",
    }


def _min_subtotal(x: _Ctx) -> Sentences:
    eligible = x.d.get("scope") == "eligible"
    of_en = " of eligible products" if eligible else ""
    of_fr = " en produits éligibles" if eligible else ""
    return {
        ("shopper", "en"): f"Add {x.money('missing')} more{of_en} to your cart to use this code.",
        ("shopper", "fr"): f"Ajoutez {x.money('missing')}{of_fr} à votre panier pour utiliser ce code.",
        ("merchant", "en"): f"The coupon needs a subtotal{of_en} of {x.money('min')} and the cart has "
        f"{x.money('subtotal')} ({x.money('missing')} short); lower the minimum to accept this cart.",
        ("merchant", "fr"): f"Le coupon exige un sous-total{of_fr} de {x.money('min')} et le panier en a "
        f"{x.money('subtotal')} (il manque {x.money('missing')}) ; baissez le minimum pour accepter ce panier.",
    }


def _min_quantity(x: _Ctx) -> Sentences:
    missing, minimum, quantity = int(x.d.get("missing", 0)), x.d.get("min"), x.d.get("quantity")
    items_en = "item" if missing == 1 else "items"
    items_fr = "article éligible" if missing == 1 else "articles éligibles"
    return {
        ("shopper", "en"): f"Add {missing} more eligible {items_en} to your cart to use this code.",
        ("shopper", "fr"): f"Ajoutez encore {missing} {items_fr} à votre panier pour utiliser ce code.",
        ("merchant", "en"): f"The coupon needs {minimum} eligible items and the cart has {quantity}; lower "
        "the minimum quantity to accept this cart.",
        ("merchant", "fr"): f"Le coupon exige {minimum} articles éligibles et le panier en contient "
        f"{quantity} ; baissez la quantité minimum pour accepter ce panier.",
    }


def _no_eligible(x: _Ctx) -> Sentences:
    excluded = list(x.d.get("excluded_lines", []))
    if x.d.get("set") == "get":
        return {
            ("shopper", "en"): "Add the product this code offers to your cart to use it.",
            ("shopper", "fr"): "Ajoutez à votre panier le produit que ce code offre pour l'utiliser.",
            ("merchant", "en"): "None of the products the coupon gives is in the cart; the shopper must add "
            "one, or widen the coupon's 'get' products.",
            ("merchant", "fr"): "Aucun des produits offerts par le coupon n'est dans le panier ; le client "
            "doit en ajouter un, ou élargissez les produits offerts du coupon.",
        }
    if excluded:
        return {
            ("shopper", "en"): "The items in your cart are excluded from this code (for example customised "
            "items).",
            ("shopper", "fr"): "Les articles de votre panier sont exclus de ce code (par exemple les articles "
            "personnalisés).",
            ("merchant", "en"): f"The cart's matching lines ({', '.join(excluded)}) are removed by the "
            "coupon's exclusions (products, categories or line attributes); remove the exclusion to "
            "accept them.",
            ("merchant", "fr"): f"Les lignes concernées du panier ({', '.join(excluded)}) sont retirées par "
            "les exclusions du coupon (produits, catégories ou attributs de ligne) ; retirez l'exclusion "
            "pour les accepter.",
        }
    return {
        ("shopper", "en"): "None of the products in your cart is eligible for this code.",
        ("shopper", "fr"): "Aucun produit de votre panier n'est éligible à ce code.",
        ("merchant", "en"): "No line of the cart matches the coupon's products, categories, collections or "
        "product types; widen the coupon's products to accept this cart.",
        ("merchant", "fr"): "Aucune ligne du panier ne correspond aux produits, catégories, collections ou "
        "types de produits du coupon ; élargissez les produits du coupon pour accepter ce panier.",
    }


def _required_missing(x: _Ctx) -> Sentences:
    missing = list(x.d.get("missing", []))
    any_mode = x.d.get("mode") == "any"
    if len(missing) == 1:
        merchant_en = (f"The coupon requires the product {_join(missing, 'en')} in the cart, which is missing; "
                       "the shopper must add it, or remove the requirement.")
        merchant_fr = (f"Le coupon exige le produit {_join(missing, 'fr')} dans le panier, qui y manque ; le "
                       "client doit l'ajouter, ou retirez l'exigence.")
    elif any_mode:
        merchant_en = (f"The coupon requires one of the products {_join(missing, 'en')} in the cart, and none "
                       "is there; the shopper must add one, or remove the requirement.")
        merchant_fr = (f"Le coupon exige l'un des produits {_join(missing, 'fr')} dans le panier, et aucun n'y "
                       "est ; le client doit en ajouter un, ou retirez l'exigence.")
    else:
        listed_en = ", ".join(_quote(m, "en") for m in missing)
        listed_fr = ", ".join(_quote(m, "fr") for m in missing)
        merchant_en = (f"The coupon requires the products {listed_en} in the cart, which are missing; the "
                       "shopper must add them, or remove the requirement.")
        merchant_fr = (f"Le coupon exige les produits {listed_fr} dans le panier, qui y manquent ; le client "
                       "doit les ajouter, ou retirez l'exigence.")
    return {
        ("shopper", "en"): "This code needs a specific product in your cart.",
        ("shopper", "fr"): "Ce code exige un produit précis dans votre panier.",
        ("merchant", "en"): merchant_en,
        ("merchant", "fr"): merchant_fr,
    }


def _first_order(x: _Ctx) -> Sentences:
    count = int(x.d.get("orders_count", 0))
    return {
        ("shopper", "en"): "This code is valid on a first order only.",
        ("shopper", "fr"): "Ce code n'est valable que pour une première commande.",
        ("merchant", "en"): f"The coupon is for first orders only and this customer has already placed "
        f"{count} order{'s' if count != 1 else ''}; untick 'first order only' to accept them.",
        ("merchant", "fr"): f"Le coupon est réservé aux premières commandes et ce client a déjà passé "
        f"{count} commande{'s' if count != 1 else ''} ; décochez « première commande uniquement » pour "
        "l'accepter.",
    }


def _beaten(x: _Ctx) -> Sentences:
    winner_code = x.d.get("winner_code")
    winner_name = str(x.d.get("winner_name") or x.d.get("winner_rule_id") or "")
    winner_en = f"the code {winner_code}" if winner_code else f"the offer {_quote(winner_name, 'en')}"
    winner_fr = f"le code {winner_code}" if winner_code else f"l'offre {_quote(winner_name, 'fr')}"
    return {
        ("shopper", "en"): f"This code does not combine with {winner_en}, which saves you more "
        f"({x.money('winner_amount')}).",
        ("shopper", "fr"): f"Ce code ne se cumule pas avec {winner_fr}, qui vous fait économiser davantage "
        f"({x.money('winner_amount')}).",
        ("merchant", "en"): f"The coupon {x.coupon} (worth {x.money('amount')}) is not cumulative and lost "
        f"to {winner_en} (worth {x.money('winner_amount')}); make it cumulative to combine them.",
        ("merchant", "fr"): f"Le coupon {x.coupon} (valant {x.money('amount')}) n'est pas cumulable et "
        f"s'efface devant {winner_fr} (valant {x.money('winner_amount')}) ; rendez-le cumulable pour les "
        "combiner.",
    }


def _already_applied(x: _Ctx) -> Sentences:
    other = x.d.get("other_code") or ""
    return {
        ("shopper", "en"): f"A code for the same offer ({other}) is already applied.",
        ("shopper", "fr"): f"Un code de la même offre ({other}) est déjà appliqué.",
        ("merchant", "en"): f"Another code of the coupon {x.coupon} ({other}) is already applied; a coupon "
        "applies once per order.",
        ("merchant", "fr"): f"Un autre code du coupon {x.coupon} ({other}) est déjà appliqué ; un coupon "
        "s'applique une fois par commande.",
    }


def _nothing(x: _Ctx) -> Sentences:
    why = x.d.get("why")
    if why == "no_shipping":
        return {
            ("shopper", "en"): "This code discounts shipping; choose a delivery method first.",
            ("shopper", "fr"): "Ce code porte sur la livraison ; choisissez d'abord un mode de livraison.",
            ("merchant", "en"): "The coupon discounts shipping and the checkout has no shipping cost yet; "
            "it applies once a paid delivery method is chosen.",
            ("merchant", "fr"): "Le coupon porte sur la livraison et le panier n'a pas encore de frais de "
            "port ; il s'appliquera dès qu'un mode de livraison payant sera choisi.",
        }
    if why == "units_used":
        return {
            ("shopper", "en"): "The items this code would discount are already used by another offer.",
            ("shopper", "fr"): "Les articles que ce code réduirait servent déjà à une autre offre.",
            ("merchant", "en"): "The units the coupon would discount are already used by another "
            "buy-X-get-Y offer; the shopper must add more units.",
            ("merchant", "fr"): "Les unités que le coupon réduirait servent déjà à une autre offre "
            "« X achetés, Y offerts » ; le client doit ajouter des unités.",
        }
    return {
        ("shopper", "en"): "This code gives no further discount on this cart.",
        ("shopper", "fr"): "Ce code n'apporte pas de réduction supplémentaire sur ce panier.",
        ("merchant", "en"): "The coupon gives nothing on this cart: the items it covers are free or already "
        "fully discounted.",
        ("merchant", "fr"): "Le coupon n'apporte rien sur ce panier : les articles qu'il couvre sont gratuits "
        "ou déjà entièrement remisés.",
    }


_RENDERERS: dict[Reason, Callable[[_Ctx], Sentences]] = {
    Reason.UNKNOWN_CODE: _unknown,
    Reason.DISABLED: _disabled,
    Reason.NOT_STARTED: _not_started,
    Reason.EXPIRED: _expired,
    Reason.WRONG_CHANNEL: _wrong_channel,
    Reason.CURRENCY_MISMATCH: _currency,
    Reason.LOGIN_REQUIRED: _login,
    Reason.NOT_THIS_CUSTOMER: _not_this_customer,
    Reason.NOT_IN_CUSTOMER_LISTS: _not_in_lists,
    Reason.USAGE_CAP_REACHED: _usage_cap,
    Reason.CUSTOMER_CAP_REACHED: _customer_cap,
    Reason.MIN_SUBTOTAL_NOT_MET: _min_subtotal,
    Reason.MIN_QUANTITY_NOT_MET: _min_quantity,
    Reason.NO_ELIGIBLE_PRODUCT: _no_eligible,
    Reason.REQUIRED_PRODUCT_MISSING: _required_missing,
    Reason.FIRST_ORDER_ONLY: _first_order,
    Reason.BEATEN_BY_BETTER_OFFER: _beaten,
    Reason.ALREADY_APPLIED: _already_applied,
    Reason.NOTHING_TO_DISCOUNT: _nothing,
}


def render(verdict: Verdict, *, audience: Audience = "shopper", language: Language = "en") -> str:
    if audience not in ("shopper", "merchant"):
        raise ValueError(f"unknown audience {audience!r}")
    if language not in ("en", "fr"):
        raise ValueError(f"unknown language {language!r}")
    sentence = _RENDERERS[verdict.reason](_Ctx(verdict, language))[(audience, language)]
    if verdict.code is None and audience == "shopper":
        # An automatic offer, not a typed code: "this offer" / "cette offre" (feminine in French).
        for old, new in _OFFER_WORDING[language]:
            sentence = sentence.replace(old, new)
    return sentence


_OFFER_WORDING: dict[str, tuple[tuple[str, str], ...]] = {
    "en": (
        ("to use this code", "to get this offer"),
        ("This code", "This offer"),
        ("this code", "this offer"),
    ),
    "fr": (
        ("pour utiliser ce code", "pour profiter de cette offre"),
        ("Ce code n'est plus actif", "Cette offre n'est plus active"),
        ("Ce code ne peut pas être utilisé", "Cette offre ne peut pas être utilisée"),
        ("Ce code est réservé", "Cette offre est réservée"),
        ("Ce code", "Cette offre"),
        ("ce code", "cette offre"),
    ),
}

"""Saleor's checkout pricing as observed (PROTOCOL.md): vouchers, promotions, gift cards, no taxes.

`compute_prices` is called only when the checkout itself changes: its result is cached on the checkout,
so editing a voucher or adding a promotion does not reach an existing checkout (like Saleor's price cache).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from .schema import quantize
from .state import ZERO, Checkout, CheckoutLine, LinePrice, Prices, PromotionRule, State, Voucher, VoucherCode


class NotApplicable(Exception):
    """The voucher exists but does not apply to this checkout (VOUCHER_NOT_APPLICABLE)."""


class InvalidCode(Exception):
    """No usable voucher with this code in this channel now (INVALID)."""


def spread(amount: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Split `amount` in proportion to `weights`; the last share takes the remainder."""
    total = sum(weights, ZERO)
    if total <= 0 or not weights:
        return [ZERO for _ in weights]
    shares = [quantize(amount * weight / total) for weight in weights[:-1]]
    shares.append(amount - sum(shares, ZERO))
    return shares


def _variant_price(line: CheckoutLine, channel_slug: str) -> Decimal:
    return line.variant.prices.get(channel_slug, ZERO)


def _catalogue_rule_matches(rule: PromotionRule, line: CheckoutLine) -> bool:
    predicate = rule.catalogue_predicate or {}
    variant = line.variant
    product = variant.product
    category_pk = product.category.pk if product.category else None
    return (
        variant.pk in predicate.get("variants", ())
        or product.pk in predicate.get("products", ())
        or (category_pk is not None and category_pk in predicate.get("categories", ()))
        or any(collection.pk in predicate.get("collections", ()) for collection in product.collections)
    )


def _reward(value_type: str | None, value: Decimal | None, base: Decimal) -> Decimal:
    if value is None or base <= 0:
        return ZERO
    if value_type == "PERCENTAGE":
        return min(base, quantize(base * value / Decimal(100)))
    return min(base, quantize(value))


def _running_rules(state: State, checkout: Checkout, promotion_type: str, moment: datetime) -> list[PromotionRule]:
    rules = []
    for promotion in state.promotions.values():
        if promotion.type != promotion_type or not promotion.is_running(moment):
            continue
        for rule in promotion.rules:
            if any(channel.slug == checkout.channel.slug for channel in rule.channels):
                rules.append(rule)
    return rules


def _decimal_filter_matches(flt: dict, value: Decimal) -> bool:
    if flt.get("eq") is not None and value != Decimal(str(flt["eq"])):
        return False
    if flt.get("oneOf") is not None and value not in {Decimal(str(v)) for v in flt["oneOf"]}:
        return False
    rng = flt.get("range") or {}
    if rng.get("gte") is not None and value < Decimal(str(rng["gte"])):
        return False
    if rng.get("lte") is not None and value > Decimal(str(rng["lte"])):
        return False
    return True


def _discounted_object_matches(where: dict, subtotal: Decimal, total: Decimal) -> bool:
    if where.get("baseSubtotalPrice") is not None and not _decimal_filter_matches(where["baseSubtotalPrice"], subtotal):
        return False
    if where.get("baseTotalPrice") is not None and not _decimal_filter_matches(where["baseTotalPrice"], total):
        return False
    if where.get("AND") and not all(_discounted_object_matches(w, subtotal, total) for w in where["AND"]):
        return False
    if where.get("OR") and not any(_discounted_object_matches(w, subtotal, total) for w in where["OR"]):
        return False
    return True


def order_predicate_matches(predicate: dict, subtotal: Decimal, total: Decimal) -> bool:
    if predicate.get("discountedObjectPredicate") is not None and not _discounted_object_matches(
        predicate["discountedObjectPredicate"], subtotal, total
    ):
        return False
    if predicate.get("AND") and not all(order_predicate_matches(p, subtotal, total) for p in predicate["AND"]):
        return False
    if predicate.get("OR") and not any(order_predicate_matches(p, subtotal, total) for p in predicate["OR"]):
        return False
    return True


def voucher_code_for_checkout(state: State, checkout: Checkout, code: str, moment: datetime) -> VoucherCode:
    """The active voucher code for `code` in the checkout's channel, or InvalidCode (exact match only)."""
    voucher_code = state.voucher_code(code)
    if voucher_code is None or not voucher_code.is_active:
        raise InvalidCode(code)
    voucher = voucher_code.voucher
    if voucher.start_date > moment or (voucher.end_date is not None and voucher.end_date < moment):
        raise InvalidCode(code)
    if checkout.channel.slug not in voucher.listings:
        raise InvalidCode(code)
    if voucher.usage_limit is not None and voucher.used >= voucher.usage_limit:
        raise InvalidCode(code)
    return voucher_code


def check_voucher_applicable(
    voucher: Voucher, checkout: Checkout, subtotal: Decimal, *, has_delivery: bool
) -> None:
    """Saleor's NotApplicable checks, against the subtotal before the voucher."""
    listing = voucher.listings[checkout.channel.slug]
    if listing.min_spent is not None and subtotal < listing.min_spent:
        raise NotApplicable(f"This offer is only valid for orders over {listing.min_spent}.")
    quantity = sum(line.quantity for line in checkout.lines)
    if voucher.min_checkout_items_quantity and quantity < voucher.min_checkout_items_quantity:
        raise NotApplicable(
            f"This offer is only valid for orders with a minimum of {voucher.min_checkout_items_quantity} quantity."
        )
    if voucher.only_for_staff and not (checkout.user is not None and checkout.user.is_staff):
        raise NotApplicable("This offer is valid only for staff customers.")
    email = checkout.customer_email
    if voucher.apply_once_per_customer and email and email.lower() in voucher.customer_emails:
        raise NotApplicable("This offer is valid only once per customer.")
    if voucher.type == "SHIPPING" and not has_delivery:
        raise NotApplicable("Please select a delivery method first.")
    if voucher.type == "SPECIFIC_PRODUCT" and not any(voucher.applies_to_line(ln.variant) for ln in checkout.lines):
        raise NotApplicable("This offer is only valid for selected items.")


def compute_prices(state: State, checkout: Checkout, moment: datetime) -> Prices:
    """Price the checkout now. Drops a voucher code that no longer applies (as Saleor does on recalculation)."""
    slug = checkout.channel.slug
    # 1. base prices, then the best catalogue promotion per line (stacks with vouchers).
    catalogue_rules = _running_rules(state, checkout, "CATALOGUE", moment)
    line_prices: dict[str, LinePrice] = {}
    for line in checkout.lines:
        base = _variant_price(line, slug)
        best = max(
            (_reward(rule.reward_value_type, rule.reward_value, base) for rule in catalogue_rules
             if _catalogue_rule_matches(rule, line)),
            default=ZERO,
        )
        unit = base - best
        line_prices[line.pk] = LinePrice(
            undiscounted_unit=base,
            catalogue_unit=unit,
            total=unit * line.quantity,
            undiscounted_total=base * line.quantity,
        )
    subtotal_before = sum((p.total for p in line_prices.values()), ZERO)
    undiscounted_shipping = (
        checkout.shipping_method.price if checkout.shipping_method is not None and checkout.lines else ZERO
    )
    shipping = undiscounted_shipping

    # 2. the voucher (one per checkout).
    voucher_amount = ZERO
    discount_name = None
    voucher: Voucher | None = None
    if checkout.voucher_code is not None:
        try:
            voucher = voucher_code_for_checkout(state, checkout, checkout.voucher_code, moment).voucher
            check_voucher_applicable(
                voucher, checkout, subtotal_before, has_delivery=checkout.shipping_method is not None
            )
        except (InvalidCode, NotApplicable):
            checkout.voucher_code = None
            voucher = None
    if voucher is not None:
        listing = voucher.listings[slug]
        value = listing.discount_value
        discount_name = voucher.name
        if voucher.type == "SHIPPING":
            voucher_amount = _reward(voucher.discount_value_type, value, shipping)
            shipping -= voucher_amount
        else:
            eligible = [
                line for line in checkout.lines
                if voucher.type == "ENTIRE_ORDER" or voucher.applies_to_line(line.variant)
            ]
            if voucher.apply_once_per_order and eligible:
                cheapest = min(eligible, key=lambda line: line_prices[line.pk].catalogue_unit)
                amount = _reward(voucher.discount_value_type, value, line_prices[cheapest.pk].catalogue_unit)
                line_prices[cheapest.pk].total -= amount
                line_prices[cheapest.pk].voucher_code = checkout.voucher_code
                voucher_amount = amount
            elif voucher.type == "ENTIRE_ORDER":
                base = sum((line_prices[line.pk].total for line in eligible), ZERO)
                voucher_amount = _reward(voucher.discount_value_type, value, base)
                shares = spread(voucher_amount, [line_prices[line.pk].total for line in eligible])
                for line, share in zip(eligible, shares, strict=True):
                    line_prices[line.pk].total -= share
            else:  # SPECIFIC_PRODUCT: percentage per line, fixed per unit
                for line in eligible:
                    price = line_prices[line.pk]
                    if voucher.discount_value_type == "PERCENTAGE":
                        amount = _reward("PERCENTAGE", value, price.total)
                    else:
                        amount = min(price.catalogue_unit, quantize(value)) * line.quantity
                    price.total -= amount
                    price.voucher_code = checkout.voucher_code
                    voucher_amount += amount

    # 3. order promotions: the best ORDER rule, only when no voucher is on the checkout.
    promotion_rule = None
    promotion_amount = ZERO
    if voucher is None and checkout.lines:
        best: tuple[Decimal, PromotionRule | None] = (ZERO, None)
        for rule in _running_rules(state, checkout, "ORDER", moment):
            if rule.reward_type not in (None, "SUBTOTAL_DISCOUNT"):
                continue
            if not order_predicate_matches(rule.order_predicate or {}, subtotal_before, subtotal_before + shipping):
                continue
            amount = _reward(rule.reward_value_type, rule.reward_value, subtotal_before)
            if amount > best[0]:
                best = (amount, rule)
        promotion_amount, promotion_rule = best
        if promotion_rule is not None:
            shares = spread(promotion_amount, [line_prices[line.pk].total for line in checkout.lines])
            for line, share in zip(checkout.lines, shares, strict=True):
                line_prices[line.pk].total -= share
            discount_name = promotion_rule.name or (promotion_rule.promotion.name if promotion_rule.promotion else None)

    subtotal = sum((p.total for p in line_prices.values()), ZERO)
    total_before_cards = subtotal + shipping
    gift_cards = ZERO
    for card in checkout.gift_cards:
        if card.is_active and card.currency == checkout.channel.currency:
            gift_cards += min(card.current_balance, total_before_cards - gift_cards)
    return Prices(
        lines=line_prices,
        subtotal=subtotal,
        shipping=shipping,
        undiscounted_shipping=undiscounted_shipping,
        discount=voucher_amount + promotion_amount,
        discount_name=discount_name,
        gift_cards=gift_cards,
        total=total_before_cards - gift_cards,
        undiscounted_total=sum((p.undiscounted_total for p in line_prices.values()), ZERO) + undiscounted_shipping,
        voucher_amount=voucher_amount,
        order_promotion=promotion_rule,
        order_promotion_amount=promotion_amount,
        voucher_value=voucher.listings[slug].discount_value if voucher is not None else None,
        voucher_value_type=voucher.discount_value_type if voucher is not None else None,
        voucher_name=voucher.name if voucher is not None else None,
    )

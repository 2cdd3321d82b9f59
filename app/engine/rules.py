"""A rule = conditions + benefit + stacking class. Frozen pydantic v2 models that round-trip through JSON:

    stored = rule.model_dump(mode="json")      # into a JSONField
    rule = Rule.model_validate(stored)         # back

Sets of ids serialise as sorted lists (stable JSON); amounts as strings; dates as ISO 8601 with offset.
Every absolute amount of a rule (min subtotal, fixed amounts, tier thresholds in money, caps, gift value)
is in ``conditions.currency``, which is therefore required as soon as the rule holds one.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    field_validator,
    model_validator,
)

__all__ = [
    "Benefit",
    "BuyXGetYBenefit",
    "Conditions",
    "FixedAmountBenefit",
    "FixedPerUnitBenefit",
    "GiftBenefit",
    "PercentageBenefit",
    "Rule",
    "ShippingBenefit",
    "Tier",
    "TieredBenefit",
]


def _sorted_list(value: frozenset[str]) -> list[str]:
    return sorted(value)


IdSet = Annotated[frozenset[str], PlainSerializer(_sorted_list, return_type=list[str])]
Percent = Annotated[Decimal, Field(gt=0, le=100)]
PositiveAmount = Annotated[Decimal, Field(gt=0)]
ApplyTo = Literal["eligible", "order"]
Stacking = Literal["exclusive", "cumulative"]

EXCLUSIVE: Stacking = "exclusive"
CUMULATIVE: Stacking = "cumulative"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Conditions(_Frozen):
    """When a rule applies. Empty sets mean "no restriction".

    Product scope: a line is *eligible* when it matches at least one of the included sets (or no
    inclusion is set) and none of the exclusions (products, variants, categories, collections, product
    types, or a line attribute / metadata key whose value is listed; an empty list of values excludes
    any line carrying the key). Excluded lines are never discounted.
    ``min_subtotal`` is measured on the whole cart (``subtotal_scope="cart"``, Saleor's "minimum spent")
    or on the eligible lines only; ``min_quantity`` counts eligible units.
    ``customers`` holds customer ids or e-mails (case-insensitive); ``customer_groups`` the lists / groups
    any of which the customer must belong to.
    """

    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    channels: IdSet = frozenset()
    currency: str | None = None
    min_subtotal: Annotated[Decimal, Field(ge=0)] | None = None
    subtotal_scope: Literal["cart", "eligible"] = "cart"
    min_quantity: Annotated[int, Field(ge=1)] | None = None

    product_ids: IdSet = frozenset()
    variant_ids: IdSet = frozenset()
    category_ids: IdSet = frozenset()
    collection_ids: IdSet = frozenset()
    product_type_ids: IdSet = frozenset()

    excluded_product_ids: IdSet = frozenset()
    excluded_variant_ids: IdSet = frozenset()
    excluded_category_ids: IdSet = frozenset()
    excluded_collection_ids: IdSet = frozenset()
    excluded_product_type_ids: IdSet = frozenset()
    excluded_line_attributes: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    excluded_line_metadata: dict[str, tuple[str, ...]] = Field(default_factory=dict)

    required_product_ids: IdSet = frozenset()
    required_variant_ids: IdSet = frozenset()
    required_mode: Literal["all", "any"] = "all"

    first_order_only: bool = False
    login_required: bool = False
    customers: IdSet = frozenset()
    customer_groups: IdSet = frozenset()

    @field_validator("currency")
    @classmethod
    def _upper_currency(cls, value: str | None) -> str | None:
        return value.strip().upper() if value else None

    @field_validator("customers")
    @classmethod
    def _normalise_customers(cls, value: frozenset[str]) -> frozenset[str]:
        return frozenset(v.strip().lower() if "@" in v else v for v in value)

    @model_validator(mode="after")
    def _window(self) -> Conditions:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self

    @property
    def restricts_products(self) -> bool:
        return bool(
            self.product_ids or self.variant_ids or self.category_ids or self.collection_ids
            or self.product_type_ids
        )

    @property
    def has_exclusions(self) -> bool:
        return bool(
            self.excluded_product_ids or self.excluded_variant_ids or self.excluded_category_ids
            or self.excluded_collection_ids or self.excluded_product_type_ids
            or self.excluded_line_attributes or self.excluded_line_metadata
        )


class PercentageBenefit(_Frozen):
    """``percent`` off the eligible lines (``apply_to="eligible"``) or every non-excluded line
    (``"order"``), optionally capped at ``max_discount``."""

    kind: Literal["percentage"] = "percentage"
    percent: Percent
    apply_to: ApplyTo = "eligible"
    max_discount: PositiveAmount | None = None


class FixedAmountBenefit(_Frozen):
    """``amount`` off, spread over the lines in proportion to their value (remainder on the last)."""

    kind: Literal["fixed_amount"] = "fixed_amount"
    amount: PositiveAmount
    apply_to: ApplyTo = "eligible"


class FixedPerUnitBenefit(_Frozen):
    """``amount`` off each eligible unit (never more than the unit's price)."""

    kind: Literal["fixed_per_unit"] = "fixed_per_unit"
    amount: PositiveAmount


class ShippingBenefit(_Frozen):
    """Free shipping (default: 100 %), ``percent`` off shipping, or a fixed ``amount`` off shipping."""

    kind: Literal["shipping"] = "shipping"
    percent: Percent = Decimal(100)
    amount: PositiveAmount | None = None


class BuyXGetYBenefit(_Frozen):
    """Buy ``buy_quantity`` eligible units, get ``get_quantity`` units ``percent`` off (100 = free),
    repeated up to ``max_applications`` times (``None`` = as often as the cart allows).

    Without a "get" set, X and Y come from the same eligible units: sorted by price (highest first,
    ties by line order), every group of X+Y gives its last Y units (the cheapest) the discount. With a
    "get" set (``get_product_ids`` / ``get_variant_ids`` / ``get_category_ids``), X units come from the
    eligible lines and Y units from the lines of the get set (cheapest first), never the same unit.
    """

    kind: Literal["buy_x_get_y"] = "buy_x_get_y"
    buy_quantity: Annotated[int, Field(ge=1)]
    get_quantity: Annotated[int, Field(ge=1)]
    percent: Percent = Decimal(100)
    max_applications: Annotated[int, Field(ge=1)] | None = None
    get_product_ids: IdSet = frozenset()
    get_variant_ids: IdSet = frozenset()
    get_category_ids: IdSet = frozenset()

    @property
    def has_get_set(self) -> bool:
        return bool(self.get_product_ids or self.get_variant_ids or self.get_category_ids)


class GiftBenefit(_Frozen):
    """A free product: the evaluation lists it in ``gift_lines``; the caller adds it to the order.

    ``value`` (unit value, in the rule's currency) is what the gift is worth when exclusive offers
    compete; without it the engine uses the variant's price if it is in the cart, else zero.
    """

    kind: Literal["gift"] = "gift"
    variant_id: str
    quantity: Annotated[int, Field(ge=1)] = 1
    value: Annotated[Decimal, Field(ge=0)] | None = None


class Tier(_Frozen):
    """One step of a ladder: from ``threshold`` (money or units), ``percent`` off or ``amount`` off."""

    threshold: Annotated[Decimal, Field(ge=0)]
    percent: Percent | None = None
    amount: PositiveAmount | None = None

    @model_validator(mode="after")
    def _one_value(self) -> Tier:
        if (self.percent is None) == (self.amount is None):
            raise ValueError("a tier has either a percent or an amount")
        return self


class TieredBenefit(_Frozen):
    """Degressive ladder, e.g. 5 % from 50, 10 % from 100: the highest tier reached applies.
    ``basis="subtotal"`` measures the eligible subtotal, ``"quantity"`` the eligible units."""

    kind: Literal["tiered"] = "tiered"
    basis: Literal["subtotal", "quantity"] = "subtotal"
    tiers: Annotated[tuple[Tier, ...], Field(min_length=1)]
    apply_to: ApplyTo = "eligible"

    @field_validator("tiers")
    @classmethod
    def _sorted(cls, tiers: tuple[Tier, ...]) -> tuple[Tier, ...]:
        ordered = tuple(sorted(tiers, key=lambda t: t.threshold))
        thresholds = [t.threshold for t in ordered]
        if len(set(thresholds)) != len(thresholds):
            raise ValueError("two tiers share a threshold")
        return ordered


Benefit = Annotated[
    PercentageBenefit
    | FixedAmountBenefit
    | FixedPerUnitBenefit
    | ShippingBenefit
    | BuyXGetYBenefit
    | GiftBenefit
    | TieredBenefit,
    Field(discriminator="kind"),
]


class Rule(_Frozen):
    """A promotion. ``requires_code=False`` makes it automatic (applies to every matching cart);
    otherwise it applies only when one of its codes is entered.

    ``stacking="exclusive"``: competes with the other exclusive rules, the one worth most money wins
    (ties: higher ``priority``, then smaller ``id``). ``"cumulative"``: adds on top, computed on the
    original prices, or on the prices left by the previous discounts when ``cascade`` is on (cascading
    rules run after the others, by ``priority`` descending then ``id``).
    """

    id: Annotated[str, Field(min_length=1)]
    name: str = ""
    enabled: bool = True
    requires_code: bool = True
    conditions: Conditions = Field(default_factory=Conditions)
    benefit: Benefit
    stacking: Stacking = "exclusive"
    cascade: bool = False
    priority: int = 0

    @model_validator(mode="after")
    def _currency_for_amounts(self) -> Rule:
        if self.conditions.currency is None and _has_absolute_amount(self):
            raise ValueError("a rule with an amount in money needs conditions.currency")
        return self

    @property
    def label(self) -> str:
        return self.name or self.id


def _has_absolute_amount(rule: Rule) -> bool:
    b = rule.benefit
    if rule.conditions.min_subtotal is not None:
        return True
    if isinstance(b, FixedAmountBenefit | FixedPerUnitBenefit):
        return True
    if isinstance(b, ShippingBenefit):
        return b.amount is not None
    if isinstance(b, PercentageBenefit):
        return b.max_discount is not None
    if isinstance(b, GiftBenefit):
        return b.value is not None
    if isinstance(b, TieredBenefit):
        return b.basis == "subtotal" or any(t.amount is not None for t in b.tiers)
    return False

"""In-memory state of the stand-in: catalogue, apps, vouchers, checkouts, orders, and Saleor's pricing."""

from __future__ import annotations

import itertools
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from .schema import now, quantize, to_global_id

ZERO = Decimal("0")


@dataclass
class Metadata:
    public: dict[str, str] = field(default_factory=dict)
    private: dict[str, str] = field(default_factory=dict)


# --- catalogue ----------------------------------------------------------------------------------------


@dataclass
class Channel:
    pk: int
    slug: str
    name: str
    currency: str
    allow_unpaid_orders: bool = True
    is_active: bool = True
    meta: Metadata = field(default_factory=Metadata)

    @property
    def global_id(self) -> str:
        return to_global_id("Channel", self.pk)


@dataclass
class Category:
    pk: int
    name: str
    slug: str
    meta: Metadata = field(default_factory=Metadata)

    @property
    def global_id(self) -> str:
        return to_global_id("Category", self.pk)


@dataclass
class Collection:
    pk: int
    name: str
    slug: str
    meta: Metadata = field(default_factory=Metadata)

    @property
    def global_id(self) -> str:
        return to_global_id("Collection", self.pk)


@dataclass
class ProductType:
    pk: int
    name: str
    slug: str
    is_shipping_required: bool = False
    meta: Metadata = field(default_factory=Metadata)

    @property
    def global_id(self) -> str:
        return to_global_id("ProductType", self.pk)


@dataclass
class Product:
    pk: int
    name: str
    slug: str
    product_type: ProductType
    category: Category | None
    collections: list[Collection]
    variants: list[Variant] = field(default_factory=list)
    meta: Metadata = field(default_factory=Metadata)

    @property
    def global_id(self) -> str:
        return to_global_id("Product", self.pk)


@dataclass
class Variant:
    pk: int
    product: Product
    name: str
    sku: str | None
    prices: dict[str, Decimal]  # channel slug -> price
    meta: Metadata = field(default_factory=Metadata)

    @property
    def global_id(self) -> str:
        return to_global_id("ProductVariant", self.pk)


@dataclass
class ShippingMethod:
    pk: int
    name: str
    channel_slug: str
    price: Decimal
    meta: Metadata = field(default_factory=Metadata)

    @property
    def global_id(self) -> str:
        return to_global_id("ShippingMethod", self.pk)


# --- principals ---------------------------------------------------------------------------------------


@dataclass
class User:
    pk: int
    email: str
    first_name: str = ""
    last_name: str = ""
    is_staff: bool = False
    is_active: bool = True
    permissions: frozenset[str] = frozenset()
    meta: Metadata = field(default_factory=Metadata)
    date_joined: datetime = field(default_factory=now)
    updated_at: datetime = field(default_factory=now)

    @property
    def global_id(self) -> str:
        return to_global_id("User", self.pk)


@dataclass
class Webhook:
    pk: int
    name: str
    target_url: str
    query: str
    events: list[str]  # WebhookEventTypeAsyncEnum names, e.g. "CHECKOUT_UPDATED"
    is_active: bool = True

    @property
    def global_id(self) -> str:
        return to_global_id("Webhook", self.pk)


@dataclass
class App:
    pk: int
    name: str
    identifier: str
    permissions: frozenset[str]
    tokens: set[str] = field(default_factory=set)
    webhooks: list[Webhook] = field(default_factory=list)
    manifest: dict[str, Any] = field(default_factory=dict)
    is_active: bool = True
    created: datetime = field(default_factory=now)
    meta: Metadata = field(default_factory=Metadata)

    @property
    def global_id(self) -> str:
        return to_global_id("App", self.pk)


# --- discounts ----------------------------------------------------------------------------------------


@dataclass
class VoucherCode:
    pk: str
    code: str
    voucher: Voucher
    used: int = 0
    is_active: bool = True
    created_at: datetime = field(default_factory=now)

    @property
    def global_id(self) -> str:
        return to_global_id("VoucherCode", self.pk)


@dataclass
class VoucherListing:
    pk: int
    channel: Channel
    discount_value: Decimal
    min_spent: Decimal | None = None


@dataclass
class Voucher:
    pk: int
    name: str | None
    type: str = "ENTIRE_ORDER"
    discount_value_type: str = "PERCENTAGE"
    codes: list[VoucherCode] = field(default_factory=list)
    usage_limit: int | None = None
    single_use: bool = False
    apply_once_per_customer: bool = False
    apply_once_per_order: bool = False
    only_for_staff: bool = False
    min_checkout_items_quantity: int | None = None
    start_date: datetime = field(default_factory=now)
    end_date: datetime | None = None
    products: list[Product] = field(default_factory=list)
    variants: list[Variant] = field(default_factory=list)
    categories: list[Category] = field(default_factory=list)
    collections: list[Collection] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    listings: dict[str, VoucherListing] = field(default_factory=dict)  # channel slug -> listing
    customer_emails: set[str] = field(default_factory=set)  # once-per-customer, keyed on e-mail
    meta: Metadata = field(default_factory=Metadata)

    @property
    def global_id(self) -> str:
        return to_global_id("Voucher", self.pk)

    @property
    def used(self) -> int:
        return sum(code.used for code in self.codes)

    def applies_to_line(self, variant: Variant) -> bool:
        product = variant.product
        return (
            any(v.pk == variant.pk for v in self.variants)
            or any(p.pk == product.pk for p in self.products)
            or (product.category is not None and any(c.pk == product.category.pk for c in self.categories))
            or any(c.pk == own.pk for c in self.collections for own in product.collections)
        )


@dataclass
class PromotionRule:
    pk: str
    name: str | None
    channels: list[Channel]
    reward_value_type: str | None
    reward_value: Decimal | None
    reward_type: str | None
    catalogue_predicate: dict[str, Any] | None  # {"variants": [pk], "products": [...], ...} as input
    order_predicate: dict[str, Any] | None
    promotion: Promotion | None = None
    catalogue_predicate_input: dict[str, Any] | None = None  # as the client sent it (JSON field)

    @property
    def global_id(self) -> str:
        return to_global_id("PromotionRule", self.pk)


@dataclass
class Promotion:
    pk: str
    name: str
    type: str  # CATALOGUE | ORDER
    start_date: datetime
    end_date: datetime | None
    rules: list[PromotionRule] = field(default_factory=list)
    created_at: datetime = field(default_factory=now)
    meta: Metadata = field(default_factory=Metadata)

    @property
    def global_id(self) -> str:
        return to_global_id("Promotion", self.pk)

    def is_running(self, moment: datetime) -> bool:
        return self.start_date <= moment and (self.end_date is None or moment <= self.end_date)


@dataclass
class GiftCard:
    pk: int
    code: str
    currency: str
    initial_balance: Decimal
    current_balance: Decimal
    is_active: bool = True
    user_email: str | None = None
    assigned_to: User | None = None
    channel_slug: str | None = None
    expiry_date: Any = None
    created: datetime = field(default_factory=now)
    meta: Metadata = field(default_factory=Metadata)

    @property
    def global_id(self) -> str:
        return to_global_id("GiftCard", self.pk)


# --- checkouts and orders -----------------------------------------------------------------------------


@dataclass
class CheckoutLine:
    pk: str
    variant: Variant
    quantity: int
    meta: Metadata = field(default_factory=Metadata)

    @property
    def global_id(self) -> str:
        return to_global_id("CheckoutLine", self.pk)


@dataclass
class LinePrice:
    undiscounted_unit: Decimal
    catalogue_unit: Decimal  # after catalogue promotions, before voucher / order promotion
    total: Decimal  # after every discount
    undiscounted_total: Decimal
    voucher_code: str | None = None  # set when a line-level voucher discount applies

    def unit(self, quantity: int) -> Decimal:
        return quantize(self.total / quantity) if quantity else ZERO


@dataclass
class Prices:
    """A checkout's computed prices, cached until the checkout itself changes (like Saleor's)."""

    lines: dict[str, LinePrice]
    subtotal: Decimal
    shipping: Decimal
    undiscounted_shipping: Decimal
    discount: Decimal
    discount_name: str | None
    gift_cards: Decimal
    total: Decimal
    undiscounted_total: Decimal
    voucher_amount: Decimal = ZERO
    order_promotion: PromotionRule | None = None
    order_promotion_amount: Decimal = ZERO
    voucher_value: Decimal | None = None
    voucher_value_type: str | None = None
    voucher_name: str | None = None


@dataclass
class Checkout:
    token: str
    channel: Channel
    email: str | None
    user: User | None
    lines: list[CheckoutLine] = field(default_factory=list)
    voucher_code: str | None = None
    gift_cards: list[GiftCard] = field(default_factory=list)
    shipping_method: ShippingMethod | None = None
    meta: Metadata = field(default_factory=Metadata)
    created: datetime = field(default_factory=now)
    updated_at: datetime = field(default_factory=now)
    prices: Prices | None = None

    @property
    def global_id(self) -> str:
        return to_global_id("Checkout", self.token)

    @property
    def customer_email(self) -> str | None:
        return self.user.email if self.user is not None else self.email


@dataclass
class OrderLine:
    pk: str
    variant: Variant | None
    product_name: str
    variant_name: str
    product_sku: str | None
    quantity: int
    unit_price: Decimal
    undiscounted_unit_price: Decimal
    total_price: Decimal
    undiscounted_total_price: Decimal
    voucher_code: str | None = None
    meta: Metadata = field(default_factory=Metadata)

    @property
    def global_id(self) -> str:
        return to_global_id("OrderLine", self.pk)


@dataclass
class OrderDiscount:
    pk: str
    type: str  # VOUCHER | ORDER_PROMOTION | MANUAL | ...
    value_type: str
    value: Decimal
    name: str | None
    amount: Decimal

    @property
    def global_id(self) -> str:
        return to_global_id("OrderDiscount", self.pk)


@dataclass
class Order:
    pk: str
    number: int
    checkout_token: str | None
    channel: Channel
    user: User | None
    user_email: str | None
    lines: list[OrderLine]
    voucher: Voucher | None
    voucher_code: str | None
    discounts: list[OrderDiscount]
    subtotal: Decimal
    shipping: Decimal
    undiscounted_total: Decimal
    total: Decimal
    shipping_method: ShippingMethod | None
    gift_cards: list[GiftCard]
    status: str = "UNCONFIRMED"
    charged: Decimal = ZERO
    refunded: Decimal = ZERO
    meta: Metadata = field(default_factory=Metadata)
    created: datetime = field(default_factory=now)
    updated_at: datetime = field(default_factory=now)

    @property
    def global_id(self) -> str:
        return to_global_id("Order", self.pk)

    @property
    def currency(self) -> str:
        return self.channel.currency


@dataclass
class Delivery:
    """One webhook request the stand-in sent (or tried to send)."""

    event: str  # e.g. "CHECKOUT_UPDATED"
    url: str
    headers: dict[str, str]
    raw_body: bytes
    status: int | None = None  # None: connection error or timeout
    error: str | None = None
    response_body: bytes = b""
    app_id: str | None = None
    webhook_name: str | None = None

    @property
    def body(self) -> Any:
        return json.loads(self.raw_body)

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class State:
    """Everything the stand-in knows. Guarded by the stand-in's lock."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self.channels: dict[str, Channel] = {}
        self.categories: dict[int, Category] = {}
        self.collections: dict[int, Collection] = {}
        self.product_types: dict[int, ProductType] = {}
        self.products: dict[int, Product] = {}
        self.variants: dict[int, Variant] = {}
        self.shipping_methods: dict[int, ShippingMethod] = {}
        self.users: dict[int, User] = {}
        self.user_tokens: dict[str, User] = {}
        self.apps: dict[int, App] = {}
        self.vouchers: dict[int, Voucher] = {}
        self.promotions: dict[str, Promotion] = {}
        self.gift_cards: dict[int, GiftCard] = {}
        self.checkouts: dict[str, Checkout] = {}
        self.orders: dict[str, Order] = {}
        self.order_numbers = itertools.count(1)

    def next_id(self) -> int:
        return next(self._ids)

    @staticmethod
    def new_uuid() -> str:
        return str(uuid.uuid4())

    # lookups
    def voucher_code(self, code: str) -> VoucherCode | None:
        """Exact, case-sensitive, like Saleor."""
        for voucher in self.vouchers.values():
            for voucher_code in voucher.codes:
                if voucher_code.code == code:
                    return voucher_code
        return None

    def gift_card_by_code(self, code: str) -> GiftCard | None:
        for card in self.gift_cards.values():
            if card.code == code:
                return card
        return None

    def app_by_token(self, token: str) -> App | None:
        for app in self.apps.values():
            if token in app.tokens and app.is_active:
                return app
        return None

    def user_by_email(self, email: str) -> User | None:
        for user in self.users.values():
            if user.email.lower() == email.lower():
                return user
        return None

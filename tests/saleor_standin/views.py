"""GraphQL-shaped views over the state. graphql-core's default resolver reads attributes and calls
methods with `(info, **args)`, so each view exposes the schema's field names (camelCase on purpose)."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from graphql import GraphQLError

from .schema import SALEOR_VERSION, iso, money, taxed_money, to_global_id
from .state import (
    ZERO,
    App,
    Category,
    Channel,
    Checkout,
    CheckoutLine,
    Collection,
    GiftCard,
    Metadata,
    Order,
    OrderDiscount,
    OrderLine,
    Product,
    ProductType,
    Promotion,
    PromotionRule,
    ShippingMethod,
    User,
    Variant,
    Voucher,
    VoucherCode,
)

if TYPE_CHECKING:
    from .server import SaleorStandin

PERMISSION_NAMES = {
    "MANAGE_CHECKOUTS": "Manage checkouts.",
    "MANAGE_ORDERS": "Manage orders.",
    "MANAGE_DISCOUNTS": "Manage sales and vouchers.",
    "MANAGE_GIFT_CARD": "Manage gift cards.",
    "MANAGE_USERS": "Manage customers.",
    "MANAGE_PRODUCTS": "Manage products.",
    "IMPERSONATE_USER": "Impersonate user.",
    "HANDLE_CHECKOUTS": "Handle checkouts",
    "MANAGE_APPS": "Manage apps",
    "MANAGE_CHANNELS": "Manage channels.",
    "MANAGE_STAFF": "Manage staff.",
    "MANAGE_SETTINGS": "Manage settings.",
    "MANAGE_SHIPPING": "Manage shipping.",
}


@dataclass
class Context:
    """Who is asking. `pending` collects prepared webhook deliveries, sent after the document ran."""

    standin: SaleorStandin
    app: App | None = None
    user: User | None = None
    pending: list[Any] = field(default_factory=list)

    @property
    def permissions(self) -> frozenset[str]:
        if self.app is not None:
            return self.app.permissions
        if self.user is not None:
            return self.user.permissions
        return frozenset()

    def has(self, *permissions: str) -> bool:
        return any(permission in self.permissions for permission in permissions)

    def principal(self) -> Any:
        if self.app is not None:
            return AppView(self.app)
        if self.user is not None:
            return UserView(self.user)
        return None


class PermissionDenied(GraphQLError):
    def __init__(self, *permissions: str) -> None:
        super().__init__(
            "To access this path, you need one of the following permissions: " + ", ".join(permissions),
            extensions={"exception": {"code": "PermissionDenied"}},
        )


def require(info: Any, *permissions: str) -> None:
    if not info.context.has(*permissions):
        raise PermissionDenied(*permissions)


def permission_list(codes: frozenset[str]) -> list[dict[str, str]]:
    return [{"code": code, "name": PERMISSION_NAMES.get(code, code)} for code in sorted(codes)]


def connection(items: list[Any], first: int | None = None, after: str | None = None,
               last: int | None = None, before: str | None = None, **_: Any) -> dict[str, Any]:
    """A Relay connection over a list, cursors are base64 offsets."""

    def cursor(index: int) -> str:
        return base64.b64encode(f"offset:{index}".encode()).decode()

    def offset(value: str) -> int:
        try:
            return int(base64.b64decode(value).decode().split(":", 1)[1])
        except (ValueError, IndexError):
            raise GraphQLError(f"Invalid cursor: {value}") from None

    start, end = 0, len(items)
    if after:
        start = offset(after) + 1
    if before:
        end = min(end, offset(before))
    if first is not None:
        if first < 0 or first > 100:
            raise GraphQLError("'first' must be between 0 and 100.")
        end = min(end, start + first)
    if last is not None:
        start = max(start, end - last)
    window = list(enumerate(items))[start:end]
    return {
        "edges": [{"node": node, "cursor": cursor(index)} for index, node in window],
        "pageInfo": {
            "hasNextPage": end < len(items),
            "hasPreviousPage": start > 0,
            "startCursor": cursor(window[0][0]) if window else None,
            "endCursor": cursor(window[-1][0]) if window else None,
        },
        "totalCount": len(items),
    }


def meta_items(values: dict[str, str]) -> list[dict[str, str]]:
    return [{"key": key, "value": value} for key, value in values.items()]


class MetaView:
    """The ObjectWithMetadata fields. `private_permissions` guard the private half."""

    graphql_type = ""
    private_permissions: tuple[str, ...] = ()

    def _meta(self) -> Metadata:
        raise NotImplementedError

    def _check_private(self, info: Any) -> None:
        if self.private_permissions:
            require(info, *self.private_permissions)

    def metadata(self, info: Any) -> list[dict[str, str]]:
        return meta_items(self._meta().public)

    def metafield(self, info: Any, key: str) -> str | None:
        return self._meta().public.get(key)

    def metafields(self, info: Any, keys: list[str] | None = None) -> dict[str, str]:
        values = self._meta().public
        return {k: v for k, v in values.items() if keys is None or k in keys}

    def privateMetadata(self, info: Any) -> list[dict[str, str]]:
        self._check_private(info)
        return meta_items(self._meta().private)

    def privateMetafield(self, info: Any, key: str) -> str | None:
        self._check_private(info)
        return self._meta().private.get(key)

    def privateMetafields(self, info: Any, keys: list[str] | None = None) -> dict[str, str]:
        self._check_private(info)
        values = self._meta().private
        return {k: v for k, v in values.items() if keys is None or k in keys}


# --- catalogue ----------------------------------------------------------------------------------------


class ChannelView(MetaView):
    graphql_type = "Channel"
    private_permissions = ("MANAGE_CHANNELS",)

    def __init__(self, channel: Channel) -> None:
        self.obj = channel
        self.id = channel.global_id
        self.slug = channel.slug
        self.name = channel.name
        self.isActive = channel.is_active
        self.currencyCode = channel.currency
        self.defaultCountry = {"code": "US", "country": "United States of America", "vat": None}
        self.countries = []
        self.warehouses = []
        self.orderSettings = {
            "automaticallyConfirmAllNewOrders": False,
            "automaticallyFulfillNonShippableGiftCard": True,
            "expireOrdersAfter": None,
            "markAsPaidStrategy": "PAYMENT_FLOW",
            "deleteExpiredOrdersAfter": 60,
            "allowUnpaidOrders": channel.allow_unpaid_orders,
            "includeDraftOrderInVoucherUsage": False,
            "draftOrderLinePriceFreezePeriod": 24,
            "useLegacyLineDiscountPropagation": False,
        }

    def _meta(self) -> Metadata:
        return self.obj.meta

    def hasOrders(self, info: Any) -> bool:
        return any(order.channel is self.obj for order in info.context.standin.state.orders.values())


class CategoryView(MetaView):
    graphql_type = "Category"
    private_permissions = ("MANAGE_PRODUCTS",)

    def __init__(self, category: Category) -> None:
        self.obj = category
        self.id = category.global_id
        self.name = category.name
        self.slug = category.slug
        self.level = 0
        self.parent = None
        self.description = None

    def _meta(self) -> Metadata:
        return self.obj.meta

    def products(self, info: Any, **page: Any) -> dict[str, Any]:
        products = [p for p in info.context.standin.state.products.values() if p.category is self.obj]
        return connection([ProductView(p) for p in products], **page)


class CollectionView(MetaView):
    graphql_type = "Collection"
    private_permissions = ("MANAGE_PRODUCTS",)

    def __init__(self, collection: Collection) -> None:
        self.obj = collection
        self.id = collection.global_id
        self.name = collection.name
        self.slug = collection.slug
        self.channel = None
        self.description = None

    def _meta(self) -> Metadata:
        return self.obj.meta

    def products(self, info: Any, **page: Any) -> dict[str, Any]:
        products = [p for p in info.context.standin.state.products.values() if self.obj in p.collections]
        return connection([ProductView(p) for p in products], **page)


class ProductTypeView(MetaView):
    graphql_type = "ProductType"
    private_permissions = ("MANAGE_PRODUCTS",)

    def __init__(self, product_type: ProductType) -> None:
        self.obj = product_type
        self.id = product_type.global_id
        self.name = product_type.name
        self.slug = product_type.slug
        self.isShippingRequired = product_type.is_shipping_required
        self.hasVariants = True
        self.isDigital = not product_type.is_shipping_required
        self.kind = "NORMAL"

    def _meta(self) -> Metadata:
        return self.obj.meta


class ProductView(MetaView):
    graphql_type = "Product"
    private_permissions = ("MANAGE_PRODUCTS",)

    def __init__(self, product: Product) -> None:
        self.obj = product
        self.id = product.global_id
        self.name = product.name
        self.slug = product.slug
        self.seoTitle = None
        self.seoDescription = None
        self.description = None
        self.thumbnail = None
        self.channel = None
        self.rating = None
        self.isAvailableForPurchase = True
        self.isAvailable = True

    def _meta(self) -> Metadata:
        return self.obj.meta

    def productType(self, info: Any) -> ProductTypeView:
        return ProductTypeView(self.obj.product_type)

    def category(self, info: Any) -> CategoryView | None:
        return CategoryView(self.obj.category) if self.obj.category else None

    def collections(self, info: Any) -> list[CollectionView]:
        return [CollectionView(c) for c in self.obj.collections]

    def variants(self, info: Any) -> list[VariantView]:
        return [VariantView(v) for v in self.obj.variants]

    def created(self, info: Any) -> str:
        return iso(info.context.standin.started_at)

    def updatedAt(self, info: Any) -> str:
        return iso(info.context.standin.started_at)


class VariantView(MetaView):
    graphql_type = "ProductVariant"
    private_permissions = ("MANAGE_PRODUCTS",)

    def __init__(self, variant: Variant, channel_slug: str | None = None) -> None:
        self.obj = variant
        self.id = variant.global_id
        self.name = variant.name
        self.sku = variant.sku
        self.trackInventory = False
        self.quantityLimitPerCustomer = None
        self.externalReference = None
        self._channel_slug = channel_slug

    def _meta(self) -> Metadata:
        return self.obj.meta

    def product(self, info: Any) -> ProductView:
        return ProductView(self.obj.product)

    def channelListings(self, info: Any) -> list[dict[str, Any]]:
        state = info.context.standin.state
        listings = []
        for slug, price in self.obj.prices.items():
            channel = state.channels[slug]
            listings.append({
                "id": to_global_id("ProductVariantChannelListing", f"{self.obj.pk}-{channel.pk}"),
                "channel": ChannelView(channel),
                "price": money(price, channel.currency),
                "costPrice": None,
                "priorPrice": None,
                "margin": None,
            })
        return listings

    def pricing(self, info: Any, address: Any = None) -> dict[str, Any] | None:
        slug = self._channel_slug
        if slug is None or slug not in self.obj.prices:
            return None
        channel = info.context.standin.state.channels[slug]
        price = taxed_money(self.obj.prices[slug], channel.currency)
        return {"onSale": False, "discount": None, "discountPrior": None, "price": price,
                "priceUndiscounted": price, "pricePrior": None, "priceLocalCurrency": None}


class ShippingMethodView(MetaView):
    graphql_type = "ShippingMethod"
    private_permissions = ("MANAGE_SHIPPING",)

    def __init__(self, method: ShippingMethod, currency: str) -> None:
        self.obj = method
        self.id = method.global_id
        self.name = method.name
        self.type = "PRICE"
        self.description = None
        self.maximumDeliveryDays = None
        self.minimumDeliveryDays = None
        self.price = money(method.price, currency)
        self.maximumOrderPrice = None
        self.minimumOrderPrice = None
        self.active = True
        self.message = None

    def _meta(self) -> Metadata:
        return self.obj.meta


# --- principals ---------------------------------------------------------------------------------------


class UserView(MetaView):
    graphql_type = "User"
    private_permissions = ("MANAGE_USERS", "MANAGE_STAFF")

    def __init__(self, user: User) -> None:
        self.obj = user
        self.id = user.global_id
        self.email = user.email
        self.firstName = user.first_name
        self.lastName = user.last_name
        self.isStaff = user.is_staff
        self.isActive = user.is_active
        self.isConfirmed = True
        self.note = None
        self.addresses = []
        self.languageCode = "EN_US"
        self.defaultShippingAddress = None
        self.defaultBillingAddress = None
        self.externalReference = None
        self.lastLogin = None
        self.dateJoined = iso(user.date_joined)
        self.updatedAt = iso(user.updated_at)
        self.restrictedAccessToChannels = False
        self.userPermissions = permission_list(user.permissions)

    def _meta(self) -> Metadata:
        return self.obj.meta

    def orders(self, info: Any, **page: Any) -> dict[str, Any]:
        require(info, "MANAGE_ORDERS", "MANAGE_USERS")
        orders = [o for o in info.context.standin.state.orders.values() if o.user is self.obj]
        page.pop("where", None)
        return connection([OrderView(o) for o in orders], **page)

    def checkoutIds(self, info: Any, channel: str | None = None) -> list[str]:
        return [c.global_id for c in info.context.standin.state.checkouts.values()
                if c.user is self.obj and (channel is None or c.channel.slug == channel)]

    def giftCards(self, info: Any, **page: Any) -> dict[str, Any]:
        cards = [c for c in info.context.standin.state.gift_cards.values() if c.assigned_to is self.obj]
        return connection([GiftCardView(c) for c in cards], **page)


class AppView(MetaView):
    graphql_type = "App"

    def __init__(self, app: App) -> None:
        self.obj = app
        self.id = app.global_id
        self.name = app.name
        self.identifier = app.identifier
        self.permissions = permission_list(app.permissions)
        self.isActive = app.is_active
        self.created = iso(app.created)
        self.type = "THIRDPARTY"
        self.tokens = None
        self.aboutApp = app.manifest.get("about")
        self.dataPrivacy = None
        self.dataPrivacyUrl = app.manifest.get("dataPrivacyUrl")
        self.homepageUrl = app.manifest.get("homepageUrl")
        self.supportUrl = app.manifest.get("supportUrl")
        self.configurationUrl = app.manifest.get("configurationUrl")
        self.appUrl = app.manifest.get("appUrl")
        self.manifestUrl = app.manifest.get("_manifestUrl")
        self.version = app.manifest.get("version")
        self.accessToken = None
        self.author = app.manifest.get("author")
        self.extensions = []
        self.brand = None
        self.breakerState = "CLOSED"
        self.breakerLastStateChange = None

    def _meta(self) -> Metadata:
        return self.obj.meta

    def _check_private(self, info: Any) -> None:
        if info.context.app is not self.obj:
            require(info, "MANAGE_APPS")

    def webhooks(self, info: Any) -> list[dict[str, Any]]:
        return [{"id": w.global_id, "name": w.name, "targetUrl": w.target_url, "isActive": w.is_active,
                 "subscriptionQuery": w.query, "secretKey": None, "customHeaders": None,
                 "asyncEvents": [{"eventType": e, "name": e} for e in w.events], "syncEvents": [],
                 "events": [], "app": self} for w in self.obj.webhooks]


# --- discounts ----------------------------------------------------------------------------------------


class VoucherCodeView:
    graphql_type = "VoucherCode"

    def __init__(self, code: VoucherCode) -> None:
        self.id = code.global_id
        self.code = code.code
        self.used = code.used
        self.isActive = code.is_active
        self.createdAt = iso(code.created_at)


class VoucherView(MetaView):
    graphql_type = "Voucher"
    private_permissions = ("MANAGE_DISCOUNTS",)

    def __init__(self, voucher: Voucher, channel_slug: str | None = None) -> None:
        self.obj = voucher
        self.id = voucher.global_id
        self.name = voucher.name
        self.usageLimit = voucher.usage_limit
        self.used = voucher.used
        self.startDate = iso(voucher.start_date)
        self.endDate = iso(voucher.end_date)
        self.applyOncePerOrder = voucher.apply_once_per_order
        self.applyOncePerCustomer = voucher.apply_once_per_customer
        self.singleUse = voucher.single_use
        self.onlyForStaff = voucher.only_for_staff
        self.minCheckoutItemsQuantity = voucher.min_checkout_items_quantity
        self.discountValueType = voucher.discount_value_type
        self.type = voucher.type
        self.countries = [{"code": c, "country": c, "vat": None} for c in voucher.countries]
        self.code = voucher.codes[0].code if voucher.codes else None
        self._channel_slug = channel_slug

    def _meta(self) -> Metadata:
        return self.obj.meta

    def _listing(self) -> Any:
        listings = self.obj.listings
        if self._channel_slug is not None:
            return listings.get(self._channel_slug)
        if len(listings) == 1:
            return next(iter(listings.values()))
        return None

    def codes(self, info: Any, **page: Any) -> dict[str, Any]:
        return connection([VoucherCodeView(code) for code in self.obj.codes], **page)

    def discountValue(self, info: Any) -> Decimal | None:
        listing = self._listing()
        return listing.discount_value if listing else None

    def currency(self, info: Any) -> str | None:
        listing = self._listing()
        return listing.channel.currency if listing else None

    def minSpent(self, info: Any) -> dict[str, Any] | None:
        listing = self._listing()
        if listing is None or listing.min_spent is None:
            return None
        return money(listing.min_spent, listing.channel.currency)

    def channelListings(self, info: Any) -> list[dict[str, Any]]:
        require(info, "MANAGE_DISCOUNTS")
        return [{
            "id": to_global_id("VoucherChannelListing", listing.pk),
            "channel": ChannelView(listing.channel),
            "discountValue": listing.discount_value,
            "currency": listing.channel.currency,
            "minSpent": money(listing.min_spent, listing.channel.currency) if listing.min_spent is not None else None,
        } for listing in self.obj.listings.values()]

    def products(self, info: Any, **page: Any) -> dict[str, Any]:
        return connection([ProductView(p) for p in self.obj.products], **page)

    def variants(self, info: Any, **page: Any) -> dict[str, Any]:
        return connection([VariantView(v) for v in self.obj.variants], **page)

    def categories(self, info: Any, **page: Any) -> dict[str, Any]:
        return connection([CategoryView(c) for c in self.obj.categories], **page)

    def collections(self, info: Any, **page: Any) -> dict[str, Any]:
        return connection([CollectionView(c) for c in self.obj.collections], **page)

    def translation(self, info: Any, languageCode: str) -> None:
        return None


class PromotionRuleView:
    graphql_type = "PromotionRule"

    def __init__(self, rule: PromotionRule) -> None:
        self.obj = rule
        self.id = rule.global_id
        self.name = rule.name
        self.description = None
        self.rewardValue = rule.reward_value
        self.rewardValueType = rule.reward_value_type
        self.rewardType = rule.reward_type
        self.predicateType = rule.promotion.type if rule.promotion else None
        self.cataloguePredicate = rule.catalogue_predicate_input
        self.orderPredicate = rule.order_predicate
        self.giftIds = []
        self.giftsLimit = None

    def channels(self, info: Any) -> list[ChannelView]:
        return [ChannelView(c) for c in self.obj.channels]

    def promotion(self, info: Any) -> PromotionView | None:
        return PromotionView(self.obj.promotion) if self.obj.promotion else None


class PromotionView(MetaView):
    graphql_type = "Promotion"
    private_permissions = ("MANAGE_DISCOUNTS",)

    def __init__(self, promotion: Promotion) -> None:
        self.obj = promotion
        self.id = promotion.global_id
        self.name = promotion.name
        self.type = promotion.type
        self.description = None
        self.startDate = iso(promotion.start_date)
        self.endDate = iso(promotion.end_date)
        self.createdAt = iso(promotion.created_at)
        self.updatedAt = iso(promotion.created_at)
        self.events = []

    def _meta(self) -> Metadata:
        return self.obj.meta

    def rules(self, info: Any) -> list[PromotionRuleView]:
        return [PromotionRuleView(rule) for rule in self.obj.rules]


class GiftCardView(MetaView):
    graphql_type = "GiftCard"
    private_permissions = ("MANAGE_GIFT_CARD",)

    def __init__(self, card: GiftCard) -> None:
        self.obj = card
        self.id = card.global_id
        self.code = card.code
        self.displayCode = card.code[-4:]
        self.last4CodeChars = card.code[-4:]
        self.created = iso(card.created)
        self.createdBy = None
        self.usedBy = None
        self.createdByEmail = None
        self.usedByEmail = None
        self.assignedToEmail = card.assigned_to.email if card.assigned_to else None
        self.lastUsedOn = None
        self.expiryDate = card.expiry_date
        self.app = None
        self.product = None
        self.tags = []
        self.boughtInChannel = card.channel_slug
        self.isActive = card.is_active
        self.initialBalance = money(card.initial_balance, card.currency)
        self.currentBalance = money(card.current_balance, card.currency)
        self.startDate = None
        self.endDate = None

    def _meta(self) -> Metadata:
        return self.obj.meta

    def assignedTo(self, info: Any) -> UserView | None:
        return UserView(self.obj.assigned_to) if self.obj.assigned_to else None

    def user(self, info: Any) -> UserView | None:
        return self.assignedTo(info)

    def events(self, info: Any, filter: Any = None) -> list[Any]:
        return []


# --- checkouts and orders -----------------------------------------------------------------------------


class CheckoutLineView(MetaView):
    graphql_type = "CheckoutLine"

    def __init__(self, line: CheckoutLine, checkout: Checkout) -> None:
        self.obj = line
        self.id = line.global_id
        self.quantity = line.quantity
        currency = checkout.channel.currency
        price = checkout.prices.lines[line.pk]
        self.unitPrice = taxed_money(price.unit(line.quantity), currency)
        self.undiscountedUnitPrice = money(price.undiscounted_unit, currency)
        self.totalPrice = taxed_money(price.total, currency)
        self.undiscountedTotalPrice = money(price.undiscounted_total, currency)
        self.priorUnitPrice = None
        self.priorTotalPrice = None
        self.requiresShipping = line.variant.product.product_type.is_shipping_required
        self.problems = []
        self.isGift = False
        self.priceOverrideReason = None
        self._channel_slug = checkout.channel.slug

    def _meta(self) -> Metadata:
        return self.obj.meta

    def variant(self, info: Any) -> VariantView:
        return VariantView(self.obj.variant, self._channel_slug)


class CheckoutView(MetaView):
    graphql_type = "Checkout"
    private_permissions = ("MANAGE_CHECKOUTS",)

    def __init__(self, checkout: Checkout) -> None:
        assert checkout.prices is not None
        self.obj = checkout
        prices = checkout.prices
        currency = checkout.channel.currency
        self.id = checkout.global_id
        self.token = checkout.token
        self.email = checkout.email
        self.created = iso(checkout.created)
        self.updatedAt = iso(checkout.updated_at)
        self.lastChange = iso(checkout.updated_at)
        self.billingAddress = None
        self.shippingAddress = None
        self.customerNote = ""
        self.note = ""
        self.discount = money(prices.discount, currency)
        self.discountName = prices.discount_name
        self.translatedDiscountName = prices.discount_name
        self.voucherCode = checkout.voucher_code
        self.availableCollectionPoints = []
        self.availablePaymentGateways = []
        self.isShippingRequired = any(
            line.variant.product.product_type.is_shipping_required for line in checkout.lines
        )
        self.quantity = sum(line.quantity for line in checkout.lines)
        self.stockReservationExpires = None
        self.shippingPrice = taxed_money(prices.shipping, currency)
        self.subtotalPrice = taxed_money(prices.subtotal, currency)
        self.totalPrice = taxed_money(prices.total, currency)
        self.totalBalance = money(-prices.total, currency)
        self.taxExemption = False
        self.languageCode = "EN_US"
        self.transactions = []
        self.displayGrossPrices = True
        self.authorizeStatus = "NONE"
        self.chargeStatus = "NONE"
        self.problems = []

    def _meta(self) -> Metadata:
        return self.obj.meta

    def user(self, info: Any) -> UserView | None:
        user = self.obj.user
        if user is None:
            return None
        if info.context.user is not user:
            require(info, "MANAGE_USERS", "HANDLE_PAYMENTS")
        return UserView(user)

    def channel(self, info: Any) -> ChannelView:
        return ChannelView(self.obj.channel)

    def voucher(self, info: Any) -> VoucherView | None:
        require(info, "MANAGE_DISCOUNTS")
        code = self.obj.voucher_code
        voucher_code = info.context.standin.state.voucher_code(code) if code else None
        return VoucherView(voucher_code.voucher, self.obj.channel.slug) if voucher_code else None

    def lines(self, info: Any) -> list[CheckoutLineView]:
        return [CheckoutLineView(line, self.obj) for line in self.obj.lines]

    def giftCards(self, info: Any) -> list[GiftCardView]:
        return [GiftCardView(card) for card in self.obj.gift_cards]

    def _methods(self, info: Any) -> list[ShippingMethodView]:
        state = info.context.standin.state
        return [ShippingMethodView(m, self.obj.channel.currency) for m in state.shipping_methods.values()
                if m.channel_slug == self.obj.channel.slug]

    def availableShippingMethods(self, info: Any) -> list[ShippingMethodView]:
        return self._methods(info)

    def shippingMethods(self, info: Any) -> list[ShippingMethodView]:
        return self._methods(info)

    def shippingMethod(self, info: Any) -> ShippingMethodView | None:
        method = self.obj.shipping_method
        return ShippingMethodView(method, self.obj.channel.currency) if method else None

    def deliveryMethod(self, info: Any) -> ShippingMethodView | None:
        return self.shippingMethod(info)

    def delivery(self, info: Any) -> dict[str, Any] | None:
        method = self.shippingMethod(info)
        if method is None:
            return None
        return {"id": to_global_id("CheckoutDelivery", self.obj.token), "shippingMethod": method}


class OrderLineView(MetaView):
    graphql_type = "OrderLine"

    def __init__(self, line: OrderLine, order: Order) -> None:
        currency = order.currency
        self.obj = line
        self.id = line.global_id
        self.productName = line.product_name
        self.variantName = line.variant_name
        self.translatedProductName = line.product_name
        self.translatedVariantName = line.variant_name
        self.productSku = line.product_sku
        self.productVariantId = line.variant.global_id if line.variant else None
        self.isShippingRequired = (
            line.variant.product.product_type.is_shipping_required if line.variant else False
        )
        self.quantity = line.quantity
        self.quantityFulfilled = 0
        self.quantityToFulfill = line.quantity
        self.taxRate = 0.0
        self.thumbnail = None
        self.unitPrice = taxed_money(line.unit_price, currency)
        self.undiscountedUnitPrice = taxed_money(line.undiscounted_unit_price, currency)
        self.unitDiscount = money(line.undiscounted_unit_price - line.unit_price, currency)
        self.unitDiscountReason = None
        self.unitDiscountValue = line.undiscounted_unit_price - line.unit_price
        self.unitDiscountType = "FIXED" if line.unit_price != line.undiscounted_unit_price else None
        self.totalPrice = taxed_money(line.total_price, currency)
        self.undiscountedTotalPrice = taxed_money(line.undiscounted_total_price, currency)
        self.isPriceOverridden = False
        self.priceOverrideReason = None
        self.allocations = None
        self.saleId = None
        self.taxClass = None
        self.taxClassName = None
        self.taxClassMetadata = []
        self.taxClassPrivateMetadata = []
        self.voucherCode = line.voucher_code
        self.isGift = False
        self.discounts = []

    def _meta(self) -> Metadata:
        return self.obj.meta

    def variant(self, info: Any) -> VariantView | None:
        return VariantView(self.obj.variant) if self.obj.variant else None


class OrderView(MetaView):
    graphql_type = "Order"
    private_permissions = ("MANAGE_ORDERS",)

    def __init__(self, order: Order) -> None:
        currency = order.currency
        self.obj = order
        self.id = order.global_id
        self.number = str(order.number)
        self.created = iso(order.created)
        self.updatedAt = iso(order.updated_at)
        self.status = order.status
        self.statusDisplay = order.status.title()
        self.trackingClientId = ""
        self.billingAddress = None
        self.shippingAddress = None
        self.shippingMethodName = order.shipping_method.name if order.shipping_method else None
        self.collectionPointName = None
        self.fulfillments = []
        self.actions = []
        self.availableShippingMethods = []
        self.shippingMethods = []
        self.availableCollectionPoints = []
        self.invoices = []
        self.original = None
        self.origin = "CHECKOUT"
        paid = order.charged >= order.total
        self.isPaid = paid
        self.paymentStatus = "FULLY_CHARGED" if paid else ("PARTIALLY_CHARGED" if order.charged else "NOT_CHARGED")
        if order.refunded and order.refunded >= order.charged:
            self.paymentStatus = "FULLY_REFUNDED"
        elif order.refunded:
            self.paymentStatus = "PARTIALLY_REFUNDED"
        self.paymentStatusDisplay = self.paymentStatus.replace("_", " ").title()
        self.authorizeStatus = "FULL" if paid else "NONE"
        self.chargeStatus = "FULL" if paid else ("PARTIAL" if order.charged else "NONE")
        self.taxExemption = False
        self.transactions = []
        self.payments = []
        self.total = taxed_money(order.total, currency)
        self.undiscountedTotal = taxed_money(order.undiscounted_total, currency)
        self.undiscountedShippingPrice = money(
            order.shipping_method.price if order.shipping_method else ZERO, currency
        )
        self.shippingPrice = taxed_money(order.shipping, currency)
        self.shippingTaxRate = 0.0
        self.shippingTaxClass = None
        self.shippingTaxClassName = None
        self.shippingTaxClassMetadata = []
        self.shippingTaxClassPrivateMetadata = []
        self.token = order.pk
        self.voucherCode = order.voucher_code
        self.customerNote = ""
        self.weight = {"unit": "KG", "value": 0.0}
        self.redirectUrl = None
        self.subtotal = taxed_money(order.subtotal, currency)
        self.canFinalize = False
        self.totalAuthorized = money(ZERO, currency)
        self.totalCaptured = money(order.charged, currency)
        self.totalCharged = money(order.charged, currency)
        self.totalCanceled = money(ZERO, currency)
        self.events = []
        self.totalBalance = money(order.charged - order.refunded - order.total, currency)
        self.userEmail = order.user_email
        self.isShippingRequired = order.shipping_method is not None
        self.languageCode = "en"
        self.languageCodeEnum = "EN"
        discount = sum((d.amount for d in order.discounts), ZERO)
        self.discount = money(discount, currency)
        self.discountName = order.discounts[0].name if order.discounts else None
        self.translatedDiscountName = self.discountName
        self.errors = []
        self.displayGrossPrices = True
        self.externalReference = None
        self.checkoutId = to_global_id("Checkout", order.checkout_token) if order.checkout_token else None
        self.grantedRefunds = []
        self.totalGrantedRefund = money(ZERO, currency)
        self.totalRefunded = money(order.refunded, currency)
        self.totalRefundPending = money(ZERO, currency)
        self.totalAuthorizePending = money(ZERO, currency)
        self.totalChargePending = money(ZERO, currency)
        self.totalCancelPending = money(ZERO, currency)
        self.totalRemainingGrant = money(ZERO, currency)

    def _meta(self) -> Metadata:
        return self.obj.meta

    def user(self, info: Any) -> UserView | None:
        return UserView(self.obj.user) if self.obj.user else None

    def channel(self, info: Any) -> ChannelView:
        return ChannelView(self.obj.channel)

    def lines(self, info: Any) -> list[OrderLineView]:
        return [OrderLineView(line, self.obj) for line in self.obj.lines]

    def voucher(self, info: Any) -> VoucherView | None:
        require(info, "MANAGE_DISCOUNTS")
        return VoucherView(self.obj.voucher, self.obj.channel.slug) if self.obj.voucher else None

    def discounts(self, info: Any) -> list[dict[str, Any]]:
        return [discount_view(d, self.obj.currency) for d in self.obj.discounts]

    def giftCards(self, info: Any) -> list[GiftCardView]:
        return [GiftCardView(card) for card in self.obj.gift_cards]

    def shippingMethod(self, info: Any) -> ShippingMethodView | None:
        method = self.obj.shipping_method
        return ShippingMethodView(method, self.obj.currency) if method else None

    def deliveryMethod(self, info: Any) -> ShippingMethodView | None:
        return self.shippingMethod(info)


def discount_view(discount: OrderDiscount, currency: str) -> dict[str, Any]:
    return {
        "id": discount.global_id,
        "type": discount.type,
        "name": discount.name,
        "translatedName": discount.name,
        "valueType": discount.value_type,
        "value": discount.value,
        "reason": None,
        "amount": money(discount.amount, currency),
        "total": money(discount.amount, currency),
    }


def event_payload(event_type: str, *, principal: Any, recipient: App, **objects: Any) -> dict[str, Any]:
    """The root of a webhook subscription: `event` (interface Event) plus the top-level field."""
    type_name = "".join(part.capitalize() for part in event_type.split("_"))
    event = {
        "__typename": type_name,
        "issuedAt": None,
        "version": SALEOR_VERSION,
        "issuingPrincipal": principal,
        "recipient": AppView(recipient),
        **objects,
    }
    top_level = type_name[0].lower() + type_name[1:]
    return {"event": event, top_level: event}


def type_resolver(value: Any, info: Any, abstract_type: Any) -> str | None:
    if isinstance(value, dict):
        return value.get("__typename")
    return getattr(value, "graphql_type", None) or None

"""Test set-up helpers: channels, catalogue, shipping methods and customers, written straight into the
state (no webhooks fire, like data that existed before the test)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .schema import from_global_id
from .state import Category, Channel, Collection, Product, ProductType, ShippingMethod, User, Variant

if TYPE_CHECKING:
    from .server import SaleorStandin

DEFAULT_CHANNEL = "default-channel"
ALL_STAFF_PERMISSIONS = (
    "MANAGE_CHECKOUTS", "MANAGE_ORDERS", "MANAGE_DISCOUNTS", "MANAGE_GIFT_CARD", "MANAGE_USERS",
    "MANAGE_PRODUCTS", "MANAGE_APPS", "MANAGE_CHANNELS", "MANAGE_STAFF", "IMPERSONATE_USER",
    "HANDLE_CHECKOUTS", "MANAGE_SHIPPING",
)


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


class Catalog:
    def __init__(self, standin: SaleorStandin) -> None:
        self.standin = standin
        self.state = standin.state

    def add_channel(self, slug: str, *, name: str | None = None, currency: str = "USD",
                    allow_unpaid_orders: bool = True, shipping_price: Decimal | None = Decimal("5.00"),
                    shipping_name: str = "Standard") -> Channel:
        """A channel, with one shipping method of fixed price (None: no shipping method)."""
        with self.standin.lock:
            channel = Channel(pk=self.state.next_id(), slug=slug, name=name or slug.replace("-", " ").title(),
                              currency=currency, allow_unpaid_orders=allow_unpaid_orders)
            self.state.channels[slug] = channel
            if shipping_price is not None:
                self.add_shipping_method(channel=slug, name=shipping_name, price=shipping_price)
            return channel

    def channel(self, slug: str = DEFAULT_CHANNEL) -> Channel:
        return self.state.channels[slug]

    def add_shipping_method(self, *, channel: str = DEFAULT_CHANNEL, name: str = "Standard",
                            price: Decimal = Decimal("5.00")) -> str:
        """Returns the shipping method's global id."""
        with self.standin.lock:
            method = ShippingMethod(pk=self.state.next_id(), name=name, channel_slug=channel,
                                    price=Decimal(price))
            self.state.shipping_methods[method.pk] = method
            return method.global_id

    def shipping_method_id(self, channel: str = DEFAULT_CHANNEL) -> str:
        """The global id of the channel's (first) shipping method."""
        return next(m.global_id for m in self.state.shipping_methods.values() if m.channel_slug == channel)

    def add_category(self, name: str) -> Category:
        with self.standin.lock:
            category = Category(pk=self.state.next_id(), name=name, slug=slugify(name))
            self.state.categories[category.pk] = category
            return category

    def add_collection(self, name: str) -> Collection:
        with self.standin.lock:
            collection = Collection(pk=self.state.next_id(), name=name, slug=slugify(name))
            self.state.collections[collection.pk] = collection
            return collection

    def add_product_type(self, name: str = "Default", *, is_shipping_required: bool = False) -> ProductType:
        with self.standin.lock:
            product_type = ProductType(pk=self.state.next_id(), name=name, slug=slugify(name),
                                       is_shipping_required=is_shipping_required)
            self.state.product_types[product_type.pk] = product_type
            return product_type

    def _category(self, value: Category | str | None) -> Category | None:
        if value is None or isinstance(value, Category):
            return value
        found = next((c for c in self.state.categories.values() if c.name == value), None)
        return found or self.add_category(value)

    def _collection(self, value: Collection | str) -> Collection:
        if isinstance(value, Collection):
            return value
        found = next((c for c in self.state.collections.values() if c.name == value), None)
        return found or self.add_collection(value)

    def _product_type(self, value: ProductType | str | None) -> ProductType:
        if isinstance(value, ProductType):
            return value
        name = value or "Default"
        found = next((t for t in self.state.product_types.values() if t.name == name), None)
        return found or self.add_product_type(name)

    def add_product(
        self,
        *,
        name: str,
        price: Decimal | str | None = None,
        channel: str = DEFAULT_CHANNEL,
        prices: dict[str, Decimal | str] | None = None,
        category: Category | str | None = None,
        collections: tuple[Collection | str, ...] | list[Collection | str] = (),
        product_type: ProductType | str | None = None,
        sku: str | None = None,
        variant_name: str | None = None,
    ) -> str:
        """A product with one variant priced in `channel` (or in each channel of `prices`).
        Category / collections / product type may be objects or names (created when new).
        Returns the variant's global id; `variant(id)` gives the objects back."""
        channel_prices = {slug: Decimal(str(p)) for slug, p in (prices or {}).items()}
        if price is not None:
            channel_prices[channel] = Decimal(str(price))
        if not channel_prices:
            raise ValueError("a product needs a price in at least one channel")
        with self.standin.lock:
            unknown = [slug for slug in channel_prices if slug not in self.state.channels]
            if unknown:
                raise ValueError(f"unknown channels {unknown}")
            product = Product(
                pk=self.state.next_id(), name=name, slug=f"{slugify(name)}-{self.state.next_id()}",
                product_type=self._product_type(product_type), category=self._category(category),
                collections=[self._collection(c) for c in collections],
            )
            self.state.products[product.pk] = product
            return self.add_variant(product, prices=channel_prices, sku=sku, name=variant_name)

    def add_variant(self, product: Product, *, prices: dict[str, Decimal], sku: str | None = None,
                    name: str | None = None) -> str:
        with self.standin.lock:
            variant = Variant(pk=self.state.next_id(), product=product, name=name or product.name,
                              sku=sku, prices={slug: Decimal(str(p)) for slug, p in prices.items()})
            product.variants.append(variant)
            self.state.variants[variant.pk] = variant
            return variant.global_id

    def variant(self, variant_id: str) -> Variant:
        _type, pk = from_global_id(variant_id)
        return self.state.variants[int(pk)]

    def product_id(self, variant_id: str) -> str:
        return self.variant(variant_id).product.global_id

    def set_price(self, variant_id: str, price: Decimal | str, *, channel: str = DEFAULT_CHANNEL) -> None:
        """Change a variant's price (existing checkouts keep their cached prices until they change)."""
        with self.standin.lock:
            self.variant(variant_id).prices[channel] = Decimal(str(price))

    def add_customer(self, email: str, *, first_name: str = "", last_name: str = "", is_staff: bool = False,
                     permissions: tuple[str, ...] = (), **_: Any) -> User:
        with self.standin.lock:
            user = User(pk=self.state.next_id(), email=email, first_name=first_name, last_name=last_name,
                        is_staff=is_staff, permissions=frozenset(permissions))
            self.state.users[user.pk] = user
            return user

    def add_staff(self, email: str = "staff@example.com", *,
                  permissions: tuple[str, ...] = ALL_STAFF_PERMISSIONS) -> User:
        return self.add_customer(email, is_staff=True, permissions=permissions)

    def user(self, user_id: str) -> User:
        _type, pk = from_global_id(user_id)
        return self.state.users[int(pk)]

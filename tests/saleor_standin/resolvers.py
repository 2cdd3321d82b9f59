"""Root values for queries and mutations: Saleor's operations over the stand-in's state."""

from __future__ import annotations

import dataclasses
import secrets
import string
from decimal import InvalidOperation
from typing import Any

from .pricing import InvalidCode, NotApplicable, check_voucher_applicable, compute_prices, voucher_code_for_checkout
from .schema import from_global_id, now, parse_datetime, quantize, to_decimal
from .state import (
    ZERO,
    Checkout,
    CheckoutLine,
    GiftCard,
    Metadata,
    Order,
    OrderDiscount,
    OrderLine,
    Promotion,
    PromotionRule,
    State,
    User,
    Voucher,
    VoucherCode,
    VoucherListing,
)
from .views import (
    AppView,
    CategoryView,
    ChannelView,
    CheckoutView,
    CollectionView,
    Context,
    GiftCardView,
    OrderView,
    PermissionDenied,
    ProductView,
    PromotionRuleView,
    PromotionView,
    UserView,
    VariantView,
    VoucherView,
    connection,
    require,
)


def pk_of(global_id: str | None, *type_names: str) -> str | None:
    if not global_id:
        return None
    type_name, pk = from_global_id(global_id)
    return pk if type_name in type_names else None


def int_pk(global_id: str | None, *type_names: str) -> int | None:
    pk = pk_of(global_id, *type_names)
    return int(pk) if pk is not None and pk.isdigit() else None


def err(field: str | None, message: str, code: str, **extra: Any) -> dict[str, Any]:
    return {"field": field, "message": message, "code": code, **extra}


def discount_payload(key: str, value: Any, errors: list[dict[str, Any]]) -> dict[str, Any]:
    return {key: value, "errors": errors, "discountErrors": errors}


def checkout_payload(checkout: Checkout | None, errors: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "checkout": CheckoutView(checkout) if checkout is not None and not errors else None,
        "errors": errors,
        "checkoutErrors": errors,
        **extra,
    }


def generate_code(length: int = 12) -> str:
    alphabet = string.ascii_uppercase + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(length))


class Resolver:
    """Shared helpers of both roots."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.standin = ctx.standin
        self.state: State = ctx.standin.state

    # lookups --------------------------------------------------------------------------------------
    def _checkout(self, *ids: str | None) -> Checkout | None:
        for value in ids:
            if not value:
                continue
            token = pk_of(value, "Checkout") or value
            checkout = self.state.checkouts.get(str(token))
            if checkout is not None:
                return checkout
        return None

    def _user(self, global_id: str | None) -> User | None:
        pk = int_pk(global_id, "User")
        return self.state.users.get(pk) if pk is not None else None

    def _voucher(self, global_id: str | None) -> Voucher | None:
        pk = int_pk(global_id, "Voucher")
        return self.state.vouchers.get(pk) if pk is not None else None

    def _order(self, global_id: str | None) -> Order | None:
        pk = pk_of(global_id, "Order")
        return self.state.orders.get(pk) if pk is not None else None

    def _channel_by_id(self, global_id: str | None) -> Any:
        pk = int_pk(global_id, "Channel")
        return next((c for c in self.state.channels.values() if c.pk == pk), None)

    def _reprice(self, checkout: Checkout) -> None:
        """The checkout changed: refresh its cached prices (the only moment Saleor does)."""
        checkout.updated_at = now()
        checkout.prices = compute_prices(self.state, checkout, now())

    def _fire(self, event_type: str, **objects: Any) -> None:
        self.standin.fire(self.ctx, event_type, **objects)


class QueryRoot(Resolver):
    def app(self, info: Any, id: str | None = None) -> AppView | None:
        if id is None:
            return AppView(self.ctx.app) if self.ctx.app is not None else None
        require(info, "MANAGE_APPS")
        pk = int_pk(id, "App")
        app = self.state.apps.get(pk) if pk is not None else None
        return AppView(app) if app else None

    def channels(self, info: Any) -> list[ChannelView]:
        return [ChannelView(c) for c in self.state.channels.values()]

    def channel(self, info: Any, id: str | None = None, slug: str | None = None) -> ChannelView | None:
        channel = self._channel_by_id(id) if id else self.state.channels.get(slug or "")
        return ChannelView(channel) if channel else None

    def checkout(self, info: Any, id: str | None = None, token: str | None = None) -> CheckoutView | None:
        checkout = self._checkout(id, token)
        return CheckoutView(checkout) if checkout else None

    def checkouts(self, info: Any, channel: str | None = None, **page: Any) -> dict[str, Any]:
        require(info, "MANAGE_CHECKOUTS")
        page.pop("filter", None)
        page.pop("sortBy", None)
        items = [CheckoutView(c) for c in self.state.checkouts.values() if channel is None or c.channel.slug == channel]
        return connection(items, **page)

    def voucher(self, info: Any, id: str, channel: str | None = None) -> VoucherView | None:
        require(info, "MANAGE_DISCOUNTS")
        voucher = self._voucher(id)
        return VoucherView(voucher, channel) if voucher else None

    def vouchers(self, info: Any, filter: dict | None = None, query: str | None = None,
                 channel: str | None = None, sortBy: Any = None, **page: Any) -> dict[str, Any]:
        require(info, "MANAGE_DISCOUNTS")
        items = list(self.state.vouchers.values())
        search = (filter or {}).get("search") or query
        if search:
            items = [v for v in items if search.lower() in (v.name or "").lower()
                     or any(search.lower() in c.code.lower() for c in v.codes)]
        ids = (filter or {}).get("ids")
        if ids:
            wanted = {int_pk(i, "Voucher") for i in ids}
            items = [v for v in items if v.pk in wanted]
        return connection([VoucherView(v, channel) for v in items], **page)

    def order(self, info: Any, id: str | None = None, externalReference: str | None = None) -> OrderView | None:
        require(info, "MANAGE_ORDERS")
        order = self._order(id)
        return OrderView(order) if order else None

    def orders(self, info: Any, channel: str | None = None, **page: Any) -> dict[str, Any]:
        require(info, "MANAGE_ORDERS")
        for key in ("sortBy", "filter", "where", "search"):
            page.pop(key, None)
        items = [OrderView(o) for o in self.state.orders.values() if channel is None or o.channel.slug == channel]
        return connection(items, **page)

    def user(self, info: Any, id: str | None = None, email: str | None = None,
             externalReference: str | None = None) -> UserView | None:
        require(info, "MANAGE_USERS", "MANAGE_STAFF")
        user = self._user(id) if id else (self.state.user_by_email(email) if email else None)
        return UserView(user) if user else None

    def customers(self, info: Any, search: str | None = None, **page: Any) -> dict[str, Any]:
        require(info, "MANAGE_USERS")
        for key in ("sortBy", "filter", "where"):
            page.pop(key, None)
        users = [u for u in self.state.users.values() if not u.is_staff]
        if search:
            users = [u for u in users if search.lower() in f"{u.email} {u.first_name} {u.last_name}".lower()]
        return connection([UserView(u) for u in users], **page)

    def me(self, info: Any) -> UserView | None:
        return UserView(self.ctx.user) if self.ctx.user else None

    def products(self, info: Any, search: str | None = None, filter: dict | None = None,
                 where: dict | None = None, channel: str | None = None, **page: Any) -> dict[str, Any]:
        page.pop("sortBy", None)
        products = list(self.state.products.values())
        search = search or (filter or {}).get("search")
        if search:
            products = [p for p in products if search.lower() in p.name.lower()]
        ids = (filter or {}).get("ids") or (where or {}).get("ids")
        if ids:
            wanted = {int_pk(i, "Product") for i in ids}
            products = [p for p in products if p.pk in wanted]
        if channel:
            products = [p for p in products if any(channel in v.prices for v in p.variants)]
        return connection([ProductView(p) for p in products], **page)

    def product(self, info: Any, id: str | None = None, slug: str | None = None, **_: Any) -> ProductView | None:
        pk = int_pk(id, "Product")
        product = self.state.products.get(pk) if pk is not None else next(
            (p for p in self.state.products.values() if slug and p.slug == slug), None
        )
        return ProductView(product) if product else None

    def productVariant(self, info: Any, id: str | None = None, channel: str | None = None,
                       **_: Any) -> VariantView | None:
        pk = int_pk(id, "ProductVariant")
        variant = self.state.variants.get(pk) if pk is not None else None
        return VariantView(variant, channel) if variant else None

    def productVariants(self, info: Any, ids: list[str] | None = None, channel: str | None = None,
                        **page: Any) -> dict[str, Any]:
        for key in ("filter", "where", "sortBy", "search", "languageCode"):
            page.pop(key, None)
        variants = list(self.state.variants.values())
        if ids:
            wanted = {int_pk(i, "ProductVariant") for i in ids}
            variants = [v for v in variants if v.pk in wanted]
        return connection([VariantView(v, channel) for v in variants], **page)

    def categories(self, info: Any, **page: Any) -> dict[str, Any]:
        for key in ("filter", "where", "sortBy", "level", "slugs", "search"):
            page.pop(key, None)
        return connection([CategoryView(c) for c in self.state.categories.values()], **page)

    def collections(self, info: Any, **page: Any) -> dict[str, Any]:
        for key in ("filter", "where", "sortBy", "channel", "search"):
            page.pop(key, None)
        return connection([CollectionView(c) for c in self.state.collections.values()], **page)

    def giftCard(self, info: Any, id: str) -> GiftCardView | None:
        require(info, "MANAGE_GIFT_CARD")
        pk = int_pk(id, "GiftCard")
        card = self.state.gift_cards.get(pk) if pk is not None else None
        return GiftCardView(card) if card else None

    def giftCards(self, info: Any, **page: Any) -> dict[str, Any]:
        require(info, "MANAGE_GIFT_CARD")
        for key in ("filter", "sortBy", "search"):
            page.pop(key, None)
        return connection([GiftCardView(c) for c in self.state.gift_cards.values()], **page)

    def promotion(self, info: Any, id: str) -> PromotionView | None:
        require(info, "MANAGE_DISCOUNTS")
        pk = pk_of(id, "Promotion")
        promotion = self.state.promotions.get(pk) if pk else None
        return PromotionView(promotion) if promotion else None

    def shop(self, info: Any) -> dict[str, Any]:
        return {"name": "Saleor stand-in", "version": self.standin.version, "domain": {
            "host": self.standin.domain, "sslEnabled": False, "url": self.standin.api_url}}


class MutationRoot(Resolver):
    # --- vouchers ---------------------------------------------------------------------------------
    def _apply_voucher_input(self, voucher: Voucher, data: dict[str, Any], errors: list[dict[str, Any]]) -> None:
        simple = {
            "name": "name", "type": "type", "discountValueType": "discount_value_type",
            "usageLimit": "usage_limit", "singleUse": "single_use", "applyOncePerCustomer": "apply_once_per_customer",
            "applyOncePerOrder": "apply_once_per_order", "onlyForStaff": "only_for_staff",
            "minCheckoutItemsQuantity": "min_checkout_items_quantity", "countries": "countries",
        }
        for key, attr in simple.items():
            if key in data and data[key] is not None:
                setattr(voucher, attr, data[key])
        if "startDate" in data and data["startDate"] is not None:
            voucher.start_date = parse_datetime(data["startDate"])
        if "endDate" in data:
            voucher.end_date = parse_datetime(data["endDate"])
        relations = {
            "products": ("Product", self.state.products),
            "variants": ("ProductVariant", self.state.variants),
            "categories": ("Category", self.state.categories),
            "collections": ("Collection", self.state.collections),
        }
        for key, (type_name, table) in relations.items():
            if data.get(key) is None:
                continue
            found = []
            for global_id in data[key]:
                pk = int_pk(global_id, type_name)
                if pk is None or pk not in table:
                    errors.append(err(key, f"Couldn't resolve to a node: {global_id}", "NOT_FOUND"))
                else:
                    found.append(table[pk])
            setattr(voucher, key, found)  # like Saleor's m2m save: the given list replaces the old one

    def _new_codes(self, data: dict[str, Any], errors: list[dict[str, Any]]) -> list[str]:
        codes = list(data.get("addCodes") or [])
        if data.get("code"):
            codes.insert(0, data["code"])
        seen: set[str] = set()
        for code in codes:
            if code in seen:
                errors.append(err("codes", "Duplicated voucher code.", "DUPLICATED_INPUT_ITEM", voucherCodes=[code]))
            seen.add(code)
            if self.state.voucher_code(code) is not None:
                errors.append(err("codes", "Voucher with given code already exists.", "ALREADY_EXISTS",
                                  voucherCodes=[code]))
        return codes

    def voucherCreate(self, info: Any, input: dict[str, Any]) -> dict[str, Any]:
        require(info, "MANAGE_DISCOUNTS")
        errors: list[dict[str, Any]] = []
        codes = self._new_codes(input, errors)
        if not codes:
            codes = [generate_code()]
        voucher = Voucher(pk=self.state.next_id(), name=input.get("name"))
        self._apply_voucher_input(voucher, input, errors)
        if errors:
            return discount_payload("voucher", None, errors)
        voucher.codes = [VoucherCode(pk=State.new_uuid(), code=code, voucher=voucher) for code in codes]
        self.state.vouchers[voucher.pk] = voucher
        self._fire("VOUCHER_CREATED", voucher=VoucherView(voucher))
        return discount_payload("voucher", VoucherView(voucher), [])

    def voucherUpdate(self, info: Any, id: str, input: dict[str, Any]) -> dict[str, Any]:
        require(info, "MANAGE_DISCOUNTS")
        voucher = self._voucher(id)
        if voucher is None:
            return discount_payload("voucher", None, [err("id", f"Couldn't resolve to a node: {id}", "NOT_FOUND")])
        errors: list[dict[str, Any]] = []
        codes = self._new_codes(input, errors)
        draft = dataclasses.replace(voucher)
        self._apply_voucher_input(draft, input, errors)
        if errors:
            return discount_payload("voucher", None, errors)
        for f in dataclasses.fields(Voucher):
            setattr(voucher, f.name, getattr(draft, f.name))
        voucher.codes = voucher.codes + [VoucherCode(pk=State.new_uuid(), code=c, voucher=voucher) for c in codes]
        self._fire("VOUCHER_UPDATED", voucher=VoucherView(voucher))
        return discount_payload("voucher", VoucherView(voucher), [])

    def voucherChannelListingUpdate(self, info: Any, id: str, input: dict[str, Any]) -> dict[str, Any]:
        require(info, "MANAGE_DISCOUNTS")
        voucher = self._voucher(id)
        if voucher is None:
            return discount_payload("voucher", None, [err("id", f"Couldn't resolve to a node: {id}", "NOT_FOUND")])
        errors: list[dict[str, Any]] = []
        additions = []
        for item in input.get("addChannels") or []:
            channel = self._channel_by_id(item["channelId"])
            if channel is None:
                errors.append(err("channelId", "Channel not found.", "NOT_FOUND", channels=[item["channelId"]]))
                continue
            value = item.get("discountValue")
            try:
                value = to_decimal(value) if value is not None else None
                min_spent = to_decimal(item["minAmountSpent"]) if item.get("minAmountSpent") is not None else None
            except InvalidOperation:
                errors.append(err("discountValue", "Invalid amount.", "INVALID", channels=[item["channelId"]]))
                continue
            existing = voucher.listings.get(channel.slug)
            if value is None and existing is None:
                errors.append(err("discountValue", "Value is required for voucher.", "REQUIRED",
                                  channels=[item["channelId"]]))
                continue
            if value is not None and (value < 0 or (voucher.discount_value_type == "PERCENTAGE" and value > 100)):
                errors.append(err("discountValue", "Invalid discount value.", "INVALID", channels=[item["channelId"]]))
                continue
            additions.append((channel, value, min_spent, "minAmountSpent" in item))
        removals = []
        for channel_id in input.get("removeChannels") or []:
            channel = self._channel_by_id(channel_id)
            if channel is None:
                errors.append(err("removeChannels", "Channel not found.", "NOT_FOUND", channels=[channel_id]))
            else:
                removals.append(channel)
        if errors:
            return discount_payload("voucher", None, errors)
        for channel, value, min_spent, has_min in additions:
            listing = voucher.listings.get(channel.slug)
            if listing is None:
                voucher.listings[channel.slug] = VoucherListing(self.state.next_id(), channel, value, min_spent)
            else:
                if value is not None:
                    listing.discount_value = value
                if has_min:
                    listing.min_spent = min_spent
        for channel in removals:
            voucher.listings.pop(channel.slug, None)
        self._fire("VOUCHER_UPDATED", voucher=VoucherView(voucher))
        return discount_payload("voucher", VoucherView(voucher), [])

    def voucherDelete(self, info: Any, id: str) -> dict[str, Any]:
        require(info, "MANAGE_DISCOUNTS")
        voucher = self._voucher(id)
        if voucher is None:
            return discount_payload("voucher", None, [err("id", f"Couldn't resolve to a node: {id}", "NOT_FOUND")])
        view = VoucherView(voucher)
        del self.state.vouchers[voucher.pk]
        self._fire("VOUCHER_DELETED", voucher=view)
        return discount_payload("voucher", view, [])

    def voucherBulkDelete(self, info: Any, ids: list[str]) -> dict[str, Any]:
        require(info, "MANAGE_DISCOUNTS")
        vouchers = [self._voucher(i) for i in ids]
        if any(v is None for v in vouchers):
            missing = [i for i, v in zip(ids, vouchers, strict=True) if v is None]
            return {"count": 0, "errors": [err("ids", f"Couldn't resolve to a node: {missing[0]}", "NOT_FOUND")],
                    "discountErrors": []}
        for voucher in vouchers:
            view = VoucherView(voucher)
            del self.state.vouchers[voucher.pk]
            self._fire("VOUCHER_DELETED", voucher=view)
        return {"count": len(vouchers), "errors": [], "discountErrors": []}

    def voucherCodeBulkDelete(self, info: Any, ids: list[str]) -> dict[str, Any]:
        require(info, "MANAGE_DISCOUNTS")
        by_pk = {code.pk: code for voucher in self.state.vouchers.values() for code in voucher.codes}
        errors = []
        targets = []
        for global_id in ids:
            pk = pk_of(global_id, "VoucherCode")
            if pk is None:
                errors.append({"path": "ids", "message": f"Invalid VoucherCode ID: {global_id}", "code": "INVALID",
                               "voucherCodes": [global_id]})
            elif pk not in by_pk:
                errors.append({"path": "ids", "message": f"Couldn't resolve to a node: {global_id}",
                               "code": "NOT_FOUND", "voucherCodes": [global_id]})
            else:
                targets.append(by_pk[pk])
        if errors:
            return {"count": 0, "errors": errors}
        for code in targets:
            code.voucher.codes = [c for c in code.voucher.codes if c is not code]
        return {"count": len(targets), "errors": []}

    # --- promotions -------------------------------------------------------------------------------
    def _rule(self, data: dict[str, Any], promotion: Promotion, index: int | None,
              errors: list[dict[str, Any]]) -> PromotionRule | None:
        channels = []
        for channel_id in data.get("channels") or []:
            channel = self._channel_by_id(channel_id)
            if channel is None:
                errors.append(err("channels", f"Channel not found: {channel_id}", "NOT_FOUND", index=index))
            else:
                channels.append(channel)
        catalogue = None
        if data.get("cataloguePredicate") is not None:
            catalogue = {"variants": [], "products": [], "categories": [], "collections": []}
            self._flatten_catalogue(data["cataloguePredicate"], catalogue)
        reward_value = to_decimal(data["rewardValue"]) if data.get("rewardValue") is not None else None
        if promotion.type == "ORDER" and data.get("orderPredicate") is None:
            errors.append(err("orderPredicate", "Order predicate is required for ORDER promotions.", "INVALID",
                              index=index))
        if promotion.type == "CATALOGUE" and data.get("orderPredicate") is not None:
            errors.append(err("orderPredicate", "Order predicate is not allowed for CATALOGUE promotions.",
                              "INVALID", index=index))
        if reward_value is not None and not channels:
            errors.append(err("channels", "Channels are required when a reward value is given.",
                              "MISSING_CHANNELS", index=index))
        return PromotionRule(
            pk=State.new_uuid(), name=data.get("name"), channels=channels,
            reward_value_type=data.get("rewardValueType"), reward_value=reward_value,
            reward_type=data.get("rewardType") or ("SUBTOTAL_DISCOUNT" if promotion.type == "ORDER" else None),
            catalogue_predicate=catalogue, order_predicate=data.get("orderPredicate"), promotion=promotion,
            catalogue_predicate_input=data.get("cataloguePredicate"),
        )

    def _flatten_catalogue(self, predicate: dict[str, Any], out: dict[str, list[int]]) -> None:
        for key, target, type_name in (("variantPredicate", "variants", "ProductVariant"),
                                       ("productPredicate", "products", "Product"),
                                       ("categoryPredicate", "categories", "Category"),
                                       ("collectionPredicate", "collections", "Collection")):
            for global_id in (predicate.get(key) or {}).get("ids") or []:
                pk = int_pk(global_id, type_name)
                if pk is not None:
                    out[target].append(pk)
        for nested in (predicate.get("AND") or []) + (predicate.get("OR") or []):
            self._flatten_catalogue(nested, out)

    def promotionCreate(self, info: Any, input: dict[str, Any]) -> dict[str, Any]:
        require(info, "MANAGE_DISCOUNTS")
        promotion = Promotion(
            pk=State.new_uuid(), name=input["name"], type=input["type"],
            start_date=parse_datetime(input.get("startDate")) or now(), end_date=parse_datetime(input.get("endDate")),
        )
        errors: list[dict[str, Any]] = []
        for index, data in enumerate(input.get("rules") or []):
            rule = self._rule(data, promotion, index, errors)
            promotion.rules.append(rule)
        if errors:
            return {"promotion": None, "errors": errors}
        self.state.promotions[promotion.pk] = promotion
        self._fire("PROMOTION_CREATED", promotion=PromotionView(promotion))
        return {"promotion": PromotionView(promotion), "errors": []}

    def promotionRuleCreate(self, info: Any, input: dict[str, Any]) -> dict[str, Any]:
        require(info, "MANAGE_DISCOUNTS")
        pk = pk_of(input.get("promotion"), "Promotion")
        promotion = self.state.promotions.get(pk) if pk else None
        if promotion is None:
            return {"promotionRule": None, "errors": [err("promotion", "Promotion not found.", "NOT_FOUND")]}
        errors: list[dict[str, Any]] = []
        rule = self._rule(input, promotion, None, errors)
        for error in errors:
            error.pop("index", None)
        if errors:
            return {"promotionRule": None, "errors": errors}
        promotion.rules.append(rule)
        self._fire("PROMOTION_UPDATED", promotion=PromotionView(promotion))
        return {"promotionRule": PromotionRuleView(rule), "errors": []}

    # --- gift cards -------------------------------------------------------------------------------
    def giftCardCreate(self, info: Any, input: dict[str, Any]) -> dict[str, Any]:
        require(info, "MANAGE_GIFT_CARD")
        code = input.get("code") or generate_code(16)
        errors = []
        if self.state.gift_card_by_code(code) is not None:
            errors.append(err("code", "Gift card with this code already exists.", "ALREADY_EXISTS"))
        balance = input["balance"]
        amount = to_decimal(balance["amount"])
        if amount <= 0:
            errors.append(err("balance", "Balance must be positive.", "INVALID"))
        assigned = None
        if input.get("assignedTo"):
            assigned = self._user(input["assignedTo"])
            if assigned is None:
                errors.append(err("assignedTo", "User not found.", "NOT_FOUND"))
        if errors:
            return {"giftCard": None, "errors": errors, "giftCardErrors": errors}
        card = GiftCard(
            pk=self.state.next_id(), code=code, currency=balance["currency"], initial_balance=amount,
            current_balance=amount, is_active=input["isActive"], user_email=input.get("userEmail"),
            assigned_to=assigned, channel_slug=input.get("channel"), expiry_date=input.get("expiryDate"),
        )
        self._set_meta(card.meta, input)
        self.state.gift_cards[card.pk] = card
        self._fire("GIFT_CARD_CREATED", giftCard=GiftCardView(card))
        return {"giftCard": GiftCardView(card), "errors": [], "giftCardErrors": []}

    # --- customers --------------------------------------------------------------------------------
    @staticmethod
    def _set_meta(meta: Metadata, data: dict[str, Any]) -> None:
        for item in data.get("metadata") or []:
            meta.public[item["key"]] = item["value"]
        for item in data.get("privateMetadata") or []:
            meta.private[item["key"]] = item["value"]

    def customerCreate(self, info: Any, input: dict[str, Any]) -> dict[str, Any]:
        require(info, "MANAGE_USERS")
        email = (input.get("email") or "").strip()
        errors = []
        if not email:
            errors.append(err("email", "This field is required.", "REQUIRED"))
        elif self.state.user_by_email(email) is not None:
            errors.append(err("email", "User with this Email already exists.", "UNIQUE"))
        if errors:
            return {"user": None, "errors": errors, "accountErrors": errors}
        user = User(pk=self.state.next_id(), email=email, first_name=input.get("firstName") or "",
                    last_name=input.get("lastName") or "", is_active=input.get("isActive", True) is not False)
        self._set_meta(user.meta, input)
        self.state.users[user.pk] = user
        self._fire("CUSTOMER_CREATED", user=UserView(user))
        return {"user": UserView(user), "errors": [], "accountErrors": []}

    def customerUpdate(self, info: Any, input: dict[str, Any], id: str | None = None,
                       externalReference: str | None = None) -> dict[str, Any]:
        require(info, "MANAGE_USERS")
        user = self._user(id)
        if user is None:
            errors = [err("id", f"Couldn't resolve to a node: {id}", "NOT_FOUND")]
            return {"user": None, "errors": errors, "accountErrors": errors}
        if input.get("email") and input["email"] != user.email:
            other = self.state.user_by_email(input["email"])
            if other is not None and other is not user:
                errors = [err("email", "User with this Email already exists.", "UNIQUE")]
                return {"user": None, "errors": errors, "accountErrors": errors}
            user.email = input["email"]
        if input.get("firstName") is not None:
            user.first_name = input["firstName"]
        if input.get("lastName") is not None:
            user.last_name = input["lastName"]
        if input.get("isActive") is not None:
            user.is_active = input["isActive"]
        self._set_meta(user.meta, input)
        user.updated_at = now()
        self._fire("CUSTOMER_UPDATED", user=UserView(user))
        return {"user": UserView(user), "errors": [], "accountErrors": []}

    # --- metadata ---------------------------------------------------------------------------------
    def _meta_target(self, info: Any, global_id: str, private: bool) -> tuple[Any, Any, str | None]:
        """(object, view, event) for a metadata mutation; raises PermissionDenied like Saleor."""
        type_name, pk = from_global_id(global_id)
        state = self.state
        if type_name == "Checkout":
            obj = state.checkouts.get(pk)
            if private:
                require(info, "MANAGE_CHECKOUTS")
            return obj, (CheckoutView(obj) if obj else None), "CHECKOUT"
        if type_name == "Order":
            require(info, "MANAGE_ORDERS")
            obj = state.orders.get(pk)
            return obj, (OrderView(obj) if obj else None), "ORDER"
        if type_name == "User":
            require(info, "MANAGE_USERS", "MANAGE_STAFF")
            obj = state.users.get(int(pk)) if pk.isdigit() else None
            return obj, (UserView(obj) if obj else None), "CUSTOMER"
        if type_name == "Voucher":
            require(info, "MANAGE_DISCOUNTS")
            obj = state.vouchers.get(int(pk)) if pk.isdigit() else None
            return obj, (VoucherView(obj) if obj else None), "VOUCHER"
        if type_name == "GiftCard":
            require(info, "MANAGE_GIFT_CARD")
            obj = state.gift_cards.get(int(pk)) if pk.isdigit() else None
            return obj, (GiftCardView(obj) if obj else None), "GIFT_CARD"
        if type_name == "Product":
            require(info, "MANAGE_PRODUCTS")
            obj = state.products.get(int(pk)) if pk.isdigit() else None
            return obj, (ProductView(obj) if obj else None), None
        if type_name == "App":
            obj = state.apps.get(int(pk)) if pk.isdigit() else None
            if obj is not self.ctx.app:
                require(info, "MANAGE_APPS")
            return obj, (AppView(obj) if obj else None), None
        return None, None, None

    def _meta_mutation(self, info: Any, id: str, private: bool, change: Any) -> dict[str, Any]:
        obj, _view, kind = self._meta_target(info, id, private)
        if obj is None:
            errors = [err("id", f"Couldn't resolve to a node: {id}", "NOT_FOUND")]
            return {"item": None, "errors": errors, "metadataErrors": errors}
        change(obj.meta.private if private else obj.meta.public)
        events = {
            "CHECKOUT": ["CHECKOUT_UPDATED", "CHECKOUT_METADATA_UPDATED"],
            "ORDER": ["ORDER_METADATA_UPDATED"],
            "CUSTOMER": ["CUSTOMER_METADATA_UPDATED"],
            "VOUCHER": ["VOUCHER_METADATA_UPDATED"],
            "GIFT_CARD": ["GIFT_CARD_METADATA_UPDATED"],
        }.get(kind or "", [])
        if kind == "CHECKOUT":
            obj.updated_at = now()  # metadata does not invalidate the cached prices
        _obj, view, _kind = self._meta_target(info, id, private)  # views are snapshots: take a fresh one
        entity = {"CHECKOUT": "checkout", "ORDER": "order", "CUSTOMER": "user", "VOUCHER": "voucher",
                  "GIFT_CARD": "giftCard"}.get(kind or "")
        for event in events:
            self._fire(event, **{entity: view})
        return {"item": view, "errors": [], "metadataErrors": []}

    def updateMetadata(self, info: Any, id: str, input: list[dict[str, str]]) -> dict[str, Any]:
        return self._meta_mutation(info, id, False, lambda m: m.update({i["key"]: i["value"] for i in input}))

    def updatePrivateMetadata(self, info: Any, id: str, input: list[dict[str, str]]) -> dict[str, Any]:
        return self._meta_mutation(info, id, True, lambda m: m.update({i["key"]: i["value"] for i in input}))

    def deleteMetadata(self, info: Any, id: str, keys: list[str]) -> dict[str, Any]:
        return self._meta_mutation(info, id, False, lambda m: [m.pop(k, None) for k in keys])

    def deletePrivateMetadata(self, info: Any, id: str, keys: list[str]) -> dict[str, Any]:
        return self._meta_mutation(info, id, True, lambda m: [m.pop(k, None) for k in keys])

    # --- checkouts --------------------------------------------------------------------------------
    def _lines_input(self, checkout: Checkout | None, channel_slug: str, lines: list[dict[str, Any]],
                     errors: list[dict[str, Any]]) -> list[tuple[Any, int, dict[str, Any]]]:
        parsed = []
        for item in lines:
            pk = int_pk(item.get("variantId"), "ProductVariant")
            variant = self.state.variants.get(pk) if pk is not None else None
            if variant is None:
                errors.append(err("variantId", f"Couldn't resolve to a node: {item.get('variantId')}", "NOT_FOUND",
                                  variants=[item.get("variantId")]))
                continue
            if channel_slug not in variant.prices:
                errors.append(err("lines", "Cannot add lines with unavailable variants.",
                                  "UNAVAILABLE_VARIANT_IN_CHANNEL", variants=[variant.global_id]))
                continue
            quantity = item.get("quantity")
            if quantity is not None and quantity < 0:
                errors.append(err("quantity", "The quantity should be higher than zero.", "ZERO_QUANTITY",
                                  variants=[variant.global_id]))
                continue
            if item.get("price") is not None and not self.ctx.has("HANDLE_CHECKOUTS"):
                raise PermissionDenied("HANDLE_CHECKOUTS")
            parsed.append((variant, quantity, item))
        return parsed

    def _add_lines(self, checkout: Checkout, parsed: list[tuple[Any, int, dict[str, Any]]]) -> None:
        for variant, quantity, item in parsed:
            existing = next((line for line in checkout.lines if line.variant is variant), None)
            if existing is not None and not item.get("forceNewLine"):
                existing.quantity += quantity
            elif quantity > 0:
                line = CheckoutLine(pk=State.new_uuid(), variant=variant, quantity=quantity)
                self._set_meta(line.meta, item)
                checkout.lines.append(line)
        checkout.lines = [line for line in checkout.lines if line.quantity > 0]

    def checkoutCreate(self, info: Any, input: dict[str, Any]) -> dict[str, Any]:
        slug = input.get("channel")
        if not slug:
            return checkout_payload(None, [err("channel", "You need to provide channel slug.",
                                               "MISSING_CHANNEL_SLUG")], created=None)
        channel = self.state.channels.get(slug)
        if channel is None:
            return checkout_payload(None, [err("channel", f"Channel with '{slug}' slug does not exist.",
                                               "NOT_FOUND")], created=None)
        if not channel.is_active:
            return checkout_payload(None, [err("channel", f"Channel with '{slug}' is inactive.",
                                               "CHANNEL_INACTIVE")], created=None)
        if input.get("privateMetadata"):
            require(info, "MANAGE_CHECKOUTS")
        errors: list[dict[str, Any]] = []
        parsed = self._lines_input(None, slug, input.get("lines") or [], errors)
        if errors:
            return checkout_payload(None, errors, created=None)
        user = self.ctx.user if self.ctx.user is not None and not self.ctx.user.is_staff else None
        checkout = Checkout(token=State.new_uuid(), channel=channel,
                            email=input.get("email") or (user.email if user else None), user=user)
        self._add_lines(checkout, parsed)
        self._set_meta(checkout.meta, input)
        self._reprice(checkout)
        self.state.checkouts[checkout.token] = checkout
        self._fire("CHECKOUT_CREATED", checkout=CheckoutView(checkout))
        return checkout_payload(checkout, [], created=True)

    def _get_checkout(self, *ids: str | None) -> tuple[Checkout | None, list[dict[str, Any]]]:
        checkout = self._checkout(*ids)
        if checkout is None:
            given = next((i for i in ids if i), None)
            return None, [err("id", f"Couldn't resolve to a node: {given}", "NOT_FOUND")]
        return checkout, []

    def _changed(self, checkout: Checkout) -> dict[str, Any]:
        self._reprice(checkout)
        self._fire("CHECKOUT_UPDATED", checkout=CheckoutView(checkout))
        return checkout_payload(checkout, [])

    def checkoutLinesAdd(self, info: Any, lines: list[dict[str, Any]], id: str | None = None,
                         checkoutId: str | None = None, token: str | None = None) -> dict[str, Any]:
        checkout, errors = self._get_checkout(id, checkoutId, token)
        if checkout is None:
            return checkout_payload(None, errors)
        parsed = self._lines_input(checkout, checkout.channel.slug, lines, errors)
        if errors:
            return checkout_payload(None, errors)
        self._add_lines(checkout, parsed)
        return self._changed(checkout)

    def checkoutLinesUpdate(self, info: Any, lines: list[dict[str, Any]], id: str | None = None,
                            checkoutId: str | None = None, token: str | None = None) -> dict[str, Any]:
        checkout, errors = self._get_checkout(id, checkoutId, token)
        if checkout is None:
            return checkout_payload(None, errors)
        updates = []
        for item in lines:
            line = None
            if item.get("lineId"):
                line_pk = pk_of(item["lineId"], "CheckoutLine")
                line = next((ln for ln in checkout.lines if ln.pk == line_pk), None)
                if line is None:
                    errors.append(err("lineId", f"Couldn't resolve to a node: {item['lineId']}", "NOT_FOUND",
                                      lines=[item["lineId"]]))
                    continue
            elif item.get("variantId"):
                variant_pk = int_pk(item["variantId"], "ProductVariant")
                line = next((ln for ln in checkout.lines if ln.variant.pk == variant_pk), None)
                if line is None:
                    parsed = self._lines_input(checkout, checkout.channel.slug,
                                               [{"variantId": item["variantId"], "quantity": item.get("quantity")}],
                                               errors)
                    updates.extend(("add", p) for p in parsed)
                    continue
            else:
                errors.append(err("lines", "Either lineId or variantId is required.", "REQUIRED"))
                continue
            quantity = item.get("quantity")
            if quantity is not None and quantity < 0:
                errors.append(err("quantity", "The quantity should be higher than zero.", "ZERO_QUANTITY",
                                  lines=[line.global_id]))
                continue
            updates.append(("set", (line, quantity, item)))
        if errors:
            return checkout_payload(None, errors)
        for kind, change in updates:
            if kind == "add":
                self._add_lines(checkout, [change])
            else:
                line, quantity, item = change
                if quantity is not None:
                    line.quantity = quantity
                self._set_meta(line.meta, item)
        checkout.lines = [line for line in checkout.lines if line.quantity > 0]
        return self._changed(checkout)

    def checkoutLinesDelete(self, info: Any, linesIds: list[str], id: str | None = None,
                            token: str | None = None) -> dict[str, Any]:
        checkout, errors = self._get_checkout(id, token)
        if checkout is None:
            return checkout_payload(None, errors)
        wanted = {pk_of(line_id, "CheckoutLine") for line_id in linesIds}
        known = {line.pk for line in checkout.lines}
        missing = [line_id for line_id in linesIds if pk_of(line_id, "CheckoutLine") not in known]
        if missing:
            return checkout_payload(None, [err("lineId", f"Couldn't resolve to a node: {missing[0]}", "NOT_FOUND",
                                               lines=missing)])
        checkout.lines = [line for line in checkout.lines if line.pk not in wanted]
        return self._changed(checkout)

    def checkoutDeliveryMethodUpdate(self, info: Any, deliveryMethodId: str | None = None, id: str | None = None,
                                     token: str | None = None) -> dict[str, Any]:
        checkout, errors = self._get_checkout(id, token)
        if checkout is None:
            return checkout_payload(None, errors)
        if deliveryMethodId is None:
            checkout.shipping_method = None
            return self._changed(checkout)
        pk = int_pk(deliveryMethodId, "ShippingMethod")
        method = self.state.shipping_methods.get(pk) if pk is not None else None
        if method is None or method.channel_slug != checkout.channel.slug:
            return checkout_payload(None, [err("deliveryMethodId", "This shipping method is not applicable.",
                                               "DELIVERY_METHOD_NOT_APPLICABLE")])
        checkout.shipping_method = method
        return self._changed(checkout)

    def checkoutEmailUpdate(self, info: Any, email: str, id: str | None = None, checkoutId: str | None = None,
                            token: str | None = None) -> dict[str, Any]:
        checkout, errors = self._get_checkout(id, checkoutId, token)
        if checkout is None:
            return checkout_payload(None, errors)
        if "@" not in email:
            return checkout_payload(None, [err("email", "Enter a valid email address.", "INVALID")])
        checkout.email = email
        return self._changed(checkout)

    def checkoutCustomerAttach(self, info: Any, id: str | None = None, checkoutId: str | None = None,
                               token: str | None = None, customerId: str | None = None) -> dict[str, Any]:
        checkout, errors = self._get_checkout(id, checkoutId, token)
        if checkout is None:
            return checkout_payload(None, errors)
        if self.ctx.app is not None:
            require(info, "IMPERSONATE_USER")
            user = self._user(customerId)
        elif customerId is not None:
            require(info, "IMPERSONATE_USER")
            user = self._user(customerId)
        else:
            user = self.ctx.user
        if user is None:
            return checkout_payload(None, [err("customerId", "Customer not found.", "NOT_FOUND")])
        checkout.user = user
        checkout.email = user.email
        return self._changed(checkout)

    def checkoutAddPromoCode(self, info: Any, promoCode: str, id: str | None = None,
                             checkoutId: str | None = None, token: str | None = None) -> dict[str, Any]:
        checkout, errors = self._get_checkout(id, checkoutId, token)
        if checkout is None:
            return checkout_payload(None, errors)
        moment = now()
        voucher_code = self.state.voucher_code(promoCode)
        if voucher_code is not None:
            try:
                voucher_code_for_checkout(self.state, checkout, promoCode, moment)
                base = compute_prices(self.state, dataclasses.replace(checkout, voucher_code=None), moment)
                subtotal = sum((price.total for price in base.lines.values()), ZERO) + base.discount
                check_voucher_applicable(voucher_code.voucher, checkout, subtotal,
                                         has_delivery=checkout.shipping_method is not None)
            except InvalidCode:
                return checkout_payload(None, [err("promoCode", "Promo code is invalid", "INVALID")])
            except NotApplicable as exc:
                message = str(exc) or "Voucher is not applicable to this checkout."
                return checkout_payload(None, [err("promoCode", message, "VOUCHER_NOT_APPLICABLE")])
            checkout.voucher_code = promoCode  # a second voucher code silently replaces the first
            return self._changed(checkout)
        card = self.state.gift_card_by_code(promoCode)
        if card is not None and self._gift_card_usable(card, checkout):
            if card not in checkout.gift_cards:
                checkout.gift_cards.append(card)
            return self._changed(checkout)
        return checkout_payload(None, [err("promoCode", "Promo code is invalid", "INVALID")])

    @staticmethod
    def _gift_card_usable(card: GiftCard, checkout: Checkout) -> bool:
        """Active, same currency, not expired; a card `assignedTo` a customer only for that customer
        (`userEmail` restricts nothing)."""
        if not card.is_active or card.currency != checkout.channel.currency:
            return False
        if card.expiry_date and str(card.expiry_date) < now().date().isoformat():
            return False
        if card.assigned_to is not None:
            email = (checkout.customer_email or "").lower()
            return email == card.assigned_to.email.lower()
        return True

    def checkoutRemovePromoCode(self, info: Any, id: str | None = None, checkoutId: str | None = None,
                                token: str | None = None, promoCode: str | None = None,
                                promoCodeId: str | None = None) -> dict[str, Any]:
        checkout, errors = self._get_checkout(id, checkoutId, token)
        if checkout is None:
            return checkout_payload(None, errors)
        if promoCode is None and promoCodeId is None:
            return checkout_payload(None, [err("promoCode", "Either promoCode or promoCodeId is required.",
                                               "GRAPHQL_ERROR")])
        if promoCodeId is not None:
            type_name, pk = from_global_id(promoCodeId)
            if type_name == "Voucher" and checkout.voucher_code is not None:
                current = self.state.voucher_code(checkout.voucher_code)
                if current is not None and str(current.voucher.pk) == pk:
                    checkout.voucher_code = None
            elif type_name == "GiftCard":
                checkout.gift_cards = [c for c in checkout.gift_cards if str(c.pk) != pk]
            else:
                return checkout_payload(None, [err("promoCodeId", f"Couldn't resolve to a node: {promoCodeId}",
                                                   "NOT_FOUND")])
        else:
            if checkout.voucher_code == promoCode:
                checkout.voucher_code = None
            else:
                checkout.gift_cards = [c for c in checkout.gift_cards if c.code != promoCode]
        return self._changed(checkout)

    def checkoutComplete(self, info: Any, id: str | None = None, checkoutId: str | None = None,
                         token: str | None = None, metadata: list[dict[str, str]] | None = None,
                         **_: Any) -> dict[str, Any]:
        def fail(field: str | None, message: str, code: str) -> dict[str, Any]:
            errors = [err(field, message, code)]
            return {"order": None, "confirmationNeeded": False, "confirmationData": None, "errors": errors,
                    "checkoutErrors": errors}

        checkout, errors = self._get_checkout(id, checkoutId, token)
        if checkout is None:
            return fail("id", errors[0]["message"], "NOT_FOUND")
        if not checkout.lines:
            return fail("lines", "Cannot complete checkout without lines.", "NO_LINES")
        if not checkout.customer_email:
            return fail("email", "Checkout email must be set.", "EMAIL_NOT_SET")
        if any(line.variant.product.product_type.is_shipping_required for line in checkout.lines) and (
            checkout.shipping_method is None
        ):
            return fail("shippingMethod", "Shipping method is not set", "SHIPPING_METHOD_NOT_SET")
        prices = checkout.prices  # the cached prices: checkoutComplete does not refresh them
        assert prices is not None
        if not checkout.channel.allow_unpaid_orders and prices.total > 0:
            return fail(None, "The authorized amount doesn't cover the checkout's total amount.",
                        "CHECKOUT_NOT_FULLY_PAID")
        voucher_code = None
        moment = now()
        if checkout.voucher_code is not None:
            try:
                voucher_code = voucher_code_for_checkout(self.state, checkout, checkout.voucher_code, moment)
            except InvalidCode:
                return fail("promoCode", "Voucher expired in meantime. Order placement aborted.",
                            "VOUCHER_NOT_APPLICABLE")
            voucher = voucher_code.voucher
            email = (checkout.customer_email or "").lower()
            if voucher.apply_once_per_customer and email in voucher.customer_emails:
                return fail("promoCode", "Voucher is not applicable to this checkout.", "VOUCHER_NOT_APPLICABLE")
        order = self._create_order(checkout, prices, voucher_code)
        self._set_meta(order.meta, {"metadata": metadata})
        del self.state.checkouts[checkout.token]
        self._fire("ORDER_CREATED", order=OrderView(order))
        return {"order": OrderView(order), "confirmationNeeded": False, "confirmationData": None, "errors": [],
                "checkoutErrors": []}

    def _create_order(self, checkout: Checkout, prices: Any, voucher_code: VoucherCode | None) -> Order:
        lines = []
        for line in checkout.lines:
            price = prices.lines[line.pk]
            variant = line.variant
            lines.append(OrderLine(
                pk=State.new_uuid(), variant=variant, product_name=variant.product.name, variant_name=variant.name,
                product_sku=variant.sku, quantity=line.quantity, unit_price=price.unit(line.quantity),
                undiscounted_unit_price=price.undiscounted_unit, total_price=price.total,
                undiscounted_total_price=price.undiscounted_total, voucher_code=price.voucher_code,
            ))
        discounts = []
        if voucher_code is not None and prices.voucher_amount:
            discounts.append(OrderDiscount(
                pk=State.new_uuid(), type="VOUCHER", value_type=prices.voucher_value_type or "FIXED",
                value=prices.voucher_value or prices.voucher_amount, name=prices.voucher_name,
                amount=prices.voucher_amount,
            ))
        if prices.order_promotion is not None:
            rule = prices.order_promotion
            discounts.append(OrderDiscount(
                pk=State.new_uuid(), type="ORDER_PROMOTION", value_type=rule.reward_value_type or "FIXED",
                value=rule.reward_value or ZERO, name=prices.discount_name, amount=prices.order_promotion_amount,
            ))
        remaining = prices.gift_cards
        for card in checkout.gift_cards:
            used = min(card.current_balance, remaining)
            card.current_balance -= used
            remaining -= used
        email = checkout.customer_email
        if voucher_code is not None:
            voucher_code.used += 1
            if voucher_code.voucher.single_use:
                voucher_code.is_active = False
            if voucher_code.voucher.apply_once_per_customer and email:
                voucher_code.voucher.customer_emails.add(email.lower())
        order = Order(
            pk=State.new_uuid(), number=next(self.state.order_numbers), checkout_token=checkout.token,
            channel=checkout.channel, user=checkout.user, user_email=email, lines=lines,
            voucher=voucher_code.voucher if voucher_code else None,
            voucher_code=voucher_code.code if voucher_code else None, discounts=discounts,
            subtotal=prices.subtotal, shipping=prices.shipping, undiscounted_total=prices.undiscounted_total,
            total=prices.total, shipping_method=checkout.shipping_method, gift_cards=list(checkout.gift_cards),
        )
        self.state.orders[order.pk] = order
        return order

    # --- orders -----------------------------------------------------------------------------------
    def _order_or_error(self, info: Any, id: str) -> tuple[Order | None, dict[str, Any] | None]:
        require(info, "MANAGE_ORDERS")
        order = self._order(id)
        if order is None:
            errors = [err("id", f"Couldn't resolve to a node: {id}", "NOT_FOUND")]
            return None, {"order": None, "errors": errors, "orderErrors": errors}
        return order, None

    @staticmethod
    def _order_payload(order: Order | None, errors: list[dict[str, Any]]) -> dict[str, Any]:
        return {"order": OrderView(order) if order and not errors else None, "errors": errors, "orderErrors": errors}

    def orderMarkAsPaid(self, info: Any, id: str, transactionReference: str | None = None) -> dict[str, Any]:
        order, failure = self._order_or_error(info, id)
        if order is None:
            return failure
        if order.charged >= order.total and order.total > 0:
            return self._order_payload(order, [err("id", "Orders already paid.", "PAYMENT_ERROR")])
        if order.status == "CANCELED":
            return self._order_payload(order, [err("id", "This order is canceled.", "INVALID")])
        order.charged = order.total
        order.updated_at = now()
        self._fire("ORDER_PAID", order=OrderView(order))
        self._fire("ORDER_FULLY_PAID", order=OrderView(order))
        self._fire("ORDER_UPDATED", order=OrderView(order))
        return self._order_payload(order, [])

    def orderCancel(self, info: Any, id: str) -> dict[str, Any]:
        order, failure = self._order_or_error(info, id)
        if order is None:
            return failure
        if order.status not in ("UNCONFIRMED", "UNFULFILLED", "DRAFT"):
            return self._order_payload(order, [err("order", "This order can't be canceled.", "CANNOT_CANCEL_ORDER")])
        order.status = "CANCELED"  # voucher usage is NOT given back (observed)
        order.updated_at = now()
        self._fire("ORDER_CANCELLED", order=OrderView(order))
        self._fire("ORDER_UPDATED", order=OrderView(order))
        return self._order_payload(order, [])

    def orderRefund(self, info: Any, amount: Any, id: str) -> dict[str, Any]:
        order, failure = self._order_or_error(info, id)
        if order is None:
            return failure
        amount = quantize(to_decimal(amount))
        if order.charged <= 0:
            return self._order_payload(order, [err("id", "Order has no charged payment to refund.",
                                                   "CANNOT_REFUND")])
        if amount <= 0 or order.refunded + amount > order.charged:
            return self._order_payload(order, [err("amount", "Cannot refund more than was charged.",
                                                   "CANNOT_REFUND")])
        order.refunded += amount
        order.updated_at = now()
        self._fire("ORDER_REFUNDED", order=OrderView(order))
        if order.refunded >= order.charged:
            self._fire("ORDER_FULLY_REFUNDED", order=OrderView(order))
        self._fire("ORDER_UPDATED", order=OrderView(order))
        return self._order_payload(order, [])

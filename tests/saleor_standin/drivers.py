"""Drivers that act on the stand-in the way a storefront (anonymous shopper) or a staff member in the
Dashboard would: through the stand-in's own GraphQL endpoint, so their documents are validated too."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .catalog import DEFAULT_CHANNEL

if TYPE_CHECKING:
    from .server import SaleorStandin

MONEY = "{ amount currency }"
CHECKOUT_FIELDS = f"""
fragment StandinCheckout on Checkout {{
  id token email voucherCode
  channel {{ slug currencyCode }}
  discount {MONEY}
  discountName
  subtotalPrice {{ gross {MONEY} }}
  shippingPrice {{ gross {MONEY} }}
  totalPrice {{ gross {MONEY} }}
  deliveryMethod {{ ... on ShippingMethod {{ id name price {MONEY} }} }}
  giftCards {{ id last4CodeChars currentBalance {MONEY} }}
  metadata {{ key value }}
  lines {{
    id quantity
    variant {{ id name sku product {{ id name }} }}
    undiscountedUnitPrice {MONEY}
    unitPrice {{ gross {MONEY} }}
    totalPrice {{ gross {MONEY} }}
  }}
}}
"""
ORDER_FIELDS = f"""
fragment StandinOrder on Order {{
  id number status checkoutId userEmail voucherCode isPaid chargeStatus
  channel {{ slug currencyCode }}
  user {{ id email }}
  discounts {{ type valueType value name amount {MONEY} }}
  subtotal {{ gross {MONEY} }}
  shippingPrice {{ gross {MONEY} }}
  total {{ gross {MONEY} }}
  totalCharged {MONEY}
  totalRefunded {MONEY}
  lines {{ id quantity productName variant {{ id }} unitPrice {{ gross {MONEY} }}
          undiscountedUnitPrice {{ gross {MONEY} }} totalPrice {{ gross {MONEY} }} }}
  metadata {{ key value }}
}}
"""
ERRORS = "errors { field code message }"


class StandinError(AssertionError):
    """A driver call failed where the test expected success."""


def _lines(lines: list[Any]) -> list[dict[str, Any]]:
    result = []
    for line in lines:
        if isinstance(line, dict):
            result.append(line)
        else:
            variant_id, quantity = line
            result.append({"variantId": variant_id, "quantity": quantity})
    return result


class _Driver:
    def __init__(self, standin: SaleorStandin) -> None:
        self.standin = standin

    def _token(self) -> str | None:
        return None

    def run(self, document: str, variables: dict[str, Any] | None = None, *, token: str | None = None) -> dict:
        answer = self.standin.graphql(document, variables, token=token or self._token())
        if answer.get("errors"):
            raise StandinError(f"GraphQL errors: {answer['errors']}")
        return answer["data"]

    def _mutate(self, document: str, name: str, variables: dict[str, Any], *, token: str | None = None,
                expect_ok: bool = True) -> dict[str, Any]:
        payload = self.run(document, variables, token=token)[name]
        if expect_ok and payload.get("errors"):
            raise StandinError(f"{name} failed: {payload['errors']}")
        return payload


class Storefront(_Driver):
    """An anonymous shopper (or a logged-in customer with `user=`)."""

    def _customer_token(self, user: Any) -> str | None:
        return self.standin.user_token(user) if user is not None else None

    def checkout_create(self, *, lines: list[Any], channel: str = DEFAULT_CHANNEL,
                        email: str | None = "customer@example.com", user: Any = None,
                        metadata: dict[str, str] | None = None) -> dict[str, Any]:
        """`lines`: [(variant_id, quantity)] or [{"variantId", "quantity"}]. Returns the checkout."""
        document = CHECKOUT_FIELDS + f"""
        mutation StandinCheckoutCreate($input: CheckoutCreateInput!) {{
          checkoutCreate(input: $input) {{ checkout {{ ...StandinCheckout }} {ERRORS} }}
        }}"""
        data: dict[str, Any] = {"channel": channel, "lines": _lines(lines)}
        if email is not None:
            data["email"] = email
        if metadata:
            data["metadata"] = [{"key": k, "value": v} for k, v in metadata.items()]
        return self._mutate(document, "checkoutCreate", {"input": data},
                            token=self._customer_token(user))["checkout"]

    def checkout(self, checkout_id: str) -> dict[str, Any] | None:
        document = CHECKOUT_FIELDS + """
        query StandinCheckout($id: ID!) { checkout(id: $id) { ...StandinCheckout } }"""
        return self.run(document, {"id": checkout_id})["checkout"]

    def lines_add(self, checkout_id: str, lines: list[Any]) -> dict[str, Any]:
        document = CHECKOUT_FIELDS + f"""
        mutation StandinLinesAdd($id: ID!, $lines: [CheckoutLineInput!]!) {{
          checkoutLinesAdd(id: $id, lines: $lines) {{ checkout {{ ...StandinCheckout }} {ERRORS} }}
        }}"""
        return self._mutate(document, "checkoutLinesAdd", {"id": checkout_id, "lines": _lines(lines)})["checkout"]

    def lines_update(self, checkout_id: str, lines: list[dict[str, Any]]) -> dict[str, Any]:
        """`lines`: [{"lineId" or "variantId", "quantity"}] (quantity 0 removes the line)."""
        document = CHECKOUT_FIELDS + f"""
        mutation StandinLinesUpdate($id: ID!, $lines: [CheckoutLineUpdateInput!]!) {{
          checkoutLinesUpdate(id: $id, lines: $lines) {{ checkout {{ ...StandinCheckout }} {ERRORS} }}
        }}"""
        return self._mutate(document, "checkoutLinesUpdate", {"id": checkout_id, "lines": lines})["checkout"]

    def lines_delete(self, checkout_id: str, line_ids: list[str]) -> dict[str, Any]:
        document = CHECKOUT_FIELDS + f"""
        mutation StandinLinesDelete($id: ID!, $ids: [ID!]!) {{
          checkoutLinesDelete(id: $id, linesIds: $ids) {{ checkout {{ ...StandinCheckout }} {ERRORS} }}
        }}"""
        return self._mutate(document, "checkoutLinesDelete", {"id": checkout_id, "ids": line_ids})["checkout"]

    def add_promo_code(self, checkout_id: str, code: str) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        """Returns (checkout, errors) — errors like [{"field": "promoCode", "code": "INVALID", ...}]."""
        document = CHECKOUT_FIELDS + f"""
        mutation StandinAddPromoCode($id: ID!, $code: String!) {{
          checkoutAddPromoCode(id: $id, promoCode: $code) {{ checkout {{ ...StandinCheckout }} {ERRORS} }}
        }}"""
        payload = self._mutate(document, "checkoutAddPromoCode", {"id": checkout_id, "code": code},
                               expect_ok=False)
        return payload["checkout"], payload["errors"]

    def remove_promo_code(self, checkout_id: str, code: str | None = None, *,
                          promo_code_id: str | None = None) -> dict[str, Any]:
        document = CHECKOUT_FIELDS + f"""
        mutation StandinRemovePromoCode($id: ID!, $code: String, $codeId: ID) {{
          checkoutRemovePromoCode(id: $id, promoCode: $code, promoCodeId: $codeId) {{
            checkout {{ ...StandinCheckout }} {ERRORS}
          }}
        }}"""
        return self._mutate(document, "checkoutRemovePromoCode",
                            {"id": checkout_id, "code": code, "codeId": promo_code_id})["checkout"]

    def set_delivery_method(self, checkout_id: str, delivery_method_id: str | None = None) -> dict[str, Any]:
        """Default: the channel's shipping method."""
        if delivery_method_id is None:
            with self.standin.lock:
                checkout = self.standin.state.checkouts[_token_of(checkout_id)]
                delivery_method_id = self.standin.catalog.shipping_method_id(checkout.channel.slug)
        document = CHECKOUT_FIELDS + f"""
        mutation StandinDelivery($id: ID!, $method: ID) {{
          checkoutDeliveryMethodUpdate(id: $id, deliveryMethodId: $method) {{
            checkout {{ ...StandinCheckout }} {ERRORS}
          }}
        }}"""
        return self._mutate(document, "checkoutDeliveryMethodUpdate",
                            {"id": checkout_id, "method": delivery_method_id})["checkout"]

    def set_email(self, checkout_id: str, email: str) -> dict[str, Any]:
        document = CHECKOUT_FIELDS + f"""
        mutation StandinEmail($id: ID!, $email: String!) {{
          checkoutEmailUpdate(id: $id, email: $email) {{ checkout {{ ...StandinCheckout }} {ERRORS} }}
        }}"""
        return self._mutate(document, "checkoutEmailUpdate", {"id": checkout_id, "email": email})["checkout"]

    def update_metadata(self, checkout_id: str, values: dict[str, str]) -> None:
        """Public metadata, as any anonymous shopper may write it."""
        document = """
        mutation StandinMeta($id: ID!, $input: [MetadataInput!]!) {
          updateMetadata(id: $id, input: $input) { errors { field code message } }
        }"""
        self._mutate(document, "updateMetadata",
                     {"id": checkout_id, "input": [{"key": k, "value": v} for k, v in values.items()]})

    def complete(self, checkout_id: str) -> dict[str, Any]:
        """Complete the checkout (unpaid orders allowed on the channel). Returns the order."""
        order, errors = self.try_complete(checkout_id)
        if errors:
            raise StandinError(f"checkoutComplete failed: {errors}")
        return order

    def try_complete(self, checkout_id: str) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        document = f"""
        mutation StandinComplete($id: ID!) {{
          checkoutComplete(id: $id) {{
            order {{ id number status checkoutId userEmail voucherCode total {{ gross {MONEY} }}
                     subtotal {{ gross {MONEY} }} }}
            {ERRORS}
          }}
        }}"""
        payload = self._mutate(document, "checkoutComplete", {"id": checkout_id}, expect_ok=False)
        return payload["order"], payload["errors"]


def _token_of(checkout_id: str) -> str:
    from .schema import from_global_id

    _type, token = from_global_id(checkout_id)
    return token or checkout_id


class Staff(_Driver):
    """A staff member in the Dashboard (events carry a `User` principal)."""

    def __init__(self, standin: SaleorStandin) -> None:
        super().__init__(standin)
        self._user: Any = None
        self._staff_token: str | None = None

    @property
    def user(self) -> Any:
        if self._user is None:
            self._user = self.standin.catalog.add_staff("staff@example.com")
        return self._user

    def _token(self) -> str | None:
        if self._staff_token is None:
            self._staff_token = self.standin.user_token(self.user)
        return self._staff_token

    def order(self, order_id: str) -> dict[str, Any] | None:
        document = ORDER_FIELDS + "query StandinOrder($id: ID!) { order(id: $id) { ...StandinOrder } }"
        return self.run(document, {"id": order_id})["order"]

    def mark_paid(self, order_id: str) -> dict[str, Any]:
        """ORDER_PAID + ORDER_FULLY_PAID (+ ORDER_UPDATED)."""
        document = ORDER_FIELDS + f"""
        mutation StandinMarkPaid($id: ID!) {{ orderMarkAsPaid(id: $id) {{ order {{ ...StandinOrder }} {ERRORS} }} }}"""
        return self._mutate(document, "orderMarkAsPaid", {"id": order_id})["order"]

    def cancel(self, order_id: str) -> dict[str, Any]:
        """ORDER_CANCELLED; voucher usage is NOT given back (as in Saleor)."""
        document = ORDER_FIELDS + f"""
        mutation StandinCancel($id: ID!) {{ orderCancel(id: $id) {{ order {{ ...StandinOrder }} {ERRORS} }} }}"""
        return self._mutate(document, "orderCancel", {"id": order_id})["order"]

    def refund(self, order_id: str, amount: Decimal | str | None = None) -> dict[str, Any]:
        """ORDER_REFUNDED, plus ORDER_FULLY_REFUNDED once everything charged is refunded. Default: all."""
        if amount is None:
            with self.standin.lock:
                order = self.standin.state.orders[_token_of(order_id)]
                amount = order.charged - order.refunded
        document = ORDER_FIELDS + f"""
        mutation StandinRefund($id: ID!, $amount: PositiveDecimal!) {{
          orderRefund(id: $id, amount: $amount) {{ order {{ ...StandinOrder }} {ERRORS} }}
        }}"""
        return self._mutate(document, "orderRefund", {"id": order_id, "amount": str(amount)})["order"]

    def create_customer(self, email: str, *, first_name: str = "", last_name: str = "",
                        metadata: dict[str, str] | None = None) -> dict[str, Any]:
        """CUSTOMER_CREATED. Returns {id, email}."""
        document = f"""
        mutation StandinCustomerCreate($input: UserCreateInput!) {{
          customerCreate(input: $input) {{ user {{ id email firstName lastName }} {ERRORS} }}
        }}"""
        data = {"email": email, "firstName": first_name, "lastName": last_name,
                "metadata": [{"key": k, "value": v} for k, v in (metadata or {}).items()]}
        return self._mutate(document, "customerCreate", {"input": data})["user"]

    def update_customer(self, user_id: str, **fields: Any) -> dict[str, Any]:
        """CUSTOMER_UPDATED. `fields` in CustomerInput's names (email, firstName, isActive, ...)."""
        document = f"""
        mutation StandinCustomerUpdate($id: ID!, $input: CustomerInput!) {{
          customerUpdate(id: $id, input: $input) {{ user {{ id email firstName lastName }} {ERRORS} }}
        }}"""
        return self._mutate(document, "customerUpdate", {"id": user_id, "input": fields})["user"]

    def create_voucher(self, *, codes: list[str], value: Decimal | str, type: str = "ENTIRE_ORDER",
                       value_type: str = "PERCENTAGE", channel: str = DEFAULT_CHANNEL,
                       min_spent: Decimal | str | None = None, name: str = "Staff voucher",
                       **fields: Any) -> str:
        """A voucher made in the Dashboard (not by the app). Returns its id."""
        document = f"""
        mutation StandinVoucherCreate($input: VoucherInput!) {{
          voucherCreate(input: $input) {{ voucher {{ id }} {ERRORS} }}
        }}"""
        data = {"name": name, "type": type, "discountValueType": value_type, "addCodes": codes, **fields}
        voucher_id = self._mutate(document, "voucherCreate", {"input": data})["voucher"]["id"]
        self.set_voucher_listing(voucher_id, value=value, channel=channel, min_spent=min_spent)
        return voucher_id

    def set_voucher_listing(self, voucher_id: str, *, value: Decimal | str, channel: str = DEFAULT_CHANNEL,
                            min_spent: Decimal | str | None = None) -> None:
        channel_id = self.standin.catalog.channel(channel).global_id
        document = f"""
        mutation StandinVoucherListing($id: ID!, $input: VoucherChannelListingInput!) {{
          voucherChannelListingUpdate(id: $id, input: $input) {{ voucher {{ id }} {ERRORS} }}
        }}"""
        listing: dict[str, Any] = {"channelId": channel_id, "discountValue": str(value)}
        if min_spent is not None:
            listing["minAmountSpent"] = str(min_spent)
        self._mutate(document, "voucherChannelListingUpdate", {"id": voucher_id, "input": {"addChannels": [listing]}})

    def create_order_promotion(self, *, name: str, percentage: Decimal | str | None = None,
                               fixed: Decimal | str | None = None, min_subtotal: Decimal | str = "0",
                               channel: str = DEFAULT_CHANNEL) -> str:
        """An ORDER promotion: SUBTOTAL_DISCOUNT when the subtotal is at least `min_subtotal`."""
        value_type, value = ("PERCENTAGE", percentage) if percentage is not None else ("FIXED", fixed)
        rule = {
            "name": name, "channels": [self.standin.catalog.channel(channel).global_id],
            "rewardType": "SUBTOTAL_DISCOUNT", "rewardValueType": value_type, "rewardValue": str(value),
            "orderPredicate": {
                "discountedObjectPredicate": {"baseSubtotalPrice": {"range": {"gte": str(min_subtotal)}}}
            },
        }
        return self._create_promotion(name, "ORDER", rule)

    def create_catalogue_promotion(self, *, name: str, percentage: Decimal | str | None = None,
                                   fixed: Decimal | str | None = None, variant_ids: list[str] = (),
                                   product_ids: list[str] = (), channel: str = DEFAULT_CHANNEL) -> str:
        """A CATALOGUE promotion on variants / products (stacks with vouchers)."""
        value_type, value = ("PERCENTAGE", percentage) if percentage is not None else ("FIXED", fixed)
        predicate: dict[str, Any] = {}
        if variant_ids:
            predicate["variantPredicate"] = {"ids": list(variant_ids)}
        if product_ids:
            predicate["productPredicate"] = {"ids": list(product_ids)}
        rule = {"name": name, "channels": [self.standin.catalog.channel(channel).global_id],
                "rewardValueType": value_type, "rewardValue": str(value), "cataloguePredicate": predicate}
        return self._create_promotion(name, "CATALOGUE", rule)

    def _create_promotion(self, name: str, type_: str, rule: dict[str, Any]) -> str:
        document = """
        mutation StandinPromotion($input: PromotionCreateInput!) {
          promotionCreate(input: $input) { promotion { id } errors { field code message } }
        }"""
        payload = self._mutate(document, "promotionCreate",
                               {"input": {"name": name, "type": type_, "rules": [rule]}})
        return payload["promotion"]["id"]

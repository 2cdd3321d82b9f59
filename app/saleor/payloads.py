"""Typed webhook payloads: one pydantic model per subscription document in `webhooks/*.graphql`.

The models read Saleor's camelCase JSON (aliases) and expose snake_case attributes. Money is
`Money(amount: Decimal, currency: str)`; Saleor's `TaxedMoney` fields are subscribed as `{ gross {...} }`
and arrive here as the gross `Money`. Lists of `{key, value}` metadata items become plain dicts.

A body that is valid JSON but impossible (unknown currency, negative amount, a line in another currency
than its channel) fails validation: the intake answers 400 and nothing is written.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel

# ISO 4217 active codes (plus the fund codes Saleor accepts through babel).
ISO_4217 = frozenset(
    """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYN
    BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD
    FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HRK HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS
    KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN
    MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR
    SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD
    USN UYI UYU UYW UZS VED VES VND VUV WST XAF XAG XAU XBA XBB XBC XBD XCD XCG XDR XOF XPD XPF XPT XSU
    XTS XUA YER ZAR ZMW ZWG ZWL
    """.split()
)


class Payload(BaseModel):
    """Base: camelCase aliases, snake_case names, immutable, unknown fields ignored.

    Every field the subscription asks for is required (nullable ones as `X | None`): Saleor always sends
    each selected field, so a missing one means the body is not what the subscription produces.
    """

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True, extra="ignore")


def _currency(value: Any) -> Any:
    if isinstance(value, str) and value not in ISO_4217:
        raise ValueError(f"unknown currency code {value!r} (ISO 4217 expected)")
    return value


CurrencyCode = Annotated[str, BeforeValidator(_currency), Field(min_length=3, max_length=3)]


class Money(Payload):
    amount: Annotated[Decimal, Field(ge=0, allow_inf_nan=False, max_digits=30)]
    currency: CurrencyCode


def _gross(value: Any) -> Any:
    """`TaxedMoney { gross { amount currency } }` → the gross Money."""
    if isinstance(value, dict) and "gross" in value:
        return value["gross"]
    if isinstance(value, dict):
        raise ValueError("expected a TaxedMoney object with a 'gross' field")
    return value


GrossMoney = Annotated[Money, BeforeValidator(_gross)]


def _metadata(value: Any) -> Any:
    """`[{key, value}, ...]` → `{key: value}`."""
    if isinstance(value, list):
        result: dict[str, Any] = {}
        for item in value:
            if not isinstance(item, dict) or "key" not in item or "value" not in item:
                raise ValueError("metadata items must be objects with 'key' and 'value'")
            result[item["key"]] = item["value"]
        return result
    return value


Metadata = Annotated[dict[str, str], BeforeValidator(_metadata)]


class App(Payload):
    typename: Literal["App"] = Field(alias="__typename")
    id: str


class User(Payload):
    typename: Literal["User"] = Field(alias="__typename")
    id: str | None


IssuingPrincipal = Annotated[App | User, Field(discriminator="typename")]


class Event(Payload):
    """Fields every subscription asks for: who caused the event and when."""

    issued_at: datetime | None
    version: str | None
    issuing_principal: IssuingPrincipal | None

    def issued_by_app(self, app_id: str) -> bool:
        principal = self.issuing_principal
        return isinstance(principal, App) and principal.id == app_id


# --- checkout ------------------------------------------------------------------------------------
class Channel(Payload):
    slug: str = Field(min_length=1)
    currency_code: CurrencyCode


class UserRef(Payload):
    id: str
    email: str | None


class ObjectRef(Payload):
    id: str


class Product(Payload):
    id: str
    name: str
    product_type: ObjectRef
    category: ObjectRef | None
    collections: list[ObjectRef]


class Variant(Payload):
    id: str
    sku: str | None
    name: str
    product: Product


class CheckoutLine(Payload):
    id: str
    quantity: Annotated[int, Field(ge=1)]
    undiscounted_unit_price: Money
    metadata: Metadata
    variant: Variant


def _present(value: Any) -> bool:
    return value is not None


class Checkout(Payload):
    id: str
    token: str
    email: str | None
    channel: Channel
    user: UserRef | None
    voucher_code: str | None
    discount: Money | None
    subtotal_price: GrossMoney
    total_price: GrossMoney
    shipping_price: GrossMoney
    # Subscribed as `deliveryMethod { __typename }`: only whether one is set matters.
    delivery_method: Annotated[bool, BeforeValidator(_present)]
    lines: list[CheckoutLine]
    private_metadata: Metadata
    metadata: Metadata

    @model_validator(mode="after")
    def _one_currency(self) -> Checkout:
        _check_currency(self.channel.currency_code, self._money())
        return self

    def _money(self) -> list[tuple[str, Money | None]]:
        found: list[tuple[str, Money | None]] = [
            ("discount", self.discount),
            ("subtotalPrice", self.subtotal_price),
            ("totalPrice", self.total_price),
            ("shippingPrice", self.shipping_price),
        ]
        found += [(f"lines.{i}.undiscountedUnitPrice", line.undiscounted_unit_price)
                  for i, line in enumerate(self.lines)]
        return found


def _check_currency(expected: str, amounts: list[tuple[str, Money | None]]) -> None:
    for where, money in amounts:
        if money is not None and money.currency != expected:
            raise ValueError(f"{where} is in {money.currency}, the channel's currency is {expected}")


class CheckoutEvent(Event):
    checkout: Checkout | None


# --- order ---------------------------------------------------------------------------------------
class OrderChannel(Payload):
    slug: str = Field(min_length=1)
    currency_code: CurrencyCode


class OrderDiscount(Payload):
    id: str
    type: str
    value_type: str
    value: Decimal
    name: str | None
    amount: Money


class OrderLine(Payload):
    id: str
    quantity: Annotated[int, Field(ge=0)]
    variant_id: str | None
    product_id: str | None
    unit_price: GrossMoney
    undiscounted_unit_price: GrossMoney

    @model_validator(mode="before")
    @classmethod
    def _flatten_variant(cls, data: Any) -> Any:
        """`variant { id product { id } }` (null once the variant is deleted) → variant_id, product_id."""
        if isinstance(data, dict) and "variant" in data:
            data = dict(data)
            variant = data.pop("variant")
            if variant is None:
                data.setdefault("variantId", None)
                data.setdefault("productId", None)
            else:
                if not isinstance(variant, dict):
                    raise ValueError("variant must be an object or null")
                if "id" in variant:
                    data.setdefault("variantId", variant["id"])
                product = variant.get("product")
                if product is None:
                    data.setdefault("productId", None)
                elif isinstance(product, dict) and "id" in product:
                    data.setdefault("productId", product["id"])
        return data


class Order(Payload):
    id: str
    number: str
    status: str
    checkout_id: str | None
    channel: OrderChannel
    user_email: str | None
    user: UserRef | None
    voucher_code: str | None
    discounts: list[OrderDiscount]
    total: GrossMoney
    subtotal: GrossMoney
    shipping_price: GrossMoney
    lines: list[OrderLine]
    private_metadata: Metadata

    @model_validator(mode="after")
    def _one_currency(self) -> Order:
        amounts: list[tuple[str, Money | None]] = [
            ("total", self.total), ("subtotal", self.subtotal), ("shippingPrice", self.shipping_price),
        ]
        amounts += [(f"discounts.{i}.amount", d.amount) for i, d in enumerate(self.discounts)]
        for i, line in enumerate(self.lines):
            amounts += [(f"lines.{i}.unitPrice", line.unit_price),
                        (f"lines.{i}.undiscountedUnitPrice", line.undiscounted_unit_price)]
        _check_currency(self.channel.currency_code, amounts)
        return self


class OrderEvent(Event):
    order: Order | None


# --- customer ------------------------------------------------------------------------------------
class Customer(Payload):
    id: str
    email: str
    first_name: str
    last_name: str
    is_active: bool
    date_joined: datetime | None
    private_metadata: Metadata
    metadata: Metadata


class CustomerEvent(Event):
    user: Customer | None


# --- app -----------------------------------------------------------------------------------------
class AppRef(Payload):
    id: str


class AppDeletedEvent(Event):
    app: AppRef | None

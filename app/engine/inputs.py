"""What the caller hands to the engine about one evaluation: the cart, the customer, the codes' states.

Plain frozen dataclasses (built per request, so they are cheap to create): the caller translates
Saleor's checkout payload and its own database rows into them. The engine queries nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType

__all__ = ["Cart", "CodeState", "Customer", "Line", "Usage", "canonical_code"]

_EMPTY: Mapping[str, str] = MappingProxyType({})


def canonical_code(code: str) -> str:
    """Codes are case-insensitive: the canonical form is stripped and upper-cased."""
    return code.strip().upper()


@dataclass(frozen=True, slots=True)
class Line:
    """One checkout line. ``unit_price`` is the undiscounted unit price at the currency's precision.

    ``attributes`` / ``metadata`` are the line's own flags (e.g. ``{"source": "upload"}`` for a photo
    uploaded outside the gallery: a customised item that rules can exclude).
    """

    id: str
    variant_id: str
    product_id: str
    quantity: int
    unit_price: Decimal
    category_id: str | None = None
    collection_ids: frozenset[str] = frozenset()
    product_type_id: str | None = None
    attributes: Mapping[str, str] = field(default_factory=lambda: _EMPTY, hash=False)
    metadata: Mapping[str, str] = field(default_factory=lambda: _EMPTY, hash=False)

    def __post_init__(self) -> None:
        if self.quantity < 0:
            raise ValueError(f"line {self.id}: negative quantity")
        if self.unit_price < 0:
            raise ValueError(f"line {self.id}: negative unit price")

    @property
    def total(self) -> Decimal:
        return self.unit_price * self.quantity


@dataclass(frozen=True, slots=True)
class Cart:
    """A checkout: ``shipping_price`` is ``None`` while no delivery method is chosen."""

    currency: str
    channel: str
    lines: tuple[Line, ...]
    shipping_price: Decimal | None = None

    def __post_init__(self) -> None:
        if self.shipping_price is not None and self.shipping_price < 0:
            raise ValueError("negative shipping price")
        if len({line.id for line in self.lines}) != len(self.lines):
            raise ValueError("two lines share an id")

    @property
    def has_delivery_method(self) -> bool:
        return self.shipping_price is not None

    @property
    def subtotal(self) -> Decimal:
        return sum((line.unit_price * line.quantity for line in self.lines), Decimal(0))


@dataclass(frozen=True, slots=True)
class Customer:
    """Who is buying. ``groups`` are the customer lists / groups the caller knows they belong to;
    ``orders_count`` counts their previous (non-cancelled) orders, for "first order only"."""

    id: str | None = None
    email: str | None = None
    logged_in: bool = False
    groups: frozenset[str] = frozenset()
    orders_count: int = 0

    @classmethod
    def anonymous(cls, email: str | None = None) -> Customer:
        """A guest (optionally with the e-mail typed at checkout)."""
        return cls(id=None, email=email, logged_in=False)

    def matches(self, who: str) -> bool:
        """True when ``who`` (a customer id or an e-mail, case-insensitive) designates this customer."""
        if self.id is not None and who == self.id:
            return True
        return self.email is not None and who.strip().lower() == self.email.strip().lower()


@dataclass(frozen=True, slots=True)
class CodeState:
    """What the caller knows about one existing code (looked up in its database by canonical code).

    ``assigned_customer`` (id or e-mail) restricts a unique code to one customer. ``uses_left`` /
    ``customer_uses_left`` are the remaining global / this-customer uses (``None`` = unlimited).
    """

    code: str
    rule_id: str
    active: bool = True
    assigned_customer: str | None = None
    uses_left: int | None = None
    customer_uses_left: int | None = None


@dataclass(frozen=True, slots=True)
class Usage:
    """Remaining uses of a rule as a whole (all its codes): global and for this customer (``None`` = no cap)."""

    uses_left: int | None = None
    customer_uses_left: int | None = None


def usage_of(value: Usage | tuple[int | None, int | None] | None) -> Usage | None:
    """Accept a ``Usage`` or a ``(uses_left, customer_uses_left)`` pair."""
    if value is None or isinstance(value, Usage):
        return value
    uses_left, customer_uses_left = value
    return Usage(uses_left, customer_uses_left)

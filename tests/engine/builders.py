"""Small builders for engine tests: plain data, no database."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from app.engine import (
    Cart,
    CodeState,
    Conditions,
    Customer,
    Evaluation,
    Line,
    PercentageBenefit,
    Rule,
    evaluate,
)

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
ANN = Customer(id="user-ann", email="ann@example.com", logged_in=True, groups=frozenset({"vip"}), orders_count=3)
GUEST = Customer.anonymous()


def D(value: str | int) -> Decimal:  # noqa: N802 - reads like a literal
    return Decimal(str(value))


def line(
    id: str = "l1",
    *,
    product: str = "p1",
    variant: str | None = None,
    qty: int = 1,
    price: str | int = "10.00",
    category: str | None = None,
    collections: Sequence[str] = (),
    product_type: str | None = None,
    attributes: Mapping[str, str] | None = None,
    metadata: Mapping[str, str] | None = None,
) -> Line:
    return Line(
        id=id,
        variant_id=variant or f"v-{product}",
        product_id=product,
        quantity=qty,
        unit_price=D(price),
        category_id=category,
        collection_ids=frozenset(collections),
        product_type_id=product_type,
        attributes=attributes or {},
        metadata=metadata or {},
    )


def cart(*lines: Line, currency: str = "EUR", channel: str = "default", shipping: str | None = None) -> Cart:
    return Cart(
        currency=currency,
        channel=channel,
        lines=tuple(lines) or (line(),),
        shipping_price=D(shipping) if shipping is not None else None,
    )


def rule(
    id: str = "r1",
    benefit: Any = None,
    *,
    name: str = "",
    requires_code: bool = True,
    stacking: str = "exclusive",
    cascade: bool = False,
    priority: int = 0,
    enabled: bool = True,
    **conditions: Any,
) -> Rule:
    conditions.setdefault("currency", "EUR")
    return Rule(
        id=id,
        name=name,
        enabled=enabled,
        requires_code=requires_code,
        conditions=Conditions(**conditions),
        benefit=benefit if benefit is not None else PercentageBenefit(percent=D(10)),
        stacking=stacking,
        cascade=cascade,
        priority=priority,
    )


def run(
    the_cart: Cart,
    rules: Sequence[Rule],
    codes: Mapping[str, str] | None = None,
    *,
    customer: Customer = ANN,
    states: Mapping[str, CodeState] | None = None,
    entered: Sequence[str] | None = None,
    now: datetime = NOW,
    **kwargs: Any,
) -> Evaluation:
    """Evaluate with ``codes`` = {entered code: rule id} (each entered, in that order)."""
    code_states = dict(states or {})
    for code, rule_id in (codes or {}).items():
        code_states.setdefault(code.upper(), CodeState(code=code.upper(), rule_id=rule_id))
    return evaluate(
        cart=the_cart,
        customer=customer,
        rules=rules,
        entered_codes=list(entered if entered is not None else (codes or {})),
        codes=code_states,
        now=now,
        **kwargs,
    )

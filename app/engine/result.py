"""The engine's answer: adjustments per line and for shipping, what applied, what did not and why."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from app.engine.money import Money, zero
from app.engine.reasons import Verdict

__all__ = ["AppliedRule", "Evaluation", "GiftLine", "LineAdjustment", "ShippingAdjustment"]


class LineAdjustment(NamedTuple):
    """``amount`` taken off line ``line_id`` (its whole quantity) by ``rule_id`` (entered as ``code``).
    A named tuple: an evaluation creates many of them."""

    line_id: str
    rule_id: str
    code: str | None
    amount: Decimal


@dataclass(frozen=True, slots=True)
class ShippingAdjustment:
    rule_id: str
    code: str | None
    amount: Decimal


@dataclass(frozen=True, slots=True)
class GiftLine:
    """A product granted for free: the caller decides how to honour it in Saleor."""

    rule_id: str
    code: str | None
    variant_id: str
    quantity: int


@dataclass(frozen=True, slots=True)
class AppliedRule:
    """A rule that applied, with the money it is worth in this cart (lines + shipping)."""

    rule_id: str
    code: str | None
    name: str
    kind: str
    stacking: str
    amount: Money
    lines_amount: Decimal
    shipping_amount: Decimal


@dataclass(frozen=True, slots=True)
class Evaluation:
    currency: str
    subtotal: Money
    shipping: Money
    line_adjustments: tuple[LineAdjustment, ...]
    shipping_adjustments: tuple[ShippingAdjustment, ...]
    applied: tuple[AppliedRule, ...]
    rejected: tuple[Verdict, ...]
    gift_lines: tuple[GiftLine, ...]

    @property
    def lines_discount(self) -> Money:
        return Money(sum((a.amount for a in self.line_adjustments), zero(self.currency)), self.currency)

    @property
    def shipping_discount(self) -> Money:
        return Money(sum((a.amount for a in self.shipping_adjustments), zero(self.currency)), self.currency)

    @property
    def total_discount(self) -> Money:
        return Money(self.lines_discount.amount + self.shipping_discount.amount, self.currency)

    @property
    def total(self) -> Money:
        """Subtotal + shipping - discounts (never below zero)."""
        return Money(self.subtotal.amount + self.shipping.amount - self.total_discount.amount, self.currency)

    @property
    def applied_codes(self) -> tuple[str, ...]:
        return tuple(a.code for a in self.applied if a.code is not None)

    def discount_for(self, rule_id: str) -> Money:
        """Money the rule ``rule_id`` takes off this cart (zero when it did not apply)."""
        for applied in self.applied:
            if applied.rule_id == rule_id:
                return applied.amount
        return Money.zero(self.currency)

    def line_discount(self, line_id: str) -> Money:
        """Total taken off line ``line_id`` by every applied rule."""
        amount = sum((a.amount for a in self.line_adjustments if a.line_id == line_id), zero(self.currency))
        return Money(amount, self.currency)

    def line_discounts(self) -> dict[str, Decimal]:
        """``{line_id: amount}`` for every discounted line."""
        out: dict[str, Decimal] = {}
        for a in self.line_adjustments:
            out[a.line_id] = out.get(a.line_id, zero(self.currency)) + a.amount
        return out

    def verdicts_for(self, subject: str) -> tuple[Verdict, ...]:
        """Rejections of an entered code (case-insensitive) or of a rule id."""
        upper = subject.strip().upper()
        return tuple(v for v in self.rejected if v.code == upper or v.rule_id == subject)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (amounts as strings)."""
        return {
            "currency": self.currency,
            "subtotal": self.subtotal.to_json()["amount"],
            "shipping": self.shipping.to_json()["amount"],
            "total_discount": self.total_discount.to_json()["amount"],
            "total": self.total.to_json()["amount"],
            "line_adjustments": [
                {"line_id": a.line_id, "rule_id": a.rule_id, "code": a.code, "amount": str(a.amount)}
                for a in self.line_adjustments
            ],
            "shipping_adjustments": [
                {"rule_id": a.rule_id, "code": a.code, "amount": str(a.amount)}
                for a in self.shipping_adjustments
            ],
            "applied": [
                {
                    "rule_id": a.rule_id,
                    "code": a.code,
                    "name": a.name,
                    "kind": a.kind,
                    "stacking": a.stacking,
                    "amount": a.amount.to_json()["amount"],
                }
                for a in self.applied
            ],
            "rejected": [v.to_json() for v in self.rejected],
            "gift_lines": [
                {"rule_id": g.rule_id, "code": g.code, "variant_id": g.variant_id, "quantity": g.quantity}
                for g in self.gift_lines
            ],
        }

"""Why a code or a rule did not apply: a string enum, plus details, rendered as one plain sentence.

``Verdict(reason, code=..., rule_id=..., details={...}).render(audience="shopper"|"merchant",
language="en"|"fr")``. Details hold JSON-ready values (amounts as strings, with ``currency``).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Literal, NamedTuple

__all__ = ["Audience", "Language", "Reason", "Verdict"]

Audience = Literal["shopper", "merchant"]
Language = Literal["en", "fr"]


class Reason(StrEnum):
    UNKNOWN_CODE = "unknown_code"  # details: code, suggestion (or absent)
    DISABLED = "disabled"  # details: what ("code" | "rule")
    NOT_STARTED = "not_started"  # details: starts_at (ISO 8601)
    EXPIRED = "expired"  # details: ends_at (ISO 8601)
    WRONG_CHANNEL = "wrong_channel"  # details: channel, allowed [..]
    CURRENCY_MISMATCH = "currency_mismatch"  # details: currency, expected
    LOGIN_REQUIRED = "login_required"
    NOT_THIS_CUSTOMER = "not_this_customer"  # details: assigned ("code" | "rule")
    NOT_IN_CUSTOMER_LISTS = "not_in_customer_lists"  # details: groups [..]
    USAGE_CAP_REACHED = "usage_cap_reached"  # details: scope ("code" | "rule")
    CUSTOMER_CAP_REACHED = "customer_cap_reached"  # details: scope ("code" | "rule")
    MIN_SUBTOTAL_NOT_MET = "min_subtotal_not_met"  # details: min, subtotal, missing, currency, scope
    MIN_QUANTITY_NOT_MET = "min_quantity_not_met"  # details: min, quantity, missing
    NO_ELIGIBLE_PRODUCT = "no_eligible_product"  # details: excluded_lines [..] (lines an exclusion removed)
    REQUIRED_PRODUCT_MISSING = "required_product_missing"  # details: missing [..], mode
    FIRST_ORDER_ONLY = "first_order_only"  # details: orders_count
    BEATEN_BY_BETTER_OFFER = "beaten_by_better_offer"  # details: winner_rule_id, winner_name, winner_code,
    #                                                     winner_amount, amount, currency
    ALREADY_APPLIED = "already_applied"  # details: other_code (another code of the same rule applies)
    NOTHING_TO_DISCOUNT = "nothing_to_discount"  # details: why ("no_shipping" | "fully_discounted" |
    #                                                 "units_used")


_NO_DETAILS: Mapping[str, Any] = MappingProxyType({})


class Verdict(NamedTuple):
    """One rejection: the ``reason`` for ``code`` (entered codes, canonical) or ``rule_id``.

    Immutable (a named tuple: evaluations create many); hashed on reason, code and rule id."""

    reason: Reason
    code: str | None = None
    rule_id: str | None = None
    rule_name: str | None = None
    details: Mapping[str, Any] = _NO_DETAILS

    def __hash__(self) -> int:
        return hash((self.reason, self.code, self.rule_id))

    @property
    def subject(self) -> str:
        """The entered code, or the rule id for automatic rules."""
        return self.code or self.rule_id or ""

    def render(self, audience: Audience = "shopper", language: Language = "en") -> str:
        """One plain sentence for a shopper or a merchant, in English or French."""
        from app.engine.messages import render

        return render(self, audience=audience, language=language)

    def to_json(self) -> dict[str, Any]:
        return {
            "reason": str(self.reason),
            "code": self.code,
            "rule_id": self.rule_id,
            "rule_name": self.rule_name,
            "details": dict(self.details),
        }

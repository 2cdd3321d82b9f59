"""The pure coupon rule engine: (cart, customer, rules, entered codes, now) -> ``Evaluation``.

Imports nothing from Django, HTTP or the rest of the app (stdlib + pydantic only; a test enforces it).
It never writes and never queries: the caller passes in everything it knows (code states, uses left).

Public API (``from app.engine import ...``)
-------------------------------------------
Money
    ``Money(amount: Decimal, currency: str)``; ``currency_precision("JPY") == 0``;
    ``quantize(amount, currency, rounding=ROUND_HALF_UP)``; ``spread(amount, weights, currency)``
    (proportional split, shares rounded half up, remainder on the last line).
Inputs (frozen dataclasses)
    ``Line(id, variant_id, product_id, quantity, unit_price, category_id=None, collection_ids=frozenset(),
    product_type_id=None, attributes={}, metadata={})``
    ``Cart(currency, channel, lines: tuple[Line, ...], shipping_price: Decimal | None = None)``
    ``Customer(id=None, email=None, logged_in=False, groups=frozenset(), orders_count=0)``,
    ``Customer.anonymous(email=None)``
    ``CodeState(code, rule_id, active=True, assigned_customer=None, uses_left=None, customer_uses_left=None)``
    ``Usage(uses_left=None, customer_uses_left=None)`` -- caps of a rule as a whole
    ``canonical_code(" summer10 ") == "SUMMER10"`` (codes are case-insensitive)
Rules (frozen pydantic v2; ``Rule.model_validate(rule.model_dump(mode="json")) == rule``)
    ``Rule(id, name="", enabled=True, requires_code=True, conditions=Conditions(...), benefit=...,
    stacking="exclusive" | "cumulative", cascade=False, priority=0)``
    ``Conditions`` (dates, channels, currency, min subtotal / quantity, product scope and exclusions,
    required products, first order, login, customers, customer groups), benefits
    ``PercentageBenefit``, ``FixedAmountBenefit``, ``FixedPerUnitBenefit``, ``ShippingBenefit``,
    ``BuyXGetYBenefit``, ``GiftBenefit``, ``TieredBenefit(tiers=(Tier(...), ...))``.
Evaluation
    ``compile_rules(rules) -> RuleIndex`` -- build once per rule set and cache it (indexes rules by id,
    channel, currency, product / variant / category / collection / product type).
    ``evaluate(*, cart, customer, rules: Iterable[Rule] | RuleIndex, entered_codes=(), codes={},
    now, rule_usage=None, suggestion_candidates=(), report_all=False) -> Evaluation``

    * ``codes``: ``{canonical code: CodeState}`` for the entered codes the caller found in its database
      (an entered code missing from it is ``unknown_code``). ``suggestion_candidates``: code strings to
      suggest from for unknown codes (e.g. the shopper's own codes and the shared codes; not all codes).
    * ``rule_usage``: ``{rule_id: Usage | (uses_left, customer_uses_left)}``.
    * automatic rules (``requires_code=False``) are considered for every cart; ``rejected`` lists every
      entered code that did not apply and every automatic rule that could concern the cart (same
      channel / currency / a product of the cart) but did not apply. ``report_all=True`` also lists the
      automatic rules the index ruled out.

    ``Evaluation``: ``line_adjustments`` (``LineAdjustment(line_id, rule_id, code, amount)``),
    ``shipping_adjustments``, ``applied`` (``AppliedRule(rule_id, code, name, kind, stacking, amount:
    Money, lines_amount, shipping_amount)``), ``rejected`` (``Verdict``), ``gift_lines``
    (``GiftLine(rule_id, code, variant_id, quantity)``), ``subtotal``, ``shipping``, ``total_discount``,
    ``total``, ``discount_for(rule_id)``, ``line_discount(line_id)``, ``line_discounts()``,
    ``verdicts_for(code_or_rule_id)``, ``applied_codes``, ``to_json()``.
Diagnostics
    ``explain(*, cart, customer, rule, now, code_state=None, usage=None) -> list[Verdict]``: EVERY
    condition the rule (entered through ``code_state``, if given) fails for this cart and customer, in
    a fixed order; ``[]`` means it applies (stacking aside).
    ``suggest_code(code, candidates) -> str | None``: the closest candidate, if close enough.
Reasons
    ``Reason`` (StrEnum) and ``Verdict(reason, code, rule_id, rule_name, details)`` with
    ``.render(audience="shopper" | "merchant", language="en" | "fr")`` and ``.to_json()``.

Stacking: exclusive rules compete, each valued alone on the original prices; the one worth most money
wins (ties: higher priority, then smaller rule id); the others are rejected ``beaten_by_better_offer``
naming it. Cumulative rules add on top, each on the original prices, or -- with ``cascade`` -- on the
prices left by the discounts before it (cascading rules come last, by priority then id). A unit used as
X or Y by one buy-X-get-Y rule is not used by another. Nothing goes below zero: per line, for shipping,
and so for the total (the rules applied last give way first; a fixed amount moves what a line at zero
cannot take to the rule's other lines). The result does not depend on the order in which rules are
passed. Details: docs/engine.md.
"""

from app.engine.evaluator import RuleIndex, compile_rules, evaluate, explain
from app.engine.inputs import Cart, CodeState, Customer, Line, Usage, canonical_code
from app.engine.money import Money, currency_precision, quantize, spread
from app.engine.reasons import Reason, Verdict
from app.engine.result import AppliedRule, Evaluation, GiftLine, LineAdjustment, ShippingAdjustment
from app.engine.rules import (
    Benefit,
    BuyXGetYBenefit,
    Conditions,
    FixedAmountBenefit,
    FixedPerUnitBenefit,
    GiftBenefit,
    PercentageBenefit,
    Rule,
    ShippingBenefit,
    Tier,
    TieredBenefit,
)
from app.engine.suggest import suggest_code

__all__ = [
    "AppliedRule",
    "Benefit",
    "BuyXGetYBenefit",
    "Cart",
    "CodeState",
    "Conditions",
    "Customer",
    "Evaluation",
    "FixedAmountBenefit",
    "FixedPerUnitBenefit",
    "GiftBenefit",
    "GiftLine",
    "Line",
    "LineAdjustment",
    "Money",
    "PercentageBenefit",
    "Reason",
    "Rule",
    "RuleIndex",
    "ShippingAdjustment",
    "ShippingBenefit",
    "Tier",
    "TieredBenefit",
    "Usage",
    "Verdict",
    "canonical_code",
    "compile_rules",
    "currency_precision",
    "evaluate",
    "explain",
    "quantize",
    "spread",
    "suggest_code",
]

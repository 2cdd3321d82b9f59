"""Evaluation: checks every candidate rule, values it, resolves stacking, spreads and clamps amounts.

Hot path notes (the benchmark is 100 lines x 1,000 rules): rules are compiled once into slotted
``_Compiled`` objects held by a ``RuleIndex`` (by id; automatic rules by channel, then by product,
variant, category, collection and product type), so an evaluation only looks at the rules that can
concern the cart. Order-level amounts are computed on sums and spread over lines only for the rules
that end up applied.

Every shortcut below gives the very same ``Decimal`` results, exponents included (``"3.0"`` and
``"3.00"`` stay apart), as the plain arithmetic it replaces:

* rules with the same product scope and exclusions share one ``_Scope`` per evaluation, with its
  cached sums, dearest-first order and per-unit shares;
* order-level amounts are spread on whole numbers of minor units (``money.spread_minor``) when the
  line totals are at the currency's precision;
* buy-X-get-Y counts the discounted units of a stretch of units in closed form (``_get_units``) and
  ranks units from the cart's dearest-first list, sorted once;
* benefits are told apart by their ``kind`` string (``isinstance`` on pydantic model classes is slow);
* named tuples (line adjustments, verdicts) are built with ``tuple.__new__``;
* the view drops its scopes (which point back to it) when the evaluation is over, so that its objects
  are freed at once rather than left to the cyclic garbage collector.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, getcontext
from operator import itemgetter
from typing import Any

from app.engine.inputs import Cart, CodeState, Customer, Usage, canonical_code, usage_of
from app.engine.money import Money, currency_precision, spread, spread_minor, to_minor_units
from app.engine.reasons import Reason, Verdict
from app.engine.result import AppliedRule, Evaluation, GiftLine, LineAdjustment, ShippingAdjustment
from app.engine.rules import (
    BuyXGetYBenefit,
    GiftBenefit,
    PercentageBenefit,
    Rule,
    ShippingBenefit,
    TieredBenefit,
)
from app.engine.suggest import suggest_code

__all__ = ["RuleIndex", "compile_rules", "evaluate", "explain"]

_HUNDRED = Decimal(100)
_ZERO = Decimal(0)
_DIMENSIONS = ("product", "variant", "category", "collection", "product_type")
_EXPONENTS = {p: Decimal(1).scaleb(-p) for p in range(0, 5)}
#: ``_new_tuple(LineAdjustment, (line_id, rule_id, code, amount))`` builds the same named tuple as
#: ``LineAdjustment(line_id, rule_id, code, amount)`` without going through its Python-level
#: ``__new__`` (an evaluation builds hundreds of them); likewise for ``Verdict`` (all five fields).
_new_tuple = tuple.__new__
#: A marker for "not looked at yet" where ``None`` is a meaningful value.
_UNSEEN = object()
#: Bounds under which line totals are exact products (see ``_View.minor_units``): 20 + 7 digits <= 28.
_SMALL_PRICE = 10**20  # minor units
_SMALL_QUANTITY = 10**7
#: Up to this many eligible lines a scope sorts its own lines rather than filter the cart's sorted list.
_SMALL_SCOPE = 16


class _Compiled:
    """A rule flattened into plain attributes for the hot path."""

    __slots__ = (
        "rule", "id", "name", "ordinal", "priority", "exclusive", "cascade", "enabled", "requires_code",
        "starts_at", "ends_at", "channels", "currency", "min_subtotal", "subtotal_scope", "min_quantity",
        "includes", "excludes", "attribute_excludes", "metadata_excludes", "has_exclusions",
        "required_products", "required_variants", "required_mode", "first_order_only", "login_required",
        "customers", "groups", "benefit", "kind", "fraction", "apply_to_order", "customer_checks",
        "tier_fractions", "buy", "get", "limit", "get_set", "scope_key",
    )

    def __init__(self, rule: Rule, ordinal: int) -> None:
        cond = rule.conditions
        benefit = rule.benefit
        self.rule = rule
        self.id = rule.id
        self.name = rule.label
        self.ordinal = ordinal
        self.priority = rule.priority
        self.exclusive = rule.stacking == "exclusive"
        self.cascade = rule.cascade and not self.exclusive
        self.enabled = rule.enabled
        self.requires_code = rule.requires_code
        self.starts_at = cond.starts_at
        self.ends_at = cond.ends_at
        self.channels = cond.channels
        self.currency = cond.currency
        self.min_subtotal = cond.min_subtotal
        self.subtotal_scope = cond.subtotal_scope
        self.min_quantity = cond.min_quantity
        self.includes = tuple(
            (dim, keys)
            for dim, keys in zip(
                _DIMENSIONS,
                (cond.product_ids, cond.variant_ids, cond.category_ids, cond.collection_ids,
                 cond.product_type_ids),
                strict=True,
            )
            if keys
        )
        self.excludes = tuple(
            (dim, keys)
            for dim, keys in zip(
                _DIMENSIONS,
                (cond.excluded_product_ids, cond.excluded_variant_ids, cond.excluded_category_ids,
                 cond.excluded_collection_ids, cond.excluded_product_type_ids),
                strict=True,
            )
            if keys
        )
        self.attribute_excludes = tuple((k, frozenset(v)) for k, v in sorted(cond.excluded_line_attributes.items()))
        self.metadata_excludes = tuple((k, frozenset(v)) for k, v in sorted(cond.excluded_line_metadata.items()))
        self.has_exclusions = bool(self.excludes or self.attribute_excludes or self.metadata_excludes)
        #: What the rule's scope in a cart depends on (rules with the same key share one ``_Scope``);
        #: ``RuleIndex`` replaces it by a small number, the same for equal keys (quicker to hash).
        self.scope_key: Any = (
            self.includes, self.excludes, self.attribute_excludes, self.metadata_excludes,
            getattr(benefit, "apply_to", "eligible") == "order",
        )
        self.required_products = cond.required_product_ids
        self.required_variants = cond.required_variant_ids
        self.required_mode = cond.required_mode
        self.first_order_only = cond.first_order_only
        self.login_required = cond.login_required
        self.customers = cond.customers
        self.groups = cond.customer_groups
        self.customer_checks = bool(
            self.login_required or self.customers or self.groups or self.first_order_only
        )
        self.benefit = benefit
        self.kind = benefit.kind
        self.fraction = benefit.percent / _HUNDRED if isinstance(
            benefit, PercentageBenefit | ShippingBenefit | BuyXGetYBenefit
        ) else None
        self.apply_to_order = getattr(benefit, "apply_to", "eligible") == "order"
        # Per kind, what the hot path would otherwise recompute (or read through pydantic) every time.
        self.tier_fractions = tuple(
            None if tier.percent is None else tier.percent / _HUNDRED for tier in benefit.tiers
        ) if isinstance(benefit, TieredBenefit) else ()
        is_bxgy = isinstance(benefit, BuyXGetYBenefit)
        self.buy = benefit.buy_quantity if is_bxgy else 0
        self.get = benefit.get_quantity if is_bxgy else 0
        self.limit = benefit.max_applications if is_bxgy else None
        self.get_set = is_bxgy and benefit.has_get_set


class _Bucket:
    """Automatic rules of one channel key, indexed by what their product scope mentions."""

    __slots__ = ("unrestricted", "by_dimension")

    def __init__(self) -> None:
        self.unrestricted: list[_Compiled] = []
        self.by_dimension: dict[str, dict[str, list[_Compiled]]] = {d: {} for d in _DIMENSIONS}

    def add(self, c: _Compiled) -> None:
        if not c.includes:
            self.unrestricted.append(c)
            return
        for dim, keys in c.includes:
            table = self.by_dimension[dim]
            for key in keys:
                table.setdefault(key, []).append(c)

    def collect(self, view: _View, found: dict[int, _Compiled]) -> None:
        for c in self.unrestricted:
            found[c.ordinal] = c
        for dim in _DIMENSIONS:
            table = self.by_dimension[dim]
            if not table:
                continue
            for key in table.keys() & view.index[dim].keys():  # a set intersection, done in C
                for c in table[key]:
                    found[c.ordinal] = c


class RuleIndex:
    """Rules compiled once; cache it while the rule set does not change (it is immutable)."""

    __slots__ = ("rules", "by_id", "_automatic", "_buckets")

    def __init__(self, rules: Iterable[Rule]) -> None:
        ordered = sorted(rules, key=lambda r: r.id)
        compiled = [_Compiled(rule, i) for i, rule in enumerate(ordered)]
        scope_keys: dict[Any, int] = {}
        for c in compiled:
            c.scope_key = scope_keys.setdefault(c.scope_key, len(scope_keys))
        self.rules: tuple[_Compiled, ...] = tuple(compiled)
        self.by_id: dict[str, _Compiled] = {}
        for c in compiled:
            if c.id in self.by_id:
                raise ValueError(f"duplicate rule id {c.id!r}")
            self.by_id[c.id] = c
        self._automatic = tuple(c for c in compiled if not c.requires_code)
        self._buckets: dict[str | None, _Bucket] = {}
        for c in self._automatic:
            if not c.enabled:
                continue
            for channel in c.channels or (None,):
                self._buckets.setdefault(channel, _Bucket()).add(c)

    def __len__(self) -> int:
        return len(self.rules)

    def rule(self, rule_id: str) -> Rule | None:
        c = self.by_id.get(rule_id)
        return c.rule if c else None

    def candidate_count(self, cart: Cart) -> int:
        """How many automatic rules the index keeps for this cart (for benchmarks and diagnostics)."""
        view = _View(cart)
        count = len(self.automatic(view, False))
        view.release()
        return count

    def automatic(self, view: _View, report_all: bool) -> list[_Compiled]:
        if report_all:
            return list(self._automatic)
        found: dict[int, _Compiled] = {}
        for key in (None, view.channel):
            bucket = self._buckets.get(key)
            if bucket is not None:
                bucket.collect(view, found)
        currency = view.currency
        return [found[k] for k in sorted(found) if found[k].currency in (None, currency)]


def compile_rules(rules: Iterable[Rule]) -> RuleIndex:
    """Compile and index ``rules`` for ``evaluate`` (raises ``ValueError`` on duplicate ids)."""
    return RuleIndex(rules)


class _View:
    """The cart, pre-digested once per evaluation."""

    __slots__ = (
        "cart", "lines", "n", "totals", "quantities", "units", "subtotal", "quantity", "currency", "exp",
        "channel", "index", "all_lines", "shipping", "scope_all", "_exact_units", "_flags", "line_ids", "_position",
        "scopes",
        "_minor_units", "_minor_totals", "_dearest", "_units_from_totals",
    )

    def __init__(self, cart: Cart) -> None:
        self.cart = cart
        self.lines = cart.lines
        self.n = len(cart.lines)
        self.quantities = [line.quantity for line in cart.lines]
        self.units = [line.unit_price for line in cart.lines]
        self.totals = [line.unit_price * line.quantity for line in cart.lines]
        self.subtotal = sum(self.totals, _ZERO)
        self.quantity = sum(self.quantities)
        self.currency = cart.currency
        self.exp = _EXPONENTS[currency_precision(cart.currency)]
        self.channel = cart.channel
        self.shipping = cart.shipping_price
        products: dict[str, list[int]] = {}
        variants: dict[str, list[int]] = {}
        categories: dict[str, list[int]] = {}
        collections: dict[str, list[int]] = {}
        types: dict[str, list[int]] = {}
        for i, line in enumerate(cart.lines):
            products.setdefault(line.product_id, []).append(i)
            variants.setdefault(line.variant_id, []).append(i)
            if line.category_id is not None:
                categories.setdefault(line.category_id, []).append(i)
            for collection in line.collection_ids:
                collections.setdefault(collection, []).append(i)
            if line.product_type_id is not None:
                types.setdefault(line.product_type_id, []).append(i)
        self.index = {
            "product": products,
            "variant": variants,
            "category": categories,
            "collection": collections,
            "product_type": types,
        }
        self.all_lines = list(range(self.n))
        self.line_ids = [line.id for line in cart.lines]
        self._position: dict[str, int] | None = None
        self.scope_all = _Scope(self, self.all_lines, self.all_lines, [])
        self.scopes: dict[Any, _Scope] = {}
        self._exact_units: bool | None = None
        self._minor_units: list[int] | None | bool = False
        self._minor_totals: list[int] | None | bool = False
        self._dearest: list[tuple[Decimal, int, int]] | None = None
        self._units_from_totals: bool | None = None
        self._flags: dict[tuple[str, str], dict[str, list[int]]] = {}

    def release(self) -> None:
        """Drop the scopes, which point back to this view: without that cycle, everything the
        evaluation built goes as soon as it is over (reference counting) instead of piling up for the
        garbage collector. Call it when done with the view."""
        self.scopes.clear()
        self.scope_all = None  # type: ignore[assignment]

    @property
    def position(self) -> dict[str, int]:
        """``{line id: line index}`` (built on first use: only a redistributed fixed amount needs it)."""
        if self._position is None:
            self._position = {line_id: i for i, line_id in enumerate(self.line_ids)}
        return self._position

    @property
    def minor_units(self) -> list[int] | None:
        """The unit prices in minor units when they are all at the currency's precision, below
        ``_SMALL_PRICE`` minor units, and every quantity below ``_SMALL_QUANTITY``; else ``None``
        (computed once).

        Then unit price x quantity has at most 20 + 7 significant digits, so the context's 28 (at
        least) hold each line total exactly: it is ``minor_units[i] * quantity`` minor units, the
        unit price is at the currency's precision (``exact_units``), and the total divided by the
        quantity gives the unit price back exactly (``units_from_totals``)."""
        if self._minor_units is False:
            minor = to_minor_units(self.units, self.currency)
            if minor is not None and (
                max(minor, default=0) >= _SMALL_PRICE
                or max(self.quantities, default=0) >= _SMALL_QUANTITY
                or getcontext().prec < 28
            ):
                minor = None
            self._minor_units = minor
        return self._minor_units  # type: ignore[return-value]

    @property
    def exact_units(self) -> bool:
        """True when every unit price is at the currency's precision (then per-unit sums need no rounding)."""
        if self._exact_units is None:
            if self.minor_units is not None:
                self._exact_units = True
            else:
                exp = self.exp
                self._exact_units = all(unit == unit.quantize(exp) for unit in self.units)
        return self._exact_units

    def dearest_first(self) -> list[tuple[Decimal, int, int]]:
        """``(unit price, line index, quantity)`` of every line with units, dearest first, ties by
        line order (computed once)."""
        if self._dearest is None:
            self._dearest = _dearest_first(self.all_lines, self.units, self.quantities)
        return self._dearest

    @property
    def units_from_totals(self) -> bool:
        """True when every line with units gives back its unit price as ``total / quantity`` (the
        unit value buy-X-get-Y computes on the original prices once some units are used): then the
        lines rank as in ``dearest_first``."""
        if self._units_from_totals is None:
            units, quantities = self.units, self.quantities
            self._units_from_totals = self.minor_units is not None or all(
                total / quantities[i] == units[i] for i, total in enumerate(self.totals) if quantities[i] > 0
            )
        return self._units_from_totals

    @property
    def minor_totals(self) -> list[int] | None:
        """The line totals in minor units (``None`` when one is not at the currency's precision),
        computed once, for ``spread`` over the original prices."""
        if self._minor_totals is False:
            minor_units = self.minor_units
            if minor_units is not None:
                self._minor_totals = [m * q for m, q in zip(minor_units, self.quantities, strict=True)]
            else:
                self._minor_totals = to_minor_units(self.totals, self.currency)
        return self._minor_totals  # type: ignore[return-value]

    def flags(self, source: str, key: str) -> dict[str, list[int]]:
        """``{value: [line index, ...]}`` of the lines whose attribute / metadata ``key`` is set."""
        cached = self._flags.get((source, key))
        if cached is None:
            cached = {}
            for i, line in enumerate(self.lines):
                value = (line.attributes if source == "attributes" else line.metadata).get(key)
                if value is not None:
                    cached.setdefault(value, []).append(i)
            self._flags[(source, key)] = cached
        return cached

    def money(self, amount: Decimal) -> str:
        return str(amount.quantize(self.exp, ROUND_HALF_UP))

    def lookup(self, dim: str, keys: frozenset[str]) -> set[int]:
        table = self.index[dim]
        hit: set[int] = set()
        if len(keys) <= len(table):
            for key in keys:
                found = table.get(key)
                if found:
                    hit.update(found)
        else:
            for key, found in table.items():
                if key in keys:
                    hit.update(found)
        return hit


class _Scope:
    """Which lines a rule concerns: ``eligible`` (product scope minus exclusions), ``base`` (the lines
    the benefit applies to: eligible, or every non-excluded line for whole-order benefits), and the
    in-scope lines that an exclusion removed. Sums over the original prices are cached on the object,
    which every store-wide rule of an evaluation shares."""

    __slots__ = ("view", "eligible", "base", "excluded", "_eligible_total", "_base_total", "_units",
                 "_per_unit", "_pool")

    def __init__(self, view: _View, eligible: list[int], base: list[int], excluded: list[int]) -> None:
        self.view = view
        self.eligible = eligible
        self.base = base
        self.excluded = excluded
        # Caches, filled on first use (one chained assignment: a scope is built per candidate rule).
        self._eligible_total = self._base_total = self._units = self._per_unit = self._pool = None

    @property
    def eligible_total(self) -> Decimal:
        if self._eligible_total is None:
            view = self.view
            # Every line: the cart's subtotal is that very sum (same additions, same order).
            all_lines = len(self.eligible) == view.n
            self._eligible_total = view.subtotal if all_lines else _sum(view.totals, self.eligible)
        return self._eligible_total

    @property
    def base_total(self) -> Decimal:
        if self._base_total is None:
            self._base_total = (
                self.eligible_total if self.base is self.eligible else _sum(self.view.totals, self.base)
            )
        return self._base_total

    @property
    def units(self) -> int:
        if self._units is None:
            view = self.view
            eligible = self.eligible
            self._units = view.quantity if len(eligible) == view.n else sum(map(view.quantities.__getitem__, eligible))
        return self._units

    def per_unit_shares(self, amount: Decimal) -> tuple[Decimal, list[tuple[int, Decimal]]]:
        """``amount`` off each eligible unit, on the original prices: the total (the sum over eligible
        lines of min(amount, unit price) x quantity) and the ``(line index, share)`` pairs of the
        lines it takes something off, in line order. Cached per amount as written (``str``: 1.5 and
        1.50 give shares written differently): the store-wide rules of an evaluation share one scope."""
        if self._per_unit is None:
            self._per_unit = {}
        key = str(amount)
        cached = self._per_unit.get(key)
        if cached is None:
            view = self.view
            units, quantities, totals = view.units, view.quantities, view.totals
            per_quantity: dict[int, Decimal] = {}  # amount x quantity, for each quantity met
            total = _ZERO
            shares = []
            for i in self.eligible:
                if units[i] < amount:
                    share = totals[i]  # the line's total is that very product, unit price x quantity
                else:
                    quantity = quantities[i]
                    share = per_quantity.get(quantity)  # type: ignore[assignment]
                    if share is None:
                        share = per_quantity[quantity] = amount * quantity
                total += share
                if share > _ZERO:
                    shares.append((i, share))
            cached = self._per_unit[key] = (total, shares)
        return cached

    def dearest_first(self) -> list[tuple[Decimal, int, int]]:
        """``(unit price, line index, quantity)`` of the eligible lines with units, dearest first, ties
        by line order (original prices).

        A large scope takes its lines from the cart's own dearest-first list (sorted once per
        evaluation): keeping the order of a sorted list while dropping entries leaves it sorted."""
        if self._pool is None:
            view = self.view
            eligible = self.eligible
            if len(eligible) == view.n:
                self._pool = view.dearest_first()
            elif len(eligible) > _SMALL_SCOPE:
                members = set(eligible)
                self._pool = [unit for unit in view.dearest_first() if unit[1] in members]
            else:
                self._pool = _dearest_first(eligible, view.units, view.quantities)
        return self._pool


def _dearest(unit: tuple[Decimal, int, int]) -> tuple[Decimal, int]:
    return (-unit[0], unit[1])


def _dearest_first(
    indices: Sequence[int], units: Sequence[Decimal], quantities: Sequence[int]
) -> list[tuple[Decimal, int, int]]:
    """``(unit price, line index, quantity)`` of the lines ``indices`` (ascending) that have units,
    dearest first, ties by line order: the order ``sort(key=_dearest)`` gives, obtained by sorting
    the ascending indices on the price alone with ``reverse=True`` (Python's sort stays stable when
    reversed, so lines at the same price keep their ascending order)."""
    order = sorted(indices, key=units.__getitem__, reverse=True)
    return [(units[i], i, quantities[i]) for i in order if quantities[i] > 0]


def _scope(c: _Compiled, view: _View) -> _Scope:
    """``c``'s scope in this cart, shared with every rule of the evaluation that has the same product
    scope and exclusions (``c.scope_key``): a scope depends on nothing else, and its cached sums
    neither."""
    scope = view.scopes.get(c.scope_key)
    if scope is None:
        scope = view.scopes[c.scope_key] = _new_scope(c, view)
    return scope


def _new_scope(c: _Compiled, view: _View) -> _Scope:
    if c.includes:
        included = _included_lines(c, view)
    else:
        if not c.has_exclusions:
            return view.scope_all
        included = view.all_lines
    if not c.has_exclusions:
        return _Scope(view, included, view.all_lines if c.apply_to_order else included, [])
    out: set[int] = set()
    for dim, keys in c.excludes:
        out |= view.lookup(dim, keys)
    for source, rules in (("attributes", c.attribute_excludes), ("metadata", c.metadata_excludes)):
        for key, values in rules:
            for value, indices in view.flags(source, key).items():
                if not values or value in values:
                    out.update(indices)
    eligible = [i for i in included if i not in out]
    if included is view.all_lines:
        # No inclusion: the excluded lines are ``out`` itself, and a whole-order base is ``eligible``.
        return _Scope(view, eligible, eligible, sorted(out))
    base = [i for i in view.all_lines if i not in out] if c.apply_to_order else eligible
    return _Scope(view, eligible, base, [i for i in included if i in out])


def _included_lines(c: _Compiled, view: _View) -> list[int]:
    """Ascending indices of the lines matching one of ``c``'s inclusions. Usually a single key of the
    cart's index matches (one category, one of a few products): its list is already ascending and
    without repeats, so it is copied as is instead of going through a set and a sort."""
    found: list[list[int]] = []
    for dim, keys in c.includes:
        table = view.index[dim]
        for key in table.keys() & keys:  # a set intersection, done in C
            found.append(table[key])
    if len(found) == 1:
        return list(found[0])
    hit: set[int] = set()
    for lines in found:
        hit.update(lines)
    return sorted(hit)


# --------------------------------------------------------------------------------------------- checks

def _fail(report: tuple[list[Verdict], _Compiled, str | None, bool], reason: Reason, **details: Any) -> bool:
    """Add the verdict ``reason`` for the rule and code of ``report`` (``_check``'s verdicts, rule, code
    and ``first_only``) and return ``first_only``: ``if <condition> and _fail(...): return``."""
    out, c, code, first_only = report
    out.append(Verdict(reason, code, c.id, c.name, details))
    return first_only


def _check(
    c: _Compiled,
    view: _View,
    customer: Customer,
    now: datetime,
    state: CodeState | None,
    usage: Usage | None,
    first_only: bool,
) -> tuple[list[Verdict], _Scope | None]:
    """The failing conditions of ``c`` (just the first one when ``first_only``), and its scope."""
    out: list[Verdict] = []
    code = state.code if state is not None else None

    report = (out, c, code, first_only)  # for _fail (cheaper than a closure: one per candidate rule)

    if state is not None and not state.active and _fail(report, Reason.DISABLED, what="code"):
        return out, None
    if not c.enabled and _fail(report, Reason.DISABLED, what="rule"):
        return out, None
    if c.starts_at is not None and now < c.starts_at and _fail(
        report, Reason.NOT_STARTED, starts_at=c.starts_at.isoformat()
    ):
        return out, None
    if c.ends_at is not None and now >= c.ends_at and _fail(report, Reason.EXPIRED, ends_at=c.ends_at.isoformat()):
        return out, None
    if c.channels and view.channel not in c.channels and _fail(
        report, Reason.WRONG_CHANNEL, channel=view.channel, allowed=sorted(c.channels)
    ):
        return out, None
    if c.currency is not None and c.currency != view.currency and _fail(
        report, Reason.CURRENCY_MISMATCH, currency=view.currency, expected=c.currency
    ):
        return out, None

    if c.customer_checks or state is not None:
        login_reported = False
        needs_login = c.login_required or bool(c.customers) or bool(c.groups)
        if needs_login and not customer.logged_in:
            login_reported = True
            if _fail(report, Reason.LOGIN_REQUIRED):
                return out, None
        if state is not None and state.assigned_customer is not None:
            if customer.id is None and not customer.email:
                if not login_reported:
                    login_reported = True
                    if _fail(report, Reason.LOGIN_REQUIRED):
                        return out, None
            elif not customer.matches(state.assigned_customer) and _fail(
                report, Reason.NOT_THIS_CUSTOMER, assigned="code"
            ):
                return out, None
        if customer.logged_in:
            if c.customers and not (
                (customer.id is not None and customer.id in c.customers)
                or (customer.email is not None and customer.email.strip().lower() in c.customers)
            ) and _fail(report, Reason.NOT_THIS_CUSTOMER, assigned="rule"):
                return out, None
            if c.groups and c.groups.isdisjoint(customer.groups) and _fail(
                report, Reason.NOT_IN_CUSTOMER_LISTS, groups=sorted(c.groups)
            ):
                return out, None
        if c.first_order_only and customer.orders_count > 0 and _fail(
            report, Reason.FIRST_ORDER_ONLY, orders_count=customer.orders_count
        ):
            return out, None
    if state is not None or usage is not None:
        for scope_name, uses, customer_uses in (
            ("code", state.uses_left if state else None, state.customer_uses_left if state else None),
            ("rule", usage.uses_left if usage else None, usage.customer_uses_left if usage else None),
        ):
            if uses is not None and uses <= 0 and _fail(report, Reason.USAGE_CAP_REACHED, scope=scope_name):
                return out, None
            if customer_uses is not None and customer_uses <= 0 and _fail(
                report, Reason.CUSTOMER_CAP_REACHED, scope=scope_name
            ):
                return out, None

    if c.required_products or c.required_variants:
        products = view.index["product"]
        variants = view.index["variant"]
        missing = sorted(p for p in c.required_products if p not in products) + sorted(
            v for v in c.required_variants if v not in variants
        )
        wanted = len(c.required_products) + len(c.required_variants)
        failed = bool(missing) if c.required_mode == "all" else len(missing) == wanted
        if failed and _fail(report, Reason.REQUIRED_PRODUCT_MISSING, missing=missing, mode=c.required_mode):
            return out, None

    scope = _scope(c, view)
    if not scope.eligible:
        details: dict[str, Any] = {"excluded_lines": [view.lines[i].id for i in scope.excluded]}
        if _fail(report, Reason.NO_ELIGIBLE_PRODUCT, **details):
            return out, scope
    if c.min_subtotal is not None:
        measured = view.subtotal if c.subtotal_scope == "cart" else scope.eligible_total
        if measured < c.min_subtotal and _fail(
            report, Reason.MIN_SUBTOTAL_NOT_MET,
            min=view.money(c.min_subtotal),
            subtotal=view.money(measured),
            missing=view.money(c.min_subtotal - measured),
            currency=view.currency,
            scope=c.subtotal_scope,
        ):
            return out, scope
    if c.min_quantity is not None:
        units = scope.units
        if units < c.min_quantity and _fail(
            report, Reason.MIN_QUANTITY_NOT_MET, min=c.min_quantity, quantity=units, missing=c.min_quantity - units
        ):
            return out, scope

    benefit: Any = c.benefit
    kind = c.kind  # dispatch on the kind: isinstance on pydantic model classes is comparatively slow
    if kind == "shipping":
        if not view.shipping and _fail(report, Reason.NOTHING_TO_DISCOUNT, why="no_shipping"):
            return out, scope
    elif kind == "tiered" and scope.eligible:
        first_tier = benefit.tiers[0].threshold
        if benefit.basis == "subtotal":
            measured = scope.eligible_total
            if measured < first_tier and _fail(
                report, Reason.MIN_SUBTOTAL_NOT_MET,
                min=view.money(first_tier),
                subtotal=view.money(measured),
                missing=view.money(first_tier - measured),
                currency=view.currency,
                scope="eligible",
            ):
                return out, scope
        else:
            units = scope.units
            if units < first_tier and _fail(
                report, Reason.MIN_QUANTITY_NOT_MET,
                min=int(first_tier), quantity=units, missing=int(first_tier) - units,
            ):
                return out, scope
    elif kind == "buy_x_get_y" and scope.eligible:
        if c.get_set:
            get_lines = _get_lines(benefit, view)
            if not get_lines and _fail(report, Reason.NO_ELIGIBLE_PRODUCT, excluded_lines=[], set="get"):
                return out, scope
            units = scope.units
            if units < c.buy and _fail(
                report, Reason.MIN_QUANTITY_NOT_MET, min=c.buy, quantity=units, missing=c.buy - units,
            ):
                return out, scope
        else:
            units = scope.units
            needed = c.buy + c.get
            if units < needed and _fail(
                report, Reason.MIN_QUANTITY_NOT_MET, min=needed, quantity=units, missing=needed - units
            ):
                return out, scope
    return out, scope


def _sum(values: Sequence[Decimal], indices: Sequence[int]) -> Decimal:
    """``values[i]`` added up over ``indices``, in that order, starting from ``Decimal(0)``."""
    return sum(map(values.__getitem__, indices), _ZERO)


def _get_lines(benefit: BuyXGetYBenefit, view: _View) -> list[int]:
    hit: set[int] = set()
    for dim, keys in (
        ("product", benefit.get_product_ids),
        ("variant", benefit.get_variant_ids),
        ("category", benefit.get_category_ids),
    ):
        if keys:
            hit |= view.lookup(dim, keys)
    return sorted(hit)


# -------------------------------------------------------------------------------------------- values

class _Outcome:
    """What one rule takes off, before clamping: an order-level ``lines_amount`` to spread by value
    over ``spread_over`` (computed only when the rule applies), or ``explicit`` per-line amounts, or
    the ``(line index, amount)`` pairs already ``allocated`` in line order (per-unit amounts);
    ``shipping``; a gift; the buy-X-get-Y units it uses."""

    __slots__ = ("lines_amount", "shipping", "spread_over", "explicit", "allocated", "consumed", "gift",
                 "gift_value", "redistribute")

    def __init__(
        self,
        lines_amount: Decimal,
        shipping: Decimal = _ZERO,
        spread_over: list[int] | None = None,
        explicit: dict[int, Decimal] | None = None,
        consumed: dict[int, int] | None = None,
        gift: GiftBenefit | None = None,
        gift_value: Decimal = _ZERO,
        redistribute: bool = False,
        allocated: list[tuple[int, Decimal]] | None = None,
    ) -> None:
        self.lines_amount = lines_amount
        self.shipping = shipping
        self.spread_over = spread_over
        self.explicit = explicit
        self.allocated = allocated
        self.consumed = consumed
        self.gift = gift
        self.gift_value = gift_value
        self.redistribute = redistribute

    @property
    def value(self) -> Decimal:
        """Money the rule is worth, for exclusive offers competing."""
        return self.lines_amount + self.shipping + self.gift_value

    def allocation(self, view: _View, values: Sequence[Decimal]) -> Iterable[tuple[int, Decimal]]:
        """``(line index, amount)`` pairs, in line order, summing to ``lines_amount``."""
        if self.allocated is not None:
            return self.allocated
        if self.explicit is not None:
            return sorted(self.explicit.items())
        if not self.spread_over or self.lines_amount <= 0:
            return []
        over = self.spread_over
        shares = None
        if values is view.totals:
            minor_totals = view.minor_totals
            if minor_totals is not None:
                shares = spread_minor(self.lines_amount, [minor_totals[i] for i in over], view.currency)
        if shares is None:
            shares = spread(self.lines_amount, [values[i] for i in over], view.currency)
        return zip(over, shares, strict=True)


def _per_unit_allocation(
    per_unit: Decimal, lines: Sequence[int], view: _View, values: Sequence[Decimal]
) -> list[tuple[int, Decimal]]:
    """``per_unit`` off each unit of ``lines`` valued at ``values`` (the unit value is the line's
    value over its quantity), rounded half up, never more than the line's value: ``(line index,
    amount)`` pairs in line order. On the original prices at the currency's precision,
    ``_Scope.per_unit_shares`` gives the same pairs without rounding."""
    out = []
    exp = view.exp
    quantities = view.quantities
    # A line worth at least per_unit x quantity (that product computed exactly) has a unit value of
    # at least per_unit, whatever the rounding of value / quantity (rounding is monotonic and per_unit
    # is a representable number): it takes per_unit x quantity, worked out once per quantity.
    products: dict[int, Any] = {}
    rounded: dict[int, Decimal] = {}
    digits = len(per_unit.as_tuple().digits)
    for i in lines:
        quantity = quantities[i]
        value = values[i]
        if quantity <= 0 or value <= _ZERO:
            continue
        product = products.get(quantity, _UNSEEN)
        if product is _UNSEEN:
            exact = digits + len(str(quantity)) <= getcontext().prec
            product = products[quantity] = per_unit * quantity if exact else None
        if product is not None and value >= product:
            amount = rounded.get(quantity)  # type: ignore[assignment]
            if amount is None:
                amount = rounded[quantity] = product.quantize(exp, ROUND_HALF_UP)
        else:
            unit = value / quantity
            amount = ((unit if unit < per_unit else per_unit) * quantity).quantize(exp, ROUND_HALF_UP)
        if amount > value:
            amount = value
        if amount > _ZERO:
            out.append((i, amount))
    return out


def _percent_of(amount: Decimal, fraction: Decimal, exp: Decimal) -> Decimal:
    return (amount * fraction).quantize(exp, ROUND_HALF_UP)


def _value(
    c: _Compiled,
    view: _View,
    scope: _Scope,
    values: Sequence[Decimal],
    shipping: Decimal,
    consumed: Sequence[int] | None,
) -> _Outcome:
    """What ``c`` is worth on ``values`` (current line totals) and ``shipping`` (current shipping).
    On the original prices (``values is view.totals``) the scope's cached sums are used."""
    benefit: Any = c.benefit
    kind = c.kind  # dispatch on the kind: isinstance on pydantic model classes is comparatively slow
    exp = view.exp
    original = values is view.totals
    if kind == "percentage":
        base = scope.base_total if original else _sum(values, scope.base)
        amount = _percent_of(base, c.fraction, exp)
        if benefit.max_discount is not None:
            amount = min(amount, benefit.max_discount.quantize(exp, ROUND_HALF_UP))
        return _Outcome(max(amount, _ZERO), spread_over=scope.base)
    if kind == "fixed_amount":
        base = scope.base_total if original else _sum(values, scope.base)
        amount = min(benefit.amount.quantize(exp, ROUND_HALF_UP), max(base, _ZERO))
        return _Outcome(amount, spread_over=scope.base, redistribute=True)
    if kind == "tiered":
        reached = _tier_reached(benefit, scope)
        if reached is None:
            return _Outcome(_ZERO)
        base = max(scope.base_total if original else _sum(values, scope.base), _ZERO)
        fixed = c.tier_fractions[reached] is None
        return _Outcome(_tier_amount(c, reached, base, exp), spread_over=scope.base, redistribute=fixed)
    if kind == "fixed_per_unit":
        per_unit = benefit.amount
        if original and view.exact_units and per_unit == per_unit.quantize(exp):
            total, shares = scope.per_unit_shares(per_unit)
        else:
            shares = _per_unit_allocation(per_unit, scope.eligible, view, values)
            total = sum((a for _, a in shares), _ZERO)
        # The pairs are worked out now, on ``values``: the rule is applied right after, on those values.
        return _Outcome(total, allocated=shares)
    if kind == "shipping":
        if shipping <= 0:
            return _Outcome(_ZERO)
        return _Outcome(_ZERO, shipping=_shipping_discount(c, benefit, shipping, exp))
    if kind == "buy_x_get_y":
        return _buy_x_get_y(c, benefit, view, scope, values, consumed)
    if kind == "gift":
        return _Outcome(_ZERO, gift=benefit, gift_value=_gift_value(benefit, view))
    raise TypeError(f"unknown benefit {benefit!r}")  # pragma: no cover - the union is closed


def _tier_reached(benefit: TieredBenefit, scope: _Scope) -> int | None:
    """The position of the highest tier the eligible subtotal (or units) reaches, on the original prices."""
    measured = scope.eligible_total if benefit.basis == "subtotal" else Decimal(scope.units)
    reached = None
    for position, candidate in enumerate(benefit.tiers):
        if candidate.threshold <= measured:
            reached = position
    return reached


def _tier_amount(c: _Compiled, position: int, base: Decimal, exp: Decimal) -> Decimal:
    """What the tier at ``position`` takes off ``base`` (>= 0): its percentage (``percent / 100``
    worked out once, in ``c.tier_fractions``), or its amount capped at ``base``."""
    fraction = c.tier_fractions[position]
    if fraction is not None:
        return _percent_of(base, fraction, exp)
    return min(c.benefit.tiers[position].amount.quantize(exp, ROUND_HALF_UP), base)  # type: ignore[union-attr]


def _shipping_discount(c: _Compiled, benefit: ShippingBenefit, shipping: Decimal, exp: Decimal) -> Decimal:
    """What a shipping benefit takes off ``shipping`` (> 0): its amount or percentage, at most ``shipping``."""
    if benefit.amount is not None:
        return min(benefit.amount.quantize(exp, ROUND_HALF_UP), shipping)
    return min(_percent_of(shipping, c.fraction, exp), shipping)


def _gift_value(benefit: GiftBenefit, view: _View) -> Decimal:
    """A gift's worth: its ``value`` (or the variant's price when it is in the cart, else 0) x quantity."""
    if benefit.value is not None:
        unit_value = benefit.value
    else:
        lines = view.index["variant"].get(benefit.variant_id)
        unit_value = view.units[lines[0]] if lines else _ZERO
    return unit_value * benefit.quantity


def _worth(c: _Compiled, view: _View, scope: _Scope, shipping: Decimal) -> Decimal:
    """What ``c`` is worth alone on the original prices (lines + shipping + gift): ``_value(...).value``
    without building the allocation, for exclusive offers competing. Only the number counts (it is
    compared, and shown negated twice then rounded), not how it is written."""
    benefit = c.benefit
    kind = c.kind
    exp = view.exp
    if kind == "percentage":
        amount = (scope.base_total * c.fraction).quantize(exp, ROUND_HALF_UP)
        cap = benefit.max_discount  # type: ignore[union-attr]
        if cap is not None:
            cap = cap.quantize(exp, ROUND_HALF_UP)
            if cap < amount:
                amount = cap
        return amount if amount > _ZERO else _ZERO
    if kind == "fixed_amount":
        base = scope.base_total
        amount = benefit.amount.quantize(exp, ROUND_HALF_UP)  # type: ignore[union-attr]
        return amount if amount < base else (base if base > _ZERO else _ZERO)
    if kind == "fixed_per_unit":
        per_unit = benefit.amount  # type: ignore[union-attr]
        if view.exact_units and per_unit == per_unit.quantize(exp):
            return scope.per_unit_shares(per_unit)[0]
    # The other kinds: the one amount that makes up ``_value(...).value``.
    elif kind == "buy_x_get_y":
        return _buy_x_get_y(c, benefit, view, scope, view.totals, None).lines_amount  # type: ignore[arg-type]
    elif kind == "tiered":
        reached = _tier_reached(benefit, scope)  # type: ignore[arg-type]
        return _ZERO if reached is None else _tier_amount(c, reached, max(scope.base_total, _ZERO), exp)
    elif kind == "shipping":
        return _shipping_discount(c, benefit, shipping, exp) if shipping > 0 else _ZERO  # type: ignore[arg-type]
    elif kind == "gift":
        return _gift_value(benefit, view)  # type: ignore[arg-type]
    return _value(c, view, scope, view.totals, shipping, None).value


def _units_pool(
    indices: Iterable[int], view: _View, values: Sequence[Decimal], consumed: Sequence[int] | None
) -> list[tuple[Decimal, int, int]]:
    """``(unit value, line index, available units)`` for the lines, units already used removed."""
    pool = []
    for i in indices:
        quantity = view.quantities[i]
        available = quantity - (consumed[i] if consumed is not None else 0)
        if available > 0 and quantity > 0:
            pool.append((values[i] / quantity, i, available))
    return pool


def _get_units(start: int, stop: int, group: int, x: int) -> int:
    """How many positions p in [start, stop) have ``p % group >= x``: the discounted ("get") units
    among units ``start`` to ``stop - 1`` when every group of ``group`` units starts with ``x``
    bought ones. In [0, n) there are ``n // group`` whole groups with ``group - x`` such positions
    each, plus ``max(0, n % group - x)`` in the partial group at the end: the count over
    [start, stop) is the count over [0, stop) minus the count over [0, start)."""
    partial_stop = stop % group - x
    partial_start = start % group - x
    return (
        (stop // group - start // group) * (group - x)
        + (partial_stop if partial_stop > 0 else 0)
        - (partial_start if partial_start > 0 else 0)
    )


def _buy_x_get_y(
    c: _Compiled,
    benefit: BuyXGetYBenefit,
    view: _View,
    scope: _Scope,
    values: Sequence[Decimal],
    consumed: Sequence[int] | None,
) -> _Outcome:
    x, y = c.buy, c.get
    limit = c.limit
    used: dict[int, int] = {}
    discounted: dict[int, int] = {}
    unit_of: dict[int, Decimal] = {}
    if not c.get_set:
        # ``pool``: (unit value, line index, units) dearest first; ``already`` the units of each line
        # that earlier rules used, when ``pool`` still counts them.
        already: Sequence[int] | None = None
        if values is view.totals and (consumed is None or not any(consumed)):
            pool = scope.dearest_first()
            total = scope.units  # the same sum: lines without units add nothing
        elif values is view.totals and view.units_from_totals:
            # Each line's value over its quantity is its unit price: the order of dearest_first holds,
            # the units left are the quantity minus the units used (never more than the quantity).
            assert consumed is not None
            pool = scope.dearest_first()
            already = consumed
            eligible = scope.eligible
            earlier = sum(consumed) if len(eligible) == view.n else sum(map(consumed.__getitem__, eligible))
            total = scope.units - earlier
        else:
            pool = _units_pool(scope.eligible, view, values, consumed)
            pool.sort(key=_dearest)
            total = sum(u[2] for u in pool)
        group = x + y
        applications = total // group
        if limit is not None and limit < applications:
            applications = limit
        span = applications * group
        position = 0
        for unit, i, available in pool:
            if position >= span:
                break
            if already is not None:
                available -= already[i]
                if available <= 0:
                    continue
            end = position + available
            if end > span:
                end = span
            count = _get_units(position, end, group, x)
            if count:
                discounted[i] = count
                unit_of[i] = unit
            used[i] = end - position
            position = end
    else:
        x_pool = {i: (u, a) for u, i, a in _units_pool(scope.eligible, view, values, consumed)}
        y_pool = {i: (u, a) for u, i, a in _units_pool(_get_lines(benefit, view), view, values, consumed)}
        x_units = sum(a for _, a in x_pool.values())
        y_units = sum(a for _, a in y_pool.values())
        union_units = x_units + sum(a for i, (_, a) in y_pool.items() if i not in x_pool)
        applications = min(x_units // x, y_units // y, union_units // (x + y))
        if limit is not None:
            applications = min(applications, limit)
        if applications > 0:
            need_y, need_x = applications * y, applications * x
            x_left = x_units
            # Y: the cheapest units of the get set (lines outside the buy set first), keeping enough for X.
            y_order = sorted(((u, j) for j, (u, _) in y_pool.items()), key=lambda t: (t[0], t[1] in x_pool, t[1]))
            for unit, i in y_order:
                if need_y == 0:
                    break
                available = y_pool[i][1]
                if i in x_pool:
                    available = min(available, max(x_left - need_x, 0))
                take = min(available, need_y)
                if take <= 0:
                    continue
                discounted[i] = discounted.get(i, 0) + take
                used[i] = used.get(i, 0) + take
                unit_of[i] = unit
                need_y -= take
                if i in x_pool:
                    x_left -= take
            # X: the dearest units left in the eligible lines.
            x_order = sorted(((u, j) for j, (u, _) in x_pool.items()), key=lambda t: (-t[0], t[1]))
            for _unit, i in x_order:
                if need_x == 0:
                    break
                available = x_pool[i][1] - used.get(i, 0)
                take = min(available, need_x)
                if take > 0:
                    used[i] = used.get(i, 0) + take
                    need_x -= take
    explicit: dict[int, Decimal] = {}
    total_amount = _ZERO
    for i, count in discounted.items():
        amount = _percent_of(unit_of[i] * count, c.fraction, view.exp)
        if amount > values[i]:
            amount = values[i]
        if amount > _ZERO:
            explicit[i] = amount
            total_amount += amount
    return _Outcome(total_amount, explicit=explicit, consumed=used)


# ---------------------------------------------------------------------------------------- evaluate

def evaluate(
    *,
    cart: Cart,
    customer: Customer,
    rules: Iterable[Rule] | RuleIndex,
    entered_codes: Sequence[str] = (),
    codes: Mapping[str, CodeState] | None = None,
    now: datetime,
    rule_usage: Mapping[str, Usage | tuple[int | None, int | None]] | None = None,
    suggestion_candidates: Iterable[str] = (),
    report_all: bool = False,
) -> Evaluation:
    """Evaluate the cart against the rules and the entered codes. See the package docstring."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    index = rules if isinstance(rules, RuleIndex) else RuleIndex(rules)
    view = _View(cart)
    states = {canonical_code(k): v for k, v in (codes or {}).items()}
    usages = rule_usage or {}
    rejected: list[Verdict] = []
    passed: list[tuple[_Compiled, str | None, _Scope]] = []
    taken_by: dict[str, str | None] = {}
    candidates_list: list[str] | None = None

    seen_codes: set[str] = set()
    for raw in entered_codes:
        code = canonical_code(raw)
        if not code or code in seen_codes:
            continue
        seen_codes.add(code)
        state = states.get(code)
        if state is None:
            if candidates_list is None:
                candidates_list = [*suggestion_candidates, *states]
            suggestion = suggest_code(code, candidates_list)
            details = {"suggestion": suggestion} if suggestion else {}
            rejected.append(Verdict(Reason.UNKNOWN_CODE, code, None, None, {"code": code, **details}))
            continue
        if state.code != code:
            state = _with_code(state, code)
        c = index.by_id.get(state.rule_id)
        if c is None:
            rejected.append(Verdict(Reason.DISABLED, code, state.rule_id, None, {"what": "rule"}))
            continue
        if c.id in taken_by:
            rejected.append(Verdict(Reason.ALREADY_APPLIED, code, c.id, c.name, {"other_code": taken_by[c.id]}))
            continue
        failures, scope = _check(c, view, customer, now, state, usage_of(usages.get(c.id)) if usages else None, True)
        if failures:
            rejected.extend(failures)
            continue
        assert scope is not None
        taken_by[c.id] = code
        passed.append((c, code, scope))

    for c in index.automatic(view, report_all):
        if c.id in taken_by:
            continue
        failures, scope = _check(c, view, customer, now, None, usage_of(usages.get(c.id)) if usages else None, True)
        if failures:
            rejected.extend(failures)
            continue
        assert scope is not None
        passed.append((c, None, scope))

    evaluation = _resolve(view, passed, rejected)
    view.release()
    return evaluation


def _with_code(state: CodeState, code: str) -> CodeState:
    return CodeState(
        code=code,
        rule_id=state.rule_id,
        active=state.active,
        assigned_customer=state.assigned_customer,
        uses_left=state.uses_left,
        customer_uses_left=state.customer_uses_left,
    )


#: Exclusive contenders sort on (-value, -priority, rule id): the most money, then priority, then id.
_first_three = itemgetter(0, 1, 2)


def _resolve(
    view: _View,
    passed: list[tuple[_Compiled, str | None, _Scope]],
    rejected: list[Verdict],
) -> Evaluation:
    currency = view.currency
    shipping = view.shipping if view.shipping is not None else _ZERO
    originals = view.totals

    # 1. Exclusive rules compete, each valued alone on the original prices.
    contenders: list[tuple[Decimal, int, str, _Compiled, str | None, _Scope]] = []
    for c, code, scope in passed:
        if not c.exclusive:
            continue
        value = _worth(c, view, scope, shipping)
        if value > _ZERO or c.kind == "gift":
            contenders.append((-value, -c.priority, c.id, c, code, scope))
        else:
            rejected.append(Verdict(Reason.NOTHING_TO_DISCOUNT, code, c.id, c.name, {"why": "zero_value"}))
    order: list[tuple[_Compiled, str | None, _Scope, _Outcome | None]] = []
    if contenders:
        contenders.sort(key=_first_three)
        _, _, _, winner_rule, winner_code, winner_scope = contenders[0]
        order.append((winner_rule, winner_code, winner_scope, None))
        beaten = Reason.BEATEN_BY_BETTER_OFFER
        # The details of every beaten offer but its own "amount" (copying a dict beats building one).
        template = {
            "winner_rule_id": winner_rule.id,
            "winner_name": winner_rule.name,
            "winner_code": winner_code,
            "winner_amount": view.money(-contenders[0][0]),
            "amount": None,
            "currency": currency,
        }
        exp = view.exp
        for value, _, _, c, code, _ in contenders[1:]:
            details = template.copy()
            details["amount"] = str((-value).quantize(exp, ROUND_HALF_UP))  # view.money(-value), inlined
            rejected.append(_new_tuple(Verdict, (beaten, code, c.id, c.name, details)))

    # 2. Cumulative rules on top: on original prices first, then the cascading ones.
    cumulative = sorted(
        ((c, code, scope) for c, code, scope in passed if not c.exclusive),
        key=lambda t: (t[0].cascade, -t[0].priority, t[0].id),
    )
    order.extend((c, code, scope, None) for c, code, scope in cumulative)

    # 3. Apply in that order; what no longer fits (line, shipping at zero) is clamped away.
    remaining = list(originals)
    lines_left = view.subtotal
    shipping_left = shipping
    consumed = [0] * view.n
    line_adjustments: list[LineAdjustment] = []
    shipping_adjustments: list[ShippingAdjustment] = []
    applied: list[AppliedRule] = []
    gifts: list[GiftLine] = []
    for c, code, scope, outcome in order:
        if outcome is None:
            if c.cascade:
                outcome = _value(c, view, scope, remaining, shipping_left, consumed)
            else:
                outcome = _value(c, view, scope, originals, shipping, consumed)
        values = remaining if c.cascade else originals
        lines_taken = _ZERO
        if lines_left > 0 and outcome.lines_amount > 0:
            line_ids = view.line_ids
            rule_id = c.id
            first = len(line_adjustments)
            append = line_adjustments.append
            for i, amount in outcome.allocation(view, values):
                left = remaining[i]
                take = amount if amount < left else left
                if take:  # amounts and what is left of a line are never negative: this is take > 0
                    remaining[i] = left - take
                    lines_taken += take
                    append(_new_tuple(LineAdjustment, (line_ids[i], rule_id, code, take)))
            shortfall = outcome.lines_amount - lines_taken
            if outcome.redistribute and shortfall > 0 and outcome.spread_over:
                # A fixed amount keeps its value: what a full line could not take goes to the lines with room.
                takes = {view.position[a.line_id]: a.amount for a in line_adjustments[first:]}
                room = [remaining[i] for i in outcome.spread_over]
                for i, extra in zip(outcome.spread_over, spread(shortfall, room, currency), strict=True):
                    if extra > 0:
                        remaining[i] -= extra
                        lines_taken += extra
                        takes[i] = takes.get(i, _ZERO) + extra
                del line_adjustments[first:]
                line_adjustments.extend(LineAdjustment(line_ids[i], c.id, code, takes[i]) for i in sorted(takes))
            lines_left -= lines_taken
        shipping_taken = min(outcome.shipping, shipping_left)
        if shipping_taken > 0:
            shipping_left -= shipping_taken
            shipping_adjustments.append(ShippingAdjustment(c.id, code, shipping_taken))
        if outcome.consumed:
            for i, units in outcome.consumed.items():
                consumed[i] += units
        if lines_taken <= 0 and shipping_taken <= 0 and outcome.gift is None:
            why = "units_used" if c.kind == "buy_x_get_y" and any(consumed) else "fully_discounted"
            rejected.append(Verdict(Reason.NOTHING_TO_DISCOUNT, code, c.id, c.name, {"why": why}))
            continue
        if outcome.gift is not None:
            gifts.append(GiftLine(c.id, code, outcome.gift.variant_id, outcome.gift.quantity))
        applied.append(
            AppliedRule(
                rule_id=c.id,
                code=code,
                name=c.name,
                kind=c.kind,
                stacking="exclusive" if c.exclusive else "cumulative",
                amount=Money(lines_taken + shipping_taken, currency),
                lines_amount=lines_taken,
                shipping_amount=shipping_taken,
            )
        )

    return Evaluation(
        currency=currency,
        subtotal=Money(view.subtotal, currency),
        shipping=Money(shipping, currency),
        line_adjustments=tuple(line_adjustments),
        shipping_adjustments=tuple(shipping_adjustments),
        applied=tuple(applied),
        rejected=tuple(rejected),
        gift_lines=tuple(gifts),
    )


# ----------------------------------------------------------------------------------------- explain

def explain(
    *,
    cart: Cart,
    customer: Customer,
    rule: Rule,
    now: datetime,
    code_state: CodeState | None = None,
    usage: Usage | tuple[int | None, int | None] | None = None,
) -> list[Verdict]:
    """Every reason ``rule`` (entered through ``code_state``, if any) fails for this cart and customer.

    An empty list means it applies on its own (it may still lose to a better exclusive offer).
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if code_state is not None:
        if code_state.rule_id != rule.id:
            raise ValueError("code_state belongs to another rule")
        code_state = _with_code(code_state, canonical_code(code_state.code))
    c = _Compiled(rule, 0)
    view = _View(cart)
    failures, scope = _check(c, view, customer, now, code_state, usage_of(usage), False)
    if scope is not None and scope.eligible and not any(
        v.reason in (Reason.NOTHING_TO_DISCOUNT, Reason.MIN_QUANTITY_NOT_MET, Reason.MIN_SUBTOTAL_NOT_MET)
        for v in failures
    ):
        shipping = view.shipping if view.shipping is not None else _ZERO
        outcome = _value(c, view, scope, view.totals, shipping, None)
        if outcome.value <= 0 and outcome.gift is None:
            failures.append(
                Verdict(
                    Reason.NOTHING_TO_DISCOUNT,
                    code_state.code if code_state else None,
                    c.id,
                    c.name,
                    {"why": "zero_value"},
                )
            )
    view.release()
    return failures

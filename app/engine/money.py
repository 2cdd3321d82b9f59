"""Money: ``Decimal`` + currency, rounded at named places to the currency's precision.

* ``currency_precision("EUR") == 2``, ``"JPY" -> 0``, ``"KWD" -> 3`` (ISO 4217 minor units; unknown codes: 2).
* ``quantize(amount, currency, rounding=ROUND_HALF_UP)`` rounds to that precision with a named mode.
* ``spread(amount, weights, currency)`` splits an order-level amount over lines in proportion to their
  value: every share but the last is rounded half up, the last line takes the remainder, so the parts
  add up exactly; no share is ever negative or above its line's value.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_FLOOR, ROUND_HALF_UP, Context, Decimal, Inexact, Rounded, getcontext

__all__ = [
    "PERCENT_ROUNDING",
    "SHARE_ROUNDING",
    "Money",
    "currency_precision",
    "quantize",
    "spread",
    "spread_minor",
    "to_minor_units",
    "zero",
]

#: Percentages are rounded half up (Saleor does the same).
PERCENT_ROUNDING = ROUND_HALF_UP
#: Shares of an order-level amount are rounded half up; the last line takes the remainder.
SHARE_ROUNDING = ROUND_HALF_UP

# ISO 4217 minor units for every currency whose precision is not 2.
_PRECISION: dict[str, int] = {
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0,
    "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
    "CLF": 4, "UYW": 4,
}
_EXPONENTS: dict[int, Decimal] = {p: Decimal(1).scaleb(-p) for p in range(0, 5)}
_SCALES: dict[int, int] = {p: 10**p for p in range(0, 5)}
_ZEROS: dict[str, Decimal] = {}


def currency_precision(code: str) -> int:
    """Number of decimal places of ``code`` (ISO 4217 minor units; 2 when unknown)."""
    return _PRECISION.get(code.upper(), 2)


def _exponent(currency: str) -> Decimal:
    return _EXPONENTS[currency_precision(currency)]


def quantize(amount: Decimal, currency: str, rounding: str = ROUND_HALF_UP) -> Decimal:
    """Round ``amount`` to ``currency``'s precision with the named ``rounding`` mode."""
    return amount.quantize(_exponent(currency), rounding=rounding)


def zero(currency: str) -> Decimal:
    """``0`` at the currency's precision (``Decimal("0.00")`` for EUR, ``Decimal("0")`` for JPY)."""
    value = _ZEROS.get(currency)
    if value is None:
        value = _ZEROS[currency] = _exponent(currency) * 0
    return value


def spread(amount: Decimal, weights: Sequence[Decimal], currency: str) -> list[Decimal]:
    """Split ``amount`` over ``weights`` (line values) in proportion, remainder on the last line.

    ``amount`` is first capped at ``sum(weights)`` and rounded down to the currency's precision. Each
    share but the last is ``amount * weight / total`` rounded half up (``SHARE_ROUNDING``); the last
    takes what is left, so the shares always add up to the amount exactly. Two corrections keep every
    share within ``0 <= share <= weight``: a last share above its weight hands the excess back to the
    earlier lines that still have room, and a negative remainder (many tiny lines all rounded up) is
    taken back from the earlier lines, last first.

    The shares are computed on integers in minor units whenever that gives the very same result as
    the ``Decimal`` arithmetic (see ``spread_minor``), and with ``Decimal`` otherwise.
    """
    minor_weights = to_minor_units(weights, currency)
    if minor_weights is not None:
        shares = spread_minor(amount, minor_weights, currency)
        if shares is not None:
            return shares
    return _spread_decimal(amount, weights, currency)


def to_minor_units(values: Iterable[Decimal], currency: str) -> list[int] | None:
    """``values`` as whole numbers of minor units (cents for EUR, yen for JPY, fils for KWD), or
    ``None`` when one of them is not a finite multiple of the currency's smallest unit (e.g.
    ``Decimal("0.005")`` in EUR) or is 10 ** 30 or more. Exact: ``as_integer_ratio`` gives the
    reduced fraction n / d, and ``n / d`` is a whole number of 1/scale units exactly when d divides
    the scale (10 ** precision). The magnitude test first (``adjusted()``: the power of ten of the
    leading digit) keeps absurd exponents such as ``1E-999999`` from turning into huge integers."""
    precision = currency_precision(currency)
    scale = _SCALES[precision]
    out: list[int] = []
    append = out.append
    try:
        for value in values:
            if value and not -precision <= value.adjusted() < _MAX_DIGITS:
                return None
            numerator, denominator = value.as_integer_ratio()
            if scale % denominator:
                return None
            append(numerator * (scale // denominator))
    except (ValueError, OverflowError):  # NaN, infinity
        return None
    return out


#: ``to_minor_units`` gives up on values of 10 ** _MAX_DIGITS or more.
_MAX_DIGITS = 30
#: ``spread_minor`` works on totals below this many minor units (10 billion EUR): see its docstring.
_MINOR_LIMIT = 10**12
#: The context precision ``spread_minor``'s equivalence argument needs (the default context has 28).
_MIN_PRECISION = 28


def spread_minor(amount: Decimal, weights: Sequence[int], currency: str) -> list[Decimal] | None:
    """``spread(amount, weights_as_decimals, currency)`` for ``weights`` given in minor units (see
    ``to_minor_units``), computed on integers; ``None`` when that cannot promise the very same result
    (then call ``spread``).

    With A the (capped, rounded down) amount, T the total and w a weight, all whole numbers of minor
    units, ``_spread_decimal`` computes ``(A * w / T)`` with ``Decimal`` and rounds it half up. The
    exact value rounded half up is ``floor(A * w / T + 1/2) == (2 * A * w + T) // (2 * T)`` (floor
    division of non-negative integers). The two agree whenever the ``Decimal`` division is accurate
    enough not to cross or reach a half: for T < 10 ** 12 the product A * w (< 10 ** 24) is exact at
    28 digits and the quotient (< 10 ** 12 minor units) keeps 16 digits after the point, an error
    below 10 ** -16 of a minor unit, while an inexact quotient lies at least 1 / (2 * T) > 10 ** -12
    away from any half (a quotient at exactly a half is exact). Hence the conditions: weights
    non-negative, T below ``_MINOR_LIMIT`` and a plain context (``_plain_context``). Then no share
    exceeds its weight (A <= T, so A * w / T <= w, and rounding to whole units cannot pass the whole
    number w) and every share, like ``quantize``'s result, carries the currency's exponent. The rare
    case of a last share above its weight (``_spread_decimal`` returns that weight's own ``Decimal``
    there) is left to ``_spread_decimal`` as well.
    """
    n = len(weights)
    if n == 0:
        return []
    if not _plain_context(getcontext()):
        return None
    total = sum(weights)
    if total >= _MINOR_LIMIT or min(weights) < 0:
        return None
    precision = currency_precision(currency)
    exp = _EXPONENTS[precision]
    zero_share = exp * 0
    if total <= 0:
        return [zero_share] * n
    if amount and not -precision <= amount.adjusted() < _MAX_DIGITS:  # see to_minor_units
        return None
    try:
        numerator, denominator = amount.as_integer_ratio()
    except (ValueError, OverflowError):  # NaN, infinity
        return None
    # min(amount, total) rounded down to whole minor units (total is a whole number already).
    capped = min((numerator * _SCALES[precision]) // denominator, total)
    if capped <= 0:
        return [zero_share] * n
    if n == 1:
        return [exp * capped]
    twice_amount, twice_total = 2 * capped, 2 * total
    shares = [(twice_amount * weight + total) // twice_total for weight in weights[:-1]]
    last = capped - sum(shares)
    if last > weights[-1]:
        return None
    if last < 0:
        # Many tiny lines all rounded up: take the excess back from the earlier lines, last first.
        deficit = -last
        last = 0
        for i in range(n - 2, -1, -1):
            back = min(shares[i], deficit)
            shares[i] -= back
            deficit -= back
            if deficit <= 0:
                break
    shares.append(last)
    # exp * share: the whole number of minor units written at the currency's exponent, like quantize.
    return [exp * share for share in shares]


def _plain_context(context: Context) -> bool:
    """True for a context like the default one as far as ``spread_minor`` is concerned: at least 28
    digits, inexact results not trapped, and a rounding other than ``ROUND_FLOOR`` (under which
    ``x - x`` is ``-0``, a sign the integers would not reproduce)."""
    return (
        context.prec >= _MIN_PRECISION
        and context.rounding != ROUND_FLOOR
        and not context.traps[Inexact]
        and not context.traps[Rounded]
    )


def _spread_decimal(amount: Decimal, weights: Sequence[Decimal], currency: str) -> list[Decimal]:
    """``spread`` computed with ``Decimal`` arithmetic (the reference behaviour)."""
    exp = _exponent(currency)
    n = len(weights)
    if n == 0:
        return []
    total = sum(weights, Decimal(0))
    if total <= 0:
        return [exp * 0] * n
    amount = min(amount, total).quantize(exp, rounding=ROUND_DOWN)
    if amount <= 0:
        return [exp * 0] * n
    if n == 1:
        return [amount]
    shares: list[Decimal] = []
    allotted = Decimal(0)
    append = shares.append
    for weight in weights[:-1]:
        share = (amount * weight / total).quantize(exp, rounding=SHARE_ROUNDING)
        if share > weight:
            share = weight
        append(share)
        allotted += share
    last = amount - allotted
    if last < 0:
        deficit = -last
        last = exp * 0
        for i in range(n - 2, -1, -1):
            back = min(shares[i], deficit)
            shares[i] -= back
            deficit -= back
            if deficit <= 0:
                break
    elif last > weights[-1]:
        overflow = last - weights[-1]
        last = weights[-1]
        for i in range(n - 2, -1, -1):
            room = weights[i] - shares[i]
            if room > 0:
                moved = min(room, overflow)
                shares[i] += moved
                overflow -= moved
                if overflow <= 0:
                    break
    shares.append(last)
    return shares


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in a currency. Arithmetic keeps the currency; mixing currencies raises ``ValueError``."""

    amount: Decimal
    currency: str

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(zero(currency), currency)

    def quantized(self, rounding: str = ROUND_HALF_UP) -> Money:
        return Money(quantize(self.amount, self.currency, rounding), self.currency)

    def _check(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"currency mismatch: {self.currency} and {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.amount - other.amount, self.currency)

    def __bool__(self) -> bool:
        return bool(self.amount)

    def __str__(self) -> str:
        return f"{quantize(self.amount, self.currency)} {self.currency}"

    def to_json(self) -> dict[str, str]:
        """``{"amount": "12.50", "currency": "EUR"}`` (amounts in JSON are strings)."""
        return {"amount": str(quantize(self.amount, self.currency)), "currency": self.currency}

"""Money: ``Decimal`` + currency, rounded at named places to the currency's precision.

* ``currency_precision("EUR") == 2``, ``"JPY" -> 0``, ``"KWD" -> 3`` (ISO 4217 minor units; unknown codes: 2).
* ``quantize(amount, currency, rounding=ROUND_HALF_UP)`` rounds to that precision with a named mode.
* ``spread(amount, weights, currency)`` splits an order-level amount over lines in proportion to their
  value: every share but the last is rounded half up, the last line takes the remainder, so the parts
  add up exactly; no share is ever negative or above its line's value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

__all__ = [
    "PERCENT_ROUNDING",
    "SHARE_ROUNDING",
    "Money",
    "currency_precision",
    "quantize",
    "spread",
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
    """
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

"""Closest existing code for a mistyped one (codes are case-insensitive)."""

from __future__ import annotations

from collections.abc import Iterable

from app.engine.inputs import canonical_code

__all__ = ["edit_distance", "max_distance", "suggest_code"]


def max_distance(code: str) -> int:
    """How many edits still count as a typo: 1 up to 5 characters, 2 up to 11, then 3."""
    n = len(code)
    return 1 if n <= 5 else 2 if n <= 11 else 3


def edit_distance(a: str, b: str, limit: int | None = None) -> int:
    """Damerau-Levenshtein distance (optimal string alignment: a swap of two neighbours is one edit).
    With ``limit``, returns ``limit + 1`` as soon as the distance is known to exceed it."""
    if a == b:
        return 0
    if limit is not None and abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                value = min(value, previous2[j - 2] + 1)
            current[j] = value
        if limit is not None and min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def suggest_code(code: str, candidates: Iterable[str]) -> str | None:
    """The candidate closest to ``code`` (case-insensitive), if within ``max_distance``; ties go to the
    alphabetically first candidate. The exact code itself is never suggested."""
    wanted = canonical_code(code)
    if not wanted:
        return None
    limit = max_distance(wanted)
    best: tuple[int, str] | None = None
    for candidate in candidates:
        canonical = canonical_code(candidate)
        if not canonical or canonical == wanted:
            continue
        distance = edit_distance(wanted, canonical, limit)
        if distance <= limit and (best is None or (distance, canonical) < best):
            best = (distance, canonical)
    return best[1] if best else None

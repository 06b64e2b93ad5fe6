"""Percentiles, in milliseconds, the way every section of the benchmark reports them."""

from __future__ import annotations

import statistics
from collections.abc import Sequence


def percentile(samples: Sequence[float], fraction: float) -> float:
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def summary(seconds: Sequence[float]) -> dict[str, float]:
    """p50 / p95 / max in milliseconds."""
    if not seconds:
        return {"n": 0}
    return {"n": len(seconds), "p50_ms": 1000 * statistics.median(seconds),
            "p95_ms": 1000 * percentile(seconds, 0.95), "max_ms": 1000 * max(seconds)}


def letters(number: int, width: int = 4) -> str:
    """A number spelled in letters (0 -> "aaaa"): the realm's user profile allows no digits in
    names, and seeded people still need distinct ones."""
    out = ""
    for _ in range(width):
        number, digit = divmod(number, 26)
        out = chr(ord("a") + digit) + out
    return out.capitalize()

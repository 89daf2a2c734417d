"""Token units: amounts are whole micro-tokens (1 token = 10⁶ units), so conservation is exact.

A leaf module (numpy only): mechanisms, agents and the ledger all count in these units.
"""

from __future__ import annotations

import numpy as np

UNITS_PER_TOKEN = 1_000_000


def to_units(tokens: float) -> int:
    """Whole micro-token units in an amount of tokens (rounded down)."""
    return int(tokens_to_units(tokens))


def tokens_to_units(tokens) -> np.ndarray:
    """Whole units in token amounts, rounded down; products like 0.015717 · 100 that land a
    hair below a whole unit in binary floating point are not lost to the floor."""
    return np.floor(np.round(np.asarray(tokens, dtype=np.float64) * UNITS_PER_TOKEN, 6)).astype(
        np.int64
    )


def split_units(total: int, shares: np.ndarray) -> np.ndarray:
    """Split an integer amount in proportion to non-negative ``shares`` with no unit lost.

    Largest-remainder (Hamilton) rounding: floors first, then one unit each to the largest
    fractional remainders (ties to the lower index), so the parts sum exactly to ``total``.
    All-zero shares give all-zero parts.
    """
    shares = np.asarray(shares, dtype=np.float64)
    if total < 0 or np.any(shares < 0):
        raise ValueError("split_units needs a non-negative total and shares")
    weight = shares.sum()
    if total == 0 or weight <= 0:
        return np.zeros(shares.shape, dtype=np.int64)
    exact = shares / weight * total
    parts = np.floor(exact).astype(np.int64)
    left = int(total - parts.sum())
    if left:
        order = np.argsort(-(exact - parts), kind="stable")
        parts[order[:left]] += 1
    return parts

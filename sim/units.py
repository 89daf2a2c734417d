"""Token units: amounts are whole micro-tokens (1 token = 10⁶ units), so conservation is exact.

A leaf module (numpy only): mechanisms, agents and the ledger all count in these units.
"""

from __future__ import annotations

import numpy as np

UNITS_PER_TOKEN = 1_000_000
# The most units any amount, balance or the whole supply may reach: 2⁵³, the largest range in which
# float64 (where incentives compute shares) holds every whole unit exactly, far inside int64's
# 2⁶³ − 1 (about 9.0 × 10⁹ tokens).  Past it a split in floating point can hand out more units
# than it splits: 2.2 × 10¹² tokens of emission made a payment overdraw the treasury.
MAX_UNITS = 2**53
MAX_TOKENS = MAX_UNITS / UNITS_PER_TOKEN


class TokenOverflow(OverflowError):
    """An amount would leave the range of whole units: it grew without bound.  Raised before
    anything wraps around, so no ledger entry is written with a wrong amount."""


def checked_units(units, what: str) -> np.ndarray:
    """Float unit amounts as int64, after checking that they are finite and within ±MAX_UNITS
    (a float past 2⁶³ wraps to a negative int64 without a word)."""
    units = np.asarray(units, dtype=np.float64)
    if units.size and not (np.all(np.isfinite(units)) and np.abs(units).max() <= MAX_UNITS):
        worst = np.nanmax(np.abs(units)) if np.any(~np.isnan(units)) else float("nan")
        raise TokenOverflow(
            f"{what}: an amount of {worst / UNITS_PER_TOKEN:.3g} tokens is past the "
            f"{MAX_TOKENS:.3g} tokens that whole micro-token units hold exactly"
        )
    return units.astype(np.int64)


def to_units(tokens: float) -> int:
    """Whole micro-token units in an amount of tokens (rounded down)."""
    return int(tokens_to_units(tokens))


def tokens_to_units(tokens, what: str = "token amount") -> np.ndarray:
    """Whole units in token amounts, rounded down; products like 0.015717 · 100 that land a
    hair below a whole unit in binary floating point are not lost to the floor."""
    return checked_units(
        np.floor(np.round(np.asarray(tokens, dtype=np.float64) * UNITS_PER_TOKEN, 6)), what
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
    if total > MAX_UNITS:
        raise TokenOverflow(
            f"a split of {total / UNITS_PER_TOKEN:.3g} tokens is past the {MAX_TOKENS:.3g} tokens "
            "that whole micro-token units hold exactly"
        )
    weight = shares.sum()
    if total == 0 or weight <= 0:
        return np.zeros(shares.shape, dtype=np.int64)
    exact = shares / weight * total
    parts = np.floor(exact).astype(np.int64)
    left = int(total - parts.sum())
    remainders = exact - parts
    if left > 0:
        order = np.argsort(-remainders, kind="stable")
        parts[order[:left]] += 1
    elif left < 0:  # float rounding floored a part up: take the unit back where least was lost
        order = np.argsort(remainders, kind="stable")
        order = order[parts[order] > 0]
        parts[order[:-left]] -= 1
    return parts

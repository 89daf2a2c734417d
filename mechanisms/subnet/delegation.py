"""Delegated stake and the validator's take (opentensor/subtensor, pallets/subtensor/src/
coinbase/run_coinbase.rs ``distribute_dividends_and_incentives`` and staking/: a validator's
dividends are shared by the stake behind it; before that share it keeps its ``take`` (default and
maximum 11,796 / 65,535 ≈ 18 %, minimum 0; runtime/src/lib.rs ``DefaultTake``) of what the
delegated stake earned).

``split_dividends`` pays, in whole units with nothing lost:

    validator = D · own / S + take · D · delegated / S,
    nominator j = (1 − take) · D · d_j / S,      S = own + Σ d_j,

the nominators' part split pro rata by largest remainder (sim.units.split_units).
"""

from __future__ import annotations

import numpy as np

from sim.units import split_units

MAX_TAKE = 11_796 / 65_535


def split_dividends(
    dividend: int, own: float, delegated: np.ndarray, take: float = MAX_TAKE
) -> tuple[int, np.ndarray]:
    """(units to the validator, (m,) units to each nominator) of ``dividend`` units."""
    if not 0.0 <= take <= MAX_TAKE + 1e-12:
        raise ValueError(f"take must lie in [0, {MAX_TAKE:.4f}], got {take}")
    delegated = np.asarray(delegated, dtype=float)
    if own < 0 or (delegated < 0).any():
        raise ValueError("stakes must be ≥ 0")
    total = own + delegated.sum()
    if dividend <= 0 or total <= 0:
        return 0, np.zeros(len(delegated), dtype=np.int64)
    to_delegated = int(split_units(dividend, np.array([own, delegated.sum()]))[1])
    kept = int(np.floor(take * to_delegated))
    nominators = split_units(to_delegated - kept, delegated)
    return int(dividend - nominators.sum()), nominators

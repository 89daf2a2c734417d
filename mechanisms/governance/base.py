"""Contract of the governance family.

A proposal changes a live parameter of the economy.  Every account states a vote in {−1, 0, +1}
(against, abstain, for); the mechanism says who holds voting power and whether the proposal
passes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np


@dataclass(frozen=True)
class GovernanceOutcome:
    """passed; power (n,) each account held; yes/no power cast; turnout = cast / held."""

    passed: bool
    power: np.ndarray
    yes: float
    no: float
    turnout: float


@runtime_checkable
class GovernanceMechanism(Protocol):
    """``decide(votes (n,) in {−1, 0, 1}, balances (n,), is_owner (n,) bool) -> GovernanceOutcome``."""

    def decide(
        self, votes: np.ndarray, balances: np.ndarray, is_owner: np.ndarray
    ) -> GovernanceOutcome: ...


def weighted_majority(votes, power, threshold: float) -> GovernanceOutcome:
    """Pass iff yes-power > threshold · (yes + no power cast)."""
    votes = np.asarray(votes)
    power = np.asarray(power, dtype=np.float64)
    yes = float(power[votes > 0].sum())
    no = float(power[votes < 0].sum())
    cast = yes + no
    held = float(power.sum())
    return GovernanceOutcome(
        passed=cast > 0 and yes > threshold * cast,
        power=power,
        yes=yes,
        no=no,
        turnout=min(1.0, cast / held) if held > 0 else 0.0,  # rounding can exceed 1
    )

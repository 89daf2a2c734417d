"""Contract of the incentive family.

Each epoch the model measures what every participant contributed and what the treasury collected
from consumers; the incentive mechanism turns that into integer token rewards (micro-token units,
see sim.ledger).  Rewards are paid from the treasury; ``minted`` of them is new supply (emission),
the rest comes from the treasury's balance (collected fees, or a platform's own funds).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np


@dataclass(frozen=True)
class Contributions:
    """What each participant contributed this epoch (all ≥ 0, zeros for the inactive).

    builders:        (B,) agreed merit of accepted submissions (consensus builder weight).
    validators:      (V,) evaluation credit (consensus validator weight).
    data_providers:  (D,) records used by accepted submissions.
    revenue:         units the treasury collected from consumers this epoch.
    """

    builders: np.ndarray
    validators: np.ndarray
    data_providers: np.ndarray
    revenue: int


@dataclass(frozen=True)
class Rewards:
    """Integer rewards in units; ``minted`` ≤ their sum is created by emission."""

    builders: np.ndarray
    validators: np.ndarray
    data_providers: np.ndarray
    minted: int

    @property
    def total(self) -> int:
        return int(self.builders.sum() + self.validators.sum() + self.data_providers.sum())


@runtime_checkable
class IncentiveMechanism(Protocol):
    def allocate(self, contributions: Contributions) -> Rewards: ...

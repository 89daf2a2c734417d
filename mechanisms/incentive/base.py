"""Contract of the incentive family.

Each epoch the model measures what every participant contributed and what the treasury collected
from consumers; the incentive mechanism turns that into integer token rewards (micro-token units,
see sim.units).  Rewards are paid from the treasury; ``minted`` of them is new supply (emission),
the rest comes from the treasury's balance (collected fees, or a platform's own funds).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import ClassVar, Protocol, runtime_checkable

import numpy as np


@dataclass(frozen=True)
class Contributions:
    """What each participant contributed this epoch (all ≥ 0, zeros for the inactive).

    builders:        (B,) agreed merit of accepted submissions (consensus builder weight).
    validators:      (V,) evaluation credit (consensus validator weight).
    data_providers:  (D,) records used by accepted submissions.
    revenue:         units the treasury collected from consumers this epoch.
    builder_utility: value of a coalition of builders, a boolean (B,) mask → validation score of
                     the network model rebuilt from that coalition's accepted updates (for
                     Shapley rewards); None when the caller cannot rebuild models.
    builder_stake:   (B,) tokens each builder holds at risk (Numerai-style payouts).
    builder_corr:    (B,) correlation of each builder's predictions with the target.
    builder_mmc:     (B,) its meta-model contribution (correlation after neutralising to the
                     stake-weighted meta-model).
    data_stake:      (D,) tokens each data provider stakes on its own data (Ocean data farming).
    recycled:        units burned for registrations this epoch (a subnet recycles them into
                     its unissued supply).
    parameters:      current values of the governed parameters the mechanism declares
                     (``governed``); a mechanism uses its own value for any missing here.

    The economy computes the optional measurements (builder_utility … data_stake) only for a
    mechanism that lists them in ``needs``; the others arrive as None.
    """

    builders: np.ndarray
    validators: np.ndarray
    data_providers: np.ndarray
    revenue: int
    builder_utility: Callable[[np.ndarray], float] | None = None
    builder_stake: np.ndarray | None = None
    builder_corr: np.ndarray | None = None
    builder_mmc: np.ndarray | None = None
    data_stake: np.ndarray | None = None
    recycled: int | None = None
    parameters: Mapping[str, float] = field(default_factory=dict)


# The optional measurements of Contributions a mechanism may need.
MEASUREMENTS = frozenset(
    {"builder_utility", "builder_stake", "builder_corr", "builder_mmc", "data_stake", "recycled"}
)


@dataclass(frozen=True)
class Rewards:
    """Integer rewards in units.  ``minted`` units are created by emission (into the treasury);
    ``kept`` of them stay with the treasury as the protocol or subnet owner's cut; ``burned`` of
    them are destroyed from the treasury (a subnet owner's burn of miner emission);
    ``builder_burns`` (B,) are destroyed from builders' own balances (slashed stake at risk)."""

    builders: np.ndarray
    validators: np.ndarray
    data_providers: np.ndarray
    minted: int
    kept: int = 0
    burned: int = 0
    builder_burns: np.ndarray | None = None

    @property
    def total(self) -> int:
        return int(self.builders.sum() + self.validators.sum() + self.data_providers.sum())


@runtime_checkable
class IncentiveMechanism(Protocol):
    """``allocate(Contributions) -> Rewards``, with two declarations (defaults for a class that
    subclasses this Protocol):

    needs:    the optional measurements of Contributions it reads (a subset of MEASUREMENTS);
    governed: its parameters that governance may change (their live values then arrive in
              ``Contributions.parameters``);
    monotone: the Contributions fields in which a contributor who brings more is never paid
              less, all else equal (checked by the family contract).
    """

    needs: ClassVar[frozenset[str]] = frozenset()
    governed: ClassVar[tuple[str, ...]] = ()
    monotone: ClassVar[frozenset[str]] = frozenset()

    def allocate(self, contributions: Contributions) -> Rewards: ...

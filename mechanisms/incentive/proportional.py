"""Token emission split in proportion to accepted contribution."""

from __future__ import annotations

import numpy as np

from mechanisms.incentive.base import Contributions, IncentiveMechanism, Rewards
from mechanisms.parameters import ParameterError, at_least, within
from sim.units import split_units, to_units

SHARE_NAMES = ("builder_share", "validator_share", "data_share")


class ProportionalEmission(IncentiveMechanism):
    """Emit E tokens per epoch and pass on a share of fees; split both by contribution.

    With budget ``E + f·revenue`` and group shares (s_builders, s_validators, s_data) summing to 1,
    member k of group g receives ``budget · s_g · c_k / Σ_{k'∈g} c_{k'}`` (largest-remainder
    rounding to whole units).  A group with no contribution this epoch is paid nothing: its part of
    the emission is not minted and its part of the fees stays in the treasury.

    Source: contribution-proportional block rewards, the common core of Bittensor's emission split
    (miners by incentive, validators by dividends; opentensor/subtensor run_coinbase.rs) and of Ocean's data
    farming (rewards ∝ stake-weighted consume volume).  Departure: one flat emission per epoch, no
    halving schedule and no owner cut.
    """

    def __init__(
        self,
        emission_per_epoch: float = 100.0,
        builder_share: float = 0.5,
        validator_share: float = 0.25,
        data_share: float = 0.25,
        fee_share: float = 1.0,
    ):
        shares = (builder_share, validator_share, data_share)
        at_least("emission_per_epoch", emission_per_epoch, 0)
        for name, value in zip(SHARE_NAMES, shares, strict=True):
            within(name, value, 0, 1)
        within("fee_share", fee_share, 0, 1)
        if abs(sum(shares) - 1.0) > 1e-9:
            raise ParameterError(
                "data_share",
                f"must make builder_share + validator_share + data_share = 1, got {sum(shares)}",
            )
        self.emission_per_epoch = emission_per_epoch
        self.shares = np.array(shares)
        self.fee_share = fee_share

    governed = ("emission_per_epoch",)
    monotone = frozenset({"builders", "validators", "data_providers"})

    def emission_rate(self, contributions: Contributions) -> float:
        """Tokens minted per epoch: the governed value, else the configured one."""
        return contributions.parameters.get("emission_per_epoch", self.emission_per_epoch)

    def allocate(self, contributions: Contributions) -> Rewards:
        emission = split_units(to_units(self.emission_rate(contributions)), self.shares)
        fees = split_units(int(contributions.revenue * self.fee_share), self.shares)
        groups = (contributions.builders, contributions.validators, contributions.data_providers)
        paid, minted = [], 0
        for group, e, f in zip(groups, emission, fees, strict=True):
            if np.sum(group) > 0:
                paid.append(split_units(int(e + f), group))
                minted += int(e)
            else:
                paid.append(np.zeros(np.shape(group), dtype=np.int64))
        return Rewards(*paid, minted=minted)

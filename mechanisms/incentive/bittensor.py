"""Bittensor's emission split of a subnet."""

from __future__ import annotations

import numpy as np

from mechanisms.incentive.base import Contributions, IncentiveMechanism, Rewards
from mechanisms.parameters import at_least, within
from sim.units import split_units, to_units


class BittensorEmission(IncentiveMechanism):
    """Subnet emission: owner cut first, then miners by incentive and validators by dividends.

    Of the epoch's emission E (plus the consumer fees passed on), the subnet owner keeps
    ``owner_cut`` (18 %); the rest E' is split with Σ = Σ_j I_j + Σ_i D_i: miner j receives
    ``E' · I_j / Σ`` and validator i ``E' · D_i / Σ`` — 41 % / 41 % of the subnet's emission when
    both I and D are normalised.  If Σ = 0, validators receive E' in proportion to their credit
    (the chain uses active stake) and miners nothing; if that is zero too, nothing is minted.
    Builders play the miners (I = consensus builder weight) and validators their role
    (D = consensus validator weight, Yuma's dividends under Yuma); data providers get nothing.

    Source: the emission split and the owner cut of opentensor/subtensor's
    run_coinbase.  Departure: the owner's cut stays in the treasury account, which stands for the
    subnet owner.
    """

    def __init__(
        self, emission_per_epoch: float = 100.0, owner_cut: float = 0.18, fee_share: float = 1.0
    ):
        at_least("emission_per_epoch", emission_per_epoch, 0)
        within("owner_cut", owner_cut, 0, 1)
        within("fee_share", fee_share, 0, 1)
        self.emission_per_epoch = emission_per_epoch
        self.owner_cut = owner_cut
        self.fee_share = fee_share

    governed = ("emission_per_epoch",)
    monotone = frozenset({"builders", "validators"})

    def allocate(self, contributions: Contributions) -> Rewards:
        incentive = np.asarray(contributions.builders, dtype=np.float64)
        dividends = np.asarray(contributions.validators, dtype=np.float64)
        data = np.zeros(np.shape(contributions.data_providers), dtype=np.int64)
        emission = to_units(
            contributions.parameters.get("emission_per_epoch", self.emission_per_epoch)
        )
        fees = int(contributions.revenue * self.fee_share)
        if incentive.sum() + dividends.sum() <= 0:
            return Rewards(
                np.zeros(incentive.shape, np.int64), np.zeros(dividends.shape, np.int64), data, 0
            )
        owner = int(np.floor((emission + fees) * self.owner_cut))
        shares = split_units(emission + fees - owner, np.concatenate([incentive, dividends]))
        return Rewards(
            builders=shares[: len(incentive)],
            validators=shares[len(incentive) :],
            data_providers=data,
            minted=emission,
            kept=owner,
        )

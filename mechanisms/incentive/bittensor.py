"""Bittensor's emission of a subnet: how much (a fixed rate, or the chain's halving schedule) and
how it is split."""

from __future__ import annotations

from enum import StrEnum

import numpy as np

from mechanisms.incentive.base import Contributions, IncentiveMechanism, Rewards
from mechanisms.parameters import at_least, choice, within
from mechanisms.subnet.emission import TOTAL_SUPPLY_TAO, tempo_emission
from sim.units import UNITS_PER_TOKEN, split_units, to_units


class Schedule(StrEnum):
    fixed = "fixed"  # emission_per_epoch, governed
    chain = "chain"  # the chain's block emission per tempo, halving by issuance


class BittensorEmission(IncentiveMechanism):
    """Subnet emission: owner cut first, then miners by incentive and validators by dividends.

    Of the epoch's emission E (plus the consumer fees passed on), the subnet owner keeps
    ``owner_cut`` (18 %); the rest E' is split with Σ = Σ_j I_j + Σ_i D_i: miner j receives
    ``E' · I_j / Σ`` and validator i ``E' · D_i / Σ`` — 41 % / 41 % of the subnet's emission when
    both I and D are normalised.  If Σ = 0, validators receive E' in proportion to their credit
    (the chain uses active stake) and miners nothing; if that is zero too, nothing is minted.
    Builders play the miners (I = consensus builder weight) and validators their role
    (D = consensus validator weight, Yuma's dividends under Yuma); data providers get nothing.

    ``schedule="chain"`` replaces the fixed ``emission_per_epoch`` by the chain's: one epoch is
    one tempo of 360 blocks, each minting ``block_emission(issuance)`` (1 token until 10.5 M are
    issued, then halving by issuance: mechanisms/subnet/emission.py), the token being the
    subnet's own (alpha, 1 per block); registration burns are recycled, taking them off the
    issuance so that they are emitted again (the halving comes later).  Governance cannot move
    a chain schedule.  ``owner_burn`` b is the share of miner emission the owner's own UID takes
    and burns (run_coinbase.rs ``distribute_dividends_and_incentives``: incentive to the owner's
    hotkeys is recycled or burned): miners get (1 − b) of their half, b of it is destroyed.

    Source: the emission split and the owner cut of opentensor/subtensor's
    run_coinbase.  Departure: the owner's cut stays in the treasury account, which stands for the
    subnet owner.
    """

    def __init__(
        self,
        emission_per_epoch: float = 100.0,
        owner_cut: float = 0.18,
        fee_share: float = 1.0,
        schedule: str = "fixed",
        issuance: float = 0.0,
        owner_burn: float = 0.0,
    ):
        at_least("emission_per_epoch", emission_per_epoch, 0)
        within("owner_cut", owner_cut, 0, 1)
        within("fee_share", fee_share, 0, 1)
        schedule = choice("schedule", schedule, Schedule)
        within("issuance", issuance, 0, TOTAL_SUPPLY_TAO)
        within("owner_burn", owner_burn, 0, 1, include_high=False)
        self.emission_per_epoch = emission_per_epoch
        self.owner_cut = owner_cut
        self.fee_share = fee_share
        self.schedule = schedule
        self.issuance = float(issuance)  # tokens issued so far, net of recycling (chain)
        self.owner_burn = owner_burn
        if schedule == "chain":
            self.governed = ()
            self.needs = frozenset({"recycled"})

    governed = ("emission_per_epoch",)
    monotone = frozenset({"builders", "validators"})

    def epoch_emission(self, contributions: Contributions) -> int:
        """Units to mint this epoch; on the chain schedule the issuance (already net of this
        epoch's recycled burns) moves on by them."""
        if self.schedule == "fixed":
            return to_units(
                contributions.parameters.get("emission_per_epoch", self.emission_per_epoch)
            )
        emission = to_units(tempo_emission(self.issuance))
        self.issuance += emission / UNITS_PER_TOKEN
        return emission

    def allocate(self, contributions: Contributions) -> Rewards:
        incentive = np.asarray(contributions.builders, dtype=np.float64)
        dividends = np.asarray(contributions.validators, dtype=np.float64)
        data = np.zeros(np.shape(contributions.data_providers), dtype=np.int64)
        fees = int(contributions.revenue * self.fee_share)
        if self.schedule == "chain":
            # The chain recycles a registration's burn when it happens, paid out or not.
            recycled = (contributions.recycled or 0) / UNITS_PER_TOKEN
            self.issuance = max(self.issuance - recycled, 0.0)
        if incentive.sum() + dividends.sum() <= 0:
            return Rewards(
                np.zeros(incentive.shape, np.int64), np.zeros(dividends.shape, np.int64), data, 0
            )
        emission = self.epoch_emission(contributions)
        owner = int(np.floor((emission + fees) * self.owner_cut))
        # The owner's burn UID holds b of the miners' incentive, out of the miners' half.
        b = self.owner_burn
        claims = np.concatenate([incentive * (1.0 - b), dividends, [b * incentive.sum()]])
        shares = split_units(emission + fees - owner, claims)
        return Rewards(
            builders=shares[: len(incentive)],
            validators=shares[len(incentive) : -1],
            data_providers=data,
            minted=emission,
            kept=owner,
            burned=int(shares[-1]),
        )

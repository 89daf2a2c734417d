"""Numerai-style payouts on stake at risk."""

from __future__ import annotations

import numpy as np

from mechanisms.incentive.base import Contributions, IncentiveMechanism, Rewards
from mechanisms.parameters import at_least, positive
from sim.units import tokens_to_units


def numerai_payouts(stake, corr, mmc, threshold: float, corr_weight=0.5, mmc_weight=2.0, clip=0.05):
    """``payout = stake · clip(pf · (0.5·CORR + 2·MMC), −0.05, +0.05)`` with the payout factor
    ``pf = min(1, threshold / total_at_risk)``; negative payouts are burned from the stake.

    Source: numerai/docs (staking.md, "payouts") and numerai/numerai-tools scoring.py.
    """
    stake = np.asarray(stake, dtype=np.float64)
    at_risk = stake.sum()
    factor = 1.0 if at_risk <= 0 else min(1.0, threshold / at_risk)
    score = corr_weight * np.asarray(corr) + mmc_weight * np.asarray(mmc)
    return stake * np.clip(factor * score, -clip, clip)


class NumeraiStake(IncentiveMechanism):
    """Builders stake their balance on their submission and are paid (or burned) by its score.

    Builder k's stake is its balance; its CORR and MMC are measured on held-out data by the model
    (correlation of its predicted class probabilities with the one-hot target, and of the same
    predictions neutralised to the stake-weighted meta-model).  Positive payouts are minted,
    negative ones burned from the builder.  Validators and data providers are not paid (Numerai
    scores submissions itself, on data it owns).  Consumer fees stay in the treasury.

    Source: numerai_payouts above.  Departure: the threshold (Numerai's payout cap in NMR per
    round) is a parameter in tokens.
    """

    needs = frozenset({"builder_stake", "builder_corr", "builder_mmc"})
    # Not the stake: a builder with a negative score loses more the more it stakes.
    monotone = frozenset({"builder_corr", "builder_mmc"})

    def __init__(
        self,
        threshold: float = 100.0,
        corr_weight: float = 0.5,
        mmc_weight: float = 2.0,
        clip: float = 0.05,
    ):
        positive("threshold", threshold)
        at_least("clip", clip, 0)
        self.threshold = threshold
        self.corr_weight = corr_weight
        self.mmc_weight = mmc_weight
        self.clip = clip

    def allocate(self, contributions: Contributions) -> Rewards:
        n = len(contributions.builders)
        zeros = np.zeros(n)
        stake = zeros if contributions.builder_stake is None else contributions.builder_stake
        submitted = np.asarray(contributions.builders) > 0
        corr = zeros if contributions.builder_corr is None else contributions.builder_corr
        mmc = zeros if contributions.builder_mmc is None else contributions.builder_mmc
        payout = numerai_payouts(
            np.where(submitted, stake, 0.0),
            corr,
            mmc,
            self.threshold,
            self.corr_weight,
            self.mmc_weight,
            self.clip,
        )
        paid = tokens_to_units(np.maximum(payout, 0))
        burned = tokens_to_units(np.maximum(-payout, 0))
        return Rewards(
            builders=paid,
            validators=np.zeros(np.shape(contributions.validators), np.int64),
            data_providers=np.zeros(np.shape(contributions.data_providers), np.int64),
            minted=int(paid.sum()),
            builder_burns=burned,
        )

"""Stake-weighted majority vote on each submission."""

from __future__ import annotations

import numpy as np

from mechanisms.consensus.base import ConsensusOutcome, approvals, merit_weights


class StakeMajority:
    """Accept a submission when more than ``threshold`` of the stake cast approves it.

    Each online evaluator i with stake s_i approves submission j iff ``score_ij ≥ baseline_i −
    tolerance``.  With power p_i = s_i · online_i, submission j is accepted iff
    ``Σ_i p_i [i approves j] > threshold · Σ_i p_i``.  The round commits only when the online
    stake reaches ``quorum`` of all stake.  Builders' credit is the power-weighted mean score of
    accepted submissions; an evaluator's credit is p_i times the share of submissions on which its
    vote agreed with the outcome (normalised).

    Source: stake-weighted majority as used in proof-of-stake governance and voting
    (shared/specs/mechanisms.md, "Stake-weighted voting and BFT quorums": a proposal passes with
    > 1/2 of stake cast).
    """

    def __init__(self, threshold: float = 0.5, quorum: float = 0.5, tolerance: float = 0.25):
        for name, value in (("threshold", threshold), ("quorum", quorum), ("tolerance", tolerance)):
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must lie in [0, 1], got {value}")
        self.threshold = threshold
        self.quorum = quorum
        self.tolerance = tolerance

    def init(self, n_validators: int, n_builders: int) -> None:
        return None

    def step(self, state, stake, scores, active=None, baseline=None):
        stake = np.asarray(stake, dtype=np.float64)
        online = np.ones(stake.shape, bool) if active is None else np.asarray(active, bool)
        power = np.where(online, stake, 0.0)
        n_builders = scores.shape[1]
        if stake.sum() <= 0 or power.sum() < self.quorum * stake.sum() or power.sum() <= 0:
            nothing = np.zeros(n_builders)
            return state, ConsensusOutcome(
                nothing.astype(bool), nothing, np.zeros_like(power), power, committed=False
            )
        approve = approvals(scores, baseline, self.tolerance)
        support = power @ approve / power.sum()
        submitted = ~np.all(np.isnan(scores), axis=0)
        accepted = (support > self.threshold) & submitted
        agreement = (
            np.mean(approve[:, submitted] == accepted[submitted], axis=1)
            if submitted.any()
            else np.zeros_like(power)
        )
        credit = power * agreement
        credit = credit / credit.sum() if credit.sum() > 0 else credit
        return state, ConsensusOutcome(
            accepted=accepted,
            builder_weight=merit_weights(scores, power, accepted),
            validator_weight=credit,
            voting_power=power,
            committed=True,
        )

"""Majority votes on each submission: by stake, or one agent one vote."""

from __future__ import annotations

import numpy as np

from mechanisms.consensus.base import check_round, halted, vote_outcome
from mechanisms.parameters import within


class _WeightedVote:
    """Accept submission j iff Σ_i p_i [W_ij > 0] > threshold · Σ_i p_i over active evaluators;
    commit only when the active power reaches ``quorum`` of all power."""

    def __init__(self, threshold: float = 0.5, quorum: float = 0.5):
        within("threshold", threshold, 0, 1)
        within("quorum", quorum, 0, 1)
        self.threshold = threshold
        self.quorum = quorum

    def power(self, stake: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def init(self, n_validators: int, n_builders: int) -> None:
        return None

    def step(self, state, stake, weights, active=None):
        stake, weights, active = check_round(stake, weights, active)
        held = self.power(stake)
        power = np.where(active, held, 0.0)
        if held.sum() <= 0 or power.sum() <= 0 or power.sum() < self.quorum * held.sum():
            return state, halted(*weights.shape, power=power)
        support = power @ (weights > 0) / power.sum()
        return state, vote_outcome(weights, power, support > self.threshold)


class StakeMajority(_WeightedVote):
    """Stake-weighted majority: power p_i = stake_i.

    Each active evaluator supports the submissions it puts weight on; j is accepted iff
    ``Σ_i s_i [W_ij > 0] > threshold · Σ_i s_i`` over active evaluators, and the round commits
    only with ``quorum`` of all stake active.  Builders' merit is the stake-weighted mean weight of
    accepted submissions; an evaluator's credit is its stake times the share of submissions on
    which its vote agreed with the outcome (normalised).

    Source: stake-weighted majority of proof-of-stake voting (Buterin & Griffith, "Casper the
    Friendly Finality Gadget", arXiv:1710.09437, 2017: votes weighted by deposit); a proposal
    passes with > 1/2 of the stake cast.
    """

    def power(self, stake):
        return stake


class Majority(_WeightedVote):
    """One agent, one vote: power p_i = 1 for every evaluator with positive stake (registered),
    otherwise as StakeMajority.  Source: simple majority rule (May, "A set of
    independent necessary and sufficient conditions for simple majority decision", Econometrica
    20(4), 1952): a proposal passes with > 1/2 of the votes cast.  Sybil identities count fully here,
    which is the rule's known weakness."""

    def power(self, stake):
        return (stake > 0).astype(np.float64)

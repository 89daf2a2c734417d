"""BFT quorum (Tendermint / CometBFT) with optional stake-proportional committee sampling."""

from __future__ import annotations

import hashlib
import math

import numpy as np

from mechanisms.consensus.base import check_round, halted, vote_outcome
from mechanisms.parameters import at_least_or_none, within


def committee_failure_probability(committee_size: int, byzantine_fraction: float) -> float:
    """P[Bin(k, β) ≥ ⌈k/3⌉]: a committee of k seats drawn ∝ stake holds a blocking third of
    Byzantine seats when a fraction β of the stake is Byzantine (binomial tail; the one-third
    bound of Castro & Liskov, "Practical Byzantine Fault Tolerance", OSDI 1999)."""
    k, beta = committee_size, byzantine_fraction
    threshold = math.ceil(k / 3)
    return float(
        sum(math.comb(k, m) * beta**m * (1 - beta) ** (k - m) for m in range(threshold, k + 1))
    )


class BFTQuorum:
    """Commit a submission with precommits from more than ``quorum`` (2/3) of all voting power.

    Every validator that is active precommits the submissions it puts weight on; offline power
    counts as absent, so submission j commits iff ``Σ_i p_i active_i [W_ij > 0] > quorum · Σ_i p_i``.
    The round is live only while the active power exceeds ``quorum`` of the total: with one third
    or more offline (or withholding), nothing commits.  Safety and liveness hold while Byzantine
    power f < N/3 (N = 3f + 1).

    With ``committee_size`` k, the round is decided by k seats drawn with replacement ∝ stake
    (p_i = seats of i); the draw uses a public beacon, a SHA-256 hash of the round's stake and
    weights with ``seed``, so every node can recompute the committee.  A committee is unsafe with
    probability ``committee_failure_probability(k, β)``.

    Source: Buchman, Kwon & Milosevic, "The latest gossip on BFT consensus" (Tendermint,
    arXiv:1807.04938): a block commits with > 2/3 of voting power in precommits; committee
    sampling as in Algorand (Gilad et al., SOSP 2017).  Departure: one round per epoch (no
    view changes, no locking), and a submission's precommit is the validator's non-zero weight.
    """

    def __init__(self, quorum: float = 2 / 3, committee_size: int | None = None, seed: int = 0):
        within("quorum", quorum, 0.5, 1, include_high=False)
        at_least_or_none("committee_size", committee_size, 1)
        self.quorum = quorum
        self.committee_size = committee_size
        self.seed = seed

    def init(self, n_validators: int, n_builders: int) -> None:
        return None

    def voting_power(self, stake: np.ndarray, weights: np.ndarray) -> np.ndarray:
        if self.committee_size is None or stake.sum() <= 0:
            return stake
        beacon = hashlib.sha256(
            stake.tobytes() + weights.tobytes() + self.seed.to_bytes(8, "little")
        ).digest()
        rng = np.random.default_rng(int.from_bytes(beacon[:8], "little"))
        return rng.multinomial(self.committee_size, stake / stake.sum()).astype(np.float64)

    def step(self, state, stake, weights, active=None):
        stake, weights, active = check_round(stake, weights, active)
        power = self.voting_power(stake, weights)
        total = power.sum()
        online = np.where(active, power, 0.0)
        if total <= 0 or online.sum() <= self.quorum * total:
            return state, halted(*weights.shape, power=online)
        accepted = online @ (weights > 0) > self.quorum * total
        return state, vote_outcome(weights, online, accepted)

"""Quadratic voting and quadratic funding."""

from __future__ import annotations

import numpy as np

from mechanisms.governance.base import weighted_majority
from mechanisms.parameters import within


def quadratic_funding(contributions: np.ndarray, pool: float) -> np.ndarray:
    """Funding of each project under quadratic funding with a matching pool.

    ``contributions`` is donors × projects.  Project p ideally receives F_p = (Σ_i √c_ip)²; its
    subsidy F_p − Σ_i c_ip is paid from the pool, and when the pool is short all subsidies are
    scaled down by the same factor.  Returns Σ_i c_ip + scaled subsidy per project.

    Source: Buterin, Hitzig & Weyl, "A Flexible Design for Funding Public Goods", Management
    Science 65(11), 2019 (capital-constrained QF).
    """
    c = np.asarray(contributions, dtype=np.float64)
    if np.any(c < 0) or pool < 0:
        raise ValueError("contributions and pool must be non-negative")
    direct = c.sum(axis=0)
    subsidy = np.sqrt(c).sum(axis=0) ** 2 - direct
    needed = subsidy.sum()
    scale = 1.0 if needed <= pool else (pool / needed if needed > 0 else 0.0)
    return direct + scale * subsidy


class QuadraticVoting:
    """Each account's voice credits are its tokens; casting v votes costs v² credits, so an
    account spending all its credits on one proposal casts √balance votes.  A proposal passes
    with more than ``threshold`` of the votes cast.  Source: Lalley & Weyl, "Quadratic Voting",
    AEA Papers and Proceedings 108, 2018.
    Sybil identities gain under it (√a + √b > √(a + b)), which the adversary experiments show."""

    def __init__(self, threshold: float = 0.5):
        within("threshold", threshold, 0, 1, include_high=False)
        self.threshold = threshold

    def decide(self, votes, balances, is_owner):
        return weighted_majority(votes, np.sqrt(np.maximum(balances, 0.0)), self.threshold)

"""Token-weighted vote."""

from __future__ import annotations

from mechanisms.governance.base import weighted_majority
from mechanisms.parameters import within


class TokenVote:
    """One token, one vote: power = balance; a proposal passes with more than ``threshold`` of the
    power cast.  Source: token-weighted on-chain governance (Buterin, "Notes on blockchain governance",
    vitalik.ca, 2017): a proposal passes with more than the threshold of the tokens cast."""

    def __init__(self, threshold: float = 0.5):
        within("threshold", threshold, 0, 1, include_high=False)
        self.threshold = threshold

    def decide(self, votes, balances, is_owner):
        return weighted_majority(votes, balances, self.threshold)

"""The owner decides."""

from __future__ import annotations

import numpy as np

from mechanisms.governance.base import weighted_majority


class OwnerDecides:
    """All voting power lies with the owner (the platform's coordinator); everyone else's vote
    carries zero weight.  Source: the centralized-platform baseline of docs/model.md
    (the coordinator sets the parameters)."""

    def decide(self, votes, balances, is_owner):
        return weighted_majority(votes, np.asarray(is_owner, dtype=np.float64), threshold=0.5)

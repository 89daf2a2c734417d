"""The owner decides."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from mechanisms.governance.base import weighted_majority


class OwnerDecides:
    """All voting power lies with the owner (the platform's coordinator); everyone else's vote
    carries zero weight.  Source: the centralized-platform baseline of docs/model.md
    (the coordinator sets the parameters)."""

    # Scorecard metrics this rule fixes whatever happens in a run (metric → why).
    fixed_metrics: ClassVar[dict[str, str]] = {
        "governance_turnout": "the owner casts all the power there is (1)",
        "governance_gini": "the owner holds all voting power",
        "governance_nakamoto": "the owner holds all voting power (1)",
    }

    def decide(self, votes, balances, is_owner):
        return weighted_majority(votes, np.asarray(is_owner, dtype=np.float64), threshold=0.5)

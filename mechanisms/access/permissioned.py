"""Platform approval up to a capacity."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from mechanisms.access.base import AccessMechanism, Admission
from mechanisms.parameters import at_least


class Permissioned(AccessMechanism):
    """The coordinator approves applicants in arrival order while its roster for the role has
    fewer than ``capacity`` members (and a slot is free).  Entry is free in tokens but rationed.

    Source: the centralized-platform baseline of docs/model.md (the coordinator alone admits
    participants, up to its capacity).
    """

    # Scorecard metrics this rule fixes whatever happens in a run (metric → why).
    fixed_metrics: ClassVar[dict[str, str]] = {
        "entry_cost_ratio": "permissioned entry costs no tokens (0)"
    }

    def __init__(self, capacity: int = 10):
        at_least("capacity", capacity, 0)
        self.capacity = capacity

    def admit(self, budgets, free_slots, active_count):
        budgets = np.asarray(budgets, dtype=np.float64)
        room = max(0, min(free_slots, self.capacity - active_count))
        admitted = np.arange(budgets.size) < room
        return Admission(admitted, np.zeros(budgets.size, np.int64), entry_cost=0.0)

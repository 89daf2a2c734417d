"""Stake-bonded entry with slashing."""

from __future__ import annotations

import numpy as np

from mechanisms.access.base import AccessMechanism, Admission
from mechanisms.parameters import at_least, within
from sim.units import to_units


class StakeBond(AccessMechanism):
    """Anyone who can lock ``bond`` tokens joins (while a slot is free); the bond is returned on
    exit, less ``slash_fraction`` of it burned for every proven fault (a submission the
    consensus rejected).

    Source: bonded validator entry and slashing in proof-of-stake networks
    (Buterin & Griffith, arXiv:1710.09437, 2017: a proven fault burns a fraction of the bonded
    deposit; Gensyn's verification game slashes a solver's stake D).  Departure: a
    rejected submission counts as the proven fault.
    """

    def __init__(self, bond: float = 10.0, slash_fraction: float = 0.1):
        at_least("bond", bond, 0)
        within("slash_fraction", slash_fraction, 0, 1)
        self.bond = bond
        self.slash_fraction = slash_fraction

    def admit(self, budgets, free_slots, active_count):
        budgets = np.asarray(budgets, dtype=np.float64)
        can_lock = budgets >= self.bond
        admitted = can_lock & (np.cumsum(can_lock) <= free_slots)
        return Admission(
            admitted,
            burn=np.zeros(budgets.size, np.int64),
            entry_cost=self.bond,
            bond=np.where(admitted, to_units(self.bond), 0),
        )

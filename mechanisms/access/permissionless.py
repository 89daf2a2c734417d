"""Permissionless entry with a registration burn."""

from __future__ import annotations

import numpy as np

from mechanisms.access.base import AccessMechanism, Admission
from mechanisms.parameters import at_least
from sim.units import to_units


class RegistrationBurn(AccessMechanism):
    """Anyone who can pay joins: an applicant with budget ≥ ``burn`` is admitted (while a slot is
    free) and destroys ``burn`` tokens.

    Source: Bittensor's neuron registration, where a UID costs a burned amount of TAO (the
    ``burned_register`` extrinsic of opentensor/subtensor).  Departure: a fixed burn, not the
    chain's adjustment of the burn towards a target number of registrations per interval.
    """

    def __init__(self, burn: float = 5.0):
        at_least("burn", burn, 0)
        self.burn = burn

    def admit(self, budgets, free_slots, active_count):
        budgets = np.asarray(budgets, dtype=np.float64)
        can_pay = budgets >= self.burn
        admitted = can_pay & (np.cumsum(can_pay) <= free_slots)
        return Admission(admitted, np.where(admitted, to_units(self.burn), 0), entry_cost=self.burn)

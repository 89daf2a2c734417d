"""The base participant: identity, wallet view and the shared entry/exit rules.

Numeric state (balances, costs, capacities, loss streaks) lives in arrays owned by the model and
indexed by the agent's ``slot``; an agent keeps who it is and how it decides.  Decision rules are
written once per role as functions over the arrays of all members of that role, so that a phase
decides for a thousand agents in one NumPy expression.
"""

from __future__ import annotations

import mesa
import numpy as np

from sim.roles import Role
from sim.units import UNITS_PER_TOKEN


class Participant(mesa.Agent):
    """A mesa agent bound to one account slot of the model's arrays."""

    role: Role = Role.PROTOCOL

    def __init__(self, model: mesa.Model, slot: int, owner: int | None = None):
        super().__init__(model)
        self.slot = int(slot)
        self.owner = int(self.unique_id if owner is None else owner)

    @property
    def wallet(self) -> float:
        """Token balance, read from the ledger's balances."""
        return self.model.ledger.balances[self.slot] / UNITS_PER_TOKEN

    @property
    def online(self) -> bool:
        return bool(self.model.population.online[self.slot])

    @staticmethod
    def stays(loss_streak: np.ndarray, patience: int) -> np.ndarray:
        """A participant leaves after ``patience`` consecutive epochs of losses."""
        return loss_streak < patience

    @staticmethod
    def enters(expected_profit: np.ndarray, entry_cost: float, horizon: int) -> np.ndarray:
        """A candidate applies when the profit incumbents made last epoch, less the entry cost
        spread over ``horizon`` epochs, is positive."""
        return expected_profit - entry_cost / horizon > 0

    @staticmethod
    def vote_on_raise(roles: np.ndarray, raise_: bool) -> np.ndarray:
        """+1 / −1 per account on raising the consumer price or the emission: suppliers gain from
        both (more fees and more emission to share), consumers lose (they pay the price, and
        emission dilutes the tokens they hold)."""
        wants_raise = np.asarray(roles) != Role.CONSUMER
        return np.where(wants_raise == raise_, 1, -1)

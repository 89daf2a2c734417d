"""The six roles of an AI economy."""

from __future__ import annotations

import numpy as np

from agents.base import Participant, Role


class ComputeProvider(Participant):
    """Sells compute units (``capacity`` per epoch) at or above its marginal ``unit_cost``."""

    role = Role.COMPUTE_PROVIDER

    @property
    def capacity(self) -> float:
        """Compute units it can sell per epoch."""
        return float(self.model.population.capacity[self.slot])

    @property
    def unit_cost(self) -> float:
        return float(self.model.population.unit_cost[self.slot])


class DataProvider(Participant):
    """Holds one shard of real training data; hands it to a platform or licenses training on it."""

    role = Role.DATA_PROVIDER

    @property
    def shard(self) -> np.ndarray:
        """Indices of its records in the training pool."""
        position = self.model.population.position(self.role, self.slot)
        row = self.model.engine.shard_table[position]
        return row[row >= 0]


class ModelBuilder(Participant):
    """Buys compute, trains locally on the data it obtained and submits its model."""

    role = Role.BUILDER

    @staticmethod
    def compute_demand(wanted: float, balances: np.ndarray, price: float, pays: bool) -> np.ndarray:
        """Units a builder asks for: what full local training needs, capped by what it can pay
        for when it pays itself (a platform's workers get compute allocated for free)."""
        wanted = np.full(balances.shape, float(wanted))
        if not pays or price <= 0:
            return wanted
        return np.minimum(wanted, np.maximum(balances, 0) / price)


def honest_weights(scores: np.ndarray, baseline: np.ndarray, tolerance: float) -> np.ndarray:
    """An honest evaluator's weights: its measured score for every submission that scores at
    least its score of the current network model minus ``tolerance``, else 0 (missing → 0)."""
    scores = np.nan_to_num(np.asarray(scores, dtype=np.float64), nan=-np.inf)
    keep = scores >= np.asarray(baseline)[:, None] - tolerance
    return np.where(keep, scores, 0.0)


class Validator(Participant):
    """Scores submissions on its own held-out data and sets weights; its stake is its balance."""

    role = Role.VALIDATOR
    set_weights = staticmethod(honest_weights)


class Consumer(Participant):
    """Pays for access to the network model when it is worth the price."""

    role = Role.CONSUMER

    @staticmethod
    def buys(value: np.ndarray, accuracy: float, price: float, balances: np.ndarray) -> np.ndarray:
        """Buy an epoch of access iff value × accuracy ≥ price and the wallet covers the price."""
        return (value * accuracy >= price) & (balances >= price)


class Coordinator(Participant):
    """The platform: owns the data lake, buys compute, evaluates, pays wages, sets the price."""

    role = Role.COORDINATOR
    set_weights = staticmethod(honest_weights)

    @staticmethod
    def prefers_price(current: float, proposed: float, value: np.ndarray, accuracy: float) -> bool:
        """Back the proposal when it does not lower revenue p · #{consumers with value·acc ≥ p}."""

        def revenue(p: float) -> float:
            return p * float(np.sum(value * accuracy >= p))

        return revenue(proposed) >= revenue(current)

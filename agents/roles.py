"""The six roles of an AI economy."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from agents.base import Participant, Role


class ComputeProvider(Participant):
    """Sells compute units (``capacity`` per epoch) at or above its marginal ``unit_cost``;
    asks its cost times (1 + ``markup``): 0 for the honest ask, more for the markup strategies
    of agents.adversary."""

    role = Role.COMPUTE_PROVIDER
    markup: ClassVar[float] = 0.0

    @property
    def capacity(self) -> float:
        """Compute units it can sell per epoch."""
        return float(self.model.population.capacity[self.slot])

    @property
    def unit_cost(self) -> float:
        return float(self.model.population.unit_cost[self.slot])


class DataProvider(Participant):
    """Holds one shard of real training data; hands it to a platform or licenses training on it
    (``licenses``; a withholding provider keeps it to itself)."""

    role = Role.DATA_PROVIDER
    licenses: ClassVar[bool] = True

    @property
    def shard(self) -> np.ndarray:
        """Indices of its records in the training pool."""
        position = self.model.population.position(self.role, self.slot)
        row = self.model.engine.shard_table[position]
        return row[row >= 0]


class ModelBuilder(Participant):
    """Buys compute, trains locally on the data it obtained and submits its model.

    The class methods below are the honest defaults of the hooks adversaries replace
    (agents.adversary); each acts on all members of a kind at once."""

    role = Role.BUILDER
    flips_labels: ClassVar[bool] = False

    @classmethod
    def buys_compute(cls, population, slots: np.ndarray) -> np.ndarray:
        return np.ones(len(slots), dtype=bool)

    @classmethod
    def submit(cls, round, members: np.ndarray) -> None:
        """Honest builders submit what they trained: the round is left as it is."""

    @staticmethod
    def compute_demand(wanted: float, balances: np.ndarray, price: float, pays: bool) -> np.ndarray:
        """Units a builder asks for: what full local training needs, capped by what it can pay
        for when it pays itself (a platform's workers get compute allocated for free)."""
        wanted = np.full(balances.shape, float(wanted))
        if not pays or price <= 0:
            return wanted
        return np.minimum(wanted, np.maximum(balances, 0) / price)

    @staticmethod
    def local_steps(units: np.ndarray, steps_per_unit: float, max_steps: int) -> np.ndarray:
        """Whole local training steps from the compute units each builder received.

        The market divides compute finely (pro-rata rationing hands 100 builders 0.55 units
        each), but a builder trains in whole steps.  Flooring each share separately would throw
        the fractions away, and below one step a share vanishes: compute sold, nothing trained.
        The steps the units pay for in total, ⌊Σ_b u_b · s⌋, are instead apportioned by the
        largest-remainder (Hamilton) method: each builder gets ⌊u_b · s⌋ and the steps left go
        one each to the largest fractional parts (ties to the lower position).  So no more than
        one step's worth of compute is lost per epoch, and a builder gets a step whenever its
        share is among those that complete one.  Capped at ``max_steps`` per builder.
        """
        exact = np.asarray(units, dtype=np.float64) * steps_per_unit
        steps = np.floor(exact + 1e-9)
        left = int(np.floor(exact.sum() + 1e-9) - steps.sum())
        if left > 0:
            order = np.argsort(-(exact - steps), kind="stable")[:left]
            steps[order] += 1
        return np.minimum(steps, max_steps).astype(np.int64)


class Validator(Participant):
    """Scores submissions on its own held-out data and sets weights (the subnet's scoring rule,
    mechanisms/scoring); its stake is its balance."""

    role = Role.VALIDATOR
    evaluates: ClassVar[bool] = True  # scores submissions (and pays economy.evaluation_cost)

    @classmethod
    def scored_count(cls, received: int, params) -> float:
        """Submissions a member scores itself, of the ``received`` (it pays for each): all of
        them when it evaluates, none when it does not."""
        return float(received) if cls.evaluates else 0.0

    @classmethod
    def set_member_weights(cls, round, members: np.ndarray) -> None:
        """Honest validators keep the weights they measured."""


class Consumer(Participant):
    """Pays for access to the network model when it is worth the price."""

    role = Role.CONSUMER

    @staticmethod
    def buys(value: np.ndarray, accuracy: float, price: float, balances: np.ndarray) -> np.ndarray:
        """Buy an epoch of access iff value × accuracy ≥ price and the wallet covers the price."""
        return (value * accuracy >= price) & (balances >= price)


class Nominator(Participant):
    """Holds tokens, does no work, and stakes them behind one validator, moving when another
    validator's yield pays for the move (a Bittensor nominator; sim/epoch/delegation.py)."""

    role = Role.NOMINATOR
    always_reviews: ClassVar[bool] = False  # reviews with delegation.review_probability

    @staticmethod
    def moves(
        current: np.ndarray, best: np.ndarray, switching_cost: float, horizon: int
    ) -> np.ndarray:
        """Move iff the best validator's yield per staked token, over ``horizon`` epochs, beats
        the current one's by more than the share of stake lost in moving."""
        return horizon * (best - current) > switching_cost


class Coordinator(Participant):
    """The platform: owns the data lake, buys compute, evaluates, pays wages, sets the price."""

    role = Role.COORDINATOR

    @staticmethod
    def prefers_price(current: float, proposed: float, value: np.ndarray, accuracy: float) -> bool:
        """Back the proposal when it does not lower revenue p · #{consumers with value·acc ≥ p}."""

        def revenue(p: float) -> float:
            return p * float(np.sum(value * accuracy >= p))

        return revenue(proposed) >= revenue(current)

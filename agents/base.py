"""The base participant: identity, wallet view and the shared entry/exit rules.

Numeric state (balances, costs, capacities, loss streaks) lives in arrays owned by the model and
indexed by the agent's ``slot``; an agent keeps who it is and how it decides.  Decision rules are
written once per role as functions over the arrays of all members of that role, so that a phase
decides for a thousand agents in one NumPy expression.
"""

from __future__ import annotations

from typing import ClassVar

import mesa
import numpy as np

from sim.roles import Role
from sim.units import UNITS_PER_TOKEN


class Participant(mesa.Agent):
    """A mesa agent bound to one account slot of the model's arrays."""

    role: Role = Role.PROTOCOL
    kind: ClassVar[str] = ""  # "" is honest play; a registered strategy names its kind
    adaptive: ClassVar[bool] = True  # a strategy an adapting member of the role may switch to

    @classmethod
    def assign(cls, population, group: np.ndarray) -> None:
        """Set up the slots drawn to play this kind (honest play needs nothing)."""

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

    @property
    def active(self) -> bool:
        """Whether the participant takes part now (it has joined and not left)."""
        return bool(self.model.population.active[self.slot])

    @property
    def role_name(self) -> str:
        return self.role.name.lower()

    @property
    def strategy(self) -> str:
        """The behaviour it plays: "honest" or an adversary kind (agents.adversary)."""
        return self.model.population.adversary[self.slot] or "honest"

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
    def vote_on_price(
        roles: np.ndarray,
        value: np.ndarray,
        balances: np.ndarray,
        accuracy: float,
        current: float,
        proposed: float,
    ) -> np.ndarray:
        """+1 / −1 / 0 per account on moving the consumer price from ``current`` to
        ``proposed``: each votes for the price that pays it more (Downs, "An Economic Theory of
        Democracy", 1957: a voter backs the alternative it expects to gain from).  A consumer
        compares its surplus max(value·accuracy − price, 0) at the two prices (it buys as
        Consumer.buys does); a supplier, paid from the fees, compares the fee revenue
        price · #{consumers who buy at that price}, the rule the platform's coordinator uses
        (Coordinator.prefers_price).  Equal outcomes abstain."""
        roles = np.asarray(roles)
        consumers = roles == Role.CONSUMER
        worth = np.where(consumers, np.asarray(value) * accuracy, 0.0)

        def surplus(price: float) -> np.ndarray:
            buys = consumers & (worth >= price) & (np.asarray(balances) >= price)
            return np.where(buys, worth - price, 0.0)

        def revenue(price: float) -> float:
            return price * float(
                np.count_nonzero(consumers & (worth >= price) & (balances >= price))
            )

        consumer_vote = np.sign(surplus(proposed) - surplus(current))
        supplier_vote = np.sign(revenue(proposed) - revenue(current))
        return np.where(consumers, consumer_vote, supplier_vote).astype(np.int64)

    @staticmethod
    def vote_on_emission(
        reward_share: np.ndarray, supply_share: np.ndarray, raise_: bool
    ) -> np.ndarray:
        """+1 / −1 / 0 per account on raising (or cutting) the emission: new tokens raise an
        account's share of the supply iff it receives a larger share of them than it holds of
        the supply.  With balance b of supply S and a share ρ of an emission E,
        d/dE [(b + ρE) / (S + E)] = (ρS − b) / (S + E)², positive iff ρ > b/S: emission is a
        transfer from holders to recipients (the dilution argument for staking rewards,
        Buterin, "On Inflation, Transaction Fees and Cryptocurrency Monetary Policy",
        blog.ethereum.org, 2016).  ``reward_share`` is what the account received of the rewards
        since the last proposal; equal shares abstain."""
        gains = np.sign(np.asarray(reward_share) - np.asarray(supply_share))
        return (gains if raise_ else -gains).astype(np.int64)

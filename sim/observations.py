"""What a participant observes before it decides: its own books and the public state, one row
per slot, shared by the RL environment (sim/env.py) and the decision learners
(sim/epoch/decide.py)."""

from __future__ import annotations

import numpy as np

from sim.roles import Role
from sim.strategies import RoleStrategies
from sim.units import UNITS_PER_TOKEN

OBSERVATION_FIELDS = (
    "balance",
    "capital",
    "last_profit",
    "strategy",
    "compute_price",
    "test_accuracy",
    "role_honest_share",
)


def observation_table(world, slots: np.ndarray, classes: dict[Role, tuple]) -> np.ndarray:
    """(len(slots), len(OBSERVATION_FIELDS)) float32: each slot's balance (tokens), capital at
    the last epoch's start, last profit, strategy (index into its role's ``classes``), the
    market's compute price, the network model's test accuracy (0 before any) and the share of
    its role's active members that play honestly."""
    p, state = world.population, world.state
    table = np.zeros((len(slots), len(OBSERVATION_FIELDS)), dtype=np.float32)
    table[:, 0] = world.ledger.balances[slots] / UNITS_PER_TOKEN
    table[:, 1], table[:, 2] = p.capital[slots], p.profit[slots]
    table[:, 4] = state.market_price
    table[:, 5] = state.test_accuracy if np.isfinite(state.test_accuracy) else 0.0
    for role, role_classes in classes.items():
        mine = p.role[slots] == role
        if not mine.any():
            continue
        members = p.members(role)
        strategies = RoleStrategies(role_classes, None, None)
        table[mine, 3] = strategies.index_of(p.adversary[slots[mine]])
        honest = float((p.adversary[members] == "").mean()) if len(members) else 0.0
        table[mine, 6] = honest
    return table


def standardised(table: np.ndarray) -> np.ndarray:
    """Each column centred and scaled by its spread over the rows (0 where it does not vary):
    inputs a linear policy can use whatever the token amounts."""
    table = np.asarray(table, dtype=np.float64)
    spread = table.std(axis=0)
    centred = table - table.mean(axis=0)
    return np.divide(centred, spread, out=np.zeros_like(centred), where=spread > 0)

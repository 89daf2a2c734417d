"""Central allocation at a posted price."""

from __future__ import annotations

import numpy as np

from mechanisms.market.base import Allocation
from mechanisms.parameters import at_least


class PostedPrice:
    """One price p per unit; rationing pro rata on the long side.

    Supply comes from providers whose unit cost is at most p (no one sells at a loss).  With
    demand D = Σ d_b and willing capacity K = Σ k_p, the traded quantity is Q = min(D, K); builder b
    receives ``d_b · Q / D`` and provider p sells ``k_p · Q / K``.  Every unit trades at p.

    Source: the centralized-platform baseline of docs/model.md (the platform sets a price per
    GPU-hour); pro-rata rationing is the standard fixed-price allocation rule.
    """

    def __init__(self, price: float = 1.0):
        at_least("price", price, 0)
        self.price = price

    def allocate(self, demand, capacity, unit_cost):
        demand = np.asarray(demand, dtype=np.float64)
        willing = np.where(np.asarray(unit_cost) <= self.price, np.asarray(capacity, float), 0.0)
        quantity = min(demand.sum(), willing.sum())
        units = demand * (quantity / demand.sum()) if demand.sum() > 0 else np.zeros_like(demand)
        sold = willing * (quantity / willing.sum()) if willing.sum() > 0 else np.zeros_like(willing)
        return Allocation(units=units, sold=sold, price=np.full(willing.shape, self.price))

"""Akash-style sealed-bid reverse auction for compute."""

from __future__ import annotations

import numpy as np

from mechanisms.market.base import Allocation
from mechanisms.parameters import at_least


class ReverseAuction:
    """First-price sealed-bid reverse auction: the cheapest acceptable bids win.

    Builders post one order for their units with a ceiling ``max_price`` per unit.  Each provider
    bids ``unit_cost · (1 + markup)`` per unit (never below its marginal cost) for its whole
    capacity; bids above the ceiling are rejected.  Orders are filled from the lowest bid upwards
    until the demand D is met or acceptable capacity runs out; every provider is paid its own bid
    (first price) for the units it leases, and builders share the filled quantity pro rata.

    Source: Akash Network's marketplace (akash-network/node, x/market: tenants create orders
    with a price ceiling, providers answer with bids and a deposit, the lowest bid wins a lease
    paid per block from escrow).  Departures: one lease per epoch, the bid deposit is not modelled,
    and bids use a fixed markup rather than a learned strategy.
    """

    def __init__(self, max_price: float = 1.0, markup: float = 0.2):
        at_least("max_price", max_price, 0)
        at_least("markup", markup, 0)
        self.max_price = max_price
        self.markup = markup

    @property
    def price(self) -> float:
        """The ceiling, which is what builders plan their budgets against."""
        return self.max_price

    def allocate(self, demand, capacity, unit_cost):
        demand = np.asarray(demand, dtype=np.float64)
        capacity = np.asarray(capacity, dtype=np.float64)
        bids = np.asarray(unit_cost, dtype=np.float64) * (1 + self.markup)
        acceptable = np.where(bids <= self.max_price, capacity, 0.0)
        order = np.argsort(bids, kind="stable")
        before = np.concatenate(([0.0], np.cumsum(acceptable[order])[:-1]))
        sold = np.zeros_like(capacity)
        sold[order] = np.clip(demand.sum() - before, 0.0, acceptable[order])
        quantity = sold.sum()
        units = demand * (quantity / demand.sum()) if demand.sum() > 0 else np.zeros_like(demand)
        return Allocation(units=units, sold=sold, price=bids)

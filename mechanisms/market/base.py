"""Contract of the market family.

Builders demand compute units (each pays for a fixed number of local training steps); providers
offer capacity at a marginal cost.  The market decides who gets how much and at what price.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np


@dataclass(frozen=True)
class Allocation:
    """units (B,) delivered to each builder; sold (P,) by each provider, Σ units = Σ sold;
    price (P,) tokens per unit each provider is paid (builders pay the quantity-weighted price)."""

    units: np.ndarray
    sold: np.ndarray
    price: np.ndarray

    @property
    def cost(self) -> float:
        """Total tokens paid for the compute."""
        return float(self.sold @ self.price)


@runtime_checkable
class MarketMechanism(Protocol):
    """``allocate(demand (B,), capacity (P,), unit_cost (P,)) -> Allocation``; all ≥ 0.

    price: the most a buyer pays per unit (the posted price, the auction's ceiling or the bid
    value); builders plan their first purchase with it.
    """

    @property
    def price(self) -> float: ...

    def allocate(
        self, demand: np.ndarray, capacity: np.ndarray, unit_cost: np.ndarray
    ) -> Allocation: ...

"""A centralized platform's wages and data prices."""

from __future__ import annotations

import numpy as np

from mechanisms.incentive.base import Contributions, IncentiveMechanism, Rewards
from mechanisms.parameters import at_least
from sim.units import to_units, tokens_to_units


class PlatformWages(IncentiveMechanism):
    """The platform pays posted prices and keeps the difference.

    Builder k earns ``wage_per_update`` for each accepted update (quality beyond acceptance is not
    paid); data provider k earns ``price_per_record`` per record of its data used this epoch;
    validators earn nothing (the coordinator evaluates).  Nothing is minted: wages come from the
    platform's balance (consumer fees plus its capital).  The platform's take rate is then
    ``(revenue − wages − data payments − compute) / revenue``.

    Source: the centralized-platform baseline of docs/model.md: contributors are paid fixed
    wages or a price per unit set by the platform, which keeps the difference.
    """

    def __init__(self, wage_per_update: float = 5.0, price_per_record: float = 0.02):
        at_least("wage_per_update", wage_per_update, 0)
        at_least("price_per_record", price_per_record, 0)
        self.wage_per_update = wage_per_update
        self.price_per_record = price_per_record

    monotone = frozenset({"builders", "data_providers"})

    def allocate(self, contributions: Contributions) -> Rewards:
        accepted = np.asarray(contributions.builders) > 0
        records = np.asarray(contributions.data_providers, dtype=np.float64)
        return Rewards(
            builders=accepted.astype(np.int64) * to_units(self.wage_per_update),
            validators=np.zeros(np.shape(contributions.validators), dtype=np.int64),
            data_providers=tokens_to_units(records * self.price_per_record),
            minted=0,
        )

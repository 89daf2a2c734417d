"""Ocean Protocol data farming."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from mechanisms.incentive.base import Contributions, Rewards
from mechanisms.incentive.proportional import ProportionalEmission
from mechanisms.parameters import at_least
from sim.units import UNITS_PER_TOKEN, split_units, tokens_to_units


def data_farming_rewards(stakes, volume, budget: float, apy_cap: float = 0.015717, multiplier=1.0):
    """Reward of staker i on asset j:
    ``R_ij = min(p_j · S_ij / Σ_i S_ij · O, 0.015717 · S_ij, DCV_j · M_j)``, p_j = DCV_j / Σ DCV.

    ``stakes`` (I, J), ``volume`` (J,) data consume volume, ``budget`` O.  Source:
    oceanprotocol/df-py, df_py/volume/reward_calculator.py.
    """
    stakes = np.asarray(stakes, dtype=np.float64)
    volume = np.asarray(volume, dtype=np.float64)
    if volume.sum() <= 0:
        return np.zeros_like(stakes)
    p = volume / volume.sum()
    per_asset = stakes.sum(axis=0)
    share = np.divide(stakes, per_asset, out=np.zeros_like(stakes), where=per_asset > 0)
    return np.minimum(
        np.minimum(p * share * budget, apy_cap * stakes), (volume * multiplier)[None, :]
    )


class OceanDataFarming(ProportionalEmission):
    """Data providers are paid by Ocean's data farming formula; builders and validators as in
    ProportionalEmission.

    Each provider stakes ``data_stake`` on its own data asset; the asset's consume volume DCV is
    the records of it used by accepted updates, valued at ``record_value`` tokens each.  The data
    group's part of the budget is the farming budget O; what the caps leave unpaid is not
    minted.  Source: data_farming_rewards above.  Departure: one staker per asset (the owner).
    """

    needs = frozenset({"data_stake"})
    monotone = frozenset({"builders", "validators", "data_providers", "data_stake"})

    def __init__(self, apy_cap: float = 0.015717, record_value: float = 0.01, **emission):
        """``emission`` takes ProportionalEmission's parameters (emission_per_epoch, shares)."""
        super().__init__(**emission)
        at_least("apy_cap", apy_cap, 0)
        at_least("record_value", record_value, 0)
        self.apy_cap = apy_cap
        self.record_value = record_value

    def allocate(self, contributions: Contributions) -> Rewards:
        others = super().allocate(
            replace(contributions, data_providers=np.zeros(np.shape(contributions.data_providers)))
        )
        records = np.asarray(contributions.data_providers, dtype=np.float64)
        stake = (
            np.zeros_like(records) if contributions.data_stake is None else contributions.data_stake
        )
        budget_units = int(
            split_units(int(self.emission_rate(contributions) * UNITS_PER_TOKEN), self.shares)[2]
        )
        farmed = data_farming_rewards(
            np.diag(stake),
            records * self.record_value,
            budget_units / UNITS_PER_TOKEN,
            self.apy_cap,
        ).sum(axis=0)
        paid = tokens_to_units(farmed)
        return Rewards(
            builders=others.builders,
            validators=others.validators,
            data_providers=paid,
            minted=others.minted + int(paid.sum()),
        )

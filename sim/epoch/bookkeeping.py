"""Phase 10: bookkeeping.  Profit = change of balance − operating cost − cost of compute sold −
``economy.evaluation_cost`` per submission scored;
loss streaks grow with losses (unless the epoch does not count: ``World.losses_count``); the
network model's test accuracy is measured for the next epoch.
"""

from __future__ import annotations

import numpy as np

from sim.epoch.access import SUPPLIER_ROLES
from sim.epoch.results import Faults, MarketResult
from sim.roles import Role
from sim.units import UNITS_PER_TOKEN


def suppliers(population) -> np.ndarray:
    """Mask of the active accounts of the supplying roles (everyone but consumers)."""
    return np.isin(population.role, [int(r) for r in SUPPLIER_ROLES]) & population.active


def account_profits(world, start_balances, market: MarketResult, evaluation, faults: Faults):
    p = world.population
    delta = (world.ledger.balances - start_balances) / UNITS_PER_TOKEN
    profit = delta - p.operating_cost * p.online - p.unit_cost * market.sold
    profit -= world.cfg.economy.evaluation_cost * evaluation.scored
    supplying = suppliers(p)
    p.profit[supplying] = profit[supplying]
    # What each supplier had at stake: its balance, a validator its stake with delegation.
    capital = start_balances / UNITS_PER_TOKEN
    capital[p.blocks[Role.VALIDATOR]] = p.validator_stake(start_balances) / UNITS_PER_TOKEN
    p.capital[supplying] = capital[supplying]
    # Nominators do no work: their profit is their dividends less the fees they paid.
    nominators = p.members(Role.NOMINATOR)
    p.profit[nominators] = delta[nominators]
    p.capital[nominators] = capital[nominators]
    if world.losses_count(faults):
        losing = profit[supplying] < 0
        p.loss_streak[supplying] = np.where(losing, p.loss_streak[supplying] + 1, 0)
    world.state.test_accuracy = world.engine.test_accuracy()

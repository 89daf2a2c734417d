"""Phase 2: the resource market.  Builders obtain compute from compute providers.

Reads online builders and providers, their balances, capacities and unit costs, the market
mechanism and the last clearing price; the organisation says who pays (a network's builders
through escrow, a platform from its wallet).  Returns ``MarketResult``: whole local training
steps per builder (ModelBuilder.local_steps) and units sold per provider.
"""

from __future__ import annotations

import numpy as np

from sim.epoch.results import Faults, MarketResult
from sim.roles import Role
from sim.units import UNITS_PER_TOKEN, checked_units


def resource_market(world, faults: Faults) -> MarketResult:
    p, learning = world.population, world.cfg.learning
    steps = np.zeros(len(p.blocks[Role.BUILDER]), dtype=np.int64)
    sold = np.zeros(p.size)
    builder_set = world.roles[Role.BUILDER]
    builders = builder_set.slots(online_only=True)
    provider_set = world.roles[Role.COMPUTE_PROVIDER]
    providers = provider_set.slots(online_only=True)
    if len(builders) == 0 or len(providers) == 0 or not faults.operator_up:
        return MarketResult(steps, sold, None, 0)
    organisation = world.organisation
    demand = builder_set.demand(
        builders,
        learning.max_local_steps / learning.steps_per_unit,
        world.state.market_price,
        pays=organisation.builders_pay_compute(),
    )
    allocation = world.mechanisms.market.allocate(
        demand, p.capacity[providers], provider_set.asks(providers)
    )
    receipts = checked_units(
        np.floor(allocation.sold * allocation.price * UNITS_PER_TOKEN), "compute receipts"
    )
    spend = organisation.settle_compute(world, allocation, builders, providers, receipts)
    if allocation.sold.sum() > 0:
        world.state.market_price = allocation.cost / allocation.sold.sum()
    sold[providers] = allocation.sold
    utilisation = allocation.sold.sum() / max(p.capacity[providers].sum(), 1e-12)
    steps[p.position(Role.BUILDER, builders)] = builder_set.local_steps(
        allocation.units, learning.steps_per_unit, learning.max_local_steps
    )
    return MarketResult(steps, sold, float(utilisation), spend)

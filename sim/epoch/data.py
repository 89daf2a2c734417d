"""Phase 3: data.  Each builder that will train obtains records (the organisation decides how:
licences on a network, a sample of the data lake on a platform).

Reads the online data providers, the engine's shard table and the market's steps; returns
``TrainingData``: a (B, M) table of training-record indices (−1 padding) and the raw bytes moved.
"""

from __future__ import annotations

import numpy as np

from sim.epoch.results import MarketResult, TrainingData
from sim.roles import Role


def obtain_data(world, market: MarketResult) -> TrainingData:
    p, engine = world.population, world.engine
    table = np.full((len(market.steps), engine.records_per_builder), -1, dtype=np.int64)
    provider_set = world.roles[Role.DATA_PROVIDER]
    providers = provider_set.slots(online_only=True)
    providers = providers[provider_set.licensing(providers)]
    positions = p.position(Role.DATA_PROVIDER, providers)
    training = np.flatnonzero(market.steps > 0)
    moved = world.organisation.training_records(world, positions, training, table)
    ever_joined = p.joined[p.blocks[Role.DATA_PROVIDER]] >= 0
    total = int((engine.shard_table[ever_joined] >= 0).sum()) * engine.record_bytes
    return TrainingData(table, moved, total)

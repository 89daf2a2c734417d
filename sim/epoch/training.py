"""Phase 4: training and submissions.  Builders train locally (JAX, vectorised over builders)
and submit; adversaries rewrite what their members submit (agents.adversary).

Reads the records, the steps, the network model (or each builder's own model under gossip) and
the builder role set; returns ``Submissions``: (B, D) models and who submitted.
"""

from __future__ import annotations

import numpy as np

from sim.epoch.results import MarketResult, Submissions, TrainingData
from sim.roles import Role


def train_and_submit(world, market: MarketResult, data: TrainingData) -> Submissions:
    builders = world.roles[Role.BUILDER]
    thetas = world.engine.train(
        data.records,
        market.steps,
        flip_labels=builders.label_flippers(),
        start=world.state.aggregation.peer_models,
    )
    thetas, submitted = builders.submissions(
        thetas,
        market.steps > 0,
        np.asarray(world.engine.theta),
        world.rng,
        world.cfg.adversaries,
        world.state.best_model,
    )
    return Submissions(thetas, submitted)

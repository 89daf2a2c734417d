"""Phase 7: update.  The aggregation rule (optax style: ``init``/``step``, mechanisms.aggregation.
base) merges the accepted submissions into the network model: a plain rule adds its update of
the accepted models (FedAvg weights are the builders' record counts); gossip keeps one model per
builder, lets an accepted submission replace its author's, mixes the active peers over their
overlay and takes their mean as the network model (Lian et al., NeurIPS 2017).

Reads the submissions, the decision and the training data; returns ``Update``.
"""

from __future__ import annotations

import numpy as np

from sim.epoch.results import Decision, Submissions, TrainingData, Update
from sim.roles import Role


def update_model(world, submissions: Submissions, decision: Decision, data: TrainingData):
    accepted, engine, state = decision.outcome.accepted, world.engine, world.state
    previous = np.asarray(engine.theta)
    slots = world.population.blocks[Role.BUILDER]
    peers = np.flatnonzero(world.population.active[slots])
    merge = world.aggregator.step(
        state.aggregation, previous, submissions.thetas, accepted, data.sizes, peers, slots[peers]
    )
    state.aggregation = merge.state
    if merge.model is not None:
        engine.set_network_model(merge.model)
    if merge.delta is not None:
        engine.apply(merge.delta)
    if merge.disagreement is not None:
        state.consensus_distance = merge.disagreement
    if not accepted.any():
        return Update(False, None, previous)
    detail = {"accepted": slots[accepted]}
    if merge.weights is not None:
        detail["weights"] = merge.weights
    world.ledger.decision("update", public=world.public, **detail)
    return Update(True, int(accepted.sum()), previous)

"""Phase 7: update.  Accepted submissions enter the network model through the aggregation rule
(FedAvg weights are the builders' record counts); under gossip every builder keeps its own
model, an accepted submission replaces its author's, and peers average with their overlay
neighbours (the network model is their mean).

Reads the submissions, the decision and the training data; returns ``Update``.
"""

from __future__ import annotations

import numpy as np

from mechanisms.aggregation.gossip import consensus_distance
from sim.epoch.results import Decision, Submissions, TrainingData, Update
from sim.roles import Role


def update_model(world, submissions: Submissions, decision: Decision, data: TrainingData):
    accepted, engine = decision.outcome.accepted, world.engine
    previous = np.asarray(engine.theta)
    if world.state.peer_models is not None:
        return gossip_update(world, submissions.thetas, accepted, previous)
    if not accepted.any():
        return Update(False, None, previous)
    deltas = submissions.thetas[accepted] - previous[None]
    weights = data.sizes[accepted]
    engine.apply(world.mechanisms.aggregation(deltas, weights))
    slots = world.population.blocks[Role.BUILDER][accepted]
    world.ledger.decision("update", public=world.public, accepted=slots, weights=weights)
    return Update(True, len(slots), previous)


def gossip_update(world, thetas, accepted, previous) -> Update:
    """Decentralized SGD (Lian et al., NeurIPS 2017); consensus distance measures how far the
    peers' models are from their mean."""
    p, state = world.population, world.state
    slots = p.blocks[Role.BUILDER]
    state.peer_models[accepted] = thetas[accepted]
    peers = np.flatnonzero(p.active[slots])
    if len(peers):
        state.peer_models[peers] = world.mechanisms.aggregation.mix_peers(
            state.peer_models[peers], list(slots[peers])
        )
        world.engine.set_network_model(state.peer_models[peers].mean(axis=0))
        state.consensus_distance = consensus_distance(state.peer_models[peers])
    if not accepted.any():
        return Update(False, None, previous)
    world.ledger.decision("update", public=world.public, accepted=slots[accepted])
    return Update(True, int(accepted.sum()), previous)

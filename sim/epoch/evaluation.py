"""Phase 5: evaluation.  Every online evaluator scores every submission on its own held-out
records, or with ``validation.sample_size`` a sample of them and its moving average for the rest
(agents.score_memory), and sets weights (the organisation says who evaluates: the coordinator,
or the validator role set with its adversaries).

Reads the submissions, the engine's scores and baseline; returns ``Evaluation``: (E, B) weights
(0 for missing submissions and offline evaluators), each submission's test accuracy, and the
traffic it caused.
"""

from __future__ import annotations

import numpy as np

from sim.epoch.results import Evaluation, Submissions, TrainingData
from sim.roles import Role


def evaluate(world, submissions: Submissions, data: TrainingData) -> Evaluation:
    engine, submitted = world.engine, submissions.submitted
    online = world.organisation.evaluators_online(world)
    scores, received = score_submissions(world, submissions.thetas, submitted, online)
    scores[:, ~submitted] = np.nan
    scores[~online, :] = np.nan
    weights = world.organisation.weights(world, scores, online, submitted)
    quality = np.where(submitted, engine.test_accuracy(submissions.thetas), 0.0)
    # The busiest node receives what it scores: the coordinator (plus the raw data handed to it
    # this epoch) on a platform, each online validator on a network.
    per_node = received * engine.model_bytes
    # Those submissions travel to every online evaluator, and the new network model back to
    # every builder (a peer's own model stays put under gossip, which sends one per edge).
    builders = len(world.population.members(Role.BUILDER))
    model_bytes = per_node * int(online.sum()) + builders * engine.model_bytes
    traffic = per_node + data.raw_bytes_moved
    counts = scored(world, online, received)
    return Evaluation(weights, quality, traffic, model_bytes, counts)


def score_submissions(world, thetas, submitted, online) -> tuple[np.ndarray, int]:
    """(E, B) scores and the submissions each evaluator received: all of them, or a sample
    (``validation.sample_size``) with the moving average for the rest."""
    memory, validation = world.state.score_memory, world.cfg.validation
    if memory is None:
        return world.engine.score(thetas), int(submitted.sum())
    sample = memory.draw(submitted, validation.sample_size, world.sampling_rng)
    fresh = world.engine.score_sampled(thetas, sample)
    baseline, alpha = world.engine.baseline(), validation.moving_average_alpha
    return memory.scores(fresh, sample, baseline, alpha, online), sample.shape[1]


def scored(world, online, received: int) -> np.ndarray:
    """(N,) submissions each online validator scored itself, as its strategy says
    (``Validator.scored_count``: all it received; none for weight copiers and a cabal, who set
    weights without scoring and save the cost; a lazy validator's sample)."""
    p = world.population
    result = np.zeros(p.size)
    slots = world.organisation.evaluator_slots(world)
    is_validator = p.role[slots] == Role.VALIDATOR
    counts = np.zeros(len(slots))
    counts[is_validator] = world.roles[Role.VALIDATOR].scored(
        slots[is_validator], received, world.cfg.adversaries
    )
    result[slots[online]] = counts[online]
    return result

"""Phase 6: consensus.  The consensus mechanism turns the evaluators' weights, weighted by their
stake, into accepted submissions and credit; faulty (rejected) builders lose the access
mechanism's slashing share of their bond.

Reads the evaluation, the submissions, the evaluators' stake and online state, and the consensus
state; returns ``Decision`` and advances the consensus state.
"""

from __future__ import annotations

import numpy as np

from sim.epoch.results import Decision, Evaluation, Faults, Submissions
from sim.population import BONDS
from sim.roles import Role


def reach_consensus(world, evaluation: Evaluation, submissions: Submissions, faults: Faults):
    organisation, state = world.organisation, world.state
    submitted = submissions.submitted
    online = organisation.evaluators_online(world) & faults.operator_up
    stake = organisation.evaluator_stake(world)
    state.consensus_state, outcome = world.mechanisms.consensus.step(
        state.consensus_state, stake, evaluation.weights, online
    )
    builder_slots = world.population.blocks[Role.BUILDER]
    rejected = submitted & ~outcome.accepted
    detail = {
        "committed": outcome.committed,
        "accepted": builder_slots[outcome.accepted],
        "rejected": builder_slots[rejected],
    }
    if world.public:
        detail.update(stake=stake, weights=np.round(evaluation.weights, 6))
    world.ledger.decision("consensus", public=world.public, **detail)
    slash(world, builder_slots[rejected] if outcome.committed else [])
    if outcome.committed:
        state.agreed.append(np.asarray(outcome.agreed_weights()))
        remember_best(state, submissions, outcome.builder_weight)
    counted = outcome.committed
    return Decision(
        outcome,
        organisation.evaluator_slots(world),
        int(submitted.sum()) if counted else 0,
        int(rejected.sum()) if counted else 0,
    )


def remember_best(state, submissions: Submissions, builder_weight: np.ndarray) -> None:
    """Keep the submission the round rewarded most (the first of equals), if any earned."""
    merit = np.where(submissions.submitted, np.asarray(builder_weight, dtype=float), 0.0)
    if merit.max(initial=0.0) > 0:
        state.best_model = np.array(submissions.thetas[int(np.argmax(merit))])


def slash(world, faulty) -> None:
    """Burn the access mechanism's share of the bond of every builder proven faulty."""
    fraction = float(world.mechanisms.access.slash_fraction)
    faulty = np.asarray(faulty, dtype=np.int64)
    if fraction <= 0 or len(faulty) == 0:
        return
    p = world.population
    cut = np.floor(p.bonded[faulty] * fraction).astype(np.int64)
    world.ledger.burn(np.full(len(faulty), BONDS), cut, "slashing", offenders=faulty)
    p.bonded[faulty] -= cut

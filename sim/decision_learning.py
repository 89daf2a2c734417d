"""The learners of continuous decisions (sim.decisions): for each adapting role whose rule is
``policy_gradient`` with ``decisions`` of that role, a Gaussian policy per slot (or shared by the
role) over those fields in normalised units, and what it needs between the epoch's choice and
its lesson (sim/epoch/decide.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.decisions import honest_units, parse
from sim.observations import OBSERVATION_FIELDS
from sim.roles import Role


@dataclass
class DecisionLearning:
    """One role's learnt decisions: ``fields`` (names), the learner (a GaussianLearner), its
    state, each slot's moving-average payoff (the baseline) and the pending epoch's samples."""

    fields: tuple[str, ...]
    learner: Any
    state: Any
    baseline_rate: float
    baseline: np.ndarray  # (block,) NaN until the slot's first payoff
    pending: dict = field(default_factory=dict)


def init_decision_learning(population, rules: dict) -> dict[Role, DecisionLearning]:
    """A learner for every role whose rule names decisions of it, each policy's mean started at
    the value the honest rule amounts to (the middle of the bounds where that depends on
    state)."""
    learning = {}
    for role, rule in rules.items():
        names = [parse(name) for name in getattr(rule, "decisions", ())]
        fields = tuple(f for r, f in names if r == role)
        if not fields:
            continue
        start = honest_units(role, fields)
        learner = rule.decision_learner()
        n = len(population.blocks[role])
        state = learner.init(
            n, len(OBSERVATION_FIELDS) + 1, len(fields), mean=start, std=rule.decision_std
        )
        learning[role] = DecisionLearning(
            fields, learner, state, rule.baseline_rate, np.full(n, np.nan)
        )
    return learning

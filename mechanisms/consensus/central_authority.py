"""Central authority: the coordinator alone decides."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from mechanisms.consensus.base import ConsensusOutcome, check_round, halted, merit_weights


class CentralAuthority:
    """The platform's coordinator (evaluator 0) accepts exactly the submissions it supports.

    Rule: accept j iff ``W_0j > 0``; builders' merit is the coordinator's weight, normalised.
    Every other evaluator's weight and all stake are ignored; if the coordinator is offline,
    nothing is decided.  This is the decision rule of a centralized ML platform
    (the centralized baseline of docs/model.md: the coordinator alone evaluates and accepts
    updates, as a server does in McMahan et al., AISTATS 2017).
    """

    fixed_positions = 1  # evaluator 0 is the coordinator whatever the others are called
    # Scorecard metrics this rule fixes whatever happens in a run (metric → why).
    fixed_metrics: ClassVar[dict[str, str]] = {
        "decision_nakamoto": "one evaluator decides every round (1)"
    }

    def init(self, n_validators: int, n_builders: int) -> None:
        return None

    def step(self, state, stake, weights, active=None):
        stake, weights, active = check_round(stake, weights, active)
        n_validators, n_builders = weights.shape
        if n_validators == 0 or not active[0]:
            return state, halted(n_validators, n_builders)
        power = np.zeros(n_validators)
        power[0] = 1.0
        accepted = weights[0] > 0
        return state, ConsensusOutcome(
            accepted=accepted,
            builder_weight=merit_weights(weights, power, accepted),
            validator_weight=power.copy(),
            voting_power=power,
            committed=True,
        )

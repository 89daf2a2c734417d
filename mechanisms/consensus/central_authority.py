"""Central authority: the coordinator alone decides."""

from __future__ import annotations

import numpy as np

from mechanisms.consensus.base import ConsensusOutcome, approvals, merit_weights


class CentralAuthority:
    """The platform's coordinator accepts a submission when its own evaluation approves it.

    Rule: with the coordinator as evaluator 0, accept j iff ``score_0j ≥ baseline_0 − tolerance``
    (the submission is not clearly worse than the current model on the platform's validation
    data).  Every other evaluator's score and all stake are ignored; if the coordinator is offline,
    nothing is decided.  This is the decision rule of a centralized ML platform (see
    shared/specs/mechanisms.md, "Centralized platform"): one node evaluates, accepts and pays.
    """

    def __init__(self, tolerance: float = 0.25):
        if not 0.0 <= tolerance <= 1.0:
            raise ValueError(f"tolerance must lie in [0, 1], got {tolerance}")
        self.tolerance = tolerance

    def init(self, n_validators: int, n_builders: int) -> None:
        return None

    def step(self, state, stake, scores, active=None, baseline=None):
        n_validators, n_builders = scores.shape
        power = np.zeros(n_validators)
        up = True if active is None else bool(np.asarray(active)[0])
        if n_validators == 0 or not up:
            nothing = np.zeros(n_builders)
            return state, ConsensusOutcome(
                nothing.astype(bool), nothing, power, power.copy(), committed=False
            )
        power[0] = 1.0
        accepted = approvals(
            scores[:1], None if baseline is None else baseline[:1], self.tolerance
        )[0]
        return state, ConsensusOutcome(
            accepted=accepted,
            builder_weight=merit_weights(scores, power, accepted),
            validator_weight=power.copy(),
            voting_power=power,
            committed=True,
        )

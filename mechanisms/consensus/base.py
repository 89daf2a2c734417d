"""Contract of the consensus family.

Evaluators i (validators, or the coordinator alone) have set weights on builder submissions j:
non-negative numbers, 0 for a submission the evaluator does not support (how an evaluator turns
its measurements into weights is its own policy, see agents.roles.Validator).  A consensus
mechanism turns the weight matrix and the evaluators' stakes into one agreed outcome: which
submissions enter the network model, how much credit each builder and each evaluator earns, and
whether the round committed at all (a quorum can be lost to faults).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np


@dataclass(frozen=True)
class ConsensusOutcome:
    """Result of one consensus round.

    accepted:          (B,) bool, submissions that enter the network model.
    builder_weight:    (B,) ≥ 0, agreed merit of each submission; sums to 1 when any is accepted.
    validator_weight:  (V,) ≥ 0, credit of each evaluator for the round; sums to 1 or is all 0.
    voting_power:      (V,) ≥ 0, the power each evaluator actually exercised in the decision.
    committed:         False when the round could not decide (no quorum); then nothing is accepted.
    """

    accepted: np.ndarray
    builder_weight: np.ndarray
    validator_weight: np.ndarray
    voting_power: np.ndarray
    committed: bool

    def agreed_weights(self) -> np.ndarray:
        """The agreed weight vector over builders (what a weight copier copies next epoch)."""
        return self.builder_weight


@runtime_checkable
class ConsensusMechanism(Protocol):
    """``init`` makes the state kept across epochs (None for stateless rules); ``step`` decides.

    Arguments of ``step``: ``stake`` (V,) ≥ 0; ``weights`` (V, B) ≥ 0, a row per evaluator;
    ``active`` (V,) bool, evaluators that took part this epoch (None: all).
    """

    def init(self, n_validators: int, n_builders: int) -> Any: ...

    def step(
        self, state: Any, stake: np.ndarray, weights: np.ndarray, active: np.ndarray | None = None
    ) -> tuple[Any, ConsensusOutcome]: ...


def check_round(stake, weights, active) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validate shapes and signs; return float stake, float weights and a boolean active mask."""
    stake = np.asarray(stake, dtype=np.float64)
    weights = np.asarray(weights, dtype=np.float64)
    if weights.ndim != 2 or weights.shape[0] != stake.shape[0]:
        raise ValueError(
            f"weights must be (validators, builders); got {weights.shape} for {stake.shape[0]} validators"
        )
    if np.any(stake < 0) or np.any(weights < 0) or not np.all(np.isfinite(weights)):
        raise ValueError("stake and weights must be finite and non-negative")
    active = np.ones(stake.shape, bool) if active is None else np.asarray(active, dtype=bool)
    return stake, weights, active


def halted(n_validators: int, n_builders: int, power: np.ndarray | None = None) -> ConsensusOutcome:
    """The outcome of a round that could not commit: nothing accepted, nobody credited."""
    nothing = np.zeros(n_builders)
    power = np.zeros(n_validators) if power is None else power
    return ConsensusOutcome(nothing.astype(bool), nothing, np.zeros(n_validators), power, False)


def merit_weights(weights: np.ndarray, power: np.ndarray, accepted: np.ndarray) -> np.ndarray:
    """Power-weighted mean weight of each accepted submission, normalised to sum 1."""
    total_power = power.sum()
    merit = power @ weights / total_power if total_power > 0 else np.zeros(weights.shape[1])
    merit = np.where(accepted, merit, 0.0)
    total = merit.sum()
    return merit / total if total > 0 else merit


def vote_outcome(weights: np.ndarray, power: np.ndarray, accepted: np.ndarray) -> ConsensusOutcome:
    """The committed outcome of a vote: builders' merit, and each evaluator's credit = its power
    times the share of submitted work on which its support agreed with the decision."""
    support = weights > 0
    submitted = support.any(axis=0)
    agreement = (
        np.mean(support[:, submitted] == accepted[submitted], axis=1)
        if submitted.any()
        else np.zeros_like(power)
    )
    credit = power * agreement
    credit = credit / credit.sum() if credit.sum() > 0 else credit
    return ConsensusOutcome(
        accepted=accepted,
        builder_weight=merit_weights(weights, power, accepted),
        validator_weight=credit,
        voting_power=power,
        committed=True,
    )

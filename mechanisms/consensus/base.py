"""Contract of the consensus family.

Evaluators i (validators, or the coordinator alone) have scored builder submissions j on their own
held-out data.  A consensus mechanism turns the score matrix into one agreed outcome: which
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


@runtime_checkable
class ConsensusMechanism(Protocol):
    """``init`` makes the state kept across epochs (None for stateless rules); ``step`` decides.

    Arguments of ``step``: ``stake`` (V,) ≥ 0; ``scores`` (V, B) in [0, 1] with NaN where a
    submission was not made; ``active`` (V,) bool, evaluators online this epoch; ``baseline`` (V,),
    each evaluator's score of the current network model.
    """

    def init(self, n_validators: int, n_builders: int) -> Any: ...

    def step(
        self,
        state: Any,
        stake: np.ndarray,
        scores: np.ndarray,
        active: np.ndarray | None = None,
        baseline: np.ndarray | None = None,
    ) -> tuple[Any, ConsensusOutcome]: ...


def approvals(scores: np.ndarray, baseline: np.ndarray | None, tolerance: float) -> np.ndarray:
    """An evaluator approves a submission whose score is at least its baseline − tolerance.

    Unscored submissions (NaN) are never approved.
    """
    reference = np.zeros(scores.shape[0]) if baseline is None else np.asarray(baseline)
    with np.errstate(invalid="ignore"):
        return np.nan_to_num(scores, nan=-np.inf) >= reference[:, None] - tolerance


def merit_weights(scores: np.ndarray, power: np.ndarray, accepted: np.ndarray) -> np.ndarray:
    """Power-weighted mean score of each accepted submission, normalised to sum 1."""
    filled = np.nan_to_num(scores, nan=0.0)
    total_power = power.sum()
    merit = power @ filled / total_power if total_power > 0 else np.zeros(scores.shape[1])
    merit = np.where(accepted, merit, 0.0)
    total = merit.sum()
    return merit / total if total > 0 else merit

"""Contract of the scoring family.

``weigh(scores, baseline) -> weights``: ``scores`` (E, B) is each evaluator's measured quality of
each submission (test accuracy on its own data; NaN where it scored none), ``baseline`` (E,) its
score of the current network model.  The result is (E, B) non-negative weights, 0 for a
submission an evaluator did not score; consensus normalises each row.  Adversarial evaluators
overwrite their rows afterwards (agents/).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class ScoringRule(Protocol):
    def weigh(self, scores: np.ndarray, baseline: np.ndarray) -> np.ndarray: ...


def scored(scores) -> tuple[np.ndarray, np.ndarray]:
    """(scores as float64 with −inf for missing, mask of the scored ones)."""
    scores = np.asarray(scores, dtype=np.float64)
    present = np.isfinite(scores)
    return np.where(present, scores, -np.inf), present

"""The scoring rules: from a flat landscape (every submission near the network model paid by its
score) to winner-take-all.

- ``Absolute`` (the simulator's original rule): weight = score for every submission scoring at
  least the baseline minus ``tolerance``, else 0.  An unchanged model earns nearly what real
  work earns: the flat landscape of, e.g., NATIX StreetVision (miner-incentive Gini ≈ 0.03,
  natixnetwork/streetvision-subnet issue #167).
- ``Improvement``: weight = max(score − baseline, 0): no improvement, no weight.
- ``RankTopK``: the ``k`` best submissions share the weight equally (ties to the earlier
  position), a steep "winner-take-most" landscape.
- ``Softmax``: weight ∝ exp(score / temperature) over the scored submissions.
- ``WinnerTakeAll``: the best submission takes all; a later submission (higher builder position:
  builders register in position order, the model's upload time is not modelled) beats an earlier
  one only by more than ``epsilon`` — the defence of pre-training subnets against copied models
  (macrocosm-os/pretraining: the earlier of near-equal models wins, "epsilon advantage").

Lui & Sun's composite scoring and trust-bonus multiplier (arXiv 2507.02951) are not implemented:
their formulas are in the paper's body, which was not available to check them against.
"""

from __future__ import annotations

import numpy as np

from mechanisms.parameters import at_least, positive, within
from mechanisms.scoring.base import ScoringRule, scored


class Absolute(ScoringRule):
    def __init__(self, tolerance: float = 0.25):
        within("tolerance", tolerance, 0.0, 1.0)
        self.tolerance = tolerance

    def weigh(self, scores, baseline):
        values, present = scored(scores)
        keep = present & (values >= np.asarray(baseline, dtype=float)[:, None] - self.tolerance)
        return np.where(keep, values, 0.0)


class Improvement(ScoringRule):
    translation_invariant = True  # reads score − baseline only

    def weigh(self, scores, baseline):
        values, present = scored(scores)
        margin = values - np.asarray(baseline, dtype=float)[:, None]
        return np.where(present, np.maximum(margin, 0.0), 0.0)


class RankTopK(ScoringRule):
    translation_invariant = True  # reads the order of the scores only

    def __init__(self, k: int = 3):
        at_least("k", k, 1)
        self.k = int(k)

    def weigh(self, scores, baseline):
        values, present = scored(scores)
        # Best first; among equal scores the earlier position (a stable sort of −score).
        order = np.argsort(-values, axis=1, kind="stable")
        top = np.zeros(values.shape, dtype=bool)
        rows = np.arange(values.shape[0])[:, None]
        top[rows, order[:, : self.k]] = True
        return np.where(top & present, 1.0, 0.0)


class Softmax(ScoringRule):
    translation_invariant = True  # exp((s − max) / T)

    def __init__(self, temperature: float = 0.01):
        positive("temperature", temperature)
        self.temperature = temperature

    def weigh(self, scores, baseline):
        values, present = scored(scores)
        best = np.where(present.any(axis=1), values.max(axis=1), 0.0)[:, None]
        weights = np.where(present, np.exp((values - best) / self.temperature), 0.0)
        total = weights.sum(axis=1, keepdims=True)
        return np.divide(weights, total, out=np.zeros_like(weights), where=total > 0)


class WinnerTakeAll(ScoringRule):
    translation_invariant = True  # compares scores only

    def __init__(self, epsilon: float = 0.005):
        at_least("epsilon", epsilon, 0.0)
        self.epsilon = epsilon

    def weigh(self, scores, baseline):
        """Each row's winner, scanning positions in order (one vector step per position for
        all evaluators at once): a position takes over when it beats the current winner by
        more than ε."""
        values, present = scored(scores)
        rows = np.arange(values.shape[0])
        winner = np.full(len(rows), -1)
        best = np.full(len(rows), -np.inf)
        for position in range(values.shape[1]):
            column = values[:, position]
            takes = present[:, position] & ((winner < 0) | (column > best + self.epsilon))
            winner[takes], best[takes] = position, column[takes]
        weights = np.zeros(values.shape)
        weights[rows[winner >= 0], winner[winner >= 0]] = 1.0
        return weights

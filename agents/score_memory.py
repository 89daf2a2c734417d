"""Evaluators that score a sample of the submissions each epoch and remember the rest.

When builders outnumber what an evaluator can query, each epoch it scores
``validation.sample_size`` of the submitted models, drawn at random without replacement, the
builders it has never scored first.  For every builder it keeps an exponential moving average
of the margin it measured over the network model,

    m ← α (s − b) + (1 − α) m        (the first measurement sets m = s − b),

with s the submission's accuracy on its held-out data, b the network model's and α
``validation.moving_average_alpha``.  A submission it did not sample this epoch reads as
b + m, its baseline now plus the builder's average margin, clipped to [0, 1].  A builder it
never scored stays unscored (missing: no weight).  With a sample as large as the submissions
every score is fresh, and evaluation is the full evaluation exactly.

The margin rather than the raw accuracy is averaged because the network model improves from one
epoch to the next: a builder's past accuracy says little against today's baseline, its past
improvement over the baseline of its day says more.

Source: the Bittensor subnet template's validator (opentensor/bittensor-subnet-template):
``template/validator/forward.py`` queries ``get_random_uids(k=neuron.sample_size)`` miners a
step, ``template/base/validator.py`` ``update_scores`` keeps scores ← α · rewards + (1 − α) ·
scores with ``neuron.moving_average_alpha`` = 0.1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class ScoreMemory:
    """Each evaluator's moving-average margin per builder position, (E, B); NaN: never scored."""

    margin: np.ndarray

    @classmethod
    def empty(cls, evaluators: int, builders: int) -> ScoreMemory:
        return cls(np.full((evaluators, builders), np.nan))

    def draw(self, submitted: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
        """(E, k) builder positions each evaluator scores, k = min(size, submissions): a random
        sample of the submitted ones, those it has never scored before the others."""
        candidates = np.flatnonzero(submitted)
        k = min(int(size), len(candidates))
        # Uniform keys in [0, 1) for the never scored, [1, 2) for the rest: the k smallest are
        # a uniform sample that takes the never scored first.
        keys = rng.random((len(self.margin), len(candidates)))
        keys += np.isfinite(self.margin[:, candidates])
        if k < len(candidates):
            picks = np.argpartition(keys, k - 1, axis=1)[:, :k]
        else:
            picks = np.broadcast_to(np.arange(len(candidates)), keys.shape)
        return candidates[np.sort(picks, axis=1)]

    def scores(
        self,
        fresh: np.ndarray,
        sample: np.ndarray,
        baseline: np.ndarray,
        alpha: float,
        online: np.ndarray,
    ) -> np.ndarray:
        """(E, B) scores: ``fresh`` (E, k) where sampled, baseline + remembered margin elsewhere
        (NaN for builders never scored); then fold the fresh margins of the ``online``
        evaluators into the memory (an offline one measured nothing)."""
        rows = np.flatnonzero(online)[:, None]
        baseline = np.asarray(baseline, dtype=np.float64)[:, None]
        result = np.clip(baseline + self.margin, 0.0, 1.0)  # an accuracy, whatever the drift
        result[np.arange(len(self.margin))[:, None], sample] = fresh
        sample, fresh, baseline = sample[online], fresh[online], baseline[online]
        before = self.margin[rows, sample]
        measured = fresh - baseline
        self.margin[rows, sample] = np.where(
            np.isnan(before), measured, alpha * measured + (1 - alpha) * before
        )
        return result

"""Byzantine-robust aggregation rules (NumPy: on the CPU these beat JAX by about 10× at the sizes
of a round, DESIGN.md).  All are called as ``rule(updates, weights=None)`` on (n, d) updates."""

from __future__ import annotations

import numpy as np

from mechanisms.aggregation.base import check_updates
from mechanisms.parameters import at_least, positive, within


class CoordinateMedian:
    """Coordinate-wise median: ``Δ_k = median_i Δ_ik``.  Breakdown point 1/2: it holds while
    attackers are fewer than half.  Weights are ignored.  Source: Yin, Chen, Ramchandran &
    Bartlett, "Byzantine-Robust Distributed Learning", ICML 2018."""

    @staticmethod
    def tolerated(n: int) -> int:
        """Arbitrary updates among n it withstands: fewer than half, ⌈n/2⌉ − 1."""
        return (n - 1) // 2

    def __call__(self, updates, weights=None):
        updates, _ = check_updates(updates, weights)
        if updates.shape[0] == 0:
            return np.zeros(updates.shape[1])
        return np.median(updates, axis=0)


class TrimmedMean:
    """Coordinate-wise β-trimmed mean: per coordinate drop the ⌊βn⌋ largest and ⌊βn⌋ smallest
    values and average the rest.  Holds while the attacker fraction is at most β.  Weights are
    ignored.  Source: Yin et al., ICML 2018."""

    def __init__(self, beta: float = 0.2):
        within("beta", beta, 0, 0.5, include_high=False)
        self.beta = beta

    def tolerated(self, n: int) -> int:
        """Arbitrary updates among n it withstands: the ⌊βn⌋ it trims from each side."""
        return int(np.floor(self.beta * n))

    def __call__(self, updates, weights=None):
        updates, _ = check_updates(updates, weights)
        n = updates.shape[0]
        if n == 0:
            return np.zeros(updates.shape[1])
        cut = int(np.floor(self.beta * n))
        ordered = np.sort(updates, axis=0)
        return ordered[cut : n - cut].mean(axis=0)


def krum_scores(updates: np.ndarray, f: int) -> np.ndarray:
    """Krum score of each update: the sum of squared distances to its n − f − 2 nearest others."""
    n = updates.shape[0]
    squares = np.einsum("ij,ij->i", updates, updates)
    distances = np.maximum(squares[:, None] + squares[None, :] - 2 * updates @ updates.T, 0.0)
    np.fill_diagonal(distances, np.inf)
    k = max(n - f - 2, 1)
    return np.sort(distances, axis=1)[:, :k].sum(axis=1)


class Krum:
    """Krum and multi-Krum: select the update(s) closest to their n − f − 2 nearest neighbours.

    With ``multi = m``, average the m updates of lowest score (m = 1 is Krum).  Guaranteed while
    2f + 2 < n.  Weights are ignored in the selection and used in the multi-Krum average.
    Source: Blanchard, El Mhamdi, Guerraoui & Stainer, "Machine Learning with Adversaries:
    Byzantine Tolerant Gradient Descent", NeurIPS 2017.  When 2f + 2 ≥ n the rule still runs
    (with at least one neighbour), without its guarantee.
    """

    def __init__(self, f: int = 1, multi: int = 1):
        at_least("f", f, 0)
        at_least("multi", multi, 1)
        self.f = f
        self.multi = multi

    def tolerated(self, n: int) -> int:
        """Arbitrary updates among n it withstands: f when 2f + 2 < n and the m averaged
        updates can all be honest (m ≤ n − f), else none guaranteed."""
        return self.f if 2 * self.f + 2 < n and self.multi <= n - self.f else 0

    def __call__(self, updates, weights=None):
        updates, weights = check_updates(updates, weights)
        n = updates.shape[0]
        if n == 0:
            return np.zeros(updates.shape[1])
        if n == 1:
            return updates[0].copy()
        # Ties in score are broken by the updates' own values, so the result does not depend on
        # the order in which clients are listed.
        # Scores are compared to 12 significant digits: equal scores can differ in the last bits
        # depending on row order.
        scores = krum_scores(updates, self.f)
        key = np.round(scores / max(scores.max(), 1e-300), 12)
        order = np.lexsort((*updates.T[::-1], key))
        chosen = order[: min(self.multi, n)]
        w = weights[chosen] if weights[chosen].sum() > 0 else np.ones(len(chosen))
        return w @ updates[chosen] / w.sum()


class NormClipping:
    """Clip each update to L2 norm ≤ ``max_norm``, then take the weighted mean:
    ``Δ = Σ w_i Δ_i min(1, τ/‖Δ_i‖) / Σ w_i``.  Bounds any one update's pull to τ·w_i/Σw.
    Source: Sun, Kairouz, Suresh & McMahan, "Can You Really Backdoor Federated Learning?",
    arXiv:1911.07963 (2019)."""

    def __init__(self, max_norm: float = 1.0):
        positive("max_norm", max_norm)
        self.max_norm = max_norm

    def __call__(self, updates, weights=None):
        updates, weights = check_updates(updates, weights)
        if updates.shape[0] == 0:
            return np.zeros(updates.shape[1])
        norms = np.linalg.norm(updates, axis=1)
        scale = np.minimum(1.0, self.max_norm / np.maximum(norms, 1e-12))
        w = weights if weights.sum() > 0 else np.ones_like(weights)
        return (w * scale) @ updates / w.sum()

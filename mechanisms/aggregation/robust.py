"""Byzantine-robust aggregation rules, all called as ``rule(updates, weights=None)`` on (n, d)
updates.

They are written in NumPy: measured on 2 CPU cores, the coordinate-wise median and trimmed mean of
1,000 updates of 650 parameters took 9 ms in NumPy against 83 ms in JAX.

Krum's distances and the ordering of its scores are written to keep every property a robust rule
must have (mechanisms/metamorphic.py states them for every rule): distances as exact far from the
origin as near it (``squared_distances``), and an exact ordering of the scores in which only
scores equal to a relative tolerance of each other are ordered by the updates' values (rounding
the scores against the largest one would make every honest score equal as soon as one update is
far away, and let the attacker choose the honest update that Krum returns)."""

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


def squared_distances(updates: np.ndarray, budget_bytes: int = 1 << 26) -> np.ndarray:
    """(n, n) squared Euclidean distances ‖Δ_i − Δ_j‖², exact to float64's relative precision
    wherever the updates lie.

    The Gram form ‖a‖² + ‖b‖² − 2a·b (a matrix product, about 100× faster than differences for
    1,000 updates of 1,642 parameters on 2 cores) cancels to an error of about
    dε(‖a‖² + ‖b‖²): far from the origin it swamps the distance of two close updates (two
    identical updates at 10⁸ come out 16 apart).  So the form is taken on the updates centred
    on their coordinate-wise median, and every pair whose result is below 10 % of
    ‖a − c‖² + ‖b − c‖² (where the cancellation could cost more than about 10dε of the
    distance) is recomputed from its difference, in blocks of at most ``budget_bytes``.
    """
    d = updates.shape[1]
    centred = updates - np.median(updates, axis=0)
    squares = np.einsum("ij,ij->i", centred, centred)
    reach = squares[:, None] + squares[None, :]
    distances = np.maximum(reach - 2 * centred @ centred.T, 0.0)
    first, second = np.nonzero(np.triu(distances < 0.1 * reach, k=1))
    block = max(1, budget_bytes // max(8 * d, 1))
    for start in range(0, len(first), block):
        i, j = first[start : start + block], second[start : start + block]
        differences = centred[i] - centred[j]
        distances[i, j] = distances[j, i] = np.einsum("ij,ij->i", differences, differences)
    np.fill_diagonal(distances, 0.0)
    return distances


def krum_scores(updates: np.ndarray, f: int) -> np.ndarray:
    """Krum score of each update: the sum of squared distances to its n − f − 2 nearest others."""
    n = updates.shape[0]
    distances = squared_distances(updates)
    np.fill_diagonal(distances, np.inf)
    k = max(n - f - 2, 1)
    return np.sort(distances, axis=1)[:, :k].sum(axis=1)


def order_by_score(scores: np.ndarray, updates: np.ndarray, rtol: float = 1e-12) -> np.ndarray:
    """Indices of the updates from lowest to highest score.  Scores within ``rtol`` of the
    lowest score of their tie (``s ≤ s_first·(1 + rtol)``, wide enough for the last bits that
    depend on the row order, narrow enough that scores float64 tells apart stay apart: ties are
    not chained from one near score to the next) are ordered by the updates' values, so the
    result does not depend on the order in which clients are listed."""
    by_score = np.argsort(scores, kind="stable")
    ordered = scores[by_score]
    starts = np.ones(len(ordered), dtype=bool)  # where a new tie begins
    first = ordered.copy()  # the lowest score of each position's tie
    # Scores are ≥ 0, so a score can join its predecessor's tie only if it lies within rtol of
    # the predecessor itself: only those few positions are visited, in order.
    near = np.flatnonzero(np.diff(ordered) <= rtol * np.abs(ordered[:-1])) + 1
    for position in near:
        lowest = first[position - 1]
        if ordered[position] - lowest <= rtol * abs(lowest):
            starts[position], first[position] = False, lowest
    tie_group = np.cumsum(starts)
    rows = updates[by_score]
    return by_score[np.lexsort((*rows.T[::-1], tie_group))]


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
        order = order_by_score(krum_scores(updates, self.f), updates)
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

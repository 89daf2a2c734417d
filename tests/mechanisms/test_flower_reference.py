"""Differential test of the aggregation rules against Flower's own (flwr ≥ 1.42,
``flwr.server.strategy.aggregate`` and ``flwr.supercore.differential_privacy``), on random and
boundary cases.

Conventions mapped (docs/aggregation.md):
- FedAvg(weights)            ↔ ``aggregate([(update, num_examples)])``, num_examples = weights;
- CoordinateMedian()         ↔ ``aggregate_median`` (both ignore the weights);
- TrimmedMean(beta)          ↔ ``aggregate_trimmed_avg(proportiontocut=beta)``: both cut ⌊βn⌋
  from each side;
- Krum(f, multi=1)           ↔ ``aggregate_krum(num_malicious=f, to_keep=0)``;
- Krum(f, multi=m), 1 < m ≤ n ↔ ``aggregate_krum(num_malicious=f, to_keep=m)``, the m best
  averaged with num_examples weights in both.  With m > n we average all n; Flower's slice
  ``argsort(scores)[::-1][n − m:]`` starts at a negative index there and keeps m − n of the best,
  so those cases are left out;
- NormClipping(τ)            ↔ Flower's server-side fixed clipping: every update scaled by
  min(1, τ/‖Δ‖) (``clip_inputs_inplace``), then ``aggregate`` with num_examples.  Flower divides
  τ by ‖Δ‖ in Python and raises on an all-zero update, which is left as it is here.
Exact ties in Krum's score are broken by the updates' values here and by the lower index in
Flower (``argmin``, a stable sort for n ≤ 16), so Flower is given the updates in lexicographic
order, where the two conventions pick the same update.  Where Flower's own scores of the last
update selected and the first left out are equal to float64's precision (2e-12 relative: for
instance when every honest score is dominated by distances of 10¹⁷ to far updates, to which
float64 cannot add a distance of 0.1), float64 does not determine which update is the best, and the
test asks that ours be Flower's average over some choice among the tied updates.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from mechanisms.aggregation.fedavg import FedAvg
from mechanisms.aggregation.robust import CoordinateMedian, Krum, NormClipping, TrimmedMean

flower = pytest.importorskip(
    "flwr.server.strategy.aggregate",
    reason="Flower (flwr) is not installed: pip install -e '.[flower]' runs this reference test",
)
from flwr.supercore.differential_privacy import clip_inputs_inplace  # noqa: E402

RANDOM_CASES = 400


def _results(updates, weights):
    return [([row.copy()], int(w)) for row, w in zip(updates, weights, strict=True)]


def _flower_clipped_mean(updates, weights, max_norm):
    clipped = []
    for row in updates:
        arrays = [row.copy()]
        if np.any(row != 0):  # Flower divides τ by ‖Δ‖ in Python: a zero update raises
            clip_inputs_inplace(arrays, max_norm)
        clipped.append(arrays[0])
    return flower.aggregate(_results(np.array(clipped), weights))[0]


def _lexicographic(updates, weights):
    order = np.lexsort(updates.T[::-1])
    return updates[order], weights[order]


def rules_and_references(n: int):
    """(name, ours, Flower's) for every rule Flower implements, sized for n clients."""
    pairs = [
        ("fedavg", FedAvg(), lambda u, w: flower.aggregate(_results(u, w))[0]),
        ("median", CoordinateMedian(), lambda u, w: flower.aggregate_median(_results(u, w))[0]),
    ]
    for beta in (0.0, 0.1, 0.2, 0.34, 0.49):
        pairs.append(
            (
                f"trimmed_mean({beta})",
                TrimmedMean(beta),
                lambda u, w, b=beta: flower.aggregate_trimmed_avg(_results(u, w), b)[0],
            )
        )
    for f in sorted({0, 1, max((n - 3) // 2, 0), n}):
        pairs.append(
            (
                f"krum(f={f})",
                Krum(f=f),
                lambda u, w, f=f: flower.aggregate_krum(
                    _results(*_lexicographic(u, w)), num_malicious=f, to_keep=0
                )[0],
            )
        )
        for m in sorted({2, max(n - f, 1), n}):
            if 1 < m <= n:
                pairs.append(
                    (
                        f"multi_krum(f={f}, m={m})",
                        Krum(f=f, multi=m),
                        lambda u, w, f=f, m=m: flower.aggregate_krum(
                            _results(*_lexicographic(u, w)), num_malicious=f, to_keep=m
                        )[0],
                    )
                )
    for tau in (1e-3, 1.0, 1e6):
        pairs.append(
            (
                f"norm_clipping({tau})",
                NormClipping(tau),
                lambda u, w, t=tau: _flower_clipped_mean(u, w, t),
            )
        )
    return pairs


def random_case(seed: int):
    """Updates of one round: a cluster at any magnitude, some exact duplicates, some updates far
    away, integer sample counts."""
    rng = np.random.default_rng(seed)
    n, d = int(rng.integers(1, 14)), int(rng.integers(1, 7))
    spread = 10.0 ** rng.integers(-6, 4)
    shift = rng.choice([0.0, 1e-6, 1.0, 1e4, 1e8]) * rng.choice([-1, 1])
    updates = shift + spread * rng.normal(size=(n, d))
    if n > 2 and rng.random() < 0.3:
        updates[rng.integers(n)] = updates[rng.integers(n)]  # an exact duplicate
    far = int(rng.integers(0, (n - 1) // 2 + 1)) if rng.random() < 0.5 else 0
    if far:
        distance = 10.0 ** rng.integers(2, 13)
        updates[:far] = shift + spread * distance * rng.choice([-1, 1], size=(far, d))
    weights = rng.integers(1, 100, n)
    return updates, weights


BOUNDARY_CASES = [
    (np.array([[0.5, -0.25]]), np.array([3])),  # a single client
    (np.array([[1.0], [2.0]]), np.array([1, 1])),  # two clients
    (np.array([[0.0], [1.0], [2.0]]), np.array([1, 2, 3])),  # symmetric: tied Krum scores
    (np.array([[0.793], [0.790], [0.783], [17100.0]]), np.array([1, 1, 1, 1])),
    (np.array([[3.6e-3], [2.2e-3], [3.1e-3], [5.9e3]]), np.array([5, 1, 2, 9])),
    (np.array([[0.0], [0.5], [0.6], [0.75], [1e7]]), np.array([1, 1, 1, 1, 1])),
    (1e8 + np.array([[0.0], [0.5], [0.6], [0.75]]), np.array([1, 1, 1, 1])),
    (1e-6 * np.array([[0.0], [0.5], [0.6], [0.75]]), np.array([1, 1, 1, 1])),
    (np.tile([[1.0, -2.0, 3.0]], (5, 1)), np.array([1, 2, 3, 4, 5])),  # full agreement
    (np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]]), np.array([1, 1, 1, 1])),
]


def _agree(ours, theirs, updates):
    scale = np.abs(updates).max() if updates.size else 1.0
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12 * scale)


def _flower_krum_choices(updates, weights, f, m):
    """Every multi-Krum average Flower's scores allow when the m-th and (m+1)-th lowest are
    tied to 2e-12 relative; None when the choice is determined."""
    n = len(updates)
    distances = flower._compute_distances([[row] for row in updates])
    k = max(1, n - f - 2)
    scores = np.array([np.sort(row)[1 : k + 1].sum() for row in distances])
    ordered = np.sort(scores)
    if m >= n or ordered[m] - ordered[m - 1] > 2e-12 * abs(ordered[m]):
        return None
    boundary = ordered[m - 1]
    sure = np.flatnonzero(scores < boundary - 2e-12 * abs(boundary))
    tied = np.flatnonzero(np.abs(scores - boundary) <= 2e-12 * abs(boundary))
    choices = []
    for extra in itertools.combinations(tied, m - len(sure)):
        rows = np.concatenate([sure, np.array(extra, dtype=int)])
        choices.append(weights[rows] @ updates[rows] / weights[rows].sum())
    return choices


def _check(name, ours, theirs, updates, weights) -> bool:
    """Whether ours agrees with Flower; True when float64 leaves Krum's choice open and ours
    is one of the choices."""
    result = ours(updates, weights)
    if isinstance(ours, Krum):
        choices = _flower_krum_choices(updates, weights, ours.f, ours.multi)
        if choices is not None:
            scale = max(np.abs(updates).max(), 1e-300)
            assert any(np.allclose(result, c, rtol=1e-9, atol=1e-12 * scale) for c in choices)
            return True
    _agree(result, theirs(updates, weights), updates)
    return False


@pytest.mark.parametrize("case", range(len(BOUNDARY_CASES)))
def test_boundary_cases_agree_with_flower(case):
    updates, weights = BOUNDARY_CASES[case]
    for name, ours, theirs in rules_and_references(len(updates)):
        try:
            _check(name, ours, theirs, updates, weights)
        except AssertionError as error:
            raise AssertionError(f"{name} disagrees with Flower on boundary case {case}") from error


def test_random_cases_agree_with_flower():
    compared = open_choices = 0
    for seed in range(RANDOM_CASES):
        updates, weights = random_case(seed)
        for name, ours, theirs in rules_and_references(len(updates)):
            try:
                open_choices += _check(name, ours, theirs, updates, weights)
            except AssertionError as error:
                raise AssertionError(f"{name} disagrees with Flower on seed {seed}") from error
            compared += 1
    assert compared > 20 * RANDOM_CASES
    assert open_choices < compared / 5  # most cases are determined and compared exactly
    # docs/aggregation.md quotes these counts.
    doc = (Path(__file__).parents[2] / "docs" / "aggregation.md").read_text()
    quoted = (
        f"In the {RANDOM_CASES} random cases `make test` runs, this was {open_choices:,} of "
        f"{compared:,} comparisons; the other {compared - open_choices:,} agree to 10⁻⁹ relative."
    )
    assert quoted in " ".join(doc.split()), quoted

"""Breakdown points of the aggregation rules on synthetic updates (Blanchard et al. 2017; Yin et
al. 2018): honest updates cluster around a true direction, attackers send one huge update."""

import numpy as np
import pytest

from mechanisms.aggregation.fedavg import FedAvg
from mechanisms.aggregation.robust import (
    CoordinateMedian,
    Krum,
    NormClipping,
    TrimmedMean,
    krum_scores,
)

TRUE = np.ones(10)


def round_with(n: int, attackers: int, seed: int = 0, size: float = 1e6):
    rng = np.random.default_rng(seed)
    honest = TRUE + rng.normal(0, 0.1, (n - attackers, len(TRUE)))
    evil = np.full((attackers, len(TRUE)), -size)
    return np.vstack([honest, evil])


def ruined(aggregate: np.ndarray) -> bool:
    return np.linalg.norm(aggregate - TRUE) > 1.0


def test_mean_is_ruined_by_one_attacker():
    assert not ruined(FedAvg()(round_with(20, 0)))
    assert ruined(FedAvg()(round_with(20, 1)))


@pytest.mark.parametrize("n", [10, 11, 20])
def test_median_holds_below_one_half_and_fails_beyond(n):
    below = (n - 1) // 2  # largest attacker count strictly under n/2
    assert not ruined(CoordinateMedian()(round_with(n, below)))
    assert ruined(CoordinateMedian()(round_with(n, n // 2 + 1)))


@pytest.mark.parametrize("beta", [0.1, 0.2, 0.3])
def test_trimmed_mean_holds_up_to_beta(beta):
    n = 20
    holds = int(np.floor(beta * n))
    assert not ruined(TrimmedMean(beta)(round_with(n, holds)))
    assert ruined(TrimmedMean(beta)(round_with(n, holds + 1)))


@pytest.mark.parametrize("n", [8, 13, 20])
def test_krum_holds_while_two_f_plus_two_below_n(n):
    f = (n - 3) // 2  # largest f with 2f + 2 < n
    for attackers in range(f + 1):
        assert not ruined(Krum(f=f)(round_with(n, attackers)))
        assert not ruined(Krum(f=f, multi=n - f)(round_with(n, attackers)))
    # With a majority of colluding identical attackers, Krum picks them.
    assert ruined(Krum(f=f)(round_with(n, n - f + 1, size=1e3)))


def test_krum_scores_by_hand():
    updates = np.array([[0.0], [1.0], [3.0], [10.0]])
    # n − f − 2 = 1 nearest neighbour with f = 1: squared distances 1, 1, 4, 49.
    np.testing.assert_allclose(krum_scores(updates, 1), [1, 1, 4, 49])
    assert Krum(f=1)(updates)[0] == 0.0  # lowest score, first on ties


def test_norm_clipping_bounds_one_updates_pull():
    updates = round_with(10, 1)
    out = NormClipping(max_norm=np.sqrt(10))(updates)
    # The attacker pulls by at most τ/n = √10/10 in norm; the honest mean is within noise of TRUE.
    assert np.linalg.norm(out - TRUE) < np.sqrt(10) / 10 + 0.1 + np.linalg.norm(TRUE) / 10
    np.testing.assert_allclose(
        NormClipping(100.0)(round_with(10, 0)), round_with(10, 0).mean(axis=0)
    )


@pytest.mark.parametrize(
    ("f", "multi", "n", "tolerated"),
    [
        (2, 1, 6, 0),  # 2f + 2 = n: Krum's condition 2f + 2 < n fails
        (2, 1, 7, 2),
        (1, 1, 5, 1),  # 2f + 2 = 4 < 5; a 3f + 2 rule would give 0
        (2, 5, 7, 2),  # m = n − f: every averaged update can be honest
        (2, 6, 7, 0),  # m > n − f: one of them must be an attacker's
    ],
)
def test_krum_tolerates_f_only_under_its_conditions(f, multi, n, tolerated):
    """Blanchard et al., NeurIPS 2017, Prop. 1 (2f + 2 < n); Multi-Krum averages m updates."""
    assert Krum(f=f, multi=multi).tolerated(n) == tolerated


def test_krum_scores_are_sums_of_squared_distances_to_the_nearest_others():
    # n = 4, f = 1: each update's n − f − 2 = 1 nearest other, at squared distance below 1.
    updates = np.array([[0.0], [0.1], [0.3], [1.0]])
    np.testing.assert_allclose(krum_scores(updates, f=1), [0.01, 0.01, 0.04, 0.49])


def test_norm_clipping_with_no_weight_falls_back_to_the_plain_mean():
    updates = np.array([[0.2, 0.0], [0.0, 0.4]])
    np.testing.assert_allclose(NormClipping(max_norm=1.0)(updates, np.zeros(2)), [0.1, 0.2])


# One update far from a tight honest cluster: rounding the scores against the largest one made
# every honest score 0 and returned the honest update with the smallest first coordinate; the
# Gram form of the distances lost every digit of close updates far from the origin.  The right
# answer is the update of lowest score, as Flower's ``aggregate_krum`` returns.
KRUM_CASES = [
    (Krum(f=0), [[0.793], [0.790], [0.783], [17100]], [0.790]),
    (Krum(f=0, multi=2), [[3.6e-3], [2.2e-3], [3.1e-3], [5.9e3]], [(3.6e-3 + 3.1e-3) / 2]),
    (Krum(f=1), [[0], [0.5], [0.6], [0.75], [1e7]], [0.6]),
    (Krum(f=0), [[0], [0.5], [0.6], [0.75]], [0.6]),  # the case shifted by 1e8 in the issue
]


@pytest.mark.parametrize(("shift", "scale"), [(0, 1), (1e8, 1), (-1e8, 1), (0, 1e-6), (0, 1e6)])
@pytest.mark.parametrize(("rule", "updates", "expected"), KRUM_CASES)
def test_krum_returns_the_lowest_score_beside_one_far_update(rule, updates, expected, shift, scale):
    updates = np.asarray(updates, dtype=np.float64) * scale + shift
    expected = np.asarray(expected) * scale + shift
    tolerance = 1e-12 * scale + 4 * np.spacing(abs(shift))
    np.testing.assert_allclose(rule(updates), expected, rtol=0, atol=tolerance)
    np.testing.assert_allclose(rule(updates[::-1]), expected, rtol=0, atol=tolerance)


def test_krum_distances_far_from_the_origin_keep_their_digits():
    close = np.array([[0.0], [0.5], [0.6], [0.75]])
    np.testing.assert_allclose(krum_scores(close + 1e8, f=0), krum_scores(close, f=0), rtol=1e-6)

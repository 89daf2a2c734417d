"""Structural metrics against published values (Freeman 1979; Albert, Jeong & Barabási 2000; Schneider et al. 2011)."""

import networkx as nx
import numpy as np
import pytest

from sim.metrics.resilience import (
    betweenness_centralization,
    degree_centralization,
    random_failure_curve,
    schneider_robustness,
)


@pytest.mark.parametrize("n", [5, 20, 100])
def test_star_is_fully_centralized_and_ring_not_at_all(n):
    star, ring = nx.star_graph(n - 1), nx.cycle_graph(n)
    assert degree_centralization(star) == pytest.approx(1.0)
    assert degree_centralization(ring) == pytest.approx(0.0)
    assert betweenness_centralization(star) == pytest.approx(1.0)
    assert betweenness_centralization(ring) == pytest.approx(0.0)


@pytest.mark.parametrize("n", [10, 50, 200])
def test_star_has_schneider_robustness_one_over_n(n):
    assert schneider_robustness(nx.star_graph(n - 1)) == pytest.approx((n - 1) / n**2)
    assert schneider_robustness(nx.star_graph(n - 1)) < 1.05 / n
    # A ring holds together far longer under targeted removal.
    assert schneider_robustness(nx.cycle_graph(n)) > 2.5 * schneider_robustness(
        nx.star_graph(n - 1)
    )


def test_erdos_renyi_loses_its_giant_component_near_three_quarters():
    """⟨k⟩ = 4, N = 10⁴: f_c = 1 − 1/⟨k⟩ = 0.75 (Molloy–Reed)."""
    graph = nx.fast_gnp_random_graph(10_000, 4 / 9_999, seed=7)
    s = random_failure_curve(graph, [0.0, 0.5, 0.7, 0.8, 0.9], np.random.default_rng(0))

    def theory(f):
        """Giant component of ER after random removal: u = 1 − exp(−c u) with c = ⟨k⟩(1 − f),
        S = (1 − f) u (mean-field, infinite N)."""
        c, u = 4 * (1 - f), 1.0
        for _ in range(500):
            u = 1 - np.exp(-c * u)
        return (1 - f) * u

    assert s[0] == pytest.approx(theory(0.0), abs=0.01)  # 0.980
    assert s[1] == pytest.approx(theory(0.5), abs=0.02)  # 0.398
    assert 0.03 < s[2] < 0.2  # 0.094 in theory; near f_c finite-N fluctuations are large
    assert s[3] < 0.01 and s[4] < 0.01  # beyond f_c = 0.75 only small clusters remain


def test_mean_giant_component_averages_draws_of_the_random_failure_curve():
    from sim.metrics.scorecard import FAILURE_DRAWS, mean_giant_component

    graph = nx.erdos_renyi_graph(300, 0.02, seed=1)
    rng = np.random.default_rng(0)
    draws = [random_failure_curve(graph, [0.3], rng)[0] for _ in range(FAILURE_DRAWS)]
    assert mean_giant_component(graph, 0.3, np.random.default_rng(0)) == pytest.approx(
        np.mean(draws)
    )


def test_mean_giant_component_of_a_star_is_the_chance_the_hub_survives():
    from sim.metrics.scorecard import FAILURE_DRAWS, mean_giant_component

    # The hub survives w.p. 0.7 and then the 70 % of nodes left stay connected: E ≈ 0.49; a
    # single draw is 0.7 or ≈ 0.  The mean of the draws has standard error ≈ 0.32 / √draws.
    star = nx.star_graph(999)
    value = mean_giant_component(star, 0.3, np.random.default_rng(5))
    assert abs(value - 0.49) < 4 * 0.7 * np.sqrt(0.21 / FAILURE_DRAWS)
    assert 0.05 < value < 0.69  # neither extreme of a single draw

"""Gossip: doubly stochastic mixing, convergence to the FedAvg average, spectral gap and speed."""

import networkx as nx
import numpy as np
import pytest

from mechanisms.aggregation.fedavg import FedAvg
from mechanisms.aggregation.gossip import (
    Gossip,
    consensus_distance,
    metropolis_hastings_weights,
    spectral_gap,
)


def test_metropolis_hastings_matrix_is_symmetric_and_doubly_stochastic():
    graph = nx.barabasi_albert_graph(30, 2, seed=1)
    mixing = metropolis_hastings_weights(graph)
    np.testing.assert_allclose(mixing, mixing.T)
    np.testing.assert_allclose(mixing.sum(axis=0), 1)
    np.testing.assert_allclose(mixing.sum(axis=1), 1)
    assert np.all(mixing >= 0)
    # A path 0 - 1 - 2: degrees 1, 2, 1 → edge weights 1/3, diagonal 2/3, 1/3, 2/3.
    np.testing.assert_allclose(
        metropolis_hastings_weights(nx.path_graph(3)),
        [[2 / 3, 1 / 3, 0], [1 / 3, 1 / 3, 1 / 3], [0, 1 / 3, 2 / 3]],
    )


def test_gossip_converges_to_the_fedavg_average_on_a_connected_graph():
    rng = np.random.default_rng(0)
    models = rng.normal(size=(20, 5))
    graph = nx.connected_watts_strogatz_graph(20, 4, 0.2, seed=3)
    mixed = Gossip(graph, rounds=400).mix(models)
    target = FedAvg()(models)  # equal weights: the plain mean
    np.testing.assert_allclose(mixed, np.tile(target, (20, 1)), atol=1e-8)
    np.testing.assert_allclose(mixed.mean(axis=0), models.mean(axis=0))  # the mean is preserved


def test_consensus_distance_shrinks_faster_with_a_larger_spectral_gap():
    rng = np.random.default_rng(1)
    models = rng.normal(size=(24, 8))
    ring = nx.cycle_graph(24)
    expander = nx.random_regular_graph(6, 24, seed=2)
    gaps = [spectral_gap(metropolis_hastings_weights(g)) for g in (ring, expander)]
    assert gaps[1] > gaps[0]
    after = [consensus_distance(Gossip(g, rounds=5).mix(models)) for g in (ring, expander)]
    assert after[1] < after[0] < consensus_distance(models)


def test_gossip_rule_returns_the_mean():
    updates = np.arange(12.0).reshape(4, 3)
    np.testing.assert_allclose(Gossip(nx.path_graph(4))(updates), updates.mean(axis=0))
    with pytest.raises(ValueError):
        Gossip(nx.path_graph(3)).mix(updates)


def test_spectral_gap_of_two_nodes_is_one_minus_the_second_eigenvalue():
    # [[3/4, 1/4], [1/4, 3/4]] has eigenvalues 1 and 1/2.
    assert spectral_gap(np.array([[0.75, 0.25], [0.25, 0.75]])) == pytest.approx(0.5)
    assert spectral_gap(np.array([[1.0]])) == 1.0


def test_a_small_overlay_is_complete_and_carries_the_peers_names():
    graph = Gossip(degree=3).peer_graph([7, 3, 5])
    assert sorted(graph.nodes) == [3, 5, 7]
    assert graph.number_of_edges() == 3  # complete on three peers

"""Gossip averaging over a peer graph (decentralized SGD)."""

from __future__ import annotations

import zlib

import networkx as nx
import numpy as np

from mechanisms.aggregation.base import (
    AggregationState,
    Merge,
    StatefulAggregation,
    check_updates,
)
from mechanisms.parameters import at_least


def metropolis_hastings_weights(graph: nx.Graph, nodes: list | None = None) -> np.ndarray:
    """Mixing matrix M with M_ij = 1 / (1 + max(d_i, d_j)) for each edge, M_ii = 1 − Σ_j M_ij.

    M is symmetric and doubly stochastic, so repeated mixing on a connected graph converges to
    the plain average.  Source: Xiao & Boyd, "Fast linear iterations for distributed averaging",
    Systems & Control Letters 2004; used by D-PSGD (Lian et al., NeurIPS 2017).
    """
    nodes = list(graph.nodes) if nodes is None else list(nodes)
    index = {node: i for i, node in enumerate(nodes)}
    degree = dict(graph.degree(nodes))
    mixing = np.zeros((len(nodes), len(nodes)))
    for u, v in graph.edges(nodes):
        if u in index and v in index and u != v:
            weight = 1.0 / (1.0 + max(degree[u], degree[v]))
            mixing[index[u], index[v]] = mixing[index[v], index[u]] = weight
    mixing[np.diag_indices_from(mixing)] = 1.0 - mixing.sum(axis=1)
    return mixing


def spectral_gap(mixing: np.ndarray) -> float:
    """1 − |λ₂| of a symmetric mixing matrix: the larger, the faster gossip converges."""
    eigenvalues = np.sort(np.abs(np.linalg.eigvalsh(mixing)))[::-1]
    return float(1.0 - eigenvalues[1]) if len(eigenvalues) > 1 else 1.0


def consensus_distance(models: np.ndarray) -> float:
    """(1/n) Σ_i ‖θ_i − θ̄‖²: how far peers' models are from their average."""
    models = np.asarray(models, dtype=np.float64)
    return float(np.mean(np.sum((models - models.mean(axis=0)) ** 2, axis=1)))


class Gossip(StatefulAggregation):
    """Every peer keeps its own model and averages with its neighbours ``rounds`` times:
    ``Θ ← M^r Θ`` with Metropolis–Hastings weights M on the peer graph (D-PSGD's communication
    step).  ``mix(models)`` returns the new per-peer models; called as a rule on (n, d) updates it
    returns the peers' mean after mixing, which equals the plain mean because M is doubly
    stochastic (weights are ignored).  ``mixing_matrix`` is exposed for analysis.

    Source: Lian et al., "Can Decentralized Algorithms Outperform Centralized Algorithms? A Case
    Study for Decentralized Parallel Stochastic Gradient Descent", NeurIPS 2017.
    """

    def __init__(
        self,
        graph: nx.Graph | None = None,
        rounds: int = 1,
        nodes: list | None = None,
        degree: int = 3,
        seed: int = 0,
    ):
        at_least("rounds", rounds, 1)
        at_least("degree", degree, 1)
        self.rounds = rounds
        self.degree = degree
        self.seed = seed
        self.mixing_matrix = None if graph is None else metropolis_hastings_weights(graph, nodes)

    def peer_graph(self, peers: list[int]) -> nx.Graph:
        """The builders' gossip overlay: a connected random graph in which every peer has about
        ``degree`` neighbours (a ring lattice rewired with probability 0.2), drawn from the
        peers' identities and ``seed`` so that it changes only when membership does."""
        n = len(peers)
        if n <= self.degree + 1:
            graph = nx.complete_graph(n)
        else:
            seed = zlib.crc32(np.asarray(peers, dtype=np.int64).tobytes()) ^ self.seed
            graph = nx.connected_watts_strogatz_graph(n, max(2, self.degree), 0.2, seed=seed)
        return nx.relabel_nodes(graph, dict(enumerate(peers)))

    def mix_peers(self, models: np.ndarray, peers: list[int]) -> np.ndarray:
        """Mix the models of ``peers`` (rows of ``models``, in that order) over their overlay."""
        self.mixing_matrix = metropolis_hastings_weights(self.peer_graph(peers), peers)
        return self.mix(models)

    def mix(self, models: np.ndarray) -> np.ndarray:
        models = np.asarray(models, dtype=np.float64)
        if self.mixing_matrix is None:
            raise ValueError("Gossip needs a peer graph to mix over")
        if self.mixing_matrix.shape[0] != models.shape[0]:
            raise ValueError(
                f"{models.shape[0]} models for a graph of {self.mixing_matrix.shape[0]} peers"
            )
        return np.linalg.matrix_power(self.mixing_matrix, self.rounds) @ models

    def init(self, model, n_builders):
        """Every builder starts from the network model."""
        return AggregationState(np.tile(np.asarray(model), (n_builders, 1)))

    def step(self, state, model, submissions, accepted, sizes, peers, peer_ids) -> Merge:
        """An accepted submission replaces its author's model; the active peers then mix over
        their overlay; the network model is their mean."""
        models = state.peer_models.copy()
        models[accepted] = submissions[accepted]
        if not len(peers):
            return Merge(AggregationState(models))
        models[peers] = self.mix_peers(models[peers], list(peer_ids))
        return Merge(
            AggregationState(models),
            model=models[peers].mean(axis=0),
            disagreement=consensus_distance(models[peers]),
        )

    def combine(self, updates, weights=None):
        return self(updates, weights)

    def __call__(self, updates, weights=None):
        updates, _ = check_updates(updates, weights)
        if updates.shape[0] == 0:
            return np.zeros(updates.shape[1])
        if self.mixing_matrix is None or self.mixing_matrix.shape[0] != updates.shape[0]:
            return updates.mean(axis=0)  # a complete graph mixes to the mean in one round
        return self.mix(updates).mean(axis=0)

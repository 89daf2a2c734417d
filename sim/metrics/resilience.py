"""Structural metrics of a communication graph: centralization, percolation and robustness.

Formulas: Freeman, "Centrality in social networks: conceptual clarification", Social Networks 1(3),
1979 (degree centralization); Albert, Jeong & Barabási, "Error and attack tolerance of complex
networks", Nature 406, 2000 (giant component after failures); Schneider et al., "Mitigation of
malicious attacks on networks", PNAS 108(10), 2011 (robustness R).  Aspects 1 and 8 of
docs/model.md.
"""

from __future__ import annotations

import networkx as nx
import numpy as np

from sim.network import degree_centralization

__all__ = [
    "betweenness_centralization",
    "degree_centralization",
    "giant_component_fraction",
    "random_failure_curve",
    "schneider_robustness",
]


def betweenness_centralization(graph: nx.Graph) -> float:
    """Freeman betweenness centralization Σ_i (b_max − b_i) / (N − 1) over normalised
    betweenness b (the star is the maximum, 1; a ring is 0).  Source: Freeman, Social Networks 1
    (1979)."""
    n = graph.number_of_nodes()
    if n < 3:
        return 0.0
    b = np.array(list(nx.betweenness_centrality(graph, normalized=True).values()))
    return float(np.sum(b.max() - b) / (n - 1))


def giant_component_fraction(graph: nx.Graph, n_original: int | None = None) -> float:
    """Size of the largest connected component / the original number of nodes."""
    n = n_original or graph.number_of_nodes()
    if n == 0 or graph.number_of_nodes() == 0:
        return 0.0
    return max(len(c) for c in nx.connected_components(graph)) / n


def random_failure_curve(graph: nx.Graph, fractions, rng: np.random.Generator) -> np.ndarray:
    """Giant-component fraction S(f) after removing a random fraction f of nodes, each f on its
    own draw.  For an Erdős–Rényi graph with mean degree ⟨k⟩ the giant component vanishes near
    f_c = 1 − 1/⟨k⟩ (Molloy & Reed 1995; Cohen et al., PRL 2000)."""
    nodes = np.array(list(graph.nodes))
    n = len(nodes)
    curve = []
    for f in fractions:
        removed = rng.choice(nodes, size=int(round(f * n)), replace=False)
        remaining = graph.copy()
        remaining.remove_nodes_from(removed.tolist())
        curve.append(giant_component_fraction(remaining, n))
    return np.array(curve)


def schneider_robustness(graph: nx.Graph) -> float:
    """R = (1/N) Σ_{Q=1}^{N} s(Q): s(Q) is the largest component's share of the N original nodes
    after the Q most connected nodes are removed one by one (degree recomputed after each
    removal, ties by node order).  A star scores (N − 1)/N² ≈ 1/N, the minimum order.  Source:
    Schneider et al., "Mitigation of malicious attacks on networks", PNAS 108 (2011)."""
    remaining = graph.copy()
    n = remaining.number_of_nodes()
    total = 0.0
    for _ in range(n):
        hub = max(remaining.degree, key=lambda pair: pair[1])[0]
        remaining.remove_node(hub)
        total += giant_component_fraction(remaining, n)
    return total / n if n else 0.0

"""Communication graphs of the economy (networkx).

A platform is a star around its coordinator.  A network is a random peer graph: ``random_regular``
(every node has ``degree`` peers), ``erdos_renyi`` (mean degree ``degree``) or ``watts_strogatz``
(ring lattice of ``degree`` neighbours rewired with probability 0.1).  Newcomers connect to the hub
of a star, or to ``degree`` random peers.
"""

from __future__ import annotations

import networkx as nx
import numpy as np

TOPOLOGIES = ("star", "random_regular", "erdos_renyi", "watts_strogatz")

# Scorecard metrics a topology fixes whatever the seed (metric → why); a random graph fixes none.
FIXED_BY_TOPOLOGY = {
    "star": {
        "degree_centralization": "a star is maximally degree-centralized (1)",
        "betweenness_centralization": "every path runs through a star's hub (1)",
        "node_connectivity": "removing a star's hub disconnects it (1)",
        "schneider_robustness": "a star falls apart with its hub (≈ 1/N)",
    }
}


def build_graph(
    kind: str, nodes: list[int], degree: int, rng: np.random.Generator, hub: int | None = None
) -> nx.Graph:
    seed = int(rng.integers(2**31))
    n = len(nodes)
    if kind == "star":
        if hub is None:
            raise ValueError("a star topology needs a hub")
        graph = nx.star_graph([hub, *[v for v in nodes if v != hub]])
        return graph
    degree = min(degree, n - 1)
    if kind == "random_regular":
        if (n * degree) % 2:
            degree -= 1
        base = nx.random_regular_graph(degree, n, seed=seed)
    elif kind == "erdos_renyi":
        base = nx.gnp_random_graph(n, degree / max(n - 1, 1), seed=seed)
    elif kind == "watts_strogatz":
        base = nx.connected_watts_strogatz_graph(n, max(degree, 2), 0.1, seed=seed)
    else:
        raise ValueError(f"unknown topology {kind!r}; choose one of {', '.join(TOPOLOGIES)}")
    return nx.relabel_nodes(base, dict(enumerate(nodes)))


def attach(graph: nx.Graph, node: int, degree: int, rng: np.random.Generator, hub=None) -> None:
    """Connect a newcomer: to the hub of a star, else to ``degree`` random existing nodes."""
    existing = list(graph.nodes)
    graph.add_node(node)
    if hub is not None:
        graph.add_edge(hub, node)
        return
    if existing:
        peers = rng.choice(existing, size=min(degree, len(existing)), replace=False)
        graph.add_edges_from((node, int(p)) for p in peers)


def degree_centralization(graph: nx.Graph) -> float:
    """Freeman degree centralization Σ_i (d_max − d_i) / ((N − 1)(N − 2)): star 1, ring 0.

    Source: Freeman, "Centrality in social networks: conceptual clarification", Social Networks
    1 (1979), eq. for C_D with the star as the maximally centralized graph.
    """
    n = graph.number_of_nodes()
    if n < 3:
        return 0.0
    degrees = np.array([d for _, d in graph.degree()])
    return float(np.sum(degrees.max() - degrees) / ((n - 1) * (n - 2)))

"""Measurements the scorecard's metrics share: rank correlation, graph metrics bounded by the
exact-graph limit, and the mean giant component under random failures."""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

import networkx as nx
import numpy as np

AUDITED_EVENTS = ("consensus", "update", "governance", "reward")


def rank_correlation(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman rank correlation (Pearson on average ranks) of rewards ``y`` with merit ``x``.

    NaN when there are fewer than 3 points, merit does not vary or nobody was rewarded; 0 when
    merit varies but a positive reward does not (a flat wage carries no information about merit).
    """
    if len(x) < 3 or np.ptp(x) == 0 or not np.any(y):
        return float("nan")
    if np.ptp(y) == 0:
        return 0.0

    def ranks(v):
        order = np.argsort(v, kind="stable")
        r = np.empty(len(v))
        r[order] = np.arange(len(v))
        for value in np.unique(v):  # ties share their average rank
            tie = v == value
            r[tie] = r[tie].mean()
        return r

    return float(np.corrcoef(ranks(x), ranks(y))[0, 1])


# Exact node connectivity, betweenness and Schneider's R cost O(N²) or more; above this many
# nodes they are reported as NaN rather than stall a large run.
EXACT_GRAPH_LIMIT = 2_000


# The limit in force where a metric runs: a context variable, so that a view rescoring in one
# thread (with a lower limit) does not change what a run scored in another sees.
_graph_limit: ContextVar[int] = ContextVar("exact_graph_limit", default=EXACT_GRAPH_LIMIT)


@contextmanager
def exact_graphs_up_to(nodes: int):
    """Within this block, graph metrics that need exact all-pairs work (node connectivity,
    betweenness) are computed only for graphs of at most ``nodes`` nodes (NaN above): what a
    live view, which rescores every epoch, can afford."""
    token = _graph_limit.set(nodes)
    try:
        yield
    finally:
        _graph_limit.reset(token)


# Graph metrics of graphs already measured (a view rescores every epoch; the graph rarely
# changes): keyed by the metric, the nodes and the edges, so a changed graph is measured anew.
_MEASURED: dict = {}


def small_graph_metric(graph, metric):
    if graph.number_of_nodes() > _graph_limit.get():
        return float("nan")
    key = (metric, frozenset(graph.nodes), frozenset(map(frozenset, graph.edges)))
    if key not in _MEASURED:
        if len(_MEASURED) >= 256:
            _MEASURED.clear()
        _MEASURED[key] = metric(graph)
    return _MEASURED[key]


# Draws averaged for the random-failure metric: one draw on a star is 1 − f or ≈ 0 depending
# on whether it hits the hub; the mean estimates the expected share (standard error ≤ 0.5/√64).
FAILURE_DRAWS = 64


def mean_giant_component(graph, fraction: float, rng: np.random.Generator) -> float:
    """Mean over ``FAILURE_DRAWS`` independent draws of the largest connected share of the N
    original nodes after ``round(fraction · N)`` nodes fail at random (the quantity of
    ``random_failure_curve``, on a sparse adjacency matrix so that 10⁵ nodes stay fast)."""
    from scipy.sparse.csgraph import connected_components

    n = graph.number_of_nodes()
    if n == 0:
        return float("nan")
    adjacency = nx.to_scipy_sparse_array(graph, format="csr")
    failed = int(round(fraction * n))
    shares = []
    for _ in range(FAILURE_DRAWS):
        kept = np.ones(n, dtype=bool)
        kept[rng.choice(n, size=failed, replace=False)] = False
        if not kept.any():
            shares.append(0.0)
            continue
        _, labels = connected_components(adjacency[kept][:, kept], directed=False)
        shares.append(np.bincount(labels).max() / n)
    return float(np.mean(shares))

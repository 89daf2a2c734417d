"""The 16-aspect scorecard of the Centralized-vs-Decentralized AI comparison table.

Each aspect is scored by one or more numbers (docs/model.md lists them with their sources).  Every
metric states which direction is better ("higher" or "lower"), the population and window it covers,
and its kind:

- ``structural``: fixed by how the scenario is defined, whatever happens in the run (a star has
  degree centralization 1, a platform that publishes nothing has auditability 0, a data lake has
  raw-data egress 1, an owner holds all governance power).  Such numbers describe the design being
  compared; they are reported apart and never count as findings in a verdict.
- ``measured``: an outcome of the run's dynamics.

Each metric is one small function of a ``RunRecord`` (sim.records: the epoch rows, the run's
tallies and the final state), registered with ``@metric(aspect=..., better=...)`` in
sim.metrics.aspects; ``score(run)`` computes every registered metric in registration order.  The
scorecard is a pure function of the record, so a saved record can be re-scored under changed
definitions (``deai-sim-report --rescore``); metrics that need random draws average many draws
from a generator seeded by the run's seed.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import asdict, dataclass

import networkx as nx
import numpy as np

ASPECTS = (
    "Architecture",
    "Computation",
    "Decision making",
    "Data governance",
    "Privacy & security",
    "Scalability",
    "Transparency",
    "Resiliency",
    "Innovation model",
    "Objective function",
    "Resource allocation",
    "Update mechanism",
    "Accessibility",
    "Governance model",
    "Business model",
    "Incentive structure",
)


# Each aspect's headline metric: the first the scorecard lists for it, the one figures show.
HEADLINES = {
    1: "degree_centralization",
    2: "compute_nakamoto",
    3: "decision_nakamoto",
    4: "raw_data_egress_ratio",
    5: "single_breach_exposure",
    6: "peak_node_traffic_kb",
    7: "auditability_ratio",
    8: "availability",
    9: "improver_nakamoto",
    10: "mean_local_accuracy",
    11: "compute_utilisation",
    12: "epochs_to_90pct_accuracy",
    13: "entry_cost_ratio",
    14: "governance_gini",
    15: "take_rate",
    16: "quality_reward_correlation",
}

AUDITED_EVENTS = ("consensus", "update", "governance", "reward")


@dataclass(frozen=True)
class Metric:
    aspect: int  # 1-based row of the comparison table
    name: str
    value: float
    better: str  # "higher" or "lower"
    description: str
    kind: str = "measured"  # or "structural": fixed by the scenario's definition

    @property
    def aspect_name(self) -> str:
        return ASPECTS[self.aspect - 1]

    def as_dict(self) -> dict:
        return {**asdict(self), "aspect_name": self.aspect_name}


def _safe(value) -> float:
    value = float(value)
    return value if np.isfinite(value) else float("nan")


def _correlation(x: np.ndarray, y: np.ndarray) -> float:
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


def _small(graph, metric):
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


@dataclass(frozen=True)
class MetricDefinition:
    """A registered metric: its function of a RunRecord and how to read its value."""

    name: str
    aspect: int
    better: str
    function: Callable
    structural: bool | Callable  # or a function of the record (fixed by the organisation)

    def __call__(self, run) -> Metric:
        value = self.function(run)
        value, detail = value if isinstance(value, tuple) else (value, None)
        description = detail or " ".join((self.function.__doc__ or "").split())
        structural = self.structural(run) if callable(self.structural) else self.structural
        return Metric(
            self.aspect,
            self.name,
            _safe(value),
            self.better,
            f"{description} (epochs 0–{run.epochs - 1})",
            "structural" if structural else "measured",
        )


METRICS: dict[str, MetricDefinition] = {}


def metric(aspect: int, better: str, structural: bool | Callable = False, name: str | None = None):
    """Register a function ``f(run) -> value`` (or ``(value, description)``) as a scorecard
    metric of ``aspect`` (1–16), named ``name`` or after the function; its docstring describes
    it.  Registering a name again replaces that metric's definition in place."""
    if better not in ("higher", "lower"):
        raise ValueError(f"better must be 'higher' or 'lower', got {better!r}")
    if not 1 <= aspect <= len(ASPECTS):
        raise ValueError(f"aspect must be 1–{len(ASPECTS)}, got {aspect}")

    def register(function):
        key = name or function.__name__
        METRICS[key] = MetricDefinition(key, aspect, better, function, structural)
        return function

    return register


def score(run) -> list[Metric]:
    """Every registered metric of a RunRecord (sim.records), in registration order."""
    return [definition(run) for definition in METRICS.values()]


# The built-in metrics register first, so that they lead the scorecard in their own order.
import sim.metrics.aspects  # noqa: E402, F401

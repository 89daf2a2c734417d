"""The scorecard's registry: the 16 aspects of the comparison table, a metric's value and
definition, and the ``@metric`` decorator that registers one (sim.metrics.aspects holds the
built-in metrics; sim.metrics.scorecard scores a run with every registered one)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

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


@dataclass(frozen=True)
class Metric:
    aspect: int  # 1-based row of the comparison table
    name: str
    value: float
    better: str  # "higher" or "lower"
    description: str
    kind: str = "measured"  # or "structural": fixed by the scenario's definition
    fixed_by: str = ""  # why the definition fixes it (structural only)

    @property
    def aspect_name(self) -> str:
        return ASPECTS[self.aspect - 1]

    def as_dict(self) -> dict:
        return {**asdict(self), "aspect_name": self.aspect_name}


def finite_or_nan(value) -> float:
    value = float(value)
    return value if np.isfinite(value) else float("nan")


@dataclass(frozen=True)
class MetricDefinition:
    """A registered metric: its function of a RunRecord and how to read its value."""

    name: str
    aspect: int
    better: str
    function: Callable
    structural: bool | Callable  # or a function of the record

    def __call__(self, run) -> Metric:
        """The metric of ``run``: structural where the metric says so for every economy, or
        where the run's economy declares it fixed (``facts["fixed_metrics"]``, written by
        sim.world.World.fixed_metrics)."""
        value = self.function(run)
        value, detail = value if isinstance(value, tuple) else (value, None)
        description = detail or " ".join((self.function.__doc__ or "").split())
        structural = self.structural(run) if callable(self.structural) else self.structural
        fixed_by = run.facts.get("fixed_metrics", {}).get(self.name, "")
        if structural and not fixed_by:
            fixed_by = "fixed by the metric's definition"
        return Metric(
            self.aspect,
            self.name,
            finite_or_nan(value),
            self.better,
            f"{description} (epochs 0–{run.epochs - 1})",
            "structural" if fixed_by else "measured",
            fixed_by,
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

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

from sim.metrics.measures import (  # noqa: F401 (the scorecard's public names)
    AUDITED_EVENTS,
    EXACT_GRAPH_LIMIT,
    FAILURE_DRAWS,
    exact_graphs_up_to,
    mean_giant_component,
    rank_correlation,
    small_graph_metric,
)
from sim.metrics.registry import (  # noqa: F401
    ASPECTS,
    HEADLINES,
    METRICS,
    Metric,
    MetricDefinition,
    metric,
)


def score(run) -> list[Metric]:
    """Every registered metric of a RunRecord (sim.records), in registration order."""
    return [definition(run) for definition in METRICS.values()]


# The built-in metrics register first, so that they lead the scorecard in their own order.
import sim.metrics.aspects  # noqa: E402, F401, I001

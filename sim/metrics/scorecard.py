"""The 16-aspect scorecard of the Centralized-vs-Decentralized AI comparison table.

Each aspect is scored by one or more numbers (docs/model.md lists them with their sources).  Every
metric states which direction is better ("higher" or "lower"), the population and window it covers,
and its kind:

- ``structural``: fixed by how the scenario is defined, whatever happens in the run (a star has
  degree centralization 1, a platform that publishes nothing has auditability 0, a data lake has
  raw-data egress 1, an owner holds all governance power).  Such numbers describe the design being
  compared; they are reported apart and never count as findings in a verdict.
- ``measured``: an outcome of the run's dynamics.

Values come from the model's arrays, tallies and time series at the end of a run, so the scorecard
is a pure function of config and seed; metrics that need random draws average many draws from a
generator seeded by the run's seed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import networkx as nx
import numpy as np

from agents.base import Role
from mechanisms.governance.owner import OwnerDecides
from sim.ledger import UNITS_PER_TOKEN
from sim.metrics.concentration import gini, hhi, nakamoto_coefficient
from sim.metrics.resilience import (
    betweenness_centralization,
    schneider_robustness,
)
from sim.network import degree_centralization
from sim.population import TREASURY

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


def _small(graph, metric):
    return metric(graph) if graph.number_of_nodes() <= EXACT_GRAPH_LIMIT else float("nan")


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


def score(model) -> list[Metric]:
    """Score a finished EconomyModel on all 16 aspects."""
    p = model.population
    frame = model.datacollector.get_model_vars_dataframe()
    accuracy = frame["test_accuracy"].to_numpy()
    window = f"epochs 0–{len(frame) - 1}"
    builders = p.blocks[Role.BUILDER]
    providers = p.blocks[Role.COMPUTE_PROVIDER]
    engine = model.engine
    metrics: list[Metric] = []

    def add(aspect, name, value, better, description, structural=False):
        kind = "structural" if structural else "measured"
        metrics.append(
            Metric(aspect, name, _safe(value), better, f"{description} ({window})", kind)
        )

    # The scenario's definition fixes these: the topology (a star, a regular graph), one
    # evaluator on a platform, an owner deciding governance alone.
    one_evaluator = model.platform
    owner_governs = isinstance(model.governance, OwnerDecides)

    graph = model.graph
    add(
        1,
        "degree_centralization",
        degree_centralization(graph),
        "lower",
        f"Freeman degree centralization of the final communication graph, {graph.number_of_nodes()} nodes",
        structural=True,
    )

    compute = model.total_compute[providers]
    add(
        2,
        "compute_nakamoto",
        nakamoto_coefficient(compute),
        "higher",
        "fewest compute operators delivering ≥ 50 % of all compute units",
    )
    top_share = compute.max() / compute.sum() if compute.sum() > 0 else 1.0
    retained = 0.0 if model.platform else 1.0 - top_share
    add(
        2,
        "compute_retained_after_top_failure",
        retained,
        "higher",
        "share of delivered compute still usable when the most critical node fails "
        "(the coordinator on a platform, the largest provider on a network)",
        structural=model.platform,
    )

    add(
        3,
        "decision_nakamoto",
        np.mean(model.decision_nc) if model.decision_nc else 0,
        "higher",
        "fewest evaluators holding ≥ 50 % of the voting power exercised per committed round (mean)",
        structural=one_evaluator,
    )

    raw_total = max(model.raw_bytes_total, 1)
    add(
        4,
        "raw_data_egress_ratio",
        model.raw_bytes_moved / raw_total,
        "lower",
        "raw training bytes that left their owner / all raw training bytes",
        structural=True,
    )

    held = (engine.shard_table >= 0).sum(axis=1).astype(float)
    exposure = 1.0 if model.platform and model.lake_owners else held.max() / max(held.sum(), 1)
    add(
        5,
        "single_breach_exposure",
        exposure,
        "lower",
        "largest share of all training records that one compromised node exposes",
        structural=model.platform,
    )

    add(
        6,
        "peak_node_traffic_kb",
        np.mean(model.peak_traffic) / 1e3 if model.peak_traffic else 0,
        "lower",
        "kilobytes the busiest node receives per epoch (mean)",
    )

    audited = [model.ledger.counts.get(r, {True: 0, False: 0}) for r in AUDITED_EVENTS]
    public = sum(c[True] for c in audited)
    total = sum(c[True] + c[False] for c in audited)
    add(
        7,
        "auditability_ratio",
        public / total if total else float("nan"),
        "higher",
        "reward, update and decision events published with their inputs / all such events",
        structural=True,
    )

    add(
        8,
        "availability",
        model.available_epochs / max(len(frame), 1),
        "higher",
        f"share of epochs that committed a decision and paid contributors, nodes offline "
        f"w.p. {model.cfg.faults.offline_probability}",
    )
    add(
        8,
        "node_connectivity",
        _small(graph, nx.node_connectivity) if graph.number_of_nodes() > 1 else 0,
        "higher",
        "nodes whose removal disconnects the final graph (1 = single point of failure)",
        structural=True,
    )

    add(
        9,
        "improver_nakamoto",
        nakamoto_coefficient(model.accepted_count[builders]),
        "higher",
        "fewest builders authoring ≥ 50 % of accepted model updates",
    )

    local = model.engine.local_accuracy()
    data_active = p.active[p.blocks[Role.DATA_PROVIDER]]
    local = local[data_active] if data_active.any() else local
    add(
        10,
        "mean_local_accuracy",
        local.mean(),
        "higher",
        f"network model's accuracy on each of {len(local)} active data providers' own data (mean)",
    )
    add(
        10,
        "worst_decile_local_accuracy",
        np.quantile(local, 0.1),
        "higher",
        "10th percentile of the same local accuracies",
    )

    add(
        11,
        "compute_utilisation",
        np.mean(model.utilisation) if model.utilisation else 0,
        "higher",
        "compute units sold / capacity online (mean over epochs with a market)",
    )

    final = accuracy[-1]
    reached = np.flatnonzero(accuracy >= 0.9 * final) if final > 0 else np.array([len(accuracy)])
    add(
        12,
        "epochs_to_90pct_accuracy",
        reached[0] + 1,
        "lower",
        f"epochs until test accuracy first reached 90 % of its final value {final:.3f}",
    )

    median_budget = np.median(model.endowment[np.isin(p.role, [int(r) for r in Role if r >= 2])])
    entry_cost = (
        max(model.entry_costs)
        if model.entry_costs
        else model.access.admit(np.array([median_budget]), 1, 0).entry_cost
    )
    add(
        13,
        "entry_cost_ratio",
        entry_cost / median_budget,
        "lower",
        "tokens an entrant must burn or bond / median participant budget",
    )
    add(
        13,
        "admission_rate",
        model.admitted / model.applicants if model.applicants else float("nan"),
        "higher",
        f"applicants admitted / {model.applicants} applicants",
    )

    power = model.governance_power
    add(
        14,
        "governance_gini",
        gini(power) if power.sum() > 0 else float("nan"),
        "lower",
        "Gini of voting power held over all accounts across proposals",
        structural=owner_governs,
    )
    add(
        14,
        "governance_nakamoto",
        nakamoto_coefficient(power),
        "higher",
        "fewest accounts holding ≥ 50 % of governance voting power",
        structural=owner_governs,
    )

    gross = model.gross_revenue
    if model.platform:
        take = (gross - model.platform_spend) / gross if gross > 0 else float("nan")
    else:
        take = model.ledger.balances[TREASURY] / gross if gross > 0 else float("nan")
    add(
        15,
        "take_rate",
        take,
        "lower",
        f"value kept by the platform or protocol / {gross / UNITS_PER_TOKEN:.1f} tokens of consumer fees",
    )

    counts = model.submission_count[builders]
    submitted = counts > 0
    quality = model.submission_quality[builders][submitted] / counts[submitted]
    reward_rate = model.total_reward[builders][submitted] / counts[submitted]
    add(
        16,
        "quality_reward_correlation",
        _correlation(quality, reward_rate),
        "higher",
        f"Spearman ρ(mean test accuracy of a builder's submissions, its reward per submission), "
        f"{int(submitted.sum())} builders",
    )
    # Further metrics per aspect; each scenario lists them in the same order.
    add(
        1,
        "betweenness_centralization",
        _small(graph, betweenness_centralization),
        "lower",
        "Freeman betweenness centralization of the final communication graph (star 1, ring 0)",
        structural=True,
    )
    add(
        2,
        "compute_hhi",
        hhi(compute) if compute.sum() > 0 else float("nan"),
        "lower",
        "Herfindahl–Hirschman index of delivered compute by operator",
    )
    add(
        8,
        "schneider_robustness",
        _small(graph, schneider_robustness),
        "higher",
        "Schneider R of the final graph under degree-targeted removal (star ≈ 1/N)",
        structural=True,
    )
    add(
        8,
        "giant_component_after_30pct_failure",
        mean_giant_component(graph, 0.3, np.random.default_rng(model.cfg.seed)),
        "higher",
        f"largest connected share of nodes after 30 % fail at random (mean of "
        f"{FAILURE_DRAWS} draws)",
        structural=True,
    )
    add(
        10,
        "local_accuracy_jain_fairness",
        (local.sum() ** 2) / (len(local) * (local**2).sum()),
        "higher",
        "Jain fairness (Σu)² / (N Σu²) of the local accuracies",
    )
    add(
        6,
        "model_megabytes_per_epoch",
        model.model_bytes_moved / 1e6 / max(len(frame), 1),
        "lower",
        "model bytes moved per epoch (submissions to every evaluator, the new model to every builder)",
    )
    add(
        9,
        "improvers_per_epoch",
        np.mean(model.improvers) if model.improvers else 0.0,
        "higher",
        "distinct builders whose updates were accepted, per epoch with an update (mean)",
    )
    add(
        12,
        "rejected_update_rate",
        model.rejected_total / model.submitted_total if model.submitted_total else float("nan"),
        "lower",
        "submissions rejected by consensus / submissions in committed rounds",
    )
    add(
        12,
        "consensus_distance",
        frame["consensus_distance"].mean(),
        "lower",
        "(1/n) Σ‖θ_i − θ̄‖² between peers' models (0 when all share one model), mean over epochs",
    )
    newcomers = np.flatnonzero(p.joined > 0)
    reward_total = model.total_reward.sum()
    add(
        13,
        "newcomer_reward_share",
        model.total_reward[newcomers].sum() / reward_total if reward_total > 0 else float("nan"),
        "higher",
        f"share of all rewards that went to the {len(newcomers)} participants who joined "
        "during the run",
    )
    rewarded = newcomers[p.first_reward[newcomers] >= 0]
    add(
        13,
        "epochs_to_first_reward",
        np.mean(p.first_reward[rewarded] - p.joined[rewarded]) if len(rewarded) else float("nan"),
        "lower",
        "epochs from joining to the first reward, for rewarded newcomers (mean)",
    )
    add(
        14,
        "governance_turnout",
        np.mean(model.turnouts) if model.turnouts else float("nan"),
        "higher",
        "voting power cast / voting power held, per proposal (mean)",
    )
    gross_value = model.gross_revenue + model.emission_total
    add(
        15,
        "contributor_value_share",
        reward_total * UNITS_PER_TOKEN / gross_value if gross_value > 0 else float("nan"),
        "higher",
        "rewards paid to contributors / consumer fees and emission",
    )
    free = p.blocks[Role.BUILDER][p.flagged("free_rider", Role.BUILDER)]
    honest = p.blocks[Role.BUILDER][
        (p.adversary[p.blocks[Role.BUILDER]] == "") & (p.joined[p.blocks[Role.BUILDER]] >= 0)
    ]
    median_honest = np.median(model.total_reward[honest]) if len(honest) else 0.0
    add(
        16,
        "free_rider_gain",
        model.total_reward[free].mean() / median_honest
        if len(free) and median_honest > 0
        else float("nan"),
        "lower",
        "reward of a zero-contribution builder / median honest builder reward (≈ 0 is good; "
        "NaN without free riders)",
    )
    paid = model.total_reward
    owners = np.bincount(p.owner, weights=paid, minlength=p.size)
    add(
        16,
        "reward_nakamoto_accounts",
        nakamoto_coefficient(paid),
        "higher",
        "fewest accounts receiving ≥ 50 % of all rewards",
    )
    add(
        16,
        "reward_nakamoto_owners",
        nakamoto_coefficient(owners),
        "higher",
        "fewest owners receiving ≥ 50 % of all rewards (below the account count when Sybil "
        "identities share an owner)",
    )
    validators = p.blocks[Role.VALIDATOR][p.joined[p.blocks[Role.VALIDATOR]] >= 0]
    add(
        16,
        "stake_reward_correlation",
        _correlation(model.endowment[validators], model.total_reward[validators]),
        "lower",
        "Spearman ρ(validator's initial stake, its total reward): rewards following stake "
        "rather than work (Lui & Sun 2025 measure 0.80–0.95 on Bittensor)",
    )
    return metrics

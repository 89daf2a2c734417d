"""The scorecard's metrics, one function of a RunRecord each, in the order the scorecard lists
them: first each aspect's headline (sim.metrics.registry.HEADLINES), then further metrics.

docs/model.md gives every metric with its source.  A function returns its value, or
(value, description) when the description carries numbers of the run; otherwise its docstring is
the description.  Which values an economy's definition fixes (a star's centralization, an
owner's turnout) is declared by the economy itself: sim.world.World.fixed_metrics.
"""

from __future__ import annotations

import networkx as nx
import numpy as np

from sim.metrics.concentration import gini, hhi, nakamoto_coefficient
from sim.metrics.measures import (
    AUDITED_EVENTS,
    FAILURE_DRAWS,
    mean_giant_component,
    rank_correlation,
    small_graph_metric,
)
from sim.metrics.registry import metric
from sim.metrics.resilience import betweenness_centralization, schneider_robustness
from sim.network import degree_centralization
from sim.population import TREASURY
from sim.roles import Role
from sim.units import UNITS_PER_TOKEN


def _compute(run) -> np.ndarray:
    return run.totals["compute_sold"][run.slots(Role.COMPUTE_PROVIDER)]


def _local_accuracy(run) -> np.ndarray:
    local = run.final["local_accuracy"]
    active = run.final["active"][run.slots(Role.DATA_PROVIDER)]
    return local[active] if active.any() else local


def _mean(values, empty=0.0) -> float:
    return float(np.mean(values)) if len(values) else empty


# ---------------------------------------------------------------- headlines, aspects 1–16
@metric(1, "lower", name="degree_centralization")
def degree_centralization_of_graph(run):
    n = run.graph.number_of_nodes()
    return degree_centralization(run.graph), (
        f"Freeman degree centralization of the final communication graph, {n} nodes"
    )


@metric(2, "higher")
def compute_nakamoto(run):
    """fewest compute operators delivering ≥ 50 % of all compute units"""
    return nakamoto_coefficient(_compute(run))


@metric(2, "higher")
def compute_retained_after_top_failure(run):
    """share of delivered compute still usable when the most critical node fails (the
    coordinator on a platform, the largest provider on a network)"""
    compute = _compute(run)
    top_share = compute.max() / compute.sum() if compute.sum() > 0 else 1.0
    return 0.0 if run.facts["has_operator"] else 1.0 - top_share


@metric(3, "higher")
def decision_nakamoto(run):
    """fewest evaluators holding ≥ 50 % of the voting power exercised per committed round (mean)"""
    return _mean(run.events["decision_nakamoto"])


@metric(4, "lower")
def raw_data_egress_ratio(run):
    """raw training bytes that left their owner / all raw training bytes"""
    return run.counters["raw_bytes_moved"] / max(run.counters["raw_bytes_total"], 1)


@metric(5, "lower")
def single_breach_exposure(run):
    """largest share of all training records that one compromised node exposes"""
    held = run.final["records_held"]
    if run.facts["has_operator"] and run.facts["data_lake_holders"]:
        return 1.0
    return held.max() / max(held.sum(), 1)


@metric(6, "lower")
def peak_node_traffic_kb(run):
    """kilobytes the busiest node receives per epoch (mean)"""
    return _mean(run.events["peak_traffic"]) / 1e3


@metric(7, "higher")
def auditability_ratio(run):
    """reward, update and decision events published with their inputs / all such events"""
    counts = run.facts["ledger_counts"]
    audited = [counts.get(r, {"public": 0, "private": 0}) for r in AUDITED_EVENTS]
    public = sum(c["public"] for c in audited)
    total = sum(c["public"] + c["private"] for c in audited)
    return public / total if total else float("nan")


@metric(8, "higher")
def availability(run):
    return run.counters["available_epochs"] / max(run.epochs, 1), (
        "share of epochs that committed a decision and paid contributors, nodes offline "
        f"w.p. {run.facts['offline_probability']}"
    )


@metric(8, "higher")
def node_connectivity(run):
    """nodes whose removal disconnects the final graph (1 = single point of failure)"""
    graph = run.graph
    return small_graph_metric(graph, nx.node_connectivity) if graph.number_of_nodes() > 1 else 0


@metric(9, "higher")
def improver_nakamoto(run):
    """fewest builders authoring ≥ 50 % of accepted model updates"""
    return nakamoto_coefficient(run.totals["accepted"][run.slots(Role.BUILDER)])


@metric(10, "higher")
def mean_local_accuracy(run):
    local = _local_accuracy(run)
    return local.mean(), (
        f"network model's accuracy on each of {len(local)} active data providers' own data (mean)"
    )


@metric(10, "higher")
def worst_decile_local_accuracy(run):
    """10th percentile of the same local accuracies"""
    return np.quantile(_local_accuracy(run), 0.1)


@metric(11, "higher")
def compute_utilisation(run):
    """compute units sold / capacity online (mean over epochs with a market)"""
    return _mean(run.events["utilisation"])


@metric(12, "lower")
def epochs_to_90pct_accuracy(run):
    accuracy = run.column("test_accuracy")
    final = accuracy[-1]
    reached = np.flatnonzero(accuracy >= 0.9 * final) if final > 0 else np.array([len(accuracy)])
    return reached[0] + 1, (
        f"epochs until test accuracy first reached 90 % of its final value {final:.3f}"
    )


@metric(13, "lower")
def entry_cost_ratio(run):
    """tokens an entrant must burn or bond / median participant budget"""
    costs = run.events["entry_costs"]
    entry_cost = max(costs) if costs else run.facts["probe_entry_cost"]
    budget = run.facts["median_budget"]
    if budget <= 0:  # the median participant holds nothing: only free entry has a ratio
        return (0.0 if entry_cost == 0 else float("nan")), (
            f"entry cost {entry_cost:g} tokens against a median budget of 0"
        )
    return entry_cost / budget


@metric(13, "higher")
def admission_rate(run):
    applicants = run.counters["applicants"]
    rate = run.counters["admitted"] / applicants if applicants else float("nan")
    return rate, f"applicants admitted / {applicants} applicants"


@metric(14, "lower")
def governance_gini(run):
    """Gini of voting power held over all accounts across proposals"""
    power = run.totals["governance_power"]
    return gini(power) if power.sum() > 0 else float("nan")


@metric(14, "higher")
def governance_nakamoto(run):
    """fewest accounts holding ≥ 50 % of governance voting power"""
    return nakamoto_coefficient(run.totals["governance_power"])


@metric(15, "lower")
def take_rate(run):
    gross = run.counters["gross_revenue"]
    if run.facts["has_operator"]:
        kept = gross - run.counters["operator_spend"]
    else:
        kept = run.final["balances"][TREASURY]
    return kept / gross if gross > 0 else float("nan"), (
        f"value kept by the platform or protocol / {gross / UNITS_PER_TOKEN:.1f} tokens of "
        "consumer fees"
    )


@metric(16, "higher")
def quality_reward_correlation(run):
    builders = run.slots(Role.BUILDER)
    counts = run.totals["submission_count"][builders]
    submitted = counts > 0
    quality = run.totals["submission_quality"][builders][submitted] / counts[submitted]
    reward_rate = run.totals["reward"][builders][submitted] / counts[submitted]
    return rank_correlation(quality, reward_rate), (
        "Spearman ρ(mean test accuracy of a builder's submissions, its reward per submission), "
        f"{int(submitted.sum())} builders"
    )


# ---------------------------------------------------------------- further metrics per aspect
@metric(1, "lower", name="betweenness_centralization")
def betweenness_centralization_of_graph(run):
    """Freeman betweenness centralization of the final communication graph (star 1, ring 0)"""
    return small_graph_metric(run.graph, betweenness_centralization)


@metric(2, "lower")
def compute_hhi(run):
    """Herfindahl–Hirschman index of delivered compute by operator"""
    compute = _compute(run)
    return hhi(compute) if compute.sum() > 0 else float("nan")


@metric(8, "higher", name="schneider_robustness")
def schneider_robustness_of_graph(run):
    """Schneider R of the final graph under degree-targeted removal (star ≈ 1/N)"""
    return small_graph_metric(run.graph, schneider_robustness)


@metric(8, "higher")
def giant_component_after_30pct_failure(run):
    rng = np.random.default_rng(run.facts["seed"])
    return mean_giant_component(run.graph, 0.3, rng), (
        f"largest connected share of nodes after 30 % fail at random (mean of "
        f"{FAILURE_DRAWS} draws)"
    )


@metric(10, "higher")
def local_accuracy_jain_fairness(run):
    """Jain fairness (Σu)² / (N Σu²) of the local accuracies"""
    local = _local_accuracy(run)
    return (local.sum() ** 2) / (len(local) * (local**2).sum())


@metric(6, "lower")
def model_megabytes_per_epoch(run):
    """model bytes moved per epoch (submissions to every evaluator, the new model to every builder)"""
    return run.counters["model_bytes_moved"] / 1e6 / max(run.epochs, 1)


@metric(9, "higher")
def improvers_per_epoch(run):
    """distinct builders whose updates were accepted, per epoch with an update (mean)"""
    return _mean(run.events["improvers"])


@metric(12, "lower")
def rejected_update_rate(run):
    """submissions rejected by consensus / submissions in committed rounds"""
    submitted = run.counters["submitted"]
    return run.counters["rejected"] / submitted if submitted else float("nan")


@metric(12, "lower")
def consensus_distance(run):
    """(1/n) Σ‖θ_i − θ̄‖² between peers' models (0 when all share one model), mean over epochs"""
    return run.column("consensus_distance").mean()


def _newcomers(run) -> np.ndarray:
    return np.flatnonzero(run.final["joined"] > 0)


@metric(13, "higher")
def newcomer_reward_share(run):
    reward, newcomers = run.totals["reward"], _newcomers(run)
    total = reward.sum()
    return reward[newcomers].sum() / total if total > 0 else float("nan"), (
        f"share of all rewards that went to the {len(newcomers)} participants who joined "
        "during the run"
    )


@metric(13, "lower")
def epochs_to_first_reward(run):
    """epochs from joining to the first reward, for rewarded newcomers (mean)"""
    newcomers, first, joined = _newcomers(run), run.final["first_reward"], run.final["joined"]
    rewarded = newcomers[first[newcomers] >= 0]
    return _mean(first[rewarded] - joined[rewarded], float("nan"))


@metric(14, "higher")
def governance_turnout(run):
    """voting power cast / voting power held, per proposal (mean)"""
    return _mean(run.events["turnouts"], float("nan"))


@metric(15, "higher")
def contributor_value_share(run):
    """rewards paid to contributors / consumer fees and emission"""
    gross_value = run.counters["gross_revenue"] + run.counters["emission"]
    reward_total = run.totals["reward"].sum()
    return reward_total * UNITS_PER_TOKEN / gross_value if gross_value > 0 else float("nan")


@metric(16, "lower")
def free_rider_gain(run):
    """reward of a zero-contribution builder / median honest builder reward (≈ 0 is good; NaN
    without free riders)"""
    builders, final, reward = run.slots(Role.BUILDER), run.final, run.totals["reward"]
    free = builders[final["adversary"][builders] == "free_rider"]
    honest = builders[(final["adversary"][builders] == "") & (final["joined"][builders] >= 0)]
    median_honest = np.median(reward[honest]) if len(honest) else 0.0
    if len(free) and median_honest > 0:
        return reward[free].mean() / median_honest
    return float("nan")


@metric(16, "higher")
def reward_nakamoto_accounts(run):
    """fewest accounts receiving ≥ 50 % of all rewards"""
    return nakamoto_coefficient(run.totals["reward"])


@metric(16, "higher")
def reward_nakamoto_owners(run):
    """fewest owners receiving ≥ 50 % of all rewards (below the account count when Sybil
    identities share an owner)"""
    paid = run.totals["reward"]
    return nakamoto_coefficient(np.bincount(run.final["owner"], weights=paid, minlength=len(paid)))


@metric(16, "lower")
def stake_reward_correlation(run):
    """Spearman ρ(validator's initial stake, its total reward): rewards following stake rather
    than work (Lui & Sun 2025 measure 0.80–0.95 on Bittensor)"""
    validators = run.slots(Role.VALIDATOR)
    validators = validators[run.final["joined"][validators] >= 0]
    return rank_correlation(run.final["endowment"][validators], run.totals["reward"][validators])


@metric(16, "higher")
def honest_share_final(run):
    """share of active builders and validators playing honest at the end of the run (with
    adaptation, an outcome of what each strategy earned)"""
    return run.column("honest_share")[-1] if run.has("honest_share") else float("nan")


@metric(16, "lower")
def epochs_to_cheaters_below_5pct(run):
    if not run.has("honest_share"):
        return float("nan")
    below = np.flatnonzero(1.0 - run.column("honest_share") < 0.05)
    if len(below):
        return below[0] + 1, "epochs until fewer than 5 % of builders and validators cheat"
    return float(
        "nan"
    ), "epochs until fewer than 5 % of builders and validators cheat (not reached)"

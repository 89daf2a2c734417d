"""Records of a run: one ``EpochRecord`` per epoch and the ``RunRecord`` the scorecard reads.

``EpochRecord`` bundles the frozen results of an epoch's phases with its row of
``metrics.parquet``.  ``RunRecord`` folds the epoch records into running tallies (per-account
totals, per-event lists, counters), keeps the rows, and at the end of a run takes a snapshot of
the final population, graph and ledger counts.  It is saved beside the run's outputs
(``records/<scenario>.npz``), so that ``deai-sim-report --rescore`` can recompute the scorecard of
an old run under changed metric definitions without re-running it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
import numpy as np

from sim.epoch.adaptation import strategy_shares
from sim.epoch.bookkeeping import suppliers
from sim.epoch.results import (
    Arrivals,
    Decision,
    Evaluation,
    Faults,
    MarketResult,
    Payments,
    Submissions,
    TrainingData,
    Update,
    Vote,
)
from sim.metrics.concentration import gini, nakamoto_coefficient
from sim.population import ROLE_ORDER, TREASURY
from sim.roles import Role
from sim.strategies import share_keys
from sim.units import UNITS_PER_TOKEN

ROW_KEYS = (
    "epoch",
    "test_accuracy",
    "supply",
    "minted",
    "burned",
    "compute_sold",
    "trained",
    "submitted",
    "accepted",
    "model_change",
    "committed",
    "available",
    "consumer_price",
    "emission_rate",
    "consensus_distance",
    "raw_bytes_moved",
    "model_bytes_moved",
    "revenue",
    "emission_minted",
    "rewards_paid",
    "reward_shortfall",
    "reward_gini",
    "reward_nakamoto",
    "buyers",
    "coordinator_online",
    "treasury",
    *(f"active_{r.name.lower()}" for r in ROLE_ORDER),
    *(f"balance_{r.name.lower()}" for r in ROLE_ORDER),
    "active_nominator",
    "balance_nominator",
    "nominator_dividends",
    "uids_pruned",
)

# Per-account totals over the run (tokens or counts), per-event lists, and integer counters.
TOTALS = (
    "compute_sold",
    "reward",
    "accepted",
    "submission_quality",
    "submission_count",
    "voting_power",
    "governance_power",
)
EVENTS = (
    "utilisation",
    "peak_traffic",
    "decision_nakamoto",
    "improvers",
    "turnouts",
    "entry_costs",
)
COUNTERS = (
    "applicants",
    "admitted",
    "raw_bytes_moved",
    "raw_bytes_total",
    "model_bytes_moved",
    "submitted",
    "rejected",
    "available_epochs",
    "gross_revenue",
    "emission",
    "operator_spend",
)


@dataclass(frozen=True)
class EpochRecord:
    """One epoch: what each phase returned."""

    epoch: int
    arrivals: Arrivals
    faults: Faults
    market: MarketResult
    data: TrainingData
    submissions: Submissions
    evaluation: Evaluation
    decision: Decision
    update: Update
    payments: Payments
    vote: Vote | None

    @property
    def available(self) -> bool:
        """The round committed a decision and paid contributors."""
        return bool(self.decision.outcome.committed and self.payments.paid_out)


@dataclass
class RunRecord:
    """What a finished run leaves to be scored (see the module docstring)."""

    n_accounts: int
    blocks: dict[Role, np.ndarray]
    rows: list[dict] = field(default_factory=list)
    totals: dict[str, np.ndarray] = field(default_factory=dict)
    events: dict[str, list] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)
    final: dict[str, np.ndarray] = field(default_factory=dict)
    facts: dict = field(default_factory=dict)  # scalars of the set-up and the final state
    graph: nx.Graph = field(default_factory=nx.Graph)

    def __post_init__(self):
        for name in TOTALS:
            self.totals.setdefault(name, np.zeros(self.n_accounts))
        for name in EVENTS:
            self.events.setdefault(name, [])
        for name in COUNTERS:
            self.counters.setdefault(name, 0)

    # ------------------------------------------------------------------ during the run
    def append(self, record: EpochRecord) -> None:
        """Fold one epoch into the tallies (its row is kept with ``keep_row``)."""
        t, e, c = self.totals, self.events, self.counters
        builders = self.blocks[Role.BUILDER]
        c["applicants"] += record.arrivals.applicants
        c["admitted"] += record.arrivals.admitted
        e["entry_costs"].extend(record.arrivals.entry_costs)
        t["compute_sold"] += record.market.sold
        if record.market.utilisation is not None:
            e["utilisation"].append(record.market.utilisation)
        c["raw_bytes_total"] = record.data.raw_bytes_total
        c["raw_bytes_moved"] += record.data.raw_bytes_moved
        c["model_bytes_moved"] += record.evaluation.model_bytes
        submitted = record.submissions.submitted
        t["submission_quality"][builders] += record.evaluation.quality
        t["submission_count"][builders] += submitted
        e["peak_traffic"].append(record.evaluation.peak_traffic)
        self._add_decision(record.decision)
        if record.update.improvers is not None:
            e["improvers"].append(record.update.improvers)
        c["gross_revenue"] += record.payments.revenue
        c["emission"] += record.payments.emission
        c["operator_spend"] += record.market.operator_spend + record.payments.operator_spend
        t["reward"] += record.payments.paid
        c["available_epochs"] += int(record.available)
        if record.vote is not None:
            t["governance_power"] += record.vote.power
            e["turnouts"].append(record.vote.turnout)

    def keep_row(self, row: dict) -> None:
        self.rows.append(row)

    def _add_decision(self, decision: Decision) -> None:
        outcome = decision.outcome
        self.totals["voting_power"][decision.evaluator_slots] += outcome.voting_power
        if outcome.committed and outcome.voting_power.sum() > 0:
            self.events["decision_nakamoto"].append(nakamoto_coefficient(outcome.voting_power))
        self.totals["accepted"][self.blocks[Role.BUILDER][outcome.accepted]] += 1
        self.counters["submitted"] += decision.submitted
        self.counters["rejected"] += decision.rejected

    # ------------------------------------------------------------------ read by metrics
    def has(self, key: str) -> bool:
        """Whether the epoch rows carry ``key`` (records of older runs may not)."""
        return bool(self.rows) and key in self.rows[0]

    def column(self, key: str) -> np.ndarray:
        return np.array([row[key] for row in self.rows], dtype=np.float64)

    @property
    def epochs(self) -> int:
        return len(self.rows)

    def slots(self, role: Role) -> np.ndarray:
        """The role's slots; none for a role the run did not have (nominators)."""
        return self.blocks.get(role, np.zeros(0, dtype=np.int64))

    # ------------------------------------------------------------------ saved with the run
    def save(self, path: Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = {
            "n_accounts": self.n_accounts,
            "blocks": {r.name: b.tolist() for r, b in self.blocks.items()},
            "rows": self.rows,
            "events": {k: [float(x) for x in v] for k, v in self.events.items()},
            "counters": {k: int(v) for k, v in self.counters.items()},
            "facts": self.facts,
            "nodes": [int(n) for n in self.graph.nodes],
        }
        arrays = {f"totals.{k}": v for k, v in self.totals.items()}
        arrays |= {f"final.{k}": np.asarray(v) for k, v in self.final.items() if k != "adversary"}
        arrays["final.adversary"] = np.asarray(self.final["adversary"], dtype=str)
        arrays["edges"] = np.array(list(self.graph.edges), dtype=np.int64).reshape(-1, 2)
        np.savez_compressed(path, meta=np.array(json.dumps(meta)), **arrays)
        return path

    @classmethod
    def load(cls, path: Path) -> RunRecord:
        with np.load(path, allow_pickle=False) as stored:
            meta = json.loads(str(stored["meta"]))
            arrays = {k: stored[k] for k in stored.files if k != "meta"}
        record = cls(
            n_accounts=meta["n_accounts"],
            blocks={Role[name]: np.array(b, dtype=np.int64) for name, b in meta["blocks"].items()},
            rows=meta["rows"],
            totals={k[7:]: v for k, v in arrays.items() if k.startswith("totals.")},
            events=meta["events"],
            counters=meta["counters"],
            final={k[6:]: v for k, v in arrays.items() if k.startswith("final.")},
            facts=meta["facts"],
        )
        record.final["adversary"] = record.final["adversary"].astype(object)
        record.graph.add_nodes_from(meta["nodes"])
        record.graph.add_edges_from(arrays["edges"].tolist())
        return record


def relative_change(before, after) -> float:
    """‖after − before‖ / ‖before‖ of the network model's parameters (‖after‖ from a zero
    model): how far this epoch's update moved it."""
    before = np.asarray(before, dtype=np.float64)
    after = np.asarray(after, dtype=np.float64)
    scale = np.linalg.norm(before)
    change = np.linalg.norm(after - before)
    return float(change / scale) if scale > 0 else float(change)


def epoch_row(world, record: EpochRecord, counters: dict) -> dict:
    """The epoch's row of metrics.parquet (``row_keys()``, in that order); ``counters`` are the
    run's running counters including this epoch."""
    p, ledger, state = world.population, world.ledger, world.state
    outcome, payments = record.decision.outcome, record.payments
    rewards = payments.paid[suppliers(p)]
    row = {
        "epoch": float(world.epoch),
        "test_accuracy": state.test_accuracy,
        "supply": ledger.supply / UNITS_PER_TOKEN,
        "minted": ledger.minted / UNITS_PER_TOKEN,
        "burned": ledger.burned / UNITS_PER_TOKEN,
        "compute_sold": float(record.market.sold.sum()),
        "trained": float((record.market.steps > 0).sum()),
        "submitted": float(record.submissions.submitted.sum()),
        "accepted": float(outcome.accepted.sum()),
        "model_change": relative_change(record.update.previous_model, world.engine.theta),
        "committed": float(outcome.committed),
        "available": float(record.available),
        "consumer_price": state.consumer_price,
        "emission_rate": state.governed.get("emission_per_epoch", 0.0),
        "consensus_distance": float(state.consensus_distance),
        "raw_bytes_moved": float(counters["raw_bytes_moved"]),
        "model_bytes_moved": float(counters["model_bytes_moved"]),
        "revenue": counters["gross_revenue"] / UNITS_PER_TOKEN,
        "emission_minted": payments.emission / UNITS_PER_TOKEN,
        "rewards_paid": float(payments.paid.sum()),
        "reward_shortfall": payments.shortfall / UNITS_PER_TOKEN,
        "reward_gini": gini(rewards) if rewards.sum() > 0 else float("nan"),
        # Undefined, like the Gini, in an epoch that paid nobody (a coordinator's outage).
        "reward_nakamoto": (
            float(nakamoto_coefficient(rewards)) if rewards.sum() > 0 else float("nan")
        ),
        "buyers": float(payments.buyers),
        "coordinator_online": float(record.faults.operator_up),
        "treasury": ledger.balances[TREASURY] / UNITS_PER_TOKEN,
    }
    delegation = payments.delegation
    row["nominator_dividends"] = (delegation.passed if delegation else 0) / UNITS_PER_TOKEN
    row["uids_pruned"] = float(record.arrivals.pruned)
    for role in (*ROLE_ORDER, Role.NOMINATOR):
        slots, name = p.block(role), role.name.lower()
        row[f"active_{name}"] = float(p.active[slots].sum())
        row[f"balance_{name}"] = float(ledger.balances[slots].sum() / UNITS_PER_TOKEN)
    row |= strategy_shares(world)
    return {key: row[key] for key in row_keys()}


def row_keys() -> tuple[str, ...]:
    """The columns of metrics.parquet: ``ROW_KEYS`` then the strategy shares."""
    return (*ROW_KEYS, *share_keys())

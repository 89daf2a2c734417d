"""What the browser view steps: the chosen scenario and its baseline side by side, as one Mesa
model, or a finished run replayed from its files.

With ``compete`` > 0 (``deai-sim-view --compete P``, or the settings' field) the scenarios are
organisations competing for one population (sim/federation.py): after every epoch each
compute provider, data provider, builder and consumer reviews with probability P and moves to
the organisation that pays its role most; the shares panel shows where they are.  With 0 they
run as ``deai-sim`` runs them, each alone.

Mesa's SolaraViz drives one ``mesa.Model``: ``PairedEconomy`` holds one ``EconomyModel`` per
scenario of a run (the same seed, population and data, as ``deai-sim`` runs them) and steps them
together.  Its Reset button rebuilds the model from its class with no arguments, so the settings
last applied ride on the class (``with_settings``).  ``ReplayedRun`` steps through a finished
run's saved epochs without recomputing: accuracy, balances and strategy shares from
metrics.parquet, rewards and the last ledger entries from the ledger files up to the epoch shown,
and the run's final scorecard and final peer graph (summary.json, records/); ``missing`` says
what a run's folder lacks.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import ClassVar

import mesa
import numpy as np
import pandas as pd

from sim.composition import compose
from sim.config import ConfigError
from sim.federation import Federation, Mobility
from sim.metrics.scorecard import exact_graphs_up_to, score
from sim.model import EconomyModel

LIVE_GRAPH_LIMIT = 300


class PairedEconomy(mesa.Model):
    """The scenarios of one run (``deai-sim OVERRIDES``), stepped together."""

    settings: ClassVar[tuple[str, ...]] = ()
    compete: ClassVar[float] = 0.0  # a member's chance to review a move each epoch
    replay = False

    def __init__(self, overrides: tuple[str, ...] | None = None):
        super().__init__()
        self.overrides = tuple(self.settings if overrides is None else overrides)
        configs = compose(list(self.overrides))
        self.economies = {name: EconomyModel.from_config(cfg) for name, cfg in configs.items()}
        self.epochs = next(iter(configs.values())).epochs
        seed = int(next(iter(configs.values())).seed)
        self.federation = (
            Federation(self.economies, Mobility(review=self.compete), seed=seed)
            if len(self.economies) > 1
            else None
        )
        self._scorecards: dict | None = None

    @classmethod
    def with_settings(cls, overrides: list[str], compete: float = 0.0) -> PairedEconomy:
        """A model of these overrides whose Reset rebuilds the same settings; raises
        ``ConfigError`` (the command line's one-line message) before anything is built."""
        compose(list(overrides))  # check first: a bad setting must not replace a running model
        check_compete(compete)
        configured = type(
            cls.__name__, (cls,), {"settings": tuple(overrides), "compete": float(compete)}
        )
        return configured()

    def step(self) -> None:
        if self.epoch >= self.epochs:
            self.running = False
            return
        if self.federation is None:
            for economy in self.economies.values():
                economy.step()
        else:  # with compete = 0 the same epochs as stepping each alone (tests/test_federation)
            self.federation.step()
        self._scorecards = None
        self.running = self.epoch < self.epochs

    def shares(self) -> list[dict]:
        """Per epoch: each organisation's share of each role's members (``Federation.shares``);
        none with a single scenario."""
        return self.federation.shares() if self.federation is not None else []

    @property
    def epoch(self) -> int:
        return next(iter(self.economies.values())).epoch

    def metrics(self) -> pd.DataFrame:
        """Every epoch so far, every scenario: the rows of metrics.parquet."""
        frames = []
        for name, economy in self.economies.items():
            frame = economy.datacollector.get_model_vars_dataframe()
            frames.append(frame.assign(scenario=name))
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def scorecards(self) -> dict[str, list[dict]]:
        """The 16-aspect scorecard of each scenario over the epochs so far (cached per step).
        Node connectivity and betweenness, exact all-pairs computations, are left out (NaN)
        above ``LIVE_GRAPH_LIMIT`` nodes: seconds per epoch at 1,000 nodes; a finished run
        (``deai-sim``) computes them up to 2,000."""
        if self._scorecards is None and self.epoch > 0:
            with exact_graphs_up_to(LIVE_GRAPH_LIMIT):
                self._scorecards = {
                    name: [m.as_dict() for m in score(economy.run_record())]
                    for name, economy in self.economies.items()
                }
        return self._scorecards or {}

    def rewards(self) -> dict[str, np.ndarray]:
        """Tokens paid to each account so far, per scenario (accounts that ever held a slot)."""
        result = {}
        for name, economy in self.economies.items():
            paid = economy.records.totals["reward"]
            result[name] = paid[economy.population.joined >= 0]
        return result

    def ledgers(self) -> dict[str, list[tuple]]:
        return {name: list(e.ledger.recent) for name, e in self.economies.items()}

    def graphs(self) -> dict[str, dict]:
        """Per scenario: the peer graph, each node's role, stake (balance), and whether it is
        online and active."""
        result = {}
        for name, economy in self.economies.items():
            p = economy.population
            result[name] = {
                "graph": economy.graph,
                "role": p.role,
                "stake": economy.ledger.balances.astype(float),
                "up": p.online & p.active,
                "hub": name if economy.world.organisation.has_operator else None,
            }
        return result


def check_compete(value) -> float:
    """The review probability as a number in [0, 1], or ``ConfigError`` saying what is wrong."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"compete={value!r}: must be a probability in [0, 1]") from None
    if not 0.0 <= number <= 1.0:
        raise ConfigError(f"compete={value}: must be a probability in [0, 1]")
    return number


class ReplayedRun(mesa.Model):
    """A finished run stepped epoch by epoch from its files (no recomputation)."""

    run_dir: ClassVar[str] = ""
    replay = True

    def __init__(self):
        super().__init__()
        from sim.api import load
        from sim.records import RunRecord

        run = load(self.run_dir)
        folder = Path(self.run_dir)
        self.table = run.metrics
        self.final_scorecards = run.summary["scorecard"]
        self.epochs = int(self.table["epoch"].max()) + 1
        self.epoch = 0
        self.records, self.entries, self.missing = {}, {}, []
        for name in run.summary["scorecard"]:
            record = folder / "records" / f"{name}.npz"
            ledger = folder / "ledger" / f"{name}.jsonl"
            if record.is_file():
                self.records[name] = RunRecord.load(record)
            else:
                self.missing.append(f"the peer graph of {name} (no records/{name}.npz)")
            if ledger.is_file():
                self.entries[name] = read_ledger(ledger)
            else:
                self.missing.append(f"the ledger of {name} (no ledger/{name}.jsonl)")
        # Ledger entries are in epoch order: the epochs shown are a prefix, found by bisection.
        self._epochs = {n: np.array([e["epoch"] for e in es]) for n, es in self.entries.items()}

    @classmethod
    def of(cls, run_dir: str) -> type[ReplayedRun]:
        return type(cls.__name__, (cls,), {"run_dir": str(run_dir)})

    def step(self) -> None:
        self.epoch = min(self.epoch + 1, self.epochs)
        self.running = self.epoch < self.epochs

    def shares(self) -> list[dict]:
        """A finished ``deai-sim`` run's scenarios ran apart: no shares to show."""
        return []

    def metrics(self) -> pd.DataFrame:
        return self.table[self.table["epoch"] < self.epoch]

    def scorecards(self) -> dict:
        """The run's final scorecard (summary.json), whatever epoch is shown."""
        return self.final_scorecards

    def rewards(self) -> dict[str, np.ndarray]:
        """Tokens paid to each account in the epochs shown, from the ledger's reward entries
        (accounts that ever held a slot, as the live view shows them)."""
        result = {}
        for name, entries in self.entries.items():
            shown = entries[: np.searchsorted(self._epochs[name], self.epoch)]
            rewarded = [e for e in shown if e["reason"] == "reward" and e["dst"]]
            size = max((max(e["dst"]) for e in entries if e["dst"]), default=-1) + 1
            paid = np.zeros(size)
            if rewarded:
                np.add.at(
                    paid,
                    np.concatenate([e["dst"] for e in rewarded]),
                    np.concatenate([e["amount"] for e in rewarded]) / 1e6,
                )
            record = self.records.get(name)
            if record is not None:
                joined = record.final["joined"] >= 0
                paid = np.pad(paid, (0, max(len(joined) - len(paid), 0)))[: len(joined)][joined]
            result[name] = paid
        return result

    def ledgers(self, last: int = 8) -> dict[str, list[tuple]]:
        """The last ``last`` entries of the epochs shown, as the live view lists them."""
        result = {}
        for name, entries in self.entries.items():
            end = np.searchsorted(self._epochs[name], self.epoch)
            result[name] = [
                (e["epoch"], e["kind"], e["reason"], max(len(e["src"]), len(e["dst"])),
                 int(sum(e["amount"])), e["public"])
                for e in entries[max(end - last, 0) : end]
            ]  # fmt: skip
        return result

    def graphs(self) -> dict[str, dict]:
        """The run's final peer graph per scenario (records/), stake its final balances."""
        return {
            name: {
                "graph": record.graph,
                "role": record.final["role"],
                "stake": record.final["balances"].astype(float),
                "up": record.final["active"],
                "hub": name if record.facts.get("has_operator") else None,
            }
            for name, record in self.records.items()
        }


def read_ledger(path: Path) -> list[dict]:
    """A ledger file's token and decision entries (the header and per-epoch totals left out)."""
    entries = []
    with open(path) as lines:
        for line in lines:
            entry = json.loads(line)
            if entry["kind"] not in ("open", "epoch"):
                entries.append(entry)
    return entries

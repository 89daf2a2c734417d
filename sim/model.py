"""EconomyModel: one AI economy as a mesa model, advanced one epoch per ``step``.

An epoch runs the phases of sim/epoch/ in order over an explicit ``World`` (sim.world); each
phase returns a frozen result that later phases receive as arguments, and the epoch ends by
appending one ``EpochRecord`` to the run's ``RunRecord`` (sim.records), from which the scorecard
is computed.  Phases are vectorised over participants and simultaneous: every member of a role
decides from the same state at the start of the phase.  The organisation (sim.organisation:
a platform or a network, ``scenario.organisation``) holds every point where a centralized
platform and a decentralized network differ.
"""

from __future__ import annotations

import mesa
import numpy as np
from hydra.utils import instantiate

from mechanisms.governance.owner import OwnerDecides
from sim import epoch as phases
from sim.composition import compose_scenario
from sim.config import Config
from sim.learning.data import Splits
from sim.records import EpochRecord, RunRecord, epoch_row, row_keys
from sim.roles import Role
from sim.strategies import adaptation_rules
from sim.units import TokenOverflow
from sim.world import Mechanisms, World


def build_mechanisms(cfg) -> Mechanisms:
    """Instantiate one mechanism per family from the config's ``_target_`` entries."""
    return Mechanisms.from_config(cfg)


def build_organisation(cfg):
    """The organisation named by ``scenario.organisation`` (a ``_target_``)."""
    return instantiate(cfg.scenario.organisation)


class EconomyModel(mesa.Model):
    """An AI economy of compute providers, data providers, builders, validators and consumers.

    Built the way Mesa's tutorials build a model, from keyword parameters: every keyword is a
    config key as ``deai-sim`` takes it (``population.builders``, ``consensus``, ``epochs``;
    ``population__builders`` spells the same key as a Python name), composed exactly as the
    command line composes it, so ``mesa.batch_run(EconomyModel, parameters={...})`` sweeps it::

        model = EconomyModel(seed=1, consensus="yuma", **{"population.builders": 20})
        model.run_model()                     # until ``epochs``; then ``running`` is False
        model.datacollector.get_model_vars_dataframe()

    ``scenario`` picks the economy (the baseline is not built).  The positional form
    ``EconomyModel(cfg, mechanisms, splits, seed_sequence, ledger_path)`` takes a composed,
    validated config and its inputs, as a run builds it (``from_config`` does that from one
    composed scenario).
    """

    def __init__(self, *args, **kwargs):
        if args and isinstance(args[0], Config):
            self._build(*args, **kwargs)
            return
        if args:
            raise TypeError(
                "EconomyModel takes config keys as keywords (EconomyModel(seed=0, "
                "**{'population.builders': 20})) or a validated Config first"
            )
        self._build(*model_inputs(compose_scenario(kwargs)))

    def _build(
        self,
        cfg: Config,
        mechanisms,
        splits: Splits,
        seed: np.random.SeedSequence,
        ledger_path,
        organisation=None,
    ):
        # Spawned children depend only on their index: a stream added last moves no other.
        population_seed, data_seed, dynamics_seed, strategy_seed, sampling_seed = seed.spawn(5)
        super().__init__(rng=np.random.default_rng(dynamics_seed))
        self.cfg = cfg
        self.name = cfg.scenario.name
        organisation = organisation or build_organisation(cfg)
        seeds = (population_seed, data_seed, strategy_seed, sampling_seed)
        adaptation = adaptation_rules(cfg)
        self.world = World(
            self, cfg, mechanisms, organisation, splits, seeds, ledger_path, adaptation
        )
        self.records = RunRecord(self.world.population.size, self.world.population.blocks)
        keys = row_keys()
        self.record = dict.fromkeys(keys, 0.0)
        self.datacollector = EpochCollector(
            model_reporters={key: _reporter(key) for key in keys},
            agent_reporters=AGENT_REPORTERS if cfg.output.agent_data else None,
        )

    @classmethod
    def from_config(cls, cfg, ledger_path=None) -> EconomyModel:
        """A model of one composed scenario (``sim.compose(...)[name]``), seeded as
        ``deai-sim`` seeds it: stepping it by hand gives the command line's numbers.  The
        ledger goes to ``ledger_path`` (default: a new temporary file)."""
        return cls(*model_inputs(cfg, ledger_path))

    # Views of the world that reports, tests and notebooks read.
    population = property(lambda self: self.world.population)
    ledger = property(lambda self: self.world.ledger)
    engine = property(lambda self: self.world.engine)
    graph = property(lambda self: self.world.graph)
    epoch = property(lambda self: self.world.epoch)

    def step(self) -> None:
        try:
            self._step()
        except TokenOverflow as error:
            governed = ", ".join(f"{k}={v:.4g}" for k, v in self.world.state.governed.items())
            error.add_note(
                f"epoch {self.world.epoch}; governed parameters now {governed}, starting from "
                f"{', '.join(f'{k}={v:.4g}' for k, v in self.world.governed_start.items())}"
            )
            raise

    def _step(self) -> None:
        w = self.world
        w.ledger.epoch = w.epoch
        arrivals = phases.churn_and_access(w)
        faults = phases.apply_faults(w)
        phases.choose_strategies(w)
        phases.choose_decisions(w)
        phases.hold_uids(w)
        start_balances = w.ledger.balances.copy()
        market = phases.resource_market(w, faults)
        data = phases.obtain_data(w, market)
        submissions = phases.train_and_submit(w, market, data)
        evaluation = phases.evaluate(w, submissions, data)
        decision = phases.reach_consensus(w, evaluation, submissions, faults)
        update = phases.update_model(w, submissions, decision, data)
        payments = phases.pay(w, decision, submissions, data, update, faults)
        vote = phases.govern(w, payments)
        phases.account_profits(w, start_balances, market, evaluation, faults)
        phases.learn_strategies(w)
        phases.learn_decisions(w)
        record = EpochRecord(
            w.epoch, arrivals, faults, market, data, submissions, evaluation, decision, update,
            payments, vote,
        )  # fmt: skip
        self.records.append(record)
        self.record = epoch_row(w, record, self.records.counters)
        self.records.keep_row(self.record)
        self.datacollector.collect(self)
        w.epoch += 1
        # Mesa's run_model() and batch_run step while ``running``: the run is as long as asked.
        self.running = w.epoch < self.cfg.epochs

    def run_record(self) -> RunRecord:
        """The run so far, with a snapshot of the final state (what the scorecard reads)."""
        w, p = self.world, self.world.population
        held = (w.engine.shard_table >= 0).sum(axis=1).astype(float)
        self.records.final = {
            "role": p.role.copy(),
            "active": p.active.copy(),
            "joined": p.joined.copy(),
            "first_reward": p.first_reward.copy(),
            "owner": p.owner.copy(),
            "adversary": p.adversary.copy(),
            "endowment": w.endowment.copy(),
            "balances": w.ledger.balances.copy(),
            "records_held": held,
            "local_accuracy": np.asarray(w.engine.local_accuracy()),
        }
        participants = np.isin(p.role, [int(r) for r in Role if r >= 2])
        median_budget = float(np.median(w.endowment[participants]))
        probe = w.mechanisms.access.admit(np.array([median_budget]), 1, 0)
        self.records.facts = {
            "scenario": self.name,
            "organisation": w.organisation.name,
            "has_operator": w.organisation.has_operator,
            "single_evaluator": w.organisation.single_evaluator,
            "data_lake_holders": w.organisation.data_lake_holders(),
            "owner_governs": isinstance(w.mechanisms.governance, OwnerDecides),
            "fixed_metrics": w.fixed_metrics(),
            "offline_probability": self.cfg.faults.offline_probability,
            "seed": self.cfg.seed,
            "median_budget": median_budget,
            "probe_entry_cost": float(probe.entry_cost),
            "ledger_counts": {
                reason: {"public": c[True], "private": c[False]}
                for reason, c in w.ledger.counts.items()
            },
            "cabal_friend": w.state.friend,
        }
        self.records.graph = w.graph.copy()
        return self.records

    def finish(self) -> None:
        """Close the ledger and release mesa's per-model registry (mesa 3.3 never frees it)."""
        self.world.ledger.close()
        mesa.Agent._ids.pop(self, None)


def _reporter(key: str):
    return lambda model: model.record[key]


class EpochCollector(mesa.DataCollector):
    """Mesa's DataCollector with every row keyed by the epoch it describes.  The model collects
    at the end of each step, after mesa has counted it (``model.steps`` = epoch + 1); mesa
    keys agent rows by ``model.steps`` but model rows by position, and ``mesa.batch_run`` pairs
    model row k with the agent rows under key k: keyed by epoch, both describe the same one."""

    def _record_agents(self, model):
        reporters = tuple(self.agent_reporters.values())
        epoch = model.steps - 1
        return ((epoch, agent.unique_id, *(r(agent) for r in reporters)) for agent in model.agents)

    def collect(self, model):
        super().collect(model)
        if self.agent_reporters:
            self._agent_records[model.steps - 1] = self._agent_records.pop(model.steps)


# Per-participant columns of the DataCollector's agent table (``output.agent_data``), read from
# agents.base.Participant's properties.
AGENT_REPORTERS = {
    "role": "role_name",
    "strategy": "strategy",
    "active": "active",
    "balance": "wallet",
}


def model_inputs(cfg, ledger_path=None) -> tuple:
    """What the positional constructor takes for one composed scenario, seeded as ``deai-sim``
    seeds it: (validated config, mechanisms, data splits, seed sequence, ledger path)."""
    import tempfile

    from sim.config import validate
    from sim.inputs import load_data, run_seeds

    typed = validate(cfg)
    _, model_seed = run_seeds(typed.seed)
    if ledger_path is None:
        ledger_path = tempfile.mkdtemp(prefix="deai-sim-ledger-") + "/ledger.jsonl"
    return typed, build_mechanisms(cfg), load_data(typed), model_seed, ledger_path

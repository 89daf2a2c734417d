"""The world an epoch acts on: population arrays, ledger, graph, learning engine and role sets.

``World`` is built once per scenario (genesis) and then changed only by the phases of
sim/epoch/, each of which receives it explicitly.  What carries from one epoch to the next besides
balances and the population is ``EconomyState``: the governed parameters, the market's last
price, the consensus and aggregation state, the model's test accuracy.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
from hydra.utils import instantiate

from agents.adversary import behaviours_of
from agents.score_memory import ScoreMemory
from agents.sets import ROLE_SETS
from mechanisms import FAMILIES
from mechanisms.aggregation.base import AggregationState, stateful
from sim.decision_learning import init_decision_learning
from sim.learning.engine import make_engine
from sim.ledger import Ledger
from sim.network import FIXED_BY_TOPOLOGY, build_graph
from sim.population import BONDS, ESCROW, ROLE_ORDER, TREASURY, Population
from sim.roles import Role
from sim.strategies import init_strategies
from sim.units import UNITS_PER_TOKEN, checked_units


@dataclass(frozen=True)
class Mechanisms:
    """One built mechanism per family (configs/<family>/<name>.yaml)."""

    consensus: Any
    incentive: Any
    aggregation: Any
    market: Any
    access: Any
    governance: Any
    scoring: Any

    @classmethod
    def from_config(cls, cfg) -> Mechanisms:
        return cls(**{family: instantiate(cfg[family]) for family in FAMILIES})


@dataclass
class EconomyState:
    """What one epoch hands to the next (besides balances, population and models)."""

    governed: dict[str, float]  # live values of the governed parameters, by name
    market_price: float  # the compute market's last clearing price
    test_accuracy: float  # of the network model, at the end of the last epoch
    consensus_state: Any
    aggregation: AggregationState  # the aggregation rule's state (per-builder models: gossip)
    # Agreed weight vectors of the last committed rounds, oldest first, as many as
    # economy.reveal_interval: what other validators can see is the oldest (commit-reveal).
    agreed: deque
    friend: int | None  # the builder position a validator cabal backs
    # The submission with the most agreed weight in the last committed round (model copiers
    # resubmit it); None before a round has committed one.
    best_model: np.ndarray | None = None
    consensus_distance: float = 0.0
    # Evaluators' moving averages when they score a sample of submissions (agents.score_memory).
    score_memory: ScoreMemory | None = None
    # (N,) tokens each account was paid in rewards since the last proposal (how voters weigh an
    # emission proposal: sim/epoch/governance.py).
    rewards_since_vote: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def consumer_price(self) -> float:
        return self.governed["consumer_price"]

    @property
    def revealed_weights(self) -> np.ndarray:
        """The agreed weights other validators can see now (``reveal_interval`` rounds old):
        commit-reveal, as Bittensor's ``commit_weights``/``reveal_weights`` extrinsics delay a
        validator's weights by a number of tempos (opentensor/subtensor, pallets/subtensor)."""
        return self.agreed[0]


def governed_parameters(cfg, incentive) -> dict[str, float]:
    """Parameters governance may change, at their starting values: the consumer price, then
    those the incentive declares (``IncentiveMechanism.governed``)."""
    values = {"consumer_price": float(cfg.economy.consumer_price)}
    for name in incentive.governed:
        values[name] = float(getattr(incentive, name))
    return values


def initial_members(cfg) -> dict[Role, int]:
    pop = cfg.population
    return {
        Role.COMPUTE_PROVIDER: pop.compute_providers,
        Role.DATA_PROVIDER: pop.data_providers,
        Role.BUILDER: pop.builders,
        Role.VALIDATOR: pop.validators,
        Role.CONSUMER: pop.consumers,
        Role.NOMINATOR: pop.nominators,
    }


def draw_traits(population: Population, cfg, rng: np.random.Generator) -> np.ndarray:
    """Draw every slot's traits up front from the population stream, so that two scenarios with
    the same seed face the same participants (common random numbers); returns endowments."""
    p, e, pop = population, cfg.economy, cfg.population
    # Nominators' slots come last and draw apart (draw_stakes): others keep their draws.
    nominators = p.block(Role.NOMINATOR)
    n = int(nominators[0]) if len(nominators) else p.size
    p.capacity[:n] = e.compute_capacity * rng.lognormal(0.0, 0.5, n)
    p.unit_cost[:n] = e.compute_unit_cost * rng.lognormal(0.0, 0.5, n)
    p.value[:n] = pop.consumer_value * rng.lognormal(0.0, 0.5, n)
    endowment = np.zeros(p.size)
    endowment[:n] = pop.endowment * rng.lognormal(0.0, pop.endowment_sigma, n)
    endowment[p.blocks[Role.CONSUMER]] = pop.consumer_endowment
    costs = {
        Role.BUILDER: e.builder_cost,
        Role.VALIDATOR: e.validator_cost,
        Role.DATA_PROVIDER: e.data_provider_cost,
    }
    for role, cost in costs.items():
        p.operating_cost[p.blocks[role]] = cost
    return endowment


def draw_stakes(population: Population, cfg, rng: np.random.Generator, endowment) -> None:
    """Validators' and nominators' endowments, which are their stake: log-normal with
    ``population.stake_sigma`` where set (validators' then redrawn), nominators' always.  Drawn
    after every other trait, so an economy without them draws exactly what it did."""
    pop = cfg.population
    sigma = pop.endowment_sigma if pop.stake_sigma is None else pop.stake_sigma
    if pop.stake_sigma is not None:
        validators = population.blocks[Role.VALIDATOR]
        endowment[validators] = pop.endowment * rng.lognormal(0.0, sigma, len(validators))
    nominators = population.block(Role.NOMINATOR)
    if len(nominators):
        endowment[nominators] = pop.endowment * rng.lognormal(0.0, sigma, len(nominators))


def assign_adversaries(roles, cfg, rng, initial: dict) -> int | None:
    """Flag adversarial slots among the initial builders and validators: each registered
    behaviour takes ``round(share · members)`` of its role's members, in registration order,
    from one seeded permutation per role.  Returns the position of the first honest builder
    (the friend a validator cabal backs), if a cabal and an honest builder exist."""
    population = roles[Role.BUILDER].population
    honest = {}
    # Builders and validators first: adding roles later never moves their draws.
    for role in (Role.BUILDER, Role.VALIDATOR, Role.COMPUTE_PROVIDER, Role.DATA_PROVIDER):
        if behaviours_of(role):
            honest[role] = assign_role(roles[role], cfg, rng, initial[role])
    cabal = (population.adversary[population.blocks[Role.VALIDATOR]] == "cabal").any()
    builders = honest[Role.BUILDER]
    return int(population.position(Role.BUILDER, builders[0])) if cabal and len(builders) else None


def assign_role(role_set, cfg, rng, initial: int) -> np.ndarray:
    """Flag the role's adversaries among its ``initial`` members (one seeded permutation);
    returns the honest ones."""
    members = rng.permutation(role_set.population.blocks[role_set.role][:initial])
    start = 0
    for cls in behaviours_of(role_set.role):
        count = round(getattr(cfg.adversaries, cls.share_key) * len(members))
        role_set.assign(cls, np.sort(members[start : start + count]))
        start += count
    return members[start:]


def assign_nominators(role_set, cfg, rng, initial: int) -> None:
    """Nominators' strategies, drawn after everything else and only where a share is set, so
    that economies without them draw exactly what they did."""
    if any(getattr(cfg.adversaries, cls.share_key) for cls in behaviours_of(role_set.role)):
        assign_role(role_set, cfg, rng, initial)


class World:
    """Everything the phases of an epoch read and change, for one scenario of one run."""

    def __init__(
        self, model, cfg, mechanisms, organisation, splits, seeds, ledger_path, adaptation: dict
    ):
        population_seed, data_seed, strategy_seed, sampling_seed = seeds
        self.model, self.cfg, self.rng = model, cfg, model.rng
        self.mechanisms = mechanisms
        self.organisation = organisation
        self.epoch = 0
        initial = initial_members(cfg)
        self.population = Population.layout(
            initial, cfg.population.newcomer_slots, cfg.population.nominator_slots
        )
        self.ledger = self._open_ledger(ledger_path)
        self.roles = {
            role: cls(model, self.population, self.ledger) for role, cls in ROLE_SETS.items()
        }
        self.agent_at: dict = {}
        population_rng = np.random.default_rng(population_seed)
        self.endowment = draw_traits(self.population, cfg, population_rng)
        friend = assign_adversaries(self.roles, cfg, population_rng, initial)
        draw_stakes(self.population, cfg, population_rng, self.endowment)
        self.engine = self._make_engine(splits, np.random.default_rng(data_seed))
        n_evaluators = organisation.evaluator_count(self.population)
        n_builders = len(self.population.blocks[Role.BUILDER])
        theta = np.asarray(self.engine.theta)
        self.aggregator = stateful(self.mechanisms.aggregation)
        self.state = EconomyState(
            governed=governed_parameters(cfg, self.mechanisms.incentive),
            market_price=float(self.mechanisms.market.price),
            test_accuracy=float("nan"),
            consensus_state=self.mechanisms.consensus.init(n_evaluators, n_builders),
            aggregation=self.aggregator.init(theta, n_builders),
            agreed=deque([np.zeros(n_builders)], maxlen=cfg.economy.reveal_interval),
            friend=friend,
            rewards_since_vote=np.zeros(self.population.size),
        )
        self.governed_start = dict(self.state.governed)
        self._genesis(initial)
        self.roles[Role.NOMINATOR].delegate_at_genesis(population_rng)
        assign_nominators(self.roles[Role.NOMINATOR], cfg, population_rng, initial[Role.NOMINATOR])
        self.state.test_accuracy = self.engine.test_accuracy()
        # Strategy draws have a stream of their own, so that fixed behaviour draws nothing.
        self.strategy_rng = np.random.default_rng(strategy_seed)
        self.strategies = init_strategies(self, adaptation, cfg.population.strategy_exploration)
        self.decision_learning = init_decision_learning(self.population, adaptation)
        # Evaluators' samples too, so that scoring every submission draws nothing.
        self.sampling_rng = np.random.default_rng(sampling_seed)
        if cfg.validation.sample_size is not None:
            self.state.score_memory = ScoreMemory.empty(n_evaluators, n_builders)

    def _open_ledger(self, path) -> Ledger:
        blocks = self.population.blocks
        header = {
            "scenario": self.cfg.scenario.name,
            "organisation": self.organisation.name,
            "treasury": TREASURY,
            "escrow": ESCROW,
            "bonds": BONDS,
            "blocks": {r.name.lower(): [int(b[0]), int(b[-1])] for r, b in blocks.items()},
        }
        return Ledger(path, self.population.size, header=header, detail=self.cfg.output.ledger)

    def _make_engine(self, splits, rng):
        learning, blocks = self.cfg.learning, self.population.blocks
        return make_engine(
            splits,
            rng,
            n_data_slots=len(blocks[Role.DATA_PROVIDER]),
            n_evaluators=self.organisation.evaluator_count(self.population),
            alpha=learning.dirichlet_alpha,
            licenses_per_builder=learning.licenses_per_builder,
            learning_rate=learning.learning_rate,
            max_local_steps=learning.max_local_steps,
            model_name=learning.model,
            hidden=learning.hidden,
            hidden_layers=learning.hidden_layers,
            partition_kind=learning.partition,
            shards_per_part=learning.shards_per_provider,
            quantity_beta=learning.quantity_beta,
            min_validation_records=learning.min_validation_records,
            evaluation_memory_mb=learning.evaluation_memory_mb,
            quality_sample=learning.quality_sample,
            training_memory_mb=learning.training_memory_mb,
            batch_size=learning.batch_size,
            shared_validation=self.cfg.validation.shared,
        )

    def _genesis(self, initial: dict) -> None:
        """The organisation's accounts, the initial members with their endowments, the graph."""
        self.organisation.found(self)
        genesis = []
        for role in (*ROLE_ORDER, Role.NOMINATOR):
            for slot in self.population.block(role)[: initial[role]]:
                self.activate(int(slot))
                genesis.append(int(slot))
        slots = np.array(genesis)
        self.ledger.mint(genesis, self.endowment_units(slots), "genesis", public=True)
        self.organisation.capitalise(self)
        scenario = self.cfg.scenario
        self.graph: nx.Graph = build_graph(
            scenario.topology.value,
            self.organisation.graph_members(
                [slot for slot in genesis if self.population.role[slot] != Role.NOMINATOR]
            ),
            scenario.peer_degree,
            self.rng,
            hub=self.organisation.hub,
        )

    @property
    def public(self) -> bool:
        """Whether decisions are published with their inputs (``scenario.public_ledger``)."""
        return self.cfg.scenario.public_ledger

    def fixed_metrics(self) -> dict[str, str]:
        """Scorecard metrics this economy's definition fixes whatever happens in a run (metric →
        why), as its organisation, its topology, its mechanisms (a class attribute
        ``fixed_metrics``) and its ledger policy declare them.  Verdicts never rest on them
        (experiments.comparison)."""
        fixed = dict(FIXED_BY_TOPOLOGY.get(self.cfg.scenario.topology.value, {}))
        for family in FAMILIES:
            fixed |= getattr(getattr(self.mechanisms, family), "fixed_metrics", {})
        fixed |= self.organisation.fixed_metrics(self)
        fixed["auditability_ratio"] = (
            "the ledger publishes every decision and payment (1)"
            if self.public
            else "the ledger keeps every decision and payment private (0)"
        )
        return fixed

    def losses_count(self, faults) -> bool:
        """Whether this epoch's losses count toward leaving (``population.patience``).  With
        ``population.wait_out_outages`` (the default) an epoch in which the operator was down
        does not: everyone can see the outage, and it says nothing about whether taking part
        pays.  Without it, an outage as long as the participants' patience empties a platform
        for good (every supplier and consumer leaves in the same epoch)."""
        return faults.operator_up or not self.cfg.population.wait_out_outages

    def endowment_units(self, slots: np.ndarray) -> np.ndarray:
        return checked_units(np.floor(self.endowment[slots] * UNITS_PER_TOKEN), "endowment")

    def add_agent(self, cls, slot: int):
        agent = cls(self.model, slot, owner=int(self.population.owner[slot]))
        self.agent_at[slot] = agent
        self.roles[cls.role].add(agent)
        return agent

    def recast(self, slot: int, cls) -> None:
        """The participant at ``slot`` now plays ``cls`` (its agent is re-registered as one)."""
        agent = self.agent_at.get(slot)
        if agent is None or type(agent) is cls:
            return
        self.model.deregister_agent(agent)
        agent.__class__ = cls
        self.model.register_agent(agent)

    def activate(self, slot: int):
        """A participant takes up its slot: active, online, joined now, its agent created."""
        p = self.population
        p.active[slot] = p.online[slot] = True
        p.joined[slot] = self.epoch
        role_set = self.roles[Role(int(p.role[slot]))]
        return self.add_agent(role_set.agent_class(p.adversary[slot]), slot)

    def deactivate(self, slots) -> None:
        """Participants leave: bonds returned, slots inactive, agents and graph nodes removed."""
        slots = np.asarray(slots, dtype=np.int64)
        p = self.population
        if len(slots) and p.bonded[slots].any():
            self.ledger.transfer([BONDS], slots, p.bonded[slots], "bond returned")
            p.bonded[slots] = 0
        for slot in slots.tolist():
            p.active[slot] = p.online[slot] = False
            agent = self.agent_at.pop(slot)
            self.roles[agent.role].discard(agent)
            agent.remove()
            if self.graph.has_node(slot):
                self.graph.remove_node(slot)

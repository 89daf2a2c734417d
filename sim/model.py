"""EconomyModel: one AI economy as a mesa model, advanced one epoch per ``step``.

The epoch runs the ten phases of DESIGN.md in order.  Phases are vectorised over participants and
simultaneous: every member of a role decides from the same state at the start of the phase (no
``shuffle_do`` ordering effects).  Two organisations share this code and differ only by their
mechanisms and these switches:

- ``platform``: the coordinator (slot 0) holds a data lake of every provider's raw records, buys
  compute for its builders, is the only evaluator and pays from its own wallet; if it is offline
  nothing trains, updates or pays that epoch.
- ``network``: data stays with its providers and builders license it; builders buy their own
  compute; validators evaluate; the protocol treasury (slot 0) mints emission and passes on fees.
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np
from hydra.utils import instantiate

from agents import (
    AGENT_CLASSES,
    Consumer,
    Coordinator,
    ModelBuilder,
    Participant,
    Role,
    Validator,
)
from agents.adversary import (
    ADVERSARY_CLASSES,
    POISONERS,
    Adversary,
    CabalValidator,
    FreeRider,
    LittleIsEnough,
    NoiseInjector,
    SignFlipper,
    SybilBuilder,
    WeightCopier,
)
from mechanisms import FAMILIES
from mechanisms.access.base import slashing_fraction
from mechanisms.aggregation.gossip import consensus_distance
from mechanisms.incentive.base import Contributions
from sim.config import Config, Organisation
from sim.learning.data import Splits
from sim.learning.engine import make_engine
from sim.ledger import UNITS_PER_TOKEN, Ledger, split_units, to_units
from sim.metrics.concentration import gini, nakamoto_coefficient
from sim.network import attach, build_graph
from sim.population import BONDS, ESCROW, ROLE_ORDER, TREASURY, Population

SUPPLIER_ROLES = (Role.COMPUTE_PROVIDER, Role.DATA_PROVIDER, Role.BUILDER, Role.VALIDATOR)


def build_mechanisms(cfg) -> dict:
    """Instantiate one mechanism per family from the config's ``_target_`` entries."""
    return {family: instantiate(cfg[family]) for family in FAMILIES}


class EconomyModel(mesa.Model):
    """An AI economy of compute providers, data providers, builders, validators and consumers."""

    def __init__(
        self,
        cfg: Config,
        mechanisms: dict,
        splits: Splits,
        seed: np.random.SeedSequence,
        ledger_path,
    ):
        population_seed, data_seed, dynamics_seed = seed.spawn(3)
        super().__init__(rng=np.random.default_rng(dynamics_seed))
        self.cfg = cfg
        self.name = cfg.scenario.name
        self.platform = cfg.scenario.organisation == Organisation.platform
        self.consensus = mechanisms["consensus"]
        self.incentive = mechanisms["incentive"]
        self.aggregate = mechanisms["aggregation"]
        self.market = mechanisms["market"]
        self.access = mechanisms["access"]
        self.governance = mechanisms["governance"]
        self.epoch = 0
        self.consumer_price = cfg.economy.consumer_price
        self.market_price = float(getattr(self.market, "price", cfg.economy.compute_unit_cost))

        pop = cfg.population
        initial = {
            Role.COMPUTE_PROVIDER: pop.compute_providers,
            Role.DATA_PROVIDER: pop.data_providers,
            Role.BUILDER: pop.builders,
            Role.VALIDATOR: pop.validators,
            Role.CONSUMER: pop.consumers,
        }
        self.population = Population.layout(initial, pop.newcomer_slots)
        self.ledger = Ledger(
            ledger_path,
            self.population.size,
            header={
                "scenario": self.name,
                "organisation": cfg.scenario.organisation.value,
                "treasury": TREASURY,
                "escrow": ESCROW,
                "bonds": BONDS,
                "blocks": {
                    r.name.lower(): [int(b[0]), int(b[-1])]
                    for r, b in self.population.blocks.items()
                },
            },
            detail=cfg.output.ledger,
        )
        population_rng = np.random.default_rng(population_seed)
        self._draw_traits(population_rng)
        self._assign_adversaries(population_rng, initial)
        n_builders = len(self.population.blocks[Role.BUILDER])
        n_evaluators = 1 if self.platform else len(self.population.blocks[Role.VALIDATOR])
        learning = cfg.learning
        self.engine = make_engine(
            splits,
            np.random.default_rng(data_seed),
            n_data_slots=len(self.population.blocks[Role.DATA_PROVIDER]),
            n_evaluators=n_evaluators,
            alpha=learning.dirichlet_alpha,
            licenses_per_builder=learning.licenses_per_builder,
            learning_rate=learning.learning_rate,
            max_local_steps=learning.max_local_steps,
            model_name=learning.model,
            hidden=learning.hidden,
            partition_kind=learning.partition,
            shards_per_part=learning.shards_per_provider,
            quantity_beta=learning.quantity_beta,
            min_validation_records=learning.min_validation_records,
        )
        self.consensus_state = self.consensus.init(n_evaluators, n_builders)
        # Gossip rules keep one model per builder (decentralized SGD); others share θ.
        self.peer_models = (
            np.tile(np.asarray(self.engine.theta), (n_builders, 1))
            if hasattr(self.aggregate, "mix_peers")
            else None
        )
        self.consensus_distance = 0.0
        self.lake_owners: set[int] = (
            set()
        )  # data-provider positions whose records the platform holds

        self.agent_at: dict[int, Participant] = {}
        self.coordinator = Coordinator(self, TREASURY) if self.platform else None
        genesis_slots = []
        for role in ROLE_ORDER:
            for slot in self.population.blocks[role][: initial[role]]:
                self._activate(int(slot))
                genesis_slots.append(int(slot))
        self.ledger.mint(
            genesis_slots, self._endowment_units(np.array(genesis_slots)), "genesis", public=True
        )
        if self.platform:
            self.population.active[TREASURY] = True
            self.ledger.mint([TREASURY], [to_units(cfg.scenario.platform_capital)], "genesis")
        self.graph = build_graph(
            cfg.scenario.topology.value,
            ([TREASURY] if self.platform else []) + genesis_slots,
            cfg.scenario.peer_degree,
            self.rng,
            hub=TREASURY if self.platform else None,
        )
        self._init_tallies()
        self.test_accuracy = self.engine.test_accuracy()
        self.datacollector = mesa.DataCollector(
            model_reporters={key: _reporter(key) for key in self.record_keys()}
        )

    # ------------------------------------------------------------------ setup
    def _draw_traits(self, rng: np.random.Generator) -> None:
        """Draw every slot's traits up front from the population stream, so that two scenarios
        with the same seed face the same participants (common random numbers)."""
        p, e = self.population, self.cfg.economy
        n = p.size
        p.capacity[:] = e.compute_capacity * rng.lognormal(0.0, 0.5, n)
        p.unit_cost[:] = e.compute_unit_cost * rng.lognormal(0.0, 0.5, n)
        p.value[:] = self.cfg.population.consumer_value * rng.lognormal(0.0, 0.5, n)
        self.endowment = self.cfg.population.endowment * rng.lognormal(
            0.0, self.cfg.population.endowment_sigma, n
        )
        consumers = p.blocks[Role.CONSUMER]
        self.endowment[consumers] = self.cfg.population.consumer_endowment
        costs = {
            Role.BUILDER: e.builder_cost,
            Role.VALIDATOR: e.validator_cost,
            Role.DATA_PROVIDER: e.data_provider_cost,
        }
        for role, cost in costs.items():
            p.operating_cost[p.blocks[role]] = cost

    def _assign_adversaries(self, rng: np.random.Generator, initial: dict) -> None:
        """Flag adversarial slots among the initial builders and validators (config
        ``adversaries``); all Sybil identities share the owner of the first one."""
        a, p = self.cfg.adversaries, self.population
        builders = rng.permutation(p.blocks[Role.BUILDER][: initial[Role.BUILDER]])
        validators = rng.permutation(p.blocks[Role.VALIDATOR][: initial[Role.VALIDATOR]])
        kinds = {
            "free_riders": Adversary.free_rider,
            "sybils": Adversary.sybil,
            "sign_flippers": Adversary.sign_flipper,
            "noise_injectors": Adversary.noise_injector,
            "little_is_enough": Adversary.little_is_enough,
            "label_flippers": Adversary.label_flipper,
        }
        start = 0
        for key, kind in kinds.items():
            count = round(getattr(a, key) * len(builders))
            group = np.sort(builders[start : start + count])
            p.adversary[group] = kind.value
            if kind == Adversary.sybil and len(group):
                p.owner[group] = group[0]
            start += count
        n_copy = round(a.weight_copiers * len(validators))
        n_cabal = round(a.cabal * len(validators))
        p.adversary[validators[:n_copy]] = Adversary.weight_copier.value
        p.adversary[validators[n_copy : n_copy + n_cabal]] = Adversary.cabal.value
        honest = builders[start:]
        self.friend = int(p.position(Role.BUILDER, honest[0])) if n_cabal and len(honest) else None
        self.last_consensus = np.zeros(len(p.blocks[Role.BUILDER]))

    def _endowment_units(self, slots: np.ndarray) -> np.ndarray:
        return np.floor(self.endowment[slots] * UNITS_PER_TOKEN).astype(np.int64)

    def _activate(self, slot: int) -> Participant:
        p = self.population
        p.active[slot] = True
        p.online[slot] = True
        p.joined[slot] = self.epoch
        kind = p.adversary[slot]
        cls = ADVERSARY_CLASSES[Adversary(kind)] if kind else AGENT_CLASSES[Role(int(p.role[slot]))]
        agent = cls(self, slot, owner=int(p.owner[slot]))
        self.agent_at[slot] = agent
        return agent

    def _deactivate(self, slots: np.ndarray) -> None:
        slots = np.asarray(slots, dtype=np.int64)
        if len(slots) and self.population.bonded[slots].any():
            self.ledger.transfer([BONDS], slots, self.population.bonded[slots], "bond returned")
            self.population.bonded[slots] = 0
        for slot in slots:
            slot = int(slot)
            self.population.active[slot] = False
            self.population.online[slot] = False
            self.agent_at.pop(slot).remove()
            if self.graph.has_node(slot):
                self.graph.remove_node(slot)

    def _init_tallies(self) -> None:
        n = self.population.size
        self.total_reward = np.zeros(n)
        self.total_compute = np.zeros(n)
        self.accepted_count = np.zeros(n)
        self.submission_quality = np.zeros(n)
        self.submission_count = np.zeros(n)
        self.voting_power = np.zeros(n)
        self.applicants = 0
        self.admitted = 0
        self.entry_costs: list[float] = []
        self.raw_bytes_moved = 0
        self.model_bytes_moved = 0
        self.turnouts: list[float] = []
        self.submitted_total = 0
        self.rejected_total = 0
        self.raw_bytes_total = 0
        self.peak_traffic: list[int] = []
        self.utilisation: list[float] = []
        self.available_epochs = 0
        self.gross_revenue = 0
        self.emission_total = 0
        self.platform_spend = 0
        self.governance_power = np.zeros(n)
        self.decision_nc: list[int] = []
        self.improvers: list[int] = []
        self.record = {key: 0.0 for key in self.record_keys()}

    @staticmethod
    def record_keys() -> tuple[str, ...]:
        return (
            "epoch",
            "test_accuracy",
            "supply",
            "minted",
            "burned",
            "compute_sold",
            "trained",
            "submitted",
            "accepted",
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
            "reward_gini",
            "reward_nakamoto",
            "buyers",
            "coordinator_online",
            "treasury",
            *(f"active_{r.name.lower()}" for r in ROLE_ORDER),
            *(f"balance_{r.name.lower()}" for r in ROLE_ORDER),
        )

    # ------------------------------------------------------------------ epoch
    def step(self) -> None:
        self.ledger.epoch = self.epoch
        self._churn_and_access()
        start_balances = self.ledger.balances.copy()
        coordinator_up = (not self.platform) or bool(self.population.online[TREASURY])
        steps, bought = self._resource_market(coordinator_up)
        records = self._data(steps)
        flipped = self.population.flagged(Adversary.label_flipper.value, Role.BUILDER)
        thetas = self.engine.train(records, steps, flip_labels=flipped, start=self.peer_models)
        submitted = self._adversarial_submissions(thetas, steps > 0)
        weights = self._evaluation(thetas, submitted)
        outcome = self._consensus(weights, submitted, coordinator_up)
        updated = self._update(thetas, outcome.accepted, records)
        paid = self._rewards(outcome, records, coordinator_up)
        if (self.epoch + 1) % self.cfg.economy.governance_interval == 0:
            self._governance()
        self._account_profits(start_balances, bought, coordinator_up)
        self.test_accuracy = self.engine.test_accuracy()
        self.available_epochs += int(outcome.committed and paid)
        self.record.update(compute_sold=float(bought.sum()), trained=float((steps > 0).sum()))
        self._record(submitted, outcome, updated, paid, coordinator_up)
        self.datacollector.collect(self)
        self.epoch += 1

    # 1. churn, access and faults
    def _churn_and_access(self) -> None:
        p, pop_cfg = self.population, self.cfg.population
        for role in SUPPLIER_ROLES:
            members = p.members(role)
            leaving = members[~Participant.stays(p.loss_streak[members], pop_cfg.patience)]
            self._deactivate(leaving)
        consumers = p.members(Role.CONSUMER)
        self._deactivate(consumers[p.loss_streak[consumers] >= pop_cfg.patience])
        for role in (*SUPPLIER_ROLES, Role.CONSUMER):
            self._arrivals(role)
        self._faults()

    def _faults(self) -> None:
        """Which nodes are reachable this epoch.  Independent failures hit each node (the
        coordinator included) with ``offline_probability``; a failure domain takes all its nodes
        down at once; a targeted removal makes the best-connected (or richest) participants leave
        for good; a partition cuts a share of participants off from the rest (from the
        coordinator's side of a platform, or from the majority of a network)."""
        p, faults = self.population, self.cfg.faults
        p.online[:] = p.active & (self.rng.random(p.size) >= faults.offline_probability)
        if faults.domain_failure_probability > 0:
            down = self.rng.random(faults.failure_domains) < faults.domain_failure_probability
            p.online[down[np.arange(p.size) % faults.failure_domains]] = False
        if self.epoch == faults.targeted_removal_epoch and faults.targeted_removal_fraction > 0:
            self._remove_targets(faults.targeted_removal_fraction, faults.targeted_removal_by)
        start = faults.partition_start
        if start >= 0 and start <= self.epoch < start + faults.partition_length:
            members = np.flatnonzero(p.active & (p.role != Role.COORDINATOR))
            cut = self.rng.choice(
                members, int(round(faults.partition_fraction * len(members))), replace=False
            )
            p.online[cut] = False
        if self.platform:
            start, length = faults.coordinator_outage_start, faults.coordinator_outage_length
            if start >= 0 and start <= self.epoch < start + length:
                p.online[TREASURY] = False

    def _remove_targets(self, fraction: float, by: str) -> None:
        """Remove the top ``fraction`` of active participants by graph degree or by stake
        (Albert, Jeong & Barabási, Nature 2000: targeted attacks on hubs).  On a platform the
        coordinator is the top hub; it cannot leave, so it goes offline for the epoch."""
        p = self.population
        candidates = [n for n in self.graph.nodes if p.active[n] or n == TREASURY]
        if by == "degree":
            score = {n: self.graph.degree(n) for n in candidates}
        else:
            score = {n: int(self.ledger.balances[n]) for n in candidates}
        tie_break = dict(zip(candidates, self.rng.random(len(candidates)), strict=True))
        ranked = sorted(candidates, key=lambda n: (-score[n], tie_break[n]))
        targets = np.array(ranked[: int(round(fraction * len(ranked)))], dtype=np.int64)
        if self.platform and TREASURY in targets:
            p.online[TREASURY] = False
            targets = targets[targets != TREASURY]
        self._deactivate(targets)
        self.ledger.decision("targeted removal", removed=targets, by=by)

    def _arrivals(self, role: Role) -> None:
        p = self.population
        free = p.free_slots(role)
        n_candidates = min(int(self.rng.poisson(self.cfg.population.arrival_rate)), len(free))
        if n_candidates == 0:
            return
        candidates = free[:n_candidates]
        members = p.members(role)
        if role == Role.CONSUMER:
            expected = p.value[candidates] * self.test_accuracy - self.consumer_price
        else:
            expected = np.full(n_candidates, p.profit[members].mean() if len(members) else 0.0)
        probe = self.access.admit(self.endowment[candidates], len(free), len(members))
        applying = Participant.enters(expected, probe.entry_cost, self.cfg.population.entry_horizon)
        candidates = candidates[applying]
        if len(candidates) == 0:
            return
        admission = self.access.admit(self.endowment[candidates], len(free), len(members))
        self.applicants += len(candidates)
        self.entry_costs.append(admission.entry_cost)
        entering = candidates[admission.admitted]
        self.admitted += len(entering)
        if len(entering) == 0:
            return
        for slot in entering:
            self._activate(int(slot))
            attach(
                self.graph,
                int(slot),
                self.cfg.scenario.peer_degree,
                self.rng,
                hub=TREASURY if self.platform else None,
            )
        self.ledger.mint(entering, self._endowment_units(entering), "genesis", newcomers=True)
        self.ledger.burn(entering, admission.burn[admission.admitted], "registration")
        if admission.bond is not None:
            bonds = np.asarray(admission.bond)[admission.admitted]
            self.ledger.transfer(entering, [BONDS], bonds, "bond")
            self.population.bonded[entering] += bonds

    # 2. resource market
    def _resource_market(self, coordinator_up: bool) -> tuple[np.ndarray, np.ndarray]:
        """Builders obtain compute; returns local steps per builder position and units bought."""
        p, learning = self.population, self.cfg.learning
        builder_slots = p.blocks[Role.BUILDER]
        steps = np.zeros(len(builder_slots), dtype=np.int64)
        bought = np.zeros(p.size)
        builders = p.members(Role.BUILDER, online_only=True)
        providers = p.members(Role.COMPUTE_PROVIDER, online_only=True)
        if len(builders) == 0 or len(providers) == 0 or not coordinator_up:
            return steps, bought
        wanted = learning.max_local_steps / learning.steps_per_unit
        balances = self.ledger.balances[builders] / UNITS_PER_TOKEN
        demand = ModelBuilder.compute_demand(
            wanted, balances, self.market_price, pays=not self.platform
        )
        demand[self._copies_work(builders)] = 0.0  # free riders and Sybil copies buy nothing
        allocation = self.market.allocate(demand, p.capacity[providers], p.unit_cost[providers])
        receipts = np.floor(allocation.sold * allocation.price * UNITS_PER_TOKEN).astype(np.int64)
        if self.platform:
            receipts = self._affordable(TREASURY, receipts)
            self.ledger.transfer([TREASURY], providers, receipts, "compute", public=False)
            self.platform_spend += int(receipts.sum())
        else:
            mean_price = allocation.cost / max(allocation.sold.sum(), 1e-12)
            payments = np.minimum(
                np.ceil(allocation.units * mean_price * UNITS_PER_TOKEN).astype(np.int64),
                self.ledger.balances[builders],
            )
            self.ledger.transfer(builders, [ESCROW], payments, "compute escrow")
            receipts = split_units(int(payments.sum()), receipts)
            self.ledger.transfer([ESCROW], providers, receipts, "compute")
        if allocation.sold.sum() > 0:
            self.market_price = allocation.cost / allocation.sold.sum()
        self.total_compute[providers] += allocation.sold
        bought[providers] = allocation.sold
        self.utilisation.append(allocation.sold.sum() / max(p.capacity[providers].sum(), 1e-12))
        positions = p.position(Role.BUILDER, builders)
        steps[positions] = ModelBuilder.local_steps(
            allocation.units, learning.steps_per_unit, learning.max_local_steps
        )
        return steps, bought

    def _copies_work(self, slots: np.ndarray) -> np.ndarray:
        """Builders that submit someone else's model: free riders and secondary Sybils."""
        p = self.population
        kind = p.adversary[slots]
        secondary = (kind == Adversary.sybil.value) & (p.owner[slots] != slots)
        return (kind == Adversary.free_rider.value) | secondary

    def _adversarial_submissions(self, thetas: np.ndarray, submitted: np.ndarray) -> np.ndarray:
        """Free riders resubmit the network model; Sybil copies their owner's submission."""
        p = self.population
        slots = p.blocks[Role.BUILDER]
        present = p.active[slots] & p.online[slots]
        free = present & p.flagged(Adversary.free_rider.value, Role.BUILDER)
        thetas[free] = FreeRider.submission(np.asarray(self.engine.theta))
        copies = present & self._copies_work(slots) & ~free
        primary = p.position(Role.BUILDER, p.owner[slots[copies]])
        thetas[copies] = SybilBuilder.submission(thetas[primary])
        submitted = submitted.copy()
        submitted[free] = True
        submitted[copies] = submitted[primary]
        self._poison(thetas, submitted & present)
        return submitted

    def _poison(self, thetas: np.ndarray, submitted: np.ndarray) -> None:
        """Model-poisoning builders replace their trained models (in place)."""
        p, a = self.population, self.cfg.adversaries
        theta = np.asarray(self.engine.theta)
        flag = {kind: p.flagged(kind.value, Role.BUILDER) & submitted for kind in POISONERS}
        flips = flag[Adversary.sign_flipper]
        thetas[flips] = SignFlipper.poison(theta, thetas[flips], a.attack_scale)
        noisy = flag[Adversary.noise_injector]
        thetas[noisy] = NoiseInjector.poison(theta, self.rng, int(noisy.sum()), a.noise_std)
        alie = flag[Adversary.little_is_enough]
        if alie.any():
            honest = submitted & (p.adversary[p.blocks[Role.BUILDER]] == "")
            thetas[alie] = LittleIsEnough.poison(
                theta, thetas[honest] - theta, a.alie_z, int(alie.sum())
            )

    def _affordable(self, payer: int, amounts: np.ndarray) -> np.ndarray:
        """Scale payments down to what the payer holds."""
        held = int(self.ledger.balances[payer])
        return amounts if amounts.sum() <= held else split_units(held, amounts)

    # 3. data
    def _data(self, steps: np.ndarray) -> np.ndarray:
        """(B, M) training-record table per builder position (−1 padding)."""
        p, engine = self.population, self.engine
        width = engine.records_per_builder
        self.raw_bytes_this_epoch = 0
        table = np.full((len(steps), width), -1, dtype=np.int64)
        providers = p.members(Role.DATA_PROVIDER, online_only=True)
        positions = p.position(Role.DATA_PROVIDER, providers)
        training = np.flatnonzero(steps > 0)
        if self.platform:
            newly = set(positions.tolist()) - self.lake_owners
            if newly and p.online[TREASURY]:
                rows = engine.shard_table[sorted(newly)]
                self.raw_bytes_this_epoch = int((rows >= 0).sum()) * engine.record_bytes
                self.raw_bytes_moved += self.raw_bytes_this_epoch
                self.lake_owners |= newly
            lake = (
                engine.shard_table[sorted(self.lake_owners)].ravel()
                if self.lake_owners
                else np.array([], int)
            )
            lake = lake[lake >= 0]
            if len(lake) and len(training):
                take = min(width, len(lake))
                order = np.argsort(self.rng.random((len(training), len(lake))), axis=1)[:, :take]
                table[training, :take] = lake[order]
        elif len(positions) and len(training):
            k = min(self.cfg.learning.licenses_per_builder, len(positions))
            picks = np.argsort(self.rng.random((len(training), len(positions))), axis=1)[:, :k]
            rows = engine.shard_table[positions[picks]].reshape(len(training), -1)
            rows = -np.sort(-rows, axis=1)[:, :width]  # real records first, padding last
            table[training, : rows.shape[1]] = rows
        ever_joined = p.joined[p.blocks[Role.DATA_PROVIDER]] >= 0
        self.raw_bytes_total = (
            int((engine.shard_table[ever_joined] >= 0).sum()) * engine.record_bytes
        )
        return table

    # 5. evaluation
    def _evaluation(self, thetas: np.ndarray, submitted: np.ndarray):
        """(E, B) weights the evaluators set; 0 for missing submissions and offline evaluators."""
        scores = self.engine.score(thetas)
        online = self._evaluators_online()
        scores[:, ~submitted] = np.nan
        scores[~online, :] = np.nan
        evaluator = Coordinator if self.platform else Validator
        weights = evaluator.set_weights(
            scores, self.engine.baseline(), self.cfg.economy.approval_tolerance
        )
        if not self.platform:
            self._adversarial_weights(weights, submitted, online)
        quality = self.engine.test_accuracy(thetas)
        slots = self.population.blocks[Role.BUILDER]
        self.submission_quality[slots] += np.where(submitted, quality, 0.0)
        self.submission_count[slots] += submitted
        # The busiest node receives every submission: the coordinator (plus the raw data handed to
        # it this epoch) on a platform, each online validator on a network.
        per_node = int(submitted.sum()) * self.engine.model_bytes
        self.peak_traffic.append(per_node + self.raw_bytes_this_epoch)
        # Every submission travels to every online evaluator, and the new network model back to
        # every builder (a peer's own model stays put under gossip, which sends one per edge).
        receivers = int(online.sum())
        builders = len(self.population.members(Role.BUILDER))
        self.model_bytes_moved += per_node * receivers + builders * self.engine.model_bytes
        return weights

    def _adversarial_weights(self, weights, submitted, online) -> None:
        """Weight copiers set last epoch's consensus; the cabal backs its friend (in place)."""
        p = self.population
        copier = p.flagged(Adversary.weight_copier.value, Role.VALIDATOR) & online
        weights[copier] = WeightCopier.copied_weights(self.last_consensus, submitted)
        cabal = p.flagged(Adversary.cabal.value, Role.VALIDATOR) & online
        if self.friend is not None and cabal.any():
            weights[cabal] = CabalValidator.collusive_weights(weights.shape[1], self.friend)

    def _evaluators_online(self) -> np.ndarray:
        p = self.population
        if self.platform:
            return np.array([bool(p.online[TREASURY])])
        return p.online[p.blocks[Role.VALIDATOR]]

    def _evaluator_stake(self) -> np.ndarray:
        if self.platform:
            return np.ones(1)
        slots = self.population.blocks[Role.VALIDATOR]
        return (
            np.where(self.population.active[slots], self.ledger.balances[slots], 0)
            / UNITS_PER_TOKEN
        )

    # 6. consensus
    def _consensus(self, weights, submitted, coordinator_up):
        online = self._evaluators_online() & coordinator_up
        stake = self._evaluator_stake()
        self.consensus_state, outcome = self.consensus.step(
            self.consensus_state, stake, weights, online
        )
        builder_slots = self.population.blocks[Role.BUILDER]
        evaluator_slots = (
            np.array([TREASURY]) if self.platform else self.population.blocks[Role.VALIDATOR]
        )
        self.voting_power[evaluator_slots] += outcome.voting_power
        if outcome.committed and outcome.voting_power.sum() > 0:
            self.decision_nc.append(nakamoto_coefficient(outcome.voting_power))
        detail = {
            "committed": outcome.committed,
            "accepted": builder_slots[outcome.accepted],
            "rejected": builder_slots[submitted & ~outcome.accepted],
        }
        if self.cfg.scenario.public_ledger:
            detail.update(stake=stake, weights=np.round(weights, 6))
        self.ledger.decision("consensus", public=self.cfg.scenario.public_ledger, **detail)
        if outcome.committed:
            self.submitted_total += int(submitted.sum())
            self.rejected_total += int((submitted & ~outcome.accepted).sum())
        self._slash(builder_slots[submitted & ~outcome.accepted] if outcome.committed else [])
        if outcome.committed:
            self.last_consensus = np.asarray(getattr(outcome, "consensus", outcome.builder_weight))
        return outcome

    def _slash(self, faulty) -> None:
        """Burn the access mechanism's share of the bond of every builder proven faulty."""
        fraction = slashing_fraction(self.access)
        faulty = np.asarray(faulty, dtype=np.int64)
        if fraction <= 0 or len(faulty) == 0:
            return
        cut = np.floor(self.population.bonded[faulty] * fraction).astype(np.int64)
        self.ledger.burn(np.full(len(faulty), BONDS), cut, "slashing", offenders=faulty)
        self.population.bonded[faulty] -= cut

    # 7. update
    def _update(self, thetas, accepted, records) -> bool:
        theta = np.asarray(self.engine.theta)
        sizes = (records >= 0).sum(axis=1).astype(np.float64)
        self.round = RoundRecord(theta, thetas, accepted, sizes)
        if self.peer_models is not None:
            return self._gossip_update(thetas, accepted)
        if not accepted.any():
            return False
        deltas = thetas[accepted] - theta[None]
        weights = sizes[accepted]
        self.engine.apply(self.aggregate(deltas, weights))
        slots = self.population.blocks[Role.BUILDER][accepted]
        self.accepted_count[slots] += 1
        self.improvers.append(len(slots))
        self.ledger.decision(
            "update", public=self.cfg.scenario.public_ledger, accepted=slots, weights=weights
        )
        return True

    def _gossip_update(self, thetas, accepted) -> bool:
        """Decentralized SGD: each builder keeps its own model; an accepted submission replaces
        its author's model, then active builders average with their overlay neighbours.  The
        network model is the peers' mean; consensus distance measures their disagreement."""
        p = self.population
        slots = p.blocks[Role.BUILDER]
        self.peer_models[accepted] = thetas[accepted]
        peers = np.flatnonzero(p.active[slots])
        if len(peers):
            self.peer_models[peers] = self.aggregate.mix_peers(
                self.peer_models[peers], list(slots[peers])
            )
            self.engine.set_network_model(self.peer_models[peers].mean(axis=0))
            self.consensus_distance = consensus_distance(self.peer_models[peers])
        if accepted.any():
            self.accepted_count[slots[accepted]] += 1
            self.improvers.append(int(accepted.sum()))
            self.ledger.decision(
                "update", public=self.cfg.scenario.public_ledger, accepted=slots[accepted]
            )
        return bool(accepted.any())

    # 8. rewards
    def _rewards(self, outcome, records, coordinator_up) -> bool:
        p = self.population
        revenue = self._consumer_payments(coordinator_up)
        self.record["emission_minted"] = 0.0
        if not (outcome.committed and coordinator_up):
            self.record["rewards_paid"] = 0.0
            self.last_rewards = np.zeros(p.size)
            return False
        data_slots = p.blocks[Role.DATA_PROVIDER]
        used = records[outcome.accepted].ravel()
        owners = self.engine.record_owner[used[used >= 0]]
        data_contribution = np.bincount(owners, minlength=len(data_slots)).astype(np.float64)
        data_contribution *= p.active[data_slots]
        validator_part = np.zeros(len(p.blocks[Role.VALIDATOR]))
        if not self.platform:
            validator_part = outcome.validator_weight * p.active[p.blocks[Role.VALIDATOR]]
        builder_slots = p.blocks[Role.BUILDER]
        builder_weight = outcome.builder_weight * p.active[builder_slots]
        submitted = self.round.sizes > 0
        builder_stake = (
            self.ledger.balances[builder_slots] * p.active[builder_slots] / UNITS_PER_TOKEN
        )
        corr, mmc = self._prediction_scores(submitted, builder_stake)
        rewards = self.incentive.allocate(
            Contributions(
                builders=builder_weight,
                validators=validator_part,
                data_providers=data_contribution,
                revenue=revenue,
                builder_utility=self.round.utility(self.aggregate, self.engine.validation_accuracy),
                builder_stake=np.where(submitted, builder_stake, 0.0),
                builder_corr=corr,
                builder_mmc=mmc,
                data_stake=self.ledger.balances[data_slots]
                * p.active[data_slots]
                / UNITS_PER_TOKEN,
            )
        )
        self.ledger.mint([TREASURY], [rewards.minted], "emission")
        # What the incentive mechanism says it minted, kept apart from the ledger's own count.
        self.record["emission_minted"] = rewards.minted / UNITS_PER_TOKEN
        self.emission_total += rewards.minted
        if rewards.builder_burns is not None:
            burns = np.minimum(rewards.builder_burns, self.ledger.balances[builder_slots])
            self.ledger.burn(builder_slots, burns, "stake at risk")
        slots = np.concatenate([builder_slots, p.blocks[Role.VALIDATOR], data_slots])
        amounts = self._affordable(
            TREASURY, np.concatenate([rewards.builders, rewards.validators, rewards.data_providers])
        )
        self.ledger.transfer(
            [TREASURY], slots, amounts, "reward", public=self.cfg.scenario.public_ledger
        )
        if self.platform:
            self.platform_spend += int(amounts.sum())
        paid = np.zeros(p.size)
        np.add.at(paid, slots, amounts / UNITS_PER_TOKEN)
        self.total_reward += paid
        self.last_rewards = paid
        newly = (paid > 0) & (p.first_reward < 0)
        p.first_reward[newly] = self.epoch
        self.record["rewards_paid"] = float(paid.sum())
        return bool(amounts.sum() > 0)

    def _prediction_scores(self, submitted: np.ndarray, stake: np.ndarray):
        """CORR and MMC of the submitted models (zeros for builders that did not submit).  All
        builder rows are scored so that the shape, and the compiled function, stay fixed."""
        if not submitted.any():
            return np.zeros(len(submitted)), np.zeros(len(submitted))
        corr, mmc = self.engine.prediction_scores(
            self.round.thetas, np.where(submitted, stake, 0.0)
        )
        return np.where(submitted, corr, 0.0), np.where(submitted, mmc, 0.0)

    def _consumer_payments(self, coordinator_up: bool) -> int:
        p = self.population
        consumers = p.members(Role.CONSUMER, online_only=True)
        balances = self.ledger.balances[consumers] / UNITS_PER_TOKEN
        buys = Consumer.buys(p.value[consumers], self.test_accuracy, self.consumer_price, balances)
        if not coordinator_up:
            buys[:] = False
        if self._counts_toward_exit(coordinator_up):
            p.loss_streak[consumers] = np.where(buys, 0, p.loss_streak[consumers] + 1)
        price = to_units(self.consumer_price)
        buyers = consumers[buys]
        self.ledger.transfer(buyers, [TREASURY], np.full(len(buyers), price), "access fee")
        self.record["buyers"] = float(len(buyers))
        revenue = price * len(buyers)
        self.gross_revenue += revenue
        return revenue

    # 9. governance
    def governed_parameters(self) -> list[str]:
        """Live parameters proposals may change: the consumer price, and the incentive's
        emission per epoch where it has one."""
        return ["consumer_price"] + (
            ["emission_per_epoch"] if hasattr(self.incentive, "emission_per_epoch") else []
        )

    def _parameter(self, name: str) -> float:
        return (
            self.consumer_price if name == "consumer_price" else self.incentive.emission_per_epoch
        )

    def _set_parameter(self, name: str, value: float) -> None:
        if name == "consumer_price":
            self.consumer_price = value
        else:
            self.incentive.emission_per_epoch = value

    def _governance(self) -> None:
        """Proposals cycle through the governed parameters, alternately raising and cutting."""
        p, economy = self.population, self.cfg.economy
        proposal = self.epoch // economy.governance_interval
        parameters = self.governed_parameters()
        parameter = parameters[proposal % len(parameters)]
        raise_ = (proposal // len(parameters)) % 2 == 0
        current = self._parameter(parameter)
        proposed = current * (1 + economy.price_step if raise_ else 1 - economy.price_step)
        votes = np.where(p.active & p.online, Participant.vote_on_raise(p.role, raise_), 0)
        is_owner = np.zeros(p.size, dtype=bool)
        if self.platform:
            consumers = p.members(Role.CONSUMER)
            backs = Coordinator.prefers_price(
                self.consumer_price, proposed, p.value[consumers], self.test_accuracy
            )
            votes[TREASURY] = 1 if backs else -1
            is_owner[TREASURY] = True
        balances = np.where(p.active, self.ledger.balances, 0) / UNITS_PER_TOKEN
        outcome = self.governance.decide(votes, balances, is_owner)
        self.governance_power += outcome.power
        self.turnouts.append(outcome.turnout)
        self.ledger.decision(
            "governance",
            public=self.cfg.scenario.public_ledger,
            parameter=parameter,
            current=current,
            proposed=proposed,
            passed=outcome.passed,
            yes=outcome.yes,
            no=outcome.no,
            turnout=outcome.turnout,
        )
        if outcome.passed:
            self._set_parameter(parameter, proposed)

    # 10. bookkeeping
    def _account_profits(
        self, start_balances: np.ndarray, bought: np.ndarray, coordinator_up: bool
    ) -> None:
        """Profit = change of balance − operating cost − cost of compute sold; update streaks
        (unless the participants wait out a coordinator outage: ``_counts_toward_exit``)."""
        p = self.population
        delta = (self.ledger.balances - start_balances) / UNITS_PER_TOKEN
        profit = delta - p.operating_cost * p.online - p.unit_cost * bought
        suppliers = np.isin(p.role, [int(r) for r in SUPPLIER_ROLES]) & p.active
        p.profit[suppliers] = profit[suppliers]
        if self._counts_toward_exit(coordinator_up):
            losing = profit[suppliers] < 0
            p.loss_streak[suppliers] = np.where(losing, p.loss_streak[suppliers] + 1, 0)

    def _counts_toward_exit(self, coordinator_up: bool) -> bool:
        """Whether this epoch's losses count toward leaving (``population.patience``).  With
        ``population.wait_out_outages`` (the default) an epoch in which the coordinator was
        down does not: everyone can see the outage, and it says nothing about whether taking
        part pays.  Without it, an outage as long as the participants' patience empties the
        platform for good (every supplier and consumer leaves in the same epoch)."""
        return coordinator_up or not self.cfg.population.wait_out_outages

    def _record(self, submitted, outcome, updated, paid, coordinator_up) -> None:
        p, r = self.population, self.record
        rewards = self.last_rewards[np.isin(p.role, [int(x) for x in SUPPLIER_ROLES]) & p.active]
        r.update(
            epoch=float(self.epoch),
            test_accuracy=self.test_accuracy,
            supply=self.ledger.supply / UNITS_PER_TOKEN,
            minted=self.ledger.minted / UNITS_PER_TOKEN,
            burned=self.ledger.burned / UNITS_PER_TOKEN,
            submitted=float(submitted.sum()),
            accepted=float(outcome.accepted.sum()),
            committed=float(outcome.committed),
            available=float(outcome.committed and paid),
            consumer_price=self.consumer_price,
            emission_rate=float(getattr(self.incentive, "emission_per_epoch", 0.0)),
            consensus_distance=float(self.consensus_distance),
            raw_bytes_moved=float(self.raw_bytes_moved),
            model_bytes_moved=float(self.model_bytes_moved),
            revenue=self.gross_revenue / UNITS_PER_TOKEN,
            reward_gini=gini(rewards) if rewards.sum() > 0 else float("nan"),
            reward_nakamoto=float(nakamoto_coefficient(rewards)),
            coordinator_online=float(coordinator_up),
            treasury=self.ledger.balances[TREASURY] / UNITS_PER_TOKEN,
        )
        for role in ROLE_ORDER:
            slots = p.blocks[role]
            name = role.name.lower()
            r[f"active_{name}"] = float(p.active[slots].sum())
            r[f"balance_{name}"] = float(self.ledger.balances[slots].sum() / UNITS_PER_TOKEN)

    # ------------------------------------------------------------------ end
    def finish(self) -> None:
        """Close the ledger and release mesa's per-model registry (mesa 3.3 never frees it)."""
        self.ledger.close()
        mesa.Agent._ids.pop(self, None)


@dataclass(frozen=True)
class RoundRecord:
    """What the update phase saw: the model before, every submission and the accepted ones."""

    theta: np.ndarray
    thetas: np.ndarray
    accepted: np.ndarray
    sizes: np.ndarray

    def utility(self, aggregate, evaluate):
        """v(coalition) = validation accuracy of the model rebuilt from the coalition's accepted
        updates with the run's aggregation rule (GTG-Shapley's utility: no retraining)."""

        def value(mask: np.ndarray) -> float:
            members = self.accepted & np.asarray(mask, dtype=bool)
            if not members.any():
                return evaluate(self.theta)
            deltas = self.thetas[members] - self.theta[None]
            return evaluate(self.theta + aggregate(deltas, self.sizes[members]))

        return value


def _reporter(key: str):
    return lambda model: model.record[key]

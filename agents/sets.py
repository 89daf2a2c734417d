"""Role sets: the members of one role as a ``mesa.agent.AgentSet`` that decides for all of them.

Each participant stays a ``mesa.Agent`` in ``model.agents`` (views draw them); its numbers live in
the population arrays, by slot.  A role set's instance methods decide for every member at once in
one NumPy expression (``builders.demand(...)``, ``validators.weights(...)``,
``consumers.buys(...)``): honest play is the role class's rule, and every registered adversary
(agents.adversary) replaces its members' part.  Members decide from the same state at the start
of a phase (simultaneous moves; there is no ``shuffle_do`` order).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from mesa.agent import AgentSet

from agents.adversary import (
    LazyValidator,
    SubmissionRound,
    WeightingRound,
    behaviours_of,
    sampled,
)
from agents.base import Participant
from agents.roles import (
    ComputeProvider,
    Consumer,
    Coordinator,
    DataProvider,
    ModelBuilder,
    Nominator,
    Validator,
)
from sim.decisions import decided, overrides
from sim.roles import Role
from sim.units import UNITS_PER_TOKEN

AGENT_CLASSES = {
    Role.COORDINATOR: Coordinator,
    Role.COMPUTE_PROVIDER: ComputeProvider,
    Role.DATA_PROVIDER: DataProvider,
    Role.BUILDER: ModelBuilder,
    Role.VALIDATOR: Validator,
    Role.CONSUMER: Consumer,
    Role.NOMINATOR: Nominator,
}


class RoleSet(AgentSet):
    """The agents of one role, bound to the population arrays and the ledger's balances."""

    role: ClassVar[Role]

    def __init__(self, model, population, ledger):
        super().__init__([], random=model.random)
        self.population = population
        self.ledger = ledger

    def slots(self, online_only: bool = False) -> np.ndarray:
        """Active (and, if asked, online) members' slots, in slot order."""
        return self.population.members(self.role, online_only)

    def tokens(self, slots: np.ndarray) -> np.ndarray:
        return self.ledger.balances[slots] / UNITS_PER_TOKEN

    def agent_class(self, kind: str) -> type[Participant]:
        """The class a member of this kind is: the role's own, or a registered adversary's."""
        if not kind:
            return AGENT_CLASSES[self.role]
        return next(cls for cls in behaviours_of(self.role) if cls.kind == kind)

    def assign(self, cls, group: np.ndarray) -> None:
        """The slots ``group`` play ``cls`` (an adversary of this role)."""
        self.population.adversary[group] = cls.kind
        cls.assign(self.population, group)

    def strategies(self) -> tuple:
        """The role's own class (honest play) and every registered alternative."""
        return (self.agent_class(""), *behaviours_of(self.role))

    def trait(self, slots: np.ndarray, name: str) -> np.ndarray:
        """Each member's value of the class attribute ``name`` its strategy declares (one
        vectorised assignment per strategy, no loop over members)."""
        kinds = self.population.adversary[slots]
        values = np.empty(len(slots), dtype=type(getattr(self.agent_class(""), name)))
        for cls in self.strategies():
            values[kinds == cls.kind] = getattr(cls, name)
        return values

    def kind_mask(self, cls) -> np.ndarray:
        """Over the role's block: the slots that play ``cls``."""
        return self.population.adversary[self.population.blocks[self.role]] == cls.kind


class Builders(RoleSet):
    role = Role.BUILDER

    def buy_compute(self, slots: np.ndarray) -> np.ndarray:
        """Who asks the market for compute (free riders and Sybil copies do not)."""
        buys = np.ones(len(slots), dtype=bool)
        kinds = self.population.adversary[slots]
        for cls in behaviours_of(self.role):
            members = kinds == cls.kind
            if members.any():
                buys[members] = cls.buys_compute(self.population, slots[members])
        return buys

    def demand(self, slots: np.ndarray, wanted: float, price: float, pays: bool) -> np.ndarray:
        """Compute units each member asks for (ModelBuilder.compute_demand, 0 if it buys none),
        or that times its ``compute_share`` decision (sim.decisions) where it set one."""
        full = ModelBuilder.compute_demand(wanted, self.tokens(slots), price, pays)
        rule = np.where(self.buy_compute(slots), 1.0, 0.0)
        return full * overrides(decided(self.population, slots, self.role, "compute_share"), rule)

    def local_steps(self, units, steps_per_unit: float, max_steps: int) -> np.ndarray:
        return ModelBuilder.local_steps(units, steps_per_unit, max_steps)

    def label_flippers(self) -> np.ndarray:
        """Over the role's block: the members who train on flipped labels."""
        return self.trait(self.population.blocks[self.role], "flips_labels")

    def submissions(self, thetas, trained, network_model, rng, params, best_last=None):
        """(models, submitted) by builder position: honest members submit what they trained
        (``trained``), each adversary kind rewrites its present members' rows in turn;
        ``best_last`` is last round's best-rewarded submission (what a model copier takes)."""
        p, slots = self.population, self.population.blocks[self.role]
        present = p.active[slots] & p.online[slots]
        round = SubmissionRound(
            thetas, trained.copy(), network_model, p, slots, rng, params, best_last
        )
        for cls in behaviours_of(self.role):
            cls.submit(round, present & self.kind_mask(cls))
        withheld = decided(p, slots, self.role, "submit") < 0.5  # NaN (the rule) is not
        return round.thetas, round.submitted & ~withheld


class Validators(RoleSet):
    role = Role.VALIDATOR

    def weights(self, honest, online, submitted, last_consensus, friend, params, rng=None):
        """(E, B) weights: honest members keep the weights the subnet's scoring rule gives
        what they measured (``honest``, mechanisms/scoring), each adversary kind overwrites its
        online members' rows."""
        round = WeightingRound(honest, submitted, last_consensus, friend, params, rng)
        for cls in behaviours_of(self.role):
            cls.set_member_weights(round, online & self.kind_mask(cls))
        return self.decided_weights(round.weights, online, submitted, rng)

    def decided_weights(self, weights, online, submitted, rng) -> np.ndarray:
        """Rows of members that set decisions (sim.decisions): an ``effort`` e keeps a random
        ⌈e·n⌉ of the n submissions (the rest 0), as a lazy validator does; a ``sharpness`` s
        maps the row w ↦ wˢ · Σw / Σwˢ."""
        block = self.population.blocks[self.role]
        effort = decided(self.population, block, self.role, "effort")
        sharpness = decided(self.population, block, self.role, "sharpness")
        positions = np.flatnonzero(submitted)
        partial = np.flatnonzero(online & (effort < 1.0))
        if len(partial) and len(positions):
            k = np.ceil(effort[partial] * len(positions)).astype(int)
            kept = sampled(rng, len(partial), positions, k, weights.shape[1])
            weights[partial] = LazyValidator.sampled_weights(weights[partial], kept)
        sharp = np.flatnonzero(online & np.isfinite(sharpness))
        if len(sharp):
            rows = np.clip(weights[sharp], 0.0, None)
            powered = rows ** sharpness[sharp, None]
            scale = np.divide(
                rows.sum(axis=1), powered.sum(axis=1), out=np.zeros(len(sharp)),
                where=powered.sum(axis=1) > 0,
            )  # fmt: skip
            weights[sharp] = powered * scale[:, None]
        return weights

    def scored(self, slots: np.ndarray, received: int, params) -> np.ndarray:
        """Submissions each member of ``slots`` scores itself (and pays for): its strategy's
        count, or ⌈effort · received⌉ where it set an ``effort`` decision."""
        counts = np.zeros(len(slots))
        kinds = self.population.adversary[slots]
        for cls in self.strategies():
            counts[kinds == cls.kind] = cls.scored_count(received, params)
        effort = decided(self.population, slots, self.role, "effort")
        return overrides(np.ceil(effort * received), counts)


class Consumers(RoleSet):
    role = Role.CONSUMER

    def buys(self, slots: np.ndarray, accuracy: float, price: float) -> np.ndarray:
        """Consumer.buys for every member in ``slots``."""
        return Consumer.buys(self.population.value[slots], accuracy, price, self.tokens(slots))


class ComputeProviders(RoleSet):
    role = Role.COMPUTE_PROVIDER

    def asks(self, slots: np.ndarray) -> np.ndarray:
        """Each member's ask per unit: its cost times (1 + markup), the markup its ``markup``
        decision (sim.decisions) or else its strategy's."""
        decision = decided(self.population, slots, self.role, "markup")
        markup = overrides(decision, self.trait(slots, "markup"))
        return self.population.unit_cost[slots] * (1.0 + markup)


class DataProviders(RoleSet):
    role = Role.DATA_PROVIDER

    def licensing(self, slots: np.ndarray) -> np.ndarray:
        """Which of the members ``slots`` license their records."""
        return self.trait(slots, "licenses")


class Coordinators(RoleSet):
    role = Role.COORDINATOR


class Nominators(RoleSet):
    role = Role.NOMINATOR

    def delegate_at_genesis(self, rng: np.random.Generator) -> None:
        """Each initial nominator stakes behind one initial validator, drawn in proportion to
        the validators' own stakes (delegation follows stake, as on the chain, where the
        largest validators hold most delegations)."""
        p = self.population
        nominators = self.slots()
        validators = p.members(Role.VALIDATOR)
        if not len(nominators) or not len(validators):
            return
        own = self.tokens(validators)
        chance = own / own.sum() if own.sum() > 0 else None
        p.delegate[nominators] = rng.choice(validators, size=len(nominators), p=chance)

    def moves(self, current, best, switching_cost: float, horizon: int) -> np.ndarray:
        return Nominator.moves(current, best, switching_cost, horizon)


ROLE_SETS = {
    cls.role: cls
    for cls in (
        Coordinators,
        ComputeProviders,
        DataProviders,
        Builders,
        Validators,
        Consumers,
        Nominators,
    )
}

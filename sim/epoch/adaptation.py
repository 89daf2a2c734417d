"""Strategies chosen and learnt: every supplier picks what to play from what it earned.

Each adapting role (compute providers, data providers, builders, validators) has a strategy
set: honest play and every registered alternative of the role that one participant can take up
(agents.adversary: markups, withholding, free riding, poisoning, copying, a cabal; Sybil
identities cannot).  The adaptation
rule (mechanisms.adaptation: ``adaptation=…`` for every role, ``+adaptation@adaptation_by_role.
<role>=…`` for one) keeps one policy row per slot of the role.  At the
start of an epoch (``choose_strategies``) every active member draws its strategy from its row
with the world's strategy stream; after bookkeeping (``learn_strategies``) the rule learns from
each active member's profit this epoch (rewards and fees received minus operating, compute and
evaluation costs), with the mean profit each strategy earned in the role this epoch as the
counterfactual (what a public ledger shows; a strategy nobody played counts as the member's
own profit).  With ``adaptation=fixed`` nothing is drawn: every participant keeps the strategy
the ``adversaries.*`` shares gave it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from agents.adversary import behaviours_of
from mechanisms.adaptation.base import draw, one_hot, put_rows, take_rows
from sim.roles import Role

ADAPTING_ROLES = (Role.COMPUTE_PROVIDER, Role.DATA_PROVIDER, Role.BUILDER, Role.VALIDATOR)
# Roles whose alternatives to honest play cheat others (a markup or withheld data is a price).
CHEATING_ROLES = (Role.BUILDER, Role.VALIDATOR)


@dataclass
class RoleStrategies:
    """One role's strategy set (index 0: honest play), its adaptation rule and state."""

    classes: tuple
    rule: Any
    state: Any

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(cls.kind or "honest" for cls in self.classes)


def strategy_classes(role_set) -> tuple:
    honest = role_set.agent_class("")
    return (honest, *(cls for cls in behaviours_of(role_set.role) if cls.adaptive))


def init_strategies(world, rules: dict, exploration: float) -> dict[Role, RoleStrategies]:
    """Every slot starts on the strategy it was given (one-hot), with ``exploration`` of its
    policy spread over the role's strategies when the role's rule adapts."""
    strategies = {}
    for role in ADAPTING_ROLES:
        rule = rules[role]
        classes = strategy_classes(world.roles[role])
        kinds = world.population.adversary[world.population.blocks[role]]
        index = {cls.kind: i for i, cls in enumerate(classes)}
        given = np.array([index.get(kind, 0) for kind in kinds], dtype=np.int64)
        rows = one_hot(given, len(classes))
        if rule.adapts:
            rows = (1.0 - exploration) * rows + exploration / len(classes)
        strategies[role] = RoleStrategies(classes, rule, rule.init(rows))
    return strategies


def _members(world, role: Role) -> np.ndarray:
    """Positions of the active members that may adapt (Sybil identities keep their part)."""
    p = world.population
    slots = p.blocks[role]
    adaptive = np.array(
        [bool(world.roles[role].agent_class(k).adaptive) for k in p.adversary[slots]]
    )
    return np.flatnonzero(p.active[slots] & adaptive)


def choose_strategies(world) -> None:
    p = world.population
    for role, strategies in world.strategies.items():
        members = _members(world, role)
        if not (strategies.rule.adapts and len(members)):
            continue
        policy = strategies.rule.policy(take_rows(strategies.state, members))
        chosen = draw(policy, world.strategy_rng)
        slots = p.blocks[role][members]
        for slot, cls in zip(slots.tolist(), (strategies.classes[c] for c in chosen), strict=True):
            p.adversary[slot] = cls.kind
            world.recast(slot, cls)


def learn_strategies(world) -> None:
    p = world.population
    for role, strategies in world.strategies.items():
        members = _members(world, role)
        if not (strategies.rule.adapts and len(members)):
            continue
        index = {cls.kind: i for i, cls in enumerate(strategies.classes)}
        slots = p.blocks[role][members]
        chosen = np.array([index[kind] for kind in p.adversary[slots]], dtype=np.int64)
        payoffs = p.profit[slots].astype(np.float64)
        counterfactual = peer_means(chosen, payoffs, len(strategies.classes))
        part = take_rows(strategies.state, members)
        part = strategies.rule.step(part, chosen, payoffs, world.strategy_rng, counterfactual)
        strategies.state = put_rows(strategies.state, members, part)


def peer_means(chosen: np.ndarray, payoffs: np.ndarray, k: int) -> np.ndarray:
    """(n, k): the mean payoff of each strategy among this call's agents; a strategy nobody
    played counts as each agent's own payoff."""
    totals = np.bincount(chosen, weights=payoffs, minlength=k)
    counts = np.bincount(chosen, minlength=k)
    means = np.divide(totals, counts, out=np.zeros(k), where=counts > 0)
    return np.where(counts > 0, means[None, :], payoffs[:, None])


def strategy_shares(world) -> dict[str, float]:
    """Share of each strategy among the active members of each adapting role
    (``share_<role>_<strategy>``), and the honest share of builders and validators, the roles
    whose alternatives cheat (``honest_share``)."""
    p, shares = world.population, {}
    honest = active = 0
    for role, strategies in world.strategies.items():
        slots = p.members(role)
        kinds = p.adversary[slots]
        name = role.name.lower()
        for cls, strategy in zip(strategies.classes, strategies.names, strict=True):
            count = int((kinds == cls.kind).sum())
            shares[f"share_{name}_{strategy}"] = count / len(slots) if len(slots) else float("nan")
        if role in CHEATING_ROLES:
            honest += int((kinds == "").sum())
            active += len(slots)
    shares["honest_share"] = honest / active if active else float("nan")
    return shares


def share_keys() -> tuple[str, ...]:
    """The share columns of metrics.parquet, from the adversaries registered now."""
    keys = []
    for role in ADAPTING_ROLES:
        names = ["honest", *(cls.kind for cls in behaviours_of(role) if cls.adaptive)]
        keys += [f"share_{role.name.lower()}_{name}" for name in names]
    return (*keys, "honest_share")


def adaptation_rules(cfg) -> dict[Role, Any]:
    """The rule of each adapting role: ``adaptation_by_role.<role>`` where given, else
    ``adaptation``."""
    from hydra.utils import instantiate

    by_role = cfg.adaptation_by_role or {}
    return {
        role: instantiate(by_role.get(role.name.lower()) or cfg.adaptation)
        for role in ADAPTING_ROLES
    }

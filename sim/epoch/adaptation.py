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

import numpy as np

from mechanisms.adaptation.base import draw, put_rows, take_rows
from sim.roles import Role
from sim.strategies import CHEATING_ROLES


def _members(world, role: Role) -> np.ndarray:
    """Positions of the active members that may adapt (Sybil identities keep their part)."""
    p = world.population
    slots = p.blocks[role]
    kinds = [cls.kind for cls in world.strategies[role].classes]
    return np.flatnonzero(p.active[slots] & np.isin(p.adversary[slots], kinds))


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

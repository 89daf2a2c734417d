"""Strategies chosen and learnt: every supplier picks what to play from what it earned.

Each adapting role (compute providers, data providers, builders, validators, nominators) has a
strategy set: honest play and every registered alternative of the role that one participant can
take up (agents.adversary: markups, withholding, free riding, poisoning, copying, hoarding UIDs,
a cabal, lazy scoring, yield chasing; Sybil
identities cannot).  The adaptation
rule (mechanisms.adaptation: ``adaptation=…`` for every role, ``+adaptation@adaptation_by_role.
<role>=…`` for one) keeps one policy row per slot of the role.  At the
start of an epoch (``choose_strategies``) every active member draws its strategy from its row
with the world's strategy stream; after bookkeeping (``learn_strategies``) the rule learns from
each active member's payoff: its profit this epoch (rewards and fees received minus operating,
compute and evaluation costs), or with ``population.payoff=return_on_capital`` a validator's
profit per token of its stake; the mean payoff each strategy earned in the role this epoch is the
counterfactual (what a public ledger shows); a strategy nobody played counts as the member's
own payoff, or with ``population.unplayed_payoff=last_seen`` as what it earned the last epoch
anyone played it.  With ``adaptation=fixed`` nothing is drawn: every participant keeps the strategy
the ``adversaries.*`` shares gave it.
"""

from __future__ import annotations

import numpy as np

from mechanisms.adaptation.base import draw, put_rows, take_rows
from sim.roles import Role
from sim.strategies import CHEATING_ROLES


def adapting(world):
    """(role, its strategies, positions of its active members that may adapt) for every role
    whose rule adapts and has such members (Sybil identities keep their part)."""
    p = world.population
    for role, strategies in world.strategies.items():
        slots = p.block(role)
        members = np.flatnonzero(p.active[slots] & np.isin(p.adversary[slots], strategies.kinds))
        if strategies.rule.adapts and len(members):
            yield role, strategies, members


def choose_strategies(world) -> None:
    p = world.population
    for role, strategies, members in adapting(world):
        policy = strategies.rule.policy(take_rows(strategies.state, members))
        chosen = strategies.kinds[draw(policy, world.strategy_rng)]
        slots = p.block(role)[members]
        switched = p.adversary[slots] != chosen
        p.adversary[slots] = chosen
        # Only the agents that switched change class (mesa registers agents by class).
        for slot in slots[switched].tolist():
            world.recast(slot, world.roles[role].agent_class(p.adversary[slot]))


def learn_strategies(world) -> None:
    p = world.population
    for role, strategies, members in adapting(world):
        slots = p.block(role)[members]
        chosen = strategies.index_of(p.adversary[slots])
        payoffs = payoff(world, role, slots)
        counterfactual = peer_means(
            chosen, payoffs, len(strategies.classes), remembered(world, strategies)
        )
        part = take_rows(strategies.state, members)
        part = strategies.rule.step(part, chosen, payoffs, world.strategy_rng, counterfactual)
        strategies.state = put_rows(strategies.state, members, part)


# The roles whose income grows with their stake whatever they play (Yuma's dividends and every
# stake-weighted consensus pay validators by stake, and nominators by what they delegate); a
# builder's merit does not scale with its
# balance, and dividing its profit by it would favour whoever spends most.
STAKE_PAID_ROLES = (Role.VALIDATOR, Role.NOMINATOR)


def payoff(world, role: Role, slots: np.ndarray) -> np.ndarray:
    """What the members ``slots`` learn from: their profit this epoch (with their identities'
    when they hold several UIDs), or with
    ``population.payoff=return_on_capital`` and a role paid by stake, their profit per token of
    capital at the epoch's start (at least one token, so that a nearly broke member's return
    stays finite)."""
    p = world.population
    profit = p.profit[slots] + identities_profit(p)[slots]
    if world.cfg.population.payoff == "profit" or role not in STAKE_PAID_ROLES:
        return profit
    return profit / np.maximum(p.capital[slots], 1.0)


def identities_profit(population) -> np.ndarray:
    """(n,) the profit this epoch of the active identities each slot owns besides itself (a
    UID hoarder's extra UIDs: what they earn is what hoarding earns)."""
    p = population
    identities = np.flatnonzero(p.active & (p.owner != np.arange(len(p.owner))))
    return np.bincount(p.owner[identities], weights=p.profit[identities], minlength=len(p.owner))


def remembered(world, strategies) -> np.ndarray | None:
    """With ``population.unplayed_payoff=last_seen``, the role's memory of each strategy's last
    observed mean payoff (updated in place by ``peer_means``); None otherwise."""
    return strategies.last_seen if world.cfg.population.unplayed_payoff == "last_seen" else None


def peer_means(
    chosen: np.ndarray, payoffs: np.ndarray, k: int, last_seen: np.ndarray | None = None
) -> np.ndarray:
    """(n, k): the mean payoff of each strategy among this call's agents.  A strategy nobody
    played counts as each agent's own payoff, or, given ``last_seen`` (k,), as the mean it
    earned the last time it was played where it ever was; ``last_seen`` then takes this call's
    means."""
    totals = np.bincount(chosen, weights=payoffs, minlength=k)
    counts = np.bincount(chosen, minlength=k)
    means = np.divide(totals, counts, out=np.zeros(k), where=counts > 0)
    unplayed = np.broadcast_to(payoffs[:, None], (len(payoffs), k))
    if last_seen is not None:
        last_seen[counts > 0] = means[counts > 0]
        unplayed = np.where(np.isfinite(last_seen)[None, :], last_seen[None, :], unplayed)
    return np.where(counts > 0, means[None, :], unplayed)


def strategy_shares(world) -> dict[str, float]:
    """Share of each strategy among the active members of each adapting role
    (``share_<role>_<strategy>``), the honest share of builders and validators, the roles whose
    alternatives cheat (``honest_share``), and what honest play earned them: the mean profit
    this epoch of the active honest builders and validators (``honest_profit``, tokens; NaN
    without any)."""
    p, shares = world.population, {}
    members = np.concatenate([p.members(role) for role in CHEATING_ROLES])
    playing_honestly = members[p.adversary[members] == ""]
    for role, strategies in world.strategies.items():
        slots = p.members(role)
        kinds = p.adversary[slots]
        name = role.name.lower()
        for cls, strategy in zip(strategies.classes, strategies.names, strict=True):
            count = int((kinds == cls.kind).sum())
            shares[f"share_{name}_{strategy}"] = count / len(slots) if len(slots) else float("nan")
    shares["honest_share"] = len(playing_honestly) / len(members) if len(members) else float("nan")
    shares["honest_profit"] = (
        float(p.profit[playing_honestly].mean()) if len(playing_honestly) else float("nan")
    )
    return shares

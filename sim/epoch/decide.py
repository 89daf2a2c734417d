"""Decisions chosen and learnt (sim.decisions): the members of a role whose rule is
``policy_gradient`` with ``decisions`` draw them from their Gaussian policies at the start of an
epoch (``choose_decisions``, after the strategies) and learn from their payoff after bookkeeping
(``learn_decisions``, the same payoff the strategies learn from: sim/epoch/adaptation.py).

A policy sees the slot's observation (sim.observations: balance, capital, last profit,
strategy, compute price, test accuracy, its role's honest share), each column standardised over
the role's members, and a constant; it acts in normalised units mapped onto each field's
bounds.  The advantage is the payoff less the slot's moving average of its payoffs (weight
``baseline_rate`` on the newest), as for the strategies.  Sybil identities keep their owner's
decisions.  Draws come from the world's strategy stream, so an economy that learns no decisions
draws nothing more.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from sim.decisions import set_decisions, to_values
from sim.epoch.adaptation import payoff
from sim.observations import observation_table, standardised


def deciding(world):
    """(role, its learning, mask over its block of the members that decide)."""
    p = world.population
    for role, learning in world.decision_learning.items():
        block = p.blocks[role]
        yield (
            role,
            learning,
            p.active[block] & np.isin(p.adversary[block], world.strategies[role].kinds),
        )


def observations(world, block: np.ndarray) -> np.ndarray:
    """(block, 1, fields + 1): standardised observations and a constant."""
    classes = {r: s.classes for r, s in world.strategies.items()}
    table = standardised(observation_table(world, block, classes))
    return np.column_stack([table, np.ones(len(block))])[:, None, :].astype(np.float32)


def choose_decisions(world) -> None:
    p = world.population
    for role, learning, deciders in deciding(world):
        if not deciders.any():
            learning.pending = {}
            continue
        block = p.blocks[role]
        obs = observations(world, block)
        key = jax.random.PRNGKey(int(world.strategy_rng.integers(2**31)))
        actions, log_probs = learning.learner.sample(learning.state, jnp.asarray(obs), key)
        units = np.asarray(actions)[:, 0, :]
        slots = block[deciders]
        for j, name in enumerate(learning.fields):
            set_decisions(p, slots, role, name, to_values(role, name, units[deciders, j]))
        learning.pending = {"deciders": deciders, "obs": obs, "actions": actions,
                            "log_probs": log_probs}  # fmt: skip


def learn_decisions(world) -> None:
    p = world.population
    for role, learning, _ in deciding(world):
        pending = learning.pending
        if not pending:
            continue
        deciders, block = pending["deciders"], p.blocks[role]
        payoffs = np.zeros(len(block))
        payoffs[deciders] = payoff(world, role, block[deciders])
        known = np.isfinite(learning.baseline)
        baseline = np.where(known, learning.baseline, payoffs)
        learning.state = learning.learner.update(
            learning.state,
            jnp.asarray(pending["obs"]),
            pending["actions"],
            jnp.asarray(payoffs[:, None], dtype=jnp.float32),
            pending["log_probs"],
            jnp.asarray(baseline[:, None], dtype=jnp.float32),
            jnp.asarray(deciders[:, None], dtype=jnp.float32),
        )
        rate = learning.baseline_rate
        learning.baseline = np.where(
            deciders, (1 - rate) * baseline + rate * payoffs, learning.baseline
        )
        learning.pending = {}

"""Contract of the adaptation family: how agents learn which strategy to play.

A rule is pure and acts on all agents of a role at once (no Python loop over agents)::

    state = rule.init(probabilities)     # (n_agents, n_strategies), rows sum to 1
    probs = rule.policy(state)           # (n_agents, n_strategies), rows sum to 1
    state = rule.step(state, chosen, payoffs, rng, counterfactual=None)

``chosen`` (n,) int is the strategy each agent played, ``payoffs`` (n,) what it earned with it,
``counterfactual`` (n, n_strategies) what each strategy would have earned where that is known:
full-information rules use it, bandit rules estimate it from the played strategy alone.  Every
random draw comes from ``rng``, so a rule is deterministic given it.  A state is never changed in
place: ``step`` returns a new one.
"""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any, Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class AdaptationRule(Protocol):
    """``adapts``: whether the rule ever moves a policy (False only for Fixed: the economy then
    draws nothing and keeps every participant on the strategy it was given).

    A state's array fields have agents on their first axis (``take_rows``/``put_rows`` select
    the agents active in an epoch); other fields are shared by the whole call."""

    adapts: bool = True

    def init(self, probabilities: np.ndarray) -> Any: ...

    def policy(self, state) -> np.ndarray: ...

    def step(
        self,
        state,
        chosen: np.ndarray,
        payoffs: np.ndarray,
        rng: np.random.Generator,
        counterfactual: np.ndarray | None = None,
    ) -> Any: ...


def check_probabilities(probabilities) -> np.ndarray:
    """(n, k) float rows that are probability vectors, else a ValueError naming the problem."""
    p = np.asarray(probabilities, dtype=np.float64)
    if p.ndim != 2 or p.shape[1] < 1:
        raise ValueError(f"probabilities must be an (n_agents, n_strategies) array, got {p.shape}")
    if np.any(p < 0) or not np.allclose(p.sum(axis=1), 1.0, atol=1e-9):
        raise ValueError("every row of probabilities must be non-negative and sum to 1")
    return p


def check_play(state_rows: int, n_strategies: int, chosen, payoffs, counterfactual):
    """Validate one step's inputs; returns int chosen, float payoffs, float counterfactual."""
    chosen = np.asarray(chosen, dtype=np.int64)
    payoffs = np.asarray(payoffs, dtype=np.float64)
    if chosen.shape != (state_rows,) or payoffs.shape != (state_rows,):
        raise ValueError(f"chosen and payoffs must be ({state_rows},) arrays")
    if np.any((chosen < 0) | (chosen >= n_strategies)):
        raise ValueError(f"chosen strategies must lie in 0…{n_strategies - 1}")
    if counterfactual is not None:
        counterfactual = np.asarray(counterfactual, dtype=np.float64)
        if counterfactual.shape != (state_rows, n_strategies):
            raise ValueError(f"counterfactual must be ({state_rows}, {n_strategies})")
    return chosen, payoffs, counterfactual


def one_hot(chosen: np.ndarray, n_strategies: int) -> np.ndarray:
    rows = np.zeros((len(chosen), n_strategies))
    rows[np.arange(len(chosen)), chosen] = 1.0
    return rows


def draw(probabilities: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One strategy per row, drawn from the row's probabilities (inverse CDF, one uniform each)."""
    cumulative = np.cumsum(probabilities, axis=1)
    u = rng.random(len(probabilities))[:, None] * cumulative[:, -1:]
    return np.minimum((u >= cumulative).sum(axis=1), probabilities.shape[1] - 1)


def take_rows(state, rows: np.ndarray):
    """The state of the agents ``rows`` (array fields sliced on their first axis)."""
    changes = {
        f.name: getattr(state, f.name)[rows]
        for f in fields(state)
        if isinstance(getattr(state, f.name), np.ndarray)
    }
    return replace(state, **changes)


def put_rows(state, rows: np.ndarray, part):
    """``state`` with the agents ``rows`` replaced by ``part`` (shared fields from ``part``)."""
    changes = {}
    for f in fields(state):
        value = getattr(state, f.name)
        if isinstance(value, np.ndarray):
            value = value.copy()
            value[rows] = getattr(part, f.name)
            changes[f.name] = value
        else:
            changes[f.name] = getattr(part, f.name)
    return replace(state, **changes)

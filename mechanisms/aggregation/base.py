"""Contract of the aggregation family.

A rule is called as ``rule(updates, weights=None)`` on an (n, d) array of model updates (one row
per accepted submission, each the difference between a builder's model and the network model) and
returns the (d,) update applied to the network model.  ``weights`` (n,) ≥ 0 are per-row weights
such as sample counts; rules that ignore them say so.  With n = 0 the update is all zeros.

In the economy every rule runs as a ``StatefulAggregation`` (optax style): ``init(model,
n_builders)`` gives the rule's state and ``step(state, ...)`` merges one epoch's accepted
submissions and returns the new state with a ``Merge``.  A stateless rule is wrapped once
(``stateful(rule)``: all builders share the network model); a rule that keeps one model per
builder, like gossip averaging, subclasses ``StatefulAggregation`` and carries them in its state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class AggregationRule(Protocol):
    def __call__(self, updates: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray: ...


def check_updates(updates: np.ndarray, weights: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Validate shapes; return float64 updates and weights (ones when none are given)."""
    updates = np.asarray(updates, dtype=np.float64)
    if updates.ndim != 2:
        raise ValueError(f"updates must be an (n, d) array, got shape {updates.shape}")
    if weights is None:
        weights = np.ones(updates.shape[0])
    weights = np.asarray(weights, dtype=np.float64)
    if weights.shape != (updates.shape[0],) or np.any(weights < 0):
        raise ValueError("weights must be (n,) and non-negative")
    return updates, weights


@dataclass(frozen=True)
class AggregationState:
    """What a rule carries between epochs: one model per builder (None: all share one)."""

    peer_models: np.ndarray | None = None


@dataclass(frozen=True)
class Merge:
    """One epoch's merge: the new state, and either an update to add to the network model
    (``delta``, with the per-row ``weights`` it used) or a new network model (``model``);
    ``disagreement`` is the peers' consensus distance when they keep their own models."""

    state: AggregationState
    delta: np.ndarray | None = None
    weights: np.ndarray | None = None
    model: np.ndarray | None = None
    disagreement: float | None = None


class StatefulAggregation:
    """An aggregation rule with state (subclass it; ``stateful`` wraps a plain rule)."""

    def init(self, model: np.ndarray, n_builders: int) -> AggregationState:
        raise NotImplementedError

    def step(self, state, model, submissions, accepted, sizes, peers, peer_ids) -> Merge:
        """Merge the ``accepted`` rows of ``submissions`` (B, D) into the network ``model``;
        ``sizes`` (B,) are the builders' record counts, ``peers`` the positions of the active
        builders and ``peer_ids`` their identities."""
        raise NotImplementedError

    def combine(self, updates: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        """The rule on a set of updates (what a coalition's merge would add to the model)."""
        raise NotImplementedError


class Stateless(StatefulAggregation):
    """A plain rule: builders share the network model, which moves by the rule's update of the
    accepted submissions (weighted by their record counts)."""

    def __init__(self, rule):
        self.rule = rule

    def init(self, model, n_builders):
        return AggregationState()

    def step(self, state, model, submissions, accepted, sizes, peers, peer_ids) -> Merge:
        if not accepted.any():
            return Merge(state)
        weights = sizes[accepted]
        delta = self.rule(submissions[accepted] - model[None], weights)
        return Merge(state, delta=delta, weights=weights)

    def combine(self, updates, weights=None):
        return self.rule(updates, weights)


def stateful(rule) -> StatefulAggregation:
    """The rule as a StatefulAggregation: itself if it is one, else wrapped once."""
    return rule if isinstance(rule, StatefulAggregation) else Stateless(rule)

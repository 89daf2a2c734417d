"""Contract of the aggregation family.

A rule is called as ``rule(updates, weights=None)`` on an (n, d) array of model updates (one row
per accepted submission, each the difference between a builder's model and the network model) and
returns the (d,) update applied to the network model.  ``weights`` (n,) ≥ 0 are per-row weights
such as sample counts; rules that ignore them say so.  With n = 0 the update is all zeros.
"""

from __future__ import annotations

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

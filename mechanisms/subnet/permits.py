"""Validator permits (opentensor/subtensor, pallets/subtensor/src/epoch/run_epoch.rs and
epoch/math.rs ``is_topk_nonzero``): each epoch only the ``max_validators`` (64 on a new subnet,
subnets/subnet.rs) UIDs with the largest stake, and a non-zero one, hold a permit; only their
weights count in consensus.  Ties: the chain sorts stakes ascending with a stable sort and takes
permits from the first n − k, so of equal stakes the lower UID loses its permit."""

from __future__ import annotations

import numpy as np

MAX_VALIDATORS = 64


def validator_permits(stake: np.ndarray, k: int = MAX_VALIDATORS) -> np.ndarray:
    """(n,) bool: whether each UID holds a validator permit this epoch."""
    stake = np.asarray(stake, dtype=float)
    if k < 0:
        raise ValueError(f"k must be ≥ 0, got {k}")
    permits = stake != 0
    n = len(stake)
    if n < k:
        return permits
    losers = np.argsort(stake, kind="stable")[: n - k]
    permits[losers] = False
    return permits

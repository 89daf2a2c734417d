"""Federated averaging."""

from __future__ import annotations

import numpy as np

from mechanisms.aggregation.base import check_updates


class FedAvg:
    """Weighted mean of updates: ``Δ = Σ_k w_k Δ_k / Σ_k w_k``, w_k = samples of client k.

    Source: McMahan et al., "Communication-Efficient Learning of Deep Networks from Decentralized
    Data", AISTATS 2017 (FederatedAveraging, eq. for w_{t+1} with n_k / n weights).  Its breakdown
    point is 0: one arbitrary update can move the mean anywhere (Blanchard et al. 2017).
    Rows with zero total weight fall back to the unweighted mean.
    """

    def __call__(self, updates, weights=None):
        updates, weights = check_updates(updates, weights)
        if updates.shape[0] == 0:
            return np.zeros(updates.shape[1])
        if weights.sum() <= 0:
            weights = np.ones_like(weights)
        return weights @ updates / weights.sum()

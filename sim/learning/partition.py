"""Partitions of a labelled pool among data owners."""

from __future__ import annotations

import numpy as np


def dirichlet_partition(
    labels: np.ndarray,
    n_parts: int,
    alpha: float,
    rng: np.random.Generator,
    min_size: int = 2,
    max_tries: int = 1000,
) -> list[np.ndarray]:
    """Split indices into ``n_parts`` label-skewed parts.

    For every class k, a share vector q_k ~ Dirichlet(α·1) over parts decides how the class's
    indices are cut.  Small α gives each part few classes; α → ∞ approaches an IID split.  Draws are
    repeated until every part holds at least ``min_size`` samples.

    Source: Hsu, Qi & Brown, "Measuring the Effects of Non-Identical Data Distribution for Federated
    Visual Classification", arXiv:1909.06335 (2019); the resampling for a minimum part size follows
    Yurochkin et al., ICML 2019.
    """
    if n_parts < 1:
        raise ValueError("n_parts must be at least 1")
    if alpha <= 0:
        raise ValueError("alpha must be positive")
    if n_parts * min_size > len(labels):
        raise ValueError(
            f"cannot give {n_parts} parts at least {min_size} samples each from {len(labels)}"
        )
    classes = np.unique(labels)
    for _ in range(max_tries):
        parts: list[list[np.ndarray]] = [[] for _ in range(n_parts)]
        for k in classes:
            members = rng.permutation(np.flatnonzero(labels == k))
            shares = rng.dirichlet(np.full(n_parts, alpha))
            cuts = (np.cumsum(shares)[:-1] * len(members)).astype(int)
            for part, chunk in zip(parts, np.split(members, cuts), strict=True):
                part.append(chunk)
        result = [np.sort(np.concatenate(p)) for p in parts]
        if min(len(p) for p in result) >= min_size:
            return result
    raise RuntimeError(
        f"no Dirichlet(α={alpha}) partition with {min_size}+ samples per part in {max_tries} draws"
    )

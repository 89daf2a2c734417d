"""Partitions of a labelled pool among data owners."""

from __future__ import annotations

import numpy as np


def dirichlet_partition(
    labels: np.ndarray,
    n_parts: int,
    alpha: float,
    rng: np.random.Generator,
    min_size: int = 2,
    per_class_tries: int = 100,
) -> list[np.ndarray]:
    """Split indices into ``n_parts`` label-skewed parts.

    For every class k, a share vector q_k ~ Dirichlet(α·1) over parts decides how the class's
    indices are cut (Yurochkin et al., ICML 2019); small α gives each part few classes, α → ∞
    approaches an IID split.  Draws are repeated until every part holds at least ``min_size``
    samples.  With many parts and small α that may not happen: after ``per_class_tries`` failed
    draws each part instead draws its own class mix p_i ~ Dirichlet(α·π), π the class frequencies,
    and fills an equal share of the samples from it, class by class while samples last (Hsu, Qi &
    Brown), which always meets ``min_size`` when n_parts · min_size ≤ N.

    Sources: Yurochkin et al., "Bayesian Nonparametric Federated Learning of Neural Networks",
    ICML 2019; Hsu, Qi & Brown, "Measuring the Effects of Non-Identical Data Distribution for
    Federated Visual Classification", arXiv:1909.06335 (2019).
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
    for _ in range(per_class_tries):
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
    return _per_part_mixes(labels, classes, n_parts, alpha, rng)


def _per_part_mixes(
    labels: np.ndarray, classes: np.ndarray, n_parts: int, alpha: float, rng: np.random.Generator
) -> list[np.ndarray]:
    """Equal-sized parts, each filled from its own class mix p_i ~ Dirichlet(α·π)."""
    pools = [rng.permutation(np.flatnonzero(labels == k)) for k in classes]
    left = np.array([len(pool) for pool in pools])
    prior = left / len(labels)
    sizes = [len(chunk) for chunk in np.array_split(np.arange(len(labels)), n_parts)]
    result: list[np.ndarray] = [np.empty(0, dtype=int)] * n_parts
    for part in rng.permutation(n_parts):
        # Tiny α underflows to an all-zero mix; a floor keeps it a distribution.
        mix = np.maximum(rng.dirichlet(np.full(len(classes), alpha) * prior), 1e-12)
        taken: list[np.ndarray] = []
        missing = sizes[part]
        while missing:
            weights = mix * (left > 0)
            counts = np.minimum(rng.multinomial(missing, weights / weights.sum()), left)
            for k in np.flatnonzero(counts):
                taken.append(pools[k][left[k] - counts[k] : left[k]])  # take from the end
            left -= counts
            missing -= int(counts.sum())
        result[part] = np.sort(np.concatenate(taken))
    return result


def iid_partition(n_samples: int, n_parts: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Shuffle and cut into ``n_parts`` parts of (almost) equal size."""
    return [np.sort(p) for p in np.array_split(rng.permutation(n_samples), n_parts)]


def shard_partition(
    labels: np.ndarray, n_parts: int, shards_per_part: int, rng: np.random.Generator
) -> list[np.ndarray]:
    """Sort by label, cut into n_parts · shards_per_part shards and deal ``shards_per_part``
    random shards to each part, so each owner sees few classes.  Source: McMahan et al., AISTATS
    2017 (the pathological non-IID MNIST split, 2 shards per client)."""
    order = np.argsort(labels, kind="stable")
    shards = np.array_split(order, n_parts * shards_per_part)
    dealt = rng.permutation(len(shards)).reshape(n_parts, shards_per_part)
    return [np.sort(np.concatenate([shards[s] for s in row])) for row in dealt]


def quantity_skew_partition(
    n_samples: int, n_parts: int, beta: float, rng: np.random.Generator, min_size: int = 2
) -> list[np.ndarray]:
    """IID labels but unequal sizes: part sizes ∝ q ~ Dirichlet(β·1) (each at least
    ``min_size``).  Source: Li, Diao, Chen & He, "Federated Learning on Non-IID Data Silos",
    ICDE 2022 (quantity-based label-balanced skew)."""
    if n_parts * min_size > n_samples:
        raise ValueError(f"cannot give {n_parts} parts at least {min_size} samples each")
    spare = n_samples - n_parts * min_size
    sizes = min_size + np.floor(rng.dirichlet(np.full(n_parts, beta)) * spare).astype(int)
    sizes[: n_samples - sizes.sum()] += 1  # hand out the rounding remainder
    cuts = np.cumsum(sizes)[:-1]
    return [np.sort(p) for p in np.split(rng.permutation(n_samples), cuts)]


def natural_partition(
    owners: np.ndarray, n_parts: int, rng: np.random.Generator
) -> list[np.ndarray]:
    """Whole owners per part: the data set's own owner keys (a writer, a device, a site) are
    shuffled and dealt into ``n_parts`` groups of (almost) equal numbers of owners, and a part
    holds every record of its owners.  The non-IID-ness is the data's own, as in LEAF's
    per-writer FEMNIST split (Caldas et al., "LEAF: A Benchmark for Federated Settings",
    arXiv:1812.01097, 2018).  Needs at least ``n_parts`` distinct owners."""
    keys, owner_of = np.unique(np.asarray(owners), return_inverse=True)
    if len(keys) < n_parts:
        raise ValueError(
            f"the data set has {len(keys)} owners in its training pool, fewer than the "
            f"{n_parts} data-provider slots that need one each"
        )
    groups = np.array_split(rng.permutation(len(keys)), n_parts)
    part_of_owner = np.empty(len(keys), dtype=np.int64)
    for part, group in enumerate(groups):
        part_of_owner[group] = part
    part_of_record = part_of_owner[owner_of]
    return [np.flatnonzero(part_of_record == part) for part in range(n_parts)]


PARTITIONS = ("dirichlet", "iid", "shards", "quantity_skew", "natural")


def partition(
    kind: str,
    labels: np.ndarray,
    n_parts: int,
    rng: np.random.Generator,
    alpha: float = 0.5,
    shards_per_part: int = 2,
    beta: float = 0.5,
    owners: np.ndarray | None = None,
) -> list[np.ndarray]:
    """Dispatch to one of ``PARTITIONS`` (``natural`` needs the records' ``owners``)."""
    if kind == "dirichlet":
        return dirichlet_partition(labels, n_parts, alpha, rng)
    if kind == "iid":
        return iid_partition(len(labels), n_parts, rng)
    if kind == "shards":
        return shard_partition(labels, n_parts, shards_per_part, rng)
    if kind == "quantity_skew":
        return quantity_skew_partition(len(labels), n_parts, beta, rng)
    if kind == "natural":
        if owners is None:
            raise ValueError("partition 'natural' needs a data set with owner keys")
        return natural_partition(owners, n_parts, rng)
    raise ValueError(f"partition must be one of: {', '.join(PARTITIONS)}; got {kind!r}")

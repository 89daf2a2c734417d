"""A run's data: loaded once from the seed, checked against the population, described."""

from __future__ import annotations

import numpy as np

from sim.config import ConfigError
from sim.learning.data import load_splits


def check_population_fits_data(cfg, splits) -> None:
    """The test and validation pools hold a record each; every data-provider slot needs at
    least two training records of its own (and, with ``learning.partition=natural``, an owner
    of its own)."""
    slots = cfg.population.data_providers + cfg.population.newcomer_slots
    n_train = len(splits.y_train)
    if cfg.learning.partition == "natural":
        owners = len(np.unique(splits.owner_train))
        if owners < slots:
            raise ConfigError(
                f"population.data_providers: {cfg.population.data_providers} providers "
                f"(+{cfg.population.newcomer_slots} newcomer slots) need an owner each, but "
                f"the training pool of {cfg.learning.data_path} holds {owners}; use at most "
                f"{owners - cfg.population.newcomer_slots}"
            )
    for key, pool in (
        ("test_fraction", splits.y_test),
        ("validation_fraction", splits.y_validation),
    ):
        if len(pool) == 0:
            raise ConfigError(
                f"learning.{key}: {getattr(cfg.learning, key)} of "
                f"learning.dataset={cfg.learning.dataset} leaves no record to "
                f"{'test' if key == 'test_fraction' else 'validate'} on; use a larger fraction"
            )
    if 2 * slots > n_train:
        raise ConfigError(
            f"population.data_providers: {cfg.population.data_providers} providers "
            f"(+{cfg.population.newcomer_slots} newcomer slots) need 2 records each, but "
            f"learning.dataset={cfg.learning.dataset} leaves {n_train} training records; "
            f"use at most {n_train // 2 - cfg.population.newcomer_slots}"
        )


def run_seeds(seed: int) -> tuple[np.random.SeedSequence, np.random.SeedSequence]:
    """The two streams a run's seed spawns: the data split's, and every scenario's model (each
    scenario starts from the same model seed: common random numbers)."""
    data_seed, model_seed = np.random.SeedSequence(seed).spawn(2)
    return data_seed, model_seed


def load_data(cfg):
    """The run's data split: every scenario of a run shares it (drawn from the seed)."""
    data_seed, _ = run_seeds(cfg.seed)
    return load_splits(
        cfg.learning.dataset,
        np.random.default_rng(data_seed),
        cfg.learning.test_fraction,
        cfg.learning.validation_fraction,
        cfg.learning.data_path,
        cfg.learning.samples,
    )


def describe_data(name: str, splits) -> dict:
    """What figures and reports say of the data: its name, size, classes and the chance level,
    the test accuracy of always predicting the test set's most frequent class."""
    counts = np.bincount(splits.y_test, minlength=splits.n_classes)
    return {
        "dataset": name,
        "classes": int(splits.n_classes),
        "train_records": len(splits.y_train),
        "test_records": len(splits.y_test),
        "chance_accuracy": float(counts.max() / counts.sum()),
    }

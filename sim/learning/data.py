"""Data sets the economy learns from.

The default is scikit-learn's bundled ``digits`` (8×8 handwritten digits, 1,797 images, 10 classes;
Alpaydin & Kaynak 1998, UCI), which ships inside the package: no download.  Pixels (0–16) are
scaled to [0, 1].
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Splits:
    """A data set cut into the three pools the economy uses.

    ``train`` is divided among data providers, ``validation`` among evaluators (validators or the
    coordinator), ``test`` is held out by the simulator to measure the network model.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_validation: np.ndarray
    y_validation: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    n_classes: int

    @property
    def n_features(self) -> int:
        return int(self.x_train.shape[1])


def load_digits_splits(
    rng: np.random.Generator, test_fraction: float, validation_fraction: float
) -> Splits:
    """Load ``digits`` and split it at random into train / validation / test pools."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    x = (bunch.data / 16.0).astype(np.float32)
    y = bunch.target.astype(np.int32)
    return split_pools(x, y, rng, test_fraction, validation_fraction, n_classes=10)


def split_pools(
    x: np.ndarray,
    y: np.ndarray,
    rng: np.random.Generator,
    test_fraction: float,
    validation_fraction: float,
    n_classes: int,
) -> Splits:
    """Shuffle once and cut into test, validation and train pools (in that order)."""
    if test_fraction + validation_fraction >= 1.0:
        raise ValueError("test_fraction + validation_fraction must be below 1")
    order = rng.permutation(len(y))
    n_test = int(round(test_fraction * len(y)))
    n_validation = int(round(validation_fraction * len(y)))
    test = order[:n_test]
    validation = order[n_test : n_test + n_validation]
    train = order[n_test + n_validation :]
    return Splits(
        x_train=x[train],
        y_train=y[train],
        x_validation=x[validation],
        y_validation=y[validation],
        x_test=x[test],
        y_test=y[test],
        n_classes=n_classes,
    )

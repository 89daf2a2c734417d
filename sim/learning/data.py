"""Data sets the economy learns from.

The default is scikit-learn's bundled ``digits`` (8×8 handwritten digits, 1,797 images, 10 classes;
Alpaydin & Kaynak 1998, UCI), which ships inside the package: no download.  Pixels (0–16) are
scaled to [0, 1].
"""

from __future__ import annotations

import os
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

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
    # Who holds each training record, where the data set says (a writer, a device, a site):
    # ``learning.partition=natural`` gives each data provider whole owners.  None: no such key.
    owner_train: np.ndarray | None = None

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
    owners: np.ndarray | None = None,
) -> Splits:
    """Shuffle once and cut into test, validation and train pools (in that order); the
    training records keep their ``owners`` key."""
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
        owner_train=None if owners is None else np.asarray(owners)[train],
    )


def gaussian_mixture(
    rng: np.random.Generator,
    n_samples: int = 2000,
    n_features: int = 16,
    n_classes: int = 10,
    separation: float = 0.7,
) -> tuple[np.ndarray, np.ndarray]:
    """A synthetic classification task: class k's points are drawn from N(μ_k, I) with class
    means μ_k ~ N(0, separation² I), so ``separation`` sets how far apart classes are and how
    hard the task is (a centrally trained linear model reaches about 0.31 at 0.25, 0.58 at 0.5,
    0.75 at 0.7 with the defaults; tests/test_data.py pins the trend).  Heterogeneity across owners comes from the
    partition (Dirichlet α, shards, quantity skew)."""
    means = rng.normal(0.0, separation, (n_classes, n_features))
    y = rng.integers(0, n_classes, n_samples).astype(np.int32)
    x = (means[y] + rng.normal(0.0, 1.0, (n_samples, n_features))).astype(np.float32)
    return x, y


def load_npz(path, with_owners: bool = False):
    """Read a user's data set from an .npz with arrays ``X`` (n × features, numeric) and ``y``
    (n labels), and optionally ``owner`` (n keys: who holds each record).  Labels are mapped to
    0..C−1 in sorted order.  Returns (X, y, C), or (X, y, C, owner or None) ``with_owners``.
    Raises ValueError naming what is wrong: a missing file, a missing array, mismatched
    lengths, non-numeric features, fewer than two classes."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"no such file: {path}")
    if not zipfile.is_zipfile(path):  # np.load would try to unpickle it instead
        raise ValueError(f"{path} is not a readable .npz file (not a zip archive)")
    try:
        with np.load(path, allow_pickle=False) as archive:
            missing = {"X", "y"} - set(archive.files)
            if missing:
                raise ValueError(
                    f"{path} lacks array(s) {', '.join(sorted(missing))}; it has {', '.join(archive.files) or 'none'}"
                )
            x, y = archive["X"], archive["y"]
            owners = archive["owner"] if "owner" in archive.files else None
    except (OSError, EOFError) as error:  # not a zip/npz at all
        raise ValueError(f"{path} is not a readable .npz file ({error})") from error
    if x.ndim != 2 or y.ndim != 1 or len(x) != len(y):
        raise ValueError(f"{path}: X must be (n, features) and y (n,); got {x.shape} and {y.shape}")
    if not np.issubdtype(x.dtype, np.number) or not np.all(np.isfinite(x)):
        raise ValueError(f"{path}: X must hold finite numbers")
    classes, labels = np.unique(y, return_inverse=True)
    if len(classes) < 2:
        raise ValueError(f"{path}: y must hold at least two classes")
    if owners is not None and owners.shape != y.shape:
        raise ValueError(f"{path}: owner must be (n,) like y; got {owners.shape}")
    result = x.astype(np.float32), labels.astype(np.int32), len(classes)
    return (*result, owners) if with_owners else result


# name → loader(rng, samples, path) -> (x, y, n_classes[, owners]); ``dataset`` registers one.
DATASETS: dict = {}


def dataset(name: str):
    """Register a data set loader under ``learning.dataset=name``.  The loader gets the run's
    data generator, ``learning.samples`` (None: the set's own size) and ``learning.data_path``,
    and returns features (n, d) float32, labels (n,) int32 in 0..C−1 and C, and optionally
    each record's owner key (n,) for ``learning.partition=natural``."""

    def register(loader):
        DATASETS[name] = loader
        return loader

    return register


@dataset("digits")
def _digits(rng, samples, path):
    from sklearn.datasets import load_digits

    if samples is not None:
        raise ValueError("digits has a fixed size (1,797 images); drop learning.samples")
    bunch = load_digits()
    return (bunch.data / 16.0).astype(np.float32), bunch.target.astype(np.int32), 10


@dataset("gaussian_mixture")
def _gaussian_mixture(rng, samples, path):
    x, y = gaussian_mixture(rng, n_samples=samples or 2000)
    return x, y, 10


@dataset("mnist1d")
def _mnist1d(rng, samples, path):
    return mnist1d(rng, samples or 5000)


@dataset("npz")
def _npz(rng, samples, path):
    if samples is not None:
        raise ValueError("an .npz data set has the size of its file; drop learning.samples")
    return load_npz(path, with_owners=True)


def mnist1d(rng: np.random.Generator, samples: int) -> tuple[np.ndarray, np.ndarray, int]:
    """MNIST-1D: ten 1-D templates (digits drawn as 12-point curves), each sample padded,
    translated, scaled, sheared and given correlated and i.i.d. noise, then resampled to 40
    points; generated procedurally in any size, no download.  Generated with the ``mnist1d``
    package's default arguments and a seed drawn from ``rng`` (its generator seeds Python's and
    NumPy's global random state; both are restored afterwards).

    Source: Greydanus & Kobak, "Scaling Down Deep Learning with MNIST-1D", ICML 2024
    (arXiv:2011.14439); github.com/greydanus/mnist1d.
    """
    import random
    from importlib.metadata import version

    from mnist1d.data import get_dataset_args, make_dataset

    args = get_dataset_args()
    args.num_samples = int(samples)
    args.seed = int(rng.integers(2**31 - 1))
    args.train_split = 1.0  # the economy draws its own train, validation and test pools

    def generate():
        saved = random.getstate(), np.random.get_state()  # noqa: NPY002 (the package seeds it)
        try:
            data = make_dataset(args)
        finally:
            random.setstate(saved[0])
            np.random.set_state(saved[1])  # noqa: NPY002
        return data["x"].astype(np.float32), data["y"].astype(np.int32)

    # Generation is a Python loop over samples (about 50 s for 200,000): keep what was made.
    name = f"mnist1d-{version('mnist1d')}-{args.num_samples}-{args.seed}"
    seconds = args.num_samples / MNIST1D_SAMPLES_PER_SECOND
    announce = None
    if seconds >= ANNOUNCE_AFTER_SECONDS:
        folder = cache_folder()
        kept = f"kept in {folder} for later runs" if folder else "not kept (DEAI_SIM_CACHE=off)"
        announce = (
            f"deai-sim: generating MNIST-1D, {args.num_samples:,} samples (about {seconds:.0f} s, "
            f"once: {kept})"
        )
    x, y = cached(name, generate, announce)
    return x, y, 10


# Measured on a 2-core Intel Xeon: 200,000 samples in about 50 s.
MNIST1D_SAMPLES_PER_SECOND = 4000
# A wait longer than this is announced on stderr before it starts (nothing else can show
# progress: the generator is one call into the mnist1d package).
ANNOUNCE_AFTER_SECONDS = 5.0


def cache_folder() -> Path | None:
    """Where generated data sets are kept: $DEAI_SIM_CACHE, else $XDG_CACHE_HOME/deai-sim,
    else ~/.cache/deai-sim; ``DEAI_SIM_CACHE=off`` keeps nothing."""
    chosen = os.environ.get("DEAI_SIM_CACHE")
    if chosen == "off":
        return None
    if chosen:
        return Path(chosen)
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "deai-sim"


def cached(name: str, make, announce: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``make()``'s (x, y), read from the cache folder when an earlier call left them there;
    written atomically (a temporary file renamed), so that parallel jobs never read half a
    file.  A cache that cannot be read or written is regenerated or skipped, never fatal.
    ``announce``, if given, is printed to stderr before ``make`` runs (not when read back)."""
    folder = cache_folder()
    path = None if folder is None else folder / f"{name}.npz"
    if path is not None and path.is_file():
        try:
            with np.load(path, allow_pickle=False) as archive:
                return archive["x"], archive["y"]
        except (OSError, ValueError, KeyError, zipfile.BadZipFile):
            pass  # damaged: make it again
    if announce:
        print(announce, file=sys.stderr, flush=True)
    x, y = make()
    if path is not None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            partial = folder / f".{name}.{os.getpid()}.npz"
            np.savez(partial, x=x, y=y)
            os.replace(partial, path)
        except OSError:
            pass
    return x, y


def load_splits(
    dataset: str,
    rng: np.random.Generator,
    test_fraction: float,
    validation_fraction: float,
    data_path: str | None = None,
    samples: int | None = None,
) -> Splits:
    """The data set registered as ``dataset`` (``DATASETS``), split into the economy's pools."""
    if dataset not in DATASETS:
        raise ValueError(f"dataset must be one of: {', '.join(DATASETS)}; got {dataset!r}")
    x, y, n_classes, *owners = DATASETS[dataset](rng, samples, data_path)
    owners = owners[0] if owners else None
    return split_pools(x, y, rng, test_fraction, validation_fraction, n_classes, owners)

"""The learning side of one economy: shards, padded batches, training, evaluation.

Everything the model needs from JAX goes through here, always with fixed shapes: builders are
padded to the builder capacity, data to ``records_per_builder`` rows with a mask, evaluators to
their capacity, so each jitted function compiles once per run.
"""

from __future__ import annotations

from functools import lru_cache, partial

import jax
import jax.numpy as jnp
import numpy as np
import optax

from sim.learning.data import Splits
from sim.learning.models import LogisticRegression, make_model
from sim.learning.partition import partition
from sim.learning.training import (
    LocalTrainer,
    accuracy_per_shard,
    correct_matrix,
    correct_pairs,
)

BYTES_PER_VALUE = 4  # float32 features and parameters


def pad_rows(groups: list[np.ndarray], width: int | None = None) -> np.ndarray:
    """Stack index arrays into an (n, width) table padded with −1."""
    width = max((len(g) for g in groups), default=0) if width is None else width
    table = np.full((len(groups), width), -1, dtype=np.int64)
    for row, group in enumerate(groups):
        table[row, : min(len(group), width)] = group[:width]
    return table


@lru_cache(maxsize=32)
def shared_trainer(model, learning_rate: float, max_local_steps: int, batch_size: int | None):
    """One ``LocalTrainer`` (and so one compilation per shape) for every engine with the same
    model, learning rate, step budget and batch size: the organisations of a federation, the
    seeds of a sweep in one process.  The trainer holds no state of its own."""
    return LocalTrainer(model, optax.sgd(learning_rate), max_local_steps, batch_size)


class LearningEngine:
    """Owns the network model θ and runs training and evaluation for the whole population."""

    def __init__(
        self,
        splits: Splits,
        shards: list[np.ndarray],
        evaluator_pools: list[np.ndarray],
        records_per_builder: int,
        learning_rate: float,
        max_local_steps: int,
        model=None,
        init_key=None,
        batch_size: int | None = None,
    ):
        self.splits = splits
        self.model = model or LogisticRegression(splits.n_features, splits.n_classes)
        self.trainer = shared_trainer(self.model, learning_rate, max_local_steps, batch_size)
        self.theta = self.model.init(init_key)
        # Minibatch draws: a key of their own, split once per training call (none without
        # minibatches), so that full-batch runs draw nothing.
        self.batch_key = jax.random.fold_in(
            init_key if init_key is not None else jax.random.PRNGKey(0), 1
        )
        self.records_per_builder = records_per_builder
        self.shard_table = pad_rows(shards)
        self.record_owner = np.full(len(splits.y_train), -1, dtype=np.int64)
        for owner, shard in enumerate(shards):
            self.record_owner[shard] = owner
        self.shard_x, self.shard_y, self.shard_mask = self._gather(
            self.shard_table, splits.x_train, splits.y_train
        )
        eval_table = pad_rows(evaluator_pools)
        self.eval_x, self.eval_y, self.eval_mask = self._gather(
            eval_table, splits.x_validation, splits.y_validation
        )
        # Accuracy = correct / records, divided here in float64 (see sim.learning.training).
        self.eval_records = np.maximum((eval_table >= 0).sum(axis=1), 1).astype(np.float64)
        self.test_x = jnp.asarray(splits.x_test)[None]
        self.test_y = jnp.asarray(splits.y_test)[None]
        self.test_mask = jnp.ones((1, len(splits.y_test)), jnp.float32)
        self._pool = None  # the train pool on the device, for minibatches
        self._baseline = None  # (θ, its scores) of the last baseline()

    @property
    def record_bytes(self) -> int:
        return (self.splits.n_features + 1) * BYTES_PER_VALUE

    @property
    def model_bytes(self) -> int:
        return self.model.n_params * BYTES_PER_VALUE

    @staticmethod
    def _gather(table: np.ndarray, x: np.ndarray, y: np.ndarray):
        mask = table >= 0
        safe = np.where(mask, table, 0)
        return (
            jnp.asarray(x[safe] * mask[..., None]),
            jnp.asarray(y[safe]),
            jnp.asarray(mask.astype(np.float32)),
        )

    # Memory one training call may take (learning.training_memory_mb).
    train_budget_bytes: int = 1024 * 2**20

    def train_rows(self) -> int:
        """Builders trained per call so that their gathered records, activations and gradients
        (about three copies of records × (features + first-layer width + classes) float32
        values, and four of the parameters) fit the budget."""
        per_record = self.splits.n_features + self._activation_width()
        records = self.trainer.batch_size or self.records_per_builder
        per_row = 3 * records * per_record + 4 * self.model.n_params + self.records_per_builder
        return max(1, self.train_budget_bytes // (per_row * BYTES_PER_VALUE))

    def train(
        self,
        record_table: np.ndarray,
        n_steps: np.ndarray,
        flip_labels: np.ndarray | None = None,
        start: np.ndarray | None = None,
    ) -> np.ndarray:
        """Train every builder on its records (−1 = padding) from θ, or from its own row of
        ``start`` (B, d) when peers keep their own models; returns (B, d) models.  Builders
        marked in ``flip_labels`` train on labels y ↦ C − 1 − y.  Builders are trained
        ``train_rows()`` at a time (``in_chunks``), so that memory stays bounded whatever their
        number.  With minibatches, builder b's draws come from this call's key folded with b."""
        if self.trainer.batch_size is None:
            train, extra = self._train, ()
        else:
            self.batch_key, key = jax.random.split(self.batch_key)
            train, extra = partial(self._train_sampled, key), (np.arange(len(record_table)),)
        n_steps = np.asarray(n_steps)
        flips = np.zeros(len(n_steps), bool) if flip_labels is None else np.asarray(flip_labels)
        return in_chunks(train, self.train_rows(), 0, record_table, n_steps, flips, start, *extra)

    def _train_sampled(self, key, record_table, n_steps, flip_labels, start, positions):
        # Valid records first in each row, so that a draw of r < n_rows lands on one.
        rows = np.take_along_axis(
            record_table, np.argsort(record_table < 0, axis=1, kind="stable"), 1
        )
        n_rows = (record_table >= 0).sum(axis=1)
        keys = jax.vmap(jax.random.fold_in, (None, 0))(key, jnp.asarray(positions))
        if self._pool is None:
            self._pool = jnp.asarray(self.splits.x_train), jnp.asarray(self.splits.y_train)
        arrays = (jnp.asarray(rows, jnp.int32), jnp.asarray(n_rows, jnp.int32))
        arrays += (jnp.asarray(flip_labels), jnp.asarray(n_steps, jnp.int32), keys)
        if start is None:
            thetas = self.trainer.sample_all(self.theta, *self._pool, *arrays)
        else:
            thetas = self.trainer.sample_each(jnp.asarray(start, jnp.float32), *self._pool, *arrays)
        return np.array(thetas)

    def _train(
        self,
        record_table: np.ndarray,
        n_steps: np.ndarray,
        flip_labels: np.ndarray | None = None,
        start: np.ndarray | None = None,
    ) -> np.ndarray:
        x, y, mask = self._gather(record_table, self.splits.x_train, self.splits.y_train)
        if np.any(flip_labels):
            flipped = self.splits.n_classes - 1 - y
            y = jnp.where(jnp.asarray(flip_labels)[:, None], flipped, y)
        steps = jnp.asarray(n_steps, jnp.int32)
        x, y, mask, steps = shard_builders(x, y, mask, steps)
        if start is None:
            return np.array(self.trainer.train_all(self.theta, x, y, mask, steps))
        return np.array(self.trainer.train_each(jnp.asarray(start, jnp.float32), x, y, mask, steps))

    def set_network_model(self, theta: np.ndarray) -> None:
        self.theta = jnp.asarray(theta, jnp.float32)

    # Memory the evaluation of submissions may take at once (learning.evaluation_memory_mb).
    score_budget_bytes: int = 256 * 2**20
    # Test records each submission's quality is measured on (learning.quality_sample).
    quality_sample: int = 1000

    def score_rows(self) -> int:
        """Submissions scored per call so that one call's activations, E evaluators × M records
        × (the first layer's width + C) float32 values per submission, fit the budget."""
        evaluators, records = self.eval_mask.shape
        return self._rows_within(evaluators * records * self._activation_width())

    def score(self, thetas: np.ndarray) -> np.ndarray:
        """(E, B) accuracy of each model on each evaluator's held-out data, computed
        ``score_rows()`` submissions at a time (``in_chunks``) so that peak memory stays bounded
        whatever E × B is; accuracies do not depend on the chunking."""
        correct = in_chunks(self._score, self.score_rows(), 1, np.asarray(thetas))
        return correct.astype(np.float64) / self.eval_records[:, None]

    def _score(self, thetas):
        return correct_matrix(
            self.model, jnp.asarray(thetas), self.eval_x, self.eval_y, self.eval_mask
        )

    def pair_rows(self) -> int:
        """(evaluator, submission) pairs scored per call so that each pair's gathered records
        and activations, M × (features + first-layer width + C) float32 values, fit the budget."""
        records = self.eval_mask.shape[1]
        width = self._activation_width()
        return self._rows_within(records * (self.splits.n_features + width) + self.model.n_params)

    def score_sampled(self, thetas: np.ndarray, sample: np.ndarray) -> np.ndarray:
        """(E, k) accuracy of submission ``sample[e, j]`` on evaluator e's held-out data: what
        ``score(thetas)[e, sample[e, j]]`` is, at the cost of E × k pairs instead of E × B,
        ``pair_rows()`` pairs per call."""
        evaluators, k = sample.shape
        rows = np.repeat(np.arange(evaluators), k)
        thetas = np.asarray(thetas)

        def score(evaluator, submission):
            return correct_pairs(
                self.model, jnp.asarray(thetas[submission]), jnp.asarray(evaluator),
                self.eval_x, self.eval_y, self.eval_mask,
            )  # fmt: skip

        correct = in_chunks(score, self.pair_rows(), 0, rows, sample.ravel())
        return correct.reshape(evaluators, k).astype(np.float64) / self.eval_records[:, None]

    def validation_accuracy(self, theta: np.ndarray) -> float:
        """Accuracy of one model on all evaluators' held-out data pooled."""
        per_pool = self.score(np.asarray(theta)[None])[:, 0]
        sizes = np.asarray(self.eval_mask.sum(axis=1))
        return float(per_pool @ sizes / sizes.sum())

    def prediction_scores(self, thetas: np.ndarray, stake: np.ndarray):
        """Numerai-style CORR and MMC of each model's class probabilities on the pooled validation
        data: CORR = corr(vec P_k, vec Y) with Y one-hot; MMC = corr of P_k neutralised to the
        stake-weighted meta-model M = Σ s_k P_k / Σ s_k (P_k − (⟨P_k, M⟩/⟨M, M⟩) M, centred)."""
        mask = np.asarray(self.eval_mask).ravel() > 0
        x = np.asarray(self.eval_x).reshape(-1, self.splits.n_features)[mask]
        y = np.asarray(self.eval_y).ravel()[mask]
        target = np.eye(self.splits.n_classes)[y].ravel()
        target = target - target.mean()
        probs = np.asarray(
            jax.nn.softmax(jax.vmap(self.model.logits, (0, None))(jnp.asarray(thetas), x))
        )
        preds = probs.reshape(len(thetas), -1)
        preds = preds - preds.mean(axis=1, keepdims=True)
        weights = np.asarray(stake, dtype=np.float64)
        meta = weights @ preds / weights.sum() if weights.sum() > 0 else preds.mean(axis=0)
        neutral = preds - np.outer(preds @ meta / max(meta @ meta, 1e-12), meta)
        return _correlations(preds, target), _correlations(neutral, target)

    def baseline(self) -> np.ndarray:
        """(E,) accuracy of the current network model on each evaluator's data, scored once per
        model: the evaluation phase and the evaluators' weights both read it, and θ is replaced
        (never changed in place) when the model changes."""
        if self._baseline is None or self._baseline[0] is not self.theta:
            self._baseline = (self.theta, self.score(np.asarray(self.theta)[None])[:, 0])
        return self._baseline[1].copy()

    def test_accuracy(self, thetas: np.ndarray | None = None) -> np.ndarray | float:
        """Accuracy on the simulator's held-out test set: of θ, or of each row of ``thetas``."""
        if thetas is None:
            n = self.test_y.shape[1]
            correct = correct_matrix(
                self.model, self.theta[None], self.test_x, self.test_y, self.test_mask
            )
            return float(correct[0, 0]) / n
        # Many models at once only feed metrics (a submission's quality): a fixed sample of the
        # test set keeps that cost flat as the data grows (the test pool is already shuffled).
        n = min(self.quality_sample, self.test_y.shape[1])
        x, y, mask = self.test_x[:, :n], self.test_y[:, :n], self.test_mask[:, :n]

        def correct(rows):
            return correct_matrix(self.model, jnp.asarray(rows), x, y, mask)[0]

        rows = self._rows_within(n * self._activation_width())
        return in_chunks(correct, rows, 0, np.asarray(thetas)).astype(np.float64) / n

    def _rows_within(self, values_per_row: int) -> int:
        """Rows of ``values_per_row`` float32 values each that fit the scoring budget (≥ 1)."""
        return max(1, self.score_budget_bytes // max(1, values_per_row * BYTES_PER_VALUE))

    def _activation_width(self) -> int:
        """Float32 values a record produces in a forward pass, about: the first layer's width
        plus the classes (the parameters per input feature bound the first layer's width)."""
        return self.model.n_params // self.splits.n_features + self.splits.n_classes

    def local_accuracy(self) -> np.ndarray:
        """(D,) accuracy of the network model on each data provider's own shard."""
        return np.asarray(
            accuracy_per_shard(self.model, self.theta, self.shard_x, self.shard_y, self.shard_mask)
        )

    def apply(self, update: np.ndarray) -> None:
        self.theta = self.theta + jnp.asarray(update, jnp.float32)


def in_chunks(function, rows: int, axis: int, *arrays):
    """``function`` applied to ``rows`` rows of every array at a time (the arrays share their
    first axis; a None passes through as None), its results joined along ``axis``.  The last
    chunk is padded by repeating the last row, so that one shape is compiled; the padding's
    results are cut off.  With ``rows`` ≥ the number of rows: one call, on the arrays as given."""
    n = len(arrays[0])
    if rows >= n:
        return np.asarray(function(*arrays))
    pad = (-n) % rows
    padded = [
        None if a is None else np.concatenate([a, np.repeat(np.asarray(a)[-1:], pad, axis=0)])
        for a in arrays
    ]
    parts = [
        np.asarray(function(*(None if a is None else a[i : i + rows] for a in padded)))
        for i in range(0, n + pad, rows)
    ]
    return np.take(np.concatenate(parts, axis=axis), np.arange(n), axis=axis)


def shard_builders(*arrays):
    """Spread the builder axis (axis 0) over all visible devices when there are several and the
    builders divide evenly; jit then runs each device's share of the vmapped training.  With one
    device (or an uneven split) the arrays are returned as they are."""
    devices = jax.devices()
    n = arrays[0].shape[0]
    if len(devices) < 2 or n % len(devices):
        return arrays
    from jax.sharding import Mesh, NamedSharding, PartitionSpec

    sharding = NamedSharding(Mesh(np.array(devices), ("builders",)), PartitionSpec("builders"))
    return tuple(jax.device_put(a, sharding) for a in arrays)


def _correlations(rows: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Pearson correlation of each (centred) row with the centred target; 0 for a flat row."""
    norms = np.linalg.norm(rows, axis=1) * np.linalg.norm(target)
    return np.divide(rows @ target, norms, out=np.zeros(len(rows)), where=norms > 0)


def validation_pools(
    n_records: int, n_evaluators: int, minimum: int, rng: np.random.Generator
) -> list[np.ndarray]:
    """Each evaluator's held-out records: disjoint IID pools while every pool keeps at least
    ``minimum`` records, else an independent random sample of ``minimum`` records each
    (without replacement within a pool; pools overlap).

    Splitting 270 records among 500 validators would leave most of them none, and an evaluator
    with no data scores every model 0, so nothing is ever accepted.  Real validators draw their
    evaluation batches from a shared public dataset (Bittensor subnets sample from one corpus),
    so overlapping samples are the faithful fallback, not a disjoint split.
    """
    if n_evaluators * minimum <= n_records:
        return np.array_split(rng.permutation(n_records), n_evaluators)
    size = min(minimum, n_records)
    return [np.sort(rng.choice(n_records, size, replace=False)) for _ in range(n_evaluators)]


def make_engine(
    splits: Splits,
    rng: np.random.Generator,
    n_data_slots: int,
    n_evaluators: int,
    alpha: float,
    licenses_per_builder: int,
    learning_rate: float,
    max_local_steps: int,
    model_name: str = "logreg",
    hidden: int = 32,
    hidden_layers: int = 1,
    partition_kind: str = "dirichlet",
    shards_per_part: int = 2,
    quantity_beta: float = 0.5,
    min_validation_records: int = 20,
    evaluation_memory_mb: int = 256,
    quality_sample: int = 1000,
    training_memory_mb: int = 1024,
    batch_size: int | None = None,
    shared_validation: bool = False,
) -> LearningEngine:
    """Partition the train pool among data-provider slots (Dirichlet(α) by default), give every
    evaluator its held-out records (``validation_pools``), and size builders' batches to
    ``licenses_per_builder`` full shards.  With ``shared_validation`` every evaluator holds the
    whole validation pool."""
    shards = partition(
        partition_kind, splits.y_train, n_data_slots, rng, alpha, shards_per_part, quantity_beta,
        splits.owner_train,
    )  # fmt: skip
    if shared_validation:
        pools = [np.arange(len(splits.y_validation))] * n_evaluators
    else:
        pools = validation_pools(
            len(splits.y_validation), n_evaluators, min_validation_records, rng
        )
    width = licenses_per_builder * max(len(s) for s in shards)
    model = make_model(model_name, splits.n_features, splits.n_classes, hidden, hidden_layers)
    init_key = jax.random.PRNGKey(int(rng.integers(2**31)))
    engine = LearningEngine(
        splits, shards, pools, width, learning_rate, max_local_steps, model, init_key, batch_size
    )
    engine.score_budget_bytes = int(evaluation_memory_mb) * 2**20
    engine.quality_sample = int(quality_sample)
    engine.train_budget_bytes = int(training_memory_mb) * 2**20
    return engine

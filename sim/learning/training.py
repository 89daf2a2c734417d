"""Local training and evaluation, vectorised across builders.

Every builder starts the epoch from the network model and runs up to ``max_steps`` optimiser steps
on its own (padded, masked) data; builder b stops after ``n_steps[b]`` steps, the number its
purchased compute pays for.  A step uses all of the builder's records (full batch), or, with a
``batch_size``, a minibatch drawn uniformly with replacement from them (minibatch SGD; Bottou,
Curtis & Nocedal, "Optimization Methods for Large-Scale Machine Learning", SIAM Review 2018,
arXiv:1606.04838): what makes local training cost the same per step whatever a builder holds.
The whole population trains in one jitted call: a ``jax.vmap`` over builders of a
``jax.lax.scan`` over steps.  Shapes stay fixed across epochs (the
population is padded to its capacity), so the call compiles once per run.

``train_one`` is the same computation for a single builder; the benchmark and the equivalence test
compare a Python loop over it with the vectorised call.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import optax

from sim.learning.models import LogisticRegression


class LocalTrainer:
    """Jitted local training for one model, optimiser and step budget."""

    def __init__(
        self,
        model: LogisticRegression,
        optimizer: optax.GradientTransformation,
        max_steps: int,
        batch_size: int | None = None,
    ):
        if max_steps < 1:
            raise ValueError("max_steps must be at least 1")
        if batch_size is not None and batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.model = model
        self.optimizer = optimizer
        self.max_steps = int(max_steps)
        self.batch_size = batch_size
        self.train_one = jax.jit(self._train_one)
        self.train_all = jax.jit(jax.vmap(self._train_one, in_axes=(None, 0, 0, 0, 0)))
        # Decentralized SGD: every builder starts from its own model instead of a shared one.
        self.train_each = jax.jit(jax.vmap(self._train_one, in_axes=(0, 0, 0, 0, 0)))
        # Minibatches are gathered inside the step from the shared pool, so that the builders'
        # records never materialise as a (builders × records × features) array.
        sampled = (None, None, None, 0, 0, 0, 0, 0)
        self.sample_all = jax.jit(jax.vmap(self._train_sampled, in_axes=sampled))
        self.sample_each = jax.jit(jax.vmap(self._train_sampled, in_axes=(0, *sampled[1:])))

    def _train_one(self, theta, x, y, mask, n_steps):
        return self._descend(theta, n_steps, lambda t: (x, y, mask))

    def _train_sampled(self, theta, x_pool, y_pool, rows, n_rows, flip, n_steps, key):
        """Minibatch steps for one builder: its records are ``rows[:n_rows]`` of the pool;
        step t draws ``batch_size`` of them with replacement from key ⊕ t."""
        n_classes = self.model.n_classes
        present = (n_rows > 0).astype(jnp.float32)
        mask = jnp.full(self.batch_size, present)

        def batch(t):
            u = jax.random.uniform(jax.random.fold_in(key, t), (self.batch_size,))
            picked = rows[jnp.minimum((u * n_rows).astype(jnp.int32), jnp.maximum(n_rows - 1, 0))]
            y = y_pool[picked]
            return x_pool[picked], jnp.where(flip, n_classes - 1 - y, y), mask

        return self._descend(theta, n_steps, batch)

    def _descend(self, theta, n_steps, batch):
        """``max_steps`` optimiser steps on ``batch(t)``, frozen after ``n_steps``."""
        grad_fn = jax.grad(self.model.loss)

        def step(carry, t):
            params, opt_state = carry
            updates, new_state = self.optimizer.update(
                grad_fn(params, *batch(t)), opt_state, params
            )
            running = t < n_steps
            params = jnp.where(running, optax.apply_updates(params, updates), params)
            opt_state = jax.tree_util.tree_map(
                lambda new, old: jnp.where(running, new, old), new_state, opt_state
            )
            return (params, opt_state), None

        carry = (theta, self.optimizer.init(theta))
        (theta, _), _ = jax.lax.scan(step, carry, jnp.arange(self.max_steps))
        return theta


# Scoring returns counts of correct predictions, not accuracies: the division happens outside
# XLA, whose fusions may divide or multiply by a reciprocal (one float32 ulp apart) depending on
# the shape of the computation and the machine, so that every way of scoring agrees exactly.


@partial(jax.jit, static_argnums=0)
def correct_matrix(model: LogisticRegression, thetas, x, y, mask):
    """Correct predictions of every submission (rows of ``thetas``) on every evaluator's data:
    (E, B)."""
    per_evaluator = jax.vmap(model.correct, in_axes=(0, None, None, None))
    return jax.vmap(per_evaluator, in_axes=(None, 0, 0, 0))(thetas, x, y, mask)


@partial(jax.jit, static_argnums=0)
def correct_pairs(model: LogisticRegression, thetas, evaluators, x, y, mask):
    """Correct predictions of submission ``thetas[p]`` on evaluator ``evaluators[p]``'s data,
    per pair p: (P,).  Evaluators' data stay whole on the device; each pair gathers its own."""
    return jax.vmap(lambda theta, e: model.correct(theta, x[e], y[e], mask[e]))(thetas, evaluators)


@partial(jax.jit, static_argnums=0)
def accuracy_per_shard(model: LogisticRegression, theta, x, y, mask):
    """Accuracy of one model on each owner's padded shard: (n_owners,)."""
    return jax.vmap(model.accuracy, in_axes=(None, 0, 0, 0))(theta, x, y, mask)


@partial(jax.jit, static_argnums=0)
def class_probabilities(model: LogisticRegression, thetas, x):
    """(B, n, C) predicted class probabilities of every model on the rows of x."""
    return jax.nn.softmax(jax.vmap(model.logits, in_axes=(0, None))(thetas, x))

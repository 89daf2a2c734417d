"""Training one model centrally on a whole data set: the reference a data set's published
accuracies are checked against (benchmarks/mnist1d.py, tests/test_learning.py)."""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import optax


def train_centrally(model, x, y, steps: int, batch: int, learning_rate: float, seed: int = 0):
    """Adam on minibatches of ``batch`` rows drawn uniformly with replacement, ``steps`` steps,
    from the model's own initialisation; returns the trained flat parameters."""
    key = jax.random.PRNGKey(seed)
    init_key, batch_key = jax.random.split(key)
    theta = model.init(init_key)
    optimiser = optax.adam(learning_rate)
    x, y = jnp.asarray(x, jnp.float32), jnp.asarray(y, jnp.int32)
    ones = jnp.ones(batch, jnp.float32)

    @partial(jax.jit, static_argnums=())
    def run(theta, key):
        def one(carry, step_key):
            theta, state = carry
            rows = jax.random.randint(step_key, (batch,), 0, len(y))
            grad = jax.grad(model.loss)(theta, x[rows], y[rows], ones)
            updates, state = optimiser.update(grad, state, theta)
            return (optax.apply_updates(theta, updates), state), None

        (theta, _), _ = jax.lax.scan(
            one, (theta, optimiser.init(theta)), jax.random.split(key, steps)
        )
        return theta

    return np.asarray(run(theta, batch_key))


def test_accuracy(model, theta, x, y) -> float:
    return float(
        model.accuracy(jnp.asarray(theta), jnp.asarray(x), jnp.asarray(y), jnp.ones(len(y)))
    )

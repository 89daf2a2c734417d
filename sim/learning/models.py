"""JAX models with flat parameter vectors.

Parameters are one flat float32 vector per model so that builders' models stack into an (n, d)
array: training vmaps over its rows and aggregation rules work on it directly.
"""

from __future__ import annotations

from dataclasses import dataclass

import jax
import jax.numpy as jnp


@dataclass(frozen=True)
class LogisticRegression:
    """Multinomial logistic regression: ``softmax(x W + b)``, trained with cross-entropy.

    The flat vector holds W (n_features × n_classes, row-major) followed by b (n_classes).
    """

    n_features: int
    n_classes: int

    @property
    def n_params(self) -> int:
        return self.n_features * self.n_classes + self.n_classes

    def init(self) -> jax.Array:
        """Zero weights: the convex problem needs no random start, and zeros keep runs comparable."""
        return jnp.zeros(self.n_params, dtype=jnp.float32)

    def logits(self, theta: jax.Array, x: jax.Array) -> jax.Array:
        split = self.n_features * self.n_classes
        w = theta[:split].reshape(self.n_features, self.n_classes)
        return x @ w + theta[split:]

    def loss(self, theta: jax.Array, x: jax.Array, y: jax.Array, mask: jax.Array) -> jax.Array:
        """Mean cross-entropy over the rows where ``mask`` is 1 (padding rows count for nothing)."""
        logp = jax.nn.log_softmax(self.logits(theta, x))
        nll = -jnp.take_along_axis(logp, y[:, None], axis=1)[:, 0]
        return jnp.sum(nll * mask) / jnp.maximum(jnp.sum(mask), 1.0)

    def accuracy(self, theta: jax.Array, x: jax.Array, y: jax.Array, mask: jax.Array) -> jax.Array:
        """Share of unmasked rows classified correctly (0 when no row is unmasked)."""
        hits = (jnp.argmax(self.logits(theta, x), axis=1) == y).astype(jnp.float32)
        return jnp.sum(hits * mask) / jnp.maximum(jnp.sum(mask), 1.0)

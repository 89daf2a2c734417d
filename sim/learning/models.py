"""JAX models with flat parameter vectors.

Parameters are one flat float32 vector per model so that builders' models stack into an (n, d)
array: training vmaps over its rows and aggregation rules work on it directly.
"""

from __future__ import annotations

from dataclasses import dataclass

import jax
import jax.numpy as jnp


class Classifier:
    """Cross-entropy loss and accuracy for any model with ``logits(theta, x)``."""

    def loss(self, theta: jax.Array, x: jax.Array, y: jax.Array, mask: jax.Array) -> jax.Array:
        """Mean cross-entropy over the rows where ``mask`` is 1 (padding rows count for nothing)."""
        logp = jax.nn.log_softmax(self.logits(theta, x))
        nll = -jnp.take_along_axis(logp, y[:, None], axis=1)[:, 0]
        return jnp.sum(nll * mask) / jnp.maximum(jnp.sum(mask), 1.0)

    def accuracy(self, theta: jax.Array, x: jax.Array, y: jax.Array, mask: jax.Array) -> jax.Array:
        """Share of unmasked rows classified correctly (0 when no row is unmasked)."""
        hits = (jnp.argmax(self.logits(theta, x), axis=1) == y).astype(jnp.float32)
        return jnp.sum(hits * mask) / jnp.maximum(jnp.sum(mask), 1.0)


@dataclass(frozen=True)
class LogisticRegression(Classifier):
    """Multinomial logistic regression: ``softmax(x W + b)``, trained with cross-entropy.

    The flat vector holds W (n_features × n_classes, row-major) followed by b (n_classes).
    """

    n_features: int
    n_classes: int

    @property
    def n_params(self) -> int:
        return self.n_features * self.n_classes + self.n_classes

    def init(self, key: jax.Array | None = None) -> jax.Array:
        """Zero weights: the convex problem needs no random start, and zeros keep runs comparable."""
        return jnp.zeros(self.n_params, dtype=jnp.float32)

    def logits(self, theta: jax.Array, x: jax.Array) -> jax.Array:
        split = self.n_features * self.n_classes
        w = theta[:split].reshape(self.n_features, self.n_classes)
        return x @ w + theta[split:]


@dataclass(frozen=True)
class MLP(Classifier):
    """One hidden layer of ``hidden`` ReLU units: ``softmax(relu(x W₁ + b₁) W₂ + b₂)``.

    The flat vector holds W₁ (n_features × hidden), b₁, W₂ (hidden × n_classes), b₂.  Weights
    start from Glorot-uniform draws (Glorot & Bengio, AISTATS 2010), biases at zero.
    """

    n_features: int
    n_classes: int
    hidden: int = 32

    @property
    def n_params(self) -> int:
        f, h, c = self.n_features, self.hidden, self.n_classes
        return f * h + h + h * c + c

    def _split(self, theta):
        f, h, c = self.n_features, self.hidden, self.n_classes
        w1, rest = theta[: f * h].reshape(f, h), theta[f * h :]
        b1, rest = rest[:h], rest[h:]
        w2, b2 = rest[: h * c].reshape(h, c), rest[h * c :]
        return w1, b1, w2, b2

    def init(self, key: jax.Array | None = None) -> jax.Array:
        key = jax.random.PRNGKey(0) if key is None else key
        k1, k2 = jax.random.split(key)
        f, h, c = self.n_features, self.hidden, self.n_classes
        w1 = jax.random.uniform(k1, (f * h,), minval=-1, maxval=1) * jnp.sqrt(6 / (f + h))
        w2 = jax.random.uniform(k2, (h * c,), minval=-1, maxval=1) * jnp.sqrt(6 / (h + c))
        return jnp.concatenate([w1, jnp.zeros(h), w2, jnp.zeros(c)]).astype(jnp.float32)

    def logits(self, theta: jax.Array, x: jax.Array) -> jax.Array:
        w1, b1, w2, b2 = self._split(theta)
        return jax.nn.relu(x @ w1 + b1) @ w2 + b2


MODELS = {"logreg": LogisticRegression, "mlp": MLP}


def make_model(name: str, n_features: int, n_classes: int, hidden: int = 32):
    """The model called ``name`` (``logreg`` or ``mlp``) for a data set's shape."""
    if name == "logreg":
        return LogisticRegression(n_features, n_classes)
    if name == "mlp":
        return MLP(n_features, n_classes, hidden)
    raise ValueError(f"model must be one of: {', '.join(MODELS)}; got {name!r}")

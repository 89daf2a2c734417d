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

    def correct(self, theta: jax.Array, x: jax.Array, y: jax.Array, mask: jax.Array) -> jax.Array:
        """Number of unmasked rows classified correctly (exact in float32 below 2²⁴ rows)."""
        hits = (jnp.argmax(self.logits(theta, x), axis=1) == y).astype(jnp.float32)
        return jnp.sum(hits * mask)

    def accuracy(self, theta: jax.Array, x: jax.Array, y: jax.Array, mask: jax.Array) -> jax.Array:
        """Share of unmasked rows classified correctly (0 when no row is unmasked)."""
        return self.correct(theta, x, y, mask) / jnp.maximum(jnp.sum(mask), 1.0)


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
    """``layers`` hidden layers of ``hidden`` ReLU units:
    ``softmax(relu(… relu(x W₁ + b₁) …) W_out + b_out)``.

    The flat vector holds W₁ (n_features × hidden), b₁, then each further hidden layer's W, b,
    then W_out (hidden × n_classes), b_out.  Weights start from Glorot-uniform draws (Glorot &
    Bengio, AISTATS 2010), biases at zero.  MNIST-1D's reference MLP has two layers of 100.
    """

    n_features: int
    n_classes: int
    hidden: int = 32
    layers: int = 1

    def _shapes(self) -> list[tuple[int, int]]:
        sizes = [self.n_features] + [self.hidden] * self.layers + [self.n_classes]
        return list(zip(sizes[:-1], sizes[1:], strict=True))

    @property
    def n_params(self) -> int:
        return sum(i * o + o for i, o in self._shapes())

    def _split(self, theta):
        parts, at = [], 0
        for i, o in self._shapes():
            parts.append((theta[at : at + i * o].reshape(i, o), theta[at + i * o : at + i * o + o]))
            at += i * o + o
        return parts

    def init(self, key: jax.Array | None = None) -> jax.Array:
        key = jax.random.PRNGKey(0) if key is None else key
        pieces = []
        for k, (i, o) in zip(
            jax.random.split(key, len(self._shapes())), self._shapes(), strict=True
        ):
            w = jax.random.uniform(k, (i * o,), minval=-1, maxval=1) * jnp.sqrt(6 / (i + o))
            pieces += [w, jnp.zeros(o)]
        return jnp.concatenate(pieces).astype(jnp.float32)

    def logits(self, theta: jax.Array, x: jax.Array) -> jax.Array:
        *hidden, (w_out, b_out) = self._split(theta)
        for w, b in hidden:
            x = jax.nn.relu(x @ w + b)
        return x @ w_out + b_out


@dataclass(frozen=True)
class CNN1D(Classifier):
    """A small 1-D convolutional network for sequence-shaped features (MNIST-1D): three
    convolutions of ``channels`` filters (widths 5, 3, 3; stride 2, padding 1; ReLU) and a
    linear read-out, the architecture of MNIST-1D's reference CNN.  Each weight and bias
    starts uniform in ±1/√fan-in.

    Source: Greydanus & Kobak, "Scaling Down Deep Learning with MNIST-1D", ICML 2024
    (arXiv:2011.14439), github.com/greydanus/mnist1d (``ConvBase``).
    """

    n_features: int
    n_classes: int
    channels: int = 25

    def _layers(self):
        """(out, in, width) of each convolution and the sequence length after it."""
        c, length, layers = self.channels, self.n_features, []
        for width, inputs in ((5, 1), (3, c), (3, c)):
            length = (length + 2 - width) // 2 + 1
            layers.append((c, inputs, width, length))
        return layers

    @property
    def n_params(self) -> int:
        convs = sum(o * i * w + o for o, i, w, _ in self._layers())
        flat = self.channels * self._layers()[-1][3]
        return convs + flat * self.n_classes + self.n_classes

    def _split(self, theta):
        parts, at = [], 0
        for o, i, w, _ in self._layers():
            parts.append(
                (
                    theta[at : at + o * i * w].reshape(o, i, w),
                    theta[at + o * i * w : at + o * i * w + o],
                )
            )
            at += o * i * w + o
        flat = self.channels * self._layers()[-1][3]
        dense = theta[at : at + flat * self.n_classes].reshape(flat, self.n_classes)
        return parts, dense, theta[at + flat * self.n_classes :]

    def init(self, key: jax.Array | None = None) -> jax.Array:
        key = jax.random.PRNGKey(0) if key is None else key
        pieces = []
        fans = [(o * i * w + o, i * w) for o, i, w, _ in self._layers()]
        flat = self.channels * self._layers()[-1][3]
        fans.append((flat * self.n_classes + self.n_classes, flat))
        for k, (size, fan_in) in zip(jax.random.split(key, len(fans)), fans, strict=True):
            bound = 1.0 / jnp.sqrt(fan_in)
            pieces.append(jax.random.uniform(k, (size,), minval=-bound, maxval=bound))
        return jnp.concatenate(pieces).astype(jnp.float32)

    def logits(self, theta: jax.Array, x: jax.Array) -> jax.Array:
        convs, dense, bias = self._split(theta)
        h = x[:, None, :]  # (n, 1 channel, length)
        for w, b in convs:
            h = jax.lax.conv_general_dilated(
                h, w, (2,), [(1, 1)], dimension_numbers=("NCH", "OIH", "NCH")
            )
            h = jax.nn.relu(h + b[None, :, None])
        return h.reshape(h.shape[0], -1) @ dense + bias


MODELS = {"logreg": LogisticRegression, "mlp": MLP, "cnn1d": CNN1D}


def make_model(name: str, n_features: int, n_classes: int, hidden: int = 32, layers: int = 1):
    """The model called ``name`` (``logreg``, ``mlp`` or ``cnn1d``) for a data set's shape;
    ``hidden`` and ``layers`` shape the MLP (the CNN keeps its reference 25 channels)."""
    if name == "logreg":
        return LogisticRegression(n_features, n_classes)
    if name == "mlp":
        return MLP(n_features, n_classes, hidden, layers)
    if name == "cnn1d":
        return CNN1D(n_features, n_classes)
    raise ValueError(f"model must be one of: {', '.join(MODELS)}; got {name!r}")

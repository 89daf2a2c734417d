"""Federated learning on digits under model-poisoning attacks, per aggregation rule.

Each round, every builder trains ``local_steps`` of SGD from the network model on its
Dirichlet(α) shard (one vmapped call); a fraction of builders replace their model by an attack
(agents.adversary); the aggregation rule merges all updates.  This isolates the aggregation rule:
there is no consensus filter in front of it.

    python -m experiments.robust_learning [--attack sign_flipper] [--fraction 0.2] [--rounds 20]

Prints final test accuracy per rule, clean and attacked, and writes robust_learning.json to --out.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import jax.numpy as jnp
import numpy as np
import optax

from agents.adversary import LabelFlipper, LittleIsEnough, NoiseInjector, SignFlipper
from mechanisms.aggregation.fedavg import FedAvg
from mechanisms.aggregation.robust import CoordinateMedian, Krum, NormClipping, TrimmedMean
from sim.learning.data import load_digits_splits
from sim.learning.engine import pad_rows
from sim.learning.models import LogisticRegression
from sim.learning.partition import dirichlet_partition
from sim.learning.training import LocalTrainer

ATTACKS = ("sign_flipper", "noise_injector", "little_is_enough", "label_flipper")


def rules(n_builders: int, fraction: float) -> dict:
    f = int(round(fraction * n_builders))
    return {
        "fedavg": FedAvg(),
        "median": CoordinateMedian(),
        "trimmed_mean": TrimmedMean(beta=max(fraction, 0.1)),
        "krum": Krum(f=max(f, 1)),
        "multi_krum": Krum(f=max(f, 1), multi=n_builders - max(f, 1)),
        "norm_clipping": NormClipping(max_norm=2.0),
    }


def federated_accuracy(
    rule,
    attack: str | None = None,
    fraction: float = 0.0,
    n_builders: int = 20,
    rounds: int = 20,
    local_steps: int = 10,
    alpha: float = 1.0,
    seed: int = 0,
    scale: float = 4.0,
    noise_std: float = 1.0,
    z: float = 1.0,
) -> list[float]:
    """Test accuracy of the network model after each round."""
    rng = np.random.default_rng(seed)
    splits = load_digits_splits(rng, 0.2, 0.0)
    table = pad_rows(dirichlet_partition(splits.y_train, n_builders, alpha, rng))
    mask = table >= 0
    safe = np.where(mask, table, 0)
    x = jnp.asarray(splits.x_train[safe] * mask[..., None])
    labels = splits.y_train[safe]
    attackers = np.zeros(n_builders, dtype=bool)
    attackers[rng.permutation(n_builders)[: int(round(fraction * n_builders))]] = True
    if attack == "label_flipper":
        labels = np.where(attackers[:, None], LabelFlipper.flip(labels, splits.n_classes), labels)
    y = jnp.asarray(labels)
    weights = mask.sum(axis=1).astype(np.float64)
    model = LogisticRegression(splits.n_features, splits.n_classes)
    trainer = LocalTrainer(model, optax.sgd(0.5), local_steps)
    theta = np.asarray(model.init())
    steps = jnp.full(n_builders, local_steps)
    test = (jnp.asarray(splits.x_test), jnp.asarray(splits.y_test), jnp.ones(len(splits.y_test)))
    history = []
    for _ in range(rounds):
        trained = np.array(
            trainer.train_all(jnp.asarray(theta), x, y, jnp.asarray(mask, jnp.float32), steps)
        )
        k = int(attackers.sum())
        if attack == "sign_flipper" and k:
            trained[attackers] = SignFlipper.poison(theta, trained[attackers], scale)
        elif attack == "noise_injector" and k:
            trained[attackers] = NoiseInjector.poison(theta, rng, k, noise_std)
        elif attack == "little_is_enough" and k:
            honest = trained[~attackers] - theta
            trained[attackers] = LittleIsEnough.poison(theta, honest, z, k)
        theta = theta + rule(trained - theta, weights)
        history.append(float(model.accuracy(jnp.asarray(theta, jnp.float32), *test)))
    return history


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attack", choices=ATTACKS, default="sign_flipper")
    parser.add_argument("--fraction", type=float, default=0.2)
    parser.add_argument("--builders", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("outputs/experiments"))
    args = parser.parse_args()
    print(
        f"digits, {args.builders} builders, {args.rounds} rounds, attack {args.attack} "
        f"by {args.fraction:.0%}; final test accuracy, mean of {args.seeds} seeds"
    )
    print(f"{'rule':<15} {'clean':>7} {'attacked':>9}")
    results = {}
    for name, rule in rules(args.builders, args.fraction).items():
        clean = np.mean(
            [
                federated_accuracy(rule, None, 0.0, args.builders, args.rounds, seed=s)[-1]
                for s in range(args.seeds)
            ]
        )
        hit = np.mean(
            [
                federated_accuracy(
                    rule, args.attack, args.fraction, args.builders, args.rounds, seed=s
                )[-1]
                for s in range(args.seeds)
            ]
        )
        results[name] = {"clean": float(clean), "attacked": float(hit)}
        print(f"{name:<15} {clean:>7.3f} {hit:>9.3f}")
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"robust_learning-{args.attack}.json"
    path.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()

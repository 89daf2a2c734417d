"""Vectorised local training vs a Python loop over builders doing the same math.

For each workload (records per builder × local steps) and population size, every builder runs
full-batch SGD steps of multinomial logistic regression on records of its own Dirichlet(0.5)
shard of digits.  The
vectorised engine is one jitted ``vmap`` over builders (sim.learning.training.LocalTrainer
.train_all); the loop calls the same jitted single-builder function (``train_one``) once per
builder.  Both are compiled before timing; the table reports the median of ``--repeats`` runs.

    python benchmarks/training.py                 # 100 and 1,000 builders
    python benchmarks/training.py --builders 100 1000 10000

Results are printed and written to benchmarks/results/training-<machine>.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from functools import partial
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import optax

from sim.learning.data import load_digits_splits
from sim.learning.engine import pad_rows
from sim.learning.models import LogisticRegression
from sim.learning.partition import dirichlet_partition
from sim.learning.training import LocalTrainer

RESULTS = Path(__file__).resolve().parent / "results"


def machine_name() -> str:
    device = jax.devices()[0]
    kind = device.device_kind if device.platform != "cpu" else _cpu_model()
    return f"{device.platform}-{kind}-{_cores()}cores".replace(" ", "_")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _cores() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def batches(n_builders: int, rows: int, rng: np.random.Generator):
    """Each builder gets ``rows`` records drawn from one Dirichlet shard of digits (with repeats
    when the shard is smaller), so that any population size can be built from the 1,797 images."""
    splits = load_digits_splits(rng, 0.2, 0.0)
    shards = dirichlet_partition(splits.y_train, min(n_builders, 200), 0.5, rng)
    picks = [rng.choice(shards[b % len(shards)], size=rows) for b in range(n_builders)]
    table = pad_rows(picks, rows)
    return (
        splits,
        jnp.asarray(splits.x_train[table]),
        jnp.asarray(splits.y_train[table]),
        jnp.ones(table.shape, jnp.float32),
    )


def loop_over_builders(trainer, theta, x, y, mask, n_steps):
    """The same math one builder at a time: what a per-agent ``step`` would do."""
    return [trainer.train_one(theta, x[b], y[b], mask[b], n_steps[b]) for b in range(len(n_steps))]


def time_call(fn, repeats: int) -> float:
    jax.block_until_ready(fn())  # compile and warm up
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        jax.block_until_ready(fn())
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def run(builder_counts, steps: int, rows: int, repeats: int, loop_limit: int) -> list[dict]:
    rng = np.random.default_rng(0)
    rows_out = []
    for n in builder_counts:
        splits, x, y, mask = batches(n, rows, rng)
        model = LogisticRegression(splits.n_features, splits.n_classes)
        trainer = LocalTrainer(model, optax.sgd(0.5), steps)
        theta = model.init()
        n_steps = jnp.full(n, steps)
        vectorised = time_call(partial(trainer.train_all, theta, x, y, mask, n_steps), repeats)
        looped = float("nan")
        if n <= loop_limit:
            looped = time_call(
                partial(loop_over_builders, trainer, theta, x, y, mask, n_steps),
                max(1, repeats // 2),
            )
        rows_out.append(
            {
                "builders": n,
                "local_steps": steps,
                "rows_per_builder": rows,
                "vectorised_s": vectorised,
                "python_loop_s": looped,
                "speedup": looped / vectorised,
            }
        )
        print(
            f"{rows:>5}×{steps:<3} {n:>8,} {vectorised * 1e3:>12.2f} {looped * 1e3:>12.2f} "
            f"{looped / vectorised:>8.1f}x",
            flush=True,
        )
    return rows_out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--builders", type=int, nargs="+", default=[100, 1000])
    parser.add_argument(
        "--workloads",
        nargs="+",
        default=["32x5", "128x10"],
        help="records per builder x local steps, e.g. 128x10",
    )
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--loop-limit", type=int, default=2000, help="skip the slow loop above this many builders"
    )
    args = parser.parse_args()
    name = machine_name()
    print(f"machine: {name}; jax {jax.__version__}; logistic regression 64→10 on digits")
    print(f"{'rows×steps':>9} {'builders':>8} {'vmapped ms':>12} {'loop ms':>12} {'ratio':>9}")
    results = []
    for workload in args.workloads:
        rows, steps = (int(v) for v in workload.lower().split("x"))
        results += run(args.builders, steps, rows, args.repeats, args.loop_limit)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"training-{name}.json"
    out.write_text(
        json.dumps({"machine": name, "jax": jax.__version__, "rows": results}, indent=2) + "\n"
    )
    print(f"wrote {out}")


if __name__ == "__main__":
    main()

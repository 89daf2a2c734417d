"""Vectorised local training vs a Python loop over builders doing the same math.

For each model (logistic regression, MLP) and population size (100, 1,000, 10,000 builders),
every builder runs ``--steps`` full-batch SGD steps on ``--rows`` records of its own Dirichlet(0.5)
shard of digits.  The vectorised engine is one jitted ``vmap`` over builders
(sim.learning.training.LocalTrainer.train_all); the loop calls the same jitted single-builder
function (``train_one``) once per builder.  Both are compiled before timing; times are medians.
Each configuration runs in a fresh process so that its peak resident memory is its own.

    python benchmarks/learning.py                               # the full table
    python benchmarks/learning.py --builders 100 1000 --models logreg

Results are printed and written to $BENCH_RESULTS/learning-<machine>.json
(benchmarks/local/ by default; benchmarks/results/ with `make bench-record`).
"""

from __future__ import annotations

import argparse
import json
import os
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
from sim.learning.models import make_model
from sim.learning.partition import dirichlet_partition
from sim.learning.training import LocalTrainer

# `make bench` writes here (untracked); `make bench-record` sets BENCH_RESULTS to results/, the
# measurements kept in the repository.
RESULTS = Path(os.environ.get("BENCH_RESULTS", Path(__file__).resolve().parent / "local"))


def save_results(filename: str, result: dict) -> Path:
    """Write one benchmark's result as JSON to $BENCH_RESULTS/filename and say where."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / filename
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out}")
    return out


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


def measure(model_name: str, n: int, steps: int, rows: int, repeats: int, loop_limit: int) -> dict:
    """One configuration, timed in this process."""
    import resource

    splits, x, y, mask = batches(n, rows, np.random.default_rng(0))
    model = make_model(model_name, splits.n_features, splits.n_classes)
    trainer = LocalTrainer(model, optax.sgd(0.5), steps)
    theta = model.init(jax.random.PRNGKey(0))
    n_steps = jnp.full(n, steps)
    vectorised = time_call(partial(trainer.train_all, theta, x, y, mask, n_steps), repeats)
    looped = float("nan")
    if n <= loop_limit:
        looped = time_call(
            partial(loop_over_builders, trainer, theta, x, y, mask, n_steps), max(1, repeats // 3)
        )
    return {
        "model": model_name,
        "parameters": model.n_params,
        "builders": n,
        "local_steps": steps,
        "rows_per_builder": rows,
        "vectorised_s": vectorised,
        "python_loop_s": looped,
        "speedup": looped / vectorised,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def run_isolated(model_name: str, n: int, args) -> dict:
    """Run one configuration in a fresh interpreter and read back its JSON line."""
    import subprocess
    import sys

    command = [
        sys.executable,
        __file__,
        "--one",
        model_name,
        str(n),
        "--steps",
        str(args.steps),
        "--rows",
        str(args.rows),
        "--repeats",
        str(args.repeats),
        "--loop-limit",
        str(args.loop_limit),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--builders", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--models", nargs="+", default=["logreg", "mlp"])
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--rows", type=int, default=32, help="records per builder")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--loop-limit", type=int, default=10000, help="skip the slow loop above this many builders"
    )
    parser.add_argument("--one", nargs=2, metavar=("MODEL", "BUILDERS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        row = measure(
            args.one[0], int(args.one[1]), args.steps, args.rows, args.repeats, args.loop_limit
        )
        print(json.dumps(row))
        return
    name = machine_name()
    print(
        f"machine: {name}; jax {jax.__version__}; digits, {args.rows} records × "
        f"{args.steps} local SGD steps per builder"
    )
    print(
        f"{'model':<7} {'builders':>8} {'vmapped ms':>11} {'loop ms':>10} {'ratio':>7} "
        f"{'µs/builder':>10} {'peak MB':>8}"
    )
    results = []
    for model_name in args.models:
        for n in args.builders:
            row = run_isolated(model_name, n, args)
            results.append(row)
            print(
                f"{model_name:<7} {n:>8,} {row['vectorised_s'] * 1e3:>11.1f} "
                f"{row['python_loop_s'] * 1e3:>10.1f} {row['speedup']:>6.1f}x "
                f"{row['vectorised_s'] / n * 1e6:>10.1f} {row['peak_rss_mb']:>8.0f}",
                flush=True,
            )
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"learning-{name}.json"
    out.write_text(
        json.dumps({"machine": name, "jax": jax.__version__, "rows": results}, indent=2) + "\n"
    )
    print(f"wrote {out}")


if __name__ == "__main__":
    main()

"""Large economies, measured side by side in one run: the 10⁵-participant economy before and
after minibatches and sampled validation, and how an epoch's cost grows with builders and with
validators.

    python benchmarks/large.py [--epochs 3] [--repeats 2]

Every arm is one decentralized economy stepped in a fresh process (benchmarks/gpu.py's
``economy``: learning on MNIST-1D, the default MLP, no baseline); the first epoch, which
compiles the JAX functions, is timed apart from the steady epochs after it.

- ``before``: main before the work on scale began (``COMMITS``), checked out into a temporary
  git worktree, 10⁴ builders, 256 validators, 2,000 data providers, 87,730 consumers,
  MNIST-1D's 200,000 samples (generated once into an .npz that every 10⁵ arm reads): every
  builder trains on all its records, every validator scores every submission at once.  An arm
  that fails (out of memory) is recorded with its error.
- ``chunked``: main once evaluation and training ran in bounded memory, still full batch and
  full evaluation.
- ``now``: this checkout, the same economy with ``learning.batch_size=32`` and
  ``validation.sample_size=256`` (the ``scale=n100k`` preset), ``--repeats`` times: equal
  metric digests show that the same seed gives the same numbers.
- ``now, full``: this checkout without the two options (what chunking alone buys).
- builders 10³ → 10⁴ with 256 validators, and validators 16 → 256 with 10⁴ builders, on the
  same data.

Prints a table and writes $BENCH_RESULTS/large-<machine>.json (benchmarks/local/ by default).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

# main before the work on scale began (no MNIST-1D yet: read from an .npz), and main with
# bounded-memory evaluation and training but neither minibatches nor sampled validation.
COMMITS = {"before": "bd52a14", "chunked": "72dc1ef"}
MLP = ["learning.model=mlp"]
SCALED = [*MLP, "learning.batch_size=32", "validation.sample_size=256"]


# (label, tree, builders, validators, data providers, consumers, samples, settings)
def arms(repeats: int, data: str) -> list[tuple]:
    large = (10_000, 256, 2_000, 87_730, data)
    rows = [("before", "before", *large, MLP), ("chunked", "chunked", *large, MLP)]
    rows += [("now", "now", *large, SCALED)] * repeats
    rows += [("now, full", "now", *large, MLP)]
    rows += [("B=10³, V=256", "now", 1_000, 256, 200, 8_530, data, SCALED)]
    rows += [("B=10⁴, V=16", "now", 10_000, 16, 2_000, 87_970, data, SCALED)]
    return rows


def write_mnist1d(path: str, samples: int) -> None:
    """MNIST-1D (seed 0) as an .npz with arrays X and y, which every tree can read."""
    import numpy as np

    from sim.learning.data import mnist1d

    x, y, _ = mnist1d(np.random.default_rng(0), samples)
    np.savez(path, X=x, y=y)


def run_arm(tree: Path, size: tuple, settings: list[str], epochs: int) -> dict:
    """benchmarks/gpu.py's ``economy`` in a fresh process with ``tree``'s packages first; a
    failure gives {"error": its last line}."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    code = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); import gpu; "
        "print(json.dumps(gpu.economy(*json.loads(sys.argv[2]), settings=json.loads(sys.argv[3]))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(HERE), json.dumps([*size, epochs]), json.dumps(settings)],
        capture_output=True, text=True, env=env, cwd=tree,
    )  # fmt: skip
    if done.returncode:
        lines = done.stderr.strip().splitlines() or [f"exit status {done.returncode}"]
        return {"error": lines[-1][:300], "builders": size[0], "validators": size[1]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    from learning import machine_name, save_results

    name = machine_name()
    print(f"machine: {name}; {args.epochs} epochs per arm, each in a fresh process; "
          f"{', '.join(f'{k} = {v}' for k, v in COMMITS.items())}")  # fmt: skip
    print(f"{'arm':>14} {'builders':>8} {'valid.':>6} {'1st s':>7} {'s/epoch':>8} "
          f"{'peak MB':>8} {'accuracy':>8} {'digest':>16}")  # fmt: skip
    rows = []
    with tempfile.TemporaryDirectory(prefix="deai-sim-large-") as folder:
        data = str(Path(folder) / "mnist1d-200000.npz")
        write_mnist1d(data, 200_000)
        trees = {"now": ROOT}
        try:
            for key, commit in COMMITS.items():
                trees[key] = Path(folder) / key
                subprocess.run(["git", "worktree", "add", "--detach", str(trees[key]), commit],
                               cwd=ROOT, check=True, capture_output=True)  # fmt: skip
            for label, tree, *size, settings in arms(args.repeats, data):
                row = run_arm(trees[tree], tuple(size), settings, args.epochs)
                row |= {"arm": label, "tree": COMMITS.get(tree, "this checkout"),
                        "settings": settings}  # fmt: skip
                rows.append(row)
                print_row(row)
        finally:
            for key in COMMITS:
                subprocess.run(["git", "worktree", "remove", "--force", str(Path(folder) / key)],
                               cwd=ROOT, check=False, capture_output=True)  # fmt: skip
    summary = ratios(rows)
    for key, value in summary.items():
        print(f"{key}: {value:.2f}" if isinstance(value, float) else f"{key}: {value}")
    save_results(f"large-{name}.json", {"machine": name, "commits": COMMITS,
                                        "epochs": args.epochs, "rows": rows, **summary})  # fmt: skip


def print_row(row: dict) -> None:
    if "error" in row:
        print(f"{row['arm']:>14} {row['builders']:>8,} {row['validators']:>6}   failed: "
              f"{row['error'][:90]}", flush=True)  # fmt: skip
        return
    print(
        f"{row['arm']:>14} {row['builders']:>8,} {row['validators']:>6} "
        f"{row['first_epoch_seconds']:>7.1f} {row['seconds_per_epoch']:>8.2f} "
        f"{row['peak_rss_mb']:>8.0f} {row['final_test_accuracy']:>8.3f} "
        f"{row.get('metrics_digest', '-'):>16}",
        flush=True,
    )


def ratios(rows: list[dict]) -> dict:
    """Steady seconds per epoch and peak memory of the arms against each other."""
    by = {}
    for row in rows:
        by.setdefault(row["arm"], row)

    def ratio(slow, fast, key="seconds_per_epoch"):
        if "error" in by[slow] or "error" in by[fast]:
            return None
        return by[slow][key] / by[fast][key]

    return {
        "speed_up_vs_before": ratio("before", "now"),
        "speed_up_vs_chunked": ratio("chunked", "now"),
        "memory_ratio_vs_chunked": ratio("chunked", "now", "peak_rss_mb"),
        "cost_of_10x_builders": ratio("now", "B=10³, V=256"),
        "cost_of_16x_validators": ratio("now", "B=10⁴, V=16"),
        "same_numbers": len({r.get("metrics_digest") for r in rows if r["arm"] == "now"}) == 1,
    }


if __name__ == "__main__":
    main()

"""Whole-model throughput: epochs per second and peak memory as the population grows.

Each size runs the decentralized scenario alone (learning on) in a fresh process for ``--epochs``
epochs; participants grow mostly through consumers, with builders and data providers scaled
along (10 % and 20 % of the participants, at most 1,000 and 100).  Target (issue): 10⁴
participants × 100 epochs in under 10 minutes and 4 GB on 2 cores; cost per epoch at most linear.

    python benchmarks/model.py [--sizes 100 1000 10000 100000] [--epochs 100]

Prints a table and writes $BENCH_RESULTS/model-<machine>.json
(benchmarks/local/ by default; benchmarks/results/ with `make bench-record`).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

# `make bench` writes here (untracked); `make bench-record` sets BENCH_RESULTS to results/, the
# measurements kept in the repository.
RESULTS = Path(os.environ.get("BENCH_RESULTS", Path(__file__).resolve().parent / "local"))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def population(size: int) -> list[str]:
    builders = max(4, min(1000, size // 10))
    data = max(8, min(100, size // 5))  # digits has 1,168 training records to share
    consumers = max(10, size - builders - data - 30)
    return [
        f"population.builders={builders}",
        f"population.data_providers={data}",
        f"population.consumers={consumers}",
        "population.validators=16",
        "population.compute_providers=14",
    ]


def one(size: int, epochs: int) -> dict:
    from sim import compose
    from sim.config import register_schema
    from sim.run import run_scenarios

    register_schema()
    configs = compose(
        [
            *population(size),
            "baseline=null",
            f"epochs={epochs}",
            "output.figures=false",
            "output.progress=false",
        ]
    )
    out = Path("/tmp") / f"deai-sim-bench-{size}"
    start = time.perf_counter()
    summary = run_scenarios(configs, out, progress=False)
    wall = time.perf_counter() - start
    return {
        "participants": size,
        "epochs": epochs,
        "wall_s": wall,
        "simulation_s": summary["seconds"]["decentralized"],
        "epochs_per_s": epochs / summary["seconds"]["decentralized"],
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000, 100000])
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.epochs)))
        return
    from learning import machine_name

    name = machine_name()
    print(f"machine: {name}; decentralized scenario, learning on, {args.epochs} epochs")
    print(
        f"{'participants':>12} {'total s':>8} {'epochs/s':>9} {'ms/epoch':>9} {'µs/epoch/part.':>15} {'peak MB':>8}"
    )
    rows = []
    for size in args.sizes:
        done = subprocess.run(
            [sys.executable, __file__, "--one", str(size), "--epochs", str(args.epochs)],
            capture_output=True,
            text=True,
            check=True,
        )
        row = json.loads(done.stdout.strip().splitlines()[-1])
        rows.append(row)
        per_epoch = row["simulation_s"] / row["epochs"]
        print(
            f"{size:>12,} {row['wall_s']:>8.1f} {row['epochs_per_s']:>9.2f} {per_epoch * 1e3:>9.1f} "
            f"{per_epoch / size * 1e6:>15.2f} {row['peak_rss_mb']:>8.0f}",
            flush=True,
        )
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"model-{name}.json"
    out.write_text(json.dumps({"machine": name, "rows": rows}, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()

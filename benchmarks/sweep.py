"""A 24-job sweep through Hydra's basic launcher (one job after another), through joblib (one job
per core) with and without one compute thread per job, and through submitit_local (capped at one
job per core), timed side by side in one run.

    python benchmarks/sweep.py [--jobs 24] [--epochs 10]

Prints the wall times and speed-ups over the basic launcher; writes
benchmarks/results/sweep-<machine>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
sys.path.insert(0, str(Path(__file__).resolve().parent))


# Every job single-threaded: XLA's CPU backend and BLAS otherwise start a thread per core in
# each job, and n_jobs jobs then contend for the same cores.
ONE_THREAD = {
    "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}


def timed_sweep(launcher: list[str], jobs: int, epochs: int, env: dict | None = None) -> float:
    with tempfile.TemporaryDirectory() as folder:
        command = [
            sys.executable,
            "-m",
            "sim",
            "-m",
            *launcher,
            f"seed=range(0,{jobs})",
            f"epochs={epochs}",
            "baseline=null",
            "output.figures=false",
            "output.progress=false",
            f"hydra.sweep.dir={folder}/sweep",
        ]
        start = time.perf_counter()
        subprocess.run(
            command, cwd=folder, check=True, capture_output=True, env={**os.environ, **(env or {})}
        )
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=24)
    parser.add_argument("--epochs", type=int, default=10)
    args = parser.parse_args()
    from learning import machine_name

    cores = len(os.sched_getaffinity(0))
    joblib = ["hydra/launcher=joblib", f"hydra.launcher.n_jobs={cores}"]
    arms = {
        "basic": ([], None),
        f"joblib n_jobs={cores}": (joblib, None),
        f"joblib n_jobs={cores}, one thread per job": (joblib, ONE_THREAD),
        f"submitit_local ({cores} at once)": (
            ["hydra/launcher=submitit_local", "hydra.launcher.timeout_min=60"],
            None,
        ),
    }
    name = machine_name()
    print(f"machine: {name}; {args.jobs} jobs × {args.epochs} epochs (decentralized scenario)")
    seconds = {}
    for arm, (launcher, env) in arms.items():
        seconds[arm] = timed_sweep(launcher, args.jobs, args.epochs, env)
        print(f"{arm:40s} {seconds[arm]:8.1f} s  {seconds['basic'] / seconds[arm]:5.2f}×")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"sweep-{name}.json"
    out.write_text(
        json.dumps(
            {
                "machine": name,
                "jobs": args.jobs,
                "epochs": args.epochs,
                "cores": cores,
                "seconds": seconds,
                "speedup_over_basic": {arm: seconds["basic"] / s for arm, s in seconds.items()},
            },
            indent=2,
        )
        + "\n"
    )
    print(f"wrote {out}")


if __name__ == "__main__":
    main()

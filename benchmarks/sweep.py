"""A 24-job sweep through Hydra's basic launcher (one job after another) and through joblib (one
job per core), timed side by side.

    python benchmarks/sweep.py [--jobs 24] [--epochs 10]

Prints both wall times and the speed-up; writes benchmarks/results/sweep-<machine>.json.
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


def timed_sweep(launcher: list[str], jobs: int, epochs: int) -> float:
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
        subprocess.run(command, cwd=folder, check=True, capture_output=True)
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=24)
    parser.add_argument("--epochs", type=int, default=10)
    args = parser.parse_args()
    from learning import machine_name

    cores = len(os.sched_getaffinity(0))
    basic = timed_sweep([], args.jobs, args.epochs)
    joblib = timed_sweep(
        ["hydra/launcher=joblib", f"hydra.launcher.n_jobs={cores}"], args.jobs, args.epochs
    )
    name = machine_name()
    print(f"machine: {name}; {args.jobs} jobs × {args.epochs} epochs (decentralized scenario)")
    print(f"basic launcher  {basic:8.1f} s")
    print(f"joblib ({cores} jobs) {joblib:8.1f} s")
    print(f"speed-up        {basic / joblib:8.2f}×")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"sweep-{name}.json"
    out.write_text(
        json.dumps(
            {
                "machine": name,
                "jobs": args.jobs,
                "epochs": args.epochs,
                "basic_s": basic,
                "joblib_s": joblib,
                "cores": cores,
                "speedup": basic / joblib,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"wrote {out}")


if __name__ == "__main__":
    main()

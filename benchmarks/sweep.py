"""A 24-job sweep through Hydra's basic launcher (one job after another) and joblib (one job per
core), each with deai-sim's default threads (basic: the libraries' own pools; joblib: the cores
shared out, one thread per job here) and with the other choice, and through submitit_local (one
job per core at once), timed side by side in one run, beside the machine's parallel ceiling.

    python benchmarks/sweep.py [--jobs 24] [--epochs 10] [--repeats 1]

Runs every arm once per round (rounds interleave the arms, so that drift in the machine's speed
touches all of them alike) and keeps each arm's fastest round; prints the wall times and
speed-ups over the basic launcher; writes $BENCH_RESULTS/sweep-<machine>-<jobs>x<epochs>.json
(benchmarks/local/ by default; benchmarks/results/ with `make bench-record`)
with every round's times.
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

# `make bench` writes here (untracked); `make bench-record` sets BENCH_RESULTS to results/, the
# measurements kept in the repository.
RESULTS = Path(os.environ.get("BENCH_RESULTS", Path(__file__).resolve().parent / "local"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sim.launchers import THREAD_VARIABLES, cap_threads  # noqa: E402


def own_threads(cores: int) -> dict:
    """The environment that opts out of deai-sim's thread caps for sweeps: XLA's thread pool and
    BLAS/OpenMP with one thread per core, in every job."""
    return {
        "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=true",
        **{name: str(cores) for name in THREAD_VARIABLES},
    }


def one_thread() -> dict:
    environ: dict = {}
    cap_threads(environ, 1)
    return environ


def busy_loop(_: int) -> int:
    total = 0
    for i in range(10_000_000):
        total += i
    return total


def parallel_ceiling(cores: int, tasks_per_core: int = 4) -> float:
    """What this machine's cores give together on work that needs nothing from each other: a
    pure-Python loop run one task after another and then on ``cores`` processes.  No sweep can
    beat this ratio here; shared or throttled virtual cores keep it below ``cores``."""
    import multiprocessing

    tasks = range(cores * tasks_per_core)
    start = time.perf_counter()
    for task in tasks:
        busy_loop(task)
    alone = time.perf_counter() - start
    # spawn: forking a process that has imported JAX (through sim) risks a deadlock
    with multiprocessing.get_context("spawn").Pool(cores) as pool:
        start = time.perf_counter()
        pool.map(busy_loop, tasks)
        together = time.perf_counter() - start
    return alone / together


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
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    from learning import machine_name

    cores = len(os.sched_getaffinity(0))
    joblib = ["hydra/launcher=joblib", f"hydra.launcher.n_jobs={cores}"]
    arms = {
        "basic": ([], None),  # deai-sim leaves the thread pools alone for one job at a time
        "basic, one thread": ([], one_thread()),
        f"joblib n_jobs={cores}": (joblib, None),  # deai-sim's cap: cores // n_jobs threads
        f"joblib n_jobs={cores}, own thread pools": (joblib, own_threads(cores)),
        f"submitit_local ({cores} at once)": (
            ["hydra/launcher=submitit_local", "hydra.launcher.timeout_min=60"],
            None,
        ),
    }
    name = machine_name()
    print(f"machine: {name}; {args.jobs} jobs × {args.epochs} epochs (decentralized scenario)")
    rounds = {arm: [] for arm in arms}
    for round_ in range(args.repeats):
        for arm, (launcher, env) in arms.items():
            rounds[arm].append(timed_sweep(launcher, args.jobs, args.epochs, env))
            print(f"round {round_ + 1}: {arm:40s} {rounds[arm][-1]:8.1f} s", flush=True)
    seconds = {arm: min(times) for arm, times in rounds.items()}
    ceiling = parallel_ceiling(cores)
    print(f"fastest of {args.repeats} round(s):")
    for arm, best in seconds.items():
        print(f"{arm:40s} {best:8.1f} s  {seconds['basic'] / best:5.2f}×")
    print(
        f"{'parallel ceiling (busy loop, ' + str(cores) + ' processes)':40s} {'':10s} {ceiling:5.2f}×"
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"sweep-{name}-{args.jobs}x{args.epochs}.json"
    out.write_text(
        json.dumps(
            {
                "machine": name,
                "jobs": args.jobs,
                "epochs": args.epochs,
                "cores": cores,
                "repeats": args.repeats,
                "rounds_s": rounds,
                "seconds": seconds,
                "speedup_over_basic": {arm: seconds["basic"] / s for arm, s in seconds.items()},
                "parallel_ceiling": ceiling,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"wrote {out}")


if __name__ == "__main__":
    main()

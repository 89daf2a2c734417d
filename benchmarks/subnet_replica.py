"""The Bittensor subnet replica (scenario=bittensor_subnet, 256 UIDs, 256 nominators, MNIST-1D):
seconds per epoch and peak memory of one subnet, and of many subnets in one sweep
(experiment=subnets, one independent run per seed) on the machine's cores.

    python benchmarks/subnet_replica.py [--subnets 64] [--epochs 10]

One subnet runs twice, for 2 and for 2 + ``--epochs`` epochs, each in its own process: the
difference is the marginal time of an epoch (start-up and JAX compilation left out); the peak
resident memory is the process's.  The sweep runs ``--subnets`` seeds × ``--epochs`` epochs with
joblib, one job per core; its throughput is subnet-epochs per second of wall time, and its peak
memory the largest process's (each job runs in a worker process; with n cores n of them are
alive at once).  Writes $BENCH_RESULTS/subnet-replica-<machine>.json (benchmarks/local/ by
default; benchmarks/results/ with `make bench-record`).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

RESULTS = Path(os.environ.get("BENCH_RESULTS", Path(__file__).resolve().parent / "local"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

REPLICA = ["output.figures=false", "output.progress=false", "baseline=null"]


def timed(arguments: list[str]) -> tuple[float, float]:
    """(wall seconds, peak resident MiB of the largest process) of one deai-sim command, run in
    a fresh Python process of its own (so that the children's peak is this command's)."""
    probe = (
        "import resource, subprocess, sys, time\n"
        "start = time.perf_counter()\n"
        "subprocess.run(sys.argv[1:], check=True, capture_output=True)\n"
        "wall = time.perf_counter() - start\n"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
        "print(wall, peak)\n"
    )
    with tempfile.TemporaryDirectory() as folder:
        command = [sys.executable, "-c", probe, sys.executable, "-m", "sim", *arguments]
        out = subprocess.run(command, cwd=folder, check=True, capture_output=True, text=True)
    wall, peak = out.stdout.split()
    return float(wall), float(peak)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subnets", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=10)
    args = parser.parse_args()
    from learning import machine_name

    cores = len(os.sched_getaffinity(0))
    name = machine_name()
    print(f"machine: {name}; replica subnet, {args.epochs} epochs; {args.subnets} subnets")
    scenario = ["scenario=bittensor_subnet", *REPLICA]
    short_s, short_mib = timed([*scenario, "epochs=2"])
    long_s, long_mib = timed([*scenario, f"epochs={2 + args.epochs}"])
    per_epoch = (long_s - short_s) / args.epochs
    print(
        f"one subnet: {per_epoch:.3f} s/epoch (marginal), start-up {short_s - 2 * per_epoch:.1f} s"
    )
    print(f"one subnet: peak {max(short_mib, long_mib):.0f} MiB")
    with tempfile.TemporaryDirectory() as folder:
        sweep = [
            "-m",
            "experiment=subnets",
            f"seed=range(0,{args.subnets})",
            f"epochs={args.epochs}",
            "hydra/launcher=joblib",
            f"hydra.launcher.n_jobs={cores}",
            f"hydra.sweep.dir={folder}/sweep",
            *REPLICA,
        ]
        sweep_s, sweep_mib = timed(sweep)
    throughput = args.subnets * args.epochs / sweep_s
    print(
        f"{args.subnets} subnets on {cores} cores: {sweep_s:.0f} s wall, "
        f"{throughput:.2f} subnet-epochs/s, {sweep_s / args.subnets:.1f} s per subnet, "
        f"peak {sweep_mib:.0f} MiB in the largest process"
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"subnet-replica-{name}.json"
    out.write_text(
        json.dumps(
            {
                "machine": name,
                "cores": cores,
                "epochs": args.epochs,
                "one_subnet": {
                    "seconds_per_epoch": per_epoch,
                    "wall_s": {"2 epochs": short_s, f"{2 + args.epochs} epochs": long_s},
                    "peak_mib": max(short_mib, long_mib),
                },
                "sweep": {
                    "subnets": args.subnets,
                    "wall_s": sweep_s,
                    "subnet_epochs_per_s": throughput,
                    "peak_mib_largest_process": sweep_mib,
                },
            },
            indent=2,
        )
        + "\n"
    )
    print(f"wrote {out}")


if __name__ == "__main__":
    main()

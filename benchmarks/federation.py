"""Several subnets in one federation against one subnet of the same total size, side by side in
one run: seconds per epoch and resident memory, with K replica subnets of 256 UIDs each
(``scenario=bittensor_subnet +subnet_size=uids256``) under a dynamic-TAO exchange (flow rule)
with everyone mobile, and one replica subnet of K × 256 UIDs (every population count × K).

    python benchmarks/federation.py [--subnets 2 4 8 16] [--epochs 3] [--doc docs/organisations.md]
    python benchmarks/federation.py --from-json benchmarks/results/federation-MACHINE.json \
        --doc docs/organisations.md

Each configuration runs in a fresh process (so resident memory is its own): build, one warm-up
epoch (it compiles), then the median of ``--epochs`` epochs.  The issue's target is 128 subnets
× 256 UIDs plus 10⁵ stakers at ≤ 10 s an epoch and ≤ 8 GB on 2 cores; the table says how far
the per-subnet models are from it (seconds per epoch grow linearly in K, so 128 subnets take
128/K times the K row).  Prints a table and writes $BENCH_RESULTS/federation-<machine>.json
(benchmarks/local/ by default; benchmarks/results/ with `make bench-record`).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from learning import machine_name, save_results  # noqa: E402  (shared by every benchmark)

from experiments import doc_blocks  # noqa: E402

BLOCK = "federation_benchmark"

REPLICA = ["scenario=bittensor_subnet", "+subnet_size=uids256", "baseline=null"]
COUNTS = {  # the uids256 preset's population, scaled by K for the single subnet
    "builders": 192, "validators": 64, "nominators": 256, "data_providers": 32,
    "compute_providers": 16, "consumers": 100,
}  # fmt: skip


def measure(kind: str, k: int, epochs: int) -> dict:
    """In this process: build, warm up, time ``epochs`` epochs; seconds and peak RSS (MB)."""
    from sim.composition import compose
    from sim.exchange import SubnetExchange
    from sim.federation import Federation, Mobility
    from sim.model import EconomyModel

    started = time.perf_counter()
    if kind == "federation":
        models = {
            f"sn{i}": EconomyModel.from_config(compose([*REPLICA, f"seed={i}"])["bittensor_subnet"])
            for i in range(k)
        }
        world = Federation(models, Mobility(review=0.1), exchange=SubnetExchange(list(models),
                           rule="flow", price=0.05))  # fmt: skip
        step = world.step
    else:
        scaled = [f"population.{key}={n * k}" for key, n in COUNTS.items()]
        config = compose([*REPLICA, f"scenario.max_uids={256 * k}",
                          f"scenario.max_validators={64 * k}", *scaled])["bittensor_subnet"]  # fmt: skip
        model = EconomyModel.from_config(config)
        step = model.step
    build = time.perf_counter() - started
    step()
    samples = []
    for _ in range(epochs):
        start = time.perf_counter()
        step()
        samples.append(time.perf_counter() - start)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"kind": kind, "subnets": k, "uids": 256 * k, "build_s": build,
            "s_per_epoch": statistics.median(samples), "peak_rss_mb": rss}  # fmt: skip


def table_lines(record: dict) -> list[str]:
    lines = [
        f"Machine: {record['machine']}; median of {record['epochs']} epochs after a warm-up.",
        "",
        "| configuration | UIDs | s / epoch | peak RSS (MB) | × one subnet of the same size |",
        "|---|---|---|---|---|",
    ]
    for row in record["rows"]:
        label = (f"{row['subnets']} subnets × 256 UIDs" if row["kind"] == "federation"
                 else f"1 subnet × {row['uids']} UIDs")  # fmt: skip
        lines.append(f"| {label} | {row['uids']:,} | {row['s_per_epoch']:.2f} | "
                     f"{row['peak_rss_mb']:.0f} | {row['ratio_to_single']:.2f} |")  # fmt: skip
    lines += ["", f"Extrapolated to 128 subnets × 256 UIDs: "
              f"{record['extrapolated_128_s_per_epoch']:.0f} s an epoch (target ≤ 10 s)."]  # fmt: skip
    return lines


def measure_all(args) -> dict:
    rows = []
    for k in args.subnets:
        pair = {}
        for kind in ("federation", "single"):
            done = subprocess.run(
                [sys.executable, __file__, "--one", kind, str(k), str(args.epochs)],
                capture_output=True, text=True, check=True,
            )  # fmt: skip
            pair[kind] = json.loads(done.stdout.strip().splitlines()[-1])
            print(f"{kind}, {k} subnets: {pair[kind]}", flush=True)
        for row in pair.values():
            rows.append(
                {**row, "ratio_to_single": row["s_per_epoch"] / pair["single"]["s_per_epoch"]}
            )
    largest = max((r for r in rows if r["kind"] == "federation"), key=lambda r: r["subnets"])
    per_subnet = largest["s_per_epoch"] / largest["subnets"]
    record = {"machine": machine_name(), "epochs": args.epochs, "rows": rows,
              "extrapolated_128_s_per_epoch": 128 * per_subnet}  # fmt: skip
    save_results(f"federation-{machine_name()}.json", record)
    return record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subnets", type=int, nargs="+", default=[2, 4, 8, 16])
    parser.add_argument("--epochs", type=int, default=3)
    doc_blocks.table_arguments(parser, BLOCK)
    parser.add_argument("--one", nargs=3, help=argparse.SUPPRESS)  # kind k epochs, in a child
    args = parser.parse_args()
    if args.one:
        kind, k, epochs = args.one[0], int(args.one[1]), int(args.one[2])
        print(json.dumps(measure(kind, k, epochs)))
        return
    doc_blocks.benchmark_table(args, BLOCK, measure_all, table_lines)


if __name__ == "__main__":
    main()

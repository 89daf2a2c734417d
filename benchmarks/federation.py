"""Several subnets in one federation against one subnet of the same total size, side by side in
one run: seconds per epoch and resident memory, with K replica subnets of 256 UIDs each
(``scenario=bittensor_subnet +subnet_size=uids256`` and the large economies' scale options,
``SCALED``) under a dynamic-TAO exchange (flow rule) with everyone mobile (stakers too),
stepped on a thread per core, and one replica subnet of K × 256 UIDs (every population count
× K).

    python benchmarks/federation.py [--subnets 8 32 128] [--epochs 3] [--doc docs/organisations.md]
    python benchmarks/federation.py --from-json benchmarks/results/federation-MACHINE.json \
        --doc docs/organisations.md

Each configuration runs in a fresh process (so resident memory is its own): build, one warm-up
epoch (each subnet compiles its JAX functions), then the median of ``--epochs`` epochs; one
that fails or outlasts ``--timeout`` seconds is recorded with why.  The issue's target is 128
subnets × 256 UIDs (32,768 neurons) plus 10⁵ stakers and consumers at ≤ 10 s an epoch and
≤ 8 GB on 2 cores.  Prints a table and writes $BENCH_RESULTS/federation-<machine>.json
(benchmarks/local/ by default; benchmarks/results/ with `make bench-record`).
"""

from __future__ import annotations

import argparse
import json
import os
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
COUNTS = {  # one subnet's population under SCALED, scaled by K for the single subnet
    "builders": 192, "validators": 64, "nominators": 600, "data_providers": 32,
    "compute_providers": 16, "consumers": 182,
}  # fmt: skip
# The large economies' scale options (configs/scale/n100k.yaml: minibatches, sampled
# validation, a summary ledger, no per-agent rows), with a validator sampling 16 of a subnet's
# 192 miners an epoch (n100k's 256 of 10,000 is a smaller share) and a submission's quality
# measured on 200 test records; and stakers (nominators) and consumers enough that 128 subnets
# hold 10⁵ of them: 128 × (600 + 182) = 100,096, with 32 free slots for stakers moving in.
SCALED = [
    "output.ledger=summary", "output.agent_data=false", "learning.batch_size=32",
    "validation.sample_size=16", "learning.quality_sample=200",
    f"population.nominators={COUNTS['nominators']}", f"population.consumers={COUNTS['consumers']}",
    "population.nominator_slots=32",
]  # fmt: skip
THREADS = len(os.sched_getaffinity(0))  # the subnets' epochs on a thread each per core


def stakers_and_consumers(subnets: int) -> int:
    return subnets * (COUNTS["nominators"] + COUNTS["consumers"])


def measure(kind: str, k: int, epochs: int) -> dict:
    """In this process: build, warm up, time ``epochs`` epochs; seconds and peak RSS (MB)."""
    from sim.composition import compose
    from sim.exchange import SubnetExchange
    from sim.federation import MOBILE_ROLES, Federation, Mobility
    from sim.model import EconomyModel
    from sim.roles import Role

    started = time.perf_counter()
    if kind == "federation":
        subnet = compose([*REPLICA, *SCALED])["bittensor_subnet"]
        models = {}
        for i in range(k):  # composed once: subnets differ by their seed
            config = subnet.copy()
            config.seed = i
            models[f"sn{i}"] = EconomyModel.from_config(config)
        exchange = SubnetExchange(list(models), rule="flow", price=0.05)
        everyone = Mobility(roles=(*MOBILE_ROLES, Role.NOMINATOR), review=0.1)
        world = Federation(models, everyone, exchange=exchange, threads=THREADS)
        step = world.step
    else:
        # Every count × K, and the data too: each of the K subnets has MNIST-1D's 5,000 samples.
        scaled = [f"population.{key}={n * k}" for key, n in COUNTS.items()]
        scaled.append(f"learning.samples={5_000 * k}")
        sizes = [f"scenario.max_uids={256 * k}", f"scenario.max_validators={64 * k}"]
        config = compose([*REPLICA, *SCALED, *sizes, *scaled])["bittensor_subnet"]
        model = EconomyModel.from_config(config)
        step = model.step
    build = time.perf_counter() - started
    start = time.perf_counter()
    step()
    warmup = time.perf_counter() - start
    samples = []
    for _ in range(epochs):
        start = time.perf_counter()
        step()
        samples.append(time.perf_counter() - start)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    row = {"kind": kind, "subnets": k, "uids": 256 * k, "build_s": build, "warmup_s": warmup,
           "s_per_epoch": statistics.median(samples), "peak_rss_mb": rss}  # fmt: skip
    if kind == "federation":
        row["moves"] = len(world.moves)
        row["refused"] = dict(world.refused)
        row["stakers_and_consumers"] = stakers_and_consumers(k)
    return row


def table_lines(record: dict) -> list[str]:
    lines = [
        f"Machine: {record['machine']}; median of {record['epochs']} epochs after a warm-up; "
        f"the federation on {record.get('threads', 1)} threads.",
        "",
        "| configuration | UIDs | stakers + consumers | build s | warm-up s | s / epoch "
        "| peak RSS (MB) | × one subnet of the same size |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in record["rows"]:
        label = (f"{row['subnets']} subnets × 256 UIDs" if row["kind"] == "federation"
                 else f"1 subnet × {row['uids']:,} UIDs")  # fmt: skip
        others = stakers_and_consumers(row["subnets"])
        if "error" in row:
            lines.append(f"| {label} | {row['uids']:,} | {others:,} | {row['error']} |||||")
            continue
        ratio = f"{row['ratio_to_single']:.2f}" if row.get("ratio_to_single") else "–"
        lines.append(f"| {label} | {row['uids']:,} | {others:,} | {row['build_s']:.0f} | "
                     f"{row['warmup_s']:.0f} | {row['s_per_epoch']:.2f} | "
                     f"{row['peak_rss_mb']:,.0f} | {ratio} |")  # fmt: skip
    return lines


def measure_all(args) -> dict:
    rows = []
    for k in args.subnets:
        pair = {}
        for kind in ("federation", "single"):
            command = [sys.executable, __file__, "--one", kind, str(k), str(args.epochs)]
            try:
                done = subprocess.run(command, capture_output=True, text=True,
                                      timeout=args.timeout)  # fmt: skip
                if done.returncode:
                    reason = (done.stderr.strip().splitlines() or ["no message"])[-1]
                    pair[kind] = {"error": f"failed (exit {done.returncode}): {reason[:80]}"}
                else:
                    pair[kind] = json.loads(done.stdout.strip().splitlines()[-1])
            except subprocess.TimeoutExpired:
                pair[kind] = {"error": f"did not finish within {args.timeout} s"}
            pair[kind] = {"kind": kind, "subnets": k, "uids": 256 * k, **pair[kind]}
            print(f"{kind}, {k} subnets: {pair[kind]}", flush=True)
        single = pair["single"].get("s_per_epoch")
        for row in pair.values():
            ratio = row["s_per_epoch"] / single if single and "s_per_epoch" in row else None
            rows.append({**row, "ratio_to_single": ratio})
    record = {"machine": machine_name(), "epochs": args.epochs, "threads": THREADS, "rows": rows}
    save_results(f"federation-{machine_name()}.json", record)
    return record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subnets", type=int, nargs="+", default=[8, 32, 128])
    parser.add_argument("--timeout", type=int, default=1800, help="seconds per configuration")
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

"""Time one Yuma epoch on a subnet-sized problem (target: < 50 ms for 256 × 4,096 on the CPU).

    python benchmarks/yuma.py [--validators 256] [--miners 4096] [--repeats 20]

Prints a table (classic, Yuma 3, Yuma 3 with liquid alpha, each with and without chain precision)
and writes $BENCH_RESULTS/yuma-<machine>.json
(benchmarks/local/ by default; benchmarks/results/ with `make bench-record`).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from mechanisms.consensus.yuma import Yuma

# `make bench` writes here (untracked); `make bench-record` sets BENCH_RESULTS to results/, the
# measurements kept in the repository.
RESULTS = Path(os.environ.get("BENCH_RESULTS", Path(__file__).resolve().parent / "local"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from learning import machine_name  # noqa: E402  (one machine name for every benchmark)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--validators", type=int, default=256)
    parser.add_argument("--miners", type=int, default=4096)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    stake = rng.lognormal(0, 2, args.validators)
    weights = rng.uniform(0, 1, (args.validators, args.miners)) * (
        rng.random((args.validators, args.miners)) < 0.5
    )
    variants = {
        "classic": dict(version="classic"),
        "yuma3": dict(version="yuma3"),
        "yuma3 + liquid alpha": dict(version="yuma3", liquid_alpha=(0.7, 0.9)),
    }
    rows = []
    print(
        f"machine: {machine_name()}; {args.validators} validators × {args.miners} miners; "
        f"median of {args.repeats} epochs"
    )
    print(f"{'variant':<22} {'chain precision':>16} {'ms / epoch':>11}")
    for name, kwargs in variants.items():
        for precise in (False, True):
            yuma = Yuma(chain_precision=precise, **kwargs)
            state = yuma.init(args.validators, args.miners)
            state, _ = yuma.step(state, stake, weights)  # warm-up
            samples = []
            for _ in range(args.repeats):
                start = time.perf_counter()
                state, _ = yuma.step(state, stake, weights)
                samples.append(time.perf_counter() - start)
            ms = statistics.median(samples) * 1e3
            rows.append({"variant": name, "chain_precision": precise, "ms_per_epoch": ms})
            print(f"{name:<22} {str(precise):>16} {ms:>11.1f}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"yuma-{machine_name()}.json"
    out.write_text(
        json.dumps(
            {
                "machine": machine_name(),
                "validators": args.validators,
                "miners": args.miners,
                "rows": rows,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"wrote {out}")


if __name__ == "__main__":
    main()

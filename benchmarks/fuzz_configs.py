"""The config fuzzer at length: many whole configurations drawn from the schema and the YAML
members of every family (sim.fuzz.configurations), each composed, run for a few epochs and
checked (sim.fuzz.check: refused with one line naming the key, or run with every ledger verified
and no NaN in metrics).  The draws are made first from a fixed hypothesis seed, then checked on
every core.

    python benchmarks/fuzz_configs.py --draws 300 --jobs 2

Prints the counts and every finding (the draw's overrides and what went wrong) and writes them to
$BENCH_RESULTS/fuzz-configs-seed<seed>-<machine>.json (benchmarks/local/ by default).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, seed, settings
from joblib import Parallel, delayed

sys.path.insert(0, str(Path(__file__).resolve().parent))

from learning import machine_name, save_results  # noqa: E402

from sim.config import register_schema  # noqa: E402
from sim.fuzz import check, configurations  # noqa: E402


def draws(count: int, hypothesis_seed: int, epochs: int) -> list[list[str]]:
    """``count`` configurations, the same ones for the same seed."""
    drawn: list[list[str]] = []

    @seed(hypothesis_seed)
    @settings(
        max_examples=count,
        phases=[Phase.generate],
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(configurations(epochs=epochs))
    def collect(overrides):
        drawn.append(overrides)

    collect()
    return drawn


def check_one(index: int, overrides: list[str]) -> dict:
    register_schema()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="deai-sim-fuzz-") as folder:
        outcome = check(overrides, Path(folder))
    return {
        "index": index,
        "status": outcome.status,
        "detail": outcome.detail,
        "seconds": round(time.perf_counter() - started, 2),
        "overrides": overrides,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=300)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0, help="hypothesis seed of the draws")
    parser.add_argument("--jobs", type=int, default=-1, help="processes (-1: every core)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    configs = draws(args.draws, args.seed, args.epochs)
    print(f"{len(configs)} configurations drawn; checking on {args.jobs} jobs", flush=True)
    results = Parallel(n_jobs=args.jobs, verbose=5)(
        delayed(check_one)(i, overrides) for i, overrides in enumerate(configs)
    )
    wall = time.perf_counter() - started
    counts = Counter(r["status"] for r in results)
    findings = [r for r in results if r["status"] == "failed"]
    reasons = Counter(r["detail"].split(":")[0] for r in results if r["status"] == "refused")
    print(f"\n{len(results)} draws in {wall:.0f} s: {dict(counts)}")
    print("refused, by key:", dict(reasons.most_common()))
    for finding in findings:
        print(f"\nFINDING draw {finding['index']}: {' '.join(finding['overrides'])}")
        print(finding["detail"])
    save_results(
        f"fuzz-configs-seed{args.seed}-{machine_name()}.json",
        {
            "draws": len(results),
            "seed": args.seed,
            "epochs": args.epochs,
            "wall_seconds": round(wall, 1),
            "counts": dict(counts),
            "refused_by_key": dict(reasons),
            "findings": findings,
        },
    )
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())

"""Whole-model throughput: epochs per second and peak memory as the population grows.

Each size runs the decentralized scenario alone (learning on) in a fresh process for ``--epochs``
epochs; participants grow mostly through consumers, with builders and data providers scaled
along (10 % and 20 % of the participants, at most 1,000 and 100).  Target (issue): 10⁴
participants × 100 epochs in under 10 minutes and 4 GB on 2 cores; cost per epoch at most linear.

    python benchmarks/model.py [--sizes 100 1000 10000 100000] [--epochs 100]
    python benchmarks/model.py --against COMMIT [--sizes 1000 10000] [--epochs 20] [--repeats 3]
    python benchmarks/model.py --arm adaptation=hedge [--sizes 10000] [--epochs 20]
    python benchmarks/model.py --default-run COMMIT [--repeats 3]

Prints a table and writes $BENCH_RESULTS/model-<machine>.json
(benchmarks/local/ by default; benchmarks/results/ with `make bench-record`).

``--against COMMIT`` measures this checkout and COMMIT side by side in one run: COMMIT is
checked out into a temporary git worktree, and each size runs in both trees alternately
(``--repeats`` times, each in a fresh process with that tree first on the path), so that both
see the same machine state.  It reports the median epochs per second of each and their ratio,
over the whole run and over the epochs after the first (which compiles the JAX functions), and
writes $BENCH_RESULTS/model-against-<commit>-<machine>.json.  ``--arm OVERRIDES`` measures the
same way this checkout plain beside this checkout with the overrides (the cost of adapting
strategies: ``--arm adaptation=hedge adversaries.free_riders=0.25``), and writes
$BENCH_RESULTS/model-arm-<overrides>-<machine>.json.  ``--default-run COMMIT`` times what
`make run` runs, ``deai-sim`` with no arguments (both scenarios, 30 epochs, figures), in a fresh
process per run, this checkout and COMMIT alternately, and writes
$BENCH_RESULTS/default-run-against-<commit>-<machine>.json.
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


def one(size: int, epochs: int, extra: list[str] | None = None) -> dict:
    try:
        from sim import compose
    except ImportError:  # a commit from before sim.compose existed (--against)
        from sim.cli import preflight as compose
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
            *(extra or []),
        ]
    )
    out = Path("/tmp") / f"deai-sim-bench-{size}"
    start = time.perf_counter()
    summary = run_scenarios(configs, out, progress=False)
    wall = time.perf_counter() - start
    import sim

    return {
        "sim": str(Path(sim.__file__).resolve().parent),  # which checkout ran
        "participants": size,
        "epochs": epochs,
        "wall_s": wall,
        "simulation_s": summary["seconds"]["decentralized"],
        "epochs_per_s": epochs / summary["seconds"]["decentralized"],
        # After the first epoch, which compiles every JAX function of the run.
        "steady_epochs_per_s": (epochs - 1)
        / (summary["seconds"]["decentralized"] - summary["warmup_seconds"]["decentralized"]),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def run_one(size: int, epochs: int, tree: Path | None = None, extra=()) -> dict:
    """``one`` in a fresh process; with ``tree``, that checkout's packages come first."""
    env = dict(os.environ)
    if tree is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(tree), env.get("PYTHONPATH")]))
    done = subprocess.run(
        [sys.executable, __file__, "--one", str(size), "--epochs", str(epochs), *extra],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def paired_medians(size: int, runs: dict, slow: str, fast: str) -> dict:
    """Median epochs per second of each side, whole run and after the first epoch, and
    ``ratio`` = fast / slow: for old/new the speed-up, for arm/base the time an arm costs.
    Prints the table's row."""
    import statistics

    row = {}
    for key in ("epochs_per_s", "steady_epochs_per_s"):
        s = statistics.median(r[key] for r in runs[slow])
        f = statistics.median(r[key] for r in runs[fast])
        row[key] = {slow: s, fast: f, "ratio": f / s}
    t, st = row["epochs_per_s"], row["steady_epochs_per_s"]
    first, second = (slow, fast) if slow == "old" else (fast, slow)
    print(
        f"{size:>12,} {t[first]:>9.2f} {t[second]:>9.2f} {t['ratio']:>6.2f} "
        f"{st[first]:>9.2f} {st[second]:>9.2f} {st['ratio']:>6.2f}",
        flush=True,
    )
    return row


def against(commit: str, sizes: list[int], epochs: int, repeats: int, name: str) -> None:
    import tempfile

    root = Path(__file__).resolve().parent.parent
    here = Path(root)
    with tempfile.TemporaryDirectory(prefix="deai-sim-old-") as folder:
        old = Path(folder) / "tree"
        subprocess.run(["git", "worktree", "add", "--detach", str(old), commit], cwd=root,
                       check=True, capture_output=True)  # fmt: skip
        try:
            rows = []
            for size in sizes:
                runs = {"old": [], "new": []}
                for _ in range(repeats):
                    runs["old"].append(run_one(size, epochs, old))
                    runs["new"].append(run_one(size, epochs, here))
                    if Path(runs["old"][-1]["sim"]) != (old / "sim").resolve():
                        raise RuntimeError(f"the old tree did not run: {runs['old'][-1]['sim']}")
                row = {"participants": size, "epochs": epochs, "runs": runs}
                rows.append(row | paired_medians(size, runs, "old", "new"))
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(old)], cwd=root,
                           check=False, capture_output=True)  # fmt: skip
    from learning import save_results

    result = {"machine": name, "old": commit, "repeats": repeats, "rows": rows}
    save_results(f"model-against-{commit[:10]}-{name}.json", result)


def compare(arm: list[str], sizes: list[int], epochs: int, repeats: int, name: str) -> None:
    """This checkout as it is beside this checkout with the overrides ``arm`` (e.g. an
    adaptation rule), alternating fresh processes; median epochs per second and their ratio."""

    rows = []
    for size in sizes:
        runs = {"base": [], "arm": []}
        for _ in range(repeats):
            runs["base"].append(run_one(size, epochs))
            runs["arm"].append(run_one(size, epochs, extra=arm))
        row = {"participants": size, "epochs": epochs, "arm": arm, "runs": runs}
        rows.append(row | paired_medians(size, runs, "arm", "base"))
    from learning import save_results

    label = "-".join(a.replace("=", "_").replace(".", "_") for a in arm)
    save_results(
        f"model-arm-{label}-{name}.json", {"machine": name, "repeats": repeats, "rows": rows}
    )


def default_runs(commit: str, repeats: int, name: str) -> None:
    """Wall seconds of ``deai-sim`` with no arguments in this checkout and in COMMIT's."""
    import statistics
    import tempfile

    root = Path(__file__).resolve().parent.parent
    times: dict[str, list[float]] = {"old": [], "new": []}
    with tempfile.TemporaryDirectory(prefix="deai-sim-default-") as folder:
        old = Path(folder) / "tree"
        subprocess.run(["git", "worktree", "add", "--detach", str(old), commit], cwd=root,
                       check=True, capture_output=True)  # fmt: skip
        try:
            for _ in range(repeats):
                for side, tree in (("old", old), ("new", root)):
                    env = {**os.environ, "PYTHONPATH": str(tree)}
                    start = time.perf_counter()
                    subprocess.run([sys.executable, "-m", "sim", f"hydra.run.dir={folder}/{side}"],
                                   cwd=tree, env=env, check=True, capture_output=True)  # fmt: skip
                    times[side].append(time.perf_counter() - start)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(old)], cwd=root,
                           check=False, capture_output=True)  # fmt: skip
    old_s, new_s = statistics.median(times["old"]), statistics.median(times["new"])
    print(f"default run, median of {repeats}: {commit[:10]} {old_s:.1f} s, this checkout "
          f"{new_s:.1f} s, ratio new/old {new_s / old_s:.3f}")  # fmt: skip
    from learning import save_results

    save_results(f"default-run-against-{commit[:10]}-{name}.json",
                 {"machine": name, "old": commit, "seconds": times,
                  "median_old": old_s, "median_new": new_s, "ratio": new_s / old_s})  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000, 100000])
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--against", help="a commit to measure side by side with this checkout")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--default-run", metavar="COMMIT", help="time `deai-sim` here and there")
    parser.add_argument(
        "--arm", nargs="+", help="overrides measured beside the plain run (e.g. adaptation=hedge)"
    )
    args, extra = parser.parse_known_args()
    if args.one:
        print(json.dumps(one(args.one, args.epochs, extra)))
        return
    from learning import machine_name, save_results

    name = machine_name()
    if args.default_run:
        default_runs(args.default_run, args.repeats, name)
        return
    if args.against:
        print(f"machine: {name}; {args.against[:10]} (old) beside this checkout (new), "
              f"{args.epochs} epochs, median of {args.repeats} alternating runs")  # fmt: skip
        print(f"{'participants':>12} {'old ep/s':>9} {'new ep/s':>9} {'ratio':>6} "
              f"{'old st.':>9} {'new st.':>9} {'ratio':>6}   (st.: after the first epoch)")  # fmt: skip
        against(args.against, args.sizes, args.epochs, args.repeats, name)
        return
    if args.arm:
        print(f"machine: {name}; plain runs beside {' '.join(args.arm)}, {args.epochs} epochs, "
              f"median of {args.repeats} alternating runs")  # fmt: skip
        print(f"{'participants':>12} {'plain ep/s':>9} {'arm ep/s':>9} {'cost':>6} "
              f"{'plain st.':>9} {'arm st.':>9} {'cost':>6}   (cost: plain/arm time ratio)")  # fmt: skip
        compare(args.arm, args.sizes, args.epochs, args.repeats, name)
        return
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
    save_results(f"model-{name}.json", {"machine": name, "rows": rows})


if __name__ == "__main__":
    main()

"""Mutation testing: how many deliberately broken versions of the code the tests catch.

Runs mutmut (https://github.com/boxed/mutmut) over the modules named in pyproject's
``[tool.mutmut]`` (the mechanism library, the ledger and its verifier, the scorecard metrics, the
report statistics), then prints a table per module and writes

- ``<results>/mutants.json``: counts per module and status, the kill rate, mutmut's version;
- ``<results>/mutants-survivors.md``: every surviving mutant with its diff, grouped by module.

Kill rate = (killed + timeout) / (mutants checked − skipped). A survivor is a mutant that every
selected test passes: either a gap in the tests or an equivalent mutant (one that cannot change
behaviour); the survivors file is the list to read.

    python benchmarks/mutants.py                 # run (resumes: mutmut keeps finished results)
    python benchmarks/mutants.py --report-only   # tabulate what mutants/ holds
    python benchmarks/mutants.py 'mechanisms.*'  # only mutants whose names match
    python benchmarks/mutants.py --sample 0.2    # a random fifth of each module's mutants
    python benchmarks/mutants.py --sample 0.1 --label economy 'sim.epoch.*' 'agents.*' \
        'sim.organisation.*' 'sim.metrics.*'      # the economy core, into mutants-economy.*

The whole set takes hours on two cores and is not part of CI. ``--sample`` estimates the kill
rate from a seeded random sample stratified by module (mutant sampling: Acree et al. 1979,
"Mutation Analysis", Georgia Tech GIT-ICS-79/08; Wong & Mathur, J. Systems and Software 31(3),
1995); the rate is reported with its Wilson 95 % interval.
"""

from __future__ import annotations

import argparse
import collections
import fnmatch
import json
import math
import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import numpy as np
from scipy.stats import norm

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(os.environ.get("BENCH_RESULTS", ROOT / "benchmarks" / "results"))

CAUGHT = ("killed", "timeout", "caught by type check", "segfault")


def status_of(exit_code) -> str:
    from mutmut.stats import status_by_exit_code  # mutmut's own reading of its exit codes

    return status_by_exit_code[exit_code]


def module_of(mutant: str) -> str:
    """``mechanisms.market.double_auction.xǁDoubleAuctionǁclear__mutmut_3`` → its module."""
    return mutant.rsplit(".", 1)[0]


def read_statuses(mutants_dir: Path) -> dict[str, str]:
    statuses = {}
    for meta in sorted(mutants_dir.rglob("*.meta")):
        exit_codes = json.loads(meta.read_text()).get("exit_code_by_key", {})
        for name, code in exit_codes.items():
            statuses[name] = status_of(code)
    return statuses


def wilson_interval(caught: int, checked: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (Wilson, JASA 22, 1927)."""
    if checked == 0:
        return (math.nan, math.nan)
    z = norm.ppf(0.5 + level / 2)
    p = caught / checked
    centre = (p + z * z / (2 * checked)) / (1 + z * z / checked)
    half = z * math.sqrt(p * (1 - p) / checked + z * z / (4 * checked**2)) / (1 + z * z / checked)
    return (round(centre - half, 4), round(centre + half, 4))


def forget(mutants_dir: Path, names: set[str], statuses: set[str]) -> int:
    """Mark the mutants among ``names`` whose status is in ``statuses`` unchecked, so that the next
    run tries them against the tests as they are now (mutmut keeps a finished verdict)."""
    forgotten = 0
    for meta in sorted(mutants_dir.rglob("*.meta")):
        data = json.loads(meta.read_text())
        exit_codes = data.get("exit_code_by_key", {})
        for name, code in exit_codes.items():
            if name in names and status_of(code) in statuses:
                exit_codes[name] = None
                forgotten += 1
        meta.write_text(json.dumps(data, indent=4))
    return forgotten


def stratified_sample(names: list[str], fraction: float, seed: int) -> list[str]:
    """ceil(fraction × n) mutants drawn without replacement from each module's n: the first of a
    seeded permutation, so that a smaller fraction's sample lies inside a larger one's."""
    rng = np.random.default_rng(seed)
    by_module: dict[str, list[str]] = collections.defaultdict(list)
    for name in sorted(names):
        by_module[module_of(name)].append(name)
    chosen = []
    for module in sorted(by_module):
        pool = by_module[module]
        k = math.ceil(fraction * len(pool))
        chosen += [pool[i] for i in sorted(rng.permutation(len(pool))[:k])]
    return chosen


def single_threaded(environ) -> dict:
    """One thread per mutant: mutmut's timeouts are limits on CPU time, which a test's thread
    pools (XLA, BLAS) would otherwise multiply; the children already fill the cores."""
    return {
        "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        **environ,
    }


def generate(mutmut: Path) -> None:
    """Have mutmut write its mutants (and test coverage) without testing any of them."""
    # mutmut generates every mutant before it filters by name; a filter that matches nothing
    # stops it right there.
    subprocess.run(
        [str(mutmut), "run", "__generate_only__"],
        cwd=ROOT,
        capture_output=True,
        env=single_threaded(os.environ),
    )


def rates(counts: collections.Counter) -> dict:
    """Counts by status with the kill rate, its Wilson interval and, counting each timeout as a
    survivor instead of a kill (mutmut's convention), its lower bound."""
    caught = sum(counts[s] for s in CAUGHT)
    checked = caught + counts["survived"] + counts["suspicious"] + counts["no tests"]
    failed = caught - counts["timeout"]
    return {
        **dict(sorted(counts.items())),
        "kill_rate": round(caught / checked, 4) if checked else None,
        "kill_rate_95ci": wilson_interval(caught, checked),
        "kill_rate_timeouts_as_survivors": round(failed / checked, 4) if checked else None,
    }


def tabulate(statuses: dict[str, str]) -> dict[str, dict]:
    by_module: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for name, status in statuses.items():
        by_module[module_of(name)][status] += 1
    return {module: rates(counts) for module, counts in sorted(by_module.items())}


def survivor_diffs(names: list[str]) -> str:
    from mutmut.mutation.diff_apply import get_diff_for_mutant  # mutmut's own reader of mutants/

    cwd = Path.cwd()
    os.chdir(ROOT)
    try:
        sections, current = [], None
        for name in names:
            module = module_of(name)
            if module != current:
                sections.append(f"\n## {module}\n")
                current = module
            sections.append(f"### {name}\n\n```diff\n{get_diff_for_mutant(name)}\n```\n")
        return "\n".join(sections)
    finally:
        os.chdir(cwd)


def print_table(table: dict[str, dict], overall: dict) -> None:
    print(
        f"{'module':44} {'mutants':>8} {'killed':>7} {'survived':>9} {'no tests':>9} {'rate':>6}"
        f" {'95 % CI':>14}"
    )
    for module, row in {**table, "all": overall}.items():
        n = sum(v for k, v in row.items() if not k.startswith("kill_rate"))
        rate = "" if row["kill_rate"] is None else f"{row['kill_rate']:.1%}"
        low, high = row["kill_rate_95ci"]
        interval = "" if math.isnan(low) else f"{low:.0%}–{high:.0%}"
        print(
            f"{module:44} {n:8d} {row.get('killed', 0) + row.get('timeout', 0):7d} "
            f"{row.get('survived', 0):9d} {row.get('no tests', 0):9d} {rate:>6} {interval:>14}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="mutant name patterns (fnmatch), as mutmut takes")
    parser.add_argument("--report-only", action="store_true", help="tabulate mutants/ as it is")
    parser.add_argument("--max-children", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--sample", type=float, help="fraction of each module's mutants, in (0, 1]")
    parser.add_argument("--seed", type=int, default=0, help="seed of the sample")
    parser.add_argument(
        "--label",
        help="write mutants-LABEL.json and mutants-LABEL-survivors.md (default: mutants.json)",
    )
    parser.add_argument(
        "--recheck",
        action="append",
        choices=["survived", "timeout", "no tests"],
        default=[],
        help="try the selected mutants with this verdict again (after new tests, say); repeatable",
    )
    args = parser.parse_args(argv)
    if args.sample is not None and not 0 < args.sample <= 1:
        parser.error(f"--sample must be in (0, 1], got {args.sample}")

    mutmut = Path(sys.executable).with_name("mutmut")
    if args.sample is not None and not read_statuses(ROOT / "mutants"):
        generate(mutmut)
    selected = sorted(read_statuses(ROOT / "mutants"))
    if args.names:
        selected = [n for n in selected if any(fnmatch.fnmatch(n, p) for p in args.names)]
    if args.sample is not None:
        selected = stratified_sample(selected, args.sample, args.seed)

    if args.recheck:
        count = forget(ROOT / "mutants", set(selected), set(args.recheck))
        print(f"{count} mutants to check again")
    if not args.report_only:
        names = args.names
        if args.sample is not None:
            # Only the sample's unchecked mutants: mutmut keeps the verdicts it has.
            statuses = read_statuses(ROOT / "mutants")
            names = [n for n in selected if statuses[n] == "not checked"] or selected[:1]
        command = [str(mutmut), "run", "--max-children", str(args.max_children), *names]
        done = subprocess.run(command, cwd=ROOT, env=single_threaded(os.environ))
        if done.returncode not in (0, 1):
            return done.returncode

    statuses = read_statuses(ROOT / "mutants")
    if args.names or args.sample is not None:
        chosen = set(selected)
        statuses = {name: status for name, status in statuses.items() if name in chosen}
    if not statuses:
        print(
            "no mutation results under mutants/; run without --report-only first", file=sys.stderr
        )
        return 2
    table, overall = tabulate(statuses), rates(collections.Counter(statuses.values()))
    print_table(table, overall)
    low, high = overall["kill_rate_95ci"]
    print(
        f"kill rate {overall['kill_rate']:.1%} (95 % CI {low:.1%}–{high:.1%}); "
        f"{overall['kill_rate_timeouts_as_survivors']:.1%} if every timeout had survived"
    )

    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = f"mutants-{args.label}" if args.label else "mutants"
    (RESULTS / f"{stem}.json").write_text(
        json.dumps(
            {
                "mutmut": version("mutmut"),
                "selection": {"names": args.names, "sample": args.sample, "seed": args.seed},
                "all": overall,
                "modules": table,
            },
            indent=2,
        )
        + "\n"
    )
    survivors = sorted(name for name, status in statuses.items() if status == "survived")
    (RESULTS / f"{stem}-survivors.md").write_text(
        f"# Surviving mutants ({len(survivors)})\n\nEach passes every selected test: a gap in "
        "the tests, or a mutant that cannot change behaviour.\n" + survivor_diffs(survivors)
    )
    print(f"\nwrote {RESULTS / f'{stem}.json'} and {RESULTS / f'{stem}-survivors.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

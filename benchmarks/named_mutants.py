"""Hand-written mutants: behaviours whose loss the suite must notice, each with the tests that do.

Each mutant replaces one piece of source text with a broken version in a throw-away copy of the
working tree, then runs the tests named for it; the mutant is caught when at least one fails.
The table (mutant, caught, the first failing test) is printed and written to
``<results>/named-mutants.json``.  Broader, machine-generated mutation testing is
``benchmarks/mutants.py`` (mutmut); these are the behaviours that matter most, stated by hand.

    python benchmarks/named_mutants.py            # all
    python benchmarks/named_mutants.py slashing   # those whose name contains "slashing"
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(os.environ.get("BENCH_RESULTS", ROOT / "benchmarks" / "results"))


@dataclass(frozen=True)
class Mutant:
    name: str
    path: str
    old: str
    new: str
    tests: tuple[str, ...]


FLOWS = "tests/test_flows.py"
MUTANTS = [
    Mutant(
        "double auction never trades",
        "mechanisms/market/double_auction.py",
        "buyer_of = np.repeat(np.arange(len(demand)), demand.astype(int))",
        "buyer_of = np.repeat(np.arange(len(demand)), 0)",
        ("tests/mechanisms/test_markets.py", "tests/mechanisms/test_contracts.py"),
    ),
    Mutant(
        "double auction pays every provider exactly its cost",
        "mechanisms/market/double_auction.py",
        "mean_price = np.divide(revenue, sold, out=unit_cost.copy(), where=sold > 0)",
        "mean_price = unit_cost.copy()",
        ("tests/mechanisms/test_markets.py",),
    ),
    Mutant(
        "posted price never trades",
        "mechanisms/market/posted_price.py",
        "quantity = min(demand.sum(), willing.sum())",
        "quantity = 0.0",
        ("tests/mechanisms/test_contracts.py",),
    ),
    Mutant(
        "open access admits nobody",
        "mechanisms/access/permissionless.py",
        "admitted = can_pay & (np.cumsum(can_pay) <= free_slots)",
        "admitted = np.zeros_like(can_pay)",
        ("tests/mechanisms/test_contracts.py",),
    ),
    Mutant(
        "proportional incentive pays nobody",
        "mechanisms/incentive/proportional.py",
        "paid.append(split_units(int(e + f), group))",
        "paid.append(np.zeros(np.shape(group), dtype=np.int64))",
        ("tests/mechanisms/test_contracts.py",),
    ),
    Mutant(
        "Yuma accepts nothing",
        "mechanisms/consensus/yuma.py",
        "accepted=consensus > 0,",
        "accepted=consensus < 0,",
        ("tests/mechanisms/test_contracts.py",),
    ),
    Mutant(
        "token vote never passes",
        "mechanisms/governance/token_vote.py",
        "return weighted_majority(votes, balances, self.threshold)",
        "return weighted_majority(votes, balances, 1.1)",
        ("tests/mechanisms/test_contracts.py",),
    ),
    Mutant(
        "FedAvg returns a zero update",
        "mechanisms/aggregation/fedavg.py",
        "return weights @ updates / weights.sum()",
        "return np.zeros(updates.shape[1])",
        ("tests/mechanisms/test_contracts.py",),
    ),
    Mutant(
        "coordinate median replaced by the mean",
        "mechanisms/aggregation/robust.py",
        "return np.median(updates, axis=0)",
        "return updates.mean(axis=0)",
        ("tests/mechanisms/test_contracts.py",),
    ),
    Mutant(
        "aggregation ignores builders' sample sizes",
        "mechanisms/aggregation/fedavg.py",
        "return weights @ updates / weights.sum()",
        "return updates.mean(axis=0)",
        (f"{FLOWS}::test_aggregation_weighs_each_update_by_its_samples",),
    ),
    Mutant(
        "slashing switched off",
        "sim/epoch/consensus.py",
        "fraction = float(world.mechanisms.access.slash_fraction)",
        "fraction = 0.0",
        (f"{FLOWS}::test_slashing_burns_its_share_of_a_bond_and_exit_returns_the_rest",),
    ),
    Mutant(
        "fees ignore the governed price",
        "sim/epoch/rewards.py",
        "price = to_units(state.consumer_price)",
        "price = to_units(world.cfg.economy.consumer_price)",
        (f"{FLOWS}::test_governance_changes_the_fee_consumers_pay_and_the_emission_minted",),
    ),
    Mutant(
        "minting ignores the governed emission",
        "sim/epoch/rewards.py",
        'ledger.mint([TREASURY], [rewards.minted], "emission")',
        "ledger.mint([TREASURY], [to_units(world.cfg.incentive.get('emission_per_epoch', "
        'rewards.minted / UNITS_PER_TOKEN)) if rewards.minted else 0], "emission")',
        (f"{FLOWS}::test_governance_changes_the_fee_consumers_pay_and_the_emission_minted",),
    ),
    Mutant(
        "one extra token minted every epoch",
        "sim/epoch/rewards.py",
        'ledger.mint([TREASURY], [rewards.minted], "emission")',
        'ledger.mint([TREASURY], [rewards.minted + UNITS_PER_TOKEN], "emission")',
        (f"{FLOWS}::test_every_member_runs_in_an_economy_with_lawful_flows",),
    ),
    Mutant(
        "all but the first 4 scorecard values zeroed",
        "sim/metrics/scorecard.py",
        "return [definition(run) for definition in METRICS.values()]",
        "return [d(run) if i < 4 else Metric(d.aspect, d.name, 0.0, d.better, '', 'measured') "
        "for i, d in enumerate(METRICS.values())]",
        ("tests/test_end_to_end.py::test_scorecard_values_agree_with_the_runs_own_records",),
    ),
    Mutant(
        "constant t-quantile",
        "experiments/comparison.py",
        "return float(stats.t.ppf(1 - ALPHA / 2, df))",
        "return 1.96",
        ("tests/test_comparison.py",),
    ),
    Mutant(
        "t table falls back to 1.96 above 30 degrees of freedom",
        "experiments/comparison.py",
        "return float(stats.t.ppf(1 - ALPHA / 2, df))",
        "return float(stats.t.ppf(1 - ALPHA / 2, df)) if df <= 30 else 1.96",
        ("tests/test_comparison.py",),
    ),
    Mutant(
        "unpaired instead of paired verdicts",
        "experiments/comparison.py",
        '"p_value": paired_p_value(differences),',
        '"p_value": float(stats.ttest_ind(wide[a], wide[b], equal_var=False).pvalue),',
        ("tests/test_comparison.py",),
    ),
    Mutant(
        "sensitivity curve read from the first epoch",
        "experiments/report.py",
        'test_accuracy=("test_accuracy", "last")',
        'test_accuracy=("test_accuracy", "first")',
        ("tests/test_comparison.py::test_sensitivity_reads_the_last_epoch",),
    ),
    Mutant(
        "sweep table keeps the first scenario only",
        "sim/sweep.py",
        'for scenario, metrics in summary["scorecard"].items():',
        'for scenario, metrics in list(summary["scorecard"].items())[:1]:',
        (
            "tests/test_figures.py::test_a_two_scenario_sweep_table_keeps_both_scenarios_of_every_job",
        ),
    ),
    Mutant(
        "verifier skips the negative-balance check",
        "sim/ledger.py",
        'if any(self.balances.get(s, 0) < 0 for s in entry["src"]):',
        "if False:",
        ("tests/test_ledger.py",),
    ),
    Mutant(
        "verifier skips the closing-balance check",
        "sim/ledger.py",
        "elif {a: b for a, b in balances.items() if b} != closed:",
        "elif False:",
        ("tests/test_ledger.py",),
    ),
    Mutant(
        "load_npz misaligns features and labels",
        "sim/learning/data.py",
        'x, y = archive["X"], archive["y"]',
        'x, y = archive["X"], np.roll(archive["y"], 1)',
        ("tests/test_data.py",),
    ),
]


def working_tree_copy(destination: Path) -> None:
    files = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    for name in files:
        source = ROOT / name
        if source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)


def first_failure(output: str) -> str | None:
    found = re.search(r"^FAILED (\S+)", output, re.MULTILINE)
    if found:
        return found.group(1)
    found = re.search(r"^ERROR (\S+)", output, re.MULTILINE)
    return found.group(1) if found else None


def check(mutant: Mutant, tree: Path) -> dict:
    target = tree / mutant.path
    original = target.read_text()
    if original.count(mutant.old) != 1:
        raise SystemExit(f"{mutant.name}: the text to replace is not found once in {mutant.path}")
    target.write_text(original.replace(mutant.old, mutant.new))
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-x", "-q", "-rfE", "-p", "no:cacheprovider"]
            + list(mutant.tests),
            cwd=tree,
            env={**os.environ, "PYTHONPATH": str(tree)},
            capture_output=True,
            text=True,
        )
    finally:
        target.write_text(original)
    failing = first_failure(done.stdout)
    return {
        "mutant": mutant.name,
        "file": mutant.path,
        "caught": done.returncode == 1 and failing is not None,
        "failing_test": failing,
        "exit_code": done.returncode,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("match", nargs="?", default="", help="run mutants whose name contains it")
    args = parser.parse_args(argv)
    chosen = [m for m in MUTANTS if args.match in m.name]
    if not chosen:
        parser.error(f"no mutant's name contains {args.match!r}")
    rows = []
    with tempfile.TemporaryDirectory(prefix="named-mutants-") as tmp:
        tree = Path(tmp)
        working_tree_copy(tree)
        for mutant in chosen:
            row = check(mutant, tree)
            rows.append(row)
            mark = "caught" if row["caught"] else "MISSED"
            print(f"{mark:7} {mutant.name:58} {row['failing_test'] or ''}", flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "named-mutants.json").write_text(json.dumps(rows, indent=2) + "\n")
    missed = [r["mutant"] for r in rows if not r["caught"]]
    print(
        f"\n{len(rows) - len(missed)} of {len(rows)} caught; wrote {RESULTS / 'named-mutants.json'}"
    )
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())

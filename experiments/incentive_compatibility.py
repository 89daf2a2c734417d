"""Incentive compatibility: which strategies builders and validators end up playing under each
mechanism when every one of them learns from its profit.

    deai-sim -m experiment=incentive_compatibility          # the sweep (configs/experiment/)
    python -m experiments.incentive_compatibility SWEEP_DIR # incentive_compatibility.md + figure

For every job of the sweep it reads the strategy shares of metrics.parquet (sim/epoch/
adaptation.py) and takes each share's mean over the last ``WINDOW`` epochs as the run's long-run
share.  Runs are grouped by mechanism (consensus variant × incentive) and adaptation rule; the
report gives each strategy's long-run share as mean ± the half-width of its 95 % t-interval over
seeds, and a verdict per role: a strategy "pays" when the lower end of its share's interval is
above one half ("free riding pays", "copying pays", "honesty pays"), "leads" when only its mean
is, "mixed" when no strategy holds half.  figures/strategy_trajectories.png draws the honest share of each role per epoch,
mean over seeds, per mechanism.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.comparison import mean_ci
from experiments.report import find_runs, overrides_of

WINDOW = 10  # final epochs averaged into a run's long-run share
ROLES = ("builder", "validator")
CHEATING = {"builder": "free riding", "validator": "copying"}


def load(sweep_dir: Path) -> pd.DataFrame:
    """One row per job and epoch: its mechanism, adaptation rule, seed and strategy shares."""
    frames = []
    for run in find_runs(sweep_dir):
        settings = overrides_of(run)
        table = pd.read_parquet(run / "metrics.parquet")
        seed = int(pd.read_json(run / "summary.json", typ="series")["seed"])
        table = table[table["scenario"] == table["scenario"].iloc[0]].copy()
        table["consensus"] = settings.get("consensus_variant", settings.get("consensus", "?"))
        table["incentive"] = settings.get("incentive", "?")
        table["adaptation"] = settings.get("adaptation", "fixed")
        table["seed"] = seed
        frames.append(table)
    return pd.concat(frames, ignore_index=True)


def long_run(table: pd.DataFrame) -> pd.DataFrame:
    """Per job: each share's mean over its last WINDOW epochs."""
    shares = [c for c in table.columns if c.startswith("share_") or c == "honest_share"]
    keys = ["consensus", "incentive", "adaptation", "seed"]
    last = table[table["epoch"] > table.groupby(keys)["epoch"].transform("max") - WINDOW]
    return last.groupby(keys, sort=False)[shares].mean().reset_index()


def verdict(role: str, strategies: dict[str, tuple[float, float]]) -> str:
    """Plain words for a role's long-run mix: a strategy "pays" when the lower end of its
    share's 95 % interval is above one half, "leads" when only its mean is."""
    name, (mean, ci) = max(strategies.items(), key=lambda item: item[1][0])
    if mean <= 0.5:
        return "mixed: no strategy holds half"
    if name == "honest":
        what, who = "honesty", "honest"
    else:
        what = CHEATING[role] if name in ("free_rider", "weight_copier") else name
        who = name.replace("_", " ") + "s"
    sure = np.isfinite(ci) and mean - ci > 0.5
    return f"{what} {'pays' if sure else 'leads'}: {who} {mean:.2f} ± {ci:.2f}"


def summarise(runs: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for (consensus, incentive, adaptation), group in runs.groupby(
        ["consensus", "incentive", "adaptation"], sort=False
    ):
        row = {
            "consensus": consensus,
            "incentive": incentive,
            "adaptation": adaptation,
            "seeds": len(group),
        }
        for role in ROLES:
            columns = [c for c in group.columns if c.startswith(f"share_{role}_")]
            stats = {c.removeprefix(f"share_{role}_"): mean_ci(group[c]) for c in columns}
            for name, (mean, ci) in stats.items():
                row[f"{role}:{name}"] = mean
                row[f"{role}:{name}:ci"] = ci
            row[f"{role} verdict"] = verdict(role, stats)
        rows.append(row)
    return pd.DataFrame(rows)


def report_lines(summary: pd.DataFrame, epochs: int) -> list[str]:
    lines = [
        "# Incentive compatibility",
        "",
        f"Long-run share of each strategy (mean of the last {WINDOW} of {epochs} epochs per run; "
        "mean ± 95 % CI over seeds) among active builders and validators.",
        "",
    ]
    for role in ROLES:
        strategies = [
            c.split(":")[1]
            for c in summary.columns
            if c.startswith(f"{role}:") and c.count(":") == 1
        ]
        header = ["consensus", "incentive", "adaptation", *strategies, "verdict"]
        lines += [f"## {role.capitalize()}s", "", "| " + " | ".join(header) + " |"]
        lines.append("|" + "---|" * len(header))
        for _, row in summary.iterrows():
            cells = [row["consensus"], row["incentive"], row["adaptation"]]
            for name in strategies:
                mean, ci = row[f"{role}:{name}"], row[f"{role}:{name}:ci"]
                cells.append(f"{mean:.2f} ± {ci:.2f}" if np.isfinite(ci) else f"{mean:.2f}")
            cells.append(row[f"{role} verdict"])
            lines.append("| " + " | ".join(str(c) for c in cells) + " |")
        lines.append("")
    return lines


def draw(table: pd.DataFrame, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rules = list(dict.fromkeys(table["adaptation"]))
    fig, axes = plt.subplots(
        len(ROLES), len(rules), figsize=(6 * len(rules), 7), sharex=True, sharey=True,
        squeeze=False, layout="constrained",
    )  # fmt: skip
    for col, rule in enumerate(rules):
        part = table[table["adaptation"] == rule]
        for row, role in enumerate(ROLES):
            ax = axes[row][col]
            mean = part.groupby(["consensus", "incentive", "epoch"])[f"share_{role}_honest"].mean()
            for (consensus, incentive), series in mean.groupby(level=[0, 1], sort=False):
                ax.plot(
                    series.index.get_level_values("epoch"), series.to_numpy(),
                    label=f"{consensus} + {incentive}",
                )  # fmt: skip
            ax.set(title=f"{role}s, adaptation={rule}", ylabel="honest share", ylim=(0, 1))
    axes[-1][-1].legend(fontsize="small", loc="center left", bbox_to_anchor=(1, 0.5))
    for ax in axes[-1]:
        ax.set_xlabel("epoch")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sweep_dir", type=Path)
    args = parser.parse_args(argv)
    try:
        table = load(args.sweep_dir)
    except FileNotFoundError as error:
        print(f"incentive_compatibility: error: {error}", file=sys.stderr)
        return 2
    summary = summarise(long_run(table))
    summary.to_parquet(args.sweep_dir / "incentive_compatibility.parquet", index=False)
    draw(table, args.sweep_dir / "figures" / "strategy_trajectories.png")
    out = args.sweep_dir / "incentive_compatibility.md"
    out.write_text("\n".join(report_lines(summary, int(table["epoch"].max()) + 1)) + "\n")
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())

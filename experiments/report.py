"""Collect every run of a sweep into one table and write report.md with its figures.

    deai-sim-report SWEEP_DIR        (or: python -m experiments.report SWEEP_DIR)

A run is any directory below SWEEP_DIR holding a summary.json (Hydra multirun jobs, the seed-k
folders of experiment=comparison_table, single runs).  Runs are grouped by their settings other
than the seed; within a group, seeds are paired and each metric is summarised with
experiments.comparison (mean ± 95 % CI, the side the paired difference favours, a verdict per
row).  Everything in the report is computed from the runs' own files:

- scorecard.parquet: one row per run, scenario and metric; timeseries.parquet: every epoch;
- figures/radar.png: the 16 aspects (first metric each), normalised so that outward is better;
- figures/accuracy_ci.png: test accuracy over epochs, mean and 95 % band over seeds;
- figures/lorenz.png: Lorenz curves of the rewards each account received (from the ledgers);
- for a Hydra sweep, a Jobs section from sweep.parquet: completed, failed and unfinished jobs, and
  the error of each failed one.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.comparison import collect, mean_ci, summarise, verdicts, write_report
from sim.metrics.scorecard import ASPECTS


def find_runs(sweep_dir: Path) -> list[Path]:
    runs = sorted(p.parent for p in Path(sweep_dir).rglob("summary.json"))
    if not runs:
        raise FileNotFoundError(f"no run (summary.json) below {sweep_dir}")
    return runs


IGNORED = ("seed", "output.", "hydra.", "experiment")
COLORS = {"decentralized": "C0", "centralized": "C1"}  # as in every run's own figures


def overrides_of(run: Path) -> dict[str, str]:
    """The command-line overrides Hydra recorded for a run, except the seed and output options."""
    path = run / ".hydra" / "overrides.yaml"
    if not path.is_file():
        return {}
    from omegaconf import OmegaConf

    pairs = (str(item).split("=", 1) for item in OmegaConf.load(path))
    return {k.lstrip("+~"): v for k, v in pairs if not k.lstrip("+~").startswith(IGNORED)}


def _setting(run: Path, summary: dict) -> str:
    """A run's settings other than the seed, as one readable key: its overrides when Hydra
    recorded them, else its mechanisms."""
    overrides = overrides_of(run)
    if overrides:
        return ", ".join(f"{k}={v}" for k, v in sorted(overrides.items()))
    config = next(iter(summary["config"].values()))
    parts = [
        f"{family}={config[family]['_target_'].rsplit('.', 1)[-1]}"
        for family in ("consensus", "incentive", "aggregation")
    ]
    return ", ".join(parts) + f", epochs={summary['epochs']}"


def load(sweep_dir: Path):
    """Scorecard table, time-series table, the run folders of each setting, and run times."""
    cards, series, groups = [], [], {}
    timing = []
    for run in find_runs(sweep_dir):
        summary = json.loads((run / "summary.json").read_text())
        setting = _setting(run, summary)
        groups.setdefault(setting, []).append(run)
        card = collect({summary["seed"]: summary})
        card.insert(0, "run", str(run.relative_to(sweep_dir)))
        card.insert(1, "setting", setting)
        cards.append(card)
        for scenario, seconds in summary.get("seconds", {}).items():
            timing.append(
                {
                    "run": str(run.relative_to(sweep_dir)),
                    "setting": setting,
                    "scenario": scenario,
                    "seconds_per_epoch": seconds / summary["epochs"],
                }
            )
        frame = pd.read_parquet(run / "metrics.parquet")
        frame.insert(0, "run", str(run.relative_to(sweep_dir)))
        frame.insert(1, "seed", summary["seed"])
        frame.insert(2, "setting", setting)
        series.append(frame)
    return (
        pd.concat(cards, ignore_index=True),
        pd.concat(series, ignore_index=True),
        groups,
        pd.DataFrame(timing),
    )


def rewards_by_account(run: Path) -> dict[str, np.ndarray]:
    """Total rewards each account received, per scenario, replayed from the run's ledgers."""
    out = {}
    for ledger in sorted((run / "ledger").glob("*.jsonl")):
        totals: dict[int, int] = {}
        with ledger.open(encoding="utf-8") as lines:
            for line in lines:
                entry = json.loads(line)
                if entry["kind"] == "transfer" and entry["reason"] == "reward":
                    for dst, amount in zip(entry["dst"], entry["amount"], strict=True):
                        totals[dst] = totals.get(dst, 0) + int(amount)
        out[ledger.stem] = np.array(sorted(totals.values()), dtype=float)
    return out


def radar(summary: pd.DataFrame, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    first = summary.groupby("aspect", sort=True).head(1).reset_index(drop=True)
    scores = {}
    for side in ("decentralized", "centralized"):
        values = first[f"{side}_mean"].to_numpy(dtype=float)
        scores[side] = values
    # Ratio to the better of the two (higher-is-better: v / max; lower-is-better: min / v), so
    # near-equal values sit together near the rim and a large gap shows as one.
    both = np.clip(np.vstack([scores["decentralized"], scores["centralized"]]), 0, None)
    lower = (first["better"] == "lower").to_numpy()
    angles = np.linspace(0, 2 * np.pi, len(first), endpoint=False)
    fig, ax = plt.subplots(figsize=(8, 8), subplot_kw={"projection": "polar"}, layout="constrained")
    for row, (side, color) in enumerate((("decentralized", "C0"), ("centralized", "C1"))):
        with np.errstate(divide="ignore", invalid="ignore"):
            up = both[row] / both.max(axis=0)
            down = np.where(both[row] > 0, both.min(axis=0) / both[row], 1.0)
        normalised = np.nan_to_num(np.where(lower, down, up), nan=1.0)
        closed = np.append(normalised, normalised[0])
        ax.plot(np.append(angles, angles[0]), closed, color=color, label=side)
        ax.fill(np.append(angles, angles[0]), closed, color=color, alpha=0.15)
    ax.set_xticks(angles)
    ax.set_xticklabels([f"{a}. {ASPECTS[a - 1]}" for a in first["aspect"]], fontsize=8)
    ax.set_ylim(0, 1)
    ax.set_yticks([0.25, 0.5, 0.75, 1])
    ax.set_yticklabels(["", "0.5", "", "1"], fontsize=7)
    ax.set_title("16 aspects, first metric each, as a ratio to the better side (rim = better)")
    ax.legend(loc="lower right", bbox_to_anchor=(1.1, -0.05))
    fig.savefig(path, dpi=120)
    plt.close(fig)


def accuracy_bands(series: pd.DataFrame, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
    for scenario, frame in series.groupby("scenario", sort=True):
        stats = frame.groupby("epoch")["test_accuracy"].apply(lambda v: mean_ci(v.tolist()))
        epochs = stats.index.to_numpy()
        mean = np.array([m for m, _ in stats])
        half = np.nan_to_num(np.array([h for _, h in stats]))
        ax.plot(epochs, mean, color=COLORS.get(scenario), label=scenario)
        ax.fill_between(epochs, mean - half, mean + half, color=COLORS.get(scenario), alpha=0.2)
    ax.set(
        xlabel="epoch",
        ylabel="test accuracy of the network model",
        ylim=(0, 1),
        title="Learning over epochs: mean and 95 % band over seeds",
    )
    ax.legend()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def lorenz(runs: list[Path], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 5.5), layout="constrained")
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", label="equality")
    colors = {}
    for run in runs:
        for scenario, rewards in rewards_by_account(run).items():
            if rewards.sum() <= 0:
                continue
            color = colors.setdefault(scenario, COLORS.get(scenario, f"C{len(colors) + 2}"))
            shares = np.concatenate([[0], np.cumsum(rewards) / rewards.sum()])
            people = np.linspace(0, 1, len(shares))
            label = scenario if run == runs[0] else None
            ax.plot(people, shares, color=color, alpha=0.6, label=label)
    ax.set(
        xlabel="share of rewarded accounts (poorest first)",
        ylabel="share of all rewards",
        title="Lorenz curves of rewards, one line per run",
    )
    ax.legend()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def report(sweep_dir: Path) -> Path:
    sweep_dir = Path(sweep_dir)
    cards, series, groups, timing = load(sweep_dir)
    cards.to_parquet(sweep_dir / "scorecard.parquet", index=False)
    series.to_parquet(sweep_dir / "timeseries.parquet", index=False)
    figures = sweep_dir / "figures"
    figures.mkdir(exist_ok=True)
    sections = [
        f"# Sweep report: {len(cards['run'].unique())} runs in {len(groups)} setting(s)",
        "",
    ]
    sections += job_status(sweep_dir)
    for n, (setting, runs) in enumerate(groups.items()):
        card = cards[cards["setting"] == setting]
        if card["scenario"].nunique() < 2:
            sections += [f"## {setting}", "", *single_scenario_table(card), ""]
            continue
        summary = summarise(card)
        seeds = card["seed"].nunique()
        epochs = int(series[series["setting"] == setting]["epoch"].max()) + 1
        tag = f"-{n}" if len(groups) > 1 else ""
        radar(summary, figures / f"radar{tag}.png")
        accuracy_bands(series[series["setting"] == setting], figures / f"accuracy_ci{tag}.png")
        lorenz(runs, figures / f"lorenz{tag}.png")
        part = write_report(sweep_dir, summary, seeds, epochs).read_text().splitlines()
        decided = verdicts(summary)
        tally = {side: sum(v == side for v in decided.values()) for side in set(decided.values())}
        sections += [
            f"## {setting}",
            "",
            *part[2:-2],
            "Rows by verdict: " + ", ".join(f"{k} {v}" for k, v in sorted(tally.items())),
            "",
            f"![radar](figures/radar{tag}.png)",
            f"![accuracy](figures/accuracy_ci{tag}.png)",
            f"![lorenz](figures/lorenz{tag}.png)",
            "",
        ]
    if len(timing):
        sections += [
            "## Run time",
            "",
            "Wall-clock seconds per epoch (mean over seeds), as each "
            "run recorded them on its machine.",
            "",
            "| setting | scenario | s / epoch |",
            "|---|---|---|",
        ]
        for (setting, scenario), group in timing.groupby(["setting", "scenario"], sort=True):
            sections.append(f"| {setting} | {scenario} | {group['seconds_per_epoch'].mean():.3f} |")
        sections.append("")
    curve = sensitivity(cards, series, figures / "sensitivity.png")
    if curve:
        sections += ["## Sensitivity", "", curve, "", "![sensitivity](figures/sensitivity.png)", ""]
    path = sweep_dir / "report.md"
    path.write_text("\n".join(sections))
    return path


def job_status(sweep_dir: Path) -> list[str]:
    """The Jobs section of a Hydra sweep, from its sweep.parquet (gathered afresh): how many jobs
    completed, failed or never ended, and the overrides and error of each that did not complete.
    Empty for folders that are not Hydra sweeps."""
    from sim.sweep import RECORD, gather

    if not any(Path(sweep_dir).rglob(RECORD)):
        return []
    jobs = gather(sweep_dir).groupby("job", sort=False).first()
    counts = jobs["status"].value_counts()
    lines = [
        "## Jobs",
        "",
        "From sweep.parquet: "
        + ", ".join(
            f"{counts[s]} {s}" for s in ("completed", "failed", "incomplete") if s in counts
        )
        + ".",
        "",
    ]
    unfinished = jobs[jobs["status"] != "completed"]
    if len(unfinished):
        lines += ["| job | status | overrides | error |", "|---|---|---|---|"]
        for job, row in unfinished.iterrows():
            error = str(row["error"]).replace("|", "\\|").replace("\n", " ")
            lines.append(f"| {job} | {row['status']} | `{row['overrides']}` | {error} |")
        lines.append("")
    return lines


def single_scenario_table(card: pd.DataFrame) -> list[str]:
    """Mean ± 95 % CI of every metric when a setting ran one scenario only."""
    scenario = card["scenario"].iloc[0]
    lines = [
        f"{scenario} only, {card['seed'].nunique()} seed(s).",
        "",
        "| # | metric | mean ± 95 % CI |",
        "|---|---|---|",
    ]
    for (aspect, metric), group in card.groupby(["aspect", "metric"], sort=True):
        mean, half = mean_ci(group["value"].tolist())
        arrow = "↑" if group["better"].iloc[0] == "higher" else "↓"
        shown = (
            "n/a"
            if not np.isfinite(mean)
            else (f"{mean:.3g} ± {half:.2g}" if np.isfinite(half) else f"{mean:.3g}")
        )
        lines.append(f"| {aspect} | {metric} {arrow} | {shown} |")
    return lines


def sensitivity(cards: pd.DataFrame, series: pd.DataFrame, path: Path) -> str:
    """Final test accuracy against the first numeric override that varies across runs, one line
    per combination of the other varying overrides (e.g. accuracy against the attacker share,
    per aggregation rule): the robustness and resilience curves of a sweep."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = series.groupby("run").agg(setting=("setting", "first"))
    settings = {
        run: dict(kv.split("=", 1) for kv in setting.split(", ") if "=" in kv)
        for run, setting in runs["setting"].items()
    }
    keys = sorted({k for s in settings.values() for k in s})
    varying = [k for k in keys if len({s.get(k) for s in settings.values()}) > 1]

    def numeric(key):
        try:
            return all(float(s[key]) == float(s[key]) for s in settings.values() if key in s)
        except ValueError:
            return False

    axis = next((k for k in varying if numeric(k)), None)
    if axis is None:
        return ""
    others = [k for k in varying if k != axis]
    ordered = series.sort_values("epoch")
    per_run = (
        ordered.groupby(["run", "scenario"])
        .agg(test_accuracy=("test_accuracy", "last"), available=("available", "mean"))
        .reset_index()
    )
    per_run["label"] = [
        ", ".join(f"{k}={settings[r].get(k, '')}" for k in others) for r in per_run["run"]
    ]
    per_run["x"] = [float(settings[r].get(axis, "nan")) for r in per_run["run"]]
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5), layout="constrained")
    rows = []
    for (scenario, label), group in per_run.groupby(["scenario", "label"]):
        name = f"{scenario}: {label}" if label else scenario
        summary_parts = []
        for ax, column in zip(axes, ("test_accuracy", "available"), strict=True):
            stats = group.groupby("x")[column].apply(lambda v: mean_ci(v.tolist()))
            xs = stats.index.to_numpy()
            means = np.array([m for m, _ in stats])
            halves = np.nan_to_num(np.array([h for _, h in stats]))
            color = None if label else COLORS.get(scenario)
            ax.errorbar(xs, means, yerr=halves, marker="o", capsize=3, label=name, color=color)
            summary_parts.append(
                ", ".join(f"{x:g} → {m:.3f}" for x, m in zip(xs, means, strict=True))
            )
        rows.append(f"- {name}: accuracy {summary_parts[0]}; availability {summary_parts[1]}")
    axes[0].set(
        xlabel=axis,
        ylabel="final test accuracy (mean ± 95 % CI)",
        ylim=(0, 1),
        title=f"Accuracy against {axis}",
    )
    axes[1].set(
        xlabel=axis,
        ylabel="share of epochs decided and paid (mean ± 95 % CI)",
        ylim=(0, 1.05),
        title=f"Availability against {axis}",
    )
    axes[0].legend(fontsize=7)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return f"Final test accuracy and availability against `{axis}`:\n" + "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="deai-sim-report", description=__doc__.splitlines()[0])
    parser.add_argument("sweep_dir", type=Path)
    args = parser.parse_args(argv)
    try:
        path = report(args.sweep_dir)
    except FileNotFoundError as error:
        print(f"deai-sim-report: error: {error}", file=sys.stderr)
        return 2
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The comparison table, measured: both scenarios over several seeds, with 95 % confidence
intervals and a verdict per metric and per row of the table.

Seeds are paired: a seed gives both scenarios the same participants, data and random streams
(common random numbers), so each metric's difference decentralized − centralized is compared
seed by seed.  A metric favours a side when the 95 % t-interval of the paired difference excludes
zero, in that metric's better direction; a row's verdict is the side all its significant metrics
favour, "mixed" when they disagree, and "no significant difference" when none is significant.

    deai-sim experiment=comparison_table            # 5 seeds, small default sizes
    deai-sim experiment=comparison_table experiment.seeds=10 epochs=50

Writes comparison.parquet (one row per seed, scenario and metric), comparison_summary.parquet,
report.md and figures/comparison.png into the run directory.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from sim.metrics.scorecard import ASPECTS

# Two-sided 95 % Student-t quantiles t_{0.975, df} (df 1–30); beyond, the normal 1.96.
T_975 = [
    12.706,
    4.303,
    3.182,
    2.776,
    2.571,
    2.447,
    2.365,
    2.306,
    2.262,
    2.228,
    2.201,
    2.179,
    2.160,
    2.145,
    2.131,
    2.120,
    2.110,
    2.101,
    2.093,
    2.086,
    2.080,
    2.074,
    2.069,
    2.064,
    2.060,
    2.056,
    2.052,
    2.048,
    2.045,
    2.042,
]


def t_quantile(df: int) -> float:
    return T_975[df - 1] if 1 <= df <= len(T_975) else 1.96


def mean_ci(values) -> tuple[float, float]:
    """Mean and half-width of its 95 % t-interval (NaN half-width for one value)."""
    values = np.asarray([v for v in values if v is not None and math.isfinite(v)], dtype=float)
    if len(values) == 0:
        return float("nan"), float("nan")
    if len(values) == 1:
        return float(values[0]), float("nan")
    return float(values.mean()), t_quantile(len(values) - 1) * values.std(ddof=1) / math.sqrt(
        len(values)
    )


def collect(summaries: dict[int, dict]) -> pd.DataFrame:
    """Long table: seed, scenario, aspect, metric, better, value."""
    rows = []
    for seed, summary in summaries.items():
        for scenario, metrics in summary["scorecard"].items():
            for m in metrics:
                rows.append(
                    {
                        "seed": seed,
                        "scenario": scenario,
                        "aspect": m["aspect"],
                        "aspect_name": m["aspect_name"],
                        "metric": m["name"],
                        "better": m["better"],
                        "value": m["value"],
                    }
                )
    return pd.DataFrame(rows)


def summarise(
    table: pd.DataFrame, a: str = "decentralized", b: str = "centralized"
) -> pd.DataFrame:
    """Per metric: both means ± CI, the paired difference a − b ± CI and which side it favours."""
    rows = []
    for (aspect, metric), group in table.groupby(["aspect", "metric"], sort=True):
        wide = group.pivot(index="seed", columns="scenario", values="value")
        better = group["better"].iloc[0]
        mean_a, ci_a = mean_ci(wide[a])
        mean_b, ci_b = mean_ci(wide[b])
        diff, ci_d = mean_ci((wide[a] - wide[b]).tolist())
        if not math.isfinite(ci_d) or abs(diff) <= ci_d or (ci_d == 0 and diff == 0):
            favours = "none"
        else:
            a_higher = diff > 0
            favours = a if a_higher == (better == "higher") else b
        rows.append(
            {
                "aspect": aspect,
                "aspect_name": ASPECTS[aspect - 1],
                "metric": metric,
                "better": better,
                f"{a}_mean": mean_a,
                f"{a}_ci": ci_a,
                f"{b}_mean": mean_b,
                f"{b}_ci": ci_b,
                "difference": diff,
                "difference_ci": ci_d,
                "favours": favours,
            }
        )
    return pd.DataFrame(rows)


def verdicts(summary: pd.DataFrame) -> dict[int, str]:
    out = {}
    for aspect, group in summary.groupby("aspect"):
        sides = set(group["favours"]) - {"none"}
        out[aspect] = (
            sides.pop() if len(sides) == 1 else ("mixed" if sides else "no significant difference")
        )
    return out


def _fmt(mean: float, ci: float) -> str:
    if not math.isfinite(mean):
        return "n/a"
    return f"{mean:.3g} ± {ci:.2g}" if math.isfinite(ci) else f"{mean:.3g}"


def write_report(out: Path, summary: pd.DataFrame, seeds: int, epochs: int) -> Path:
    verdict = verdicts(summary)
    lines = [
        "# Centralized vs decentralized AI: the comparison table, measured",
        "",
        f"{seeds} paired seeds × {epochs} epochs per scenario; mean ± 95 % t-interval over seeds. "
        "A metric favours a side when the interval of the paired difference excludes zero in "
        "its better direction (↑ higher is better, ↓ lower).",
        "",
        "| # | aspect | metric | decentralized | centralized | favours | row verdict |",
        "|---|---|---|---|---|---|---|",
    ]
    for aspect, group in summary.groupby("aspect", sort=True):
        for i, row in enumerate(group.itertuples()):
            arrow = "↑" if row.better == "higher" else "↓"
            lines.append(
                f"| {aspect if i == 0 else ''} | {row.aspect_name if i == 0 else ''} | "
                f"{row.metric} {arrow} | {_fmt(row.decentralized_mean, row.decentralized_ci)} | "
                f"{_fmt(row.centralized_mean, row.centralized_ci)} | {row.favours} | "
                f"{verdict[aspect] if i == 0 else ''} |"
            )
    lines += ["", "![first metric per aspect](figures/comparison.png)", ""]
    path = out / "report.md"
    path.write_text("\n".join(lines))
    return path


def draw(out: Path, summary: pd.DataFrame) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    first = summary.groupby("aspect", sort=True).head(1)
    fig, axes = plt.subplots(4, 4, figsize=(14, 12), layout="constrained")
    for ax, row in zip(axes.ravel(), first.itertuples(), strict=False):
        means = [row.decentralized_mean, row.centralized_mean]
        cis = [np.nan_to_num(row.decentralized_ci), np.nan_to_num(row.centralized_ci)]
        ax.bar(["decentralized", "centralized"], means, yerr=cis, capsize=4, color=["C0", "C1"])
        arrow = "↑" if row.better == "higher" else "↓"
        ax.set_title(f"{row.aspect}. {row.aspect_name}\n{row.metric} ({arrow} better)", fontsize=9)
        ax.tick_params(labelsize=8)
    fig.suptitle("Comparison table: mean ± 95 % CI over seeds (first metric per aspect)")
    (out / "figures").mkdir(parents=True, exist_ok=True)
    fig.savefig(out / "figures" / "comparison.png", dpi=120)
    plt.close(fig)


def run_comparison(
    overrides: list[str],
    seeds: int,
    epochs: int,
    out: Path,
    progress: bool = True,
    resume: bool = False,
) -> pd.DataFrame:
    """Run both scenarios for seeds 0..seeds−1 (each in out/seed-k) and write the report; with
    ``resume``, a seed whose folder holds a finished summary.json is read back, not rerun."""
    from tqdm.auto import tqdm

    from sim.cli import preflight
    from sim.run import run_scenarios

    skip = ("seed", "epochs", "experiment")
    base = [o for o in overrides if not o.split("=")[0].lstrip("+~").startswith(skip)]
    base.append(f"epochs={epochs}")
    summaries = {}
    for seed in tqdm(range(seeds), desc="seeds", disable=not progress):
        finished = out / f"seed-{seed}" / "summary.json"
        if resume and finished.is_file():
            summaries[seed] = json.loads(finished.read_text())
            continue
        configs = preflight(
            [*base, f"seed={seed}", "output.figures=false", "output.progress=false"]
        )
        summaries[seed] = run_scenarios(configs, out / f"seed-{seed}", progress=False)
    table = collect(summaries)
    table.to_parquet(out / "comparison.parquet", index=False)
    summary = summarise(table)
    summary.to_parquet(out / "comparison_summary.parquet", index=False)
    draw(out, summary)
    write_report(out, summary, seeds, epochs)
    return summary

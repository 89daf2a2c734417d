"""The comparison table, measured: both scenarios over several seeds, with 95 % confidence
intervals and a verdict per metric and per row of the table.

Seeds are paired: a seed gives both scenarios the same participants, data and random streams
(common random numbers), so each metric's difference decentralized − centralized is compared
seed by seed with a paired t-test.  A metric is tested only where it is measured in both
scenarios: one that either scenario's definition fixes (sim.world.World.fixed_metrics: an owner's
turnout, a star's centralization) is reported apart, and one whose paired differences are the same
in every seed gets no test.  The p-values of the tested metrics are adjusted together by
Holm's step-down procedure, so the chance of any false "favours" in a report stays at 5 %; a
measured metric favours a side when its adjusted p-value is below 0.05, in that metric's better
direction.  A row's verdict is the side all its significant measured metrics favour, "mixed" when
they disagree, and "no significant difference" when none is significant.

    deai-sim experiment=comparison_table            # 5 seeds, small default sizes
    deai-sim experiment=comparison_table experiment.seeds=10 epochs=50
    deai-sim experiment=comparison_table seed=100   # paired seeds 100–104

Writes comparison.parquet (one row per seed, scenario and metric), comparison_summary.parquet,
report.md and figures/comparison.png into the run directory.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from sim.metrics.scorecard import ASPECTS, HEADLINES

ALPHA = 0.05  # family-wise error rate of a run's verdicts (Holm) and 1 − the CIs' coverage


def t_quantile(df: int) -> float:
    """Two-sided 95 % Student-t quantile t_{0.975, df} (12.706 at 1, 2.040 at 31, → 1.960)."""
    return float(stats.t.ppf(1 - ALPHA / 2, df))


def paired_p_value(differences) -> float:
    """Two-sided p-value of the paired t-test of mean difference 0 (Student 1908).

    NaN with fewer than two finite differences, and NaN when they are all equal: the t statistic
    is then 0/0 or infinite, a difference fixed by the designs compared rather than a finding
    (the report says "fixed: no test").  Equal means equal up to rounding: a spread within
    10⁻¹² of the largest difference.
    """
    d = _finite(differences)
    if len(d) < 2 or _all_equal(d):
        return float("nan")
    t = d.mean() / (d.std(ddof=1) / math.sqrt(len(d)))
    return float(2 * stats.t.sf(abs(t), len(d) - 1))


def _finite(values) -> np.ndarray:
    return np.asarray([v for v in values if v is not None and math.isfinite(v)], dtype=float)


def _all_equal(d: np.ndarray) -> bool:
    return bool(np.ptp(d) <= 1e-12 * max(1.0, float(np.abs(d).max())))


def test_status(differences) -> str:
    """Why a metric measured on both sides was or was not tested."""
    d = _finite(differences)
    if len(d) < 2:
        return "n/a: fewer than two finite differences"
    return "fixed: no test" if _all_equal(d) else "paired t"


def holm(p_values) -> np.ndarray:
    """Holm's step-down adjusted p-values (Holm, "A simple sequentially rejective multiple test
    procedure", Scand. J. Statistics 6, 1979): with the m finite p-values sorted ascending,
    p̃_(i) = max_{j ≤ i} min(1, (m − j + 1) · p_(j)).  Rejecting p̃ < α controls the
    family-wise error rate at α.  NaN p-values stay NaN and do not count in m."""
    p = np.asarray(p_values, dtype=float)
    adjusted = np.full(p.shape, np.nan)
    finite = np.flatnonzero(np.isfinite(p))
    m = len(finite)
    if m == 0:
        return adjusted
    order = finite[np.argsort(p[finite], kind="stable")]
    scaled = np.minimum(1.0, (m - np.arange(m)) * p[order])
    adjusted[order] = np.maximum.accumulate(scaled)
    return adjusted


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


def seeds_missing(values, what: str) -> str:
    """ " (k of n seeds WHAT)" when k of the n seeds have no value (None or NaN), so that a
    mean over the rest is not taken for all of them; "" when none is missing."""
    missing = sum(v is None or not math.isfinite(v) for v in values)
    return f" ({missing} of {len(values)} seeds {what})" if missing else ""


def collect(summaries: dict[int, dict]) -> pd.DataFrame:
    """Long table: seed, scenario, aspect, metric, better, kind, fixed_by, value."""
    rows = []
    for seed, summary in summaries.items():
        for scenario, metrics in summary["scorecard"].items():
            for m in metrics:
                # Summaries written before metrics had kinds count as measured.
                kind = m.get("kind", "measured")
                rows.append(
                    {
                        "seed": seed,
                        "scenario": scenario,
                        "aspect": m["aspect"],
                        "aspect_name": m["aspect_name"],
                        "metric": m["name"],
                        "better": m["better"],
                        "kind": kind,
                        "fixed_by": m.get("fixed_by") or ("fixed" if kind == "structural" else ""),
                        "value": m["value"],
                    }
                )
    return pd.DataFrame(rows)


def _fixed_in(group: pd.DataFrame, scenario: str) -> str:
    """Why ``scenario``'s definition fixes the metric of ``group`` ("" where it is measured)."""
    fixed = group[(group["scenario"] == scenario) & (group["kind"] == "structural")]
    if fixed.empty:
        return ""
    reasons = fixed["fixed_by"] if "fixed_by" in fixed else pd.Series(dtype=str)
    return next((r for r in reasons if r), "fixed")


def summarise(
    table: pd.DataFrame, a: str = "decentralized", b: str = "centralized"
) -> pd.DataFrame:
    """Per metric: both means ± CI, why either side's definition fixes it (``a_fixed``,
    ``b_fixed``), the paired difference a − b ± CI, its paired-t p-value and how it was tested,
    and the Holm-adjusted p-value across the tested metrics and which side it favours.

    A metric is tested only where it is measured in both scenarios; it is structural when
    either scenario's definition fixes its value (an owner's turnout, a star's centralization).
    A measured metric whose paired differences are all equal is "fixed: no test".  Neither gets
    a p-value, counts in Holm's m or favours a side."""
    rows = []
    for (aspect, metric), group in table.groupby(["aspect", "metric"], sort=True):
        wide = group.pivot(index="seed", columns="scenario", values="value")
        differences = (wide[a] - wide[b]).tolist()
        fixed_a, fixed_b = _fixed_in(group, a), _fixed_in(group, b)
        structural = bool(fixed_a or fixed_b)
        mean_a, ci_a = mean_ci(wide[a])
        mean_b, ci_b = mean_ci(wide[b])
        diff, ci_d = mean_ci(differences)
        rows.append(
            {
                "aspect": aspect,
                "aspect_name": ASPECTS[aspect - 1],
                "metric": metric,
                "better": group["better"].iloc[0],
                "kind": "structural" if structural else "measured",
                f"{a}_fixed": fixed_a,
                f"{b}_fixed": fixed_b,
                f"{a}_mean": mean_a,
                f"{a}_ci": ci_a,
                f"{b}_mean": mean_b,
                f"{b}_ci": ci_b,
                "difference": diff,
                "difference_ci": ci_d,
                "test": "fixed by definition" if structural else test_status(differences),
                "p_value": float("nan") if structural else paired_p_value(differences),
            }
        )
    summary = pd.DataFrame(rows)
    summary["p_holm"] = holm(summary["p_value"])
    significant = (summary["p_holm"] < ALPHA).to_numpy()
    a_higher = summary["difference"] > 0
    a_wins = a_higher == (summary["better"] == "higher")
    summary["favours"] = np.where(significant, np.where(a_wins, a, b), "none")
    return summary


def verdicts(summary: pd.DataFrame) -> dict[int, str]:
    """Per aspect: the side every significant tested metric favours, "mixed" when they
    disagree, "no significant difference" when none is significant, "no test possible" when
    no metric measured on both sides could be tested, and "structural only" when no metric is
    measured on both sides."""
    out = {}
    for aspect, group in summary.groupby("aspect"):
        measured = group[group["kind"] == "measured"]
        tested = measured[measured["p_value"].notna()]
        sides = set(tested["favours"]) - {"none"}
        if measured.empty:
            out[aspect] = "structural only"
        elif tested.empty:
            out[aspect] = "no test possible"
        elif len(sides) == 1:
            out[aspect] = sides.pop()
        else:
            out[aspect] = "mixed" if sides else "no significant difference"
    return out


def deciding_metrics(summary: pd.DataFrame) -> dict[int, list[str]]:
    """Per aspect, the metrics its verdict rests on, each with the side it favours."""
    decided = summary[summary["favours"] != "none"]
    return {
        aspect: [f"{row.metric} ({row.favours})" for row in group.itertuples()]
        for aspect, group in decided.groupby("aspect")
    }


def uncounted_metrics(summary: pd.DataFrame, a="decentralized", b="centralized") -> dict:
    """Per aspect, the metrics no verdict may count, each with the reason."""
    out: dict[int, list[str]] = {}
    for row in summary.itertuples():
        fixed = [side for side in (a, b) if getattr(row, f"{side}_fixed")]
        if fixed:
            reason = f"fixed in {' and '.join(fixed)}"
        elif row.test == "fixed: no test":
            reason = "fixed difference"
        elif row.test != "paired t":
            reason = row.test
        else:
            continue
        out.setdefault(row.aspect, []).append(f"{row.metric} ({reason})")
    return out


def _fmt(mean: float, ci: float) -> str:
    if not math.isfinite(mean):
        return "n/a"
    if math.isfinite(ci) and ci < 1e-9 * max(1.0, abs(mean)):
        ci = 0.0  # rounding noise of identical values
    return f"{mean:.3g} ± {ci:.2g}" if math.isfinite(ci) else f"{mean:.3g}"


def _fmt_p(p: float) -> str:
    if not math.isfinite(p):
        return "n/a"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def write_report(out: Path, summary: pd.DataFrame, seeds: int, epochs: int) -> Path:
    """report.md of a comparison table."""
    path = out / "report.md"
    path.write_text("\n".join(report_lines(summary, seeds, epochs)))
    return path


def _cell(mean: float, ci: float, fixed: str) -> str:
    return _fmt(mean, ci) + (" (fixed)" if fixed else "")


def report_lines(summary: pd.DataFrame, seeds: int, epochs: int) -> list[str]:
    """The comparison report as markdown lines: the metrics measured on both sides with paired
    and Holm-adjusted p-values, the metrics a definition fixes apart (each side marked, with
    the reason), the row verdicts with the metrics that decided each, the headline figure."""
    verdict = verdicts(summary)
    decided, uncounted = deciding_metrics(summary), uncounted_metrics(summary)
    measured = summary[summary["kind"] == "measured"]
    structural = summary[summary["kind"] == "structural"]
    lines = [
        "# Centralized vs decentralized AI: the comparison table, measured",
        "",
        f"{seeds} paired seeds × {epochs} epochs per scenario; mean ± 95 % t-interval over seeds "
        "(↑ higher is better, ↓ lower).",
        "",
        "## Measured metrics",
        "",
        "Outcomes of the runs, measured on both sides.  p is the paired t-test of "
        f"decentralized − centralized; p (Holm) adjusts it for the "
        f"{int(summary['p_value'].notna().sum())} metrics tested (Holm 1979), and a metric "
        f"favours a side when p (Holm) < {ALPHA} in its better direction.  A difference that is "
        "the same in every seed is fixed by the designs, not a finding: it is not tested "
        '("fixed: no test").  A row\'s verdict is the side all its significant metrics favour.',
        "",
        "| # | aspect | metric | decentralized | centralized | difference | p | p (Holm) "
        "| favours | row verdict |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for aspect, group in measured.groupby("aspect", sort=True):
        for i, row in enumerate(group.itertuples()):
            arrow = "↑" if row.better == "higher" else "↓"
            p = _fmt_p(row.p_value) if row.test == "paired t" else row.test
            lines.append(
                f"| {aspect if i == 0 else ''} | {row.aspect_name if i == 0 else ''} | "
                f"{row.metric} {arrow} | {_fmt(row.decentralized_mean, row.decentralized_ci)} | "
                f"{_fmt(row.centralized_mean, row.centralized_ci)} | "
                f"{_fmt(row.difference, row.difference_ci)} | {p} | "
                f"{_fmt_p(row.p_holm)} | {row.favours} | {verdict[aspect] if i == 0 else ''} |"
            )
    lines += [
        "",
        "## Structural metrics",
        "",
        "Fixed by how one or both scenarios are defined (a star, one evaluator, a data lake, an "
        "owner deciding alone, permissioned entry, a ledger policy): they describe the designs "
        "compared, not findings, and no verdict counts them.  (fixed) marks the side whose "
        "definition fixes the value; the other side's value is measured.",
        "",
        "| # | aspect | metric | decentralized | centralized | fixed because |",
        "|---|---|---|---|---|---|",
    ]
    for row in structural.itertuples():
        arrow = "↑" if row.better == "higher" else "↓"
        why = "; ".join(
            f"{side}: {reason}"
            for side, reason in (
                ("decentralized", row.decentralized_fixed),
                ("centralized", row.centralized_fixed),
            )
            if reason
        )
        lines.append(
            f"| {row.aspect} | {row.aspect_name} | {row.metric} {arrow} | "
            f"{_cell(row.decentralized_mean, row.decentralized_ci, row.decentralized_fixed)} | "
            f"{_cell(row.centralized_mean, row.centralized_ci, row.centralized_fixed)} | "
            f"{why} |"
        )
    lines += [
        "",
        "## Row verdicts",
        "",
        "| # | aspect | verdict | decided by | not counted |",
        "|---|---|---|---|---|",
        *(
            f"| {a} | {ASPECTS[a - 1]} | {v} | {', '.join(decided.get(a, [])) or '—'} | "
            f"{', '.join(uncounted.get(a, [])) or '—'} |"
            for a, v in sorted(verdict.items())
        ),
        "",
        "![headline metric per aspect](figures/comparison.png)",
        "",
    ]
    return lines


def draw(out: Path, summary: pd.DataFrame) -> None:
    """One panel per aspect: its headline metric (the scorecard's first for that aspect), both
    sides' means with 95 % CIs and value labels; structural metrics are drawn hatched and grey,
    an undefined mean is left empty and labelled n/a."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    headline = summary[summary["metric"].isin(HEADLINES.values())].set_index("aspect")
    fig, axes = plt.subplots(4, 4, figsize=(14, 12), layout="constrained")
    for ax, aspect in zip(axes.ravel(), range(1, 17), strict=True):
        if aspect not in headline.index:
            ax.set_axis_off()
            continue
        row = headline.loc[aspect]
        means = np.array([row["decentralized_mean"], row["centralized_mean"]], dtype=float)
        cis = np.nan_to_num([row["decentralized_ci"], row["centralized_ci"]])
        structural = row["kind"] == "structural"
        colours = ["0.6", "0.8"] if structural else ["C0", "C1"]
        bars = ax.bar(
            ["decentralized", "centralized"],
            np.nan_to_num(means),
            yerr=np.where(np.isfinite(means), cis, 0),
            capsize=4,
            color=colours,
            hatch="//" if structural else None,
        )
        labels = [f"{m:.3g}" if np.isfinite(m) else "n/a" for m in means]
        ax.bar_label(bars, labels=labels, fontsize=8, padding=2)
        arrow = "↑" if row["better"] == "higher" else "↓"
        kind = " — structural" if structural else ""
        ax.set_title(
            f"{aspect}. {row['aspect_name']}{kind}\n{row['metric']} ({arrow} better)", fontsize=9
        )
        ax.tick_params(labelsize=8)
        ax.margins(y=0.15)
    fig.suptitle(
        "Comparison table: headline metric per aspect, mean ± 95 % CI over seeds "
        "(grey, hatched: structural)"
    )
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
    first_seed: int = 0,
) -> pd.DataFrame:
    """Run both scenarios for seeds first_seed … first_seed + seeds − 1 (each in out/seed-k) and
    write the report; with ``resume``, a seed whose folder holds a finished summary.json is read
    back, not rerun."""
    from tqdm.auto import tqdm

    from sim import compose
    from sim.run import run_scenarios

    skip = ("seed", "epochs", "experiment")
    base = [o for o in overrides if not o.split("=")[0].lstrip("+~").startswith(skip)]
    base.append(f"epochs={epochs}")
    summaries = {}
    for seed in tqdm(range(first_seed, first_seed + seeds), desc="seeds", disable=not progress):
        finished = out / f"seed-{seed}" / "summary.json"
        if resume and finished.is_file():
            summaries[seed] = json.loads(finished.read_text())
            continue
        configs = compose([*base, f"seed={seed}", "output.figures=false", "output.progress=false"])
        summaries[seed] = run_scenarios(configs, out / f"seed-{seed}", progress=False)
    table = collect(summaries)
    table.to_parquet(out / "comparison.parquet", index=False)
    summary = summarise(table)
    summary.to_parquet(out / "comparison_summary.parquet", index=False)
    draw(out, summary)
    write_report(out, summary, seeds, epochs)
    return summary


def run_comparison_table(cfg, overrides: list[str], run_dir: Path, progress: bool):
    """``experiment=comparison_table``: both scenarios over ``experiment.seeds`` paired seeds
    from ``seed`` on (seed, seed + 1, …), so that ``-m ... seed=0,5`` gives distinct
    replicates."""
    return run_comparison(
        overrides,
        cfg.experiment.seeds,
        cfg.epochs,
        run_dir,
        progress=progress,
        resume=cfg.resume,
        first_seed=cfg.seed,
    )

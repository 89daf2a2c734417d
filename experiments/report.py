"""Collect every run of a sweep into one table and write sweep_report.md with its figures.

    deai-sim-report SWEEP_DIR [--metric NAME]   (or: python -m experiments.report SWEEP_DIR)
    deai-sim-report --rescore RUN_OR_SWEEP_DIR  recompute saved runs' scorecards (sim.rescore)

A run is any directory below SWEEP_DIR holding a summary.json (Hydra multirun jobs, the seed-k
folders of experiment=comparison_table, single runs).  Runs are grouped by their settings other
than the seed, listed in the sweep's own order (Hydra's job numbers).  Everything in the report is
computed from the runs' own files:

- settings.parquet and the report's first table: one row per setting and scenario, the headline
  metric of every aspect and the final test accuracy as columns, mean ± 95 % CI over seeds;
- figures/settings_<metric>.png: the settings compared on one metric (``--metric``: any scorecard
  metric or metrics.parquet column, its final-epoch value; final test accuracy by default);
- sweep_details.md: per setting, the full comparison (experiments.comparison: measured metrics
  with Holm-adjusted paired tests, structural metrics apart, row verdicts) and its figures;
- scorecard.parquet: one row per run, scenario and metric; timeseries.parquet: every epoch;
- figures/radar.png: the 16 aspects (headline metric each), normalised so that outward is better;
- figures/accuracy_ci.png: test accuracy over epochs, mean and 95 % band over seeds;
- figures/lorenz.png: Lorenz curves of the rewards each account received (from the ledgers);
- for a Hydra sweep, a Jobs section from sweep.parquet: completed, failed and unfinished jobs, and
  the error of each failed one.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd

from experiments import design_report, doc_blocks
from experiments.comparison import collect, mean_ci, report_lines, summarise, verdicts
from sim.metrics.scorecard import ASPECTS, HEADLINES
from sim.rescore import rescore
from sim.sweep import job_order

REPORT = "sweep_report.md"  # not report.md: a comparison table's own report keeps that name
DETAILS = "sweep_details.md"
DEFAULT_METRIC = "test_accuracy"


def sweep_order(path: Path) -> tuple:
    """Sort key that puts job 2 before job 10 (Hydra numbers jobs 0, 1, …, 10, …)."""
    return tuple(job_order(part) for part in path.parts)


def find_runs(sweep_dir: Path) -> list[Path]:
    runs = sorted((p.parent for p in Path(sweep_dir).rglob("summary.json")), key=sweep_order)
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


def _settings_of(run: Path, summary: dict) -> dict[str, str]:
    """A run's settings other than the seed: its overrides when Hydra recorded them, else its
    mechanisms and length."""
    overrides = overrides_of(run)
    if overrides:
        return overrides
    config = next(iter(summary["config"].values()))
    settings = {
        family: config[family]["_target_"].rsplit(".", 1)[-1]
        for family in ("consensus", "incentive", "aggregation")
    }
    return {**settings, "epochs": str(summary["epochs"])}


def setting_labels(settings: list[dict[str, str]]) -> tuple[list[str], dict[str, str]]:
    """Each run's label, made of the settings that differ between runs (in the order the
    overrides were typed), and the settings every run shares."""
    keys = list(dict.fromkeys(k for s in settings for k in s))
    varying = [k for k in keys if len({s.get(k) for s in settings}) > 1]
    shared = {k: settings[0][k] for k in keys if k not in varying}
    labels = [", ".join(f"{k}={s.get(k, '(default)')}" for k in varying) for s in settings]
    return labels, shared


def load(sweep_dir: Path):
    """Scorecard table, time-series table, the run folders of each setting, and run times."""
    cards, series, groups = [], [], {}
    timing = []
    runs = find_runs(sweep_dir)
    summaries = [json.loads((run / "summary.json").read_text()) for run in runs]
    labels, shared = setting_labels(
        [_settings_of(run, summary) for run, summary in zip(runs, summaries, strict=True)]
    )
    for run, summary, setting in zip(runs, summaries, labels, strict=True):
        groups.setdefault(setting, []).append(run)
        card = collect({summary["seed"]: summary})
        card.insert(0, "run", str(run.relative_to(sweep_dir)))
        card.insert(1, "setting", setting)
        cards.append(card)
        warmup = summary.get("warmup_seconds", {})
        for scenario, seconds in summary.get("seconds", {}).items():
            first = warmup.get(scenario, float("nan"))
            timing.append(
                {
                    "run": str(run.relative_to(sweep_dir)),
                    "setting": setting,
                    "scenario": scenario,
                    "warmup_seconds": first,
                    # After the first epoch, which compiles; set-up and scoring count in neither.
                    "seconds_per_epoch": (seconds - first) / (summary["epochs"] - 1)
                    if summary["epochs"] > 1
                    else float("nan"),
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
        shared,
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


def radar_values(summary: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The radar's rows (headline metric per aspect), its (2, 16) values as a ratio to the
    better side (decentralized first; 1 = the better or equal side) and which aspects are
    defined on both sides.  Undefined values stay NaN, which the radar draws as a gap."""
    chosen = summary[summary["metric"].isin(HEADLINES.values())].sort_values("aspect")
    chosen = chosen.reset_index(drop=True)
    values = np.vstack(
        [chosen[f"{side}_mean"].to_numpy(dtype=float) for side in ("decentralized", "centralized")]
    )
    # Ratio to the better of the two (higher-is-better: v / max; lower-is-better: min / v), so
    # near-equal values sit together near the rim and a large gap shows as one.
    both = np.clip(values, 0, None)
    lower = (chosen["better"] == "lower").to_numpy()
    defined = np.isfinite(both).all(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        best_high = both.max(axis=0)  # NaN where a side is undefined
        best_low = both.min(axis=0)
        up = np.where(best_high > 0, both / best_high, 1.0)  # both 0: equal
        down = np.where(both > 0, best_low / both, 1.0)  # a value of 0 is the best possible
    normalised = np.where(lower, down, up)
    normalised[:, ~defined] = np.nan
    return chosen, normalised, defined


def setting_title(title: str, setting: str) -> str:
    """A per-setting figure's title: what it shows, then the setting it shows it for."""
    return f"{title}\n{textwrap.fill(setting or '(one setting)', 90)}"


def radar(summary: pd.DataFrame, path: Path, setting: str = "") -> None:
    """The headline metric of each aspect as a ratio to the better of the two sides (outward is
    better).  An undefined value is a gap in the line, never a point at the rim; structural
    aspects are labelled as such."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    chosen, normalised, defined = radar_values(summary)
    angles = np.linspace(0, 2 * np.pi, len(chosen), endpoint=False)
    fig, ax = plt.subplots(figsize=(8, 8), subplot_kw={"projection": "polar"}, layout="constrained")
    closed_angles = np.append(angles, angles[0])
    for row, (side, color) in enumerate((("decentralized", "C0"), ("centralized", "C1"))):
        closed = np.append(normalised[row], normalised[row, 0])
        ax.plot(closed_angles, closed, color=color, marker="o", label=side)
    ax.set_xticks(angles)
    labels = [
        f"{r.aspect}. {ASPECTS[r.aspect - 1]}"
        + (" (structural)" if r.kind == "structural" else "")
        + ("" if ok else " (n/a)")
        for r, ok in zip(chosen.itertuples(), defined, strict=True)
    ]
    ax.set_xticklabels(labels, fontsize=8)
    ax.set_ylim(0, 1)
    ax.set_yticks([0.25, 0.5, 0.75, 1])
    ax.set_yticklabels(["", "0.5", "", "1"], fontsize=7)
    ax.set_title(setting_title(
        "16 aspects, headline metric each, as a ratio to the better side (rim = better)", setting
    ))  # fmt: skip
    ax.legend(loc="lower right", bbox_to_anchor=(1.1, -0.05))
    fig.savefig(path, dpi=120)
    plt.close(fig)


def accuracy_bands(series: pd.DataFrame, path: Path, setting: str = "") -> None:
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
        low, high = np.clip(mean - half, 0, 1), np.clip(mean + half, 0, 1)
        ax.fill_between(epochs, low, high, color=COLORS.get(scenario), alpha=0.2)
    ax.set(
        xlabel="epoch",
        ylabel="test accuracy of the network model",
        ylim=(0, 1),
        title=setting_title("Learning over epochs: mean and 95 % band over seeds", setting),
    )
    ax.legend()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def lorenz(runs: list[Path], path: Path, setting: str = "") -> None:
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
        title=setting_title("Lorenz curves of rewards, one line per run", setting),
    )
    ax.legend()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def run_values(cards: pd.DataFrame, series: pd.DataFrame, metric: str) -> pd.DataFrame:
    """One value per run and scenario of ``metric``: a scorecard metric's value, or a
    metrics.parquet column's value at the last epoch.  Columns: run, setting, scenario, value."""
    if metric in set(cards["metric"]):
        chosen = cards[cards["metric"] == metric]
        return chosen[["run", "setting", "scenario", "value"]].reset_index(drop=True)
    if metric in series.columns and pd.api.types.is_numeric_dtype(series[metric]):
        last = series.sort_values("epoch").groupby(["run", "scenario"], sort=False).tail(1)
        return last[["run", "setting", "scenario", metric]].rename(columns={metric: "value"})
    raise KeyError(metric)


def metric_names(cards: pd.DataFrame, series: pd.DataFrame) -> list[str]:
    columns = [c for c in series.columns if pd.api.types.is_numeric_dtype(series[c])]
    skip = {"seed", "epoch"}
    return sorted(set(cards["metric"]) | {c for c in columns if c not in skip})


def settings_table(
    cards: pd.DataFrame, series: pd.DataFrame, order: list[str]
) -> tuple[pd.DataFrame, list[str]]:
    """Settings as rows (sweep order, then scenario), the final test accuracy and every
    aspect's headline metric as columns: mean and 95 % CI half-width over seeds.  Returns the
    numeric table and its markdown lines (mean ± CI per cell)."""
    metrics = [DEFAULT_METRIC, *HEADLINES.values()]
    values = {m: run_values(cards, series, m) for m in metrics}
    scenarios = list(dict.fromkeys(cards["scenario"]))
    rows, lines = [], []
    header = ["setting", "scenario", "seeds", "final test_accuracy", *HEADLINES.values()]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for setting in order:
        for scenario in scenarios:
            mine = cards[(cards["setting"] == setting) & (cards["scenario"] == scenario)]
            if mine.empty:
                continue
            row = {"setting": setting, "scenario": scenario, "seeds": mine["seed"].nunique()}
            cells = []
            for metric in metrics:
                v = values[metric]
                mean, half = mean_ci(
                    v[(v["setting"] == setting) & (v["scenario"] == scenario)]["value"].tolist()
                )
                row[f"{metric}_mean"], row[f"{metric}_ci"] = mean, half
                cells.append(_mean_ci_text(mean, half))
            rows.append(row)
            lines.append(
                f"| {setting or '(one setting)'} | {scenario} | {row['seeds']} | "
                + " | ".join(cells)
                + " |"
            )
    return pd.DataFrame(rows), lines


def _mean_ci_text(mean: float, half: float) -> str:
    if not np.isfinite(mean):
        return "n/a"
    return f"{mean:.3g} ± {half:.2g}" if np.isfinite(half) else f"{mean:.3g}"


# Metrics whose values lie in [0, 1] (shares, fractions, accuracies, Gini) or [−1, 1]
# (correlations): a 95 % t-interval over few seeds can reach past either end, and is drawn cut
# at the end rather than suggesting a share of −0.5 or 2.
UNIT_INTERVAL = frozenset({
    "test_accuracy", "honest_share", "honest_share_final", "mean_local_accuracy",
    "worst_decile_local_accuracy", "local_accuracy_jain_fairness", "availability",
    "compute_utilisation", "raw_data_egress_ratio", "single_breach_exposure",
    "auditability_ratio", "admission_rate", "rejected_update_rate", "newcomer_reward_share",
    "governance_gini", "governance_turnout", "reward_gini", "degree_centralization",
    "betweenness_centralization", "schneider_robustness", "giant_component_after_30pct_failure",
    "compute_retained_after_top_failure", "model_change",
})  # fmt: skip
CORRELATIONS = frozenset({"quality_reward_correlation", "stake_reward_correlation"})


def value_range(metric: str) -> tuple[float, float]:
    """The values ``metric`` can take, as far as the report knows (else unbounded)."""
    if metric in UNIT_INTERVAL or metric.startswith("share_"):
        return 0.0, 1.0
    if metric in CORRELATIONS:
        return -1.0, 1.0
    return -np.inf, np.inf


def interval_within(means, halves, bounds) -> np.ndarray:
    """Asymmetric error bars (below, above) of mean ± half cut at the metric's range."""
    lo, hi = bounds
    means, halves = np.nan_to_num(means), np.nan_to_num(halves)
    below = means - np.maximum(means - halves, lo)
    above = np.minimum(means + halves, hi) - means
    return np.clip(np.vstack([below, above]), 0, None)


def compare_settings(
    cards: pd.DataFrame, series: pd.DataFrame, order: list[str], metric: str, path: Path
) -> None:
    """Horizontal bars, one group per setting in the sweep's order (top to bottom), one bar per
    scenario: mean ± 95 % CI over seeds of ``metric``, labelled with its value; n/a as a gap."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    values = run_values(cards, series, metric)
    scenarios = list(dict.fromkeys(values["scenario"]))
    height = 0.8 / max(len(scenarios), 1)
    lines_per_label = max(textwrap.fill(s or "-", 45).count("\n") + 1 for s in order)
    fig, ax = plt.subplots(
        figsize=(11, 1.5 + 0.3 * len(order) * max(len(scenarios), lines_per_label)),
        layout="constrained",
    )
    for k, scenario in enumerate(scenarios):
        stats = [
            mean_ci(
                values[(values["setting"] == s) & (values["scenario"] == scenario)][
                    "value"
                ].tolist()
            )
            for s in order
        ]
        means = np.array([m for m, _ in stats])
        halves = np.where(np.isfinite(means), np.nan_to_num(np.array([h for _, h in stats])), 0)
        ys = np.arange(len(order)) + k * height
        bars = ax.barh(
            ys,
            np.nan_to_num(means),
            height=height,
            xerr=interval_within(means, halves, value_range(metric)),
            capsize=3,
            color=COLORS.get(scenario, f"C{k + 2}"),
            label=scenario,
        )
        ax.bar_label(
            bars, labels=[f"{m:.3g}" if np.isfinite(m) else "n/a" for m in means], fontsize=7
        )
    ax.set_yticks(np.arange(len(order)) + height * (len(scenarios) - 1) / 2)
    ax.set_yticklabels([textwrap.fill(s or "(one setting)", 45) for s in order], fontsize=7)
    ax.invert_yaxis()  # the sweep's first setting on top
    final = " (final epoch)" if metric not in set(cards["metric"]) else ""
    cut = " (cut at the metric's range)" if np.isfinite(value_range(metric)).all() else ""
    ax.set(
        xlabel=f"{metric}{final}: mean ± 95 % CI over seeds{cut}",
        title=f"Settings compared: {metric}",
    )
    ax.legend(fontsize=8)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def report(sweep_dir: Path, metric: str = DEFAULT_METRIC) -> Path:
    """Write sweep_report.md (and sweep_details.md, tables and figures) for a sweep folder."""
    sweep_dir = Path(sweep_dir)
    if design_report.is_design_sweep(sweep_dir):
        return design_report.write_report(sweep_dir, job_status(sweep_dir), metric)
    cards, series, groups, timing, shared = load(sweep_dir)
    known = metric_names(cards, series)
    if metric not in known:
        raise ValueError(f"--metric {metric}: unknown metric; choose one of: {', '.join(known)}")
    order = list(groups)  # first appearance in the sweep's job order
    cards.to_parquet(sweep_dir / "scorecard.parquet", index=False)
    series.to_parquet(sweep_dir / "timeseries.parquet", index=False)
    figures = sweep_dir / "figures"
    figures.mkdir(exist_ok=True)
    table, table_lines = settings_table(cards, series, order)
    table.to_parquet(sweep_dir / "settings.parquet", index=False)
    figure = f"settings_{metric}.png"
    compare_settings(cards, series, order, metric, figures / figure)
    sections = [
        f"# Sweep report: {len(cards['run'].unique())} runs in {len(groups)} setting(s)",
        "",
    ]
    sections += job_status(sweep_dir)
    if shared:
        sections += [
            "Every run shares: " + ", ".join(f"`{k}={v}`" for k, v in shared.items()) + ".",
            "",
        ]
    sections += [
        "## Settings compared",
        "",
        "One row per setting (in the sweep's order) and scenario: the final test accuracy and "
        "each aspect's headline metric, mean ± 95 % t-interval over seeds (settings.parquet). "
        f"Per-setting comparisons with verdicts are in [{DETAILS}]({DETAILS}).",
        "",
        *table_lines,
        "",
        f"![{metric} by setting](figures/{figure})",
        "",
    ]
    details = [f"# Sweep details: {len(groups)} setting(s), in the sweep's order", ""]
    for n, (setting, runs) in enumerate(groups.items()):
        card = cards[cards["setting"] == setting]
        if card["scenario"].nunique() < 2:
            details += [f"## {setting or '(one setting)'}", "", *single_scenario_table(card), ""]
            continue
        summary = summarise(card)
        seeds = card["seed"].nunique()
        epochs = int(series[series["setting"] == setting]["epoch"].max()) + 1
        tag = f"-{n}" if len(groups) > 1 else ""
        radar(summary, figures / f"radar{tag}.png", setting)
        shown = series[series["setting"] == setting]
        accuracy_bands(shown, figures / f"accuracy_ci{tag}.png", setting)
        lorenz(runs, figures / f"lorenz{tag}.png", setting)
        decided = verdicts(summary)
        tally = {side: sum(v == side for v in decided.values()) for side in set(decided.values())}
        details += [
            f"## {setting or '(one setting)'}",
            "",
            *report_lines(summary, seeds, epochs)[2:-2],
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
            "Wall-clock seconds as each run recorded them on its machine, mean over seeds: the "
            "warm-up (set-up and the first epoch, which compiles the JAX functions) apart from "
            "the seconds per epoch after it.",
            "",
            "| setting | scenario | warm-up s | s / epoch after warm-up |",
            "|---|---|---|---|",
        ]
        for setting in order:
            for scenario, group in timing[timing["setting"] == setting].groupby(
                "scenario", sort=False
            ):
                sections.append(
                    f"| {setting or '(one setting)'} | {scenario} | "
                    f"{group['warmup_seconds'].mean():.2f} | "
                    f"{group['seconds_per_epoch'].mean():.3f} |"
                )
        sections.append("")
    curve = sensitivity(cards, series, figures / "sensitivity.png")
    if curve:
        sections += ["## Sensitivity", "", curve, "", "![sensitivity](figures/sensitivity.png)", ""]
    (sweep_dir / DETAILS).write_text("\n".join(details))
    path = sweep_dir / REPORT
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


def print_rescored(results) -> int:
    """One line per run: how many metrics were recomputed and which values changed."""
    for result in results:
        print(
            f"{result.run_dir}: {result.metrics} metric values recomputed, {len(result.changed)} changed"
        )
        for scenario, name, old, new in result.changed:
            print(f"  {scenario} {name}: {old} -> {new}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="deai-sim-report", description=__doc__.splitlines()[0])
    parser.add_argument("sweep_dir", type=Path)
    parser.add_argument(
        "--metric",
        default=DEFAULT_METRIC,
        help="metric the settings figure compares: a scorecard metric or a metrics.parquet "
        f"column (final epoch); default {DEFAULT_METRIC}",
    )
    parser.add_argument(
        "--rescore",
        action="store_true",
        help="first recompute the scorecard of every run below SWEEP_DIR (a run folder is "
        "enough) from its saved records, with the metric definitions of this version",
    )
    parser.add_argument(
        "--doc",
        type=Path,
        help="a design sweep: also write its numbers into this markdown file's generated block, "
        "and its figures and indices into the folder named after it (docs/sensitivity.md: "
        "docs/sensitivity/)",
    )
    args = parser.parse_args(argv)
    try:
        if args.rescore:
            return print_rescored(rescore(args.sweep_dir))
        if args.doc is not None:
            doc_blocks.check_block(args.doc)
            if not design_report.is_design_sweep(args.sweep_dir):
                raise ValueError(f"--doc: {args.sweep_dir} is not a design sweep")
        path = report(args.sweep_dir, args.metric)
        if args.doc is not None:
            write_doc(args.sweep_dir, args.doc)
            print(args.doc)
    except (FileNotFoundError, ValueError) as error:
        print(f"deai-sim-report: error: {error}", file=sys.stderr)
        return 2
    print(path)
    return 0


def write_doc(sweep_dir: Path, doc: Path) -> None:
    """A design sweep's numbers into ``doc``'s generated block; its figures and index tables
    into the folder beside the doc named after it."""
    import shutil

    folder = doc.parent / doc.stem
    folder.mkdir(exist_ok=True)
    for name, content in design_report.study_files(sweep_dir).items():
        path = folder / name
        path.write_bytes(content) if isinstance(content, bytes) else path.write_text(content)
    for path in (sweep_dir / "figures").glob("*.png"):
        shutil.copyfile(path, folder / path.name)
    doc_blocks.replace_block(doc, design_report.doc_lines(folder))


if __name__ == "__main__":
    sys.exit(main())

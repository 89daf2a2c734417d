"""The report of a design sweep or a search (hydra/sweeper=design|search), for deai-sim-report.

Per output (a scorecard metric or a metrics.parquet column at the last epoch, of the
decentralized scenario unless the sweep ran another): Sobol first- and total-order indices with
their bootstrap 95 % intervals as bars (a Sobol design), Morris μ* against σ (a Morris design),
and for any design the output against each of its most influential inputs, binned means with
their range (partial dependence by conditional means; inputs ranked by |Spearman ρ|).  A search
gets its objectives' scatter with the Pareto front marked, and a table of the front's
parameters.  Analyses come from sim.design (SALib).

``doc_lines`` gives what a doc quotes of a design (the inputs' ranges, each output's
distribution, and per input its Sobol indices and Spearman ρ with the output), written into a
doc's generated block by ``deai-sim-report SWEEP_DIR --doc PATH`` (experiments/doc_blocks.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from sim.design import sensitivity  # noqa: E402
from sim.sweep import job_value  # noqa: E402

OUTPUTS = ("test_accuracy", "reward_nakamoto_accounts", "availability")


def is_design_sweep(sweep_dir: Path) -> bool:
    return (sweep_dir / "design.json").is_file() or (sweep_dir / "trials.parquet").is_file()


def outputs_table(sweep_dir: Path, design: pd.DataFrame, outputs, scenario: str) -> pd.DataFrame:
    """The design with each job's outputs beside its inputs, in job order (NaN: failed job)."""
    values = {name: [] for name in outputs}
    for job in design["job"]:
        folder = sweep_dir / str(job)
        for name in outputs:
            try:
                values[name].append(job_value(folder, name, scenario))
            except (FileNotFoundError, KeyError):
                values[name].append(np.nan)
    return design.assign(**values)


LABELS = {
    "test_accuracy": "final test accuracy",
    "reward_nakamoto_accounts": "reward Nakamoto coefficient (accounts)",
    "availability": "availability",
}


def spearman(table: pd.DataFrame, name: str, output: str) -> float:
    x = table[name]
    x = x if pd.api.types.is_numeric_dtype(x) else x.astype("category").cat.codes
    rho = pd.Series(x).rank().corr(table[output].rank())
    return float(rho)


def study_files(sweep_dir: Path) -> dict[str, str | bytes]:
    """What a doc keeps of a design sweep, by file name: the design (with the jobs' length), the
    outputs table and the indices, so that ``doc_lines`` of the doc's folder gives its block."""
    described = json.loads((sweep_dir / "design.json").read_text())
    first = next(p for p in sorted(sweep_dir.glob("*/summary.json")))
    described["epochs"] = json.loads(first.read_text())["epochs"]
    files: dict[str, str | bytes] = {"design.json": json.dumps(described, indent=2) + "\n"}
    for path in [sweep_dir / "design_outputs.parquet", *sweep_dir.glob("sensitivity_*.csv")]:
        files[path.name] = path.read_bytes()
    return files


def doc_lines(folder: Path) -> list[str]:
    """The numbers a doc quotes of a design sweep, from the files ``study_files`` keeps (a
    sweep folder after design_report, or the doc's own folder)."""
    described = json.loads((folder / "design.json").read_text())
    table = pd.read_parquet(folder / "design_outputs.parquet")
    inputs = list(described["space"])
    epochs = described["epochs"]
    lines = [
        f"{len(table)} jobs: a {described['method']} design (N = {described.get('n', '?')}, "
        f"seed {described.get('seed', '?')}) over {len(inputs)} inputs, {epochs} epochs each, "
        f"{int(table[list(OUTPUTS)].notna().all(axis=1).sum())} jobs with every output.",
        "",
        "| input | range |",
        "|---|---|",
        *(f"| {name} | {described['space'][name]} |" for name in inputs),
        "",
        "Per output: its distribution over the jobs, then per input the Sobol indices with their "
        "95 % bootstrap half-widths (S1: the share of the output's variance the input explains "
        "alone; ST: with all its interactions) and Spearman's ρ between input and output, "
        "inputs by ST.",
        "",
    ]
    for output in OUTPUTS:
        y = table[output].dropna()
        path = folder / f"sensitivity_{output}.csv"
        if y.empty or not path.is_file():
            continue
        indices = pd.read_csv(path, index_col=0).sort_values("ST", ascending=False)
        lines += [
            f"**{LABELS.get(output, output)}**: mean {y.mean():.3g}, median {y.median():.3g}, "
            f"5th percentile {y.quantile(0.05):.3g}, range {y.min():.3g}–{y.max():.3g}.",
            "",
            "| input | S1 | ST | ρ |",
            "|---|---|---|---|",
            *(
                f"| {name} | {row.S1:.2f} ± {row.S1_conf:.2f} | {row.ST:.2f} ± {row.ST_conf:.2f} "
                f"| {spearman(table, name, output):+.2f} |"
                for name, row in indices.iterrows()
            ),
            "",
        ]
    return lines


def design_report(sweep_dir: Path, figures: Path, extra_output: str | None = None) -> list[str]:
    """Figures into ``figures`` and the report's markdown lines."""
    if (sweep_dir / "trials.parquet").is_file():
        return search_report(sweep_dir, figures)
    described = json.loads((sweep_dir / "design.json").read_text())
    design = pd.read_parquet(sweep_dir / "design.parquet")
    inputs = list(described["space"])
    outputs = list(dict.fromkeys([*OUTPUTS, *([extra_output] if extra_output else [])]))
    table = outputs_table(sweep_dir, design, outputs, "decentralized")
    table.to_parquet(sweep_dir / "design_outputs.parquet", index=False)
    method = described["method"]
    lines = [f"## Design: {method}, {len(table)} jobs, {len(inputs)} inputs", ""]
    for output in outputs:
        y = table[output]
        if y.isna().all():
            continue
        lines += [f"### {output}", ""]
        if y.nunique(dropna=True) < 2:
            lines += [
                f"The same ({y.dropna().iloc[0]:.4g}) in every job: nothing to apportion.",
                "",
            ]
            continue
        if method in ("sobol", "morris") and not y.isna().any():
            indices = sensitivity(table, inputs, output, method=method)
            indices.to_csv(sweep_dir / f"sensitivity_{output}.csv")
            draw = sobol_bars if method == "sobol" else morris_plot
            draw(indices, output, figures / f"sensitivity_{output}.png")
            lines += [f"![{output}](figures/sensitivity_{output}.png)", "",
                      *markdown(indices.round(3).reset_index(names="input")), ""]  # fmt: skip
        top = ranked_inputs(table, inputs, output)[:3]
        dependence(table, top, output, figures / f"dependence_{output}.png")
        lines += [f"![{output} against its top inputs](figures/dependence_{output}.png)", ""]
    return lines


def ranked_inputs(table: pd.DataFrame, inputs: list[str], output: str) -> list[str]:
    def strength(name):
        rho = spearman(table, name, output)
        return 0.0 if np.isnan(rho) else abs(rho)

    return sorted(inputs, key=strength, reverse=True)


def sobol_bars(indices: pd.DataFrame, output: str, path: Path) -> None:
    fig, ax = plt.subplots(figsize=(7, 3.8), layout="constrained")
    x = np.arange(len(indices))
    ax.bar(x - 0.2, indices["S1"], 0.4, yerr=indices["S1_conf"], label="first order S1", capsize=3)
    ax.bar(x + 0.2, indices["ST"], 0.4, yerr=indices["ST_conf"], label="total order ST", capsize=3)
    ax.set_xticks(x, indices.index, rotation=20, ha="right", fontsize=8)
    ax.set(ylabel="Sobol index (95 % bootstrap interval)", title=f"What drives {output}")
    ax.legend()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def morris_plot(indices: pd.DataFrame, output: str, path: Path) -> None:
    fig, ax = plt.subplots(figsize=(5.5, 4), layout="constrained")
    ax.errorbar(indices["mu_star"], indices["sigma"], xerr=indices["mu_star_conf"], fmt="o")
    for name, row in indices.iterrows():
        ax.annotate(name, (row["mu_star"], row["sigma"]), fontsize=7, xytext=(3, 3),
                    textcoords="offset points")  # fmt: skip
    ax.set(xlabel="μ* (mean |elementary effect|)", ylabel="σ (interaction, non-linearity)",
           title=f"Morris screening: {output}")  # fmt: skip
    fig.savefig(path, dpi=120)
    plt.close(fig)


def dependence(table: pd.DataFrame, inputs: list[str], output: str, path: Path) -> None:
    fig, axes = plt.subplots(1, len(inputs), figsize=(4 * len(inputs), 3.2), layout="constrained",
                             squeeze=False)  # fmt: skip
    for ax, name in zip(axes[0], inputs, strict=True):
        x = table[name]
        if pd.api.types.is_numeric_dtype(x):
            bins = pd.qcut(x, q=min(8, x.nunique()), duplicates="drop")
            grouped = table.groupby(bins, observed=True)[output]
            centres = x.groupby(bins, observed=True).mean()
            ax.plot(centres, grouped.mean(), marker="o")
            ax.fill_between(centres, grouped.min(), grouped.max(), alpha=0.2)
        else:
            grouped = table.groupby(name)[output]
            ax.bar(grouped.mean().index.astype(str), grouped.mean())
        ax.set(xlabel=name, ylabel=output)
    fig.suptitle(f"{output} against its most influential inputs (binned means, range shaded)")
    fig.savefig(path, dpi=120)
    plt.close(fig)


def search_report(sweep_dir: Path, figures: Path) -> list[str]:
    trials = pd.read_parquet(sweep_dir / "trials.parquet")
    front = pd.read_parquet(sweep_dir / "pareto.parquet")
    done = trials[trials["state"] == "COMPLETE"]
    params = [c for c in trials.columns if c not in ("job", "state") and c in front.columns]
    objectives = [c for c in params if pd.api.types.is_float_dtype(done[c])][-2:]
    lines = [
        f"## Search: {len(trials)} trials, {len(done)} complete, {len(front)} on the front",
        "",
    ]
    if len(objectives) == 2:
        a, b = objectives
        fig, ax = plt.subplots(figsize=(5.5, 4), layout="constrained")
        ax.scatter(done[a], done[b], color="0.6", label="trials")
        ax.scatter(front[a], front[b], color="C3", label="Pareto front")
        ax.set(xlabel=a, ylabel=b, title="Search: objectives and their Pareto front")
        ax.legend()
        fig.savefig(figures / "pareto.png", dpi=120)
        plt.close(fig)
        lines += ["![Pareto front](figures/pareto.png)", ""]
    lines += [*markdown(front.round(4)), ""]
    return lines


def markdown(frame: pd.DataFrame) -> list[str]:
    """A table as markdown lines."""
    lines = ["| " + " | ".join(map(str, frame.columns)) + " |", "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join(map(str, row)) + " |" for row in frame.itertuples(index=False)]
    return lines


def write_report(sweep_dir: Path, status_lines: list[str], extra_output: str | None) -> Path:
    """sweep_report.md of a design sweep or search: job status, then the analyses (a design's
    jobs are points of a space, not settings to compare one by one)."""
    figures = sweep_dir / "figures"
    figures.mkdir(exist_ok=True)
    lines = [f"# Sweep report: {sweep_dir.name}", "", *status_lines]
    lines += design_report(sweep_dir, figures, extra_output)
    path = sweep_dir / "sweep_report.md"
    path.write_text("\n".join(lines) + "\n")
    return path

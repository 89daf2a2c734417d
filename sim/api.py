"""The simulator from Python: ``simulate`` a run and get data frames back, ``load`` one from its
folder.

    import sim
    run = sim.simulate(["consensus=yuma3", "epochs=20"], seed=0)
    run.metrics          # one row per scenario and epoch (metrics.parquet)
    run.scorecard        # one row per scenario and metric, with its aspect and direction
    run.summary          # summary.json as a dict
    run.run_dir          # where the files are
    run.config           # the checked config of each scenario

``simulate`` runs exactly what ``deai-sim OVERRIDES`` runs (the chosen scenario beside its
baseline, the same checks, the same files), so the numbers are the command line's.
"""

from __future__ import annotations

import dataclasses
import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd


@dataclass(frozen=True)
class Run:
    """A finished run: its tables, summary and configs, read from ``run_dir``."""

    metrics: pd.DataFrame
    scorecard: pd.DataFrame
    summary: dict
    run_dir: Path
    config: dict
    # A temporary run_dir (simulate without run_dir): removed when the Run is garbage-collected
    # or the interpreter exits.
    temporary: tempfile.TemporaryDirectory | None = field(default=None, repr=False, compare=False)

    def __repr__(self) -> str:
        scenarios = ", ".join(self.summary["scenarios"])
        return f"Run({scenarios}; {self.summary['epochs']} epochs, seed {self.summary['seed']}; {self.run_dir})"


def simulate(
    overrides: list[str] | tuple[str, ...] = (),
    seed: int | None = None,
    run_dir: str | Path | None = None,
    progress: bool = False,
    figures: bool = False,
) -> Run:
    """Run the scenarios ``deai-sim OVERRIDES`` would run and return them as a ``Run``.

    ``seed`` is ``seed=N`` among the overrides (both, with different values, are refused);
    ``run_dir`` defaults to a new temporary folder, removed with the returned Run (the tables
    are in memory; pass ``run_dir`` to keep the ledgers, records and figures);
    figures are drawn only when asked (``figures=True``).  Bad overrides raise
    ``sim.config.ConfigError`` with the command line's one-line message, before anything runs.
    """
    from sim.composition import compose
    from sim.run import run_scenarios

    overrides = list(overrides)
    if seed is not None:
        stated = [o for o in overrides if o.split("=", 1)[0] == "seed"]
        if any(o != f"seed={seed}" for o in stated):
            from sim.config import ConfigError

            raise ConfigError(
                f"seed: given twice, {stated[-1]} among the overrides and seed={seed} as the "
                "argument; give one"
            )
        overrides.append(f"seed={seed}")
    if not any(o.startswith("output.figures=") for o in overrides):
        overrides.append(f"output.figures={str(figures).lower()}")
    configs = compose(overrides)
    temporary = tempfile.TemporaryDirectory(prefix="deai-sim-") if run_dir is None else None
    folder = Path(run_dir) if run_dir is not None else Path(temporary.name)
    run_scenarios(configs, folder, progress=progress)
    run = load(folder)
    return run if temporary is None else dataclasses.replace(run, temporary=temporary)


def load(run_dir: str | Path) -> Run:
    """Read a finished run (a folder holding summary.json and metrics.parquet) back."""
    folder = Path(run_dir)
    summary_path = folder / "summary.json"
    if not summary_path.is_file():
        raise FileNotFoundError(not_a_run(folder))
    summary = json.loads(summary_path.read_text())
    metrics = pd.read_parquet(folder / "metrics.parquet")
    rows = [
        {"scenario": scenario, **entry}
        for scenario, entries in summary["scorecard"].items()
        for entry in entries
    ]
    return Run(metrics, pd.DataFrame(rows), summary, folder, summary.get("config", {}))


def not_a_run(folder: Path) -> str:
    """Why ``folder`` is not one run, and what to open instead."""
    from sim.sweep import job_order

    runs = sorted((p.parent.name for p in folder.glob("*/summary.json")), key=job_order)
    shown = ", ".join(runs[:5]) + (", …" if len(runs) > 5 else "")
    if (folder / "comparison_summary.parquet").is_file():
        return (
            f"{folder} is a comparison table (experiment=comparison_table), not one run: its "
            f"report is report.md, its numbers comparison_summary.parquet, and its runs "
            f"{shown}; load one of those"
        )
    if len(runs) == 1:
        return f"{folder} is not a run but holds one: load {folder / runs[0]}"
    if runs:
        return (
            f"{folder} is a sweep of {len(runs)} runs, not one run: load one of its folders "
            f"({shown}), or tabulate them all with deai-sim-report {folder}"
        )
    return f"{folder} holds no summary.json: not a finished run"

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

import json
import tempfile
from dataclasses import dataclass
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
    ``run_dir`` defaults to a new temporary folder;
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
    folder = Path(run_dir) if run_dir is not None else Path(tempfile.mkdtemp(prefix="deai-sim-"))
    run_scenarios(configs, folder, progress=progress)
    return load(folder)


def load(run_dir: str | Path) -> Run:
    """Read a finished run (a folder holding summary.json and metrics.parquet) back."""
    folder = Path(run_dir)
    summary_path = folder / "summary.json"
    if not summary_path.is_file():
        raise FileNotFoundError(f"{folder} holds no summary.json: not a finished run")
    summary = json.loads(summary_path.read_text())
    metrics = pd.read_parquet(folder / "metrics.parquet")
    rows = [
        {"scenario": scenario, **entry}
        for scenario, entries in summary["scorecard"].items()
        for entry in entries
    ]
    return Run(metrics, pd.DataFrame(rows), summary, folder, summary.get("config", {}))

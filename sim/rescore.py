"""Recompute the scorecards of finished runs from their saved run records.

Every run saves one RunRecord per scenario (``records/<scenario>.npz``, sim.records).  Rescoring
loads them, computes every metric registered now (sim.metrics.scorecard) and the adversary
report, and rewrites summary.json (and the run's figures, if it has them).  So a change to a
metric's definition reaches old runs without simulating them again.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from sim.metrics.adversaries import adversary_report
from sim.metrics.scorecard import score
from sim.outputs import write_summary
from sim.records import RunRecord


@dataclass(frozen=True)
class Rescored:
    run_dir: Path
    metrics: int
    changed: list[tuple[str, str, float | None, float | None]]  # scenario, metric, old, new


def run_dirs(path: Path) -> list[Path]:
    """The run folders at or below ``path`` (each holds a summary.json)."""
    path = Path(path)
    if not path.is_dir():
        raise FileNotFoundError(f"{path}: no such folder")
    found = sorted(summary.parent for summary in path.rglob("summary.json"))
    if not found:
        raise FileNotFoundError(f"{path}: no summary.json at or below it, so no finished run")
    return found


def _same(old, new) -> bool:
    if old is None or new is None:
        return old is None and new is None
    return old == new or (math.isnan(old) and math.isnan(new))


def record_paths(run_dir: Path) -> dict[str, Path]:
    """The saved record of each scenario of a run; an error names the first one missing."""
    summary = json.loads((run_dir / "summary.json").read_text())
    paths = {name: run_dir / "records" / f"{name}.npz" for name in summary["scenarios"]}
    for path in paths.values():
        if not path.is_file():
            raise FileNotFoundError(
                f"{path}: missing; runs save their records since the scorecard became a "
                "function of them, so this run must be made again to be re-scored (nothing "
                "was rewritten)"
            )
    return paths


def rescore_run(run_dir: Path) -> Rescored:
    records = {name: RunRecord.load(path) for name, path in record_paths(run_dir).items()}
    summary = json.loads((run_dir / "summary.json").read_text())
    changed, count = [], 0
    for name, record in records.items():
        old = {m["name"]: m["value"] for m in summary["scorecard"][name]}
        card = [m.as_dict() for m in score(record)]
        for entry in card:
            new = entry["value"] if math.isfinite(entry["value"]) else None
            if not _same(old.get(entry["name"]), new):
                changed.append((name, entry["name"], old.get(entry["name"]), new))
        count += len(card)
        summary["scorecard"][name] = card
        summary["adversaries"][name] = adversary_report(record)
    write_summary(run_dir, summary)
    if (run_dir / "figures").is_dir() and (run_dir / "metrics.parquet").is_file():
        import pandas as pd

        from sim.figures import draw_all

        table = pd.read_parquet(run_dir / "metrics.parquet")
        draw_all(run_dir / "figures", table, summary["scorecard"], summary["data"])
    return Rescored(run_dir, count, changed)


def rescore(path: Path) -> list[Rescored]:
    """Rescore every run at or below ``path``; nothing is written unless every run has its
    records (checked first)."""
    runs = run_dirs(path)
    for run_dir in runs:
        record_paths(run_dir)
    return [rescore_run(run_dir) for run_dir in runs]

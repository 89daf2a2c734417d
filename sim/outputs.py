"""Durable outputs of a run: summary.json, metrics.parquet and figures/."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pandas as pd


def _json_safe(value):
    """NaN and infinities become null so that summary.json is strict JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    return value


def write_outputs(run_dir: Path, summary: dict, frames: dict, figures: bool = True) -> None:
    """summary.json comes last and appears whole (written aside, then renamed): it marks a
    finished run, which ``resume=true`` skips, so a run killed mid-way never looks finished."""
    run_dir.mkdir(parents=True, exist_ok=True)
    table = pd.concat(frames.values(), ignore_index=True)
    table["epoch"] = table["epoch"].astype(int)
    table.to_parquet(run_dir / "metrics.parquet", index=False)
    if figures:
        from sim.figures import draw_all

        draw_all(run_dir / "figures", table, summary["scorecard"], summary["data"])
    write_summary(run_dir, summary)


def write_summary(run_dir: Path, summary: dict) -> None:
    """Write summary.json aside, then rename it: a reader never sees half of it."""
    partial = run_dir / ".summary.json.partial"
    with partial.open("w", encoding="utf-8") as out:
        json.dump(_json_safe(summary), out, indent=2, sort_keys=False)
        out.write("\n")
    os.replace(partial, run_dir / "summary.json")

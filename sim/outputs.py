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
    """Write summary.json whole: a reader never sees half of it."""
    write_whole(run_dir / "summary.json", json.dumps(_json_safe(summary), indent=2) + "\n")


def write_whole(path: Path, text: str) -> None:
    """Write ``text`` aside, then rename it onto ``path``: a process killed mid-write leaves the
    old file (or none), never half of the new one."""
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)

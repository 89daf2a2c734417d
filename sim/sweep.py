"""Sweep bookkeeping through Hydra's own callback API (no job system of our own).

``JobRecords`` writes ``job.json`` into every job's folder when the job ends (status, overrides,
error if any), and gathers every job.json below the sweep folder into ``sweep.parquet`` when the
multirun ends: one row per job and scenario metric, failed jobs as rows with their error.  One
file per job keeps parallel launchers from writing to one table at once, and gathering once keeps
a sweep of n jobs at O(n) reads.  Hydra skips the multirun-end hook once a job has failed, so a
failed job leaves a mark in the sweep folder and from then on every job that ends gathers the
table itself (the mark is cleared when a multirun starts).  The table is replaced atomically.
``python -m sim.sweep SWEEP_DIR`` gathers by hand (after a sweep was killed, say).
"""

from __future__ import annotations

import json
import os
import traceback
from pathlib import Path
from typing import Any

import pandas as pd
from hydra.core.utils import JobReturn, JobStatus
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from sim.outputs import write_whole

RECORD = "job.json"
FAILED_MARK = ".some_jobs_failed"


# The folder of the run or sweep this process started (the command's last line names it).
started: dict[str, Path] = {}


class JobRecords(Callback):
    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        started["dir"] = Path(config.hydra.run.dir).resolve()

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        started["dir"] = Path(config.hydra.sweep.dir).resolve()
        Path(config.hydra.sweep.dir, FAILED_MARK).unlink(missing_ok=True)

    def on_job_end(self, config: DictConfig, job_return: JobReturn, **kwargs: Any) -> None:
        run_dir = Path(job_return.working_dir or ".")
        if job_return.hydra_cfg is not None:
            run_dir = Path(job_return.hydra_cfg.hydra.runtime.output_dir)
        failed = job_return.status == JobStatus.FAILED
        error = None
        if failed:
            raised = job_return._return_value
            error = "".join(traceback.format_exception_only(type(raised), raised)).strip()
        overrides = list(job_return.overrides or [])
        write_record(run_dir, overrides, "failed" if failed else "completed", error)
        if job_return.hydra_cfg is None or job_return.hydra_cfg.hydra.mode.name != "MULTIRUN":
            return
        sweep_dir = job_sweep_dir(run_dir, job_return.hydra_cfg.hydra.sweep.subdir)
        if failed:
            (sweep_dir / FAILED_MARK).touch()
        if (sweep_dir / FAILED_MARK).is_file():
            gather(sweep_dir)

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        sweep_dir = Path(config.hydra.sweep.dir)
        if sweep_dir.is_dir():
            gather(sweep_dir)


def write_record(run_dir: Path, overrides: list[str], status: str, error: str | None) -> None:
    """A job's job.json: its status (completed, failed, interrupted), overrides and error."""
    record = {"job": run_dir.name, "overrides": overrides, "status": status, "error": error}
    run_dir.mkdir(parents=True, exist_ok=True)
    write_whole(run_dir / RECORD, json.dumps(record, indent=2) + "\n")


def job_sweep_dir(job_dir: Path, subdir: str) -> Path:
    """The sweep folder a job's folder lies in: the job folder less its ``hydra.sweep.subdir``.

    Not ``hydra.sweep.dir`` read again: a default sweep folder is named by ``${now:…}``, which a
    job's config can resolve to a later time than the one the sweep was created with.
    """
    return Path(job_dir).parents[len(Path(str(subdir)).parts) - 1]


def job_order(name: str) -> tuple:
    """Sort key of a job folder's name: Hydra's job numbers in number order (2 before 10)."""
    return (0, int(name), "") if name.isdigit() else (1, 0, name)


def job_folders(sweep_dir: Path) -> list[Path]:
    """Every folder below ``sweep_dir`` that holds a job: one with a job.json, or one Hydra
    started (its .hydra folder)."""
    found = {p.parent for p in Path(sweep_dir).rglob(RECORD)}
    found |= {p.parent for p in Path(sweep_dir).rglob(".hydra")}
    return sorted(found)


def job_record(job_dir: Path) -> dict | None:
    """What a job folder says of its job: its job.json; else, for a folder Hydra started (it
    holds .hydra/overrides.yaml), completed when its summary.json is whole (the job was stopped
    between writing its results and its record) and incomplete otherwise (killed, or still
    running); None for any other folder.  A job.json cut short (written in place before
    records were written whole) counts as absent."""
    if (job_dir / RECORD).is_file():
        try:
            return json.loads((job_dir / RECORD).read_text())
        except json.JSONDecodeError:
            pass
    overrides = job_dir / ".hydra" / "overrides.yaml"
    if not overrides.is_file():
        return None
    finished = (job_dir / "summary.json").is_file()
    return {
        "overrides": list(OmegaConf.load(overrides)),
        "status": "completed" if finished else "incomplete",
        "error": None if finished else "no job.json: the job was killed or is still running",
    }


LONG_RUN = "@long_run"


def job_value(job_dir: Path, name: str, scenario: str) -> float:
    """A finished job's value of ``name`` for ``scenario``: its scorecard metric of that name,
    else its metrics.parquet column of that name at the last epoch, or, for ``COLUMN@long_run``,
    the column's mean over the last quarter of the epochs (at least two)."""
    summary = json.loads((Path(job_dir) / "summary.json").read_text())
    for metric in summary["scorecard"].get(scenario, []):
        if metric["name"] == name:
            return float("nan") if metric["value"] is None else float(metric["value"])
    table = pd.read_parquet(Path(job_dir) / "metrics.parquet")
    rows = table[table["scenario"] == scenario].sort_values("epoch")
    column = name.removesuffix(LONG_RUN)
    if column not in rows.columns or rows.empty:
        raise KeyError(f"{name}: neither a scorecard metric nor a metrics column of {scenario}")
    if name.endswith(LONG_RUN):
        return float(rows[column].iloc[-max(2, len(rows) // 4) :].mean())
    return float(rows[column].iloc[-1])


# A design sweep's sampled values, or a search's trials, one row per job (hydra_plugins/).
DESIGNS = ("design.parquet", "trials.parquet")


def with_design(table: pd.DataFrame, sweep_dir: Path) -> pd.DataFrame:
    """A design's sampled values (or a search's parameters, values and states) as columns
    beside each job's rows."""
    for name in DESIGNS:
        if (sweep_dir / name).is_file() and not table.empty:
            design = pd.read_parquet(sweep_dir / name)
            design["job"] = design["job"].astype(str)
            clash = [c for c in design.columns if c in table.columns and c != "job"]
            return table.merge(design.drop(columns=clash), on="job", how="left")
    return table


def gather(sweep_dir: Path) -> pd.DataFrame:
    """One table for a sweep: every job's scorecard rows, one row per failed job, and one row per
    job that started (Hydra wrote its .hydra folder) but never ended: killed, or still running."""
    rows = []
    for job_dir in job_folders(sweep_dir):
        record = job_record(job_dir)
        if record is None:
            continue
        base = {
            "job": str(job_dir.relative_to(sweep_dir)),
            "status": record["status"],
            "overrides": " ".join(record["overrides"]),
            "error": record["error"],
        }
        summary_path = job_dir / "summary.json"
        if record["status"] != "completed" or not summary_path.is_file():
            rows.append({**base, "scenario": None, "metric": None, "value": None})
            continue
        summary = json.loads(summary_path.read_text())
        for scenario, metrics in summary["scorecard"].items():
            for m in metrics:
                rows.append(
                    {
                        **base,
                        "seed": summary["seed"],
                        "scenario": scenario,
                        "aspect": m["aspect"],
                        "metric": m["name"],
                        "value": m["value"],
                    }
                )
    table = with_design(pd.DataFrame(rows), Path(sweep_dir))
    partial = Path(sweep_dir) / f".sweep.{os.getpid()}.parquet"
    table.to_parquet(partial, index=False)
    os.replace(partial, Path(sweep_dir) / "sweep.parquet")  # readers never see half a table
    return table


if __name__ == "__main__":
    import sys

    if len(sys.argv) != 2:
        sys.exit("usage: python -m sim.sweep SWEEP_DIR")
    print(f"{len(gather(Path(sys.argv[1])))} rows → {Path(sys.argv[1]) / 'sweep.parquet'}")

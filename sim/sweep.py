"""Sweep bookkeeping through Hydra's own callback API (no job system of our own).

``JobRecords`` writes ``job.json`` into every job's folder when the job ends (status, overrides,
error if any) and re-gathers every job.json below the sweep folder into ``sweep.parquet``: one
row per job and scenario metric, failed jobs as rows with their error.  Writing one file per job
keeps parallel launchers from writing to one table at once; the table is replaced atomically, and
gathered once more when the multirun ends (Hydra skips that hook when a job failed, which is why
every job gathers too).  ``python -m sim.sweep SWEEP_DIR`` gathers again by hand.

It also registers ``local_job_cap``, the resolver behind ``hydra.sweeper.max_batch_size``:
hydra-submitit-launcher 1.2 starts every job of a batch at once on the local executor, so with
``submitit_local`` the basic sweeper hands it at most one batch of as many jobs as there are
usable cores; other launchers keep one batch (their own ``n_jobs`` or the cluster caps them).
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

RECORD = "job.json"
LOCAL_SUBMITIT = "hydra_plugins.hydra_submitit_launcher.submitit_launcher.LocalLauncher"


def local_job_cap(launcher_target: str) -> int | None:
    """Jobs per batch: the usable cores for submitit's local executor, unbounded otherwise."""
    if launcher_target == LOCAL_SUBMITIT:
        return len(os.sched_getaffinity(0))
    return None


# Thread caps for the jobs of a sweep, which share the machine's cores with each other.  Measured
# with benchmarks/sweep.py on 2 cores (24 jobs × 10 epochs through joblib, 4 rounds over two
# runs): 27.1–28.6 s with one thread per job against 28.4–36.2 s with every library's own thread
# pool; one job after another shows no consistent difference.
ONE_THREAD_PER_JOB = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}
XLA_ONE_THREAD = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"


def cap_threads_per_job(environ: dict) -> None:
    """Give each job of a sweep one compute thread, unless the environment already says how many
    (any of the variables set, or XLA_FLAGS naming its thread options): launchers pass the
    environment on to their jobs."""
    for name, value in ONE_THREAD_PER_JOB.items():
        environ.setdefault(name, value)
    flags = environ.get("XLA_FLAGS", "")
    if "multi_thread_eigen" not in flags and "intra_op_parallelism_threads" not in flags:
        environ["XLA_FLAGS"] = f"{flags} {XLA_ONE_THREAD}".strip()


# At import: launcher workers unpickle this module (the callback lives here) before any config of
# theirs is resolved.
OmegaConf.register_new_resolver("local_job_cap", local_job_cap, replace=True)


class JobRecords(Callback):
    def on_job_end(self, config: DictConfig, job_return: JobReturn, **kwargs: Any) -> None:
        run_dir = Path(job_return.working_dir or ".")
        if job_return.hydra_cfg is not None:
            run_dir = Path(job_return.hydra_cfg.hydra.runtime.output_dir)
        record = {
            "job": run_dir.name,
            "overrides": list(job_return.overrides or []),
            "status": "completed" if job_return.status == JobStatus.COMPLETED else "failed",
            "error": None,
        }
        if job_return.status == JobStatus.FAILED:
            error = job_return._return_value
            record["error"] = "".join(traceback.format_exception_only(type(error), error)).strip()
        run_dir.mkdir(parents=True, exist_ok=True)
        (run_dir / RECORD).write_text(json.dumps(record, indent=2) + "\n")
        if job_return.hydra_cfg is not None and job_return.hydra_cfg.hydra.mode.name == "MULTIRUN":
            gather(Path(job_return.hydra_cfg.hydra.sweep.dir))

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        sweep_dir = Path(config.hydra.sweep.dir)
        if sweep_dir.is_dir():
            gather(sweep_dir)


def gather(sweep_dir: Path) -> pd.DataFrame:
    """One table for a sweep: every job's scorecard rows, one row per failed job, and one row per
    job that started (Hydra wrote its .hydra folder) but never ended: killed, or still running."""
    rows = []
    for record_path in sorted(Path(sweep_dir).rglob(RECORD)):
        record = json.loads(record_path.read_text())
        base = {
            "job": str(record_path.parent.relative_to(sweep_dir)),
            "status": record["status"],
            "overrides": " ".join(record["overrides"]),
            "error": record["error"],
        }
        summary_path = record_path.parent / "summary.json"
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
    for hydra_dir in sorted(Path(sweep_dir).rglob(".hydra")):
        job_dir = hydra_dir.parent
        if (job_dir / RECORD).is_file() or not (hydra_dir / "overrides.yaml").is_file():
            continue
        rows.append(
            {
                "job": str(job_dir.relative_to(sweep_dir)),
                "status": "incomplete",
                "overrides": " ".join(OmegaConf.load(hydra_dir / "overrides.yaml")),
                "error": "no job.json: the job was killed or is still running",
                "scenario": None,
                "metric": None,
                "value": None,
            }
        )
    table = pd.DataFrame(rows)
    partial = Path(sweep_dir) / f".sweep.{os.getpid()}.parquet"
    table.to_parquet(partial, index=False)
    os.replace(partial, Path(sweep_dir) / "sweep.parquet")  # readers never see half a table
    return table


if __name__ == "__main__":
    import sys

    if len(sys.argv) != 2:
        sys.exit("usage: python -m sim.sweep SWEEP_DIR")
    print(f"{len(gather(Path(sys.argv[1])))} rows → {Path(sys.argv[1]) / 'sweep.parquet'}")

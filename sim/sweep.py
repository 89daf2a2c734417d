"""Sweep bookkeeping through Hydra's own callback API (no job system of our own).

``JobRecords`` writes ``job.json`` into every job's folder when the job ends (status, overrides,
error if any), and gathers every job.json below the sweep folder into ``sweep.parquet`` when the
multirun ends: one row per job and scenario metric, failed jobs as rows with their error.  One
file per job keeps parallel launchers from writing to one table at once, and gathering once keeps
a sweep of n jobs at O(n) reads.  Hydra skips the multirun-end hook once a job has failed, so a
failed job leaves a mark in the sweep folder and from then on every job that ends gathers the
table itself (the mark is cleared when a multirun starts).  The table is replaced atomically.
``python -m sim.sweep SWEEP_DIR`` gathers by hand (after a sweep was killed, say).

``threads_per_job`` shares the machine's cores among the jobs a local launcher runs at once
(``deai-sim -m`` applies it through the environment its jobs inherit).  It also registers
``local_job_cap``, the resolver behind ``hydra.sweeper.max_batch_size``:
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


# Thread caps for jobs that share this machine's cores: XLA's CPU thread pool and BLAS/OpenMP
# would each start a thread per core in every job.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
JOBLIB = "hydra_plugins.hydra_joblib_launcher.joblib_launcher.JoblibLauncher"


def jobs_at_once(launcher: DictConfig, max_batch_size: int | None, cores: int) -> int | None:
    """How many jobs a launcher runs at once on this machine; None when its jobs run one after
    another (basic) or elsewhere (SLURM tasks, Ray workers: their own allocations)."""
    if launcher._target_ == JOBLIB:
        n_jobs = launcher.n_jobs
        at_once = cores + 1 + n_jobs if n_jobs < 0 else n_jobs  # joblib's own reading of n_jobs
        return max(1, min(at_once, max_batch_size or at_once))
    if launcher._target_ == LOCAL_SUBMITIT:
        return max_batch_size or cores
    return None


def threads_per_job(at_once: int | None, cores: int) -> int | None:
    """The cores shared out among the jobs running at once (None: leave the libraries alone)."""
    return None if at_once is None else max(1, cores // at_once)


def cap_threads(environ: dict, threads: int) -> None:
    """Give each job ``threads`` compute threads, unless the environment already says how many
    (a variable set, or XLA_FLAGS naming a thread option); launchers pass it on to their jobs."""
    for name in THREAD_VARIABLES:
        environ.setdefault(name, str(threads))
    flags = environ.get("XLA_FLAGS", "")
    if "multi_thread_eigen" in flags or "intra_op_parallelism_threads" in flags:
        return
    pool = f"--xla_cpu_multi_thread_eigen={'false' if threads == 1 else 'true'}"
    environ["XLA_FLAGS"] = f"{flags} {pool} intra_op_parallelism_threads={threads}".strip()


COMPILATION_CACHE = ".jax_cache"


def share_compiled_programs(sweep_dir: Path) -> None:
    """Let every job of a sweep reuse the programs XLA compiled for an earlier one, through JAX's
    persistent compilation cache in the sweep folder: jobs started as new processes (submitit,
    SLURM array tasks, Ray and joblib workers, a resumed sweep) skip most of their compilation.
    Programs compiled in under a second are kept too, since the learners' many small programs are
    what a new job waits for.  A cache the user chose (JAX_COMPILATION_CACHE_DIR) is kept.  Must
    run before the job's first compilation; nodes with other CPU features recompile (XLA checks).

    Source: JAX documentation, "Persistent compilation cache"."""
    import jax

    if os.environ.get("JAX_COMPILATION_CACHE_DIR"):
        return
    jax.config.update("jax_compilation_cache_dir", str(Path(sweep_dir) / COMPILATION_CACHE))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)


# At import: launcher workers unpickle this module (the callback lives here) before any config of
# theirs is resolved.
OmegaConf.register_new_resolver("local_job_cap", local_job_cap, replace=True)


FAILED_MARK = ".some_jobs_failed"


class JobRecords(Callback):
    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        Path(config.hydra.sweep.dir, FAILED_MARK).unlink(missing_ok=True)

    def on_job_end(self, config: DictConfig, job_return: JobReturn, **kwargs: Any) -> None:
        run_dir = Path(job_return.working_dir or ".")
        if job_return.hydra_cfg is not None:
            run_dir = Path(job_return.hydra_cfg.hydra.runtime.output_dir)
        failed = job_return.status == JobStatus.FAILED
        record = {
            "job": run_dir.name,
            "overrides": list(job_return.overrides or []),
            "status": "failed" if failed else "completed",
            "error": None,
        }
        if failed:
            error = job_return._return_value
            record["error"] = "".join(traceback.format_exception_only(type(error), error)).strip()
        run_dir.mkdir(parents=True, exist_ok=True)
        (run_dir / RECORD).write_text(json.dumps(record, indent=2) + "\n")
        if job_return.hydra_cfg is None or job_return.hydra_cfg.hydra.mode.name != "MULTIRUN":
            return
        sweep_dir = Path(job_return.hydra_cfg.hydra.sweep.dir)
        if failed:
            (sweep_dir / FAILED_MARK).touch()
        if (sweep_dir / FAILED_MARK).is_file():
            gather(sweep_dir)

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

"""How the jobs of a sweep share a machine: launcher plugins, jobs at once, threads per job and
compiled programs.

- ``local_job_cap`` is the resolver behind ``hydra.sweeper.max_batch_size`` (configs/config.yaml):
  hydra-submitit-launcher 1.2 starts every job of a batch at once on the local executor, so with
  ``submitit_local`` the basic sweeper hands it batches of as many jobs as there are usable
  cores; other launchers get one batch (their own ``n_jobs`` or the cluster caps them).
- ``threads_per_job`` shares the cores among the jobs a local launcher runs at once, and
  ``cap_threads`` writes it into the environment that launchers pass on to their jobs.
- ``share_compiled_programs`` points every job of a sweep at one JAX compilation cache.
- ``check_launcher`` names the extra to install when a launcher's plugin is missing.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from omegaconf import DictConfig, OmegaConf

from sim.config import ConfigError

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


# At import: launcher workers unpickle the task function (sim.cli, which imports this module)
# before any config of theirs is resolved.
OmegaConf.register_new_resolver("local_job_cap", local_job_cap, replace=True)


# Launcher presets and the plugin (and deai-sim extra) each needs.
LAUNCHER_PLUGINS = {
    "joblib": ("hydra_plugins.hydra_joblib_launcher", "joblib"),
    "joblib_progress": ("hydra_plugins.hydra_joblib_launcher", "joblib"),
    "submitit_local": ("hydra_plugins.hydra_submitit_launcher", "slurm"),
    "submitit_slurm": ("hydra_plugins.hydra_submitit_launcher", "slurm"),
    "ray": ("hydra_plugins.hydra_ray_launcher", "ray"),
    "ray_cluster": ("hydra_plugins.hydra_ray_launcher", "ray"),
    "ray_aws": ("hydra_plugins.hydra_ray_launcher", "ray"),
}


def check_launcher(args: list[str]) -> None:
    """A launcher whose plugin is not installed is named with the extra that brings it."""
    for arg in args:
        if not arg.startswith("hydra/launcher="):
            continue
        name = arg.split("=", 1)[1]
        plugin, extra = LAUNCHER_PLUGINS.get(name, (None, None))
        if plugin and importlib.util.find_spec(plugin) is None:
            raise ConfigError(
                f"hydra/launcher={name}: its Hydra plugin is not installed; "
                f"pip install 'deai-sim[{extra}]' (or pip install -e '.[{extra}]' in a checkout)"
            )

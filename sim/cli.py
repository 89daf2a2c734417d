"""The ``deai-sim`` command: check the config, then run the scenarios through Hydra.

Before Hydra creates a run directory, the config (and its baseline's) is composed, checked
against the schema and every mechanism is built once, so a bad key, type, range or mechanism name
stops the run with one line on stderr (exit status 2) and nothing is written.  Multirun sweeps
check each job the same way when it starts.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import hydra
from hydra.core.global_hydra import GlobalHydra
from hydra.core.hydra_config import HydraConfig
from hydra.errors import HydraException
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from sim import interrupts, launchers  # launchers also registers the local_job_cap resolver
from sim import sweep as sweep_records
from sim.composition import (  # noqa: F401  (re-exported for scripts written against sim.cli)
    CONFIG_DIR,
    SCENARIO_OWN_KEYS,
    compose_scenarios,
    preflight,
)
from sim.config import ConfigError, register_schema
from sim.design_arguments import design_arguments, is_design_sweep, make_discoverable
from sim.sweep_check import (
    check_jobs,
    describe_failed_jobs,
    describe_failures,
    failed_jobs,
    grid_jobs,
)

log = logging.getLogger(__name__)


@hydra.main(version_base="1.3", config_path=CONFIG_DIR, config_name="config")
def app(cfg: DictConfig) -> None:
    from hydra.utils import get_method

    from sim.sweep import write_record

    hydra_cfg = HydraConfig.get()
    run_dir = Path(hydra_cfg.runtime.output_dir)
    overrides = list(hydra_cfg.overrides.task)
    if cfg.resume and (run_dir / "summary.json").is_file():
        log.info("resume: %s already finished, skipped", run_dir)
        print(run_dir.resolve(), flush=True)
        return
    progress = cfg.output.progress
    if hydra_cfg.mode == RunMode.MULTIRUN:
        launchers.share_compiled_programs(Path(hydra_cfg.sweep.dir))
        # Bars of jobs running side by side would interleave into one garbled line; the
        # launcher reports those jobs instead (joblib's verbose count of finished jobs).
        progress = progress and hydra_cfg.launcher._target_.endswith(".BasicLauncher")
    try:
        # The experiment is a function named by experiment._target_ (sim.run.run_single,
        # experiments.comparison.run_comparison_table, or a user's own).
        get_method(cfg.experiment._target_)(cfg, overrides, run_dir, progress)
    except KeyboardInterrupt:
        # Hydra's job-end hook does not see an interrupt: record it here, then let main() end
        # the command with one line.
        write_record(run_dir, overrides, "interrupted", "interrupted by the user (Ctrl-C)")
        raise
    print(run_dir.resolve(), flush=True)


def first_job(args: list[str]) -> list[str]:
    """The overrides of a sweep's first job: every fixed override, each swept key at its first
    value."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parsed = OverridesParser.create().parse_overrides([a for a in args if not a.startswith("-")])
    return [
        f"{o.get_key_element()}={next(iter(o.sweep_string_iterator()))}"
        if o.is_sweep_override()
        else o.input_line
        for o in parsed
    ]


def sweep_config(args: list[str]) -> DictConfig | None:
    """The first job's config with Hydra's own (launcher, sweeper and its preset ``params``);
    None when the overrides do not compose (the up-front check then names what is wrong)."""
    try:
        GlobalHydra.instance().clear()
        with hydra.initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
            return hydra.compose("config", overrides=first_job(args), return_hydra_config=True)
    except (HydraException, OmegaConfBaseException):
        return None
    finally:
        GlobalHydra.instance().clear()


def sweep_threads_per_job(cfg: DictConfig | None) -> int | None:
    """Threads for each job of a sweep, from the launcher its first job's config chooses (a
    preset's joblib included); None when the jobs do not share this machine's cores."""
    if cfg is None:
        return None
    cores = len(os.sched_getaffinity(0))
    at_once = launchers.jobs_at_once(
        cfg.hydra.launcher, cfg.hydra.sweeper.get("max_batch_size"), cores
    )
    return launchers.threads_per_job(at_once, cores)


def sweep_jobs(args: list[str], cfg: DictConfig | None) -> list[list[str]]:
    """Every job of a grid sweep (the preset's ``hydra.sweeper.params`` and the command line),
    every draw of a preset's design, the ends of a preset's search ranges; just the first job
    when no composable config decides the jobs."""
    overrides = [a for a in args if not a.startswith("-")]
    if cfg is None:
        return [first_job(args)]
    sweeper = cfg.hydra.sweeper
    if sweeper._target_.endswith("BasicSweeper"):
        return grid_jobs(overrides, container(sweeper.get("params")))
    space = container(sweeper.get("space"))
    if not space:
        return [first_job(args)]
    from hydra_plugins.deai_sim_design_sweeper.design_sweeper import design_jobs, flatten
    from sim.design_arguments import range_ends

    try:
        if "method" in sweeper and "n" in sweeper:  # the design sweeper
            return design_jobs(space, sweeper.method, int(sweeper.n), int(sweeper.seed), overrides)[
                1
            ]
        return range_ends(flatten(space), overrides)
    except ValueError as error:
        raise ConfigError(f"hydra.sweeper: {error}") from None


CHECKS_WITHOUT_PROGRESS = 50


def container(node) -> dict:
    """A config node as a plain dict, unresolved ({} for none)."""
    return OmegaConf.to_container(node, resolve=False) if node else {}


def refuse_sweep_without_multirun(args: list[str]) -> None:
    """A sweep preset (one whose config sets ``hydra.sweeper.params``) run without ``-m`` would
    silently be one plain run of its first settings: say so instead."""
    if not any(a.startswith("experiment=") for a in args):
        return
    cfg = sweep_config(args)
    if cfg is None:
        return
    from hydra_plugins.deai_sim_design_sweeper.design_sweeper import flatten

    sweeper = cfg.hydra.sweeper
    params = dict(sweeper.get("params") or {})
    params |= flatten(container(sweeper.get("space")))
    if params or not sweeper._target_.endswith("BasicSweeper"):
        preset = next(a for a in args if a.startswith("experiment="))
        swept = ", ".join(str(key) for key in params)
        raise ConfigError(
            f"{preset}: a sweep (over {swept}); run it with -m: deai-sim -m {' '.join(args)}"
        )


def check_every_job(jobs: list[list[str]], what: str = "jobs") -> None:
    """Compose and check every job before the first runs; one block listing the bad ones."""
    if len(jobs) > CHECKS_WITHOUT_PROGRESS:  # about 0.05 s a job: say what the wait is for
        print(f"deai-sim: checking the {len(jobs)} {what} of the sweep…", file=sys.stderr)
    failures = check_jobs(jobs)
    if failures:
        raise ConfigError(describe_failures(failures, jobs, what))


def report_failed_jobs() -> int:
    """After a sweep: 0 when every job completed; else one block naming each failed job, 1."""
    sweep_dir = sweep_records.started.get("dir")
    if sweep_dir is None or not Path(sweep_dir).is_dir():
        return 0
    total, bad = failed_jobs(sweep_dir)
    if not bad:
        return 0
    print(f"deai-sim: {describe_failed_jobs(sweep_dir, total, bad)}", file=sys.stderr)
    return 1


def check_before_running(args, multirun: bool, design_jobs, config) -> None:
    """Everything the command checks before Hydra starts; raises ConfigError."""
    launchers.check_launcher(args)
    if design_jobs is not None:
        # A misspelt parameter or a bad draw stops the sweep here; a search's trials are
        # drawn as it runs, so its ranges are checked at their ends.
        search = "hydra/sweeper=search" in args
        check_every_job(design_jobs, "range-end checks" if search else "jobs")
    elif not any(a.startswith("-") for a in args):
        refuse_sweep_without_multirun(args)
        preflight(args)
    elif multirun and all(a in ("-m", "--multirun") for a in args if a.startswith("-")):
        # Every job is composed and checked before the first one starts.
        check_every_job(sweep_jobs(args, config))


def main(argv: list[str] | None = None) -> int:
    # Many sweep jobs share a machine: none may grab all GPU memory up front (set before JAX is
    # imported; jobs started by launchers inherit it).
    os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
    register_schema()
    args = list(sys.argv[1:] if argv is None else argv)
    multirun = "-m" in args or "--multirun" in args
    design_jobs = None
    if multirun:
        make_discoverable()  # the design and search sweepers, for presets that choose them
    if multirun and is_design_sweep(args):
        try:
            args, design_jobs = design_arguments(args)
        except ConfigError as error:
            print(f"deai-sim: error: {error}", file=sys.stderr)
            return 2
    config = sweep_config(args) if multirun else None
    if multirun:
        threads = sweep_threads_per_job(config)
        if threads is not None:
            launchers.cap_threads(os.environ, threads)
    try:
        check_before_running(args, multirun, design_jobs, config)
    except ConfigError as error:
        print(f"deai-sim: error: {error}", file=sys.stderr)
        return 2
    sys.argv = [sys.argv[0], *args]
    interrupts.install()
    try:
        app()
    except KeyboardInterrupt:
        where = sweep_records.started.get("dir")
        print(
            f"deai-sim: interrupted; the partial run is in {where}"
            if where
            else "deai-sim: interrupted",
            file=sys.stderr,
        )
        return 130
    except SystemExit as exit:
        # Hydra exits with status 1 after a failed grid job; say which failed, and keep the
        # sweep folder, holding the other jobs and the failures' records, the last line.
        if multirun and "dir" in sweep_records.started:
            report_failed_jobs()
            print(sweep_records.started["dir"], flush=True)
        raise exit
    status = report_failed_jobs() if multirun else 0
    if multirun and "dir" in sweep_records.started:
        print(sweep_records.started["dir"], flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())

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
from omegaconf import DictConfig
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


def sweep_threads_per_job(args: list[str]) -> int | None:
    """Threads for each job of a sweep, from the launcher its first job's overrides choose (a
    preset's joblib included); None when the jobs do not share this machine's cores or the
    overrides do not compose (the up-front check then names what is wrong)."""
    try:
        GlobalHydra.instance().clear()
        with hydra.initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
            cfg = hydra.compose("config", overrides=first_job(args), return_hydra_config=True)
        cores = len(os.sched_getaffinity(0))
        at_once = launchers.jobs_at_once(
            cfg.hydra.launcher, cfg.hydra.sweeper.get("max_batch_size"), cores
        )
        return launchers.threads_per_job(at_once, cores)
    except (HydraException, OmegaConfBaseException):
        return None
    finally:
        GlobalHydra.instance().clear()


def main(argv: list[str] | None = None) -> int:
    # Many sweep jobs share a machine: none may grab all GPU memory up front (set before JAX is
    # imported; jobs started by launchers inherit it).
    os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
    register_schema()
    args = list(sys.argv[1:] if argv is None else argv)
    multirun = "-m" in args or "--multirun" in args
    design_job = None
    if multirun:
        make_discoverable()  # the design and search sweepers, for presets that choose them
    if multirun and is_design_sweep(args):
        try:
            args, design_job = design_arguments(args)
        except ConfigError as error:
            print(f"deai-sim: error: {error}", file=sys.stderr)
            return 2
    if multirun:
        threads = sweep_threads_per_job(args)
        if threads is not None:
            launchers.cap_threads(os.environ, threads)
    try:
        launchers.check_launcher(args)
        if design_job is not None:
            preflight(design_job)  # a misspelt parameter stops the sweep here
        elif not any(a.startswith("-") for a in args):
            preflight(args)
        elif multirun and all(a in ("-m", "--multirun") for a in args if a.startswith("-")):
            # A typo in a key would fail every job: check the first job before any starts (a
            # value that only some jobs take is checked, and recorded, by those jobs).
            preflight(first_job(args))
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
    except SystemExit:
        # Hydra exits with status 1 after a failed sweep job; the sweep folder, holding the
        # other jobs and the failure's record, is still the last line.
        if multirun and "dir" in sweep_records.started:
            print(sweep_records.started["dir"], flush=True)
        raise
    if multirun and "dir" in sweep_records.started:
        print(sweep_records.started["dir"], flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The ``deai-sim`` command: check the config, then run the scenarios through Hydra.

Before Hydra creates a run directory, the config (and its baseline's) is composed, checked
against the schema and every mechanism is built once, so a bad key, type, range or mechanism name
stops the run with one line on stderr (exit status 2) and nothing is written.  Multirun sweeps
check each job the same way when it starts.
"""

from __future__ import annotations

import copy
import logging
import os
import re
import sys
from pathlib import Path

import hydra
from hydra.core.global_hydra import GlobalHydra
from hydra.core.hydra_config import HydraConfig
from hydra.errors import HydraException
from hydra.types import RunMode
from omegaconf import DictConfig, open_dict
from omegaconf.errors import OmegaConfBaseException

from mechanisms import FAMILIES
from sim import interrupts, launchers  # launchers also registers the local_job_cap resolver
from sim import sweep as sweep_records
from sim.config import ConfigError, describe_omegaconf_error, register_schema, validate

# The configs package sits beside sim/ both in a checkout and in an installed wheel; locating it by
# path rather than by import keeps a user's own "configs" folder on sys.path from shadowing it.
CONFIG_DIR = str(Path(__file__).resolve().parent.parent / "configs")
log = logging.getLogger(__name__)


def _key(override: str) -> str:
    return override.lstrip("+~").split("=", 1)[0].split("@", 1)[0]


# Keys that belong to one scenario alone: its mechanisms, its scenario block, and the keys that
# say what is run beside what.
SCENARIO_OWN_KEYS = (*FAMILIES, "scenario", "baseline", "experiment")


def baseline_overrides(overrides: list[str], baseline: str) -> list[str]:
    """The baseline shares everything with the chosen scenario except its mechanisms and its
    scenario block: drop overrides of mechanism families, ``scenario``, ``baseline`` and
    ``experiment`` (the baseline is always one plain run)."""
    shared = [o for o in overrides if _key(o).split(".")[0] not in SCENARIO_OWN_KEYS]
    return [*shared, f"scenario={baseline}", "baseline=null"]


def compose_scenarios(cfg: DictConfig, overrides: list[str]) -> dict[str, DictConfig]:
    """The chosen scenario and, if ``baseline`` names another, the baseline composed beside it.

    The baseline takes its scenario block and mechanisms from its own preset and every other
    key (population, learning, economy, faults, adversaries, output, seed, epochs) from the
    chosen scenario's composed config, so an experiment preset's settings reach both sides.
    """
    configs = {cfg.scenario.name: cfg}
    baseline = cfg.baseline
    if baseline and baseline != cfg.scenario.name:
        try:
            composed = _compose(baseline_overrides(overrides, baseline))
        except ConfigError as error:
            raise ConfigError(f"baseline: {error}") from error
        with open_dict(composed):
            for key in cfg:
                if key not in SCENARIO_OWN_KEYS:
                    composed[key] = copy.deepcopy(cfg[key])
        configs[baseline] = composed
    return configs


def _compose(overrides: list[str]) -> DictConfig:
    try:
        return hydra.compose(config_name="config", overrides=overrides)
    except (HydraException, OmegaConfBaseException) as error:
        raise ConfigError(describe_composition_error(error, overrides)) from error


def describe_composition_error(error: BaseException, overrides: list[str]) -> str:
    """Turn Hydra's multi-line composition errors into one line naming the key."""
    text = str(error)
    missing = re.search(r"Could not find '([^']+)/([^']+)'", text)
    if missing:
        group, option = missing.groups()
        options = re.findall(r"^\t(\S+)$", text, flags=re.MULTILINE)
        allowed = ", ".join(options) if options else "see configs/" + group
        return f"{group}={option}: unknown {group}; choose one of: {allowed}"
    cause = error.__cause__ or error
    if isinstance(cause, OmegaConfBaseException):
        described = describe_omegaconf_error(cause)
        if "not in struct" in described or re.search(r"Key '[^']+' not in", described):
            key = getattr(cause, "full_key", "") or described.split(":")[0]
            return f"{key}: unknown key; check the spelling (run with --cfg job to list keys)"
        return described
    return text.splitlines()[0]


def preflight(overrides: list[str]) -> dict[str, DictConfig]:
    """Compose and check every scenario of a run, building each mechanism once."""
    from hydra.utils import instantiate

    GlobalHydra.instance().clear()
    with hydra.initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        cfg = _compose(overrides)
        configs = compose_scenarios(cfg, overrides)
    from sim.run import check_population_fits_data, load_data

    for scenario_cfg in configs.values():
        typed = validate(scenario_cfg)
        check_population_fits_data(typed, len(load_data(typed).y_train))
        for family in FAMILIES:
            check_parameter_types(family, scenario_cfg[family])
            try:
                instantiate(scenario_cfg[family])
            except Exception as error:  # a mechanism rejecting its parameters
                root = error
                while root.__cause__ is not None:
                    root = root.__cause__
                message = str(root).splitlines()[0]
                about_one_key = re.match(r"(\w+) (must .*)", message)
                if about_one_key and about_one_key[1] in scenario_cfg[family]:
                    raise ConfigError(f"{family}.{about_one_key[1]}: {about_one_key[2]}") from error
                raise ConfigError(f"{family}: {message}") from error
    GlobalHydra.instance().clear()
    return configs


def check_parameter_types(family: str, node: DictConfig) -> None:
    """A mechanism parameter whose default is a number (or a flag) must be given as one: name
    the key, rather than let the mechanism fail on a comparison with a string."""
    import inspect

    from hydra.utils import get_class

    try:
        parameters = inspect.signature(get_class(node._target_)).parameters
    except Exception:  # an unknown target: instantiate() names it
        return
    for key, value in node.items():
        default = parameters[key].default if key in parameters else None
        if isinstance(default, bool):
            if not isinstance(value, bool):
                raise ConfigError(f"{family}.{key}: expected true or false, got {value!r}")
        elif isinstance(default, int | float) and (
            isinstance(value, bool) or not isinstance(value, int | float)
        ):
            raise ConfigError(f"{family}.{key}: expected a number, got {value!r}")


@hydra.main(version_base="1.3", config_path=CONFIG_DIR, config_name="config")
def app(cfg: DictConfig) -> None:
    from sim.run import run_scenarios
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
        if cfg.experiment.name == "comparison_table":
            from experiments.comparison import run_comparison

            run_comparison(
                overrides,
                cfg.experiment.seeds,
                cfg.epochs,
                run_dir,
                progress=progress,
                resume=cfg.resume,
            )
        else:
            configs = compose_scenarios(cfg, overrides)
            run_scenarios(configs, run_dir, progress=progress)
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
    if multirun:
        threads = sweep_threads_per_job(args)
        if threads is not None:
            launchers.cap_threads(os.environ, threads)
    try:
        launchers.check_launcher(args)
        if not any(a.startswith("-") for a in args):
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

"""Composing and checking the scenarios of a run from command-line style overrides.

``compose(overrides)`` (also ``sim.compose``) is what the command line does before anything runs:
compose the chosen scenario and its baseline with Hydra, check every key and range, and build
each mechanism once, so that a typo or an out-of-range value fails with one line naming the key.
"""

from __future__ import annotations

import copy
import enum
import re
from pathlib import Path

import hydra
from hydra.core.global_hydra import GlobalHydra
from hydra.errors import HydraException
from omegaconf import DictConfig, OmegaConf, open_dict
from omegaconf.errors import OmegaConfBaseException

from mechanisms import FAMILIES
from mechanisms.parameters import ParameterError
from sim.config import ConfigError, describe_omegaconf_error, register_schema, validate
from sim.inputs import check_population_fits_data, load_data

# The configs package sits beside sim/ both in a checkout and in an installed wheel; locating it by
# path rather than by import keeps a user's own "configs" folder on sys.path from shadowing it.
CONFIG_DIR = str(Path(__file__).resolve().parent.parent / "configs")


def load_option(path: Path) -> DictConfig:
    """One option of a config group read as Hydra extends it: the options of its own group that
    its defaults list names (``- bittensor``, ``- incentive_compatibility``) merged under it, in
    order; the rest of its defaults list (overrides of other groups) is kept, after its bases'."""
    option = OmegaConf.load(path)
    entries = list(option.get("defaults") or [])
    bases = [
        load_option(path.parent / f"{e}.yaml")
        for e in entries
        if isinstance(e, str) and e != "_self_"
    ]
    others = [e for base in bases for e in base.get("defaults", [])]
    others += [e for e in entries if not isinstance(e, str)]
    own = {k: v for k, v in option.items() if k != "defaults"}
    merged = OmegaConf.merge(
        *(OmegaConf.masked_copy(b, [k for k in b if k != "defaults"]) for b in bases), own
    )
    if others:
        merged.defaults = others
    return merged


def _key(override: str) -> str:
    return override.lstrip("+~").split("=", 1)[0].split("@", 1)[0]


# Keys that belong to one scenario alone: its mechanisms, its scenario block, and the keys that
# say what is run beside what.
SCENARIO_OWN_KEYS = (*FAMILIES, "consensus_variant", "scenario", "baseline", "experiment")


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


# Keys that moved, with where they went: a run that still sets one is told so.
MOVED_KEYS = {
    "economy.approval_tolerance": "scoring.tolerance (a parameter of scoring=absolute, the "
    "default scoring rule)",
}


def describe_composition_error(error: BaseException, overrides: list[str]) -> str:
    """Turn Hydra's multi-line composition errors into one line naming the key."""
    text = str(error)
    for old, new in MOVED_KEYS.items():
        if any(_key(o) == old for o in overrides) and old.split(".")[-1] in text:
            return f"{old}: moved to {new}"
    absent = re.search(r"Could not override '([^']+)'\. No match in the defaults list", text)
    if absent:
        group = absent.group(1)
        given = next((o for o in overrides if _key(o) == group), f"{group}=...")
        return (
            f"{given}: {group} is not in the default config, so it cannot be overridden; "
            f"add it with a plus: +{given.lstrip('+~')}"
        )
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
    configs = compose_all(overrides)
    check_scenarios(configs)
    return configs


def compose_all(overrides: list[str]) -> dict[str, DictConfig]:
    """Every scenario of a run (the chosen one and its baseline), composed by Hydra."""
    register_schema()  # with every adversary registered by now (agents.adversary)
    GlobalHydra.instance().clear()
    try:
        with hydra.initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
            cfg = _compose(overrides)
            return compose_scenarios(cfg, overrides)
    finally:
        GlobalHydra.instance().clear()


def chosen_members(overrides: list[str]) -> dict[str, str]:
    """The member of each config group the chosen scenario ends up with (``scenario``, every
    mechanism family, ``adaptation``…), as Hydra's defaults list resolves the overrides."""
    register_schema()
    GlobalHydra.instance().clear()
    try:
        with hydra.initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
            try:
                cfg = hydra.compose("config", overrides=overrides, return_hydra_config=True)
            except (HydraException, OmegaConfBaseException) as error:
                raise ConfigError(describe_composition_error(error, overrides)) from error
    finally:
        GlobalHydra.instance().clear()
    return {
        group: str(member)
        for group, member in cfg.hydra.runtime.choices.items()
        if member is not None and not group.startswith("hydra/")
    }


_CHECKED_DATA: dict[tuple, object] = {}


def _data_for_checks(typed):
    """The run's data split for the checks, loaded once per data config (a sweep checks many
    jobs that share their data)."""
    learning = typed.learning
    key = (typed.seed, str(learning.dataset), learning.test_fraction,
           learning.validation_fraction, str(learning.data_path), learning.samples)  # fmt: skip
    if key not in _CHECKED_DATA:
        if len(_CHECKED_DATA) > 8:
            _CHECKED_DATA.clear()
        _CHECKED_DATA[key] = load_data(typed)
    return _CHECKED_DATA[key]


def check_scenarios(configs: dict[str, DictConfig]) -> None:
    """Check composed scenarios against the schema, the data and every mechanism's own checks;
    raises ConfigError naming the key."""
    from hydra.utils import instantiate

    for scenario_cfg in configs.values():
        typed = validate(scenario_cfg)
        check_population_fits_data(typed, _data_for_checks(typed))
        for family in (*FAMILIES, "adaptation"):
            check_parameter_types(family, scenario_cfg[family])
            try:
                instantiate(scenario_cfg[family])
            except Exception as error:  # a mechanism rejecting its parameters
                raise ConfigError(describe_mechanism_error(family, error)) from error
        for role, rule in (scenario_cfg.get("adaptation_by_role") or {}).items():
            key = f"adaptation_by_role.{role}"
            try:
                instantiate(rule)
            except Exception as error:
                raise ConfigError(describe_mechanism_error(key, error)) from error


def describe_mechanism_error(family: str, error: BaseException) -> str:
    """One line for a mechanism that refused to be built: ``family.parameter: message`` when it
    raised a ParameterError (mechanisms.parameters), else ``family: message``."""
    root = error
    while root.__cause__ is not None:
        root = root.__cause__
    if isinstance(root, ParameterError):
        return f"{family}.{root.name}: {root.message}"
    return f"{family}: {str(root).splitlines()[0]}"


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


def compose(overrides: list[str]) -> dict[str, DictConfig]:
    """The checked scenarios of a run (``{name: config}``), as ``deai-sim OVERRIDES`` runs them."""
    return preflight(list(overrides))


def override(key: str, value) -> str:
    """One command-line override ``key=value`` for a Python value (None → null, True → true,
    a list → [a,b]); ``__`` in a key stands for the dot that a Python name cannot hold."""
    key = key.replace("__", ".")

    def text(v) -> str:
        if v is None:
            return "null"
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, enum.Enum):
            return str(v.value)
        if isinstance(v, list | tuple):
            return "[" + ",".join(text(item) for item in v) + "]"
        return str(v)

    return f"{key}={text(value)}"


def compose_scenario(parameters) -> DictConfig:
    """One checked scenario from keyword parameters, as ``deai-sim KEY=VALUE ...`` composes it
    (``scenario`` picks which; its baseline is not composed)."""
    overrides = [override(key, value) for key, value in parameters.items()]
    configs = compose([*overrides, "baseline=null"])
    return next(iter(configs.values()))

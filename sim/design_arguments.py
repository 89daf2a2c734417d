"""Design sweeps on the command line: ``+space.KEY=RANGE`` arguments are checked (a malformed
range stops the sweep with one line naming it) and handed to the design sweeper as
``+hydra.sweeper.space.KEY='RANGE'`` (hydra_plugins/deai_sim_design_sweeper), and the sweep's
first job is drawn here so that the command line can check it before any job starts."""

from __future__ import annotations

from pathlib import Path

from sim.config import ConfigError
from sim.design import DesignError, parse_range

SPACE = "+space."
DEFAULTS = {"method": "lhs", "n": "16", "seed": "0"}


SWEEPERS = ("hydra/sweeper=design", "hydra/sweeper=search")


def is_design_sweep(args: list[str]) -> bool:
    """A design sweep or a search: both take their parameters as ``+space.KEY=RANGE``."""
    return any(sweeper in args for sweeper in SWEEPERS)


def make_discoverable() -> None:
    """Hydra finds sweepers by walking the ``hydra_plugins`` namespace's folders; an editable
    install maps our plugin by an import hook instead, so its folder is added to that walk."""
    import hydra_plugins
    from hydra_plugins.deai_sim_design_sweeper import design_sweeper
    from hydra_plugins.deai_sim_search_sweeper import search_sweeper  # noqa: F401 (registers)

    folder = str(Path(design_sweeper.__file__).resolve().parents[1])
    if folder not in list(hydra_plugins.__path__):
        hydra_plugins.__path__.append(folder)


def design_arguments(args: list[str]) -> tuple[list[str], list[str]]:
    """(the arguments for Hydra, the overrides of the design's first job)."""
    from hydra_plugins.deai_sim_design_sweeper.design_sweeper import design_jobs

    make_discoverable()
    space, for_hydra, fixed, settings = {}, [], [], dict(DEFAULTS)
    for arg in args:
        key, has_value, value = arg.partition("=")
        if arg.startswith(SPACE):
            name = key.removeprefix(SPACE)
            if not has_value:
                raise ConfigError(f"space.{name}: needs a range, e.g. {SPACE}{name}=uniform(0,1)")
            space[name] = _checked(name, value)
            for_hydra.append(f"+hydra.sweeper.space.{name}='{value}'")
            continue
        for_hydra.append(arg)
        if key.startswith("hydra.sweeper."):
            settings[key.removeprefix("hydra.sweeper.")] = value
            if key == "hydra.sweeper.objectives":
                _check_objectives(value)
        elif not arg.startswith(("-", "hydra/sweeper=", "hydra.sweeper", "+hydra.sweeper")):
            fixed.append(arg)
    if not space:
        raise ConfigError(f"space: a design sweep needs at least one {SPACE}KEY=RANGE")
    if not any(arg.startswith("hydra/launcher=") for arg in args):
        # Designs are many independent jobs: every core by default, as the sweep presets do.
        for_hydra.append("hydra/launcher=joblib_progress")
    try:
        # A search's first trial is drawn like a design's first job: the check only needs one.
        method = settings["method"] if "hydra/sweeper=design" in args else "lhs"
        n, seed = int(settings["n"]), int(settings["seed"])
        _, jobs = design_jobs(space, method, n, seed, fixed)
    except (DesignError, ValueError) as error:
        raise ConfigError(f"hydra.sweeper: {error}") from None
    return for_hydra, jobs[0]


def _checked(name: str, text: str) -> str:
    try:
        parse_range(f"space.{name}", text)
    except DesignError as error:
        raise ConfigError(str(error)) from None
    return text


def _check_objectives(value: str) -> None:
    from hydra_plugins.deai_sim_search_sweeper.search_sweeper import parse_objectives

    try:
        parse_objectives([v for v in value.strip("[]").split(",") if v])
    except ValueError as error:
        raise ConfigError(str(error)) from None

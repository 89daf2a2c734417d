"""Design sweeps on the command line: ``+space.KEY=RANGE`` arguments are checked (a malformed
range stops the sweep with one line naming it) and handed to the design sweeper as
``+hydra.sweeper.space.KEY='RANGE'`` (hydra_plugins/deai_sim_design_sweeper), and the sweep's
jobs are drawn here so that the command line can check every one before any starts: all of a
design's (it is fixed by its method, size and seed), and for a search, whose trials depend on the
results, each parameter at both ends of its range (every option of a choice) with the others at
their middle."""

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


def design_arguments(args: list[str]) -> tuple[list[str], list[list[str]]]:
    """(the arguments for Hydra, the overrides of every job to check before the sweep)."""
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
        if "hydra/sweeper=design" in args:
            n, seed = int(settings["n"]), int(settings["seed"])
            _, jobs = design_jobs(space, settings["method"], n, seed, fixed)
        else:
            jobs = range_ends(space, fixed)
    except (DesignError, ValueError) as error:
        raise ConfigError(f"hydra.sweeper: {error}") from None
    return for_hydra, jobs


def range_ends(space: dict[str, str], fixed: list[str]) -> list[list[str]]:
    """Jobs with one parameter at an end of its range (each option of a choice) and every other
    at its middle: where a value the checks refuse lies, for ranges the checks bound."""
    from hydra_plugins.deai_sim_design_sweeper.design_sweeper import override_value
    from sim.design import parse_range

    ranges = {name: parse_range(f"space.{name}", text) for name, text in space.items()}

    def ends(entry):
        return list(entry[1]) if entry[0] == "choice" else [entry[1], entry[2]]

    def middle(entry):
        if entry[0] == "choice":
            return entry[1][0]
        mid = (entry[1] + entry[2]) / 2
        return int(mid) if entry[0] == "int" else mid

    jobs = []
    for name, entry in ranges.items():
        for end in ends(entry):
            values = {other: middle(e) for other, e in ranges.items()} | {name: end}
            jobs.append([*fixed, *(f"{k}={override_value(v)}" for k, v in values.items())])
    return jobs


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

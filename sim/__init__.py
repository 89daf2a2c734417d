"""deai-sim: a simulator of AI economies, a decentralized network beside a centralized platform.

From Python (sim.api):

    import sim
    run = sim.simulate(["consensus=yuma3", "epochs=20"], seed=0)   # a Run: data frames back
    run = sim.load("outputs/2026-12-01/10-00-00-000000")          # a finished run, read back
    configs = sim.compose(["consensus=yuma3"])                     # {scenario: checked config}
    model = sim.EconomyModel.from_config(configs["decentralized"]) # stepped by hand

``sim.run.run_scenarios(configs, run_dir)`` runs composed scenarios into a folder.
"""

from __future__ import annotations


def compose(overrides: list[str]) -> dict:
    """The checked scenarios of a run, ``{name: config}`` (sim.composition.compose)."""
    from sim.composition import compose as compose_run

    return compose_run(overrides)


def simulate(
    overrides: list[str] | tuple[str, ...] = (),
    seed: int | None = None,
    run_dir=None,
    progress: bool = False,
    figures: bool = False,
):
    """Run ``deai-sim OVERRIDES`` and return a ``sim.api.Run`` (see sim.api.simulate: ``seed``
    is ``seed=N``; without ``run_dir`` the files go to a temporary folder removed with the Run)."""
    from sim.api import simulate as simulate_run

    return simulate_run(overrides, seed, run_dir, progress, figures)


def load(run_dir):
    """A finished run read back from its folder (see sim.api.load)."""
    from sim.api import load as load_run

    return load_run(run_dir)


def __getattr__(name: str):
    # Imported on first use: `import sim` stays light (no JAX) for the command line's checks.
    if name == "EconomyModel":
        from sim.model import EconomyModel

        return EconomyModel
    if name == "Run":
        from sim.api import Run

        return Run
    raise AttributeError(f"module 'sim' has no attribute {name!r}")

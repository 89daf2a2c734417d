"""deai-sim: a simulator of AI economies, a decentralized network beside a centralized platform.

``sim.compose(overrides)`` gives the checked scenarios of a run exactly as ``deai-sim OVERRIDES``
composes them; ``sim.run.run_scenarios(configs, run_dir)`` runs them.
"""


def compose(overrides: list[str]) -> dict:
    """The checked scenarios of a run, ``{name: config}`` (sim.composition.compose)."""
    from sim.composition import compose as compose_run

    return compose_run(overrides)

"""The browser view: Mesa's SolaraViz over a ``PairedEconomy`` (or a ``ReplayedRun``), with a
settings panel whose values become command-line overrides.

Started by ``deai-sim-view`` (sim/view/serve.py), which passes the starting overrides, or the run
to replay, in the environment (``DEAI_SIM_VIEW``).  Applying settings composes them exactly as
``deai-sim`` does: a bad value shows the command line's one-line message and leaves the running
model as it is.
"""

from __future__ import annotations

import html
import json
import os
import time
from pathlib import Path

import solara
from mesa.visualization import SolaraViz
from mesa.visualization.utils import force_update

from agents.adversary import ADVERSARIES
from mechanisms import FAMILIES
from sim.composition import CONFIG_DIR
from sim.config import ConfigError, register_schema
from sim.view import panels
from sim.view.economy import PairedEconomy, ReplayedRun

register_schema()
CHOICES = {
    group: sorted(p.stem for p in (Path(CONFIG_DIR) / group).glob("*.yaml"))
    for group in ("scenario", *FAMILIES, "adaptation")
}
NUMBERS = {
    "seed": 0,
    "epochs": 30,
    "population.builders": 12,
    "population.validators": 8,
    "population.data_providers": 20,
    "population.consumers": 60,
    # Every registered adversary's share (agents.adversary).
    **{f"adversaries.{key}": 0.0 for key in ADVERSARIES},
    "faults.offline_probability": 0.05,
    "faults.coordinator_outage_start": -1,
    "faults.coordinator_outage_length": 0,
}


def starting_point() -> dict:
    return json.loads(os.environ.get("DEAI_SIM_VIEW", "{}"))


def initial_model():
    start = starting_point()
    if start.get("replay"):
        return ReplayedRun.of(start["replay"])()
    return PairedEconomy.with_settings(start.get("overrides", []))


def overrides_from(form: dict, defaults: dict) -> list[str]:
    """The form as overrides, naming only what differs from the defaults (and the members)."""
    chosen = [f"{group}={form[group]}" for group in CHOICES if form.get(group)]
    numbers = [f"{key}={form[key]}" for key in NUMBERS if str(form[key]) != str(defaults[key])]
    return chosen + numbers


def form_defaults(overrides: list[str]) -> dict:
    values = {**NUMBERS}
    values.update({group: "" for group in CHOICES})
    for item in overrides:
        key, _, value = item.partition("=")
        if key in values:
            values[key] = value
    return values


@solara.component
def Settings(model: solara.Reactive):
    """Dropdowns for the scenario and every mechanism family, fields for sizes, shares, faults
    and the seed; Apply composes them like the command line."""
    start = starting_point().get("overrides", [])
    defaults = solara.use_memo(lambda: form_defaults([]), [])
    form = solara.use_reactive(form_defaults(start))
    message = solara.use_reactive("")
    timing = solara.use_reactive("")

    def set_value(key, value):
        form.value = {**form.value, key: value}

    def apply():
        try:
            started = time.perf_counter()
            model.value = PairedEconomy.with_settings(overrides_from(form.value, defaults))
            message.value = ""
            timing.value = f"built in {time.perf_counter() - started:.1f} s"
            force_update()
        except ConfigError as error:
            message.value = f"deai-sim: error: {error}"

    with solara.Card("Settings"):
        for group, members in CHOICES.items():
            solara.Select(label=group, values=["", *members], value=form.value[group],
                          on_value=lambda v, g=group: set_value(g, v))  # fmt: skip
        for key in NUMBERS:
            solara.InputText(label=key, value=str(form.value[key]),
                             on_value=lambda v, k=key: set_value(k, v.strip()))  # fmt: skip
        solara.Button("Apply", color="primary", on_click=apply)
        if message.value:
            solara.Error(message.value, classes=["deai-sim-error"])
        elif timing.value:
            solara.Text(timing.value)


def _figure(draw):
    """A panel as inline SVG: crisp at any size, and its marks (``gid`` groups) can be found
    in the page, which is how the browser test counts points."""

    def component(model):
        import io

        import matplotlib.pyplot as plt

        figure = draw(model)
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg")
        plt.close(figure)
        svg = buffer.getvalue()
        solara.HTML(tag="div", unsafe_innerHTML=svg[svg.index("<svg"):],
                    classes=[f"panel-{draw.__name__}"])  # fmt: skip

    component.__name__ = draw.__name__
    return component


def Ledger(model):
    rows = [
        {"epoch": e, "kind": k, "reason": r, "movements": n, "tokens": u / 1e6,
         "public": "yes" if p else "no", "scenario": name}
        for name, entries in model.ledgers().items()
        for e, k, r, n, u, p in entries[-8:]
    ]  # fmt: skip
    with solara.Card("Last ledger entries"):
        if rows:
            import pandas as pd

            solara.DataFrame(pd.DataFrame(rows), items_per_page=16)
        else:
            solara.Text("none yet (a replay has no ledger in memory)")


def Status(model):
    # Plain HTML, not Markdown: Markdown loads KaTeX from a CDN, which an offline machine lacks.
    kind = "replay of " + model.run_dir if model.replay else " ".join(model.overrides) or "defaults"
    solara.HTML(
        tag="p",
        unsafe_innerHTML=f"<b>epoch {model.epoch} of {model.epochs}</b> — {html.escape(kind)}",
    )
    solara.HTML(
        tag="p", unsafe_innerHTML=f"Scorecard aspects: {html.escape(panels.aspect_names())}"
    )


COMPONENTS = [
    Status,
    _figure(panels.accuracy),
    _figure(panels.scorecard),
    _figure(panels.balances),
    _figure(panels.rewards),
    _figure(panels.strategies),
    _figure(panels.graphs),
    Ledger,
]

economy = solara.reactive(initial_model())


@solara.component
def Page():
    if not economy.value.replay:
        with solara.Sidebar():
            Settings(economy)
    SolaraViz(economy, components=COMPONENTS, name="deai-sim: centralized vs decentralized")

"""The browser view: Mesa's SolaraViz over a ``PairedEconomy`` (or a ``ReplayedRun``), with a
settings panel whose values become command-line overrides.

Started by ``deai-sim-view`` (sim/view/serve.py), which passes the starting overrides, or the run
to replay, in the environment (``DEAI_SIM_VIEW``).  Applying settings composes them exactly as
``deai-sim`` does: a bad value shows the command line's one-line message and leaves the running
model as it is.  Each browser session (Solara's session cookie) has a model of its own, kept
across reloads and shared by that browser's tabs; another browser starts from the beginning.
"""

from __future__ import annotations

import html
import json
import os
import re
import time
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path

import solara
from mesa.visualization import SolaraViz
from mesa.visualization.utils import force_update

from agents.adversary import ADVERSARIES
from mechanisms import FAMILIES
from sim.composition import CONFIG_DIR, chosen_members
from sim.config import ConfigError, register_schema
from sim.view import panels
from sim.view.economy import PairedEconomy, ReplayedRun, check_compete

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
    return PairedEconomy.with_settings(start.get("overrides", []), start.get("compete", 0.0))


def overrides_from(form: dict, defaults: dict, members: dict, given: list[str]) -> list[str]:
    """The form as overrides: a member the user picked (one that differs from the member the
    running model has, or that its overrides name), and the numbers that differ from the
    defaults."""
    named = {item.partition("=")[0] for item in given}
    chosen = [
        f"{group}={form[group]}"
        for group in CHOICES
        if form.get(group) and (form[group] != members.get(group) or group in named)
    ]
    numbers = [f"{key}={form[key]}" for key in NUMBERS if str(form[key]) != str(defaults[key])]
    return chosen + numbers


def form_defaults(overrides: list[str], members: dict | None = None) -> dict:
    """The form's values: the numbers the overrides set (else the defaults), and in every
    dropdown the member the model runs with."""
    values = {**NUMBERS}
    values.update({group: (members or {}).get(group, "") for group in CHOICES})
    for item in overrides:
        key, _, value = item.partition("=")
        if key in values:
            values[key] = value
    return values


@lru_cache(maxsize=64)
def members_of(overrides: tuple[str, ...]) -> dict[str, str]:
    """The members the overrides choose (a Hydra composition: cached, the form asks often)."""
    return chosen_members(list(overrides))


# One model per browser session, the most recent sessions kept (each holds two economies).
SESSIONS: OrderedDict[str, object] = OrderedDict()
KEPT_SESSIONS = 16


def session_model(session: str):
    """The model of a browser session, built from the starting point the first time."""
    if session not in SESSIONS:
        SESSIONS[session] = initial_model()
        while len(SESSIONS) > KEPT_SESSIONS:
            SESSIONS.popitem(last=False)
    SESSIONS.move_to_end(session)
    return SESSIONS[session]


@solara.component
def Settings(model: solara.Reactive):
    """Dropdowns for the scenario and every mechanism family, fields for sizes, shares, faults
    and the seed; Apply composes them like the command line."""
    given = list(model.value.overrides)
    defaults = solara.use_memo(lambda: form_defaults([]), [])
    members = members_of(tuple(given))
    form = solara.use_reactive(solara.use_memo(lambda: form_defaults(given, members), []))
    compete = solara.use_reactive(str(model.value.compete))
    message = solara.use_reactive("")
    timing = solara.use_reactive("")

    def set_value(key, value):
        form.value = {**form.value, key: value}

    def apply():
        try:
            started = time.perf_counter()
            overrides = overrides_from(form.value, defaults, members, given)
            model.value = PairedEconomy.with_settings(overrides, check_compete(compete.value))
            # Every dropdown shows the member the new model runs with.
            form.value = form_defaults(overrides, members_of(tuple(overrides)))
            message.value = ""
            timing.value = f"built in {time.perf_counter() - started:.1f} s"
            force_update()
        except ConfigError as error:
            message.value = f"deai-sim: error: {error}"

    with solara.Card("Settings"):
        for group, options in CHOICES.items():
            solara.Select(label=group, values=["", *options], value=form.value[group],
                          on_value=lambda v, g=group: set_value(g, v))  # fmt: skip
        for key in NUMBERS:
            solara.InputText(label=key, value=str(form.value[key]), continuous_update=True,
                             on_value=lambda v, k=key: set_value(k, v.strip()))  # fmt: skip
        # Not a config key: whether the scenarios compete for one population (sim/federation.py).
        solara.InputText(
            label="compete (review probability)", value=compete.value, continuous_update=True,
            on_value=lambda v: compete.set(v.strip()),
        )  # fmt: skip
        # What Apply will compose, as the server holds it.  Fields update the form as they are
        # typed in (continuous_update): a value committed on leaving the field could be read
        # before the browser's queued update of it arrives.  A new value reaches the server a
        # moment after it is typed, later behind a busy server: this line shows when it has.
        pending = " ".join(overrides_from(form.value, defaults, members, given)) or "defaults"
        pending += f", --compete {compete.value}" if compete.value not in ("0", "0.0") else ""
        solara.HTML(tag="p", unsafe_innerHTML=f"Apply runs: {html.escape(pending)}",
                    classes=["deai-sim-pending"])  # fmt: skip
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
        svg = fit_width(buffer.getvalue())
        solara.HTML(tag="div", unsafe_innerHTML=svg, classes=[f"panel-{draw.__name__}"])

    component.__name__ = draw.__name__
    return component


def fit_width(svg: str) -> str:
    """The figure's SVG scaled to the width of its grid cell (its height following), so that a
    wide panel never spills into its neighbour."""
    svg = svg[svg.index("<svg") :]
    return re.sub(
        r'width="[\d.]+pt" height="[\d.]+pt"', 'width="100%" style="height: auto"', svg, count=1
    )


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

            solara.DataFrame(pd.DataFrame(rows), items_per_page=8)
        else:
            solara.Text("none yet")


def Status(model):
    # Plain HTML, not Markdown: Markdown loads KaTeX from a CDN, which an offline machine lacks.
    kind = "replay of " + model.run_dir if model.replay else " ".join(model.overrides) or "defaults"
    solara.HTML(
        tag="p",
        unsafe_innerHTML=f"<b>epoch {model.epoch} of {model.epochs}</b> — {html.escape(kind)}",
    )
    if model.replay:
        said = (
            "Replay from the run's files: accuracy, balances, strategy shares, rewards and ledger "
            "entries up to the epoch shown; the scorecard and the peer graph are the run's final "
            "ones."
        )
        if model.missing:
            said += " Not in this run's folder, so not shown: " + "; ".join(model.missing) + "."
        solara.HTML(tag="p", unsafe_innerHTML=html.escape(said), classes=["replay-note"])
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
    _figure(panels.shares),
    Ledger,
]


@solara.component
def Page():
    session = solara.get_session_id()

    def remember(model):
        SESSIONS[session] = model  # Apply and Reset build a new model: keep it for the session

    economy = solara.use_reactive(session_model(session), on_change=remember)
    if not economy.value.replay:
        with solara.Sidebar():
            Settings(economy)
    SolaraViz(economy, components=COMPONENTS, name="deai-sim: centralized vs decentralized")

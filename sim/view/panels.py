"""The view's panels: matplotlib figures of a ``PairedEconomy`` (or a ``ReplayedRun``), each a
function of the model, redrawn after every step.

Reward concentration: the Lorenz curve of the rewards paid so far, with the Gini and Nakamoto
coefficients of sim.metrics.concentration.  The scorecard radar shows, per aspect, the headline metric's relative advantage
r = (a − b) / (|a| + |b|) of the decentralized value a over the centralized b (sign flipped when
lower is better), drawn at 0.5 + r/2 and 0.5 − r/2: 0.5 apiece is a tie.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
# Text stays text in the SVG: a fraction of the size and of the time of glyphs drawn as paths.
matplotlib.rcParams["svg.fonttype"] = "none"
import matplotlib.pyplot as plt  # noqa: E402
import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from sim.metrics.concentration import gini, nakamoto_coefficient  # noqa: E402
from sim.metrics.scorecard import ASPECTS, HEADLINES  # noqa: E402
from sim.population import ROLE_ORDER  # noqa: E402
from sim.roles import Role  # noqa: E402

ROLE_COLOURS = {role: f"C{i}" for i, role in enumerate(ROLE_ORDER)}
ROLE_COLOURS[Role.COORDINATOR] = "black"
ROLE_NAMES = {role: role.name.lower().replace("_", " ") for role in Role}
# Colour by role value, one lookup for all nodes.
# The platform's hub is the protocol account (the coordinator's treasury): drawn as the
# coordinator.
PALETTE = np.array(
    [ROLE_COLOURS.get(role, ROLE_COLOURS[Role.COORDINATOR]) for role in sorted(Role)], dtype=object
)


def _figure(width=5.0, height=3.4, left=0.14):
    """A figure with fixed margins: a constrained layout would double the time to draw it."""
    fig, ax = plt.subplots(figsize=(width, height))
    fig.subplots_adjust(left=left, right=0.97, bottom=0.15, top=0.9)
    return fig, ax


def accuracy(model) -> Figure:
    fig, ax = _figure()
    table = model.metrics()
    for name, frame in table.groupby("scenario", sort=False):
        ax.plot(
            frame["epoch"], frame["test_accuracy"], marker="o", label=name, gid=f"accuracy-{name}"
        )
    ax.set(xlabel="epoch", ylabel="test accuracy", ylim=(0, 1), title="Test accuracy")
    ax.xaxis.get_major_locator().set_params(integer=True)
    if len(table):
        ax.legend(loc="lower right", fontsize=8)
    return fig


def balances(model) -> Figure:
    fig, ax = _figure()
    table = model.metrics()
    if len(table):
        last = table[table["epoch"] == table["epoch"].max()].set_index("scenario")
        roles = [r.name.lower() for r in ROLE_ORDER]
        width = 0.8 / max(len(last), 1)
        for i, (name, row) in enumerate(last.iterrows()):
            values = [row[f"balance_{r}"] for r in roles]
            ax.bar(np.arange(len(roles)) + i * width, values, width, label=name)
        ax.set_xticks(np.arange(len(roles)) + width / 2, [r.replace("_", "\n") for r in roles])
        ax.legend(fontsize=8)
    ax.tick_params(labelsize=7)
    ax.set(ylabel="tokens held", title="Token balances by role")
    return fig


def lorenz(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lorenz curve (x, y) of ``values``: cumulative share of the total held by the poorest
    share of accounts."""
    values = np.sort(np.clip(np.asarray(values, dtype=float), 0, None))
    if len(values) == 0 or values.sum() <= 0:
        return np.array([0.0, 1.0]), np.array([0.0, 1.0])
    y = np.concatenate([[0.0], np.cumsum(values) / values.sum()])
    return np.linspace(0, 1, len(y)), y


def _say(ax, text: str) -> None:
    """A panel with nothing to draw says why, in its middle."""
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=9, transform=ax.transAxes)


def rewards(model) -> Figure:
    fig, ax = _figure()
    paid_by_scenario = model.rewards()
    if not paid_by_scenario:
        _say(ax, "no rewards to show: the run's folder holds no ledger")
    for name, paid in paid_by_scenario.items():
        label = f"{name}: Gini {gini(paid):.2f}, Nakamoto {nakamoto_coefficient(paid)}"
        ax.plot(*lorenz(paid), label=label)
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", label="equality")
    ax.set(xlabel="share of accounts", ylabel="share of rewards", title="Rewards so far (Lorenz)")
    ax.legend(fontsize=7)
    return fig


def strategies(model) -> Figure:
    fig, ax = _figure(left=0.3)
    table = model.metrics()
    shares = [c for c in table.columns if c.startswith("share_")]
    if len(table) and shares:
        last = table[table["epoch"] == table["epoch"].max()]
        frame = last.set_index("scenario")[shares].fillna(0).T
        frame = frame[(frame > 0).any(axis=1)]
        frame.index = [c.removeprefix("share_").replace("_", " ") for c in frame.index]
        frame.plot.barh(ax=ax, fontsize=7)
        ax.legend(fontsize=7, loc="lower right")
    ax.set(xlabel="share of active members", xlim=(0, 1), title="Strategy shares, last epoch")
    return fig


SHARED_ROLES = ("compute_provider", "data_provider", "builder", "consumer")


def shares(model) -> Figure:
    """Each organisation's share of each role's members per epoch (``model.shares()``): a line
    per role, solid for the first organisation, dashed for the next; the lines of two
    organisations add up to one."""
    fig, ax = _figure()
    rows = model.shares()
    if rows:
        names = list(dict.fromkeys(key.split("/")[0] for key in rows[0] if "/" in key))
        epochs = [row["epoch"] for row in rows]
        for k, name in enumerate(names):
            for role in SHARED_ROLES:
                ax.plot(epochs, [row[f"{name}/{role}"] for row in rows],
                        color=ROLE_COLOURS[Role[role.upper()]], linestyle=("-", "--", ":")[k % 3],
                        label=f"{name}: {role.replace('_', ' ')}s", gid=f"shares-{name}-{role}")  # fmt: skip
        ax.legend(fontsize=5.5, loc="lower center", ncol=2, framealpha=0.6)
        ax.xaxis.get_major_locator().set_params(integer=True)
    else:
        _say(ax, "the scenarios run apart:\n--compete P (or the compete field)\nlets members move")
    compete = getattr(model, "compete", 0.0)
    ax.set(xlabel="epoch", ylabel="share of the role's members", ylim=(0, 1),
           title=f"Where members work (compete p = {compete:g})")  # fmt: skip
    return fig


def graphs(model) -> Figure:
    shown = model.graphs()
    fig, axes = plt.subplots(1, max(len(shown), 1), figsize=(8, 3.6))
    fig.subplots_adjust(left=0.02, right=0.98, bottom=0.14, top=0.9, wspace=0.05)
    axes = np.atleast_1d(axes)
    for ax, (name, g) in zip(axes, shown.items(), strict=False):
        draw_graph(ax, g, gid=f"graph-{name}")
        ax.set_title(f"{name}: peers (hub = coordinator)" if g["hub"] else f"{name}: peers")
    for ax in axes:
        ax.set_axis_off()
    if not shown:
        _say(axes[0], "no peer graph to show: the run's folder holds no records/")
    handles = [plt.Line2D([], [], marker="o", linestyle="", color=colour, label=ROLE_NAMES[role])
               for role, colour in ROLE_COLOURS.items()]  # fmt: skip
    handles.append(plt.Line2D([], [], marker="o", linestyle="", color="0.8", label="offline"))
    fig.legend(handles=handles, loc="lower center", ncol=4, fontsize=7, frameon=False)
    return fig


def draw_graph(ax, g: dict, gid: str) -> None:
    """Nodes coloured by role, sized by stake, greyed when offline or gone."""
    graph = g["graph"]
    nodes = np.array(list(graph.nodes), dtype=int)
    if len(nodes) == 0:
        return
    layout = _layout(graph)
    stake = g["stake"][nodes]
    size = 8 + 60 * np.sqrt(stake / max(stake.max(), 1e-9))
    colours = np.where(g["up"][nodes], PALETTE[g["role"][nodes]], "0.8")
    # Large graphs go into the SVG as one picture: thousands of vector marks would weigh MBs.
    many = len(nodes) > RASTER_ABOVE
    edges = nx.draw_networkx_edges(graph, layout, ax=ax, width=0.3, alpha=0.3)
    if edges is not None and many:
        edges.set_rasterized(True)
    xy = np.array([layout[n] for n in nodes]).T
    ax.scatter(*xy, s=size, c=colours, linewidths=0, gid=gid, rasterized=many)


RASTER_ABOVE = 300
_LAYOUTS: dict[int, dict] = {}


def _layout(graph) -> dict:
    """One layout per graph object, computed once; a node that joins later is placed at the
    mean of its neighbours' places (near the middle if it has none), so nodes keep their places
    and no step pays for a new layout."""
    key = id(graph)
    if key not in _LAYOUTS:
        _LAYOUTS[key] = nx.spring_layout(graph, seed=0, iterations=30 if len(graph) < 500 else 15)
    places = _LAYOUTS[key]
    for node in graph.nodes:
        if node not in places:
            known = [places[n] for n in graph.neighbors(node) if n in places]
            jitter = 0.05 * np.array([np.cos(node), np.sin(node)])
            places[node] = (np.mean(known, axis=0) if known else np.zeros(2)) + jitter
    return places


def scorecard(model) -> Figure:
    # The shape of every other panel: each fills a cell of SolaraViz's grid at the same height.
    fig = plt.figure(figsize=(5, 3.4))
    fig.subplots_adjust(left=0.05, right=0.8, bottom=0.08, top=0.86)
    ax = fig.add_subplot(projection="polar")
    cards = model.scorecards()
    angles = np.linspace(0, 2 * np.pi, len(ASPECTS), endpoint=False)
    if {"decentralized", "centralized"} <= set(cards):
        advantage = np.array([_advantage(cards, aspect) for aspect in range(1, 17)])
        for name, radius in (
            ("decentralized", 0.5 + advantage / 2),
            ("centralized", 0.5 - advantage / 2),
        ):
            closed = np.append(radius, radius[0])
            ax.plot(np.append(angles, angles[0]), closed, label=name, gid=f"scorecard-{name}")
            ax.fill(np.append(angles, angles[0]), closed, alpha=0.15)
        ax.legend(fontsize=7, loc="lower left", bbox_to_anchor=(1.05, 0.0))
    ax.set_xticks(angles, [f"{i}" for i in range(1, 17)], fontsize=7)
    ax.set_ylim(0, 1)
    ax.set_yticks([0.5], [""])
    ax.set_title("Scorecard: advantage per aspect (0.5 = tie)", fontsize=9)
    return fig


def _advantage(cards: dict, aspect: int) -> float:
    pick = {n: next(m for m in cards[n] if m["name"] == HEADLINES[aspect]) for n in cards}
    a, b = pick["decentralized"]["value"], pick["centralized"]["value"]
    if a is None or b is None or not np.isfinite([a, b]).all() or abs(a) + abs(b) == 0:
        return 0.0
    sign = 1.0 if pick["decentralized"]["better"] == "higher" else -1.0
    return sign * (a - b) / (abs(a) + abs(b))


def aspect_names() -> str:
    return "; ".join(f"{i}. {name}" for i, name in enumerate(ASPECTS, start=1))

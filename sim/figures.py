"""Figures of a run: accuracy, token balances, reward concentration, the scorecard, and the
strategy shares of the adapting roles."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from sim.metrics.scorecard import ASPECTS, HEADLINES  # noqa: E402
from sim.population import ROLE_ORDER  # noqa: E402


def _by_scenario(table: pd.DataFrame):
    return list(table.groupby("scenario", sort=False))


def draw_all(out: Path, table: pd.DataFrame, scorecards: dict, data: dict) -> None:
    """``data`` describes the run's data set (sim.run.describe_data): name, classes, chance."""
    out.mkdir(parents=True, exist_ok=True)
    accuracy(table, data).savefig(out / "accuracy.png", dpi=120)
    balances(table).savefig(out / "balances.png", dpi=120)
    reward_concentration(table).savefig(out / "reward_concentration.png", dpi=120)
    scorecard(scorecards).savefig(out / "scorecard.png", dpi=120)
    if any(column.startswith("share_") for column in table.columns):
        strategy_shares(table).savefig(out / "strategy_shares.png", dpi=120)
    plt.close("all")


def share_roles(columns) -> list[str]:
    """The roles that have strategy-share columns (``share_<role>_<strategy>``), in the
    population's order: role names hold underscores too (``compute_provider``)."""
    names = [role.name.lower() for role in ROLE_ORDER]
    return [n for n in names if any(c.startswith(f"share_{n}_") for c in columns)]


def strategy_shares(table: pd.DataFrame):
    """Stacked shares of each strategy among active members, per adapting role and scenario."""
    groups = _by_scenario(table)
    roles = share_roles(table.columns)
    fig, axes = plt.subplots(
        len(roles),
        len(groups),
        figsize=(5.5 * len(groups), 3.2 * len(roles)),
        sharex=True,
        sharey=True,
        layout="constrained",
        squeeze=False,
    )
    for col, (name, frame) in enumerate(groups):
        for row, role in enumerate(roles):
            columns = [c for c in frame.columns if c.startswith(f"share_{role}_")]
            labels = [c.removeprefix(f"share_{role}_").replace("_", " ") for c in columns]
            ax = axes[row][col]
            ax.stackplot(frame["epoch"], frame[columns].fillna(0).T.to_numpy(), labels=labels)
            who = role.replace("_", " ")
            ax.set(ylim=(0, 1), title=f"{name}: {who}s", ylabel="share of active members")
            if col == len(groups) - 1:
                ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize="small")
    for ax in axes[-1]:
        ax.set_xlabel("epoch")
    return fig


def accuracy(table: pd.DataFrame, data: dict):
    fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
    for name, frame in _by_scenario(table):
        ax.plot(frame["epoch"], frame["test_accuracy"], marker=".", label=name)
    ax.axhline(
        data["chance_accuracy"],
        color="grey",
        linestyle=":",
        label=f"chance ({data['classes']} classes, majority class)",
    )
    ax.set(
        xlabel="epoch",
        ylabel="test accuracy of the network model",
        ylim=(0, 1),
        title=f"Learning: {data['dataset']}, {data['test_records']} held-out test records",
    )
    ax.legend()
    return fig


def balances(table: pd.DataFrame):
    groups = _by_scenario(table)
    fig, axes = plt.subplots(
        1,
        len(groups),
        figsize=(6 * len(groups), 4),
        sharey=True,
        layout="constrained",
        squeeze=False,
    )
    for ax, (name, frame) in zip(axes[0], groups, strict=True):
        for role in ROLE_ORDER:
            column = f"balance_{role.name.lower()}"
            ax.plot(frame["epoch"], frame[column], label=role.name.lower().replace("_", " "))
        ax.plot(frame["epoch"], frame["treasury"], label="treasury / coordinator", linestyle="--")
        ax.set(xlabel="epoch", ylabel="tokens held", title=f"Token balances by role: {name}")
        ax.legend(fontsize=7)
    return fig


def reward_concentration(table: pd.DataFrame):
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
    for name, frame in _by_scenario(table):
        left.plot(frame["epoch"], frame["reward_gini"], marker=".", label=name)
        right.plot(frame["epoch"], frame["reward_nakamoto"], marker=".", label=name)
    left.set(
        xlabel="epoch",
        ylabel="Gini coefficient",
        title="Gini of the epoch's rewards (lower: more equal)",
        ylim=(0, 1),
    )
    right.set(
        xlabel="epoch",
        ylabel="Nakamoto coefficient",
        title="Nakamoto coefficient of the epoch's rewards\n(higher: more spread)",
    )
    right.set_ylim(bottom=0)
    left.legend(title="gaps: nobody was paid", title_fontsize=8)
    return fig


def scorecard(scorecards: dict):
    """One panel per aspect with its headline metric (``HEADLINES``), one labelled bar per
    scenario; structural metrics grey and hatched, an undefined value an empty slot marked n/a."""
    names = list(scorecards)
    fig, axes = plt.subplots(4, 4, figsize=(14, 12), layout="constrained")
    for aspect, ax in enumerate(axes.ravel(), start=1):
        chosen = {
            n: next(m for m in scorecards[n] if m["name"] == HEADLINES[aspect]) for n in names
        }
        values = np.array(
            [chosen[n]["value"] if chosen[n]["value"] is not None else np.nan for n in names],
            dtype=float,
        )
        structural = [chosen[n].get("kind") == "structural" for n in names]
        colours = ["0.6" if fixed else f"C{i}" for i, fixed in enumerate(structural)]
        bars = ax.bar(names, np.nan_to_num(values), color=colours)
        for bar, fixed in zip(bars, structural, strict=True):
            bar.set_hatch("//" if fixed else None)
        labels = [f"{v:.3g}" if np.isfinite(v) else "n/a" for v in values]
        ax.bar_label(bars, labels=labels, fontsize=8, padding=2)
        metric = chosen[names[0]]
        arrow = "↑" if metric["better"] == "higher" else "↓"
        fixed_in = [n for n, fixed in zip(names, structural, strict=True) if fixed]
        kind = f"\nfixed by definition: {', '.join(fixed_in)}" if fixed_in else ""
        ax.set_title(
            f"{aspect}. {ASPECTS[aspect - 1]}\n{metric['name']} ({arrow} better){kind}", fontsize=9
        )
        ax.tick_params(labelsize=8)
        finite = values[np.isfinite(values)]
        low, high = (min(finite.min(), 0), max(finite.max(), 0)) if len(finite) else (0, 1)
        span = (high - low) or 1.0
        # Room for the value labels on both sides of zero, whatever the signs.
        ax.set_ylim(low - 0.15 * span * (low < 0), high + 0.15 * span)
    fig.suptitle(
        "Centralized vs decentralized: scorecard, headline metric per aspect "
        "(grey, hatched: structural)"
    )
    return fig

"""Figures of a run: accuracy, token balances, reward concentration, the scorecard."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from sim.metrics.scorecard import ASPECTS  # noqa: E402
from sim.population import ROLE_ORDER  # noqa: E402


def _by_scenario(table: pd.DataFrame):
    return list(table.groupby("scenario", sort=False))


def draw_all(out: Path, table: pd.DataFrame, scorecards: dict) -> None:
    out.mkdir(parents=True, exist_ok=True)
    accuracy(table).savefig(out / "accuracy.png", dpi=120)
    balances(table).savefig(out / "balances.png", dpi=120)
    reward_concentration(table).savefig(out / "reward_concentration.png", dpi=120)
    scorecard(scorecards).savefig(out / "scorecard.png", dpi=120)
    plt.close("all")


def accuracy(table: pd.DataFrame):
    fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
    for name, frame in _by_scenario(table):
        ax.plot(frame["epoch"], frame["test_accuracy"], marker=".", label=name)
    ax.axhline(0.1, color="grey", linestyle=":", label="chance (10 classes)")
    ax.set(
        xlabel="epoch",
        ylabel="test accuracy of the network model",
        ylim=(0, 1),
        title="Learning: digits, held-out test set",
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
        ylabel="Gini of the epoch's rewards (lower = more equal)",
        title="Reward concentration",
        ylim=(0, 1),
    )
    right.set(
        xlabel="epoch",
        ylabel="Nakamoto coefficient of rewards (higher = more spread)",
        title="Reward Nakamoto coefficient",
    )
    left.legend()
    return fig


def scorecard(scorecards: dict):
    """One panel per aspect with its first metric, one bar per scenario."""
    names = list(scorecards)
    fig, axes = plt.subplots(4, 4, figsize=(14, 12), layout="constrained")
    for aspect, ax in enumerate(axes.ravel(), start=1):
        first = {n: next(m for m in scorecards[n] if m["aspect"] == aspect) for n in names}
        values = [
            first[n]["value"] if first[n]["value"] is not None else float("nan") for n in names
        ]
        ax.bar(names, values, color=[f"C{i}" for i in range(len(names))])
        metric = first[names[0]]
        arrow = "↑" if metric["better"] == "higher" else "↓"
        ax.set_title(
            f"{aspect}. {ASPECTS[aspect - 1]}\n{metric['name']} ({arrow} better)", fontsize=9
        )
        ax.tick_params(labelsize=8)
    fig.suptitle("Centralized vs decentralized: scorecard (first metric per aspect)")
    return fig

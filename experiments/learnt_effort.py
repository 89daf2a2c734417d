"""Do validators learn to cut evaluation effort, and which consensus or scoring rule stops
them? Policy-gradient validators in the economy.

    python -m experiments.learnt_effort [--seeds 4] [--epochs 150] \\
        [--out docs/rl --doc docs/rl.md]

Every validator of the decentralized economy learns its ``validator.effort`` decision
(sim.decisions: the share of the received submissions it scores, and pays
``economy.evaluation_cost`` for each; its weights on the rest are 0) with its own Gaussian policy
(``adaptation=policy_gradient adaptation.learn_strategies=false``: REINFORCE with a per-validator
moving-average baseline, Adam), started at full effort, from its profit each epoch.  Strategies
stay honest, and nobody leaves (``population.patience`` is unbounded), so that the question is
effort alone.  Cells: each consensus member of the simulator with the default scoring rule
(absolute), and the default consensus with each scoring rule; the evaluation cost is 0.05
tokens a submission, and a control cell prices evaluation at 0 (where nothing pays for cutting
effort and any fall is the learner's drift).

Reported per cell (mean ± 95 % CI over seeds): the validators' mean learnt effort over the last
quarter of the epochs, its change from the start (1), and the validators' mean profit per epoch
over that quarter.  A rule "stops" lazy validation when the learnt effort's interval lies above
the control's lower end and above one half.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from experiments import doc_blocks
from experiments.comparison import mean_ci
from sim.roles import Role

COST = 0.05
LEARNING = (
    "adaptation=policy_gradient",
    "adaptation.learn_strategies=false",
    "adaptation.decisions=[validator.effort]",
    "population.patience=1000000",
    "baseline=null",
)
CELLS = {
    "control: evaluation free": ("economy.evaluation_cost=0",),
    "stake_majority (default)": (),
    "majority": ("consensus=majority",),
    "bft": ("consensus=bft",),
    "yuma": ("consensus=yuma",),
    "yuma3": ("consensus=yuma3",),
    "scoring=winner_take_all": ("scoring=winner_take_all",),
    "scoring=rank_top_k": ("scoring=rank_top_k",),
}


def run_cell(overrides, seed: int, epochs: int) -> dict:
    """One economy: per epoch, the active validators' mean effort and mean profit."""
    from sim.composition import compose
    from sim.model import EconomyModel

    configs = compose(
        [*LEARNING, f"economy.evaluation_cost={COST}", *overrides, f"seed={seed}",
         f"epochs={epochs}"]
    )  # fmt: skip
    model = EconomyModel.from_config(next(iter(configs.values())))
    p = model.world.population
    effort, profit = [], []
    for _ in range(epochs):
        model.step()
        validators = p.members(Role.VALIDATOR)
        chosen = p.decision[validators, 0]
        effort.append(float(np.nanmean(chosen)) if np.isfinite(chosen).any() else np.nan)
        profit.append(float(p.profit[validators].mean()) if len(validators) else np.nan)
    model.finish()
    return {"effort": effort, "profit": profit}


def study(seeds: int, epochs: int) -> dict:
    """Per cell: each seed's last-quarter effort and profit, and the mean effort per epoch
    over seeds (the figure's curve)."""
    runs, curves = {}, {}
    tail = slice(-epochs // 4, None)
    for cell, overrides in CELLS.items():
        played = []
        for seed in range(seeds):
            print(f"learnt_effort: {cell} seed {seed}", file=sys.stderr, flush=True)
            played.append(run_cell(overrides, seed, epochs))
        runs[cell] = [
            {"final_effort": float(np.nanmean(run["effort"][tail])),
             "final_profit": float(np.nanmean(run["profit"][tail]))}
            for run in played
        ]  # fmt: skip
        effort = np.nanmean([run["effort"] for run in played], axis=0)
        curves[cell] = np.round(effort, 4).tolist()
    return {"seeds": seeds, "epochs": epochs, "cost": COST, "runs": runs, "curves": curves}


def report_lines(result: dict) -> list[str]:
    control = [r["final_effort"] for r in result["runs"]["control: evaluation free"]]
    control_low = mean_ci(control)[0] - mean_ci(control)[1]
    lines = [
        f"{result['seeds']} seeds × {result['epochs']} epochs; evaluation cost "
        f"{result['cost']} tokens a submission (0 in the control). Mean ± 95 % CI over seeds "
        "of the last quarter of the epochs.",
        "",
        "| cell | learnt effort | change from 1 | validators' profit / epoch | stops it |",
        "|---|---|---|---|---|",
    ]
    for cell, runs in result["runs"].items():
        effort, half = mean_ci([r["final_effort"] for r in runs])
        profit, profit_half = mean_ci([r["final_profit"] for r in runs])
        if cell.startswith("control"):
            verdict = "—"
        elif not (np.isfinite(half) and np.isfinite(control_low)):
            verdict = "one seed: no interval"
        else:
            verdict = "yes" if effort - half > max(0.5, control_low) else "no"
        lines.append(
            f"| {cell} | {effort:.2f} ± {half:.2f} | {effort - 1:+.2f} | "
            f"{profit:.2f} ± {profit_half:.2f} | {verdict} |"
        )
    lines += ["", "![Validators' learnt effort per epoch, per cell](rl/learnt_effort.png)"]
    return lines


def figure(result: dict, path: Path) -> None:
    fig, ax = doc_blocks.figure_canvas(1, (7.5, 4))
    for cell, effort in result["curves"].items():
        style = "--" if cell.startswith("control") else "-"
        ax.plot(np.arange(1, len(effort) + 1), effort, style, label=cell)
    ax.set(xlabel="epoch", ylabel="validators' mean effort", ylim=(0, 1.05))
    ax.legend(fontsize=7, ncol=2)
    doc_blocks.save_figure(fig, path)


def main(argv: list[str] | None = None) -> int:
    return doc_blocks.seeds_and_epochs_command(
        "learnt_effort", __doc__.splitlines()[0], study, report_lines, argv, figure, 4, 150
    )


if __name__ == "__main__":
    sys.exit(main())

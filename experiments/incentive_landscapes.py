"""How steep a subnet's incentive landscape is, under each scoring rule (issue 23, study d).

Live subnets range from flat (NATIX StreetVision: miner-incentive Gini ≈ 0.03, top-10 miners ≈
4 % of incentive; natixnetwork/streetvision-subnet issue #167) to winner-take-all (a median of
99.2 % of non-validator UIDs on zero emission across 128 subnets in one snapshot, 79–98 % in the
subnets listed; JSONbored/metagraphed issue #10931, which warns that one snapshot overstates it).
This study runs the replica subnet (scenario=bittensor_subnet: 192 miners and 64 validators in
256 UIDs, Yuma consensus, the chain's emission, nominators; no adversaries) under every scoring
rule and measures, per epoch over the second half of the run, the share of active miners
(builders) paid nothing and the Gini of the miners' rewards, then averages over epochs and seeds
(mean ± 95 % t-interval over seeds).

    python -m experiments.incentive_landscapes [--seeds 3] [--epochs 20]
        [--out DIR] [--doc docs/validation.md]

Writes incentive_landscapes.md, .json and .png to --out (default outputs/experiments/); with
--doc it also replaces the doc's generated block ``incentive_landscapes`` and its figure.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from experiments import doc_blocks
from experiments.comparison import mean_ci
from sim.metrics.concentration import gini

RULES = ("absolute", "improvement", "softmax", "rank_top_k", "winner_take_all")
# Registered UIDs stay whether they earn or not (the chain prunes them only to make room for a
# registration): miners here do not leave after losses, so the landscape is measured over the
# same miners in every epoch.
STAY = 1_000_000


def run_one(rule: str, seed: int, epochs: int, tmp: Path, shared: bool = False) -> dict[str, float]:
    """Per-epoch zero share and Gini of the miners' rewards, means over the run's second half."""
    import sim
    from sim.model import EconomyModel
    from sim.roles import Role

    configs = sim.compose([
        "scenario=bittensor_subnet", f"scoring={rule}", "baseline=null", f"seed={seed}",
        f"epochs={epochs}", f"population.patience={STAY}", "output.figures=false",
        "output.progress=false", f"validation.shared={str(shared).lower()}",
    ])  # fmt: skip
    ledger = tmp / f"{rule}-{seed}-{'shared' if shared else 'own'}.jsonl"
    model = EconomyModel.from_config(configs["bittensor_subnet"], ledger)
    slots = model.population.blocks[Role.BUILDER]
    zero_shares, ginis, before = [], [], model.records.totals["reward"][slots].copy()
    for epoch in range(epochs):
        model.step()
        paid = model.records.totals["reward"][slots] - before
        before = before + paid
        active = model.population.active[slots]
        if epoch >= epochs // 2 and active.any():
            zero_shares.append(float((paid[active] <= 0).mean()))
            if paid[active].sum() > 0:  # the Gini of nothing paid is undefined
                ginis.append(float(gini(paid[active])))
    model.finish()
    return {
        "zero_share": float(np.mean(zero_shares)),
        "gini": float(np.mean(ginis)) if ginis else float("nan"),
        "epochs_nobody_paid": len(zero_shares) - len(ginis),
    }


DATA = ("own", "shared")  # each validator's own held-out pool, or one pool for all


def study(seeds: int, epochs: int, tmp: Path, rules=RULES, data=DATA) -> dict:
    from tqdm.auto import tqdm

    runs = {f"{rule}|{d}": [] for d in data for rule in rules}
    jobs = [(rule, d, seed) for d in data for rule in rules for seed in range(seeds)]
    for rule, d, seed in tqdm(jobs, desc="runs"):
        runs[f"{rule}|{d}"].append(run_one(rule, seed, epochs, tmp, d == "shared"))
    return {"seeds": seeds, "epochs": epochs, "runs": runs}


def report_lines(result: dict) -> list[str]:
    lines = [
        f"The replica subnet under {len(RULES)} scoring rules × {result['seeds']} seeds: 192 "
        "miners (who stay registered whether paid or not) and 64 validators in 256 UIDs, Yuma "
        f"consensus, the chain's emission, {result['epochs']} epochs; per epoch of the second "
        "half, the share of active miners "
        "paid nothing and the Gini of the miners' rewards, averaged (mean ± 95 % CI over seeds).",
        "",
        "| scoring | validators' data | miners paid nothing | miner-reward Gini "
        "| epochs no miner was paid |",
        "|---|---|---|---|---|",
    ]
    for key, runs in result["runs"].items():
        rule, data = key.split("|")
        cells = []
        for measure in ("zero_share", "gini"):
            mean, half = mean_ci([r[measure] for r in runs])
            cells.append(
                "n/a" if not np.isfinite(mean)
                else f"{mean:.2f} ± {half:.2f}" if np.isfinite(half) else f"{mean:.2f}"
            )  # fmt: skip
        unpaid = sum(r["epochs_nobody_paid"] for r in runs)
        epochs = len(runs) * (result["epochs"] - result["epochs"] // 2)
        lines.append(f"| {rule} | {data} | {cells[0]} | {cells[1]} | {unpaid} of {epochs} |")
    lines += [
        "",
        "![Share of miners paid nothing and the miners' reward Gini under each scoring rule]"
        "(validation/incentive_landscapes.png)",
    ]
    return lines


def figure(result: dict, path: Path) -> None:
    fig, axes = doc_blocks.figure_canvas(2, (10, 3.4))
    x, width = np.arange(len(RULES)), 0.38
    for offset, data in zip((-width / 2, width / 2), DATA, strict=True):
        for ax, measure in zip(axes, ("zero_share", "gini"), strict=True):
            means = [
                np.nanmean([r[measure] for r in result["runs"][f"{rule}|{data}"]]) for rule in RULES
            ]
            ax.bar(x + offset, means, width, label=f"{data} validation data")
    # The published ends of the range: the median zero share of one snapshot of 128 subnets
    # (metagraphed #10931) and StreetVision's miner-incentive Gini (streetvision-subnet #167).
    axes[0].axhline(0.992, color="black", ls="--", lw=0.8, label="published: 128-subnet median")
    axes[1].axhline(0.03, color="black", ls=":", lw=0.8, label="published: a flat subnet")
    for ax, title in zip(axes, ("Miners paid nothing", "Miner-reward Gini"), strict=True):
        ax.set(xticks=x, ylim=(0, 1.05))
        ax.set_xticklabels(RULES, fontsize=8)
        ax.set_title(title, fontsize=10)
        ax.legend(fontsize=7, loc="center left")
    doc_blocks.save_figure(fig, path)


def main(argv: list[str] | None = None) -> int:
    def options(parser):
        parser.add_argument("--seeds", type=int, default=3)
        parser.add_argument("--epochs", type=int, default=20)

    def run(args):
        args.out.mkdir(parents=True, exist_ok=True)  # each run's ledger goes beside the report
        return study(args.seeds, args.epochs, args.out)

    return doc_blocks.study_command(
        "incentive_landscapes", __doc__.splitlines()[0], options, run, report_lines, argv,
        figure=figure,
    )  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())

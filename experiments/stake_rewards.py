"""Stake and rewards in replica subnets, and a stake cap at the 88th percentile (study c).

Lui & Sun ("Bittensor Protocol: The Bitcoin in Decentralized Artificial Intelligence? A Critical
and Empirical Analysis", arXiv 2507.02951, 2025) measured on-chain data of the 64 subnets before
dynamic TAO: stake and rewards both concentrated, rewards far less than stake; rewards driven by
stake more than by the quality of the work; and a stake cap at the 88th percentile raising the
median size of the coalition that holds 51 % of stake.  This study runs replica subnets
(scenario=bittensor_subnet, no baseline), each with one of the five scoring rules in turn (real
subnets differ in their incentive mechanism), with and without
``scenario.stake_cap_percentile=88``, and measures per subnet, over the UIDs (miners and
validators) active at the end:

- stake: a validator's own plus delegated stake, a miner's balance; its Gini and the share of the
  top 1 % of UIDs (at least one);
- rewards: what each UID was paid over the run's second half (before validators pass their
  nominators' share on); Gini and top-1 % share;
- the smallest number of validators whose stake, as consensus counts it (after permits and the
  cap), exceeds 51 % of all of it;
- Spearman's correlation of reward with stake over all UIDs, and of a miner's reward with the
  quality of its work (the mean test accuracy of its submissions over the same epochs).

    python -m experiments.stake_rewards [--subnets 10] [--epochs 20] [--out DIR]
        [--doc docs/validation.md]

Writes stake_rewards.md, .json and .png to --out (default outputs/experiments/); with --doc it
also replaces the doc's generated block ``stake_rewards`` and its figure.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from experiments import doc_blocks
from experiments.comparison import mean_ci
from sim.metrics.concentration import gini

RULES = ("softmax", "absolute", "improvement", "rank_top_k", "winner_take_all")
CAPS = (None, 88.0)
MAJORITY = 0.51


def top_share(values: np.ndarray, fraction: float = 0.01) -> float:
    """Share of the total held by the largest ⌈fraction · n⌉ values (at least one)."""
    values = np.sort(np.asarray(values, dtype=float))[::-1]
    if values.sum() <= 0:
        return float("nan")
    count = max(1, int(np.ceil(fraction * len(values))))
    return float(values[:count].sum() / values.sum())


def coalition_size(stake: np.ndarray, majority: float = MAJORITY) -> float:
    """The fewest holders whose stake exceeds ``majority`` of the total (the largest first);
    NaN when nobody holds stake (no coalition to count, not a coalition of none)."""
    stake = np.sort(np.asarray(stake, dtype=float)[np.asarray(stake) > 0])[::-1]
    if not len(stake):
        return float("nan")
    return int(np.searchsorted(np.cumsum(stake) / stake.sum(), majority, side="right") + 1)


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    from scipy.stats import spearmanr

    if len(x) < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return float("nan")
    return float(spearmanr(x, y).statistic)


def run_one(seed: int, epochs: int, cap: float | None, tmp: Path) -> dict[str, float]:
    import sim
    from sim.model import EconomyModel
    from sim.roles import Role
    from sim.units import UNITS_PER_TOKEN

    rule = RULES[seed % len(RULES)]
    configs = sim.compose([
        "scenario=bittensor_subnet", "baseline=null", f"scoring={rule}", f"seed={seed}",
        f"epochs={epochs}", "output.figures=false", "output.progress=false",
        f"scenario.stake_cap_percentile={'null' if cap is None else cap}",
    ])  # fmt: skip
    model = EconomyModel.from_config(
        configs["bittensor_subnet"], tmp / f"subnet-{seed}-cap-{cap}.jsonl"
    )
    world, totals = model.world, model.records.totals
    p = world.population
    builders, validators = p.blocks[Role.BUILDER], p.blocks[Role.VALIDATOR]
    start = epochs // 2
    for epoch in range(epochs):
        if epoch == start:
            reward0 = totals["reward"].copy()
            quality0 = totals["submission_quality"].copy()
            count0 = totals["submission_count"].copy()
        model.step()
    reward = totals["reward"] - reward0
    stake = world.ledger.balances / UNITS_PER_TOKEN
    stake[validators] = p.validator_stake(world.ledger.balances) / UNITS_PER_TOKEN
    uids = np.concatenate([builders[p.active[builders]], validators[p.active[validators]]])
    miners = builders[p.active[builders]]
    submitted = totals["submission_count"][miners] - count0[miners]
    quality = np.divide(
        totals["submission_quality"][miners] - quality0[miners],
        submitted,
        out=np.zeros(len(miners)),
        where=submitted > 0,
    )
    counted = world.organisation.evaluator_stake(world)
    model.finish()
    return {
        "rule": rule,
        "stake_gini": float(gini(stake[uids])),
        "stake_top1": top_share(stake[uids]),
        "reward_gini": float(gini(reward[uids])) if reward[uids].sum() > 0 else float("nan"),
        "reward_top1": top_share(reward[uids]),
        "coalition": coalition_size(counted),
        "r_reward_stake": spearman(reward[uids], stake[uids]),
        "r_reward_quality": spearman(reward[miners], quality),
    }


def study(subnets: int, epochs: int, tmp: Path) -> dict:
    from tqdm.auto import tqdm

    runs: dict[str, list] = {"none": [], "88": []}
    jobs = [(seed, cap) for seed in range(subnets) for cap in CAPS]
    for seed, cap in tqdm(jobs, desc="subnets"):
        runs["none" if cap is None else "88"].append(run_one(seed, epochs, cap, tmp))
    return {"subnets": subnets, "epochs": epochs, "runs": runs}


MEASURES = (
    ("stake_gini", "stake Gini"),
    ("reward_gini", "reward Gini"),
    ("stake_top1", "stake top 1 %"),
    ("reward_top1", "reward top 1 %"),
    ("coalition", "51 % coalition"),
    ("r_reward_stake", "ρ(reward, stake)"),
    ("r_reward_quality", "ρ(miner reward, quality)"),
)


def _cell(value: float) -> str:
    return "n/a" if not np.isfinite(value) else f"{value:.2f}"


def _count(value: float) -> str:
    return "n/a" if not np.isfinite(value) else str(int(value))


def report_lines(result: dict) -> list[str]:
    runs = result["runs"]
    lines = [
        f"{result['subnets']} replica subnets (scenario=bittensor_subnet: 256 UIDs, 64 permits, "
        f"256 nominators, stake log-normal σ = 2.5), {result['epochs']} epochs; stake at the "
        "end, rewards over the second half; subnet i uses scoring rule i mod 5.",
        "",
        "| subnet | scoring | " + " | ".join(label for _, label in MEASURES) + " | "
        "coalition, stake capped at p88 |",
        "|---|---|" + "---|" * (len(MEASURES) + 1),
    ]
    for seed, (plain, capped) in enumerate(zip(runs["none"], runs["88"], strict=True)):
        cells = [
            _count(plain[key]) if key == "coalition" else _cell(plain[key]) for key, _ in MEASURES
        ]
        lines.append(
            f"| {seed} | {plain['rule']} | "
            + " | ".join(cells)
            + f" | {_count(capped['coalition'])} |"
        )
    means = []
    for key, _ in MEASURES:
        mean, half = mean_ci([r[key] for r in runs["none"] if np.isfinite(r[key])])
        means.append(f"{mean:.2f} ± {half:.2f}" if np.isfinite(half) else _cell(mean))
    mean, half = mean_ci([r["coalition"] for r in runs["88"] if np.isfinite(r["coalition"])])
    lines.append("| mean ± 95 % CI | | " + " | ".join(means) + f" | {mean:.2f} ± {half:.2f} |")
    plain_sizes = np.array([r["coalition"] for r in runs["none"]], dtype=float)
    capped_sizes = np.array([r["coalition"] for r in runs["88"]], dtype=float)
    lines += [
        "",
        f"Median size of the 51 % coalition: {np.nanmedian(plain_sizes):g} without a cap, "
        f"{np.nanmedian(capped_sizes):g} with the stake capped at the 88th percentile "
        f"(larger in {int((capped_sizes > plain_sizes).sum())} of {len(plain_sizes)} subnets, "
        f"smaller in {int((capped_sizes < plain_sizes).sum())}).",
        "",
        "![Stake and reward concentration per subnet, and the 51 % coalition with and without "
        "the cap](validation/stake_rewards.png)",
    ]
    return lines


def figure(result: dict, path: Path) -> None:
    plain, capped = result["runs"]["none"], result["runs"]["88"]
    x = np.arange(len(plain))
    fig, (left, right) = doc_blocks.figure_canvas(2, (10, 3.6))
    width = 0.38
    left.bar(x - width / 2, [r["stake_gini"] for r in plain], width, label="stake")
    left.bar(x + width / 2, [r["reward_gini"] for r in plain], width, label="rewards")
    left.set(xlabel="subnet", ylabel="Gini over UIDs", ylim=(0, 1), xticks=x)
    left.set_title("Concentration", fontsize=10)
    left.legend(fontsize=8, loc="lower left")
    right.bar(x - width / 2, [r["coalition"] for r in plain], width, label="no cap")
    right.bar(x + width / 2, [r["coalition"] for r in capped], width, label="capped at p88")
    right.set(xlabel="subnet", ylabel="validators", xticks=x)
    right.set_title("Smallest coalition above 51 % of stake", fontsize=10)
    right.legend(fontsize=8)
    doc_blocks.save_figure(fig, path)


def main(argv: list[str] | None = None) -> int:
    def options(parser):
        parser.add_argument("--subnets", type=int, default=10)
        parser.add_argument("--epochs", type=int, default=20)

    def run(args):
        args.out.mkdir(parents=True, exist_ok=True)
        return study(args.subnets, args.epochs, args.out)

    return doc_blocks.study_command(
        "stake_rewards", __doc__.splitlines()[0], options, run, report_lines, argv, figure=figure
    )


if __name__ == "__main__":
    sys.exit(main())

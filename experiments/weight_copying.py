"""Does copying weights pay, and does commit-reveal stop it? (issue 23, study b)

Opentensor measured it by replaying 20–30 real metagraphs of subnets 1–32 (May 2024, Yuma 2,
no liquid alpha) with one added copier validator of the median validator stake whose weights are
the consensus of ``k`` tempos earlier (commit-reveal delaying what it can copy), and its gain

    G = (D_copier / S_copier) / median_{i ≠ copier} (D_i / S_i)

at the last epoch: G from 1.00 to 1.32 at k = 0 (29 of 30 subnets above 1) and from 0.41 to
1.03 at k = 19 tempos (20 of 30 below 1); G < 0.82 (= 1 − the 18 % validator take) is where
copying stops paying (opentensor/developer-docs, static/weight_copy/weight_copy_analysis.ipynb
and liquid_alpha_diagnostic_all_SN.ipynb).

Real metagraphs are not available here, so the subnets are synthetic: 64 miners whose quality
follows a random walk with ``churn`` (the standard deviation of each epoch's step, relative to the
spread of qualities), 16 honest validators with log-normal stakes who each weigh a noisy view of
quality, and the copier, who at lag k sets the consensus of k epochs ago (k = 0: this epoch's
consensus of the honest validators, the idealised copier of the notebook).  Consensus is this
simulator's Yuma (classic: Yuma 2 with bonds; mechanisms/consensus/yuma.py).

Then the same in the replica subnet itself (scenario=bittensor_subnet, MNIST-1D, 64 validators
with heavy-tailed stake and nominators): one of the 64 validators is a weight copier
(``adversaries.weight_copiers=1/64``), given the median validator's stake and nominators as
Opentensor's copier has, which sets the agreed weights revealed to it, those of
``economy.reveal_interval`` = k tempos ago (k = 1 is the chain without commit-reveal: the last
published consensus; the chain's default since September 2025 reveals after one more tempo, k =
2).  G is the copier's dividend per stake over the honest validators' median, each averaged over
the run's second half (a single epoch of a learning economy is noisier than a metagraph replay).

    python -m experiments.weight_copying [--seeds 5] [--epochs 40] [--replica-seeds 3]
        [--replica-epochs 30] [--doc docs/validation.md]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from experiments import doc_blocks
from mechanisms.consensus.yuma import Yuma

LAGS = (0, 1, 2, 5, 10, 19)
CHURN = (0.02, 0.1, 0.3)  # quality steps per epoch, relative to the spread of qualities
TAKE_THRESHOLD = 0.82


def gain(seed: int, lag: int, churn: float, epochs: int, validators=16, miners=64) -> float:
    """The copier's G at the last epoch of one synthetic subnet."""
    rng = np.random.default_rng(seed)
    honest_stake = rng.lognormal(0, 1, validators)
    stake = np.append(honest_stake, np.median(honest_stake))  # the copier: median stake
    copier = validators
    quality = rng.uniform(0, 1, miners)
    yuma = Yuma()
    state = yuma.init(validators + 1, miners)
    history: list[np.ndarray] = []
    last = None
    for _ in range(epochs):
        quality = np.clip(quality + rng.normal(0, churn, miners), 0, 1)
        honest = np.clip(quality + rng.normal(0, 0.05, (validators, miners)), 1e-6, None)
        if lag == 0:  # this epoch's consensus of the honest validators
            # The copier with no stake leaves the consensus to the honest validators.
            silent = np.vstack([honest, np.zeros((1, miners))])
            _, provisional = yuma.step(state, np.append(honest_stake, 0.0), silent)
            copied = provisional.consensus
        else:
            copied = history[-lag] if len(history) >= lag else np.full(miners, 1 / miners)
        weights = np.vstack([honest, copied[None, :]])
        state, last = yuma.step(state, stake, weights)
        history.append(last.consensus)
    per_stake = last.dividends / stake
    return float(per_stake[copier] / np.median(per_stake[:copier]))


REPLICA_LAGS = (1, 2, 5, 10, 19)


def place_at_median_stake(world, copier: int) -> None:
    """Give the copier the median validator's stake, as Opentensor's copier has: it swaps its
    own balance (a ledger transfer) and its nominators with the validator of median stake."""
    from sim.roles import Role

    p, ledger = world.population, world.ledger
    validators = p.members(Role.VALIDATOR)
    stake = p.validator_stake(ledger.balances)[p.position(Role.VALIDATOR, validators)]
    median = int(validators[np.argsort(stake, kind="stable")[len(stake) // 2]])
    if median == copier:
        return
    gap = int(ledger.balances[median] - ledger.balances[copier])
    if gap:
        source, target = (median, copier) if gap > 0 else (copier, median)
        ledger.transfer([source], [target], [abs(gap)], "study set-up: copier at the median stake")
    backers = p.members(Role.NOMINATOR)
    to_median, to_copier = p.delegate[backers] == median, p.delegate[backers] == copier
    p.delegate[backers[to_median]], p.delegate[backers[to_copier]] = copier, median


def replica_gain(seed: int, lag: int, epochs: int, folder) -> float:
    """The copier's G in the replica subnet with weights revealed ``lag`` tempos late."""
    import sim
    from sim.model import EconomyModel
    from sim.roles import Role

    configs = sim.compose([
        "scenario=bittensor_subnet", "baseline=null", f"seed={seed}", f"epochs={epochs}",
        f"economy.reveal_interval={lag}", f"adversaries.weight_copiers={1 / 64}",
        "output.figures=false", "output.progress=false",
    ])  # fmt: skip
    model = EconomyModel.from_config(
        configs["bittensor_subnet"], Path(folder) / f"copier-{seed}-{lag}.jsonl"
    )
    world = model.world
    p = world.population
    validators = p.blocks[Role.VALIDATOR]
    copier = p.flagged("weight_copier", Role.VALIDATOR)
    assert copier.sum() == 1, "one copier among the validators"
    place_at_median_stake(world, int(validators[copier][0]))
    rates = []
    for epoch in range(epochs):
        stake = p.validator_stake(world.ledger.balances).astype(float)
        model.step()
        if epoch >= epochs // 2:
            paid = p.emission[validators]
            rates.append(np.divide(paid, stake, out=np.full(len(stake), np.nan), where=stake > 0))
    model.finish()
    rates = np.array(rates)
    seen = np.isfinite(rates).any(axis=0)  # validators that held stake in the second half
    rate = np.full(len(validators), np.nan)
    rate[seen] = np.nanmean(rates[:, seen], axis=0)
    honest = ~copier & p.active[validators] & seen
    return float(rate[copier][0] / np.median(rate[honest]))


def study(
    seeds: int, epochs: int, replica_seeds: int = 0, replica_epochs: int = 30, folder=None
) -> dict:
    table = {
        f"{churn}": {f"{lag}": [gain(s, lag, churn, epochs) for s in range(seeds)] for lag in LAGS}
        for churn in CHURN
    }
    result = {"seeds": seeds, "epochs": epochs, "gains": table}
    if replica_seeds:
        from tqdm.auto import tqdm

        jobs = [(lag, s) for lag in REPLICA_LAGS for s in range(replica_seeds)]
        replica: dict[str, list] = {f"{lag}": [] for lag in REPLICA_LAGS}
        for lag, s in tqdm(jobs, desc="replica runs"):
            replica[f"{lag}"].append(replica_gain(s, lag, replica_epochs, folder))
        result.update(replica_seeds=replica_seeds, replica_epochs=replica_epochs, replica=replica)
    return result


def report_lines(result: dict) -> list[str]:
    lines = [
        f"Synthetic subnets: 64 miners, 16 honest validators, one copier of the median stake; "
        f"{result['seeds']} seeds × {result['epochs']} epochs; G at the last epoch, median "
        "[lowest–highest] over seeds.",
        "",
        "| quality churn per epoch | " + " | ".join(f"G, lag {lag}" for lag in LAGS) + " |",
        "|---" * (len(LAGS) + 1) + "|",
    ]
    for churn, by_lag in result["gains"].items():
        cells = [f"{np.median(g):.2f} [{min(g):.2f}–{max(g):.2f}]" for g in by_lag.values()]
        lines.append(f"| {churn} | " + " | ".join(cells) + " |")
    if "replica" in result:
        lines += [
            "",
            f"The replica subnet (scenario=bittensor_subnet), one copier among 64 validators; "
            f"{result['replica_seeds']} seeds × {result['replica_epochs']} epochs; G over the "
            "second half, median [lowest–highest] over seeds.",
            "",
            "| "
            + " | ".join(f"G, revealed {lag} tempo{'s' * (lag > 1)} late" for lag in REPLICA_LAGS)
            + " |",
            "|---" * len(REPLICA_LAGS) + "|",
            "| "
            + " | ".join(
                f"{np.median(g):.2f} [{min(g):.2f}–{max(g):.2f}]"
                for g in result["replica"].values()
            )
            + " |",
        ]
    lines += ["", "![The copier's gain G against the lag](validation/weight_copying.png)"]
    return lines


def figure(result: dict, path) -> None:
    fig, ax = doc_blocks.figure_canvas(1, (6.5, 3.6))
    for churn, by_lag in result["gains"].items():
        ax.plot(LAGS, [np.median(g) for g in by_lag.values()], marker="o",
                label=f"synthetic, churn {churn}")  # fmt: skip
    if "replica" in result:
        values = list(result["replica"].values())
        ax.errorbar(
            REPLICA_LAGS, [np.median(g) for g in values],
            yerr=[[np.median(g) - min(g) for g in values], [max(g) - np.median(g) for g in values]],
            marker="s", color="black", capsize=3, label="replica subnet",
        )  # fmt: skip
    ax.axhline(1.0, color="grey", lw=0.8)
    ax.axhline(TAKE_THRESHOLD, color="grey", lw=0.8, ls="--")
    ax.vlines([0, 19], [1.00, 0.41], [1.32, 1.03], color="tab:red", lw=4, alpha=0.4,
              label="published range")  # fmt: skip
    ax.set(xlabel="lag (tempos)", ylabel="G (dividend per stake vs honest median)")
    ax.set_title("Copier's gain; dashed: 0.82, where copying stops paying", fontsize=9)
    ax.legend(fontsize=8)
    doc_blocks.save_figure(fig, path)


def main(argv: list[str] | None = None) -> int:
    def options(parser):
        parser.add_argument("--seeds", type=int, default=5)
        parser.add_argument("--epochs", type=int, default=40)
        parser.add_argument("--replica-seeds", type=int, default=3)
        parser.add_argument("--replica-epochs", type=int, default=30)

    def run(args):
        args.out.mkdir(parents=True, exist_ok=True)  # the replica runs' ledgers go beside it
        return study(args.seeds, args.epochs, args.replica_seeds, args.replica_epochs, args.out)

    return doc_blocks.study_command(
        "weight_copying", __doc__.splitlines()[0], options, run, report_lines, argv,
        figure=figure,
    )  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())

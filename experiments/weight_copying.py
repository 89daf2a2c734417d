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

    python -m experiments.weight_copying [--seeds 5] [--epochs 40] [--doc docs/validation.md]
"""

from __future__ import annotations

import sys

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


def study(seeds: int, epochs: int) -> dict:
    table = {
        f"{churn}": {f"{lag}": [gain(s, lag, churn, epochs) for s in range(seeds)] for lag in LAGS}
        for churn in CHURN
    }
    return {"seeds": seeds, "epochs": epochs, "gains": table}


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
    return lines


def main(argv: list[str] | None = None) -> int:
    def options(parser):
        parser.add_argument("--seeds", type=int, default=5)
        parser.add_argument("--epochs", type=int, default=40)

    return doc_blocks.study_command(
        "weight_copying", __doc__.splitlines()[0], options,
        lambda args: study(args.seeds, args.epochs), report_lines, argv,
    )  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())

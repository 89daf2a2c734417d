"""Two known behaviours of Bittensor's Yuma consensus, reproduced.

1. Weight copying: a validator that sets last epoch's consensus as its weights, without
   evaluating, earns dividends.  Yuma 3 with liquid alpha lets honest validators' bonds move fast
   towards miners that rise, so a copier, always one epoch late, earns less per unit of stake
   than under classic Yuma.  (opentensor/subtensor's Yuma 3 motivation: weight copying under classic Yuma.)
2. Clipping: a cabal holding less than κ of active stake cannot raise its friend's rank above
   what the honest majority gives it; from κ on it can.

Part 1 runs on synthetic subnets (every few epochs a new miner becomes the best and honest
validators notice it 0–3 epochs late) in two regimes, weight spread over 16 miners or
concentrated on the best of 4, and, with ``--economy``, on the full simulator with
``incentive=bittensor`` and 25 % weight copiers.  Part 2 sweeps the cabal's stake share.

    python -m experiments.yuma_behaviours [--seeds 10] [--epochs 60] [--economy]

Prints tables and writes yuma_behaviours.json to --out (default outputs/experiments/).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from mechanisms.consensus.yuma import Yuma

VARIANTS = {
    "classic": dict(version="classic"),
    "yuma3 + liquid alpha": dict(version="yuma3", liquid_alpha=(0.7, 0.9)),
    "yuma3 + liquid alpha, β=0": dict(version="yuma3", liquid_alpha=(0.7, 0.9), bonds_penalty=0.0),
}


REGIMES = {
    # Validators spread weight over 16 miners in proportion to quality.
    "spread": dict(n_miners=16, sharpness=1, period=8),
    # Validators concentrate weight on the best of 4 miners (weight ∝ quality⁸), as the
    # validators of subtensor's Yuma 3 tests put all weight on one server.
    "concentrated": dict(n_miners=4, sharpness=8, period=6),
}


def copier_advantage(
    variant: dict,
    seed: int,
    epochs: int,
    lag: int = 1,
    n_validators=8,
    n_miners=16,
    period=8,
    sharpness=1,
) -> float:
    """Copier's dividends per unit stake / honest validators' dividends per unit stake.

    Every ``period`` epochs a new miner becomes the best; each honest validator notices it 0–3
    epochs late (staggered discovery, as in subtensor's "kappa moves first/second/last" tests)
    and weighs a noisy view of quality.  The copier (15 % of stake) sets the consensus vector of
    ``lag`` epochs ago (lag > 1 stands for commit-reveal delaying what it can copy).
    """
    rng = np.random.default_rng(seed)
    stake = rng.lognormal(0, 0.5, n_validators)
    copier = 0
    stake[copier] = 0.15 * stake[1:].sum() / 0.85
    quality = rng.uniform(0.1, 0.5, n_miners)
    view = np.tile(quality, (n_validators, 1))
    yuma = Yuma(**variant)
    state = yuma.init(n_validators, n_miners)
    history = [np.full(n_miners, 1.0 / n_miners)] * lag
    dividends = np.zeros(n_validators)
    delay, start = np.zeros(n_validators, int), 0
    for epoch in range(epochs):
        if epoch % period == 0:
            quality = quality.copy()
            quality[quality.argmax()] = rng.uniform(0.1, 0.5)
            quality[rng.integers(n_miners)] = 1.0
            delay, start = rng.integers(0, 4, n_validators), epoch
        view[epoch - start >= delay] = quality
        weights = np.clip(view + rng.normal(0, 0.02, view.shape), 1e-6, None) ** sharpness
        weights[copier] = history[-lag]
        state, out = yuma.step(state, stake, weights)
        history.append(out.consensus)
        dividends += out.dividends
    per_stake = dividends / stake
    return float(per_stake[copier] / per_stake[1:].mean())


def cabal_lift(cabal_share: float, seed: int, n_honest=6, n_cabal=2, n_miners=10) -> dict:
    """Friend's rank and incentive with and without a cabal holding ``cabal_share`` of stake."""
    rng = np.random.default_rng(seed)
    stake = np.concatenate(
        [np.full(n_honest, (1 - cabal_share) / n_honest), np.full(n_cabal, cabal_share / n_cabal)]
    )
    quality = rng.uniform(0.2, 1.0, n_miners)
    quality[0] = 0.2  # the friend is a weak miner
    honest = np.clip(
        quality[None, :] + rng.normal(0, 0.03, (n_honest + n_cabal, n_miners)), 0, None
    )
    colluding = honest.copy()
    colluding[n_honest:] = 0.0
    colluding[n_honest:, 0] = 1.0
    yuma = Yuma()
    _, fair = yuma.step(yuma.init(len(stake), n_miners), stake, honest)
    _, rigged = yuma.step(yuma.init(len(stake), n_miners), stake, colluding)
    return {
        "friend_rank_fair": float(fair.rank[0]),
        "friend_rank_with_cabal": float(rigged.rank[0]),
        "friend_incentive_fair": float(fair.incentive[0]),
        "friend_incentive_with_cabal": float(rigged.incentive[0]),
    }


def economy_copiers(seeds: int, epochs: int) -> dict:
    """Copiers' reward per stake relative to honest validators in the full simulator."""
    from sim import compose
    from sim.config import register_schema
    from sim.run import run_scenarios

    register_schema()
    results = {}
    for name, consensus in (("classic", "yuma"), ("yuma3 + liquid alpha", "yuma3")):
        ratios = []
        for seed in range(seeds):
            configs = compose(
                [
                    f"consensus={consensus}",
                    "incentive=bittensor",
                    "baseline=null",
                    "adversaries.weight_copiers=0.25",
                    f"seed={seed}",
                    f"epochs={epochs}",
                    "output.figures=false",
                    "output.progress=false",
                ]
            )
            out = Path("outputs/experiments/yuma_economy") / f"{consensus}-{seed}"
            summary = run_scenarios(configs, out, progress=False)
            ratios.append(
                summary["adversaries"]["decentralized"]["weight_copier"]["reward_per_stake_ratio"]
            )
        results[name] = ratios
    return results


def mean_ci(values) -> tuple[float, float]:
    values = np.asarray(values, dtype=np.float64)
    half = 1.96 * values.std(ddof=1) / np.sqrt(len(values)) if len(values) > 1 else float("nan")
    return float(values.mean()), float(half)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--epochs", type=int, default=80)
    parser.add_argument("--economy", action="store_true", help="also run the full simulator")
    parser.add_argument("--out", type=Path, default=Path("outputs/experiments"))
    args = parser.parse_args()
    results: dict = {"copier_advantage": {}, "cabal": {}}
    print("1. Weight copier (15 % of stake) dividends per stake / honest, synthetic subnets")
    print(
        f"   {'regime':<13} {'variant':<27} {'lag':>3} {'mean':>7} {'± 95 % CI':>10}   "
        f"({args.seeds} seeds × {args.epochs} epochs)"
    )
    for regime, shape in REGIMES.items():
        for name, variant in VARIANTS.items():
            for lag in (1, 3):
                ratios = [
                    copier_advantage(variant, seed, args.epochs, lag, **shape)
                    for seed in range(args.seeds)
                ]
                mean, half = mean_ci(ratios)
                results["copier_advantage"][f"{regime}, {name}, lag {lag}"] = ratios
                print(f"   {regime:<13} {name:<27} {lag:>3} {mean:>7.3f} {half:>10.3f}")
    if args.economy:
        print("   full simulator, 25 % copiers, incentive=bittensor:")
        economy = economy_copiers(min(args.seeds, 5), 30)
        results["economy_copier_ratio"] = economy
        for name, ratios in economy.items():
            mean, half = mean_ci(ratios)
            print(f"   {'economy':<13} {name:<27} {'':>3} {mean:>7.3f} {half:>10.3f}")
    print("2. Cabal backing a weak friend (κ = 0.5): friend's rank and incentive, mean of seeds")
    print(
        f"   {'cabal stake':>11} {'rank fair':>10} {'rank cabal':>11} {'inc. fair':>10} {'inc. cabal':>11}"
    )
    for share in (0.1, 0.2, 0.3, 0.4, 0.49, 0.51, 0.6):
        rows = [cabal_lift(share, seed) for seed in range(args.seeds)]
        mean = {k: float(np.mean([r[k] for r in rows])) for k in rows[0]}
        results["cabal"][str(share)] = mean
        print(
            f"   {share:>11.2f} {mean['friend_rank_fair']:>10.4f} {mean['friend_rank_with_cabal']:>11.4f} "
            f"{mean['friend_incentive_fair']:>10.4f} {mean['friend_incentive_with_cabal']:>11.4f}"
        )
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "yuma_behaviours.json"
    path.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()

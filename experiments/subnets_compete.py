"""Which subnet wins participants and emission when subnets with different incentive mechanisms
compete for one population under dynamic TAO, with emission by price or by flow?

    python -m experiments.subnets_compete [--seeds 3] [--epochs 60] \\
        [--out docs/organisations --doc docs/organisations.md]

Four subnets, each the decentralized economy of ``deai-sim`` with a different incentive
(proportional, Bittensor's, Shapley-valued builders, Ocean's data farming), run as one
federation (sim/federation.py) whose networks are priced through dynamic-TAO pools
(sim/exchange.py: 1,000 τ locked per pool at a starting price of 0.05 τ per alpha, each tempo's
360 τ split by moving price or by net flow).  Compute providers, data providers and builders
review with probability 0.1 an epoch and move to the subnet whose role earned the most in TAO
when ten epochs of the gain pay the entry cost; a move sells alpha into one pool and buys from
another.  Every subnet has 60 newcomer slots a role and nobody is forced out by losses.

Reported per rule and subnet (mean ± 95 % CI over seeds): its share of the builders and of
the data providers across the four at the end, its share of the TAO emission over the last ten
epochs, and its alpha price at the end.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from experiments import doc_blocks
from experiments.comparison import mean_ci, seeds_missing

SUBNETS = {
    "proportional": "incentive=proportional",
    "bittensor": "incentive=bittensor",
    "shapley": "incentive=shapley",
    "ocean": "incentive=ocean",
}
COMMON = ("population.newcomer_slots=60", "population.patience=1000000", "baseline=null")
RULES = ("price", "flow")
LAST = 10


def run_one(rule: str, seed: int, epochs: int) -> dict:
    from sim.composition import compose
    from sim.exchange import SubnetExchange
    from sim.federation import Federation, Mobility
    from sim.model import EconomyModel

    models = {
        name: EconomyModel.from_config(
            compose([*COMMON, override, f"epochs={epochs}", f"seed={seed}"])["decentralized"]
        )
        for name, override in SUBNETS.items()
    }
    exchange = SubnetExchange(list(models), rule=rule, price=0.05)
    federation = Federation(models, Mobility(review=0.1, consumers=False), seed, exchange)
    federation.run(epochs)
    last = federation.shares()[-1]
    emitted = np.array([h["tao_in"] for h in exchange.history[-LAST:]]).sum(axis=0)
    result = {
        name: {
            "builders": last[f"{name}/builder"],
            "data_providers": last[f"{name}/data_provider"],
            # No emission at all (every flow ≤ 0 under the flow rule) is no share, not 0.
            "emission": float(emitted[i] / emitted.sum()) if emitted.sum() > 0 else np.nan,
            "price": float(exchange.pools.price[i]),
        }
        for i, name in enumerate(models)
    }
    result["curves"] = {
        name: [row[f"{name}/builder"] for row in federation.shares()] for name in models
    }
    federation.finish()
    return result


def study(seeds: int, epochs: int) -> dict:
    runs = {}
    for rule in RULES:
        runs[rule] = []
        for seed in range(seeds):
            print(f"subnets_compete: {rule} seed {seed}", file=sys.stderr, flush=True)
            runs[rule].append(run_one(rule, seed, epochs))
    return {"seeds": seeds, "epochs": epochs, "runs": runs}


COLUMNS = (
    ("builders", "share of builders", "{:.2f}"),
    ("data_providers", "share of data providers", "{:.2f}"),
    ("emission", f"share of TAO emission (last {LAST} epochs)", "{:.2f}"),
    ("price", "alpha price (τ)", "{:.3f}"),
)


def report_lines(result: dict) -> list[str]:
    lines = [
        f"{result['seeds']} seeds × {result['epochs']} epochs; four subnets start with a quarter "
        "of each role; mean ± 95 % CI.",
        "",
        "| emission by | subnet (incentive) | " + " | ".join(t for _, t, _ in COLUMNS) + " |",
        "|---|---|" + "---|" * len(COLUMNS),
    ]
    for rule, runs in result["runs"].items():
        for name in SUBNETS:
            cells = []
            for key, _, fmt in COLUMNS:
                values = [r[name][key] for r in runs]
                mean, half = mean_ci(values)
                cells.append(
                    "no emission" if np.isnan(mean)
                    else f"{fmt.format(mean)} ± {fmt.format(half)}"
                    + seeds_missing(values, "emitted nothing")
                )  # fmt: skip
            lines.append(f"| {rule} | {name} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "![Each subnet's share of the builders over time](organisations/subnets_compete.png)",
    ]
    return lines


def figure(result: dict, path: Path) -> None:
    fig, axes = doc_blocks.figure_canvas(len(RULES), (10, 3.4), sharey=True)
    for ax, (rule, runs) in zip(axes, result["runs"].items(), strict=True):
        for name in SUBNETS:
            curve = np.mean([r["curves"][name] for r in runs], axis=0)
            ax.plot(np.arange(1, len(curve) + 1), curve, label=name)
        ax.set(title=f"emission by {rule}", xlabel="epoch", ylim=(0, 1))
    axes[0].set_ylabel("share of builders")
    axes[0].legend(fontsize=8)
    doc_blocks.save_figure(fig, path)


def main(argv: list[str] | None = None) -> int:
    return doc_blocks.seeds_and_epochs_command(
        "subnets_compete", __doc__.splitlines()[0], study, report_lines, argv, figure, 3, 60
    )


if __name__ == "__main__":
    sys.exit(main())

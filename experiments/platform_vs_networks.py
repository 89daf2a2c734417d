"""Does a decentralized network draw builders and data providers away from a platform, and under
which incentive and access mechanisms?  The platform and the network compete for one
population (sim/federation.py).

    python -m experiments.platform_vs_networks [--seeds 3] [--epochs 60] \\
        [--out docs/organisations --doc docs/organisations.md]

Each cell is the default comparison (the centralized platform and the decentralized network of
``deai-sim``, same seed) run as one federation: after every epoch a compute provider, data
provider, builder or consumer reviews with probability 0.1 and moves to the organisation whose
members of its role earned the most last epoch when ten epochs of the difference pay the
destination's entry cost (consumers: the most value for the price).  Every role has
``population.newcomer_slots`` = 80 free slots per organisation for arrivals (more than any role
starts with, so that nearly every move finds a slot; the training data is split among the
initial and the newcomer data providers' slots, so shards are smaller than in a default run),
and nobody is forced out by losses (``population.patience`` unbounded), so that moving is the
only way out.  Cells change the network's incentive and access mechanisms; the platform
stays as shipped.

Reported per cell (mean ± 95 % CI over seeds): the network's share of each role's members
across the two organisations at the end (it starts from the two economies' own sizes), the
moves each way, and the moves that would have paid but found no free slot.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from experiments import doc_blocks
from experiments.comparison import mean_ci
from sim.federation import MOBILE_ROLES, Federation, Mobility
from sim.roles import Role

ROLES = (*MOBILE_ROLES, Role.CONSUMER)
COMMON = ("population.newcomer_slots=80", "population.patience=1000000")
CELLS = {
    "as shipped (proportional, 5-token burn)": (),
    "bittensor incentive": ("incentive=bittensor",),
    "free entry (burn 0)": ("access.burn=0",),
    "the chain's dynamic burn": ("access=dynamic_burn",),
    "10-token stake bond": ("access=stake_bond",),
}


def run_cell(overrides, seed: int, epochs: int) -> dict:
    """One federation of the shipped platform and the network ``overrides`` make."""
    from sim.composition import compose

    platform = compose([*COMMON, f"epochs={epochs}", f"seed={seed}"])["centralized"]
    network = compose([*COMMON, *overrides, f"epochs={epochs}", f"seed={seed}", "baseline=null"])
    return run_federation(platform, network["decentralized"], seed, epochs)


def run_federation(platform_cfg, network_cfg, seed: int, epochs: int) -> dict:
    """Per epoch, the network's share of each role; the end shares and the moves."""
    from sim.model import EconomyModel

    models = {
        "platform": EconomyModel.from_config(platform_cfg),
        "network": EconomyModel.from_config(network_cfg),
    }
    federation = Federation(models, Mobility(review=0.1), seed=seed)
    start = {role.name.lower(): share(federation, role) for role in ROLES}
    federation.run(epochs)
    shares = federation.shares()
    moves = [(m.source, m.destination) for m in federation.moves]
    result = {
        "start": start,
        "end": {role.name.lower(): shares[-1][f"network/{role.name.lower()}"] for role in ROLES},
        "curves": {
            role.name.lower(): [row[f"network/{role.name.lower()}"] for row in shares]
            for role in ROLES
        },
        "to_network": moves.count(("platform", "network")),
        "to_platform": moves.count(("network", "platform")),
        "no_slot": federation.refused["no free slot"],
    }
    federation.finish()
    return result


def run_experiment(cfg, overrides: list[str], run_dir: Path, progress: bool) -> dict:
    """``deai-sim experiment=platform_vs_networks [overrides]``: the scenario and its
    centralized baseline as the overrides compose them (configs/experiment/
    platform_vs_networks.yaml sets the slots, patience and epochs), run as one federation over
    ``experiment.seeds`` seeds from ``seed`` on.  Writes platform_vs_networks.md, .json and
    .png and a summary.json of the network's mean end shares to the run folder."""
    from sim.composition import compose
    from sim.outputs import write_summary

    runs = []
    for seed in range(cfg.seed, cfg.seed + cfg.experiment.seeds):
        if progress:
            print(f"platform_vs_networks: seed {seed}", file=sys.stderr, flush=True)
        configs = compose([*overrides, f"seed={seed}"])
        runs.append(run_federation(configs["centralized"], configs["decentralized"], seed,
                                   cfg.epochs))  # fmt: skip
    result = {"seeds": len(runs), "epochs": int(cfg.epochs), "runs": {"this network": runs}}
    lines = report_lines(result)
    doc_blocks.write_study(run_dir, "platform_vs_networks", result, lines, figure)
    summary = {
        "experiment": "platform_vs_networks",
        "overrides": overrides,
        "seeds": len(runs),
        "network_share": {
            role.name.lower(): float(np.mean([r["end"][role.name.lower()] for r in runs]))
            for role in ROLES
        },
        "moves_to_network": float(np.mean([r["to_network"] for r in runs])),
        "moves_to_platform": float(np.mean([r["to_platform"] for r in runs])),
    }
    write_summary(run_dir, summary)
    print("\n".join(lines))
    return summary


def share(federation: Federation, role: Role) -> float:
    counts = {n: len(m.population.members(role)) for n, m in federation.models.items()}
    total = sum(counts.values())
    return counts["network"] / total if total else float("nan")


def study(seeds: int, epochs: int) -> dict:
    runs = {}
    for cell, overrides in CELLS.items():
        runs[cell] = []
        for seed in range(seeds):
            print(f"platform_vs_networks: {cell} seed {seed}", file=sys.stderr, flush=True)
            runs[cell].append(run_cell(overrides, seed, epochs))
    return {"seeds": seeds, "epochs": epochs, "runs": runs}


def report_lines(result: dict) -> list[str]:
    names = [role.name.lower() for role in ROLES]
    lines = [
        f"{result['seeds']} seeds × {result['epochs']} epochs; the network's share of each "
        "role's members at the end (its share at the start in brackets), mean ± 95 % CI.",
        "",
        "| network cell | "
        + " | ".join(n.replace("_", " ") + "s" for n in names)
        + " | moves to the network | moves to the platform | moves wanted, no free slot |",
        "|---|" + "---|" * (len(names) + 3),
    ]
    for cell, runs in result["runs"].items():
        cells = []
        for name in names:
            mean, half = mean_ci([r["end"][name] for r in runs])
            start = np.mean([r["start"][name] for r in runs])
            cells.append(f"{mean:.2f} ± {half:.2f} ({start:.2f})")
        for key in ("to_network", "to_platform", "no_slot"):
            mean, half = mean_ci([r[key] for r in runs])
            cells.append(f"{mean:.0f} ± {half:.0f}")
        lines.append(f"| {cell} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "![The network's share of each role over time](organisations/platform_vs_networks.png)",
    ]
    return lines


def figure(result: dict, path: Path) -> None:
    names = [role.name.lower() for role in ROLES]
    fig, axes = doc_blocks.figure_canvas(len(names), (13, 3.2), sharey=True)
    for cell, runs in result["runs"].items():
        for ax, name in zip(axes, names, strict=True):
            curve = np.nanmean([r["curves"][name] for r in runs], axis=0)
            ax.plot(np.arange(1, len(curve) + 1), curve, label=cell)
    for ax, name in zip(axes, names, strict=True):
        ax.set(title=name.replace("_", " ") + "s", xlabel="epoch", ylim=(0, 1))
    axes[0].set_ylabel("network's share")
    axes[0].legend(fontsize=6)
    doc_blocks.save_figure(fig, path)


def main(argv: list[str] | None = None) -> int:
    return doc_blocks.seeds_and_epochs_command(
        "platform_vs_networks", __doc__.splitlines()[0], study, report_lines, argv, figure, 3, 60
    )


if __name__ == "__main__":
    sys.exit(main())

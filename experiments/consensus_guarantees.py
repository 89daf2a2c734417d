"""Consensus guarantees: how much honest utility keeps the honest majority's stake (issue 23,
study a).

The two-team game of opentensor/subtensor docs/consensus.md, as its Monte Carlo test
``map_consensus_guarantees`` (pallets/subtensor/src/tests/consensus.rs, ``split_graph``) builds
it: 512 UIDs of which 64 validators; honest stake S_H split over the honest validators by draws of
N(1, 0.3²) clamped at 0, the cabal's 1 − S_H likewise; the honest and cabal servers in the same
ratio; honest validators put W_H of their weight on honest servers and 1 − W_H on the cabal's,
cabal validators W_C on their own and 1 − W_C on the honest ones, each split by draws of
N(1, σ_W²) clamped at 0.  One epoch from empty bonds; emission to a UID is (1 − ξ) of its
incentive (servers) and ξ of its dividends (validators), ξ = ½ on the chain.  Honest stake is
retained when the honest emission E_H ≥ S_H.  The **honest utility required** at S_H is the
smallest W_H with E_H ≥ S_H against the cabal's worst W_C, on the test's grid of W steps of 0.02
(linearly interpolated between grid points).

Published (docs/consensus.md, Yuma, κ = ½, β = 1, ξ = ½, σ_W = 0.4 unless swept), at S_H = 0.6:
σ_W = 0, 0.2, 0.4 need 60 %, 67 %, 73 %; β = 0, 0.5, 1 need 78 %, 76 %, 73 %; ξ = 0, 0.25, 0.5
need 82 %, 78 %, 73 %.

    python -m experiments.consensus_guarantees [--doc docs/validation.md]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from experiments import doc_blocks
from mechanisms.consensus.yuma import Yuma

N, VALIDATORS = 512, 64
GRID = np.linspace(0.0, 1.0, 51)
PUBLISHED = {  # (parameter, value) → honest utility required at S_H = 0.6
    ("sigma", 0.0): 0.60, ("sigma", 0.2): 0.67, ("sigma", 0.4): 0.73,
    ("beta", 0.0): 0.78, ("beta", 0.5): 0.76, ("beta", 1.0): 0.73,
    ("xi", 0.0): 0.82, ("xi", 0.25): 0.78, ("xi", 0.5): 0.73,
}  # fmt: skip


def _count(share: float, total: int) -> int:
    """Members of the honest side, at least one on each side (non_extreme_fixed_ratio)."""
    return int(min(max(round(share * total), 1), total - 1))


def _clamped_normal(rng, size, sd) -> np.ndarray:
    sample = np.clip(1.0 + sd * rng.standard_normal(size), 0.0, None)
    return sample / sample.sum() if sample.sum() > 0 else np.full(size, 1.0 / size)


def two_teams(honest_stake, honest_weight, cabal_weight, sigma, seed=0):
    """(stake (V,), weights (V, S), honest validators (V,), honest servers (S,))."""
    rng = np.random.default_rng(seed)
    servers = N - VALIDATORS
    hv, hs = _count(honest_stake, VALIDATORS), _count(honest_stake, servers)
    honest_v, honest_s = np.arange(VALIDATORS) < hv, np.arange(servers) < hs
    stake = np.zeros(VALIDATORS)
    stake[honest_v] = honest_stake * _clamped_normal(rng, hv, 0.3)
    stake[~honest_v] = (1 - honest_stake) * _clamped_normal(rng, VALIDATORS - hv, 0.3)
    weights = np.zeros((VALIDATORS, servers))
    for i in range(VALIDATORS):
        own = honest_weight if honest_v[i] else 1 - cabal_weight
        weights[i, honest_s] = own * _clamped_normal(rng, hs, sigma)
        weights[i, ~honest_s] = (1 - own) * _clamped_normal(rng, servers - hs, sigma)
    return stake, weights, honest_v, honest_s


def honest_emission(consensus, honest_stake, honest_weight, cabal_weight, sigma, xi) -> float:
    stake, weights, honest_v, honest_s = two_teams(honest_stake, honest_weight, cabal_weight, sigma)
    _, out = consensus.step(consensus.init(*weights.shape), stake, weights)
    incentive, dividends = np.asarray(out.builder_weight), np.asarray(out.validator_weight)
    return float((1 - xi) * incentive[honest_s].sum() + xi * dividends[honest_v].sum())


def required_utility(consensus, honest_stake=0.6, sigma=0.4, xi=0.5) -> float:
    """The smallest W_H retaining S_H against the cabal's worst W_C (1.0+ when none does)."""
    worst = 0.0
    for cabal_weight in GRID:
        emission = [
            honest_emission(consensus, honest_stake, w, cabal_weight, sigma, xi) for w in GRID
        ]
        above = np.flatnonzero(np.asarray(emission) >= honest_stake)
        if len(above) == 0:
            return float("inf")
        k = above[0]
        if k == 0:
            need = 0.0
        else:  # interpolate between the last grid point below and the first above
            low, high = emission[k - 1], emission[k]
            need = GRID[k - 1] + (honest_stake - low) / (high - low) * (GRID[k] - GRID[k - 1])
        worst = max(worst, float(need))
    return worst


# Display name → (configs/consensus member, parameters changed from its YAML).
MEMBERS = {
    "yuma": ("yuma", {}),
    "yuma3 (liquid alpha)": ("yuma3", {}),
    "yuma3, no liquid alpha": ("yuma3", {"liquid_alpha": None}),
    "stake_majority": ("stake_majority", {}),
    "majority": ("majority", {}),
    "bft": ("bft", {}),
}
HONEST_STAKES = (0.55, 0.6, 0.7, 0.8)


def member(name: str, **changes):
    """A consensus member built from its YAML (configs/consensus/), as a run builds it, with
    ``changes`` to its parameters."""
    from hydra.utils import instantiate
    from omegaconf import OmegaConf

    root = Path(__file__).resolve().parents[1] / "configs" / "consensus"
    config = OmegaConf.load(root / f"{name}.yaml")
    for key, value in changes.items():
        config[key] = value
    return instantiate(config)


def profiles() -> dict:
    """Honest utility required per consensus member and honest stake (σ_W = 0.4, ξ = ½)."""
    return {
        shown: {
            f"{s}": required_utility(member(name, **changes), s, 0.4, 0.5) for s in HONEST_STAKES
        }
        for shown, (name, changes) in MEMBERS.items()
    }


KAPPAS = (0.4, 0.5, 0.6)
KAPPA_STAKES = (0.51, 0.55, 0.6, 0.7)


def kappa_sweep() -> dict:
    """Yuma's requirement per κ and honest stake.  Published (docs/consensus.md): κ = 0.4
    demands more honest utility below S_H = 0.6; with κ = 0.6 nothing protects S_H < 0.6."""
    return {
        f"{kappa}": {f"{s}": required_utility(Yuma(kappa=kappa), s, 0.4, 0.5) for s in KAPPA_STAKES}
        for kappa in KAPPAS
    }


def study() -> dict:
    rows = {}
    for (parameter, value), published in PUBLISHED.items():
        settings = {"sigma": 0.4, "beta": 1.0, "xi": 0.5} | {parameter: value}
        consensus = Yuma(bonds_penalty=settings["beta"])
        ours = required_utility(consensus, 0.6, settings["sigma"], settings["xi"])
        rows[f"{parameter}={value}"] = {"published": published, "ours": ours}
    return {"rows": rows, "profiles": profiles(), "kappa": kappa_sweep()}


def requirement_table(title: str, label: str, stakes, rows: dict) -> list[str]:
    """A titled table of required honest utility, one row per setting, one column per S_H."""
    lines = [
        "", title, "",
        f"| {label} | " + " | ".join(f"S_H = {s}" for s in stakes) + " |",
        "|---" * (len(stakes) + 1) + "|",
    ]  # fmt: skip
    for name, by_stake in rows.items():
        cells = [f"{v:.3f}" if np.isfinite(v) else "> 1" for v in by_stake.values()]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def report_lines(result: dict) -> list[str]:
    lines = [
        "Yuma classic (this simulator's), 512 UIDs of which 64 validators, one epoch; honest "
        "utility W_H required to retain S_H = 0.6 against the cabal's worst self-weight "
        "(κ = ½; β = 1, ξ = ½, σ_W = 0.4 unless the row sweeps them).",
        "",
        "| setting | published | ours | difference |",
        "|---|---|---|---|",
    ]
    for setting, row in result["rows"].items():
        lines.append(
            f"| {setting} | {row['published']:.2f} | {row['ours']:.3f} | "
            f"{row['ours'] - row['published']:+.3f} |"
        )
    largest = max(abs(r["ours"] - r["published"]) for r in result["rows"].values())
    lines += ["", f"Largest difference from a published value: {largest:.3f}."]
    if "profiles" in result:
        lines += requirement_table(
            "Every consensus member (configs/consensus/, its defaults), σ_W = 0.4, ξ = ½: honest "
            "utility required to retain each honest stake (> 1: not retained at any utility).",
            "consensus", HONEST_STAKES, result["profiles"],
        )  # fmt: skip
    if "kappa" in result:
        lines += requirement_table(
            "Yuma's majority ratio κ (σ_W = 0.4, ξ = ½, β = 1): honest utility required.",
            "κ", KAPPA_STAKES, result["kappa"],
        )  # fmt: skip
    lines += [
        "",
        "![Honest utility required per honest stake: every consensus member, and Yuma per κ]"
        "(validation/consensus_guarantees.png)",
    ]
    return lines


def figure(result: dict, path: Path) -> None:
    fig, (left, right) = doc_blocks.figure_canvas(2, (10, 3.6))
    for ax, rows, stakes in (
        (left, result["profiles"], HONEST_STAKES),
        (right, {f"κ = {k}": v for k, v in result["kappa"].items()}, KAPPA_STAKES),
    ):
        # Members with equal requirements overlap: markers and dashes keep each one visible.
        styles = zip("os^vDx", ("-", "--", ":", "-", "--", ":"), strict=True)
        for (name, by_stake), (marker, dashes) in zip(rows.items(), styles, strict=False):
            values = [v if np.isfinite(v) else np.nan for v in by_stake.values()]
            ax.plot(stakes, values, marker=marker, ls=dashes, mfc="none", label=name)
        ax.set(xlabel="honest stake S_H", ylabel="honest utility W_H required", ylim=(0.5, 1.02))
        ax.legend(fontsize=7)
    left.scatter([0.6], [PUBLISHED[("sigma", 0.4)]], marker="x", s=60, color="black", zorder=3,
                 label="published (docs/consensus.md)")  # fmt: skip
    left.legend(fontsize=7)
    left.set_title("Every consensus member (σ_W = 0.4); ×: published", fontsize=9)
    right.set_title("Yuma by majority ratio κ", fontsize=9)
    doc_blocks.save_figure(fig, path)


def main(argv: list[str] | None = None) -> int:
    return doc_blocks.study_command(
        "consensus_guarantees", __doc__.splitlines()[0], lambda parser: None,
        lambda args: study(), report_lines, argv, figure=figure,
    )  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())

"""What fixes cheating: the fronts of the searches over each mechanism's own parameters, and a
check of each front's most honest point over fresh seeds.

    deai-sim -m experiment=incentive_frontier +consensus_variant=C incentive=I   # one search
    python -m experiments.incentive_frontier SEARCH_DIR... --check-seeds 5 \\
        [--doc docs/incentive_compatibility.md]

Each search (configs/experiment/incentive_frontier.yaml; hydra_plugins/deai_sim_search_sweeper)
proposes the mechanism's parameters with NSGA-II and scores a trial by two objectives of its one
run: the long-run honest share of miners and validators (the mean of ``honest_share`` over the
last quarter of the epochs) and what honest play earns (the same mean of ``honest_profit``, the
mean profit per epoch of the honest miners and validators; less of it is the cost the fix puts
on honest participants).  A trial's objectives come from one seed, so the front is a map of
where to look, not a finding: with ``--check-seeds N`` the most honest point of each front is
rerun on seeds 100 … 100 + N − 1 beside the mechanism's shipped parameters on the same seeds,
and the report gives both honest shares as mean ± 95 % CI and whether cheating stops paying
there: the interval of the fix's honest share lies above one half for miners and validators
together and for each role alone (a validators' majority must not hide cheating miners).

With ``--doc`` the report replaces the doc's block ``name=frontier`` and keeps its tables beside
the doc (``<doc stem>/frontier.csv``: every trial; ``<doc stem>/frontier_checks.csv``: every
check run), from which tests/test_incentive_frontier.py rebuilds the block.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from experiments import doc_blocks
from experiments.comparison import mean_ci
from experiments.incentive_compatibility import _share
from experiments.report import overrides_of

OBJECTIVES = ("honest_share@long_run", "honest_profit@long_run")
MINERS = "share_builder_honest@long_run"
VALIDATORS = "share_validator_honest@long_run"
CHECKED = (*OBJECTIVES, MINERS, VALIDATORS)  # what a check run records
CHECK_SEED = 100  # check seeds start here, clear of the study's and the search's seed 0
BLOCK = "frontier"


def mechanism_of(search_dir: Path) -> dict[str, str]:
    settings = overrides_of(next(p.parent for p in sorted(search_dir.glob("*/summary.json"))))
    return {
        "consensus": settings.get("consensus_variant", "?"),
        "incentive": settings.get("incentive", "?"),
    }


def load_trials(search_dirs: list[Path]) -> pd.DataFrame:
    """Every completed trial of every search: its mechanism, parameters and objectives, and
    whether it is on its search's Pareto front."""
    frames = []
    for folder in search_dirs:
        trials = pd.read_parquet(folder / "trials.parquet")
        front = set(pd.read_parquet(folder / "pareto.parquet")["job"])
        trials = trials[trials["state"] == "COMPLETE"].drop(columns="state")
        trials["on_front"] = trials["job"].isin(front)
        for key, value in mechanism_of(folder).items():
            trials[key] = value
        frames.append(trials)
    if not frames:
        raise FileNotFoundError("no search folder given")
    return pd.concat(frames, ignore_index=True)


def parameters(trials: pd.DataFrame) -> list[str]:
    fixed = {"job", "on_front", "consensus", "incentive", *OBJECTIVES}
    return [c for c in trials.columns if c not in fixed]


def most_honest(trials: pd.DataFrame) -> pd.DataFrame:
    """Per mechanism, the front's trial with the highest honest share (ties: more profit)."""
    front = trials[trials["on_front"]].sort_values(list(OBJECTIVES), ascending=False)
    return front.groupby(["consensus", "incentive"], sort=False).head(1)


def check_runs(best: pd.DataFrame, seeds: int, out: Path) -> pd.DataFrame:
    """Rerun each mechanism's most honest point and its shipped parameters on the check seeds
    (one joblib sweep each, kept: a check already run is read, not rerun); one row per run:
    mechanism, setting, seed, both objectives and the miners' long-run honest share."""
    import json

    from sim.sweep import job_value

    rows = []
    for _, point in best.iterrows():
        mechanism = {"consensus": point["consensus"], "incentive": point["incentive"]}
        for setting in ("shipped", "fix"):
            folder = out / f"{point['consensus']}+{point['incentive']}" / setting
            chosen = [p for p in parameters(best) if pd.notna(point[p])]
            params = [f"{p}={point[p]:.6g}" for p in chosen] if setting == "fix" else []
            if len(list(folder.glob("*/summary.json"))) < seeds:  # a finished check is kept
                print(f"incentive_frontier: checking {setting} {mechanism}", flush=True)
                subprocess.run(
                    [sys.executable, "-m", "sim", "-m", "experiment=incentive_compatibility",
                     f"+consensus_variant={point['consensus']}", f"incentive={point['incentive']}",
                     "+ic_variant=base", f"seed=range({CHECK_SEED},{CHECK_SEED + seeds})",
                     *params, f"hydra.sweep.dir={folder}", "output.progress=false"],
                    check=True, capture_output=True,
                )  # fmt: skip
            for summary in sorted(folder.glob("*/summary.json")):
                values = {n: job_value(summary.parent, n, "bittensor_subnet") for n in CHECKED}
                seed = int(json.loads(summary.read_text())["seed"])
                rows.append({**mechanism, "setting": setting, "seed": seed, **values})
    return pd.DataFrame(rows)


def _point(row: pd.Series, names: list[str]) -> str:
    return ", ".join(f"{n.split('.')[-1]} {row[n]:.3g}" for n in names if pd.notna(row[n]))


def report_lines(trials: pd.DataFrame, checks: pd.DataFrame) -> list[str]:
    names = parameters(trials)
    lines = [
        "| consensus | incentive | trials | front | most honest point of the front | honest share "
        "(one seed) | honest share, shipped (check seeds) | honest share, that point (check "
        "seeds) | honest miners, shipped → that point | honest profit, shipped → that point "
        "| cheating stops paying |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for (consensus, incentive), group in trials.groupby(["consensus", "incentive"], sort=False):
        best = most_honest(group).iloc[0]
        cells = [consensus, incentive, str(len(group)), str(int(group["on_front"].sum()))]
        cells += [_point(best, names), f"{best[OBJECTIVES[0]]:.2f}"]
        mine = checks[(checks["consensus"] == consensus) & (checks["incentive"] == incentive)]
        if len(mine):
            shipped = mine[mine["setting"] == "shipped"]
            fix = mine[mine["setting"] == "fix"]
            share_shipped = mean_ci(shipped[OBJECTIVES[0]])
            share_fix = mean_ci(fix[OBJECTIVES[0]])
            profit = (shipped[OBJECTIVES[1]].mean(), fix[OBJECTIVES[1]].mean())
            miners = (mean_ci(shipped[MINERS]), mean_ci(fix[MINERS]))
            shares = {"together": OBJECTIVES[0], "miners": MINERS, "validators": VALIDATORS}
            short = [who for who, column in shares.items() if not clears_half(fix[column])]
            cells += [
                f"{_share(*share_shipped)} ({len(shipped)} seeds)",
                f"{_share(*share_fix)} ({len(fix)} seeds)",
                f"{_share(*miners[0])} → {_share(*miners[1])}",
                f"{profit[0]:.2f} → {profit[1]:.2f}",
                "yes" if not short else f"no: {', '.join(short)} below one half",
            ]
        else:
            cells += ["not checked"] * 4 + ["—"]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def clears_half(values) -> bool:
    """Whether the 95 % interval of the mean of ``values`` lies above one half."""
    mean, ci = mean_ci(values)
    return bool(np.isfinite(ci) and mean - ci > 0.5)


def draw(trials: pd.DataFrame, path: Path) -> None:
    groups = list(trials.groupby(["consensus", "incentive"], sort=False))
    fig, axes = doc_blocks.figure_canvas(len(groups), size=(3.0 * len(groups), 3.2))
    for ax, ((consensus, incentive), group) in zip(np.atleast_1d(axes), groups, strict=True):
        front = group[group["on_front"]].sort_values(OBJECTIVES[0])
        ax.scatter(group[OBJECTIVES[0]], group[OBJECTIVES[1]], s=10, color="0.6", label="trial")
        ax.plot(front[OBJECTIVES[0]], front[OBJECTIVES[1]], "o-", color="C3", ms=4, label="front")
        ax.axvline(0.5, color="0.3", lw=0.8, ls=":")
        ax.set(title=f"{consensus} + {incentive}", xlabel="long-run honest share", xlim=(0, 1))
        ax.title.set_fontsize("small")
    np.atleast_1d(axes)[0].set_ylabel("honest profit per epoch")
    np.atleast_1d(axes)[0].legend(fontsize="x-small")
    path.parent.mkdir(parents=True, exist_ok=True)
    doc_blocks.save_figure(fig, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("search_dirs", type=Path, nargs="+")
    parser.add_argument("--check-seeds", type=int, default=0, help="rerun each front's best")
    parser.add_argument("--out", type=Path, default=Path("incentive_frontier"))
    parser.add_argument("--doc", type=Path, help="also replace this doc's block name=frontier")
    args = parser.parse_args(argv)
    try:
        trials = load_trials(args.search_dirs)
        if args.doc is not None:
            doc_blocks.check_block(args.doc, BLOCK)
    except (FileNotFoundError, ValueError, StopIteration) as error:
        print(f"incentive_frontier: error: {error or 'a folder without a search'}", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    checks = (
        check_runs(most_honest(trials), args.check_seeds, args.out / "checks")
        if args.check_seeds
        else pd.DataFrame(columns=["consensus", "incentive", "setting", "seed", *CHECKED])
    )
    lines = report_lines(trials, checks)
    (args.out / "incentive_frontier.md").write_text("\n".join(lines) + "\n")
    draw(trials, args.out / "incentive_frontier.png")
    print(args.out / "incentive_frontier.md")
    if args.doc is not None:
        doc_blocks.replace_block(args.doc, lines, BLOCK)
        folder = args.doc.parent / args.doc.stem
        folder.mkdir(parents=True, exist_ok=True)
        trials.to_csv(folder / "frontier.csv", index=False)
        checks.to_csv(folder / "frontier_checks.csv", index=False)
        shutil.copyfile(args.out / "incentive_frontier.png", folder / "frontier.png")
        print(args.doc)
    return 0


if __name__ == "__main__":
    sys.exit(main())

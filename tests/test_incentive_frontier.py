"""The frontier report: each search's Pareto front, its most honest point, and the check over
fresh seeds that says whether cheating stops paying there."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from experiments import doc_blocks
from experiments.incentive_frontier import (
    MINERS,
    OBJECTIVES,
    VALIDATORS,
    main,
    most_honest,
    report_lines,
)

DOC = Path(__file__).parents[1] / "docs" / "incentive_compatibility.md"


def fake_search(folder: Path, consensus: str, shares, profits, front):
    (folder / "0" / ".hydra").mkdir(parents=True)
    (folder / "0" / ".hydra" / "overrides.yaml").write_text(
        f"- +consensus_variant={consensus}\n- incentive=bittensor_chain\n"
    )
    (folder / "0" / "summary.json").write_text(json.dumps({"seed": 0}))
    trials = pd.DataFrame(
        {
            "job": range(len(shares)),
            "state": "COMPLETE",
            "consensus.kappa": np.linspace(0.3, 0.7, len(shares)),
            OBJECTIVES[0]: shares,
            OBJECTIVES[1]: profits,
        }
    )
    trials.to_parquet(folder / "trials.parquet")
    trials[trials["job"].isin(front)].to_parquet(folder / "pareto.parquet")


def test_the_most_honest_point_of_each_front_is_reported_with_its_check(tmp_path):
    """Front of search a: jobs 1 (share 0.9, profit 1) and 2 (0.6, 3); job 0 (0.5, 0.5) is
    dominated.  The check: shipped shares 0.2, 0.3, 0.4 and the fix's 0.8, 0.9, 0.85 (mean 0.85,
    CI 4.303 · 0.05 / √3 = 0.12, above one half: cheating stops paying)."""
    fake_search(tmp_path / "a", "yuma3", [0.5, 0.9, 0.6], [0.5, 1.0, 3.0], front=[1, 2])
    fake_search(tmp_path / "b", "yuma", [0.2, 0.3], [1.0, 1.0], front=[1])
    from experiments.incentive_frontier import load_trials

    trials = load_trials([tmp_path / "a", tmp_path / "b"])
    best = most_honest(trials)
    assert best["job"].tolist() == [1, 1] and best["consensus"].tolist() == ["yuma3", "yuma"]
    checks = pd.DataFrame(
        {
            "consensus": "yuma3",
            "incentive": "bittensor_chain",
            "setting": ["shipped"] * 3 + ["fix"] * 3,
            "seed": [100, 101, 102] * 2,
            OBJECTIVES[0]: [0.2, 0.3, 0.4, 0.8, 0.9, 0.85],
            OBJECTIVES[1]: [2.0, 2.0, 2.0, 1.0, 1.5, 2.0],
            MINERS: [0.1, 0.1, 0.1, 0.8, 0.85, 0.9],
            VALIDATORS: [0.9, 0.9, 0.9, 0.9, 0.9, 0.9],
        }
    )
    lines = report_lines(trials, checks)
    ci = stats.t.ppf(0.975, 2) * 0.05 / np.sqrt(3)
    assert (
        f"| yuma3 | bittensor_chain | 3 | 2 | kappa 0.5 | 0.90 | 0.30 ± 0.25 (3 seeds) | "
        f"0.85 ± {ci:.2f} (3 seeds) | 0.10 ± 0.00 → 0.85 ± {ci:.2f} | 2.00 → 1.50 | yes |" in lines
    )
    assert "| yuma | bittensor_chain | 2 | 1 | kappa 0.7 | 0.30 | not checked" in lines[-1]
    # Miners and validators together clear one half, the miners alone do not: no fix.
    checks.loc[checks["setting"] == "fix", MINERS] = [0.3, 0.4, 0.5]
    assert report_lines(trials, checks)[2].endswith("| no: miners below one half |")


def test_the_doc_gets_the_frontier_block_and_its_tables(tmp_path):
    fake_search(tmp_path / "a", "yuma3", [0.5, 0.9], [0.5, 1.0], front=[1])
    doc = tmp_path / "doc.md"
    doc.write_text(f"x\n{doc_blocks.BEGIN} name=frontier by y -->\nold\n{doc_blocks.END}\nz\n")
    assert main([str(tmp_path / "a"), "--out", str(tmp_path / "out"), "--doc", str(doc)]) == 0
    assert "old" not in doc.read_text() and doc.read_text().endswith("z\n")
    assert (tmp_path / "doc" / "frontier.csv").is_file()
    assert (tmp_path / "doc" / "frontier.png").is_file()
    assert main([str(tmp_path / "missing")]) == 2


def test_the_docs_frontier_is_what_the_report_makes_of_its_tables():
    folder = DOC.parent / DOC.stem
    trials = pd.read_csv(folder / "frontier.csv")
    checks = pd.read_csv(folder / "frontier_checks.csv")
    block = doc_blocks.block(DOC, "frontier").strip()
    assert block == "\n".join(report_lines(trials, checks)).strip()


def test_the_docs_frontier_prose_quotes_its_tables():
    from experiments.comparison import mean_ci
    from experiments.incentive_frontier import MINERS

    folder = DOC.parent / DOC.stem
    trials = pd.read_csv(folder / "frontier.csv")
    checks = pd.read_csv(folder / "frontier_checks.csv")
    text = " ".join(DOC.read_text().split())
    assert f"(up to {trials[OBJECTIVES[0]].max():.2f}, classic Yuma" in text
    fix = checks[checks["setting"] == "fix"].groupby(["consensus", "incentive"])
    shares = fix[OBJECTIVES[0]].apply(lambda v: mean_ci(v))
    assert all(mean - ci <= 0.5 for mean, ci in shares)  # no interval clears one half
    means = fix[OBJECTIVES[0]].mean()
    assert f"is {means.min():.2f}–{means.max():.2f}, no interval" in text
    miners = fix[MINERS].mean()
    chain = miners.xs("bittensor_chain", level="incentive")
    proportional = miners.xs("proportional", level="incentive")
    assert f"stays at {chain.min():.2f}–{chain.max():.2f} under the chain's" in text
    assert f"raises it to {proportional.min():.2f}–{proportional.max():.2f}," in text

"""The comparison experiment: paired-seed statistics, verdicts and the report."""

import shutil

import numpy as np
import pandas as pd
import pytest

from experiments.comparison import mean_ci, run_comparison, summarise, verdicts
from tests.conftest import SMALL


def test_mean_ci_uses_student_t():
    mean, half = mean_ci([1.0, 2.0, 3.0, 4.0, 5.0])
    assert mean == 3.0
    assert half == pytest.approx(2.776 * np.std([1, 2, 3, 4, 5], ddof=1) / np.sqrt(5))
    assert np.isnan(mean_ci([2.0])[1])


def _table(rows):
    return pd.DataFrame(
        [
            {
                "seed": seed,
                "scenario": scenario,
                "aspect": aspect,
                "aspect_name": "x",
                "metric": metric,
                "better": better,
                "value": value,
            }
            for seed, scenario, aspect, metric, better, value in rows
        ]
    )


def test_paired_differences_decide_verdicts():
    rows = []
    for seed in range(5):
        noise = 0.01 * seed
        rows += [
            (seed, "decentralized", 1, "gini", "lower", 0.2 + noise),  # clearly lower: wins
            (seed, "centralized", 1, "gini", "lower", 0.9 + noise),
            (seed, "decentralized", 2, "acc", "higher", 0.5 + (-1) ** seed * 0.1),  # noise only
            (seed, "centralized", 2, "acc", "higher", 0.5),
            (seed, "decentralized", 3, "a", "higher", 1.0 + noise),  # one metric each way
            (seed, "centralized", 3, "a", "higher", 0.0 + noise),
            (seed, "decentralized", 3, "b", "lower", 1.0 + noise),
            (seed, "centralized", 3, "b", "lower", 0.0 + noise),
        ]
    summary = summarise(_table(rows))
    assert summary.set_index("metric")["favours"].to_dict() == {
        "gini": "decentralized",
        "acc": "none",
        "a": "decentralized",
        "b": "centralized",
    }
    assert verdicts(summary) == {1: "decentralized", 2: "no significant difference", 3: "mixed"}


def test_comparison_run_writes_the_report(tmp_path):
    summary = run_comparison([*SMALL, "epochs=3"], seeds=2, epochs=3, out=tmp_path, progress=False)
    assert set(summary["aspect"]) == set(range(1, 17))
    report = (tmp_path / "report.md").read_text()
    assert report.count("\n| ") >= 17 and "2 paired seeds × 3 epochs" in report
    table = pd.read_parquet(tmp_path / "comparison.parquet")
    assert set(table["seed"]) == {0, 1} and set(table["scenario"]) == {
        "centralized",
        "decentralized",
    }
    assert (tmp_path / "figures" / "comparison.png").stat().st_size > 10_000

    # Interrupted after seed 0: resume reads seed 0 back and reruns only seed 1, same numbers.
    shutil.rmtree(tmp_path / "seed-1")
    stamp = (tmp_path / "seed-0" / "summary.json").stat().st_mtime_ns
    run_comparison(
        [*SMALL, "epochs=3"], seeds=2, epochs=3, out=tmp_path, progress=False, resume=True
    )
    assert (tmp_path / "seed-0" / "summary.json").stat().st_mtime_ns == stamp
    assert (tmp_path / "seed-1" / "summary.json").is_file()
    resumed = pd.read_parquet(tmp_path / "comparison.parquet")
    pd.testing.assert_frame_equal(resumed, table)


def test_sweep_report_collects_runs_and_draws_from_their_data(tmp_path):
    from experiments.report import main as report_main
    from experiments.report import rewards_by_account

    run_comparison([*SMALL, "epochs=3"], seeds=2, epochs=3, out=tmp_path, progress=False)
    assert report_main([str(tmp_path)]) == 0
    cards = pd.read_parquet(tmp_path / "scorecard.parquet")
    assert set(cards["run"]) == {"seed-0", "seed-1"}
    series = pd.read_parquet(tmp_path / "timeseries.parquet")
    assert len(series) == 2 * 2 * 3  # seeds × scenarios × epochs
    for name in ("radar", "accuracy_ci", "lorenz"):
        assert (tmp_path / "figures" / f"{name}.png").stat().st_size > 10_000
    # The Lorenz data are the ledger's reward transfers, which the ledger totals confirm.
    rewards = rewards_by_account(tmp_path / "seed-0")
    summary = pd.read_parquet(tmp_path / "seed-0" / "metrics.parquet")
    paid = summary.groupby("scenario")["rewards_paid"].sum()
    for scenario, values in rewards.items():
        assert values.sum() / 1e6 == pytest.approx(paid[scenario], rel=1e-6)
    assert "Rows by verdict" in (tmp_path / "report.md").read_text()
    assert report_main([str(tmp_path / "missing")]) == 2


def test_robustness_sweep_report_draws_accuracy_against_attacker_share(tmp_path):
    import subprocess
    import sys

    from experiments.report import main as report_main

    sweep = tmp_path / "sweep"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sim",
            "-m",
            "experiment=robustness",
            "epochs=2",
            "adversaries.sign_flippers=0.0,0.5",
            "aggregation=fedavg",
            "consensus=stake_majority",
            "seed=0",
            "output.figures=false",
            "output.progress=false",
            f"hydra.sweep.dir={sweep}",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert report_main([str(sweep)]) == 0
    text = (sweep / "report.md").read_text()
    assert "Sweep report: 2 runs in 2 setting(s)" in text
    assert "Final test accuracy and availability against `adversaries.sign_flippers`" in text
    assert "0 → " in text and "0.5 → " in text
    assert (sweep / "figures" / "sensitivity.png").stat().st_size > 10_000

"""The comparison experiment: paired-seed statistics, verdicts and the report."""

import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments.comparison import (
    holm,
    mean_ci,
    paired_p_value,
    run_comparison,
    summarise,
    t_quantile,
    verdicts,
    write_report,
)
from tests.conftest import SMALL


def test_mean_ci_uses_student_t():
    mean, half = mean_ci([1.0, 2.0, 3.0, 4.0, 5.0])
    assert mean == 3.0
    assert half == pytest.approx(2.776 * np.std([1, 2, 3, 4, 5], ddof=1) / np.sqrt(5), rel=1e-3)
    assert np.isnan(mean_ci([2.0])[1])


@pytest.mark.parametrize(
    ("df", "quantile"), [(1, 12.706), (4, 2.776), (30, 2.042), (31, 2.040), (120, 1.980)]
)
def test_t_quantiles_match_the_published_table(df, quantile):
    # Two-sided 95 % Student-t critical values as printed in standard tables.
    assert t_quantile(df) == pytest.approx(quantile, abs=5e-4)


def test_holm_adjusts_known_p_values():
    # Holm (1979) on p = (0.01, 0.04, 0.03, 0.005), m = 4: sorted 0.005, 0.01, 0.03, 0.04 are
    # scaled by 4, 3, 2, 1 to 0.02, 0.03, 0.06, 0.04, then made monotone: 0.02, 0.03, 0.06, 0.06.
    adjusted = holm([0.01, 0.04, 0.03, 0.005, float("nan")])
    np.testing.assert_allclose(adjusted[:4], [0.03, 0.06, 0.06, 0.02])
    assert np.isnan(adjusted[4])
    assert holm([0.9, 0.8])[0] == 1.0  # capped at 1


def test_paired_p_value_matches_scipy():
    from scipy import stats

    a, b = np.array([0.3, 0.5, 0.4, 0.6, 0.55]), np.array([0.2, 0.45, 0.41, 0.5, 0.4])
    assert paired_p_value(a - b) == pytest.approx(stats.ttest_rel(a, b).pvalue)
    # Differences equal in every seed are fixed by the designs: no test, no p-value.
    assert np.isnan(paired_p_value([0.0, 0.0, 0.0]))
    assert np.isnan(paired_p_value([0.2, 0.2]))


def _known_p_table(p_values, structural=()):
    """Five seeds per metric whose paired differences have exactly the given two-sided
    p-values: differences d_i = mean + s·z_i with fixed standardised z, mean = t·s/√5."""
    from scipy import stats

    z = np.array([-1.2, -0.4, 0.0, 0.5, 1.1])
    z = (z - z.mean()) / z.std(ddof=1)
    rows = []
    for k, p in enumerate(p_values):
        t = stats.t.isf(p / 2, 4)
        d = t / np.sqrt(5) + z
        for seed in range(5):
            kind = "structural" if k in structural else "measured"
            rows.append((seed, "decentralized", k + 1, f"m{k}", "higher", 1.0 + d[seed], kind))
            rows.append((seed, "centralized", k + 1, f"m{k}", "higher", 1.0, kind))
    return _table(rows)


def test_verdicts_use_holm_adjusted_p_values_of_measured_metrics_only():
    # Unadjusted, all four are below 0.05.  Among the three measured ones Holm gives
    # 3 · 0.004 = 0.012, max(2 · 0.02, 0.012) = 0.04 and max(0.045, 0.04) = 0.045: all three stay
    # significant.  Raising the smallest to 0.02 turns them into 0.06, 0.06, 0.06: none.
    summary = summarise(_known_p_table([0.004, 0.02, 0.045, 0.001], structural={3}))
    by_metric = summary.set_index("metric")
    np.testing.assert_allclose(by_metric.loc[["m0", "m1", "m2"], "p_value"], [0.004, 0.02, 0.045])
    np.testing.assert_allclose(by_metric.loc[["m0", "m1", "m2"], "p_holm"], [0.012, 0.04, 0.045])
    assert by_metric.loc["m3", "kind"] == "structural"
    assert np.isnan(by_metric.loc["m3", "p_holm"])
    assert by_metric.loc["m3", "favours"] == "none"  # structural: never a finding
    assert verdicts(summary) == {
        1: "decentralized",
        2: "decentralized",
        3: "decentralized",
        4: "structural only",
    }
    weaker = summarise(_known_p_table([0.02, 0.02, 0.045]))
    np.testing.assert_allclose(weaker["p_holm"], [0.06, 0.06, 0.06])
    assert set(weaker["favours"]) == {"none"}


def test_report_lists_structural_and_measured_metrics_apart(tmp_path):
    summary = summarise(_known_p_table([0.004, 0.02, 0.045, 0.001], structural={3}))
    text = write_report(tmp_path, summary, seeds=5, epochs=3).read_text()
    measured, structural = text.split("## Structural metrics")
    assert "## Measured metrics" in measured
    assert "| m0 ↑ |" in measured and "m3 ↑" not in measured
    assert "| m3 ↑ |" in structural and "m0 ↑" not in structural.split("## Row verdicts")[0]
    assert "0.012" in measured  # the Holm-adjusted p-value is reported


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
                "kind": kind[0] if kind else "measured",
                "value": value,
            }
            for seed, scenario, aspect, metric, better, value, *kind in rows
        ]
    )


def test_paired_differences_decide_verdicts():
    rows = []
    for seed in range(5):
        noise, paired = 0.01 * seed, 0.01 * (0, 2, 1, 3, -1)[seed]
        rows += [
            (seed, "decentralized", 1, "gini", "lower", 0.2 + noise + paired),  # lower: wins
            (seed, "centralized", 1, "gini", "lower", 0.9 + noise),
            (seed, "decentralized", 2, "acc", "higher", 0.5 + (-1) ** seed * 0.1),  # noise only
            (seed, "centralized", 2, "acc", "higher", 0.5),
            (seed, "decentralized", 3, "a", "higher", 1.0 + noise + paired),  # one each way
            (seed, "centralized", 3, "a", "higher", 0.0 + noise),
            (seed, "decentralized", 3, "b", "lower", 1.0 + noise + paired),
            (seed, "centralized", 3, "b", "lower", 0.0 + noise),
            # The same difference in every seed (up to rounding): fixed, not a finding.
            (seed, "decentralized", 4, "fixed", "lower", 0.2 + noise),
            (seed, "centralized", 4, "fixed", "lower", 0.9 + noise),
        ]
    summary = summarise(_table(rows)).set_index("metric")
    assert summary["favours"].to_dict() == {
        "gini": "decentralized",
        "acc": "none",
        "a": "decentralized",
        "b": "centralized",
        "fixed": "none",
    }
    assert summary.loc["fixed", "test"] == "fixed: no test"
    assert np.isnan(summary.loc["fixed", ["p_value", "p_holm"]].astype(float)).all()
    assert verdicts(summary.reset_index()) == {
        1: "decentralized",
        2: "no significant difference",
        3: "mixed",
        4: "no test possible",
    }


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
    # No verdict rests on a value either organisation's definition fixes: the platform owner's
    # turnout (1), its free permissioned entry (0), its one evaluator, its star.
    by_metric = summary.set_index("metric")
    for name in (
        "governance_turnout",
        "entry_cost_ratio",
        "decision_nakamoto",
        "node_connectivity",
    ):
        assert by_metric.loc[name, "kind"] == "structural", name
        assert (
            by_metric.loc[name, "centralized_fixed"]
            and not by_metric.loc[name, "decentralized_fixed"]
        )
        assert np.isnan(by_metric.loc[name, "p_value"]) and by_metric.loc[name, "favours"] == "none"
    fixed_section = report.split("## Structural metrics")[1].split("## Row verdicts")[0]
    assert "| governance_turnout ↑ |" in fixed_section and "1 ± 0 (fixed) |" in fixed_section
    verdict_rows = report.split("## Row verdicts")[1]
    assert "| decided by | not counted |" in verdict_rows
    assert "governance_turnout (fixed in centralized)" in verdict_rows

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
    own_report = (tmp_path / "report.md").read_text()
    assert report_main([str(tmp_path)]) == 0
    assert (tmp_path / "report.md").read_text() == own_report  # the table's report is kept
    assert (tmp_path / "sweep_report.md").is_file()
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
    assert "Rows by verdict" in (tmp_path / "sweep_details.md").read_text()
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
    text = (sweep / "sweep_report.md").read_text()
    assert "Sweep report: 2 runs in 2 setting(s)" in text
    assert "Final test accuracy and availability against `adversaries.sign_flippers`" in text
    assert "0 → " in text and "0.5 → " in text
    assert (sweep / "figures" / "sensitivity.png").stat().st_size > 10_000


def test_a_verdict_that_needs_pairing():
    # Seeds differ a lot (0.2 to 0.8) but within each seed decentralized is ahead by 0.01:
    # the paired difference is significant, an unpaired comparison of the means would not be.
    rows = []
    for seed, level in enumerate([0.2, 0.35, 0.5, 0.65, 0.8]):
        jitter = 0.001 * (-1) ** seed
        rows += [
            (seed, "decentralized", 1, "acc", "higher", level + 0.01 + jitter),
            (seed, "centralized", 1, "acc", "higher", level),
        ]
    summary = summarise(_table(rows))
    assert summary.loc[0, "favours"] == "decentralized"
    assert summary.loc[0, "p_value"] < 1e-4
    from scipy import stats

    unpaired = stats.ttest_ind([r[-1] for r in rows[::2]], [r[-1] for r in rows[1::2]])
    assert unpaired.pvalue > 0.5


def test_sensitivity_reads_the_last_epoch():
    from experiments.report import sensitivity

    series = pd.DataFrame(
        [
            {
                "run": f"{share}",
                "setting": f"adversaries.sign_flippers={share}",
                "scenario": "decentralized",
                "epoch": epoch,
                "test_accuracy": accuracy,
                "available": 1.0,
            }
            for share, curve in ((0.0, [0.1, 0.5, 0.9]), (0.5, [0.1, 0.3, 0.2]))
            for epoch, accuracy in enumerate(curve)
        ]
    ).sample(frac=1.0, random_state=0)  # rows in no particular order
    text = sensitivity(pd.DataFrame(), series, Path(tempfile.mkdtemp()) / "s.png")
    assert "0 → 0.900" in text and "0.5 → 0.200" in text


def test_mean_ci_skips_missing_values_and_has_no_interval_below_two():
    # Two values 1 and 3: s = √2, half-width t(0.975, 1) · s / √2 = 12.706.
    assert mean_ci([1.0, None, float("nan"), 3.0]) == pytest.approx((2.0, 12.706), abs=1e-3)
    assert all(np.isnan(v) for v in mean_ci([]))
    assert all(np.isnan(v) for v in mean_ci([None, float("nan")]))
    mean, half = mean_ci([None, 4.0])
    assert mean == 4.0 and np.isnan(half)


def test_paired_p_value_needs_two_finite_differences():
    assert np.isnan(paired_p_value([0.3]))
    assert np.isnan(paired_p_value([0.3, None, float("nan")]))
    assert paired_p_value([0.1, None, 0.3, float("nan")]) == pytest.approx(
        paired_p_value([0.1, 0.3])
    )
    assert np.isnan(paired_p_value([-0.2, -0.2, -0.2]))
    assert np.isnan(paired_p_value([0.1 + 0.2 - 0.3, 0.0, 5.551115123125783e-17]))  # rounding


def test_holm_of_no_finite_p_values_is_all_nan_and_ties_keep_their_order():
    assert np.isnan(holm([float("nan"), float("nan")])).all()
    assert holm([]).shape == (0,)
    # m = 3; the tie at 0.01 is scaled by 3 and 2 (→ 0.03, 0.02), made monotone: both 0.03.
    np.testing.assert_allclose(holm([0.01, 0.01, 0.2]), [0.03, 0.03, 0.2])


def _verdict_rows(favours_by_metric):
    return pd.DataFrame(
        [
            {"aspect": 1, "metric": m, "kind": "measured", "favours": f, "p_value": 0.01}
            for m, f in favours_by_metric.items()
        ]
    )


@pytest.mark.parametrize(
    ("favours", "verdict"),
    [
        ({"a": "decentralized", "b": "none"}, "decentralized"),
        ({"a": "centralized", "b": "centralized"}, "centralized"),
        ({"a": "decentralized", "b": "centralized"}, "mixed"),
        ({"a": "none", "b": "none"}, "no significant difference"),
    ],
)
def test_an_aspects_verdict_follows_its_significant_measured_metrics(favours, verdict):
    assert verdicts(_verdict_rows(favours)) == {1: verdict}


def test_collect_reads_every_scenario_and_counts_metrics_without_a_kind_as_measured():
    from experiments.comparison import collect

    metric = {"aspect": 2, "aspect_name": "Compute", "name": "m", "better": "higher", "value": 1.5}
    summaries = {
        0: {"scorecard": {"decentralized": [metric], "centralized": [{**metric, "value": 2.5}]}},
        1: {"scorecard": {"decentralized": [{**metric, "kind": "structural"}]}},
    }
    table = collect(summaries)
    assert table[["seed", "scenario", "value", "kind"]].values.tolist() == [
        [0, "decentralized", 1.5, "measured"],
        [0, "centralized", 2.5, "measured"],
        [1, "decentralized", 1.5, "structural"],
    ]
    assert set(table.columns) == {
        "seed",
        "scenario",
        "aspect",
        "aspect_name",
        "metric",
        "better",
        "kind",
        "fixed_by",
        "value",
    }
    assert table["fixed_by"].tolist() == ["", "", "fixed"]
    assert table[["aspect", "aspect_name", "metric", "better"]].iloc[0].tolist() == [
        2,
        "Compute",
        "m",
        "higher",
    ]


@pytest.mark.parametrize(
    ("mean", "ci", "text"),
    [
        (0.12345, 0.0123, "0.123 ± 0.012"),
        (0.5, float("nan"), "0.5"),
        (float("nan"), 0.1, "n/a"),
        (1000.0, 1e-7, "1e+03 ± 0"),  # rounding noise of identical values shows as 0
        (1000.0, 1e-5, "1e+03 ± 1e-05"),
    ],
)
def test_mean_and_interval_format(mean, ci, text):
    from experiments.comparison import _fmt

    assert _fmt(mean, ci) == text


@pytest.mark.parametrize(
    ("p", "text"), [(0.0004, "< 0.001"), (0.001, "0.001"), (0.0456, "0.046"), (float("nan"), "n/a")]
)
def test_p_value_format(p, text):
    from experiments.comparison import _fmt_p

    assert _fmt_p(p) == text


def test_the_comparison_table_takes_its_paired_seeds_from_seed(tmp_path):
    """``-m experiment=comparison_table seed=0,1`` must give two different sets of replicates
    (it always ran seeds 0–4)."""
    from types import SimpleNamespace

    from experiments.comparison import run_comparison_table

    tables = {}
    for seed in (0, 1):
        cfg = SimpleNamespace(
            seed=seed, epochs=2, resume=False, experiment=SimpleNamespace(seeds=2)
        )
        out = tmp_path / f"from-{seed}"
        run_comparison_table(cfg, [*SMALL, "epochs=2"], out, progress=False)
        tables[seed] = pd.read_parquet(out / "comparison.parquet")
        assert sorted(p.name for p in out.glob("seed-*")) == [f"seed-{seed}", f"seed-{seed + 1}"]
    assert set(tables[0]["seed"]) == {0, 1} and set(tables[1]["seed"]) == {1, 2}
    shared = [
        t[t["seed"] == 1].drop(columns="seed").reset_index(drop=True) for t in tables.values()
    ]
    pd.testing.assert_frame_equal(*shared)  # seed 1 is the same run in both
    first = tables[0][tables[0]["seed"] == 0]["value"].to_numpy()
    last = tables[1][tables[1]["seed"] == 2]["value"].to_numpy()
    assert not np.array_equal(first, last, equal_nan=True)

"""Figures and sweep reports show what the scorecard and the data say."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments.report import radar_values, sweep_order
from sim.figures import accuracy, reward_concentration, scorecard, strategy_shares
from sim.metrics.scorecard import ASPECTS, HEADLINES


def test_accuracy_figure_names_the_dataset_and_its_chance_level():
    table = pd.DataFrame({"scenario": ["a", "a"], "epoch": [0, 1], "test_accuracy": [0.3, 0.6]})
    data = {"dataset": "gaussian_mixture", "classes": 4, "test_records": 80, "chance_accuracy": 0.3}
    ax = accuracy(table, data).axes[0]
    assert "gaussian_mixture" in ax.get_title() and "80" in ax.get_title()
    chance = next(line for line in ax.get_lines() if "chance" in line.get_label())
    assert set(chance.get_ydata()) == {0.3}
    assert "4 classes" in chance.get_label()


def _scorecards(nan_aspect: int):
    cards = {}
    for side in ("decentralized", "centralized"):
        metrics = []
        for aspect in range(1, 17):
            # A decoy metric listed first, alphabetically before every headline.
            metrics.append(
                {"aspect": aspect, "name": "aaa_decoy", "value": 99.0, "better": "higher"}
            )
            value = None if aspect == nan_aspect else 0.25 * (1 + (side == "centralized"))
            kind = "structural" if aspect == 1 else "measured"
            metrics.append(
                {
                    "aspect": aspect,
                    "name": HEADLINES[aspect],
                    "value": value,
                    "better": "higher",
                    "kind": kind,
                }
            )
        cards[side] = metrics
    return cards


def test_scorecard_figure_draws_headlines_with_values_and_gaps():
    fig = scorecard(_scorecards(nan_aspect=3))
    axes = fig.axes
    for aspect, ax in enumerate(axes, start=1):
        assert HEADLINES[aspect] in ax.get_title() and ASPECTS[aspect - 1] in ax.get_title()
    labels = [t.get_text() for t in axes[1].texts]
    assert labels == ["0.25", "0.5"]  # value labels on the bars
    assert [t.get_text() for t in axes[2].texts] == ["n/a", "n/a"]  # undefined: empty slot
    assert [bar.get_height() for bar in axes[2].patches] == [0, 0]
    assert "fixed by definition" in axes[0].get_title()
    assert "fixed by definition" not in axes[1].get_title()
    assert all(bar.get_hatch() == "//" for bar in axes[0].patches)


def test_radar_leaves_undefined_values_as_gaps_not_at_the_rim():
    rows = []
    for aspect in range(1, 17):
        d, c = (float("nan"), 0.5) if aspect == 5 else (0.4, 0.8)
        rows.append(
            {
                "aspect": aspect,
                "metric": HEADLINES[aspect],
                "better": "lower" if aspect == 2 else "higher",
                "kind": "measured",
                "decentralized_mean": d,
                "centralized_mean": c,
            }
        )
    _, values, defined = radar_values(pd.DataFrame(rows))
    assert not defined[4] and np.isnan(values[:, 4]).all()
    np.testing.assert_allclose(values[:, 0], [0.5, 1.0])  # higher better: v / max
    np.testing.assert_allclose(values[:, 1], [1.0, 0.5])  # lower better: min / v


def test_sweep_order_follows_job_numbers():
    paths = [Path("10"), Path("2"), Path("1"), Path("seed-1"), Path("seed-0")]
    assert [str(p) for p in sorted(paths, key=sweep_order)] == ["1", "2", "10", "seed-0", "seed-1"]


@pytest.fixture(scope="module")
def two_setting_sweep(tmp_path_factory):
    import subprocess
    import sys

    from tests.conftest import SMALL

    sweep = tmp_path_factory.mktemp("sweep") / "sweep"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sim",
            "-m",
            "seed=0,1",
            "epochs=2",
            *SMALL[1:],
            "population.builders=8,4",  # sweep order: 8 first, though 4 sorts first
            f"hydra.sweep.dir={sweep}",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return sweep


def test_sweep_report_compares_settings_in_one_wide_table(two_setting_sweep):
    from experiments.report import main

    assert main([str(two_setting_sweep), "--metric", "availability"]) == 0
    text = (two_setting_sweep / "sweep_report.md").read_text()
    header = next(line for line in text.splitlines() if line.startswith("| setting |"))
    assert all(name in header for name in HEADLINES.values())
    compared = text.split("## Settings compared")[1].split("## Run time")[0]
    rows = [line for line in compared.splitlines() if line.startswith("| population.builders=")]
    assert [r.split(" | ")[0:2] for r in rows] == [
        ["| population.builders=8", "decentralized"],
        ["| population.builders=8", "centralized"],
        ["| population.builders=4", "decentralized"],
        ["| population.builders=4", "centralized"],
    ]
    table = pd.read_parquet(two_setting_sweep / "settings.parquet")
    assert list(table["setting"]) == [r.split(" | ")[0][2:] for r in rows]
    assert (table["seeds"] == 2).all()
    assert (two_setting_sweep / "figures" / "settings_availability.png").stat().st_size > 10_000
    assert "warm-up s" in text  # compilation reported apart from the per-epoch time
    assert "Every run shares: `epochs=2`" in text  # fixed settings once, not in every row
    assert "Rows by verdict" in (two_setting_sweep / "sweep_details.md").read_text()


def test_sweep_report_refuses_an_unknown_metric_before_writing(two_setting_sweep, capsys):
    from experiments.report import main

    before = sorted(p.name for p in two_setting_sweep.iterdir())
    assert main([str(two_setting_sweep), "--metric", "acuracy"]) == 2
    err = capsys.readouterr().err
    assert "--metric acuracy: unknown metric; choose one of:" in err and "availability" in err
    assert sorted(p.name for p in two_setting_sweep.iterdir()) == before


def test_summary_reports_warm_up_apart(two_setting_sweep):
    import json

    summary = json.loads((two_setting_sweep / "0" / "summary.json").read_text())
    for scenario in summary["scenarios"]:
        assert 0 < summary["warmup_seconds"][scenario] < summary["seconds"][scenario]
    assert math.isclose(summary["data"]["chance_accuracy"], summary["data"]["chance_accuracy"])


def test_a_two_scenario_sweep_table_keeps_both_scenarios_of_every_job(two_setting_sweep):
    table = pd.read_parquet(two_setting_sweep / "sweep.parquet")
    per_job = table.groupby("job")["scenario"].apply(lambda s: sorted(set(s)))
    assert per_job.to_dict() == dict.fromkeys(
        ["0", "1", "2", "3"], ["centralized", "decentralized"]
    )
    counts = table.groupby(["job", "scenario"])["metric"].nunique()
    assert counts.nunique() == 1 and counts.iloc[0] > 30  # every scenario's full scorecard


def test_strategy_share_figure_stacks_every_strategy_per_role_and_scenario():
    from sim.figures import strategy_shares

    epochs = np.arange(4)
    rows = []
    for scenario in ("decentralized", "centralized"):
        for e in epochs:
            rows.append(
                {
                    "scenario": scenario,
                    "epoch": e,
                    "share_builder_honest": 1 - e / 4,
                    "share_builder_free_rider": e / 4,
                    "share_validator_honest": 1.0,
                    "share_validator_weight_copier": 0.0,
                }
            )
    fig = strategy_shares(pd.DataFrame(rows))
    axes = fig.axes
    assert len([a for a in axes if a.get_title()]) == 4
    titles = sorted(a.get_title() for a in axes if a.get_title())
    assert titles[0] == "centralized: builders" and titles[-1] == "decentralized: validators"
    legend = next(a for a in axes if a.get_title() == "centralized: builders").get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["honest", "free rider"]
    import matplotlib.pyplot as plt

    plt.close(fig)


def clipped_or_overlapping_text(fig) -> list[str]:
    """Texts (titles, labels, value labels) drawn outside the figure, and axis labels and titles
    that run into another panel."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    page = fig.bbox
    found = []
    for ax in fig.axes:
        texts = [ax.title, ax.xaxis.label, ax.yaxis.label, *ax.texts]
        for text in texts:
            if not text.get_text() or not text.get_visible():
                continue
            box = text.get_window_extent(renderer)
            if (
                box.x0 < page.x0 - 1
                or box.x1 > page.x1 + 1
                or box.y0 < page.y0 - 1
                or box.y1 > page.y1 + 1
            ):
                found.append(f"outside the figure: {text.get_text()!r}")
            for other in fig.axes:
                if other is not ax and box.overlaps(other.bbox):
                    found.append(f"over another panel: {text.get_text()!r}")
    return found


def _shares_table(epochs=4):
    rows = []
    for epoch in range(epochs):
        for scenario in ("decentralized", "centralized"):
            rows.append({
                "scenario": scenario, "epoch": epoch,
                "share_compute_provider_honest": 0.7, "share_compute_provider_markup_25": 0.3,
                "share_data_provider_honest": 1.0, "share_builder_honest": 0.5,
                "share_builder_free_rider": 0.5,
                "reward_gini": np.nan if (scenario, epoch) == ("centralized", 2) else 0.5,
                "reward_nakamoto": np.nan if (scenario, epoch) == ("centralized", 2) else 9,
            })  # fmt: skip
    return pd.DataFrame(rows)


def test_run_figures_keep_their_text_inside_and_apart():
    """reward_concentration.png's right label ran into the left panel, scorecard.png's long
    titles off the page, and strategy_shares.png called roles "computes" and "datas"."""
    table = _shares_table()
    cards = _scorecards(nan_aspect=3)
    for side in cards.values():  # the longest titles: fixed in both, a negative value
        for m in side:
            if m["name"] == HEADLINES[4]:
                m["kind"] = "structural"
            if m["name"] == HEADLINES[16]:
                m["value"] = -0.144 if m["value"] == 0.25 else 0.0
    for fig in (reward_concentration(table), scorecard(cards), strategy_shares(table)):
        assert clipped_or_overlapping_text(fig) == []
    titles = [ax.get_title() for ax in strategy_shares(table).axes]
    assert "decentralized: compute providers" in titles and "centralized: data providers" in titles
    assert not any("computes" in t or "datas" in t for t in titles)


def test_an_epoch_that_paid_nobody_has_no_reward_nakamoto(compose, tmp_path):
    """At a coordinator's outage nobody is paid: the Gini was a gap and the Nakamoto
    coefficient a 0 (as if one account held half of nothing); both are undefined now."""
    from sim.run import run_scenarios

    run_scenarios(
        compose("epochs=4", "faults.offline_probability=0", "faults.coordinator_outage_start=1",
                "faults.coordinator_outage_length=2", "output.figures=false"),
        tmp_path, progress=False,
    )  # fmt: skip
    table = pd.read_parquet(tmp_path / "metrics.parquet")
    platform = table[table["scenario"] == "centralized"].set_index("epoch")
    assert platform.loc[[1, 2], "rewards_paid"].eq(0).all()
    assert platform.loc[[1, 2], ["reward_gini", "reward_nakamoto"]].isna().all().all()
    assert platform.loc[[0, 3], "reward_nakamoto"].ge(1).all()


def test_intervals_of_bounded_metrics_are_cut_at_their_range():
    """Two seeds of a share at 0.25 and 1.0 give 0.625 ± 4.76 (t(1) = 12.7): drawn from 0 to 1,
    not from −4.1 to 5.4."""
    from experiments.comparison import mean_ci
    from experiments.report import interval_within, setting_title, value_range

    mean, half = mean_ci([0.25, 1.0])
    assert half == pytest.approx(12.706 * 0.375, rel=1e-3)  # s = 0.75 / √2, half = t·s/√2
    below, above = interval_within(np.array([mean]), np.array([half]), value_range("share_x"))
    assert (mean - below[0], mean + above[0]) == pytest.approx((0.0, 1.0))
    assert value_range("quality_reward_correlation") == (-1.0, 1.0)
    unbounded = interval_within(
        np.array([3.0]), np.array([5.0]), value_range("peak_node_traffic_kb")
    )
    assert unbounded[:, 0].tolist() == [5.0, 5.0]
    assert setting_title("Lorenz", "incentive=shapley seed=1").endswith(
        "\nincentive=shapley seed=1"
    )

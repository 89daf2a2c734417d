"""Scorecards recomputed from saved run records: the same definitions give the saved numbers,
a changed definition changes exactly its metric, a run without records is refused whole."""

import json

import pytest

from experiments.report import main as report_main
from sim.metrics import scorecard
from sim.rescore import rescore
from sim.run import run_scenarios


@pytest.fixture(scope="module")
def saved_run(tmp_path_factory):
    from sim import compose
    from tests.conftest import SMALL

    run_dir = tmp_path_factory.mktemp("run")
    run_scenarios(compose([*SMALL, "epochs=4"]), run_dir, progress=False)
    return run_dir


def cards(run_dir):
    summary = json.loads((run_dir / "summary.json").read_text())
    return summary["scorecard"]


def test_rescoring_with_unchanged_definitions_reproduces_the_saved_scorecard(saved_run):
    before = cards(saved_run)
    (result,) = rescore(saved_run)
    assert result.changed == []
    assert result.metrics == sum(len(card) for card in before.values())
    assert cards(saved_run) == before


def test_a_changed_definition_changes_exactly_its_metric(saved_run, monkeypatch):
    before = cards(saved_run)
    old = scorecard.METRICS["availability"]

    # A stricter availability: epochs in which at least one submission was also accepted.
    def stricter(run):
        """share of epochs that committed, paid and accepted a submission"""
        both = (run.column("available") > 0) & (run.column("accepted") > 0)
        return both.mean()

    monkeypatch.setitem(
        scorecard.METRICS,
        "availability",
        scorecard.MetricDefinition("availability", old.aspect, old.better, stricter, False),
    )
    (result,) = rescore(saved_run)
    after = cards(saved_run)
    for scenario, card in after.items():
        old_values = {m["name"]: m["value"] for m in before[scenario]}
        new_values = {m["name"]: m["value"] for m in card}
        assert {k for k in old_values if old_values[k] != new_values[k]} <= {"availability"}
    import pandas as pd

    table = pd.read_parquet(saved_run / "metrics.parquet")
    for scenario, rows in table.groupby("scenario"):
        value = {m["name"]: m["value"] for m in after[scenario]}["availability"]
        assert value == ((rows["available"] > 0) & (rows["accepted"] > 0)).mean()
    monkeypatch.undo()
    rescore(saved_run)
    assert cards(saved_run) == before


def test_a_run_without_records_is_refused_and_nothing_is_rewritten(saved_run, tmp_path):
    import shutil

    copy = tmp_path / "old"
    shutil.copytree(saved_run, copy / "a")
    shutil.copytree(saved_run, copy / "b")
    shutil.rmtree(copy / "b" / "records")
    summary_a = (copy / "a" / "summary.json").read_bytes()
    with pytest.raises(FileNotFoundError, match="must be made again"):
        rescore(copy)
    assert (copy / "a" / "summary.json").read_bytes() == summary_a


def test_the_report_command_rescores(saved_run, capsys):
    assert report_main(["--rescore", str(saved_run)]) == 0
    out = capsys.readouterr().out
    assert "metric values recomputed, 0 changed" in out
    assert report_main(["--rescore", str(saved_run / "nowhere")]) == 2

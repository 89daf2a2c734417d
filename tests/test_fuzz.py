"""The config fuzzer (sim.fuzz) on a small seeded sample: every drawn configuration is refused
with one line naming its key or runs with verified ledgers and no NaN; the fuzzer's own checks
catch what they exist for.  benchmarks/fuzz_configs.py runs hundreds of draws."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from sim.fuzz import check, configurations, schema_fields
from tests.conftest import SMALL


@settings(
    max_examples=6,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@given(overrides=configurations(epochs=2, fields_per_draw=8))
def test_drawn_configurations_run_or_are_refused_in_one_line(overrides):
    with tempfile.TemporaryDirectory() as folder:
        outcome = check(overrides, Path(folder))
    assert outcome.status in ("ran", "refused"), (overrides, outcome.detail)


def test_the_schema_gives_every_section_and_adversary_a_strategy():
    fields = schema_fields()
    for key in (
        "population.builders",
        "learning.partition",
        "learning.batch_size",
        "validation.sample_size",
        "economy.governance_range",
        "faults.partition_start",
        "adversaries.sign_flippers",
        "adversaries.alie_z",
    ):
        assert key in fields, key
    assert len(fields) > 60


def test_a_refusal_names_its_key_in_one_line(tmp_path):
    outcome = check([*SMALL, "baseline=null", "economy.price_step=2.0"], tmp_path)
    assert outcome.status == "refused"
    assert outcome.detail.startswith("economy.price_step:") and "\n" not in outcome.detail


def test_a_run_that_breaks_its_ledger_is_a_finding(tmp_path, monkeypatch):
    """The check is not a formality: a run whose ledger file is tampered with fails it."""
    import sim.fuzz as fuzz

    real = fuzz.run_scenarios

    def tampered(configs, folder, progress=False):
        out = real(configs, folder, progress=progress)
        ledger = next((Path(folder) / "ledger").glob("*.jsonl"))
        lines = ledger.read_text().splitlines()
        lines[1] = lines[1].replace('"amount": [', '"amount": [7, ', 1)
        ledger.write_text("\n".join(lines) + "\n")
        return out

    monkeypatch.setattr(fuzz, "run_scenarios", tampered)
    outcome = check([*SMALL, "baseline=null", "epochs=2"], tmp_path)
    assert outcome.status == "failed" and outcome.detail.startswith("ledger:")


@pytest.mark.parametrize("column", ["test_accuracy", "supply"])
def test_nan_in_metrics_is_a_finding(tmp_path, monkeypatch, column):
    import pandas as pd

    import sim.fuzz as fuzz

    real = fuzz.run_scenarios

    def with_nan(configs, folder, progress=False):
        out = real(configs, folder, progress=progress)
        path = Path(folder) / "metrics.parquet"
        frame = pd.read_parquet(path)
        frame.loc[0, column] = float("nan")
        frame.to_parquet(path)
        return out

    monkeypatch.setattr(fuzz, "run_scenarios", with_nan)
    outcome = check([*SMALL, "baseline=null", "epochs=2"], tmp_path)
    assert outcome.status == "failed" and column in outcome.detail


# Findings of the fuzzer (benchmarks/fuzz_configs.py), kept as regression tests.


@pytest.mark.parametrize("key", ["test_fraction", "validation_fraction"])
def test_an_empty_test_or_validation_pool_is_refused_before_the_run(tmp_path, key):
    """learning.test_fraction=0 ran until the first accuracy divided by zero."""
    outcome = check([*SMALL, "baseline=null", f"learning.{key}=0.0"], tmp_path)
    assert outcome.status == "refused", outcome.detail
    assert outcome.detail.startswith(f"learning.{key}: 0.0 of learning.dataset=digits")


@pytest.mark.parametrize("endowment", ["population.endowment", "population.consumer_endowment"])
def test_participants_who_start_with_nothing_are_scored(tmp_path, endowment):
    """Both endowments at 0 made the median budget 0 and the entry-cost ratio divide by it
    (draws 86 and 216 of the first 300)."""
    overrides = [*SMALL, "baseline=null", "epochs=2", f"{endowment}=0.0"]
    if endowment == "population.endowment":
        overrides.append("population.consumer_endowment=0.0")
    else:  # consumers the majority, so that the median participant is one of them
        overrides.append("population.consumers=40")
    outcome = check(overrides, tmp_path)
    assert outcome.status == "ran", outcome.detail


def test_a_cabal_whose_members_all_left_the_strategy_is_reported(tmp_path):
    """Draw 44 of seed 1: with validators learning their strategy (regret matching), every cabal
    member had left the cabal by the end, and the report still looked up the cabal's entry to
    add its friend's reward."""
    finding = (
        "scenario=centralized consensus=central_authority incentive=numerai aggregation=fedavg "
        "market=reverse_auction access=registration_burn governance=token_vote "
        "adaptation=regret_matching faults.partition_length=1 population.newcomer_slots=2 "
        "adversaries.cabal=0.298442 learning.validation_fraction=0.601325 seed=598 epochs=3 "
        "baseline=null output.figures=false output.progress=false"
    )
    outcome = check(finding.split(), tmp_path)
    assert outcome.status == "ran", outcome.detail

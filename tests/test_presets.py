"""Experiment presets: every setting a preset makes reaches every scenario of its runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from omegaconf import OmegaConf

from sim.cli import CONFIG_DIR, SCENARIO_OWN_KEYS, first_job, preflight
from sim.composition import load_option

REPLICA_PRESETS = (
    "subnets",
    "incentive_compatibility",
    "incentive_compatibility_quick",
    "incentive_frontier",
)
PRESETS = sorted(p.stem for p in (Path(CONFIG_DIR) / "experiment").glob("*.yaml"))


def preset_first_job(name: str) -> list[str]:
    """The overrides of a preset's first job, as ``deai-sim -m experiment=NAME`` runs it."""
    preset = load_option(Path(CONFIG_DIR) / "experiment" / f"{name}.yaml")
    swept = OmegaConf.select(preset, "hydra.sweeper.params", default={}) or {}
    return first_job([f"experiment={name}", *(f"{k}={v}" for k, v in swept.items())])


def preset_settings(name: str) -> dict[str, object]:
    """Every leaf a preset sets, outside Hydra's own block, as dotted key → value."""
    preset = OmegaConf.to_container(load_option(Path(CONFIG_DIR) / "experiment" / f"{name}.yaml"))
    leaves = {}

    def walk(node, prefix):
        for key, value in node.items():
            if isinstance(value, dict):
                walk(value, f"{prefix}{key}.")
            else:
                leaves[f"{prefix}{key}"] = value

    walk({k: v for k, v in preset.items() if k not in ("defaults", "hydra")}, "")
    return leaves


def plain(node):
    return OmegaConf.to_container(node, resolve=True) if OmegaConf.is_config(node) else node


@pytest.mark.parametrize("name", PRESETS)
def test_preset_settings_reach_every_scenario(name):
    # Presets that run one scenario alone are checked beside the centralized baseline too: the
    # rule must not depend on whether a baseline happens to be configured.
    configs = preflight([*preset_first_job(name), "baseline=centralized"])
    # Most presets study the decentralized scenario; the replica's presets the replica subnet.
    expected = "bittensor_subnet" if name in REPLICA_PRESETS else "decentralized"
    assert set(configs) == {expected, "centralized"}
    chosen, baseline = configs[expected], configs["centralized"]
    shared = [key for key in chosen if key not in SCENARIO_OWN_KEYS]
    for key in shared:
        assert plain(chosen[key]) == plain(baseline[key]), key
    for key, value in preset_settings(name).items():
        if key.split(".")[0] in SCENARIO_OWN_KEYS:
            continue
        for scenario, cfg in configs.items():
            assert OmegaConf.select(cfg, key) == value, (scenario, key)


def test_resilience_preset_takes_the_platform_down(tmp_path):
    """The preset's outage start reaches the centralized baseline (it once stayed at −1)."""
    configs = preflight(preset_first_job("resilience"))
    assert configs["centralized"].faults.coordinator_outage_start == 10
    assert configs["decentralized"].faults.coordinator_outage_start == 10


def test_an_outage_takes_the_platform_down_for_exactly_its_length(compose, tmp_path):
    import pandas as pd

    from sim.run import run_scenarios

    overrides = (
        "epochs=8",
        "faults.offline_probability=0",
        "faults.coordinator_outage_start=2",
        "faults.coordinator_outage_length=3",
    )
    run_scenarios(compose(*overrides), tmp_path)
    table = pd.read_parquet(tmp_path / "metrics.parquet")
    available = {
        scenario: frame.sort_values("epoch")["available"].astype(int).tolist()
        for scenario, frame in table.groupby("scenario")
    }
    assert available["centralized"] == [1, 1, 0, 0, 0, 1, 1, 1]
    assert available["decentralized"] == [1] * 8
    frozen = table[table["scenario"] == "centralized"].sort_values("epoch")["test_accuracy"]
    assert frozen.iloc[1] == frozen.iloc[2] == frozen.iloc[3] == frozen.iloc[4]  # nothing learns


def test_participants_wait_out_an_outage_unless_told_not_to(compose, tmp_path):
    import pandas as pd

    from sim.run import run_scenarios

    overrides = (
        "epochs=12",
        "baseline=null",
        "scenario=centralized",
        "faults.offline_probability=0",
        "faults.coordinator_outage_start=2",
        "faults.coordinator_outage_length=6",  # longer than population.patience (5)
    )
    for wait in ("true", "false"):
        run_scenarios(compose(*overrides, f"population.wait_out_outages={wait}"), tmp_path / wait)
    waited = pd.read_parquet(tmp_path / "true" / "metrics.parquet").set_index("epoch")
    left = pd.read_parquet(tmp_path / "false" / "metrics.parquet").set_index("epoch")
    assert waited["available"].astype(int).tolist() == [1, 1] + [0] * 6 + [1] * 4
    assert waited.loc[2:8, "active_builder"].min() >= waited.loc[1, "active_builder"]  # none left
    # Counting the outage as losses: builders and consumers all leave after 5 epochs of it,
    # and the platform stays down after the coordinator is back.
    assert left.loc[7, "active_builder"] == 0 and left.loc[7, "active_consumer"] == 0
    assert left.loc[8:, "available"].sum() == 0

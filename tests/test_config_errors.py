"""Bad input stops the run before it starts: one line naming the key, exit status 2, no output."""

import subprocess
import sys
from pathlib import Path

import pytest

from sim.cli import main


@pytest.mark.parametrize(
    "override,expected",
    [
        ("epochz=5", "epochz: unknown key"),
        ("epochs=abc", "epochs: Value 'abc'"),
        ("epochs=-5", "epochs: must be ≥ 1, got -5"),
        (
            "faults.offline_probability=1.5",
            "faults.offline_probability: must be a fraction in [0, 1]",
        ),
        ("learning.test_fraction=-0.1", "learning.test_fraction: must be a fraction in [0, 1]"),
        (
            "consensus=foo",
            "consensus=foo: unknown consensus; choose one of: bft, central_authority,",
        ),
        (
            "scenario=foo",
            "scenario=foo: unknown scenario; choose one of: bittensor_subnet, centralized, decentralized",
        ),
        ("baseline=nowhere", "baseline: scenario=nowhere: unknown scenario"),
        ("consensus.threshold=1.5", "consensus.threshold: must lie in [0, 1], got 1.5"),
        ("consensus.kapa=0.3", "consensus.kapa: unknown key"),
        (
            "incentive.builder_share=0.9",
            "incentive.data_share: must make builder_share + validator_share + data_share = 1",
        ),
        (
            "scenario.topology=mesh",
            "scenario.topology: must be one of: star, random_regular, erdos_renyi, "
            "watts_strogatz; got 'mesh'",
        ),
        (
            "learning.partition=blocks",
            "learning.partition: must be one of: dirichlet, iid, shards, quantity_skew, natural; "
            "got 'blocks'",
        ),
        ("population.builders=0", "population.builders: must be ≥ 1, got 0"),
        ("consensus.threshold=high", "consensus.threshold: expected a number, got 'high'"),
        ("incentive.emission_per_epoch=lots", "incentive.emission_per_epoch: expected a number"),
        ("learning.data_path=x.npz", "learning.data_path: is read only with learning.dataset=npz"),
        ("learning.min_validation_records=0", "learning.min_validation_records: must be ≥ 1"),
        ("learning.batch_size=0", "learning.batch_size: must be ≥ 1, got 0"),
        ("validation.sample_size=0", "validation.sample_size: must be ≥ 1, got 0"),
        ("validation.moving_average_alpha=0", "validation.moving_average_alpha: must be in (0, 1]"),
        ("validation.sampel_size=4", "validation.sampel_size: unknown key"),
        ("output.ledger=some", "output.ledger: must be one of: full, summary; got 'some'"),
        (
            "faults.partition_start=30 faults.partition_length=2",
            "faults.partition_start: epoch 30 is after the last epoch (29)",
        ),
        (  # a key that moved says where to
            "economy.approval_tolerance=0.1",
            "economy.approval_tolerance: moved to scoring.tolerance",
        ),
        ("scoring=median", "scoring=median: unknown scoring; choose one of: absolute,"),
        ("scoring.tolerance=1.5", "scoring.tolerance: must lie in [0.0, 1.0], got 1.5"),
        (  # a group the defaults list lacks is added with a plus
            "consensus_variant=yuma3",
            "consensus_variant=yuma3: consensus_variant is not in the default config, so it "
            "cannot be overridden; add it with a plus: +consensus_variant=yuma3",
        ),
        (  # a sweep preset without -m was one plain run of its first settings
            "experiment=resilience",
            "experiment=resilience: a sweep (over faults.coordinator_outage_length, "
            "faults.offline_probability, seed); run it with -m: deai-sim -m experiment=resilience",
        ),
        (
            "experiment=sensitivity epochs=3",
            "experiment=sensitivity: a sweep (over incentive.emission_per_epoch, access.burn,",
        ),
    ],
)
def test_bad_config_gives_one_clear_line(override, expected, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(override.split()) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("deai-sim: error: ")
    assert expected in lines[0]
    assert "Traceback" not in captured.err and captured.out == ""
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_command_line_exit_status(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "sim", "epochs=-5"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.strip() == "deai-sim: error: epochs: must be ≥ 1, got -5"
    assert not (tmp_path / "outputs").exists()


def test_more_data_providers_than_the_data_allows(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["population.data_providers=2000"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("deai-sim: error: population.data_providers: 2000 providers")
    assert "use at most 580" in err
    assert list(tmp_path.iterdir()) == []


def test_launcher_without_its_plugin_names_the_extra(tmp_path, monkeypatch, capsys):
    import importlib.util

    real_find_spec = importlib.util.find_spec

    def without_ray(name, *args):
        return None if name == "hydra_plugins.hydra_ray_launcher" else real_find_spec(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", without_ray)
    monkeypatch.chdir(tmp_path)
    assert main(["-m", "hydra/launcher=ray_cluster", "seed=0,1"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        "deai-sim: error: hydra/launcher=ray_cluster: its Hydra plugin is not installed; "
        "pip install 'deai-sim[ray]' (or pip install -e '.[ray]' in a checkout)"
    )
    assert list(tmp_path.iterdir()) == []


def test_a_sweep_with_a_misspelt_key_stops_before_any_job(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["-m", "seed=0,1,2", "consensus=yuma,bft", "epochz=3"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("deai-sim: error: epochz: unknown key")
    assert list(tmp_path.iterdir()) == []  # no sweep folder, no job


def test_a_sweep_checks_its_first_job_with_each_swept_key_at_its_first_value():
    from sim.cli import first_job

    assert first_job(["-m", "seed=range(3,9)", "+x=a,b", "consensus=choice(yuma,bft)", "y=1"]) == [
        "seed=3",
        "+x=a",
        "consensus=yuma",
        "y=1",
    ]


def test_help_explains_the_main_keys_and_lists_every_group():
    from mechanisms import FAMILIES

    # In a process of its own: Hydra's --help exits and rewires logging on the way.
    done = subprocess.run(
        [sys.executable, "-m", "sim", "--help"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    text = done.stdout
    for key in ("seed=0", "epochs=30", "baseline=", "experiment=NAME", "adversaries.", "faults."):
        assert key in text
    for group in (*FAMILIES, "scenario", "experiment", "scale"):
        assert f"\n{group}: " in text, group
    # The main keys name every study preset, not only the group list at the end.
    configs = Path(__file__).resolve().parents[1] / "configs"
    presets = sorted(p.stem for p in (configs / "experiment").glob("*.yaml"))
    described = text.split("experiment=NAME", 1)[1].split("FAMILY=MEMBER", 1)[0]
    for preset in presets:
        if preset != "single":
            assert preset in described, preset


def test_a_design_presets_draws_are_all_checked_before_a_job_runs():
    from sim.cli import sweep_config, sweep_jobs
    from sim.design_arguments import make_discoverable

    make_discoverable()
    args = ["-m", "experiment=sensitivity"]
    jobs = sweep_jobs(args, sweep_config(args))
    assert len(jobs) == 32 * (6 + 2)  # Saltelli's scheme over six parameters, N = 32
    assert all(job[0] == "experiment=sensitivity" and len(job) == 7 for job in jobs)

"""The simulator from Python: sim.simulate returns the command line's numbers; docs/tutorial.md
runs as written."""

import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import sim
from sim.config import ConfigError
from tests.conftest import SMALL

ROOT = Path(__file__).resolve().parent.parent


def test_simulate_returns_the_command_lines_numbers(tmp_path):
    overrides = [*SMALL, "consensus=yuma3", "adversaries.free_riders=0.25", "seed=3"]
    cli_dir = tmp_path / "cli"
    done = subprocess.run(
        [sys.executable, "-m", "sim", *overrides, f"hydra.run.dir={cli_dir}"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    from_cli = sim.load(cli_dir)
    run = sim.simulate(overrides, run_dir=tmp_path / "api")
    pd.testing.assert_frame_equal(run.metrics, from_cli.metrics, check_exact=True)
    pd.testing.assert_frame_equal(run.scorecard, from_cli.scorecard, check_exact=True)
    assert list(run.metrics.scenario.unique()) == ["decentralized", "centralized"]
    assert set(run.scorecard.columns) >= {"scenario", "aspect", "name", "value", "better"}
    assert run.summary["seed"] == 3 and run.config["decentralized"]["consensus"]["version"]
    assert not (tmp_path / "api" / "figures").exists()  # figures only when asked


def test_seed_argument_and_bad_input(tmp_path):
    run = sim.simulate(SMALL, seed=1, run_dir=tmp_path / "a")
    same = sim.simulate([*SMALL, "seed=1"], run_dir=tmp_path / "b")
    pd.testing.assert_frame_equal(run.metrics, same.metrics, check_exact=True)
    with pytest.raises(
        ConfigError, match=r"adversaries.free_riders: must be a fraction in \[0, 1\]"
    ):
        sim.simulate([*SMALL, "adversaries.free_riders=1.5"], run_dir=tmp_path / "c")
    assert not (tmp_path / "c").exists()  # nothing ran, nothing written
    with pytest.raises(FileNotFoundError, match=r"a sweep of 2 runs, not one run: .* \(a, b\)"):
        sim.load(tmp_path)
    with pytest.raises(FileNotFoundError, match="holds no summary.json: not a finished run"):
        sim.load(tmp_path / "c-never-written")


def test_simulate_shows_its_signature_and_cleans_up_its_temporary_folder():
    import gc
    import inspect

    assert list(inspect.signature(sim.simulate).parameters) == [
        "overrides", "seed", "run_dir", "progress", "figures",
    ]  # fmt: skip
    run = sim.simulate(SMALL)
    folder = run.run_dir
    assert (folder / "summary.json").is_file() and len(run.metrics)
    del run
    gc.collect()
    assert not folder.exists()  # a temporary folder goes with its Run


def test_loading_a_comparison_table_says_what_it_is(tmp_path):
    from experiments.comparison import run_comparison

    run_comparison([*SMALL, "epochs=2"], seeds=2, epochs=2, out=tmp_path, progress=False)
    with pytest.raises(FileNotFoundError) as refused:
        sim.load(tmp_path)
    assert "is a comparison table (experiment=comparison_table), not one run" in str(refused.value)
    assert "seed-0, seed-1; load one of those" in str(refused.value)
    assert sim.load(tmp_path / "seed-1").summary["seed"] == 1


def test_the_tutorial_runs_as_written(tmp_path, monkeypatch):
    text = (ROOT / "docs" / "tutorial.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(blocks) >= 4
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, "docs/tutorial.md", "exec"), namespace)  # noqa: S102
    study = namespace["study"]
    assert len(study) == 2 * 5 * 2  # two mechanisms × five seeds × two scenarios
    assert (tmp_path / "consensus_study.png").stat().st_size > 10_000


def test_a_seed_given_twice_with_different_values_is_refused():
    """``sim.simulate(["seed=5"], seed=0)`` silently ran seed 0."""
    import sim
    from sim.config import ConfigError

    with pytest.raises(ConfigError, match="seed: given twice, seed=5 among the overrides"):
        sim.simulate(["seed=5"], seed=0)

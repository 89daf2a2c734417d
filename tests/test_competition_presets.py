"""``deai-sim experiment=platform_vs_networks`` and ``experiment=dtao`` run from the command line
and leave their report, figure and summary in the run folder."""

import json
import subprocess
import sys

from tests.conftest import SMALL


def run(tmp_path, *overrides):
    run_dir = tmp_path / "run"
    done = subprocess.run(
        [sys.executable, "-m", "sim", *overrides, "output.progress=false",
         f"hydra.run.dir={run_dir}"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return run_dir


def test_platform_vs_networks_runs_as_a_preset(tmp_path):
    run_dir = run(tmp_path, "experiment=platform_vs_networks", "experiment.seeds=1",
                  "epochs=3", *SMALL[1:])  # fmt: skip
    summary = json.loads((run_dir / "summary.json").read_text())
    shares = summary["network_share"]
    assert set(shares) == {"compute_provider", "data_provider", "builder", "consumer"}
    assert all(0 <= v <= 1 for v in shares.values())
    assert (run_dir / "platform_vs_networks.png").stat().st_size > 10_000
    assert "| this network |" in (run_dir / "platform_vs_networks.md").read_text()


def test_dtao_runs_as_a_preset(tmp_path):
    run_dir = run(tmp_path, "experiment=dtao", "experiment.seeds=1")
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["seeds"] == 1 and summary["price/hhi"] > 0 and summary["flow/hhi"] > 0
    assert "| price |" in (run_dir / "dtao.md").read_text()

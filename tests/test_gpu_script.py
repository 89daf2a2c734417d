"""benchmarks/gpu.py runs by the same code path on a CPU, at a tiny size, and records what ran."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_scale_benchmark_runs_on_the_cpu_at_a_tiny_size(tmp_path):
    env = {**os.environ, "BENCH_RESULTS": str(tmp_path), "JAX_PLATFORMS": "cpu"}
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "gpu.py"), "--scale", "tiny"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    (result,) = tmp_path.glob("gpu-*.json")
    recorded = json.loads(result.read_text())
    assert recorded["platform"] == "cpu" and recorded["scale"] == "tiny"
    (row,) = recorded["rows"]
    assert row["builders"] == 20 and row["participants"] == 98
    assert row["seconds_per_epoch"] > 0 and 0 < row["final_test_accuracy"] <= 1

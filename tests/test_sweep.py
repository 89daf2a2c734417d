"""Sweeps through Hydra's basic launcher: one table for the sweep, failed jobs recorded with their
error, and resume skipping finished jobs."""

import subprocess
import sys

import pandas as pd

from tests.conftest import SMALL


def sweep(tmp_path, *extra):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sim",
            "-m",
            "epochs=2,-1,3",
            "baseline=null",
            *SMALL[1:],
            f"hydra.sweep.dir={tmp_path / 'sweep'}",
            *extra,
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return done, pd.read_parquet(tmp_path / "sweep" / "sweep.parquet")


def test_failed_job_is_recorded_and_resume_reruns_only_what_is_missing(tmp_path):
    done, table = sweep(tmp_path)
    assert done.returncode != 0  # Hydra reports the failed job …
    status = table.groupby("job")["status"].first().to_dict()
    assert status == {"0": "completed", "1": "failed", "2": "completed"}  # … the others are intact
    assert "epochs: must be ≥ 1, got -1" in table.loc[table["job"] == "1", "error"].iloc[0]
    assert table[table["status"] == "completed"]["metric"].nunique() > 30
    finished = {
        job: (tmp_path / "sweep" / job / "summary.json").stat().st_mtime_ns for job in ("0", "2")
    }

    done, table = sweep(tmp_path, "resume=true")
    assert done.stdout.count(str(tmp_path / "sweep")) >= 2
    for job, stamp in finished.items():  # finished jobs were skipped, not recomputed
        assert (tmp_path / "sweep" / job / "summary.json").stat().st_mtime_ns == stamp
    assert table.groupby("job")["status"].first().to_dict()["1"] == "failed"  # retried, fails again


def launch(tmp_path, launcher_args):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sim",
            "-m",
            *launcher_args,
            "seed=0,1,2,3",
            "epochs=2",
            "baseline=null",
            *SMALL[1:],
            f"hydra.sweep.dir={tmp_path / 'sweep'}",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    table = pd.read_parquet(tmp_path / "sweep" / "sweep.parquet")
    assert sorted(table["job"].unique()) == ["0", "1", "2", "3"]
    assert set(table["status"]) == {"completed"}
    assert sorted(table["seed"].dropna().unique()) == [0, 1, 2, 3]
    return table


def test_joblib_launcher_produces_the_sweep_table(tmp_path):
    launch(tmp_path, ["hydra/launcher=joblib", "hydra.launcher.n_jobs=2"])


def test_submitit_local_launcher_produces_the_sweep_table(tmp_path):
    launch(tmp_path, ["hydra/launcher=submitit_local", "hydra.launcher.timeout_min=10"])

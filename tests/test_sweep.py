"""Sweeps through Hydra's launchers (basic, joblib, submitit_local, a local Ray cluster): one
table for the sweep, failed jobs recorded with their error, resume after a failure and after a
kill finishing only the missing jobs."""

import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import SMALL

# Job 1 passes every check before the sweep and fails when it runs: 5·10¹² tokens of emission
# per epoch overflow int64 micro-token units at the first mint.
EMISSIONS = "incentive.emission_per_epoch=20,5e12,30"


def sweep(tmp_path, *extra):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sim",
            "-m",
            EMISSIONS,
            "epochs=2",
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
    assert done.returncode == 1  # the sweep says how many jobs failed and which …
    said = done.stderr.split("deai-sim: ")[-1]
    assert said.startswith("1 of 3 jobs failed;") and str(tmp_path / "sweep") in said
    assert (
        "job 1 (incentive.emission_per_epoch=5000000000000.0 " in said and "TokenOverflow" in said
    )
    status = table.groupby("job")["status"].first().to_dict()
    assert status == {"0": "completed", "1": "failed", "2": "completed"}  # … the others are intact
    assert "TokenOverflow" in table.loc[table["job"] == "1", "error"].iloc[0]
    assert table[table["status"] == "completed"]["metric"].nunique() > 30
    from experiments.report import report

    written = report(tmp_path / "sweep").read_text()
    assert "From sweep.parquet: 2 completed, 1 failed." in written
    assert "| 1 | failed | `incentive.emission_per_epoch=5000000000000.0" in written
    finished = {
        job: (tmp_path / "sweep" / job / "summary.json").stat().st_mtime_ns for job in ("0", "2")
    }

    done, table = sweep(tmp_path, "resume=true")
    assert done.stdout.count(str(tmp_path / "sweep")) >= 2
    for job, stamp in finished.items():  # finished jobs were skipped, not recomputed
        assert (tmp_path / "sweep" / job / "summary.json").stat().st_mtime_ns == stamp
    assert table.groupby("job")["status"].first().to_dict()["1"] == "failed"  # retried, fails again


def seeds_sweep(tmp_path, *extra):
    return [
        sys.executable,
        "-m",
        "sim",
        "-m",
        *extra,
        "seed=0,1,2,3",
        "epochs=2",
        "baseline=null",
        *SMALL[1:],
        f"hydra.sweep.dir={tmp_path / 'sweep'}",
    ]


def launch(tmp_path, launcher_args, cores: set[int] | None = None):
    """Run the 4-job seeds sweep; ``cores`` pins the sweep's process (and its jobs) to them."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    # taskset, not preexec_fn: forking a process that runs JAX's threads can deadlock.
    pin = [] if cores is None else ["taskset", "-c", ",".join(map(str, sorted(cores)))]
    done = subprocess.run(
        [*pin, *seeds_sweep(tmp_path, *launcher_args)],
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
    return table, done.stdout


def same_results(table, other):
    """Two sweeps of the same jobs: the same value for every job, scenario and metric."""
    key = ["job", "scenario", "metric"]
    left = table.set_index(key)["value"].sort_index()
    right = other.set_index(key)["value"].sort_index()
    pd.testing.assert_series_equal(left, right)


def test_joblib_launcher_produces_the_sweep_table_again_from_compiled_programs(tmp_path):
    first, _ = launch(tmp_path, ["hydra/launcher=joblib", "hydra.launcher.n_jobs=2"])
    cache = tmp_path / "sweep" / ".jax_cache"
    assert len(list(cache.iterdir())) > 10  # the learners' programs, kept for later jobs
    # The same sweep again: every job now loads its programs from the cache, same numbers.
    again, _ = launch(tmp_path, ["hydra/launcher=joblib", "hydra.launcher.n_jobs=2"])
    same_results(first, again)


@pytest.mark.slow
def test_submitit_local_runs_at_most_one_job_per_core_at_once(tmp_path):
    # On one usable core the basic sweeper hands submitit 4 batches of one job each.
    _, stdout = launch(
        tmp_path, ["hydra/launcher=submitit_local", "hydra.launcher.timeout_min=10"], cores={0}
    )
    assert stdout.count("Submitit 'local' sweep output dir") == 4


def test_killed_sweep_resumes_with_only_the_missing_jobs(tmp_path):
    sweep_dir = tmp_path / "sweep"
    running = subprocess.Popen(
        seeds_sweep(tmp_path),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    # A job prints its folder when it has finished: kill the sweep on job 0's line.
    first_job = str(sweep_dir / "0")
    for line in running.stdout:
        if line.strip() == first_job:
            break
    else:
        pytest.fail("the sweep ended before job 0 reported its folder")
    os.killpg(running.pid, signal.SIGKILL)
    running.wait()
    finished = {
        job: (sweep_dir / job / "summary.json").stat().st_mtime_ns
        for job in "0123"
        if (sweep_dir / job / "summary.json").is_file()
    }
    assert "0" in finished and len(finished) < 4  # killed mid-way
    gather = subprocess.run([sys.executable, "-m", "sim.sweep", str(sweep_dir)], check=True)
    assert gather.returncode == 0
    status = pd.read_parquet(sweep_dir / "sweep.parquet").groupby("job")["status"].first()
    assert set(status[status == "completed"].index) == set(finished)
    assert set(status[status == "incomplete"].index) <= set("0123") - set(finished)

    done = subprocess.run(
        seeds_sweep(tmp_path, "resume=true"), cwd=tmp_path, capture_output=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-2000:]
    for job, stamp in finished.items():  # finished before the kill: skipped
        assert (sweep_dir / job / "summary.json").stat().st_mtime_ns == stamp
    for job in set("0123") - set(finished):  # the rest ran
        assert (sweep_dir / job / "summary.json").is_file()
    table = pd.read_parquet(sweep_dir / "sweep.parquet")
    assert table.groupby("job")["status"].first().to_dict() == dict.fromkeys("0123", "completed")


def free_port() -> int:
    """A port the OS says is free now; another process may still take it before Ray binds it,
    so the cluster fixture retries with a new one when the head reports the port taken."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_ray_head(port: int, temp_dir: str, log: Path) -> subprocess.Popen | None:
    """Start a blocking Ray head and wait for its 'Ray runtime started' line on its own output
    (no polling); None when it exits first.  Everything it prints is copied to ``log``."""
    head = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "ray"),
            "start",
            "--head",
            "--block",
            "--node-ip-address=127.0.0.1",
            f"--port={port}",
            "--num-cpus=2",
            "--object-store-memory=80000000",
            "--include-dashboard=false",
            "--disable-usage-stats",
            f"--temp-dir={temp_dir}",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    with log.open("a") as copy:
        for line in head.stdout:  # ends when the head exits
            copy.write(line)
            if "Ray runtime started" in line:
                # Keep draining its output, or a full pipe would stall the head.
                threading.Thread(target=_copy_rest, args=(head.stdout, log), daemon=True).start()
                return head
    head.wait()
    return None


def _copy_rest(stream, log: Path) -> None:
    with log.open("a") as copy:
        for line in stream:
            copy.write(line)


@pytest.fixture
def local_ray_cluster():
    """A Ray head on 127.0.0.1 for this test alone (own port, own temp folder), killed after."""
    # The test extra brings Ray, so a head that cannot start is a failure of this machine's
    # setup for the Ray launcher, reported with the head's own log (never skipped).
    assert importlib.util.find_spec("hydra_plugins.hydra_ray_launcher"), "pip install -e '.[test]'"
    # Short: Ray puts Unix sockets below it, whose paths may not exceed 107 characters.
    temp_dir = tempfile.mkdtemp(prefix="ray", dir="/tmp")
    log = Path(temp_dir) / "head.log"
    head = None
    for _ in range(3):  # a port taken between free_port() and Ray's bind: try another
        port = free_port()
        head = start_ray_head(port, temp_dir, log)
        if head is not None or "already in use" not in log.read_text():
            break
    if head is None:
        shutil.rmtree(temp_dir, ignore_errors=True)
        pytest.fail(f"a local Ray head could not start: {log.read_text()[-500:]}")
    try:
        yield f"127.0.0.1:{port}"
    finally:
        if head.poll() is None:
            os.killpg(head.pid, signal.SIGKILL)
        head.wait()
        shutil.rmtree(temp_dir, ignore_errors=True)


@pytest.mark.slow
def test_ray_cluster_sweep_produces_the_same_table_as_joblib(tmp_path, local_ray_cluster):
    on_ray, _ = launch(
        tmp_path / "ray",
        ["hydra/launcher=ray_cluster", f"hydra.launcher.ray.init.address={local_ray_cluster}"],
    )
    on_joblib, _ = launch(tmp_path / "joblib", ["hydra/launcher=joblib", "hydra.launcher.n_jobs=2"])
    same_results(on_ray, on_joblib)


@pytest.mark.parametrize("preset", ["robustness", "resilience", "incentives", "scaling"])
def test_sweep_presets_default_to_joblib_and_yield_to_the_command_line(preset):
    import hydra
    from hydra.core.global_hydra import GlobalHydra

    from sim.cli import CONFIG_DIR

    def launcher(*overrides):
        GlobalHydra.instance().clear()
        with hydra.initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
            cfg = hydra.compose("config", overrides=list(overrides), return_hydra_config=True)
        GlobalHydra.instance().clear()
        return cfg.hydra.launcher._target_.rsplit(".", 1)[1]

    assert launcher(f"experiment={preset}") == "JoblibLauncher"
    assert launcher(f"experiment={preset}", "hydra/launcher=basic") == "BasicLauncher"
    assert launcher(f"experiment={preset}", "hydra/launcher=submitit_local") == "LocalLauncher"
    assert launcher() == "BasicLauncher"  # a plain multirun keeps Hydra's default


@pytest.mark.parametrize(
    "args,threads",
    [
        (["-m", "seed=0,1"], None),  # basic: one job after another keeps every library's pool
        (["-m", "hydra/launcher=joblib", "hydra.launcher.n_jobs=2", "seed=0,1"], 4),  # 8 // 2
        (["-m", "hydra/launcher=joblib", "hydra.launcher.n_jobs=3", "seed=0,1"], 2),  # 8 // 3
        (["-m", "hydra/launcher=joblib", "hydra.launcher.n_jobs=-2", "seed=0,1"], 1),  # 7 jobs
        (["-m", "experiment=robustness"], 1),  # the preset's joblib, n_jobs=-1: 8 jobs
        (["-m", "hydra/launcher=submitit_local", "seed=0,1"], 1),  # 8 jobs at once
        (["-m", "hydra/launcher=submitit_slurm", "seed=0,1"], None),  # tasks own their CPUs
    ],
)
def test_sweeps_share_the_cores_among_the_jobs_running_at_once(args, threads, monkeypatch):
    from sim.cli import sweep_config, sweep_threads_per_job

    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(8)))  # an 8-core machine
    assert sweep_threads_per_job(sweep_config(args)) == threads


def test_thread_caps_leave_what_the_environment_already_says():
    from sim.launchers import cap_threads

    bare = {}
    cap_threads(bare, 1)
    assert bare == {
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
    }
    other_flags = {"XLA_FLAGS": "--xla_force_host_platform_device_count=4", "OMP_NUM_THREADS": "8"}
    cap_threads(other_flags, 4)
    assert other_flags["XLA_FLAGS"] == (
        "--xla_force_host_platform_device_count=4 "
        "--xla_cpu_multi_thread_eigen=true intra_op_parallelism_threads=4"
    )
    assert other_flags["OMP_NUM_THREADS"] == "8" and other_flags["MKL_NUM_THREADS"] == "4"
    own_pool = {"XLA_FLAGS": "--xla_cpu_multi_thread_eigen=true"}
    cap_threads(own_pool, 1)
    assert own_pool["XLA_FLAGS"] == "--xla_cpu_multi_thread_eigen=true"


def test_the_table_is_gathered_once_unless_a_job_failed(tmp_path):
    """O(n) reads for a sweep of n jobs: finished jobs only record themselves, and the table is
    gathered when the multirun ends, except after a failure (when Hydra skips that hook)."""
    from hydra.core.utils import JobReturn, JobStatus
    from hydra.types import RunMode
    from omegaconf import OmegaConf

    from sim.sweep import FAILED_MARK, JobRecords

    records = JobRecords()
    sweep_cfg = OmegaConf.create({"hydra": {"sweep": {"dir": str(tmp_path)}}})
    records.on_multirun_start(sweep_cfg)

    def end(job: str, error: Exception | None = None) -> None:
        outcome = JobReturn(overrides=[f"seed={job}"], working_dir=str(tmp_path / job))
        outcome.hydra_cfg = OmegaConf.create(
            {
                "hydra": {
                    "runtime": {"output_dir": str(tmp_path / job)},
                    "mode": RunMode.MULTIRUN,
                    # As a job resolves it: a default sweep folder named by ${now:…} can come out
                    # later than the folder the sweep created; the job folder less its subdir is
                    # the sweep folder whatever this says.
                    "sweep": {"dir": str(tmp_path / "re-resolved"), "subdir": job},
                }
            }
        )
        outcome.status = JobStatus.FAILED if error else JobStatus.COMPLETED
        outcome._return_value = error
        records.on_job_end(sweep_cfg, outcome)

    end("0")
    assert (tmp_path / "0" / "job.json").is_file() and not (tmp_path / "sweep.parquet").exists()
    end("1", ValueError("epochs: must be ≥ 1, got -1"))
    end("2")  # after a failure every job gathers: job 2 is in the table before any hook
    table = pd.read_parquet(tmp_path / "sweep.parquet")
    assert table.set_index("job")["status"].to_dict() == {
        "0": "completed",  # no summary.json here: a job row without metrics
        "1": "failed",
        "2": "completed",
    }
    records.on_multirun_start(sweep_cfg)  # a new multirun (resume) starts without the mark
    assert not (tmp_path / FAILED_MARK).exists()


def test_a_job_stopped_after_its_results_counts_as_completed(tmp_path):
    """Killed between summary.json and job.json: its results are whole (resume skips it), so the
    table has it completed; a job killed earlier is incomplete."""
    import json

    from omegaconf import OmegaConf

    from sim.sweep import gather

    for job in ("0", "1"):
        (tmp_path / job / ".hydra").mkdir(parents=True)
        OmegaConf.save(OmegaConf.create([f"seed={job}"]), tmp_path / job / ".hydra/overrides.yaml")
    card = {"decentralized": [{"aspect": 1, "name": "betweenness", "value": 0.03}]}
    (tmp_path / "0" / "summary.json").write_text(json.dumps({"seed": 0, "scorecard": card}))
    table = gather(tmp_path).set_index("job")
    assert table.loc["0", "status"] == "completed" and table.loc["0", "value"] == 0.03
    assert table.loc["1", "status"] == "incomplete" and table.loc["1", "overrides"] == "seed=1"


def test_every_job_of_a_grid_preset_is_checked_before_the_first_runs(tmp_path):
    """-m experiment=resilience epochs=10 used to run for minutes, then fail 27 of its 36 jobs
    (their outage starts at epoch 10): now it is refused at once, every bad job listed."""
    done = subprocess.run(
        [sys.executable, "-m", "sim", "-m", "experiment=resilience", "epochs=10",
         f"hydra.sweep.dir={tmp_path / 'sweep'}"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 2
    block = done.stderr.split("deai-sim: error: ")[1].splitlines()
    assert block[0] == "27 of 36 jobs would fail; no job was run:"
    assert block[1] == (
        "  #9 faults.coordinator_outage_length=2 faults.offline_probability=0.0 seed=0: "
        "faults.coordinator_outage_start: epoch 10 is after the last epoch (9) and would never "
        "happen; use at most 9 or raise epochs"
    )
    assert len(block) == 2 + 20 and block[-1] == "  … and 7 more"
    assert not (tmp_path / "sweep").exists()


def test_grid_jobs_combine_the_presets_params_with_the_command_line_which_wins():
    from sim.sweep_check import grid_jobs

    jobs = grid_jobs(["seed=7", "epochs=3,4"], {"seed": "0,1", "incentive": "a,b"})
    assert jobs == [
        ["seed=7", "incentive=a", "epochs=3"],
        ["seed=7", "incentive=a", "epochs=4"],
        ["seed=7", "incentive=b", "epochs=3"],
        ["seed=7", "incentive=b", "epochs=4"],
    ]


def test_jobs_that_share_a_composition_are_checked_with_their_own_values():
    """Plain values are set on one shared composition: each job still gets its own verdict,
    a misspelt key is named, and a group choice is composed on its own."""
    from sim.sweep_check import check_jobs

    jobs = [
        ["baseline=null", "epochs=3"],
        ["baseline=null", "epochs=0"],
        ["baseline=null", "adversaries.free_riders=2.0"],
        ["baseline=null", "adversaries.free_rider=0.1"],
        ["baseline=null", "incentive=shapely"],
        ["baseline=centralized", "population.builders=4"],
        ["baseline=null", "seed=2"],  # after bad values: they were put back
    ]
    failures = {number: error for number, _, error in check_jobs(jobs)}
    assert set(failures) == {1, 2, 3, 4}
    assert failures[1].startswith("epochs: must be ≥ 1")
    assert failures[2].startswith("adversaries.free_riders: must be a fraction")
    assert failures[3].startswith("adversaries.free_rider: unknown key")
    assert failures[4].startswith("incentive=shapely: unknown incentive")


def test_a_record_write_killed_half_way_leaves_the_previous_record_whole(tmp_path, monkeypatch):
    """A sweep killed while a job writes its job.json: the folder keeps a whole record (the
    old one here) that the gathering reads, never half of the new one."""
    from sim.sweep import job_record, write_record

    write_record(tmp_path, ["seed=1"], "failed", "RuntimeError: boom")
    real_write = Path.write_text

    def killed_half_way(path, text, *args, **kwargs):
        real_write(path, text[: len(text) // 2], *args, **kwargs)
        raise KeyboardInterrupt  # stands in for the SIGKILL

    monkeypatch.setattr(Path, "write_text", killed_half_way)
    with pytest.raises(KeyboardInterrupt):
        write_record(tmp_path, ["seed=1"], "completed", None)
    monkeypatch.undo()
    assert job_record(tmp_path) == {
        "job": tmp_path.name,
        "overrides": ["seed=1"],
        "status": "failed",
        "error": "RuntimeError: boom",
    }


def test_a_job_json_cut_short_counts_as_absent(tmp_path):
    """A half job.json (from a sweep killed mid-write before records were written whole):
    the job is judged by its folder instead, completed since its summary.json is whole."""
    from sim.sweep import RECORD, job_record

    (tmp_path / ".hydra").mkdir()
    (tmp_path / ".hydra" / "overrides.yaml").write_text("- seed=2\n")
    (tmp_path / "summary.json").write_text("{}\n")
    (tmp_path / RECORD).write_text('{"job": "0", "overr')
    assert job_record(tmp_path)["status"] == "completed"
    assert job_record(tmp_path)["overrides"] == ["seed=2"]

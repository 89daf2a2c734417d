"""Run and sweep folders from the command line: unique per run, named by the last line, kept
whole on Ctrl-C and after a failed sweep job."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim.ledger import verify_run
from tests.conftest import SMALL

COMMAND = [sys.executable, "-m", "sim"]
# As typed at a terminal, where Ctrl-C is live: a process inherits an ignored SIGINT from its
# parent (a test worker may be one), and Python then never raises KeyboardInterrupt.
AT_A_TERMINAL = [
    sys.executable,
    "-c",
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
    "os.execv(sys.executable, [sys.executable, '-m', 'sim', *sys.argv[1:]])",
]


def test_two_runs_started_at_once_write_two_folders_that_verify(tmp_path):
    runs = [
        subprocess.Popen(
            [*COMMAND, *SMALL, "epochs=2"],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    folders = []
    for run in runs:
        out, err = run.communicate(timeout=300)
        assert run.returncode == 0, err
        folders.append(Path(out.strip().splitlines()[-1]))
    assert folders[0] != folders[1]
    for folder in folders:
        assert folder.parent.parent == tmp_path / "outputs"
        assert all(result.ok for result in verify_run(folder)), folder
        log = (folder / "cli.log").read_text()  # the run's own log, not another run's
        assert log.count("final test accuracy") == 2 and f"outputs written to {folder}" in log


def test_ctrl_c_ends_with_one_line_naming_the_partial_run(tmp_path):
    run = subprocess.Popen(
        [*AT_A_TERMINAL, *SMALL, "epochs=500"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # The run logs its start once the economy (and its ledger) exists: interrupt it then.
    for line in run.stdout:
        if "participants at the start" in line:
            break
    else:
        pytest.fail("the run ended before it logged its start")
    ledgers = list(tmp_path.glob("outputs/*/*/ledger/*.jsonl"))
    run.send_signal(signal.SIGINT)
    out, err = run.communicate(timeout=120)
    folder = ledgers[0].parent.parent
    assert run.returncode == 130
    assert err.strip() == f"deai-sim: interrupted; the partial run is in {folder}"
    record = json.loads((folder / "job.json").read_text())
    assert record["status"] == "interrupted"
    assert not (folder / "summary.json").exists()  # a partial run never looks finished


def test_a_failed_job_in_a_default_sweep_folder_still_yields_the_table(tmp_path):
    done = subprocess.run(
        # 5·10¹² tokens per epoch passes every check and overflows int64 units at the first mint.
        [
            *COMMAND,
            "-m",
            "incentive.emission_per_epoch=20,5e12",
            "epochs=2",
            "baseline=null",
            *SMALL[1:],
        ],  # fmt: skip
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode != 0
    (sweep_dir,) = list(tmp_path.glob("multirun/*/*"))
    assert done.stdout.strip().splitlines()[-1] == str(sweep_dir)
    table = pd.read_parquet(sweep_dir / "sweep.parquet")
    assert table.groupby("job")["status"].first().to_dict() == {"0": "completed", "1": "failed"}


def test_a_sweep_ends_with_its_folder(tmp_path):
    done = subprocess.run(
        [*COMMAND, "-m", "seed=0,1", "epochs=1", "baseline=null", *SMALL[1:]],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    (sweep_dir,) = list(tmp_path.glob("multirun/*/*"))
    assert done.stdout.strip().splitlines()[-1] == str(sweep_dir)
    assert (sweep_dir / "sweep.parquet").is_file()


def test_an_interrupt_swallowed_where_it_was_raised_still_stops_the_run(monkeypatch):
    """A KeyboardInterrupt raised inside a finaliser is printed and dropped by Python; the
    recorded request stops the run at the next epoch all the same."""
    import signal

    from sim import interrupts

    monkeypatch.setattr(interrupts, "_requested", False)
    monkeypatch.setattr(signal, "getsignal", lambda _: signal.default_int_handler)
    installed = {}
    monkeypatch.setattr(signal, "signal", lambda sig, handler: installed.update({sig: handler}))
    interrupts.install()
    try:
        installed[signal.SIGINT](signal.SIGINT, None)
    except KeyboardInterrupt:
        pass  # swallowed, as in a finaliser
    with pytest.raises(KeyboardInterrupt):
        interrupts.check()

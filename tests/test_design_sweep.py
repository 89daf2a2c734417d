"""The design sweeper: a 16-job Latin hypercube through joblib, its tables, resume, and bad
ranges or keys stopped before any job starts."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments.report import main as report_main
from tests.conftest import SMALL

SPACE = ["+space.adversaries.free_riders=uniform(0,0.4)", "+space.consensus=choice(yuma,yuma3)"]


def deai_sim(*args, cwd):
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=900)  # fmt: skip


def design_sweep(sweep_dir, *extra, method="lhs", n=16):
    small = [a for a in SMALL if not a.startswith("epochs")]
    return deai_sim(
        "-m", "hydra/sweeper=design", f"hydra.sweeper.method={method}", f"hydra.sweeper.n={n}",
        "hydra/launcher=joblib", "hydra.launcher.n_jobs=2", *SPACE, *small, "epochs=2",
        "baseline=null", f"hydra.sweep.dir={sweep_dir}", *extra, cwd=sweep_dir.parent,
    )  # fmt: skip


def test_a_latin_hypercube_sweep_runs_through_joblib_and_resumes(tmp_path):
    sweep_dir = tmp_path / "sweep"
    done = design_sweep(sweep_dir)
    assert done.returncode == 0, done.stderr[-3000:]
    design = pd.read_parquet(sweep_dir / "design.parquet")
    assert len(design) == 16 and list(design["job"]) == list(range(16))
    strata = np.floor(design["adversaries.free_riders"] / 0.4 * 16).astype(int)
    assert sorted(strata) == list(range(16))  # one job per stratum
    assert sorted(design["consensus"].value_counts()) == [8, 8]
    table = pd.read_parquet(sweep_dir / "sweep.parquet")
    assert set(table["status"]) == {"completed"} and table["job"].nunique() == 16
    per_job = table.drop_duplicates("job").sort_values("job", key=lambda c: c.astype(int))
    np.testing.assert_allclose(
        per_job["adversaries.free_riders"], design["adversaries.free_riders"]
    )
    for _, row in per_job.iterrows():  # each job ran with its sampled values
        assert (
            f"adversaries.free_riders={round(row['adversaries.free_riders'], 10)!r}"
            in row["overrides"]
        )
        assert f"consensus={row['consensus']}" in row["overrides"]
    assert report_main([str(sweep_dir)]) == 0
    text = (sweep_dir / "sweep_report.md").read_text()
    assert "## Design: lhs, 16 jobs, 2 inputs" in text
    assert (sweep_dir / "figures" / "dependence_test_accuracy.png").stat().st_size > 10_000
    # As if killed before jobs 3 and 7 finished: resuming runs those two and no other.
    for job in (3, 7):
        (sweep_dir / str(job) / "summary.json").unlink()
    finished = {p: p.stat().st_mtime_ns for p in sweep_dir.glob("*/summary.json")}
    again = design_sweep(sweep_dir, "resume=true")
    assert again.returncode == 0, again.stderr[-3000:]
    now = {p: p.stat().st_mtime_ns for p in sweep_dir.glob("*/summary.json")}
    assert {p.parent.name for p in now.keys() - finished.keys()} == {"3", "7"}
    assert all(now[p] == t for p, t in finished.items())


def test_bad_ranges_and_keys_stop_the_sweep_before_any_job(tmp_path):
    malformed = deai_sim("-m", "hydra/sweeper=design", "+space.incentive.emission_per_epoch=uniform(5)",
                         f"hydra.sweep.dir={tmp_path / 'a'}", cwd=tmp_path)  # fmt: skip
    assert malformed.returncode == 2
    assert malformed.stderr.strip() == (
        "deai-sim: error: space.incentive.emission_per_epoch: uniform needs two numbers lo < hi, "
        "got 'uniform(5)'"
    )
    misspelt = deai_sim("-m", "hydra/sweeper=design", "+space.adversaries.free_rider=uniform(0,1)",
                        f"hydra.sweep.dir={tmp_path / 'b'}", cwd=tmp_path)  # fmt: skip
    assert misspelt.returncode == 2
    assert (
        "adversaries.free_rider" in misspelt.stderr
        and len(misspelt.stderr.strip().splitlines()) == 1
    )
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def search(sweep_dir, trials):
    small = [a for a in SMALL if not a.startswith("epochs")]
    return deai_sim(
        "-m", "hydra/sweeper=search", f"hydra.sweeper.n_trials={trials}",
        "hydra.sweeper.objectives=[test_accuracy:maximize,reward_nakamoto_accounts:maximize]",
        "hydra/launcher=joblib", "hydra.launcher.n_jobs=2", *SPACE, *small, "epochs=2",
        "baseline=null", f"hydra.sweep.dir={sweep_dir}", cwd=sweep_dir.parent,
    )  # fmt: skip


@pytest.mark.slow
def test_a_two_objective_search_resumes_to_twelve_trials_and_keeps_its_front(tmp_path):
    import optuna

    sweep_dir = tmp_path / "search"
    done = search(sweep_dir, 6)
    assert done.returncode == 0, done.stderr[-3000:]
    first = pd.read_parquet(sweep_dir / "trials.parquet")
    assert len(first) == 6 and set(first["state"]) == {"COMPLETE"}
    # A killed sweep leaves a trial running: the resumed search marks it failed and goes on.
    study = optuna.load_study(study_name="deai-sim", storage=f"sqlite:///{sweep_dir / 'optuna.db'}")
    study.ask()
    again = search(sweep_dir, 12)
    assert again.returncode == 0, again.stderr[-3000:]
    trials = pd.read_parquet(sweep_dir / "trials.parquet")
    assert len(trials) == 12 and (trials["state"] == "FAIL").sum() == 1
    kept = trials.set_index("job").loc[first["job"]]
    pd.testing.assert_frame_equal(kept.reset_index()[first.columns], first)  # resumed, not redone
    complete = trials[trials["state"] == "COMPLETE"]
    objectives = ["test_accuracy", "reward_nakamoto_accounts"]
    front = pd.read_parquet(sweep_dir / "pareto.parquet")[objectives].to_numpy()
    for point in front:  # nothing completed dominates a front point
        others = complete[objectives].to_numpy()
        assert not ((others >= point).all(axis=1) & (others > point).any(axis=1)).any()
    table = pd.read_parquet(sweep_dir / "sweep.parquet")
    assert {"adversaries.free_riders", "consensus", "test_accuracy"} <= set(table.columns)
    assert report_main([str(sweep_dir)]) == 0
    assert "on the front" in (sweep_dir / "sweep_report.md").read_text()
    assert (sweep_dir / "figures" / "pareto.png").stat().st_size > 10_000


@pytest.mark.parametrize(
    "method,n,jobs,columns",
    [pytest.param("sobol", 4, 16, {"S1", "S1_conf", "ST", "ST_conf"}, marks=pytest.mark.slow),
     ("morris", 4, 12, {"mu_star", "mu_star_conf", "sigma"})],
)  # fmt: skip
def test_sobol_and_morris_sweeps_report_their_indices(tmp_path, method, n, jobs, columns):
    sweep_dir = tmp_path / method
    done = design_sweep(sweep_dir, method=method, n=n)
    assert done.returncode == 0, done.stderr[-3000:]
    assert len(pd.read_parquet(sweep_dir / "design.parquet")) == jobs
    assert report_main([str(sweep_dir)]) == 0
    indices = pd.read_csv(sweep_dir / "sensitivity_test_accuracy.csv", index_col=0)
    assert list(indices.index) == ["adversaries.free_riders", "consensus"]
    assert columns <= set(indices.columns)
    assert (sweep_dir / "figures" / "sensitivity_test_accuracy.png").stat().st_size > 10_000
    if method == "sobol":
        check_the_doc_block(sweep_dir, tmp_path / "docs", indices)


def check_the_doc_block(sweep_dir, docs, indices):
    """--doc writes the design's numbers into a doc's generated block, the text around it
    kept, and its figures and indices into the folder named after the doc."""
    from experiments.doc_blocks import BEGIN, END, block

    docs.mkdir()
    doc = docs / "study.md"
    doc.write_text(f"# Study\n{BEGIN} by x -->\nstale\n{END}\nWhat it means.\n")
    assert report_main([str(sweep_dir), "--doc", str(doc)]) == 0
    text = doc.read_text()
    assert text.startswith(f"# Study\n{BEGIN} by x -->\n") and text.endswith(
        f"{END}\nWhat it means.\n"
    )
    written = block(doc)
    assert "stale" not in written and written.startswith(
        "\n16 jobs: a sobol design (N = 4, seed 0)"
    )
    assert "| adversaries.free_riders | uniform(0,0.4) |" in written
    for name, row in indices.iterrows():  # the indices as the study computed them
        cells = f"| {name} | {row.S1:.2f} ± {row.S1_conf:.2f} | {row.ST:.2f} ± {row.ST_conf:.2f} |"
        assert cells in written
    assert (docs / "study" / "sensitivity_test_accuracy.csv").is_file()
    assert (docs / "study" / "sensitivity_test_accuracy.png").is_file()
    from experiments.design_report import doc_lines

    assert written.strip() == "\n".join(doc_lines(docs / "study")).strip()


def test_the_sensitivity_doc_quotes_what_its_study_wrote():
    """docs/sensitivity.md's block is what the study's kept files (docs/sensitivity/: the
    design, every job's outputs, the indices) give; rerunning the 2,048 jobs is the study's
    command, not a test's."""
    from experiments.design_report import doc_lines
    from experiments.doc_blocks import block

    docs = Path(__file__).resolve().parents[1] / "docs"
    assert (
        block(docs / "sensitivity.md").strip() == "\n".join(doc_lines(docs / "sensitivity")).strip()
    )
    outputs = pd.read_parquet(docs / "sensitivity" / "design_outputs.parquet")
    assert len(outputs) == 256 * (6 + 2) and outputs["test_accuracy"].notna().all()


def test_every_draw_of_a_design_and_the_ends_of_a_searchs_ranges_are_checked_first(tmp_path):
    """A design whose ranges reach invalid values used to run, fail some jobs and exit 0."""
    small = [a for a in SMALL if not a.startswith("epochs")]
    design = deai_sim("-m", "hydra/sweeper=design", "hydra.sweeper.n=4",
                      "+space.adversaries.free_riders=uniform(0,1.5)", *small, "epochs=2",
                      "baseline=null", f"hydra.sweep.dir={tmp_path / 'a'}", cwd=tmp_path)  # fmt: skip
    assert design.returncode == 2
    block = design.stderr.split("deai-sim: error: ")[1].splitlines()
    assert block[0] == "2 of 4 jobs would fail; no job was run:"
    assert all(": adversaries.free_riders: must be a fraction in [0, 1]" in b for b in block[1:])
    assert len(block) == 3
    search = deai_sim("-m", "hydra/sweeper=search", "hydra.sweeper.n_trials=4",
                      "+space.adversaries.free_riders=uniform(0,1.5)", *small, "epochs=2",
                      "baseline=null", f"hydra.sweep.dir={tmp_path / 'b'}", cwd=tmp_path)  # fmt: skip
    assert search.returncode == 2
    assert "1 of 2 range-end checks would fail" in search.stderr
    assert "#1 adversaries.free_riders=1.5: adversaries.free_riders: must be" in search.stderr
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_a_design_with_failed_jobs_exits_non_zero_and_names_them(tmp_path):
    """Emission past what int64 micro-token units hold passes the checks and fails when the
    job mints it; the sweep used to exit 0 with only a hidden mark."""
    small = [a for a in SMALL if not a.startswith("epochs")]
    done = deai_sim("-m", "hydra/sweeper=design", "hydra.sweeper.n=2",
                    "+space.incentive.emission_per_epoch=uniform(5e12,9e12)", *small, "epochs=2",
                    "baseline=null", "hydra/launcher=basic", f"hydra.sweep.dir={tmp_path / 's'}",
                    cwd=tmp_path)  # fmt: skip
    assert done.returncode == 1
    said = done.stderr.split("deai-sim: ")[-1].splitlines()
    assert said[0].startswith("2 of 2 jobs failed;") and str(tmp_path / "s") in said[0]
    assert said[1].startswith("  job 0 (") and "TokenOverflow" in said[1]
    assert done.stdout.strip().splitlines()[-1] == str(tmp_path / "s")


def test_a_search_objective_may_be_a_columns_long_run_mean(tmp_path):
    """``COLUMN@long_run``: the mean of the last quarter of the epochs (12 epochs: the last 3),
    where the plain name reads the last epoch."""
    import json

    from sim.sweep import job_value

    (tmp_path / "summary.json").write_text(json.dumps({"scorecard": {"s": []}}))
    pd.DataFrame(
        {"scenario": "s", "epoch": np.arange(12)[::-1], "honest_share": np.arange(12)[::-1] / 10}
    ).to_parquet(tmp_path / "metrics.parquet")
    assert job_value(tmp_path, "honest_share", "s") == pytest.approx(1.1)
    assert job_value(tmp_path, "honest_share@long_run", "s") == pytest.approx(1.0)
    with pytest.raises(KeyError, match="typo@long_run: neither"):
        job_value(tmp_path, "typo@long_run", "s")

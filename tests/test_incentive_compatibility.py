"""The incentive-compatibility report: long-run shares over the last quarter, settling drift,
Holm-adjusted verdicts only where the interval allows one, robustness lines, and the doc that is
what its command produces."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from experiments import doc_blocks
from experiments.incentive_compatibility import (
    _drift,
    difference_p_value,
    main,
    read_runs,
    report_lines,
    summarise,
)

DOC = Path(__file__).parents[1] / "docs" / "incentive_compatibility.md"
LONG_RUN = DOC.parent / "incentive_compatibility" / "long_run.csv"


def fake_job(folder, seed, cell, builder_honest, validator_honest, consensus="yuma3", epochs=12):
    """A job whose honest shares are 0.5 for the first 9 epochs and then the given values (the
    last quarter: epochs 9–11)."""
    folder.mkdir(parents=True)
    (folder / ".hydra").mkdir()
    (folder / ".hydra" / "overrides.yaml").write_text(
        f"- +consensus_variant={consensus}\n- incentive=bittensor_chain\n- +ic_variant={cell}\n"
        f"- seed={seed}\n"
    )
    summary = {"seed": seed, "stalls": {"bittensor_subnet": []}, "seconds": {"x": 1.5}}
    (folder / "summary.json").write_text(json.dumps(summary))
    epoch = np.arange(epochs)
    builder = np.where(epoch < 9, 0.5, builder_honest)
    validator = np.where(epoch < 9, 0.5, validator_honest)
    pd.DataFrame(
        {
            "scenario": "bittensor_subnet",
            "epoch": epoch,
            "share_builder_honest": builder,
            "share_builder_free_rider": (1 - builder) / 4,
            "share_builder_model_copier": 3 * (1 - builder) / 4,
            "share_validator_honest": validator,
            "share_validator_weight_copier": 1 - validator,
            "honest_share": builder,
        }
    ).to_parquet(folder / "metrics.parquet")


def test_the_verdicts_test_is_scipys_paired_t_test():
    honest = np.array([0.62, 0.71, 0.55, 0.8, 0.66])
    other = np.array([0.2, 0.1, 0.3, 0.05, 0.2])
    expected = stats.ttest_rel(honest, other).pvalue
    assert difference_p_value(honest - other) == pytest.approx(expected)
    assert difference_p_value([0.5, 0.5, 0.5]) == 0.0  # every seed agrees: t is infinite
    assert np.isnan(difference_p_value([0.0, 0.0]))
    assert np.isnan(difference_p_value([0.9]))


def test_drift_is_the_least_squares_change_over_the_span():
    assert _drift([0.2, 0.3, 0.4, 0.5]) == pytest.approx(0.3)
    assert _drift([0.4, 0.6, 0.4, 0.6]) == pytest.approx(0.12)  # slope 0.04 over 3 steps
    assert np.isnan(_drift([0.5]))


def test_verdicts_need_the_holm_adjusted_test_and_robustness_lines_name_the_flips(tmp_path):
    """Base cell: miners' honest share 0.88 in every seed against the model copiers' 0.09
    (p = 0: honesty pays); validators' 0.2, 0.3, 0.4 against the weight copiers' 0.8, 0.7, 0.6
    (differences −0.6, −0.4, −0.2: t = −3.46, p = 0.074, open).  Imitation cell: miners'
    0.1, 0.15, 0.2 against the model copiers' 0.675, 0.6375, 0.6 (t = −9.65, p = 0.011; Holm
    over the four finite tests, second smallest: 3 · p = 0.032 < 0.05: cheating pays).  Its
    validators: 0.3, 0.35, 0.4 against 0.7, 0.65, 0.6 (t = −5.20, p = 0.035 < 0.05 unadjusted,
    but third smallest: 2 · p = 0.070, open)."""
    for seed in range(3):
        fake_job(tmp_path / f"b{seed}", seed, "base", 0.88, [0.2, 0.3, 0.4][seed])
        fake_job(tmp_path / f"i{seed}", seed, "imitation", [0.1, 0.15, 0.2][seed], 0.3 + seed / 20)
    assert main([str(tmp_path)]) == 0
    text = (tmp_path / "incentive_compatibility.md").read_text()
    summary = pd.read_parquet(tmp_path / "incentive_compatibility.parquet").set_index(
        ["cell", "role"]
    )
    honest, copiers = np.array([0.1, 0.15, 0.2]), 3 * (1 - np.array([0.1, 0.15, 0.2])) / 4
    p = stats.ttest_rel(honest, copiers).pvalue
    assert summary.loc[("imitation", "builder"), "p"] == pytest.approx(p)
    assert summary.loc[("imitation", "builder"), "p_holm"] == pytest.approx(3 * p)
    assert summary["p"].notna().sum() == 4
    assert summary.loc[("base", "builder"), "verdict"] == "honest"
    assert summary.loc[("base", "validator"), "verdict"] == "open"
    assert summary.loc[("imitation", "builder"), "verdict"] == "cheating"
    assert summary.loc[("imitation", "builder"), "lead"] == "model_copier"
    assert summary.loc[("imitation", "validator"), "p"] < 0.05
    assert summary.loc[("imitation", "validator"), "verdict"] == "open"
    ci = stats.t.ppf(0.975, 2) * 0.0375 / np.sqrt(3)
    assert f"cheating pays: model copiers 0.64 ± {ci:.2f} vs honest 0.15 ± 0.12" in text
    assert (
        "| yuma3 | bittensor_chain | honesty pays: honest 0.88 ± 0.00 vs model copiers 0.09 ± "
        "0.00 | honest at base; flips: imitation → cheating (cells not run: regret_matching"
    ) in text
    assert "open: honest 0.30 ± 0.25 vs weight copiers 0.70 ± 0.25 | open in every cell" in text
    assert (tmp_path / "figures" / "strategy_trajectories.png").is_file()


def test_a_folder_without_runs_is_one_line(tmp_path, capsys):
    assert main([str(tmp_path)]) == 2
    assert "no run" in capsys.readouterr().err


def test_the_doc_gets_the_generated_block_and_its_runs_table_and_keeps_its_prose(tmp_path):
    from experiments.incentive_compatibility import BEGIN_GENERATED

    for seed in range(2):
        fake_job(tmp_path / "runs" / f"a{seed}", seed, "base", 0.9, 0.8)
    doc = tmp_path / "doc.md"
    doc.write_text(f"intro\n{BEGIN_GENERATED} x` -->\nstale\n{doc_blocks.END}\nprose\n")
    assert main([str(tmp_path / "runs"), "--doc", str(doc)]) == 0
    text = doc.read_text()
    assert text.startswith(f"intro\n{BEGIN_GENERATED} x` -->\n")
    assert text.endswith(f"{doc_blocks.END}\nprose\n") and "stale" not in text
    runs = read_runs(tmp_path / "doc" / "long_run.csv")
    assert len(runs) == 2 and (tmp_path / "doc" / "trajectories.png").is_file()
    assert doc_blocks.block(doc).strip() == "\n".join(report_lines(runs)[2:]).strip()
    bare = tmp_path / "bare.md"
    bare.write_text("no block\n")
    assert main([str(tmp_path / "runs"), "--doc", str(bare)]) == 2
    assert bare.read_text() == "no block\n"


def test_the_docs_tables_are_what_the_report_makes_of_its_runs():
    """docs/incentive_compatibility.md's generated block against the report rebuilt from the
    study's own per-run table beside it."""
    runs = read_runs(LONG_RUN)
    assert doc_blocks.block(DOC).strip() == "\n".join(report_lines(runs)[2:]).strip()
    assert summarise(runs)["seeds"].min() >= 10


def test_one_job_of_the_study_reruns_to_its_row(tmp_path):
    """Seed 0 of the base cell under Yuma 3 with liquid alpha and the chain's emission, rerun
    now, gives the long-run shares the doc's table holds for it: any change that moves the
    study's numbers fails here until the study is rerun (the commands are in the doc)."""
    import subprocess
    import sys

    from experiments.incentive_compatibility import KEYS, load, long_run

    job = {"consensus": "yuma3_liquid_alpha", "incentive": "bittensor_chain", "cell": "base"}
    subprocess.run(
        [sys.executable, "-m", "sim", "-m", "experiment=incentive_compatibility",
         f"+consensus_variant={job['consensus']}", f"incentive={job['incentive']}",
         f"+ic_variant={job['cell']}", "seed=0", "hydra/launcher=basic",
         "output.progress=false", f"hydra.sweep.dir={tmp_path}"],
        check=True, capture_output=True,
    )  # fmt: skip
    rerun = long_run(load(tmp_path)).iloc[0]
    runs = read_runs(LONG_RUN)
    row = runs[(runs[KEYS] == pd.Series(job)).all(axis=1) & (runs["seed"] == 0)].iloc[0]
    shares = [c for c in rerun.index if c.startswith(("share_", "drift_"))]
    np.testing.assert_allclose(rerun[shares].astype(float), row[shares].astype(float), rtol=1e-5)


def test_the_docs_prose_quotes_its_tables():
    """The numbers the prose after the generated block quotes, recomputed from the study's
    per-run table: a rerun that moves them fails here until the prose is rewritten."""
    summary = summarise(read_runs(LONG_RUN))
    text = " ".join(DOC.read_text().split())  # the prose wraps lines

    def span(values) -> str:
        return f"{values.min():.2f}–{values.max():.2f}"

    def cells(role, **where):
        part = summary[summary["role"] == role]
        for key, value in where.items():
            part = part[part[key].isin(value if isinstance(value, list) else [value])]
        return part

    miners = cells("builder")
    assert (miners["verdict"] == "honest").sum() == 0 and "honest play out-shares" in text
    assert f"cheating pays in {(miners['verdict'] == 'cheating').sum()} and the other" in text
    base_chain = cells("builder", cell="base", incentive="bittensor_chain")
    base_proportional = cells("builder", cell="base", incentive="proportional")
    assert (cells("builder", cell="base")["lead"] == "model_copier").all()
    assert (
        f"(its share {span(base_chain['model_copier'])} with the chain's emission, "
        f"{span(base_proportional['model_copier'])} with proportional emission)"
    ) in text
    scored = cells("builder", cell=["absolute", "winner_take_all"], incentive="proportional")
    assert (scored["lead"] == "free_rider").all()
    assert f"emission is proportional ({span(scored['free_rider'])})" in text
    wta = cells("builder", cell="winner_take_all", incentive="bittensor_chain")
    assert f"copiers' share to {span(wta['model_copier'])}" in text
    assert f"not to honest miners ({span(wta['honest'])})" in text
    large = cells("builder", cell="uids256", incentive="bittensor_chain")
    assert (large["verdict"] == "cheating").all()
    assert f"(copiers {span(large['model_copier'])})" in text
    assert f"stays at or below {np.ceil(miners['uid_hoarder'].max() * 100) / 100:.2f}" in text
    hedge = ["base", "uids64", "uids256", "absolute", "winner_take_all"]
    validators = cells("validator", cell=hedge)
    assert (validators["verdict"] == "honest").all() and len(validators) == 40
    assert f"honest share {span(validators['honest'])})" in text
    assert f"weight copying the leading alternative ({span(validators['weight_copier'])})" in text
    assert f"lazy scoring {span(validators['lazy_validator'])} and the cabal" in text
    assert f"the cabal holds {span(validators['cabal'])} under Hedge" in text
    loyal = cells("nominator", cell=hedge + ["imitation"])
    assert (loyal["verdict"] == "honest").all()
    assert f"loyal share {span(cells('nominator', cell=hedge)['honest'])}" in text
    runs = read_runs(LONG_RUN)
    size = runs["cell"].map({"uids64": 64, "uids256": 256}).fillna(32)
    factorial = runs.groupby(size)["seconds"].mean().sum() * 720 / 2  # 72 cells × 10 seeds each
    hours, minutes = divmod(round(factorial / 60), 60)
    assert f"about {hours} h {minutes} min of running on 2 cores" in text
    assert f"the jobs' own times add up to {runs['seconds'].sum() / 60:.0f} min" in text
    settled = int((summary["drift"].abs() <= 0.1).sum())
    assert f"in {settled} of the {len(summary)} cell × role rows" in text


def test_a_run_whose_role_emptied_is_named_not_dropped_silently(tmp_path):
    """Three seeds; in one the validators are all gone over the last quarter (no share): the
    verdict rests on the other two and says that one run had no active validators."""
    for seed in range(3):
        fake_job(tmp_path / f"b{seed}", seed, "base", 0.88, [0.8, 0.8, np.nan][seed])
    assert main([str(tmp_path)]) == 0
    text = (tmp_path / "incentive_compatibility.md").read_text()
    assert "(1 of 3 runs had no active validators)" in text

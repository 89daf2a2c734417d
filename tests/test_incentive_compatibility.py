"""The incentive-compatibility report reads a sweep's strategy shares and says which pays."""

import json

import numpy as np
import pandas as pd

from experiments.incentive_compatibility import main, verdict


def fake_job(folder, seed, consensus, builder_honest, epochs=12, stalls=()):
    folder.mkdir(parents=True)
    (folder / ".hydra").mkdir()
    (folder / ".hydra" / "overrides.yaml").write_text(
        f"- +consensus_variant={consensus}\n- incentive=proportional\n- adaptation=imitation\n"
        f"- seed={seed}\n"
    )
    summary = {"seed": seed, "stalls": {"decentralized": list(stalls)}}
    (folder / "summary.json").write_text(json.dumps(summary))
    epoch = np.arange(epochs)
    honest = np.where(epoch < 2, 0.5, builder_honest)  # the first epochs fall outside the window
    pd.DataFrame(
        {
            "scenario": "decentralized",
            "epoch": epoch,
            "share_builder_honest": honest,
            "share_builder_free_rider": 1 - honest,
            "share_validator_honest": 0.4,
            "share_validator_weight_copier": 0.6,
            "honest_share": honest,
        }
    ).to_parquet(folder / "metrics.parquet")


def test_report_tabulates_long_run_shares_with_intervals_and_verdicts(tmp_path):
    for seed in range(3):
        fake_job(tmp_path / f"a{seed}", seed, "yuma", 0.9)
        fake_job(tmp_path / f"b{seed}", seed, "stake_majority", [0.1, 0.2, 0.3][seed])
    assert main([str(tmp_path)]) == 0
    text = (tmp_path / "incentive_compatibility.md").read_text()
    assert (
        "| yuma | proportional | imitation | 0.90 ± 0.00 | 0.10 ± 0.00 | honesty pays: honest 0.90 ± 0.00 |"
        in text
    )
    # Free-rider shares 0.9, 0.8, 0.7: mean 0.8, t(2) = 4.303, s = 0.1, CI 4.303 · 0.1 / √3 = 0.25
    assert "free riding pays: free riders 0.80 ± 0.25" in text
    assert "copying leads" not in text and "copying pays: weight copiers 0.60 ± 0.00" in text
    assert (tmp_path / "figures" / "strategy_trajectories.png").is_file()


def test_verdicts_need_the_interval_above_one_half():
    assert verdict("validator", {"honest": (0.3, 0.1), "weight_copier": (0.7, 0.1)}) == (
        "copying pays: weight copiers 0.70 ± 0.10"
    )
    assert verdict("validator", {"honest": (0.3, 0.1), "weight_copier": (0.7, 0.3)}) == (
        "copying leads: weight copiers 0.70 ± 0.30"
    )
    assert verdict("builder", {"honest": (0.45, 0.1), "free_rider": (0.4, 0.1)}).startswith("mixed")


def test_a_folder_without_runs_is_one_line(tmp_path, capsys):
    assert main([str(tmp_path)]) == 2
    assert "no run" in capsys.readouterr().err


def _stall(start, end, causes):
    return {"start": start, "end": end, "causes": causes, "accuracy": [0.8, 0.8]}


def test_report_shows_each_runs_stalls(tmp_path):
    unsold = "no compute was sold"
    fake_job(tmp_path / "a0", 0, "yuma", 0.1, stalls=[_stall(4, 11, {unsold: 8})])
    fake_job(tmp_path / "a1", 1, "yuma", 0.1)
    fake_job(
        tmp_path / "a2",
        2,
        "yuma",
        0.1,
        stalls=[_stall(3, 7, {unsold: 5}), _stall(9, 11, {"nothing": 1, unsold: 2})],
    )
    assert main([str(tmp_path)]) == 0
    stalls = (tmp_path / "incentive_compatibility.md").read_text().split("## Stalls")[1]
    # 8 + 0 + (5 + 3) stalled epochs over 3 runs; 15 of 16 stalled epochs sold no compute.
    assert "| yuma | proportional | imitation | 2 of 3 | 4, –, 3 | 5.3 | no compute was sold |" in (
        stalls
    )


def test_the_doc_gets_the_generated_block_and_keeps_its_prose(tmp_path):
    from experiments.incentive_compatibility import BEGIN_GENERATED, END_GENERATED

    for seed in range(2):
        fake_job(tmp_path / "runs" / f"a{seed}", seed, "yuma", 0.9)
    doc = tmp_path / "doc.md"
    doc.write_text(f"intro\n{BEGIN_GENERATED} x` -->\nstale table\n{END_GENERATED}\nprose\n")
    assert main([str(tmp_path / "runs"), "--doc", str(doc)]) == 0
    text = doc.read_text()
    assert text.startswith(f"intro\n{BEGIN_GENERATED} x` -->\n") and text.endswith(
        f"{END_GENERATED}\nprose\n"
    )
    assert "stale table" not in text
    assert "| yuma | proportional | imitation | 0.90 ± 0.00 | 0.10 ± 0.00 |" in text
    assert (tmp_path / "figures" / "doc_trajectories.png").is_file()
    # A doc without a block is refused before anything is written.
    bare = tmp_path / "bare.md"
    bare.write_text("no block\n")
    assert main([str(tmp_path / "runs"), "--doc", str(bare)]) == 2
    assert bare.read_text() == "no block\n"


def test_the_doc_is_what_its_command_produces_for_one_of_its_cells(tmp_path):
    """docs/incentive_compatibility.md's rows of one cell (5 seeds × 40 epochs) against a rerun
    of that cell now: any change that moves the study's numbers fails here until the doc is
    regenerated (the command is in the doc)."""
    import subprocess
    import sys
    from pathlib import Path

    from experiments.incentive_compatibility import (
        ROLES,
        load,
        load_stalls,
        long_run,
        share_rows,
        stall_lines,
        summarise,
    )

    cell = ["+consensus_variant=yuma3_liquid_alpha", "incentive=shapley", "adaptation=hedge"]
    subprocess.run(
        [sys.executable, "-m", "sim", "-m", "experiment=incentive_compatibility", *cell,
         "hydra/launcher=basic", "output.progress=false", f"hydra.sweep.dir={tmp_path}"],
        check=True, capture_output=True,
    )  # fmt: skip
    summary = summarise(long_run(load(tmp_path)))
    assert summary["seeds"].tolist() == [5]
    doc = (Path(__file__).parents[1] / "docs" / "incentive_compatibility.md").read_text()
    rerun = [row for role in ROLES for row in share_rows(summary, role)]
    rerun.append(stall_lines(load_stalls(tmp_path))[-1])
    assert len(rerun) == 3
    for row in rerun:
        assert row in doc, f"stale: rerun gives\n{row}\nwhich docs/incentive_compatibility.md lacks"

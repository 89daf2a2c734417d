"""The incentive-compatibility report reads a sweep's strategy shares and says which pays."""

import json

import numpy as np
import pandas as pd

from experiments.incentive_compatibility import main, verdict


def fake_job(folder, seed, consensus, builder_honest, epochs=12):
    folder.mkdir(parents=True)
    (folder / ".hydra").mkdir()
    (folder / ".hydra" / "overrides.yaml").write_text(
        f"- +consensus_variant={consensus}\n- incentive=proportional\n- adaptation=imitation\n"
        f"- seed={seed}\n"
    )
    (folder / "summary.json").write_text(json.dumps({"seed": seed}))
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

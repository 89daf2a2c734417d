"""docs/extending.md works as written: its files, put in a temporary folder, give a mechanism
that checks itself and runs from the command line, an adversary, a metric that reaches an old
run, and an organisation."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "extending.md"
BLOCK = re.compile(r'```(\w+) title="([^"]+)"\n(.*?)```', re.DOTALL)


FILES = {
    "my_mechanisms/unanimity.py",
    "my_mechanisms/check_unanimity.py",
    "my_configs/consensus/unanimity.yaml",
    "my_attacks/model_wiper.py",
    "my_attacks/run_wipers.py",
    "my_metrics/fees_per_epoch.py",
    "my_metrics/rescore_with_fees.py",
    "my_organisations/consortium.py",
    "my_configs/scenario/consortium.yaml",
}


def write_files(folder: Path) -> None:
    blocks = BLOCK.findall(DOC.read_text())
    assert {path for _, path, _ in blocks} == FILES
    for _, path, text in blocks:
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_text(text)


def python(folder: Path, source_folder: str, *args: str) -> subprocess.CompletedProcess:
    """Run ``python ARGS`` in ``folder`` with ``source_folder`` on the path."""
    env = {**os.environ, "PYTHONPATH": str(folder / source_folder)}
    done = subprocess.run(
        [sys.executable, *args], cwd=folder, env=env, capture_output=True, text=True, timeout=300
    )
    return done


def deai_sim(folder: Path, source_folder: str, *overrides: str) -> subprocess.CompletedProcess:
    """``deai-sim OVERRIDES`` in ``folder``, with its my_configs/ on Hydra's search path."""
    search = f"hydra.searchpath=[file://{folder / 'my_configs'}]"
    return python(folder, source_folder, "-m", "sim", search, *overrides)


QUICK = ["epochs=3", "output.figures=false", "output.progress=false"]


def test_walkthrough_from_a_temporary_folder(tmp_path):
    write_files(tmp_path)
    checked = python(tmp_path, "my_mechanisms", "my_mechanisms/check_unanimity.py")
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.strip() == "Unanimity meets the consensus contract"
    run_dir = tmp_path / "run"
    done = deai_sim(
        tmp_path,
        "my_mechanisms",
        "consensus=unanimity",
        "baseline=null",
        *QUICK,
        f"hydra.run.dir={run_dir}",
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["config"]["decentralized"]["consensus"]["_target_"] == "unanimity.Unanimity"
    # A bad parameter of the new mechanism is reported like any other.
    bad = deai_sim(tmp_path, "my_mechanisms", "consensus=unanimity", "consensus.min_active=0")
    assert bad.returncode == 2
    assert bad.stderr.strip() == "deai-sim: error: consensus.min_active: must be ≥ 1, got 0"


def test_mechanism_docs_examples_run():
    text = (DOC.parent / "mechanisms.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.DOTALL)
    assert len(blocks) == 3
    namespace: dict = {}
    for block in blocks:
        exec(block, namespace)  # noqa: S102 - the documentation's own examples
    assert namespace["gini"]([5, 4, 3, 2, 1]) == 0.26666666666666666


def test_a_new_adversary_is_one_class(tmp_path):
    write_files(tmp_path)
    done = python(tmp_path, "my_attacks", "my_attacks/run_wipers.py", str(tmp_path / "run"))
    assert done.returncode == 0, done.stderr
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    report = summary["adversaries"]["decentralized"]["model_wiper"]
    assert report["members"] == 3  # a quarter of the 12 initial builders
    assert summary["config"]["decentralized"]["adversaries"]["model_wipers"] == 0.25
    # The wipers' agents are of the new class, and an out-of-range share is refused.
    bad = python(
        tmp_path,
        "my_attacks",
        "-c",
        "import model_wiper, sim; sim.compose(['adversaries.model_wipers=1.5'])",
    )
    assert "adversaries.model_wipers: must be a fraction in [0, 1], got 1.5" in bad.stderr


def test_a_new_metric_is_one_function_and_reaches_an_old_run(tmp_path):
    write_files(tmp_path)
    run_dir = tmp_path / "old"
    done = python(tmp_path, "my_attacks", "my_attacks/run_wipers.py", str(run_dir))
    assert done.returncode == 0, done.stderr
    before = json.loads((run_dir / "summary.json").read_text())["scorecard"]
    assert "fees_per_epoch" not in {m["name"] for m in before["decentralized"]}
    done = python(tmp_path, "my_metrics", "my_metrics/rescore_with_fees.py", str(run_dir))
    assert done.returncode == 0, done.stderr
    assert "['fees_per_epoch', 'fees_per_epoch']" in done.stdout  # both scenarios
    import pandas as pd

    after = json.loads((run_dir / "summary.json").read_text())["scorecard"]
    table = pd.read_parquet(run_dir / "metrics.parquet")
    for scenario, rows in table.groupby("scenario"):
        card = {m["name"]: m for m in after[scenario]}
        assert card["fees_per_epoch"]["value"] == rows["revenue"].iloc[-1] / len(rows)
        assert card["fees_per_epoch"]["aspect"] == 15
        old = {m["name"]: m["value"] for m in before[scenario]}
        assert all(card[name]["value"] == value for name, value in old.items())


def test_a_new_organisation_is_one_class_and_one_yaml(tmp_path):
    write_files(tmp_path)
    run_dir = tmp_path / "run"
    done = deai_sim(
        tmp_path, "my_organisations", "scenario=consortium", *QUICK, f"hydra.run.dir={run_dir}"
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["scenarios"] == ["consortium", "centralized"]
    entries = [json.loads(line) for line in (run_dir / "ledger" / "consortium.jsonl").open()]
    assert entries[0]["detail"]["organisation"] == "consortium"
    rounds = [e["detail"] for e in entries if e["reason"] == "consensus"]
    assert rounds and all(set(r["stake"][3:]) <= {0.0} for r in rounds)
    assert any(r["stake"][0] == 1.0 for r in rounds)  # members vote with one unit each

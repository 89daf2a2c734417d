"""docs/extending.md works as written: its files, put in a temporary folder, give a mechanism
that deai-sim runs from the command line."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "extending.md"
BLOCK = re.compile(r'```(\w+) title="([^"]+)"\n(.*?)```', re.DOTALL)


def test_walkthrough_from_a_temporary_folder(tmp_path):
    blocks = BLOCK.findall(DOC.read_text())
    assert {path for _, path, _ in blocks} == {
        "my_mechanisms/unanimity.py",
        "my_configs/consensus/unanimity.yaml",
    }
    for _, path, text in blocks:
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "my_mechanisms")}
    run_dir = tmp_path / "run"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sim",
            f"hydra.searchpath=[file://{tmp_path / 'my_configs'}]",
            "consensus=unanimity",
            "epochs=3",
            "baseline=null",
            "output.figures=false",
            "output.progress=false",
            f"hydra.run.dir={run_dir}",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["config"]["decentralized"]["consensus"]["_target_"] == "unanimity.Unanimity"
    # A bad parameter of the new mechanism is reported like any other.
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "sim",
            f"hydra.searchpath=[file://{tmp_path / 'my_configs'}]",
            "consensus=unanimity",
            "consensus.min_active=0",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
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

"""docs/organisations.md runs as written and quotes what its study recorded."""

import json
import re
from pathlib import Path

import pytest

from experiments import doc_blocks
from experiments.platform_vs_networks import report_lines

DOC = Path(__file__).resolve().parent.parent / "docs" / "organisations.md"


def test_the_doc_runs_as_written():
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, "docs/organisations.md", "exec"), namespace)  # noqa: S102
    shares = namespace["shares"]
    assert len(shares) == 20 and 0 < shares[-1]["decentralized/builder"] < 1
    history = namespace["exchange"].history
    assert len(history) == 10 and sum(history[-1]["shares"]) in (0.0, pytest.approx(1.0))


def test_the_study_block_is_what_the_study_recorded():
    result = json.loads((DOC.with_suffix("") / "platform_vs_networks.json").read_text())
    expected = "\n".join(report_lines(result)).strip()
    assert doc_blocks.block(DOC, "platform_vs_networks").strip() == expected
    ends = {
        cell: [r["end"]["data_provider"] for r in runs] for cell, runs in result["runs"].items()
    }
    assert all(share == 0.5 for share in ends["bittensor incentive"])  # unpaid: nobody moves
    assert min(ends["as shipped (proportional, 5-token burn)"]) > 0.6

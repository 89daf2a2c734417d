"""docs/organisations.md runs as written and quotes what its study recorded."""

import json
import re
from pathlib import Path

import numpy as np
import pytest

from experiments import doc_blocks
from experiments.platform_vs_networks import report_lines
from tests.benchmark_docs import assert_block_is_recorded

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


def test_the_subnet_study_block_is_what_the_study_recorded():
    from experiments import subnets_compete

    result = json.loads((DOC.with_suffix("") / "subnets_compete.json").read_text())
    expected = "\n".join(subnets_compete.report_lines(result)).strip()
    assert doc_blocks.block(DOC, "subnets_compete").strip() == expected
    price = result["runs"]["price"]
    for run in price:  # 60 tempos barely move a moving price: equal shares of the TAO
        assert all(abs(run[name]["emission"] - 0.25) < 0.01 for name in subnets_compete.SUBNETS)
    unpaid = np.mean([r["bittensor"]["data_providers"] for r in price])
    assert unpaid < np.mean([r["proportional"]["data_providers"] for r in price]) / 4


def test_the_study_block_is_what_the_study_recorded():
    result = json.loads((DOC.with_suffix("") / "platform_vs_networks.json").read_text())
    expected = "\n".join(report_lines(result)).strip()
    assert doc_blocks.block(DOC, "platform_vs_networks").strip() == expected
    ends = {
        cell: [r["end"]["data_provider"] for r in runs] for cell, runs in result["runs"].items()
    }
    assert all(share == 0.5 for share in ends["bittensor incentive"])  # unpaid: nobody moves
    assert min(ends["as shipped (proportional, 5-token burn)"]) > 0.6


def test_the_benchmark_block_is_the_recorded_benchmark():
    assert_block_is_recorded(DOC, "federation")


def test_a_tempo_without_emission_is_no_share_not_zero():
    from experiments import subnets_compete

    row = {"builders": 0.25, "data_providers": 0.25, "emission": float("nan"), "price": 0.05}
    runs = [{name: dict(row) for name in subnets_compete.SUBNETS}]
    result = {"seeds": 1, "epochs": 2, "runs": {"flow": runs}}
    line = subnets_compete.report_lines(result)[4]
    assert "no emission" in line and "0.00 ±" not in line

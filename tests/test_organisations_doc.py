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
    text = " ".join(DOC.read_text().split())
    quoted = ", ".join(f"{share:.2f}" for share in namespace["stake_shares"])
    assert f"stake share goes {quoted} in six epochs" in text
    registration = namespace["registration"]
    assert (
        f"{registration['moved']} of its members find a free slot in the other and "
        f"{registration['left']} leave with their TAO" in text
    )


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


def test_the_prose_quotes_the_studies_and_the_benchmark():
    """Every number the doc's prose quotes is recomputed from the study records beside it and
    benchmarks/results."""
    from experiments.comparison import mean_ci

    text = " ".join(DOC.read_text().split())
    folder = DOC.with_suffix("")
    cells = json.loads((folder / "platform_vs_networks.json").read_text())["runs"]

    def end(cell, role):
        return mean_ci([r["end"][role] for r in cells[cell]])[0]

    def moves(cell, key):
        return mean_ci([r[key] for r in cells[cell]])[0]

    def span(role, skip=()):
        values = [end(c, role) for c in cells if c not in skip]
        return f"{min(values):.2f}–{max(values):.2f}"

    shipped, bond = "as shipped (proportional, 5-token burn)", "10-token stake bond"
    free, dynamic = "free entry (burn 0)", "the chain's dynamic burn"
    subnets = json.loads((folder / "subnets_compete.json").read_text())["runs"]

    def sub(rule, name, key):
        return mean_ci([r[name][key] for r in subnets[rule]])[0]

    bench = json.loads(next((DOC.parent.parent / "benchmarks" / "results").glob(
        "federation-*.json")).read_text())  # fmt: skip
    fed = {r["subnets"]: r for r in bench["rows"] if r["kind"] == "federation"}
    one = {r["subnets"]: r for r in bench["rows"] if r["kind"] == "single"}
    phrases = [
        f"{span('compute_provider')} of the compute providers, {span('builder')} of the "
        f"builders, {span('data_provider', ['bittensor incentive'])} of the data providers",
        f"and {span('consumer')} of the consumers",
        f"({end('bittensor incentive', 'builder'):.2f} against {end(shipped, 'builder'):.2f} as "
        "shipped)",
        f"from {moves(shipped, 'to_network'):.0f} to {moves(bond, 'to_network'):.0f} and back to "
        f"the platform from {moves(shipped, 'to_platform'):.0f} to {moves(bond, 'to_platform'):.0f}",
        f"({moves(free, 'to_network'):.0f} and {moves(dynamic, 'to_network'):.0f} to the network, "
        f"{moves(free, 'to_platform'):.0f} and {moves(dynamic, 'to_platform'):.0f} back)",
        f"{100 * sub('price', 'bittensor', 'data_providers'):.0f} % of the data providers stay by "
        f"price, {100 * sub('flow', 'bittensor', 'data_providers'):.0f} % by flow",
        f"data's use: {100 * sub('price', 'ocean', 'data_providers'):.0f} %)",
        "end with {:.0f}–{:.0f} % each".format(
            *sorted(
                100 * sub(rule, name, "data_providers")
                for rule in subnets
                for name in ("proportional", "shapley")
            )[::3]
        ),  # fmt: skip
        f"under the price rule, {sub('price', 'bittensor', 'builders'):.2f})",
        f"take {fed[128]['s_per_epoch']:.2f} s an epoch and {fed[128]['peak_rss_mb']:,.0f} MB at most",
        f"One subnet of the same size takes {one[128]['s_per_epoch']:.2f} s and "
        f"{one[128]['peak_rss_mb']:,.0f} MB",
        f"is {1 / fed[128]['ratio_to_single']:.1f} × cheaper at this size "
        f"({1 / fed[8]['ratio_to_single']:.1f} × at 2,048 UIDs)",
        f"the warm-up ({fed[128]['warmup_s']:.0f} s at 128 subnets)",
        f'({fed[128]["moves"]} moves against {fed[128]["refused"]["no free slot"]:,} "no free '
        'slot" refusals',
        f"{fed[128]['stakers_and_consumers']:,} stakers and consumers",
    ]
    missing = [phrase for phrase in phrases if phrase not in text]
    assert not missing, missing
    assert all(abs(sub("price", n, "emission") - 0.25) < 0.01 for n in ("proportional", "ocean"))
    for run in subnets["flow"]:  # "goes to one or two subnets"
        assert (
            1
            <= sum(
                run[n]["emission"] > 0.01 for n in ("proportional", "bittensor", "shapley", "ocean")
            )
            <= 2
        )


def test_seeds_without_emission_are_named_not_averaged_in():
    """The subnet study's table: a seed in which a subnet emitted nothing (every flow ≤ 0) has
    no emission share; the cell says so, and a subnet that never emitted says "no emission"."""
    from experiments import subnets_compete

    result = json.loads((DOC.parent / "organisations" / "subnets_compete.json").read_text())
    rule = next(iter(result["runs"]))
    runs = result["runs"][rule]
    name = next(iter(subnets_compete.SUBNETS))
    runs[0][name]["emission"] = float("nan")
    seeds = len(runs)
    row = next(line for line in subnets_compete.report_lines(result)
               if line.startswith(f"| {rule} | {name} |"))  # fmt: skip
    assert f"(1 of {seeds} seeds emitted nothing)" in row
    for run in runs:
        run[name]["emission"] = float("nan")
    row = next(line for line in subnets_compete.report_lines(result)
               if line.startswith(f"| {rule} | {name} |"))  # fmt: skip
    assert "| no emission |" in row

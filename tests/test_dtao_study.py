"""The dynamic-TAO study: what docs/dtao.md quotes is what the study recorded, and the market it
runs responds as its report says on a small economy."""

import json
from dataclasses import replace
from pathlib import Path

import numpy as np

from experiments import doc_blocks
from experiments.dtao import Settings, daily_shares, report_lines, run, summarise

DOC = Path(__file__).resolve().parent.parent / "docs" / "dtao.md"
SMALL = Settings(subnets=12, days=90, stakers=400, improve_day=30, buy_day=30, halving_day=60)


def test_the_doc_block_is_what_the_study_recorded():
    result = json.loads((DOC.with_suffix("") / "dtao.json").read_text())
    expected = "\n".join(report_lines(result)).strip()
    assert doc_blocks.block(DOC, "dtao").strip() == expected, "stale: rerun experiments.dtao"


def test_a_better_model_draws_emission_under_both_rules():
    """Subnet 0's quality triples on day 30: its share of the daily TAO emission over the last
    ten days exceeds its share over the ten days before."""
    for rule in ("price", "flow"):
        shares = daily_shares(run(replace(SMALL, rule=rule), owner_buys=False)["emitted"])
        assert shares[-10:, 0].mean() > shares[20:30, 0].mean(), rule


def test_buying_in_counts_as_inflow_under_the_flow_rule_only_through_the_price_otherwise():
    """The owner's buy is net TAO flow: under the flow rule its pool gains more emission per TAO
    spent than under the price rule, where only the (capped, slow) moving price carries it."""
    gains = {rule: summarise(replace(SMALL, rule=rule))["buy_gain"] for rule in ("price", "flow")}
    assert gains["flow"] > gains["price"]
    assert gains["flow"] > 0


def test_a_seed_gives_the_same_market():
    first, again = run(SMALL), run(SMALL)
    np.testing.assert_array_equal(first["prices"], again["prices"])

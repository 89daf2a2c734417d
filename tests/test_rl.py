"""Agents that learn decisions: in the economy, behind the environment, and the numbers
docs/rl.md quotes (each block is what its study recorded beside the doc)."""

import importlib.util
import json
import re
from pathlib import Path

import numpy as np
import pytest

from experiments import doc_blocks
from sim.composition import compose
from sim.model import EconomyModel
from sim.roles import Role
from tests.benchmark_docs import assert_block_is_recorded
from tests.conftest import SMALL

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "rl.md"
PAY_AS_BID = ("market=reverse_auction", "market.markup=0", "population.patience=1000000")
LEARN_MARKUPS = (
    "adaptation=policy_gradient",
    "adaptation.learn_strategies=false",
    "adaptation.decisions=[compute_provider.markup]",
    "baseline=null",
)


def economy(*overrides):
    return EconomyModel.from_config(compose([*SMALL, *overrides])["decentralized"])


def learnt_markups(*overrides, epochs=40):
    """Per epoch, the active compute providers' mean markup and mean profit."""
    model = economy(*LEARN_MARKUPS, *PAY_AS_BID, *overrides, f"epochs={epochs}")
    p, markups, profits = model.world.population, [], []
    for _ in range(epochs):
        model.step()
        providers = p.members(Role.COMPUTE_PROVIDER)
        markups.append(float(np.nanmean(p.decision[providers, 0])))
        profits.append(float(p.profit[providers].mean()))
    strategies = set(p.adversary[p.members(Role.COMPUTE_PROVIDER)])
    model.finish()
    return np.array(markups), np.array(profits), strategies


def test_providers_learn_to_mark_up_a_pay_as_bid_market_in_the_economy():
    """Pay-as-bid pays an honest ask its cost and nothing more: learning providers raise their
    markup from 0 and earn more than the honest ask does; strategies stay as given."""
    markups, profits, strategies = learnt_markups()
    assert markups[-10:].mean() > 0.5
    honest = economy(*PAY_AS_BID, "baseline=null", "epochs=40")
    honest_profits = []
    for _ in range(40):
        honest.step()
        providers = honest.world.population.members(Role.COMPUTE_PROVIDER)
        honest_profits.append(honest.world.population.profit[providers].mean())
    honest.finish()
    assert profits[-10:].mean() > np.mean(honest_profits[-10:]) + 0.2
    assert strategies == {""}  # learn_strategies=false: nobody changed strategy
    again, _, _ = learnt_markups()
    np.testing.assert_array_equal(markups, again)  # same seed, same decisions


def test_the_doc_runs_as_written():
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)
    assert len(blocks) >= 1
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, "docs/rl.md", "exec"), namespace)  # noqa: S102
    assert len(namespace["total"]) > 10  # every agent that played got a return


@pytest.mark.parametrize("name", ["train_ppo", "learnt_markets", "learnt_effort"])
def test_each_block_of_the_doc_is_what_its_study_recorded(name):
    module = importlib.import_module(f"experiments.{name}")
    result = json.loads((DOC.with_suffix("") / f"{name}.json").read_text())
    expected = "\n".join(module.report_lines(result)).strip()
    assert doc_blocks.block(DOC, name).strip() == expected, f"stale: rerun experiments.{name}"


def test_the_benchmark_block_is_the_recorded_benchmark():
    assert_block_is_recorded(DOC, "env")


def test_the_studies_say_what_their_records_hold():
    """The recorded runs behind the doc's claims: PPO beats both baselines on every evaluation
    seed's mean; pay-as-bid ends within 20 % of the competitive band, the posted price and
    the double auction far above it (over 40 %)."""
    ppo = json.loads((DOC.with_suffix("") / "train_ppo.json").read_text())["evaluation"]
    trained = np.mean(ppo["trained"])
    assert trained > max(np.mean(v) for k, v in ppo.items() if k != "trained")
    markets = json.loads((DOC.with_suffix("") / "learnt_markets.json").read_text())
    low, high = markets["band"]
    price = np.mean([r["price"] for r in markets["runs"]["reverse_auction"]])
    assert low * 0.8 <= price <= high * 1.2
    for name in ("posted_price", "double_auction"):
        assert np.mean([r["price"] for r in markets["runs"][name]]) > 1.4 * high


def test_pay_as_bid_sellers_learn_the_competitive_price():
    """Outside the economy, one seed of study (a): eight learning sellers in the reverse auction,
    started at their costs (a price below the band), reach within 10 % of the competitive band
    [c₅, c₆] within 100 rounds and end within 20 % of it."""
    from experiments.learnt_markets import BAND, learn, summarise

    summary = summarise(learn("reverse_auction", seed=0, rounds=300, batch=8))
    assert summary["first_near_band"] is not None and summary["first_near_band"] < 100
    assert BAND[0] * 0.8 <= summary["price"] <= BAND[1] * 1.2


def test_a_market_without_trades_or_a_single_seed_is_named_not_judged():
    """A seed whose markets traded nothing has no price: it is not averaged in as "inside";
    one seed gives no interval, so no verdict on whether a rule stops lazy validation."""
    from experiments.learnt_effort import report_lines as effort_lines
    from experiments.learnt_markets import band_verdict

    assert band_verdict([0.33, float("nan")], 0.31, 0.34) == "inside (1 of 2 seeds traded nothing)"
    assert band_verdict([float("nan")], 0.31, 0.34) == "no trades"
    assert band_verdict([0.40], 0.31, 0.34) == "+18%"
    one = {"final_effort": 0.3, "final_profit": 0.0}
    result = {"seeds": 1, "epochs": 4, "cost": 0.05,
              "runs": {"control: evaluation free": [one], "yuma": [one]}}  # fmt: skip
    assert effort_lines(result)[5].endswith("| one seed: no interval |")


def test_the_prose_quotes_the_studies_and_benchmarks_it_stands_on():
    """Every number the doc's prose quotes is recomputed from the records beside it (study JSON,
    benchmarks/results), so a rerun that moves one makes this fail until the prose follows."""
    from experiments.comparison import mean_ci
    from experiments.learnt_markets import COSTS, IN_THE_MONEY

    text = " ".join(DOC.read_text().split())
    folder = DOC.with_suffix("")
    effort = json.loads((folder / "learnt_effort.json").read_text())
    mean = {cell: mean_ci([r["final_effort"] for r in runs]) for cell, runs in
            effort["runs"].items()}  # fmt: skip
    early = {c: float(np.mean(effort["curves"][c][9:100])) for c in effort["curves"]}
    markets = json.loads((folder / "learnt_markets.json").read_text())
    low, high = markets["band"]
    price = {m: float(np.mean([r["price"] for r in runs])) for m, runs in markets["runs"].items()}
    reached = [r["first_near_band"] for r in markets["runs"]["reverse_auction"]]
    env = json.loads(next((ROOT / "benchmarks" / "results").glob("env-*.json")).read_text())
    small, large = env["env"]
    ratio = {r["rule"]: r["ratio_to_hedge"] for r in env["adaptation"]}
    rules = json.loads(
        next((ROOT / "benchmarks" / "results").glob("adaptation-*.json")).read_text()
    )
    rule_ratio = {r["rule"]: r["ratio_to_hedge"] for r in rules["rows"]}
    phrases = [
        f"({early['majority']:.2f} against {early['control: evaluation free']:.2f} over epochs 10–100)",
        f"sliding to {mean['majority'][0]:.2f}",
        f"`stake_majority` keeps {mean['stake_majority (default)'][0]:.2f}",
        f"Yuma ({mean['yuma'][0]:.2f}), Yuma 3 ({mean['yuma3'][0]:.2f}) and BFT ({mean['bft'][0]:.2f})",
        f"winner-take-all {mean['scoring=winner_take_all'][0]:.2f}, top-3 "
        f"{mean['scoring=rank_top_k'][0]:.2f}",
        "default's {:.2f} ± {:.2f}".format(*mean["stake_majority (default)"]),
        f"0.5, {100 * (price['posted_price'] / high - 1):.0f} % above the competitive band",
        f"a mean price of {np.mean(np.sort(COSTS)[:IN_THE_MONEY]):.2f}",
        f"about {100 * (price['reverse_auction'] / high - 1):.0f} % above its top",
        "adds at most {:.0f} % to a bare".format(
            100 * max(r["env_s"] / r["model_s"] - 1 for r in (small, large))
        ),
        f"({large['model_s']:.1f} s an epoch on 2 cores, so {1 / large['env_s']:.2f} environment",
        f"costs {ratio['policy_gradient']:.2f} × an epoch under Hedge",
        f"REINFORCE {rule_ratio['policy_gradient (reinforce)']:.2f} × Hedge, PPO "
        f"{rule_ratio['policy_gradient (ppo)']:.2f} ×",
    ]
    missing = [phrase for phrase in phrases if phrase not in text]
    assert not missing, missing
    assert np.mean(reached) <= 3  # "within a couple of rounds"
    assert price["double_auction"] > 1.9 * high  # "about twice the competitive price"

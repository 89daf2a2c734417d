"""Strategies in the economy: drawn and learnt under an adapting rule, paid for where they do
work, and copied stale under commit-reveal."""

import json

import numpy as np
import pandas as pd
import pytest

from sim.roles import Role
from sim.run import run_scenarios


def stepped_model(compose, tmp_path, *overrides, name="m"):
    from sim.config import validate
    from sim.inputs import load_data
    from sim.model import EconomyModel, build_mechanisms

    cfg = compose("baseline=null", *overrides)["decentralized"]
    typed = validate(cfg)
    return EconomyModel(
        typed,
        build_mechanisms(cfg),
        load_data(typed),
        np.random.SeedSequence(0),
        tmp_path / f"{name}.jsonl",
    )


def test_shares_are_recorded_and_agents_follow_their_strategy(compose, tmp_path):
    configs = compose(
        "adaptation=imitation", "adversaries.free_riders=0.34", "adversaries.weight_copiers=0.25"
    )
    run_scenarios(configs, tmp_path, progress=False)
    table = pd.read_parquet(tmp_path / "metrics.parquet")
    for role in ("builder", "validator"):
        shares = table[[c for c in table.columns if c.startswith(f"share_{role}_")]]
        np.testing.assert_allclose(shares.sum(axis=1), 1.0)
    model = stepped_model(compose, tmp_path, "adaptation=imitation", "adversaries.free_riders=0.34")
    for _ in range(3):
        model.step()
        for agent in model.agents:
            if agent.role in (Role.BUILDER, Role.VALIDATOR):
                assert type(agent).kind == model.population.adversary[agent.slot]
    model.finish()


def test_fixed_behaviour_never_changes_a_strategy(compose, tmp_path):
    model = stepped_model(compose, tmp_path, "adversaries.free_riders=0.34")
    given = model.population.adversary.copy()
    state = model.world.strategy_rng.bit_generator.state
    for _ in range(4):
        model.step()
    assert list(model.population.adversary) == list(given)
    assert model.world.strategy_rng.bit_generator.state == state  # nothing was drawn
    model.finish()


def test_validators_who_score_pay_the_evaluation_cost_and_copiers_do_not(compose, tmp_path):
    profits = {}
    for cost in (0.0, 0.5):
        model = stepped_model(
            compose,
            tmp_path,
            "adversaries.weight_copiers=0.25",
            f"economy.evaluation_cost={cost}",
            name=f"cost{cost}",
        )
        model.step()
        p = model.population
        profits[cost] = p.profit[p.blocks[Role.VALIDATOR]].copy()
        submitted = model.record["submitted"]
        kinds = p.adversary[p.blocks[Role.VALIDATOR]]
        online = p.online[p.blocks[Role.VALIDATOR]]
        model.finish()
    assert submitted > 0
    expected = np.where((kinds == "") & online, 0.5 * submitted, 0.0)
    np.testing.assert_allclose(profits[0.0] - profits[0.5], expected)


@pytest.mark.parametrize("interval", [1, 3])
def test_a_weight_copier_copies_the_weights_revealed_interval_rounds_ago(
    compose, tmp_path, interval
):
    model = stepped_model(
        compose,
        tmp_path,
        "adversaries.weight_copiers=0.25",
        "faults.offline_probability=0",
        f"economy.reveal_interval={interval}",
        name=f"reveal{interval}",
    )
    validators = model.population.blocks[Role.VALIDATOR]
    builders = model.population.blocks[Role.BUILDER]
    copier = np.flatnonzero(model.population.adversary[validators] == "weight_copier")[0]
    seen, newest = [], []
    for _ in range(6):
        seen.append(model.world.state.revealed_weights.copy())
        newest.append(model.world.state.agreed[-1].copy())
        model.step()
    model.finish()
    rounds = [
        e["detail"]
        for e in map(json.loads, (tmp_path / f"reveal{interval}.jsonl").read_text().splitlines())
        if e["reason"] == "consensus"
    ]
    assert len(rounds) == 6 and all(r["committed"] for r in rounds)
    for detail, visible in zip(rounds, seen, strict=True):
        submitted = np.isin(builders, detail["accepted"] + detail["rejected"])
        np.testing.assert_allclose(
            detail["weights"][copier], np.round(np.where(submitted, visible, 0.0), 6), atol=1e-9
        )
    # What a copier sees at epoch t is what was newest interval − 1 epochs earlier.
    for t in range(interval - 1, 6):
        np.testing.assert_array_equal(seen[t], newest[t - interval + 1])


def test_each_role_may_learn_by_its_own_rule(compose, tmp_path):
    model = stepped_model(
        compose, tmp_path, "adaptation=imitation", "+adaptation@adaptation_by_role.validator=hedge"
    )
    rules = {role: type(s.rule).__name__ for role, s in model.world.strategies.items()}
    assert rules == {
        Role.COMPUTE_PROVIDER: "Imitation",
        Role.DATA_PROVIDER: "Imitation",
        Role.BUILDER: "Imitation",
        Role.VALIDATOR: "Hedge",
        Role.NOMINATOR: "Imitation",
    }
    model.finish()
    with pytest.raises(Exception, match="adaptation_by_role.validator.learning_rate: must be > 0"):
        compose(
            "+adaptation@adaptation_by_role.validator=hedge",
            "adaptation_by_role.validator.learning_rate=0",
        )


def test_markups_raise_asks_and_withheld_data_is_not_trained_on(compose, tmp_path):
    model = stepped_model(
        compose,
        tmp_path,
        "adversaries.markup_100=0.5",
        "adversaries.withholders=0.5",
        "population.data_providers=8",
    )
    p = model.population
    providers = p.members(Role.COMPUTE_PROVIDER)
    asks = model.world.roles[Role.COMPUTE_PROVIDER].asks(providers)
    doubled = p.adversary[providers] == "markup_100"
    assert doubled.sum() == 2
    np.testing.assert_allclose(asks, p.unit_cost[providers] * np.where(doubled, 2.0, 1.0))
    withheld = p.members(Role.DATA_PROVIDER)[
        p.adversary[p.members(Role.DATA_PROVIDER)] == "withholder"
    ]
    positions = p.position(Role.DATA_PROVIDER, withheld)
    from sim.epoch import obtain_data
    from sim.epoch.results import MarketResult

    assert len(withheld) == 4
    steps = np.full(len(p.blocks[Role.BUILDER]), 5)
    data = obtain_data(model.world, MarketResult(steps, np.zeros(p.size), None, 0))
    owners = model.world.engine.record_owner[data.records[data.records >= 0]]
    assert len(owners) and not np.isin(owners, positions).any()
    model.finish()

"""Economies larger than the default still learn, and a stalled one says why."""

from __future__ import annotations

import json
import logging

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from agents.roles import ModelBuilder
from sim.learning.engine import validation_pools
from sim.run import run_scenarios
from sim.stalls import STALL_EPOCHS, StallWatch, broken_link


@given(
    shares=st.lists(st.floats(0.0, 1.0), min_size=1, max_size=300),
    steps_per_unit=st.sampled_from([0.5, 1.0, 2.0, 3.0]),
)
def test_local_steps_turn_every_whole_step_sold_into_training(shares, steps_per_unit):
    max_steps = 10
    # A builder never receives more than it asked for, and it asks for max_steps' worth at most.
    units = np.asarray(shares) * max_steps / steps_per_unit
    steps = ModelBuilder.local_steps(units, steps_per_unit, max_steps)
    exact = units * steps_per_unit
    # Hamilton apportionment: the whole steps paid for in total are all handed out, each builder
    # within one step of its exact share, never above the cap.
    assert steps.sum() == np.floor(exact.sum() + 1e-9)
    assert np.all(np.abs(steps - exact) < 1 + 1e-9)
    assert np.all(steps <= max_steps)


def test_thin_shares_still_train():
    # 100 builders sharing 55 units at 2 steps per unit: flooring each share gave 0 steps each.
    steps = ModelBuilder.local_steps(np.full(100, 0.55), 2.0, 10)
    assert steps.sum() == 110
    assert (steps >= 1).all()


def test_validation_pools_keep_a_minimum_per_evaluator():
    rng = np.random.default_rng(0)
    small = validation_pools(270, 12, 20, rng)
    assert sorted(np.concatenate(small).tolist()) == list(range(270))  # a disjoint split
    many = validation_pools(270, 500, 20, rng)
    assert len(many) == 500
    assert all(len(pool) == 20 and len(set(pool.tolist())) == 20 for pool in many)
    assert all(pool.max() < 270 for pool in many)


def test_a_hundred_builders_learn_in_both_scenarios(compose, tmp_path):
    summary = run_scenarios(compose("population.builders=100", "epochs=8"), tmp_path)
    table = pd.read_parquet(tmp_path / "metrics.parquet")
    sold = table["compute_sold"] > 0
    assert sold.any()
    assert (table.loc[sold, "trained"] > 0).all(), "compute sold but nobody trained"
    for scenario, frame in table.groupby("scenario"):
        assert frame["accepted"].sum() > 0, scenario
        assert frame["test_accuracy"].iloc[-1] > 0.5, scenario  # chance is 0.1
    assert summary["stalls"] == {"decentralized": [], "centralized": []}


def test_five_hundred_validators_accept_updates(compose, tmp_path):
    run_scenarios(compose("population.validators=500", "baseline=null"), tmp_path)
    table = pd.read_parquet(tmp_path / "metrics.parquet")
    assert table["accepted"].sum() > 0
    assert table["test_accuracy"].iloc[-1] > 0.5


def _record(epoch, **fields):
    base = dict(
        epoch=epoch,
        accepted=0,
        coordinator_online=1,
        compute_sold=5,
        trained=3,
        submitted=3,
        model_change=0.01,
        test_accuracy=0.5,
        rewards_paid=2.0,
    )
    return {**base, **fields}


def test_broken_link_names_the_first_failing_stage():
    assert broken_link(_record(0, accepted=2)) is None
    assert broken_link(_record(0, coordinator_online=0)) == "the coordinator was offline"
    assert broken_link(_record(0, compute_sold=0, trained=0)) == "no compute was sold"
    assert broken_link(_record(0, trained=0)) == "compute was sold but no builder trained"
    assert broken_link(_record(0, submitted=0)) == "no builder submitted a model"
    assert "consensus accepted none" in broken_link(_record(0))
    # Accepted and paid, but nothing was learnt: free riders' resubmissions of the network model.
    assert broken_link(_record(0, accepted=4, compute_sold=0, trained=0)) == "no compute was sold"
    assert broken_link(_record(0, accepted=4, model_change=1e-8)) == (
        "the accepted submissions left the model unchanged"
    )
    # Without a market, builders who train on their own compute learn.
    assert broken_link(_record(0, accepted=2, compute_sold=0)) is None


def test_every_stall_is_reported_with_its_causes_accuracy_and_rewards(caplog):
    watch = StallWatch("decentralized")
    with caplog.at_level(logging.WARNING, logger="sim.run"):
        watch.observe(_record(0))
        watch.observe(_record(1, accepted=1))  # an update that changed the model resets
        for epoch in range(2, 2 + STALL_EPOCHS - 1):
            watch.observe(_record(epoch, compute_sold=0, trained=0, accepted=3))
        assert watch.message is None
        for epoch in range(2 + STALL_EPOCHS - 1, 10):
            watch.observe(_record(epoch, accepted=3, model_change=0.0, test_accuracy=0.6))
        watch.observe(_record(10, accepted=1))
        for epoch in range(11, 11 + STALL_EPOCHS - 1):  # too short to count
            watch.observe(_record(epoch, submitted=0))
        watch.observe(_record(15, accepted=1))
        for epoch in range(16, 16 + STALL_EPOCHS + 1):  # runs to the end
            watch.observe(_record(epoch, coordinator_online=0, rewards_paid=0.0))
    first = (
        "decentralized: cannot learn from epoch 2 to 9 (8 epochs): no compute was sold "
        "(4 epochs); the accepted submissions left the model unchanged (4 epochs); test accuracy "
        "0.500 → 0.600, while 16.0 tokens of rewards were paid"
    )
    last = (
        "decentralized: cannot learn from epoch 16 to 21 (6 epochs): the coordinator was offline "
        "(6 epochs); test accuracy 0.500 → 0.500, while 0.0 tokens of rewards were paid"
    )
    assert watch.messages == [first, last] and watch.message == first
    logged = [r.getMessage() for r in caplog.records]
    assert len(logged) == 2 and logged[0].startswith("decentralized: cannot learn from epoch 2 on")


def test_an_outage_is_reported_in_the_summary(compose, tmp_path):
    run_scenarios(
        compose(
            "epochs=9",
            "faults.offline_probability=0",
            "faults.coordinator_outage_start=2",
            f"faults.coordinator_outage_length={STALL_EPOCHS}",
        ),
        tmp_path,
    )
    stalls = json.loads((tmp_path / "summary.json").read_text())["stalls"]
    assert stalls["decentralized"] == []
    [stall] = stalls["centralized"]
    assert (stall["start"], stall["end"], stall["causes"], stall["rewards_paid"]) == (
        2,
        6,
        {"the coordinator was offline": STALL_EPOCHS},
        0.0,
    )
    assert stall["message"].startswith(
        "centralized: cannot learn from epoch 2 to 6 (5 epochs): the coordinator was offline "
        "(5 epochs); test accuracy"
    )

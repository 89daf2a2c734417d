"""The chain's subnet rules inside the economy: the registration burn moves with the
registrations each epoch saw, and only permitted validators' stake counts."""

import numpy as np
import pytest

from mechanisms.subnet.registration import upgraded_burn
from sim.model import EconomyModel
from sim.roles import Role


def test_the_burn_follows_the_registrations_of_each_epoch(compose, tmp_path):
    configs = compose(
        "access=dynamic_burn", "population.arrival_rate=2", "epochs=6", "baseline=null"
    )
    model = EconomyModel.from_config(configs["decentralized"], tmp_path / "ledger.jsonl")
    access = model.world.mechanisms.access
    burn, admitted_before, seen = access.burn, 0, []
    for _ in range(6):
        model.step()
        admitted = model.records.counters["admitted"] - admitted_before
        admitted_before += admitted
        # The price the epoch's entrants paid, then the chain's update by their number.
        expected = upgraded_burn(burn, admitted)
        assert access.burn == pytest.approx(expected, rel=1e-12)
        seen.append(admitted)
        burn = access.burn
    assert max(seen) > 1 and access.burn != 0.1  # demand above the target moved the price
    model.finish()


def test_only_the_permitted_validators_stake_counts(compose, tmp_path):
    """scenario.max_validators=3: consensus sees the three largest stakes and zeros; the
    others' weights count for nothing.  Without it, every active validator's stake."""
    configs = compose("scenario.max_validators=3", "epochs=3", "baseline=null")
    model = EconomyModel.from_config(configs["decentralized"], tmp_path / "ledger.jsonl")
    for _ in range(3):
        model.step()
        world = model.world
        stake = world.organisation.evaluator_stake(world)
        slots = world.population.blocks[Role.VALIDATOR]
        balances = np.where(world.population.active[slots], world.ledger.balances[slots], 0)
        top = np.argsort(balances, kind="stable")[-3:]
        assert np.count_nonzero(stake) == 3 and set(np.flatnonzero(stake)) == set(top)
    model.finish()
    everyone = compose("epochs=1", "baseline=null")["decentralized"]
    model = EconomyModel.from_config(everyone, tmp_path / "all.jsonl")
    model.step()
    world = model.world
    slots = world.population.blocks[Role.VALIDATOR]
    active = world.population.active[slots] & (world.ledger.balances[slots] > 0)
    assert active.sum() > 3
    assert np.count_nonzero(world.organisation.evaluator_stake(world)) == active.sum()
    model.finish()

"""Organisations competing for one population (sim/federation.py): nobody moving reproduces
each organisation alone, a move carries the balance exactly and pays the entry cost, ledgers
still verify, and participants move to the organisation that pays their role more."""

import numpy as np
import pytest

from sim.composition import compose
from sim.federation import Federation, Mobility
from sim.ledger import verify_ledger
from sim.model import EconomyModel
from sim.roles import Role
from tests.conftest import SMALL

FOUR = [*SMALL, "epochs=4", "population.newcomer_slots=8"]


def test_a_federation_where_nobody_moves_runs_each_organisation_as_alone():
    federation = Federation.from_overrides(FOUR, Mobility(review=0.0))
    federation.run()
    configs = compose(FOUR)
    for name, model in federation.models.items():
        alone = EconomyModel.from_config(configs[name])
        for _ in range(4):
            alone.step()
        np.testing.assert_array_equal(model.ledger.balances, alone.ledger.balances)
        np.testing.assert_equal(model.record, alone.record)  # NaN where a role is empty
        alone.finish()
    assert federation.moves == [] and len(federation.history) == 4
    cards = federation.scorecards()
    assert set(cards) == {"decentralized", "centralized"}
    assert {m["name"] for m in cards["decentralized"]} == {m["name"] for m in cards["centralized"]}
    federation.finish()


def test_a_move_carries_the_balance_and_pays_the_destinations_entry_cost(tmp_path):
    """A builder moves from the platform to the network, whose access burns 5 tokens: the
    platform burns its whole balance as emigration, the network mints it and burns 5."""
    configs = compose([*FOUR, "access=registration_burn"])
    models = {
        name: EconomyModel.from_config(configs[name], tmp_path / f"{name}.jsonl")
        for name in ("centralized", "decentralized")
    }
    federation = Federation(models, Mobility(review=0.0))
    federation.step()
    platform, network = models["centralized"].world, models["decentralized"].world
    slot = int(platform.population.members(Role.BUILDER)[0])
    balance = int(platform.ledger.balances[slot])
    free = int(network.population.free_slots(Role.BUILDER)[0])
    move = federation.try_move("centralized", "decentralized", Role.BUILDER, slot, gain=1.0)
    assert move is not None and move.entry_cost_units == 5_000_000
    assert not platform.population.active[slot] and platform.ledger.balances[slot] == 0
    assert network.population.active[free]
    assert network.ledger.balances[free] == balance - 5_000_000
    for model in models.values():
        model.step()
        model.finish()
    for name in models:
        assert verify_ledger(tmp_path / f"{name}.jsonl").ok


def test_a_gain_that_does_not_pay_the_entry_cost_over_the_horizon_stays():
    configs = compose([*FOUR, "access=registration_burn"])
    models = {name: EconomyModel.from_config(configs[name]) for name in configs}
    federation = Federation(models, Mobility(review=0.0, horizon=10))
    federation.step()
    slot = int(models["centralized"].population.members(Role.BUILDER)[0])
    assert federation.try_move("centralized", "decentralized", Role.BUILDER, slot, 0.4) is None
    assert models["centralized"].population.active[slot]  # 10 × 0.4 < 5 tokens
    federation.finish()


def test_builders_move_to_the_network_that_pays_more():
    """Two networks alike but for their emission (30 against 3 tokens an epoch), builders
    reviewing with probability 0.2: a builder compares its own profit with the other network's
    mean, so a few below the rich network's average leave it, but more move from the poor to
    the rich, whose share of the builders grows from ½ to over 0.6 in eight epochs."""
    rich = compose([*FOUR, "epochs=8", "incentive.emission_per_epoch=30", "baseline=null"])
    poor = compose([*FOUR, "epochs=8", "incentive.emission_per_epoch=3", "baseline=null"])
    models = {
        "rich": EconomyModel.from_config(rich["decentralized"]),
        "poor": EconomyModel.from_config(poor["decentralized"]),
    }
    mobility = Mobility(roles=(Role.BUILDER,), consumers=False, review=0.2)
    federation = Federation(models, mobility)
    federation.run(8)
    moved = [(m.source, m.destination) for m in federation.moves]
    assert moved.count(("poor", "rich")) > moved.count(("rich", "poor"))
    assert federation.shares()[-1]["rich/builder"] > 0.6
    federation.finish()


def test_bad_mobility_is_refused():
    with pytest.raises(ValueError, match="review=1.5: must lie in"):
        Mobility(review=1.5)
    with pytest.raises(ValueError, match="at least two organisations"):
        Federation({"only": None})


def test_a_mover_goes_to_the_best_paying_of_several_organisations():
    """Three networks paying 30, 10 and 3 tokens an epoch: after one epoch every builder that
    leaves the poorest goes to the richest."""
    emissions = {"rich": 30, "middle": 10, "poor": 3}
    models = {
        name: EconomyModel.from_config(
            compose([*FOUR, f"incentive.emission_per_epoch={e}", "baseline=null"])["decentralized"]
        )
        for name, e in emissions.items()
    }
    federation = Federation(models, Mobility(roles=(Role.BUILDER,), consumers=False, review=1.0))
    federation.step()
    left_poor = [m.destination for m in federation.moves if m.source == "poor"]
    assert left_poor and set(left_poor) == {"rich"}
    federation.finish()


def test_organisations_stepped_on_threads_give_the_same_numbers():
    """Two threads step the organisations' epochs at once; balances, moves and shares are those
    of stepping them one after the other."""
    worlds = []
    for threads in (1, 2):
        federation = Federation.from_overrides(FOUR, Mobility(review=0.5))
        federation = Federation(federation.models, federation.mobility, threads=threads)
        federation.run(4)
        worlds.append(federation)
    serial, threaded = worlds
    assert serial.moves and serial.moves == threaded.moves
    assert serial.shares() == threaded.shares()
    for name in serial.models:
        np.testing.assert_array_equal(
            serial.models[name].ledger.balances, threaded.models[name].ledger.balances
        )
    with pytest.raises(ValueError, match="threads=0: must be ≥ 1"):
        Federation(serial.models, threads=0)


def test_validators_made_mobile_leave_their_nominators_to_choose_again():
    """Validators are not mobile by default (their held-out data and delegations tie them to
    an organisation) but may be: between networks paying 30 and 3 tokens an epoch they move,
    both ledgers verify, and the nominators a leaver left behind stake with an active
    validator of their own network after the next epoch's delegation."""
    from sim.ledger import verify_ledger

    staked = [*FOUR, "baseline=null", "population.nominators=12"]
    models = {
        name: EconomyModel.from_config(
            compose([*staked, f"incentive.emission_per_epoch={emission}"])["decentralized"]
        )
        for name, emission in (("rich", 30), ("poor", 3))
    }
    federation = Federation(models, Mobility(roles=(Role.VALIDATOR,), consumers=False, review=0.3))
    federation.run(6)
    assert {m.role for m in federation.moves} == {Role.VALIDATOR}
    federation.mobility = Mobility(review=0.0)
    federation.step()
    for model in federation.models.values():
        p = model.population
        nominators = p.members(Role.NOMINATOR)
        assert p.active[p.delegate[nominators]].all()
        assert set(p.delegate[nominators]) <= set(p.blocks[Role.VALIDATOR])
        model.finish()
        assert verify_ledger(model.world.ledger.path)

"""Decisions as numbers (sim.decisions): each field replaces its fixed rule by exactly what it
says, bounds hold, NaN leaves the rule, and a bad name is refused before work starts."""

import numpy as np
import pytest

from mechanisms.adaptation.policy_gradient import PolicyGradient
from mechanisms.parameters import ParameterError
from sim.decisions import DECISIONS, decided, parse, set_decisions, to_units, to_values
from sim.epoch.access import arrivals
from sim.epoch.delegation import move_stake
from sim.model import EconomyModel
from sim.roles import Role


def built(compose, tmp_path, *overrides):
    config = compose(*overrides, "baseline=null")["decentralized"]
    return EconomyModel.from_config(config, tmp_path / "ledger.jsonl")


def test_a_markup_decision_sets_the_ask_and_is_clipped_to_its_bounds(compose, tmp_path):
    model = built(compose, tmp_path)
    world, role = model.world, Role.COMPUTE_PROVIDER
    p, providers = world.population, world.population.members(role)
    cost = p.unit_cost[providers]
    np.testing.assert_allclose(world.roles[role].asks(providers), cost)  # the rule: markup 0
    set_decisions(p, providers[:2], role, "markup", [1.5, 9.0])
    asks = world.roles[role].asks(providers)
    np.testing.assert_allclose(asks[:2], cost[:2] * [2.5, 5.0])  # 9 is clipped to 4
    np.testing.assert_allclose(asks[2:], cost[2:])
    model.finish()


def test_a_compute_share_scales_demand_and_overrides_free_riding(compose, tmp_path):
    model = built(compose, tmp_path, "adversaries.free_riders=0.17")
    world, role = model.world, Role.BUILDER
    p, builders = world.population, world.population.members(role)
    rider = int(np.flatnonzero(p.adversary[builders] == "free_rider")[0])
    before = world.roles[role].demand(builders, 10.0, 0.5, pays=True)
    assert before[rider] == 0 and (np.delete(before, rider) > 0).all()
    honest = int(np.flatnonzero(p.adversary[builders] == "")[0])
    set_decisions(p, builders[[honest, rider]], role, "compute_share", [0.25, 1.0])
    after = world.roles[role].demand(builders, 10.0, 0.5, pays=True)
    assert after[honest] == pytest.approx(0.25 * before[honest])
    full = np.minimum(10.0, world.roles[role].tokens(builders[[rider]]) / 0.5)
    assert after[rider] == pytest.approx(full[0])  # the decision replaces free riding's 0
    untouched = np.setdiff1d(np.arange(len(builders)), [honest, rider])
    np.testing.assert_array_equal(after[untouched], before[untouched])
    model.finish()


def test_a_builder_that_decides_not_to_submit_does_not(compose, tmp_path, monkeypatch):
    from sim import model as model_module

    seen = []
    train = model_module.phases.train_and_submit

    def watched(world, market, data):
        seen.append(train(world, market, data))
        return seen[-1]

    monkeypatch.setattr(model_module.phases, "train_and_submit", watched)
    model = built(compose, tmp_path)
    p = model.world.population
    builders = p.members(Role.BUILDER)
    set_decisions(p, builders[:1], Role.BUILDER, "submit", 0.2)
    set_decisions(p, builders[1:2], Role.BUILDER, "submit", 0.8)
    model.step()
    submitted = seen[0].submitted[p.position(Role.BUILDER, builders)]
    assert not submitted[0] and submitted[1:].all()
    model.finish()


def test_effort_and_sharpness_reshape_a_validators_weights_and_what_it_pays_for(compose, tmp_path):
    """Four submissions weighed [0.1, 0.2, 0.3, 0.4] by every honest validator: effort 0.5
    keeps ⌈2⌉ of them (the rest 0) and is charged for 2; sharpness 2 gives
    [0.01, 0.04, 0.09, 0.16] / 0.30 (the row's sum, 1, kept); the others keep the rule's."""
    model = built(compose, tmp_path)
    world, role = model.world, Role.VALIDATOR
    p, validators = world.population, world.population.blocks[role]
    honest = np.tile([0.1, 0.2, 0.3, 0.4], (len(validators), 1))
    online, submitted = p.online[validators].copy(), np.ones(4, dtype=bool)
    set_decisions(p, validators[:1], role, "effort", 0.5)
    set_decisions(p, validators[1:2], role, "sharpness", 2.0)
    weights = world.roles[role].weights(
        honest.copy(), online, submitted, np.zeros(4), None, world.cfg.adversaries,
        np.random.default_rng(0),
    )  # fmt: skip
    kept = weights[0] > 0
    assert kept.sum() == 2
    np.testing.assert_allclose(weights[0, kept], honest[0, kept])
    np.testing.assert_allclose(weights[1], np.array([0.01, 0.04, 0.09, 0.16]) / 0.30)
    np.testing.assert_allclose(weights[2:], honest[2:])
    members = p.members(role)
    scored = world.roles[role].scored(members, 4, world.cfg.adversaries)
    assert scored[0] == 2 and (scored[1:] == 4).all()
    model.finish()


def test_builders_license_the_cheapest_shards_and_pay_their_price(compose, tmp_path):
    """Eight data providers, two at 0.1 tokens a licence and the rest at 1.5: every builder that
    trains licenses the two cheap shards (learning.licenses_per_builder = 2) and pays 0.2."""
    model = built(compose, tmp_path)
    world, p = model.world, model.world.population
    providers = p.members(Role.DATA_PROVIDER)
    prices = np.full(len(providers), 1.5)
    prices[[3, 5]] = 0.1
    set_decisions(p, providers, Role.DATA_PROVIDER, "licence_price", prices)
    builders = p.members(Role.BUILDER)
    training = np.arange(len(builders))
    table = np.full((len(builders), world.engine.records_per_builder), -1, dtype=np.int64)
    before = world.ledger.balances.copy()
    positions = p.position(Role.DATA_PROVIDER, providers)
    world.organisation.training_records(world, positions, training, table)
    cheap = world.engine.shard_table[positions[[3, 5]]]
    expected = np.sort(cheap[cheap >= 0])
    for row in table:
        np.testing.assert_array_equal(np.sort(row[row >= 0]), expected)
    paid = (before - world.ledger.balances)[builders]
    np.testing.assert_array_equal(paid, 200_000)  # 0.2 tokens in micro-token units
    earned = (world.ledger.balances - before)[providers]
    np.testing.assert_array_equal(earned[[3, 5]], 100_000 * len(builders))
    assert earned.sum() == paid.sum()
    model.finish()


def test_a_move_decision_replaces_the_nominators_review(compose, tmp_path):
    model = built(compose, tmp_path, "population.nominators=6")
    world, p = model.world, model.world.population
    nominators, validators = p.members(Role.NOMINATOR), p.blocks[Role.VALIDATOR]
    yields = np.zeros(len(validators))
    best = int(np.flatnonzero(p.active[validators])[-1])
    yields[best] = 1.0
    others = nominators[p.delegate[nominators] != validators[best]]
    assert len(others) >= 2
    set_decisions(p, others[:1], Role.NOMINATOR, "move", 1.0)
    set_decisions(p, nominators[np.isin(nominators, others[:1], invert=True)],
                  Role.NOMINATOR, "move", 0.0)  # fmt: skip
    before = p.delegate.copy()
    moved, _ = move_stake(world, yields)
    assert moved == 1 and p.delegate[others[0]] == validators[best]
    stayed = nominators[nominators != others[0]]
    np.testing.assert_array_equal(p.delegate[stayed], before[stayed])
    model.finish()


def test_candidates_register_only_below_their_bound(compose, tmp_path):
    """A 5-token burn: candidates whose bound is 4 stay out, those at 6 apply."""
    overrides = ("access=registration_burn", "population.arrival_rate=50")
    for bound, admitted in ((4.0, False), (6.0, True)):
        model = built(compose, tmp_path, *overrides)
        world, p = model.world, model.world.population
        free = p.free_slots(Role.BUILDER)
        set_decisions(p, free, Role.BUILDER, "register_below", bound)
        outcome = arrivals(world, Role.BUILDER)
        assert (outcome is not None and outcome[1] == len(free)) == admitted
        assert outcome is None or outcome[2] == 5.0
        model.finish()


def test_unset_decisions_leave_the_rules_and_units_map_onto_bounds():
    from sim.population import Population

    p = Population.layout({r: 2 for r in Role if r != Role.COORDINATOR}, 0)
    slots = p.members(Role.VALIDATOR) if p.active.any() else p.blocks[Role.VALIDATOR]
    assert np.isnan(decided(p, slots, Role.VALIDATOR, "effort")).all()
    for role, fields in DECISIONS.items():
        for d in fields:
            np.testing.assert_allclose(to_values(role, d.name, [-1, 1, 5]), [d.low, d.high, d.high])
            np.testing.assert_allclose(to_units(role, d.name, to_values(role, d.name, 0.3)), 0.3)


def test_unknown_decisions_are_refused_by_name():
    with pytest.raises(ValueError, match="validator.efort: no such decision"):
        parse("validator.efort")
    with pytest.raises(ValueError, match="role one of"):
        parse("miner.effort")
    with pytest.raises(ParameterError, match="no such decision"):
        PolicyGradient(decisions=["validator.efort"])
    with pytest.raises(ParameterError, match="candidate's decision"):
        PolicyGradient(decisions=["builder.register_below"])

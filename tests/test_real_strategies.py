"""The strategies real participants use, each checked on a hand-stepped economy: it does what it
claims, and costs and saves what it does on the real network."""

import numpy as np

from sim import model as model_module
from sim.model import EconomyModel
from sim.roles import Role


def stepped(compose, tmp_path, *overrides):
    config = compose(*overrides, "baseline=null")["decentralized"]
    return EconomyModel.from_config(config, tmp_path / "ledger.jsonl")


def test_a_model_copier_resubmits_last_epochs_best_rewarded_model(compose, tmp_path, monkeypatch):
    """Epoch 0: nothing has committed, so the copier resubmits the network model.  Epoch 1: it
    submits exactly the model that earned the most agreed weight in epoch 0, and buys no
    compute for it."""
    seen = []
    train = model_module.phases.train_and_submit

    def watched(world, market, data):
        submissions = train(world, market, data)
        seen.append((market, submissions, np.array(world.engine.theta)))
        return submissions

    decisions = []
    decide = model_module.phases.reach_consensus

    def recorded(world, evaluation, submissions, faults):
        decisions.append(decide(world, evaluation, submissions, faults))
        return decisions[-1]

    monkeypatch.setattr(model_module.phases, "train_and_submit", watched)
    monkeypatch.setattr(model_module.phases, "reach_consensus", recorded)
    model = stepped(compose, tmp_path, "adversaries.model_copiers=0.2")
    p = model.world.population
    copier = np.flatnonzero(p.flagged("model_copier", Role.BUILDER))
    assert len(copier) == 1  # round(0.2 · 6)
    model.step()
    market, submissions, network = seen[0]
    np.testing.assert_array_equal(submissions.thetas[copier[0]], network)
    best = model.world.state.best_model.copy()
    merit = decisions[0].outcome.builder_weight * submissions.submitted
    np.testing.assert_array_equal(best, submissions.thetas[int(np.argmax(merit))])
    assert not np.array_equal(best, network)  # an honest builder's trained model
    model.step()
    market, submissions, _ = seen[1]
    np.testing.assert_array_equal(submissions.thetas[copier[0]], best)
    assert submissions.submitted[copier[0]] and market.steps[copier[0]] == 0
    model.finish()


def test_a_lazy_validator_scores_only_its_sample_and_pays_for_it_alone(compose, tmp_path):
    """adversaries.lazy_sample=0.34 of six submissions: ⌈2.04⌉ = 3 scored.  The lazy
    validator's weights are its honest weights on those three and zero elsewhere, it is charged
    the evaluation cost of three, an honest validator of six."""
    model = stepped(
        compose,
        tmp_path,
        "adversaries.lazy_validators=0.25",
        "adversaries.lazy_sample=0.34",
        "economy.evaluation_cost=0.01",
        "scoring=softmax",  # every submission gets a positive honest weight
    )
    world = model.world
    p = world.population
    validators = p.blocks[Role.VALIDATOR]
    lazy = np.flatnonzero(p.flagged("lazy_validator", Role.VALIDATOR))
    honest = np.flatnonzero(p.adversary[validators[:4]] == "")
    assert len(lazy) == 1 and len(honest) == 3
    seen = []
    evaluate = model_module.phases.evaluate

    def watched(world, submissions, data):
        seen.append((submissions, evaluate(world, submissions, data)))
        return seen[-1][1]

    model_module.phases.evaluate = watched
    try:
        model.step()
    finally:
        model_module.phases.evaluate = evaluate
    submissions, evaluation = seen[0]
    assert submissions.submitted.sum() == 6
    row = evaluation.weights[lazy[0]]
    assert np.count_nonzero(row) == 3 and (row[~submissions.submitted] == 0).all()
    assert np.count_nonzero(evaluation.weights[honest[0]]) == 6
    assert evaluation.scored[validators[lazy[0]]] == 3
    assert evaluation.scored[validators[honest[0]]] == 6
    model.finish()


def test_validators_can_compare_strategies_by_return_on_stake(compose, tmp_path):
    """population.payoff=return_on_capital: a validator learns from its profit per token of
    stake at the epoch's start (with what nominators delegate to it); a builder, whose merit
    does not grow with its balance, from its profit."""
    from sim.epoch.adaptation import payoff
    from sim.units import UNITS_PER_TOKEN

    model = stepped(
        compose, tmp_path, "adaptation=imitation", "population.payoff=return_on_capital",
        "population.nominators=2",
    )  # fmt: skip
    world = model.world
    p = world.population
    start = world.ledger.balances.copy()
    stake = p.validator_stake(start) / UNITS_PER_TOKEN
    model.step()
    validators, builders = p.blocks[Role.VALIDATOR], p.members(Role.BUILDER)
    active = validators[p.active[validators]]
    np.testing.assert_allclose(p.capital[active], stake[p.active[validators]])
    np.testing.assert_allclose(p.capital[builders], start[builders] / UNITS_PER_TOKEN)
    expected = p.profit[active] / np.maximum(p.capital[active], 1.0)
    np.testing.assert_allclose(payoff(world, Role.VALIDATOR, active), expected)
    np.testing.assert_array_equal(payoff(world, Role.BUILDER, builders), p.profit[builders])
    world.cfg.population.payoff = "profit"
    np.testing.assert_array_equal(payoff(world, Role.VALIDATOR, active), p.profit[active])
    model.finish()


def test_a_uid_hoarder_pays_every_registration_burn_and_its_uids_resubmit_its_model(
    compose, tmp_path, monkeypatch
):
    """adversaries.hoard_uids=3 under a 5-token registration burn: in its first epoch the hoarder
    registers two identities, pays 2 × 5 tokens itself, and both resubmit its own submission
    (buying no compute); it learns from its profit plus theirs.  When it turns honest its
    identities are deregistered at once and it pays nothing more."""
    from sim.epoch.adaptation import payoff
    from sim.units import UNITS_PER_TOKEN

    seen = []
    train = model_module.phases.train_and_submit

    def watched(world, market, data):
        seen.append((market, train(world, market, data)))
        return seen[-1][1]

    monkeypatch.setattr(model_module.phases, "train_and_submit", watched)
    model = stepped(
        compose, tmp_path, "adversaries.uid_hoarders=0.2", "adversaries.hoard_uids=3",
        "access=registration_burn", "population.arrival_rate=0",
    )  # fmt: skip
    world = model.world
    p = world.population
    builders = p.blocks[Role.BUILDER]
    hoarder = int(builders[np.flatnonzero(p.flagged("uid_hoarder", Role.BUILDER))[0]])
    burned = world.ledger.burned
    model.step()
    identities = np.flatnonzero(
        p.active & (p.owner == hoarder) & (np.arange(len(p.owner)) != hoarder)
    )
    assert len(identities) == 2 and (p.adversary[identities] == "sybil").all()
    assert world.ledger.burned - burned == 2 * 5 * UNITS_PER_TOKEN
    assert world.ledger.burned_this_epoch["registration"] == 2 * 5 * UNITS_PER_TOKEN
    market, submissions = seen[0]
    rows, own = p.position(Role.BUILDER, identities), p.position(Role.BUILDER, hoarder)
    assert submissions.submitted[own] and submissions.submitted[rows].all()
    for row in rows:
        np.testing.assert_array_equal(submissions.thetas[row], submissions.thetas[own])
    assert (market.steps[rows] == 0).all() and market.steps[own] > 0
    expected = p.profit[hoarder] + p.profit[identities].sum()
    np.testing.assert_allclose(payoff(world, Role.BUILDER, np.array([hoarder])), [expected])
    model.step()  # it keeps its UIDs without paying again
    assert p.active[identities].all()
    assert world.ledger.burned_this_epoch.get("registration", 0) == 0
    p.adversary[hoarder] = ""
    world.recast(hoarder, world.roles[Role.BUILDER].agent_class(""))
    model.step()
    assert not p.active[identities].any()
    assert world.ledger.burned_this_epoch.get("registration", 0) == 0
    model.finish()


def test_yield_chasers_review_every_epoch_and_pay_the_switching_cost(compose, tmp_path):
    """delegation.review_probability=0: loyal nominators stay where genesis put them, yield
    chasers move to the validator with the best estimated yield whenever the horizon's extra
    yield pays the switching cost, burning that share of what they move.  Nominators learn from
    their profit per token staked."""
    from sim.epoch.adaptation import payoff

    model = stepped(
        compose, tmp_path, "population.nominators=8", "adversaries.yield_chasers=0.5",
        "delegation.review_probability=0", "delegation.switching_cost=0.001",
        "population.payoff=return_on_capital",
    )  # fmt: skip
    world = model.world
    p = world.population
    nominators = p.members(Role.NOMINATOR)
    chasers = nominators[p.adversary[nominators] == "yield_chaser"]
    loyal = nominators[p.adversary[nominators] == ""]
    assert len(chasers) == 4 and len(loyal) == 4
    genesis = p.delegate.copy()
    moved = []
    for _ in range(3):
        delegated = p.delegate.copy()
        model.step()
        validators = p.blocks[Role.VALIDATOR]
        live = p.active[validators]
        best = validators[live][np.argmax(p.yield_estimate[validators][live])]
        movers = nominators[p.delegate[nominators] != delegated[nominators]]
        assert np.isin(movers, chasers).all()
        assert (p.delegate[movers] == best).all()
        # Each mover burned ⌊0.001 · what it moved⌋: its balance after the move plus the fee.
        burned = world.ledger.burned_this_epoch.get("restake fee", 0)
        after = world.ledger.balances[movers]
        fees = np.floor((after + 0.001 * after / 0.999) * 0.001)
        assert abs(burned - fees.sum()) <= len(movers)  # ⌊·⌋ of the reconstruction
        assert (burned > 0) == (len(movers) > 0)
        moved += movers.tolist()
    assert len(moved) > 0
    np.testing.assert_array_equal(p.delegate[loyal], genesis[loyal])
    expected = p.profit[nominators] / np.maximum(p.capital[nominators], 1.0)
    np.testing.assert_allclose(payoff(world, Role.NOMINATOR, nominators), expected)
    model.finish()


def test_honest_profit_is_the_mean_profit_of_honest_builders_and_validators(compose, tmp_path):
    from sim.epoch.adaptation import strategy_shares

    model = stepped(
        compose, tmp_path, "adaptation=imitation", "adversaries.free_riders=0.34",
        "adversaries.weight_copiers=0.25",
    )  # fmt: skip
    model.step()
    p = model.world.population
    members = np.concatenate([p.members(Role.BUILDER), p.members(Role.VALIDATOR)])
    honest = members[p.adversary[members] == ""]
    assert 0 < len(honest) < len(members)
    shares = strategy_shares(model.world)
    assert shares["honest_profit"] == np.mean(p.profit[honest])
    model.finish()

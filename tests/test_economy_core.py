"""The economy core phase by phase (sim/epoch/): each phase called on a hand-built world with
inputs whose right outcome follows from the phase's stated rule, so that breaking the rule
breaks a test (the phase tests that benchmarks/mutants.py --label economy measures)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.epoch.bookkeeping import account_profits, suppliers
from sim.epoch.faults import apply_faults
from sim.epoch.governance import govern
from sim.epoch.results import Evaluation, Faults, MarketResult, Payments
from sim.epoch.rewards import consumer_payments
from sim.organisation import affordable
from sim.population import TREASURY
from sim.roles import Role
from sim.units import UNITS_PER_TOKEN


@pytest.fixture
def model(compose, tmp_path):
    from sim.model import EconomyModel

    def build(*overrides):
        cfg = compose("baseline=null", *overrides)["decentralized"]
        return EconomyModel.from_config(cfg, tmp_path / "ledger.jsonl")

    return build


def _online_after_faults(m):
    apply_faults(m.world)
    return m.population.online.copy()


def test_independent_failures_take_every_node_or_none(model):
    p_all = model("faults.offline_probability=1.0")
    assert not _online_after_faults(p_all).any()
    none = model("faults.offline_probability=0.0")
    online = _online_after_faults(none)
    np.testing.assert_array_equal(online, none.population.active)


def test_a_failed_domain_takes_all_its_nodes_down(model):
    m = model(
        "faults.offline_probability=0.0",
        "faults.failure_domains=1",
        "faults.domain_failure_probability=1.0",
    )
    assert not _online_after_faults(m).any()


def test_a_partition_cuts_exactly_its_share_while_it_lasts(model):
    m = model(
        "faults.offline_probability=0.0",
        "faults.partition_start=1",
        "faults.partition_length=2",
        "faults.partition_fraction=0.25",
    )
    p = m.population
    members = int((p.active & (p.role != Role.COORDINATOR)).sum())
    for epoch, cut in ((0, 0), (1, round(0.25 * members)), (2, round(0.25 * members)), (3, 0)):
        m.world.epoch = epoch
        online = _online_after_faults(m)
        assert int((p.active & ~online).sum()) == cut, epoch


def test_targeted_removal_by_stake_removes_the_richest(model):
    m = model(
        "faults.offline_probability=0.0",
        "faults.targeted_removal_epoch=0",
        "faults.targeted_removal_fraction=0.1",
        "faults.targeted_removal_by=stake",
    )
    p, ledger = m.population, m.ledger
    candidates = [n for n in m.graph.nodes if p.active[n] or n == TREASURY]
    k = round(0.1 * len(candidates))
    balances = {n: int(ledger.balances[n]) for n in candidates}
    richest = sorted(candidates, key=lambda n: -balances[n])[:k]
    apply_faults(m.world)
    removed = [n for n in richest if n != TREASURY]  # a network's treasury is not a node...
    assert not p.active[removed].any()
    assert int(p.active[candidates].sum()) >= len(candidates) - k - 1
    assert (p.active[[n for n in candidates if n not in richest]]).all()


def test_profit_is_the_balance_change_less_costs_and_losses_build_streaks(model):
    m = model()
    p, ledger = m.population, m.ledger
    start = ledger.balances.copy()
    supplying = suppliers(p)
    a, b = np.flatnonzero(supplying)[:2]
    ledger.transfer([a], [b], [3 * UNITS_PER_TOKEN], "test")
    p.online[:] = p.active
    sold = np.zeros(p.size)
    sold[b] = 2.0
    scored = np.zeros(p.size)
    scored[a] = 4
    m.cfg.economy.evaluation_cost = 0.25
    streak_before = p.loss_streak.copy()
    evaluation = Evaluation(np.zeros((0, 0)), np.zeros(0), 0, 0, scored)
    account_profits(
        m.world, start, MarketResult(np.zeros(0), sold, None, 0), evaluation, Faults(True)
    )
    expected_a = -3.0 - p.operating_cost[a] - 0.25 * 4
    expected_b = 3.0 - p.operating_cost[b] - p.unit_cost[b] * 2.0
    assert p.profit[a] == pytest.approx(expected_a)
    assert p.profit[b] == pytest.approx(expected_b)
    assert p.loss_streak[a] == streak_before[a] + 1
    if expected_b >= 0:
        assert p.loss_streak[b] == 0
    consumers = p.members(Role.CONSUMER)
    assert (p.loss_streak[consumers] == streak_before[consumers]).all()


def test_consumers_pay_the_price_each_and_nobody_pays_when_the_operator_is_down(model):
    m = model("faults.offline_probability=0.0")
    p, ledger = m.population, m.ledger
    p.online[:] = p.active
    m.world.state.test_accuracy = 1.0  # a perfect model: whoever values it above the price buys
    before = ledger.balances.copy()
    revenue, buyers = consumer_payments(m.world, Faults(True))
    price = round(m.world.state.consumer_price * UNITS_PER_TOKEN)
    paid = before - ledger.balances
    consumers = p.members(Role.CONSUMER)
    consumers_online = p.members(Role.CONSUMER)
    wants = p.value[consumers_online] >= m.world.state.consumer_price
    assert buyers == int(wants.sum()) > 0 and revenue == price * buyers
    assert sorted(set(paid[consumers]) - {0}) == [price]
    assert (paid[consumers] == price).sum() == buyers
    assert ledger.balances[TREASURY] - before[TREASURY] == revenue
    again = ledger.balances.copy()
    assert consumer_payments(m.world, Faults(False)) == (0, 0)
    np.testing.assert_array_equal(ledger.balances, again)


def test_governance_weighs_the_rewards_since_the_last_proposal(model):
    m = model("economy.governance_interval=3")
    p = m.population
    paid = np.zeros(p.size)
    builder = int(p.members(Role.BUILDER)[0])
    paid[builder] = 2.0
    payments = Payments(0, 0, paid, 0, 0, True)
    for epoch in (0, 1):
        m.world.epoch = epoch
        assert govern(m.world, payments) is None
    assert m.world.state.rewards_since_vote[builder] == 4.0
    m.world.epoch = 2  # (epoch + 1) % 3 == 0: a proposal
    assert govern(m.world, payments) is not None
    assert not m.world.state.rewards_since_vote.any()


def test_a_parameter_at_its_bound_is_not_proposed_again(model):
    m = model("economy.governance_interval=1", "economy.governance_range=1.0")
    payments = Payments(0, 0, np.zeros(m.population.size), 0, 0, False)
    assert govern(m.world, payments) is None  # range 1: the start is both bounds


@pytest.mark.parametrize(
    ("held", "owed", "paid"),
    [(100, [10, 20, 30], [10, 20, 30]), (30, [10, 20, 30], [5, 10, 15]), (0, [1, 2], [0, 0])],
)
def test_a_payer_pays_in_full_or_pro_rata(model, held, owed, paid):
    m = model()
    ledger = m.ledger
    ledger.burn([TREASURY], [int(ledger.balances[TREASURY])], "test")
    ledger.mint([TREASURY], [held], "test")
    out = affordable(ledger, TREASURY, np.array(owed))
    np.testing.assert_array_equal(out, paid)
    assert out.sum() <= held


# Tests that the economy core's mutation sample (benchmarks/mutants.py --label economy) called for.


def test_peer_means_average_each_strategys_payoffs_and_fall_back_to_ones_own():
    from sim.epoch.adaptation import peer_means

    chosen = np.array([0, 0, 1, 2])
    payoffs = np.array([1.0, 3.0, 5.0, -2.0])
    np.testing.assert_allclose(
        peer_means(chosen, payoffs, 4),
        [
            [2.0, 5.0, -2.0, 1.0],  # strategy 3 nobody played: the agent's own payoff
            [2.0, 5.0, -2.0, 3.0],
            [2.0, 5.0, -2.0, 5.0],
            [2.0, 5.0, -2.0, -2.0],
        ],
    )


def test_unplayed_strategies_can_be_credited_with_what_they_last_earned():
    """population.unplayed_payoff=last_seen: epoch 1 plays strategies 0 and 3 (means 2 and 7);
    epoch 2 plays only 0 and 1, so strategy 3 is credited with its 7 from epoch 1, and
    strategy 2, never played, with each agent's own payoff."""
    from sim.epoch.adaptation import peer_means

    memory = np.full(4, np.nan)
    peer_means(np.array([0, 0, 3]), np.array([1.0, 3.0, 7.0]), 4, memory)
    np.testing.assert_allclose(memory, [2.0, np.nan, np.nan, 7.0])
    np.testing.assert_allclose(
        peer_means(np.array([0, 1]), np.array([4.0, -1.0]), 4, memory),
        [[4.0, -1.0, 4.0, 7.0], [4.0, -1.0, -1.0, 7.0]],
    )
    np.testing.assert_allclose(memory, [4.0, -1.0, np.nan, 7.0])


def test_a_targeted_removal_of_nobody_removes_nobody(model):
    m = model(
        "faults.offline_probability=0.0",
        "faults.targeted_removal_epoch=0",
        "faults.targeted_removal_fraction=0.001",
    )
    active = m.population.active.copy()
    apply_faults(m.world)  # round(0.001 · N) = 0 targets
    np.testing.assert_array_equal(m.population.active, active)


def test_a_platforms_coordinator_is_never_removed_only_taken_offline(compose, tmp_path):
    from sim.model import EconomyModel

    cfg = compose(
        "baseline=null",
        "scenario=centralized",
        "faults.offline_probability=0.0",
        "faults.targeted_removal_epoch=0",
        "faults.targeted_removal_fraction=0.2",
        "faults.targeted_removal_by=stake",
    )["centralized"]
    m = EconomyModel.from_config(cfg, tmp_path / "l.jsonl")
    p = m.population
    before = int(p.active.sum())
    apply_faults(m.world)  # the coordinator's wallet is the richest: it is a target
    assert p.active[TREASURY] and not p.online[TREASURY]
    assert int(p.active.sum()) < before  # the other targets left for good


def test_a_coalitions_value_counts_only_its_accepted_members(model):
    from sim.epoch.results import Submissions
    from sim.epoch.rewards import coalition_utility

    m = model()
    theta = m.engine.theta
    b = len(m.population.blocks[Role.BUILDER])
    rng = np.random.default_rng(0)
    thetas = theta[None] + rng.normal(0, 0.5, (b, len(theta)))
    accepted = np.zeros(b, bool)
    accepted[0] = True
    value = coalition_utility(
        m.world, theta, Submissions(thetas, np.ones(b, bool)), accepted, np.ones(b)
    )
    only_rejected = np.zeros(b, bool)
    only_rejected[1:] = True
    # Rejected builders add nothing: the coalition of rejected ones is worth the model as it is.
    assert value(only_rejected) == value(np.zeros(b, bool)) == m.engine.validation_accuracy(theta)
    everyone = np.ones(b, bool)
    assert value(everyone) == value(accepted)


def test_concentration_of_nothing_is_undefined():
    from sim.metrics.concentration import effective_number, shannon_entropy

    for empty in (np.zeros(3), np.array([])):
        assert np.isnan(shannon_entropy(empty))
        assert np.isnan(effective_number(empty, 1)) and np.isnan(effective_number(empty, 2))


def test_a_metric_registers_for_every_aspect_and_only_those():
    from sim.metrics.registry import ASPECTS, METRICS, metric

    try:
        for aspect in (1, len(ASPECTS)):
            metric(aspect, "higher", name=f"_probe_{aspect}")(lambda run: 0.0)
            assert METRICS[f"_probe_{aspect}"].aspect == aspect
        metric(2, "lower", name="_probe_lower")(lambda run: 0.0)
        for aspect in (0, len(ASPECTS) + 1):
            with pytest.raises(ValueError, match="aspect must be"):
                metric(aspect, "higher")
        with pytest.raises(ValueError, match="better must be"):
            metric(1, "more")
    finally:
        for name in [n for n in METRICS if n.startswith("_probe_")]:
            del METRICS[name]


def test_votes_on_emission_with_no_tokens_in_existence(model):
    from sim.epoch.governance import interests

    m = model()
    ledger, p = m.ledger, m.population
    held = np.flatnonzero(ledger.balances)
    ledger.burn(held, ledger.balances[held], "test")
    builder = int(p.members(Role.BUILDER)[0])
    m.world.state.rewards_since_vote = np.zeros(p.size)
    m.world.state.rewards_since_vote[builder] = 1.0
    votes = interests(m.world, "emission_per_epoch", 20.0, 24.0, True, np.zeros(p.size))
    assert votes[builder] == 1 and set(np.unique(votes)) <= {-1, 0, 1}
    assert (votes[np.arange(p.size) != builder] == 0).all()


def test_rank_correlation_needs_three_points_and_varying_merit():
    from sim.metrics.measures import rank_correlation

    assert np.isnan(rank_correlation(np.array([1.0, 2.0]), np.array([1.0, 2.0])))
    assert np.isnan(rank_correlation(np.array([1.0, 1.0, 1.0]), np.array([1.0, 2.0, 3.0])))
    assert rank_correlation(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.0])) == 1.0


def test_betweenness_centralization_of_a_graph_too_small_to_have_a_centre():
    import networkx as nx

    from sim.metrics.resilience import betweenness_centralization

    assert betweenness_centralization(nx.path_graph(2)) == 0.0
    assert betweenness_centralization(nx.star_graph(4)) == pytest.approx(1.0)


def test_event_means_over_no_events_take_their_stated_value():
    from types import SimpleNamespace

    from sim.metrics.registry import METRICS

    nothing = SimpleNamespace(events={"turnouts": [], "utilisation": []})
    assert np.isnan(METRICS["governance_turnout"].function(nothing))
    assert METRICS["compute_utilisation"].function(nothing) == 0.0


def test_a_metric_is_structural_as_declared():
    from types import SimpleNamespace

    from sim.metrics.registry import METRICS, MetricDefinition

    run = SimpleNamespace(epochs=3, facts={})
    declared = SimpleNamespace(epochs=3, facts={"fixed_metrics": {"probe": "an owner decides"}})
    for structural, record, kind, why in (
        (True, run, "structural", "fixed by the metric's definition"),
        (False, run, "measured", ""),
        (lambda r: r.epochs > 2, run, "structural", "fixed by the metric's definition"),
        (lambda r: r.epochs > 5, run, "measured", ""),
        (False, declared, "structural", "an owner decides"),  # the economy declares it
    ):
        value = MetricDefinition("probe", 1, "higher", lambda r: 0.5, structural)(record)
        assert (value.kind, value.fixed_by, value.value) == (kind, why, 0.5)
    assert "probe" not in METRICS


def test_the_adversary_report_compares_with_honest_peers_who_ever_joined(compose, tmp_path):
    from sim.metrics.adversaries import adversary_report
    from sim.model import EconomyModel

    cfg = compose(
        "baseline=null",
        "epochs=4",
        "adversaries.sign_flippers=0.34",
        "adversaries.sybils=0.34",
        "adversaries.weight_copiers=0.5",
        "adversaries.cabal=0.25",
        "faults.offline_probability=0",
    )["decentralized"]
    m = EconomyModel.from_config(cfg, tmp_path / "l.jsonl")
    m.run_model()
    run = m.run_record()
    report = adversary_report(run)
    final, rewards = run.final, run.totals["reward"]
    for kind, role in (("sign_flipper", Role.BUILDER), ("weight_copier", Role.VALIDATOR)):
        slots = run.slots(role)
        members = slots[final["adversary"][slots] == kind]
        honest = slots[(final["adversary"][slots] == "") & (final["joined"][slots] >= 0)]
        entry = report[kind]
        assert entry["members"] == len(members) > 0
        assert entry["mean_reward"] == pytest.approx(rewards[members].mean())
        assert entry["honest_median_reward"] == pytest.approx(np.median(rewards[honest]))
    slots = run.slots(Role.BUILDER)
    sybils = slots[final["adversary"][slots] == "sybil"]
    owners = np.unique(final["owner"][sybils])
    per_owner = [rewards[final["owner"] == o].sum() for o in owners]
    assert report["sybil"]["mean_reward"] == pytest.approx(np.mean(per_owner))
    validators = run.slots(Role.VALIDATOR)
    copiers = validators[final["adversary"][validators] == "weight_copier"]
    ever = validators[final["joined"][validators] >= 0]
    stake = final["endowment"]
    assert report["weight_copier"]["stake_share"] == pytest.approx(
        stake[copiers].sum() / stake[ever].sum()
    )
    assert "reward_per_stake_ratio" not in report["sign_flipper"]
    friend = run.facts["cabal_friend"]
    assert report["cabal"]["friend_reward"] == rewards[slots[friend]]
    m.finish()


def test_a_platform_whose_coordinator_is_down_from_the_start_trains_on_an_empty_lake(
    compose, tmp_path
):
    from sim.model import EconomyModel

    cfg = compose(
        "baseline=null",
        "scenario=centralized",
        "epochs=3",
        "faults.coordinator_outage_start=0",
        "faults.coordinator_outage_length=1",
    )["centralized"]
    m = EconomyModel.from_config(cfg, tmp_path / "l.jsonl")
    m.step()  # no provider could hand its records to an offline coordinator
    assert m.world.organisation.data_lake_holders() == 0
    assert m.record["trained"] == 0
    m.run_model()
    assert m.world.organisation.data_lake_holders() > 0


def test_validators_are_compared_per_unit_of_stake():
    from sim.metrics.adversaries import stake_comparison

    stake = np.array([10.0, 20.0, 30.0, 40.0])
    rewards = np.array([1.0, 4.0, 3.0, 8.0])
    out = stake_comparison(stake, rewards, np.array([0, 1]), np.array([2, 3]), np.arange(4))
    assert out["reward_per_stake_ratio"] == pytest.approx((5 / 30) / (11 / 70))
    assert out["stake_share"] == pytest.approx(0.3)
    unpaid = stake_comparison(
        stake, np.array([1.0, 0, 0, 0]), np.array([0]), np.array([2, 3]), np.arange(4)
    )
    assert np.isnan(unpaid["reward_per_stake_ratio"])  # honest validators earned nothing


def test_little_is_enough_sends_the_honest_mean_less_z_deviations():
    """Baruch et al. 2019: μ − z·σ of the honest updates (differences from the network model),
    per coordinate, added to the network model."""
    from types import SimpleNamespace

    from agents.adversary import LittleIsEnough

    model = np.array([1.0, -2.0, 0.5])
    thetas = model + np.array([[0.1, 0.2, 0.3], [0.3, 0.0, 0.1], [9.0, 9.0, 9.0]])
    population = SimpleNamespace(adversary=np.array(["", "", "little_is_enough"], dtype=object))
    round_ = SimpleNamespace(
        population=population,
        builder_slots=np.arange(3),
        submitted=np.ones(3, bool),
        thetas=thetas,
        network_model=model,
        params=SimpleNamespace(alie_z=1.5),
    )
    honest = thetas[:2] - model
    expected = model + honest.mean(axis=0) - 1.5 * honest.std(axis=0)
    out = LittleIsEnough.poisoned(round_, np.array([False, False, True]))
    np.testing.assert_allclose(out, expected[None])


def test_noise_injectors_add_gaussian_noise_to_the_network_model():
    from types import SimpleNamespace

    from agents.adversary import NoiseInjector

    model = np.array([1.0, -2.0, 0.5])
    round_ = SimpleNamespace(
        network_model=model, rng=np.random.default_rng(5), params=SimpleNamespace(noise_std=0.3)
    )
    out = NoiseInjector.poisoned(round_, np.array([True, True]))
    noise = np.random.default_rng(5).normal(0.0, 0.3, (2, 3))
    np.testing.assert_allclose(out, model + noise)


def test_adapting_roles_learn_from_their_peers_mean_payoffs(model, monkeypatch):
    from sim.epoch.adaptation import learn_strategies, peer_means

    m = model("adaptation=hedge", "adversaries.free_riders=0.34", "adversaries.weight_copiers=0.25")
    m.step()
    seen = []
    for strategies in m.world.strategies.values():
        step = strategies.rule.step

        def spy(state, chosen, payoffs, rng, counterfactual=None, step=step):
            seen.append((chosen, payoffs, counterfactual))
            return step(state, chosen, payoffs, rng, counterfactual)

        monkeypatch.setattr(strategies.rule, "step", spy)
    learn_strategies(m.world)
    assert seen
    for chosen, payoffs, counterfactual in seen:
        k = counterfactual.shape[1]
        np.testing.assert_array_equal(counterfactual, peer_means(chosen, payoffs, k))


def test_the_incentive_gets_exactly_the_measurements_it_needs(model):
    from types import SimpleNamespace

    from sim.epoch.rewards import measurements

    m = model()
    p, ledger, world = m.population, m.ledger, m.world
    builders, providers = p.blocks[Role.BUILDER], p.blocks[Role.DATA_PROVIDER]
    b = len(builders)
    theta = m.engine.theta
    sizes = np.zeros(b)
    sizes[: b // 2] = 10.0  # the other half did not train
    submissions = SimpleNamespace(thetas=np.tile(theta, (b, 1)), submitted=np.ones(b, bool))
    outcome = SimpleNamespace(accepted=np.ones(b, bool))
    data, update = SimpleNamespace(sizes=sizes), SimpleNamespace(previous_model=theta)
    args = (outcome, submissions, data, update)
    assert measurements(world, frozenset(), *args) == {}
    found = measurements(world, frozenset({"data_stake"}), *args)
    assert set(found) == {"data_stake"}
    np.testing.assert_allclose(
        found["data_stake"], ledger.balances[providers] * p.active[providers] / UNITS_PER_TOKEN
    )
    found = measurements(world, frozenset({"builder_stake", "builder_corr"}), *args)
    assert set(found) == {"builder_stake", "builder_corr"}
    stake = ledger.balances[builders] * p.active[builders] / UNITS_PER_TOKEN
    np.testing.assert_allclose(found["builder_stake"], np.where(sizes > 0, stake, 0.0))
    found = measurements(world, frozenset({"builder_utility"}), *args)
    assert found["builder_utility"](np.zeros(b, bool)) == m.engine.validation_accuracy(theta)


def test_when_every_node_fails_nothing_is_connected():
    import networkx as nx

    from sim.metrics.measures import mean_giant_component

    rng = np.random.default_rng(0)
    assert mean_giant_component(nx.path_graph(5), 1.0, rng) == 0.0
    assert mean_giant_component(nx.complete_graph(5), 0.0, rng) == 1.0
    assert np.isnan(mean_giant_component(nx.Graph(), 0.5, rng))


def test_a_sybil_group_belongs_to_its_first_identity_which_alone_trains():
    from types import SimpleNamespace

    from agents.adversary import SybilBuilder

    population = SimpleNamespace(owner=np.arange(10))
    group = np.array([4, 6, 7])
    SybilBuilder.assign(population, group)
    np.testing.assert_array_equal(population.owner[group], [4, 4, 4])
    np.testing.assert_array_equal(
        SybilBuilder.buys_compute(population, group), [True, False, False]
    )


def test_a_builder_asks_for_full_training_when_compute_is_free():
    from agents.roles import ModelBuilder

    np.testing.assert_array_equal(
        ModelBuilder.compute_demand(5.0, np.array([0.0, 10.0]), 0.0, True), [5.0, 5.0]
    )
    np.testing.assert_array_equal(
        ModelBuilder.compute_demand(5.0, np.array([0.0, 10.0, 2.0]), 1.0, True), [0.0, 5.0, 2.0]
    )


def test_leftover_steps_go_to_the_lowest_positions_among_equal_remainders():
    from agents.roles import ModelBuilder

    steps = ModelBuilder.local_steps(np.full(100, 0.015), 1.0, 10)  # 1.5 steps in all
    assert steps.dtype.kind == "i"
    assert steps.sum() == 1 and steps[0] == 1


def test_an_epoch_without_an_update_keeps_the_previous_model(model):
    from sim.epoch.update import update_model

    m = model()
    m.step()
    theta = m.engine.theta.copy()
    b = len(m.population.blocks[Role.BUILDER])
    from mechanisms.consensus.base import halted
    from sim.epoch.results import Decision, Submissions, TrainingData

    decision = Decision(halted(1, b), np.arange(1), 0, 0)
    submissions = Submissions(np.tile(theta, (b, 1)), np.zeros(b, bool))
    data = TrainingData(np.full((b, 1), -1), 0, 0)
    update = update_model(m.world, submissions, decision, data)
    assert not update.applied
    np.testing.assert_array_equal(update.previous_model, theta)
    np.testing.assert_array_equal(m.engine.theta, theta)


def test_training_records_are_whole_indices(model):
    m = model()
    m.step()
    from sim.epoch.data import obtain_data
    from sim.epoch.faults import apply_faults as faults
    from sim.epoch.market import resource_market

    data = obtain_data(m.world, resource_market(m.world, faults(m.world)))
    assert data.records.dtype.kind == "i" and (data.records >= -1).all()


def test_sybils_are_counted_per_owner_in_the_adversary_report(compose, tmp_path):
    from sim.metrics.adversaries import adversary_report
    from sim.model import EconomyModel

    cfg = compose(
        "baseline=null", "epochs=8", "adversaries.sybils=0.34", "faults.offline_probability=0"
    )["decentralized"]
    m = EconomyModel.from_config(cfg, tmp_path / "l.jsonl")
    m.run_model()
    run = m.run_record()
    final, rewards = run.final, run.totals["reward"]
    slots = run.slots(Role.BUILDER)
    sybils = slots[final["adversary"][slots] == "sybil"]
    owners = np.unique(final["owner"][sybils])
    assert len(sybils) > len(owners) >= 1  # identities share an owner
    per_owner = [rewards[final["owner"] == o].sum() for o in owners]
    assert min(per_owner) > 0
    assert adversary_report(run)["sybil"]["mean_reward"] == pytest.approx(np.mean(per_owner))
    m.finish()


def test_leftover_steps_follow_the_largest_remainders_then_the_lower_position():
    """Largest remainder (Hamilton) with ties to the lower position, on 40 builders whose
    remainders take only three values (many ties)."""
    from agents.roles import ModelBuilder

    units = np.random.default_rng(0).integers(1, 4, 40) / 4
    steps = ModelBuilder.local_steps(units, 1.0, 10)
    remainders = units - np.floor(units)
    left = int(np.floor(units.sum()) - np.floor(units).sum())
    winners = sorted(range(40), key=lambda i: (-remainders[i], i))[:left]
    expected = np.floor(units).astype(int)
    expected[winners] += 1
    np.testing.assert_array_equal(steps, expected)

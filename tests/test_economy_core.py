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

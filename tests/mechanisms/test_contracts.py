"""Contracts every member of a mechanism family meets; a new YAML in configs/<family>/ is picked
up automatically by ``members``."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mechanisms.access.base import AccessMechanism, Admission
from mechanisms.aggregation.base import AggregationRule
from mechanisms.consensus.base import ConsensusMechanism, halted
from mechanisms.contracts import ContractViolation, check
from mechanisms.governance.base import GovernanceMechanism, GovernanceOutcome
from mechanisms.incentive.base import Contributions, IncentiveMechanism, Rewards
from mechanisms.market.base import Allocation, MarketMechanism
from mechanisms.testing import check_mechanism
from sim.units import UNITS_PER_TOKEN
from tests.mechanisms.registry import ids, members


def test_every_family_has_members():
    for family in ("consensus", "incentive", "aggregation", "market", "access", "governance"):
        assert members(family), family


def _draw_round(seed, n_validators=5, n_builders=7):
    rng = np.random.default_rng(seed)
    stake = rng.lognormal(0, 1, n_validators)
    weights = rng.uniform(0.2, 1.0, (n_validators, n_builders))
    weights[rng.random(weights.shape) < 0.3] = 0.0  # unsupported submissions
    weights[:, rng.random(n_builders) < 0.2] = 0.0  # some builders did not submit
    return stake, weights


@pytest.mark.parametrize("name,mechanism", members("consensus"), ids=ids("consensus"))
@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**31))
def test_consensus_contract(name, mechanism, seed):
    assert isinstance(mechanism, ConsensusMechanism)
    stake, weights = _draw_round(seed)
    state = mechanism.init(*weights.shape)
    _, out = mechanism.step(state, stake, weights, np.ones(len(stake), bool))
    submitted = weights.any(axis=0)
    assert out.accepted.shape == out.builder_weight.shape == (weights.shape[1],)
    assert out.validator_weight.shape == out.voting_power.shape == stake.shape
    assert not np.any(out.accepted & ~submitted)
    assert np.all(out.builder_weight >= 0) and np.all(out.builder_weight[~out.accepted] == 0)
    assert out.builder_weight.sum() == pytest.approx(1.0 if out.accepted.any() else 0.0)
    assert np.all(out.validator_weight >= 0) and out.validator_weight.sum() <= 1 + 1e-9


@pytest.mark.parametrize("name,mechanism", members("consensus"), ids=ids("consensus"))
def test_consensus_halts_with_every_evaluator_offline(name, mechanism):
    stake, weights = _draw_round(0)
    _, out = mechanism.step(
        mechanism.init(*weights.shape), stake, weights, np.zeros(len(stake), bool)
    )
    assert not out.committed
    assert not out.accepted.any() and out.builder_weight.sum() == 0


contribution_vectors = st.lists(st.floats(0, 100, allow_nan=False), min_size=1, max_size=12)


def _contributions(b, v, d, revenue, seed):
    """Contributions with every optional field filled, as the model fills them."""
    rng = np.random.default_rng(seed)
    b = np.array(b)
    return Contributions(
        b,
        np.array(v),
        np.array(d),
        revenue,
        builder_utility=lambda mask: float(b[mask].sum()),
        builder_stake=rng.uniform(0, 50, len(b)),
        builder_corr=rng.uniform(-0.2, 0.2, len(b)),
        builder_mmc=rng.uniform(-0.05, 0.05, len(b)),
        data_stake=rng.uniform(0, 50, len(d)),
    )


@pytest.mark.parametrize("name,mechanism", members("incentive"), ids=ids("incentive"))
@settings(max_examples=40, deadline=None)
@given(
    b=contribution_vectors,
    v=contribution_vectors,
    d=contribution_vectors,
    revenue=st.integers(0, 10**9),
    seed=st.integers(0, 2**31),
)
def test_incentive_contract(name, mechanism, b, v, d, revenue, seed):
    assert isinstance(mechanism, IncentiveMechanism)
    c = _contributions(b, v, d, revenue, seed)
    out = mechanism.allocate(c)
    for paid, given_ in ((out.builders, b), (out.validators, v), (out.data_providers, d)):
        assert paid.dtype.kind == "i" and paid.shape == (len(given_),)
        assert np.all(paid >= 0)
        assert np.all(paid[np.array(given_) == 0] == 0)  # no contribution, no reward
    assert out.minted >= 0 and out.kept >= 0
    if out.builder_burns is not None:
        assert out.builder_burns.shape == (len(b),) and np.all(out.builder_burns >= 0)
    if out.minted > 0:  # emission-funded: nothing is paid beyond what was minted and collected
        assert out.total + out.kept <= out.minted + revenue


@pytest.mark.parametrize("name,rule", members("aggregation"), ids=ids("aggregation"))
@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 12), d=st.integers(1, 30), seed=st.integers(0, 2**31))
def test_aggregation_contract(name, rule, n, d, seed):
    assert isinstance(rule, AggregationRule)
    rng = np.random.default_rng(seed)
    updates, weights = rng.normal(size=(n, d)), rng.uniform(0.5, 2, n)
    out = rule(updates, weights)
    assert out.shape == (d,)
    # Clients in full agreement give their common update (kept small: clipping rules bound norms).
    same = np.tile(0.1 * updates[0] / max(np.linalg.norm(updates[0]), 1.0), (n, 1))
    np.testing.assert_allclose(rule(same, weights), same[0], atol=1e-12)
    assert np.all(rule(np.zeros((0, d))) == 0)


@pytest.mark.parametrize("name,market", members("market"), ids=ids("market"))
@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**31), n_b=st.integers(1, 10), n_p=st.integers(1, 10))
def test_market_contract(name, market, seed, n_b, n_p):
    assert isinstance(market, MarketMechanism)
    rng = np.random.default_rng(seed)
    demand, capacity = rng.uniform(0, 10, n_b), rng.uniform(0, 10, n_p)
    cost = rng.uniform(0, 1, n_p)
    out = market.allocate(demand, capacity, cost)
    assert out.units.sum() == pytest.approx(out.sold.sum())
    assert np.all(out.units <= demand + 1e-9) and np.all(out.units >= 0)
    assert np.all(out.sold <= capacity + 1e-9) and np.all(out.sold >= 0)
    selling = out.sold > 0
    assert np.all(out.price[selling] >= cost[selling] - 1e-12)  # nobody sells at a loss


@pytest.mark.parametrize("name,access", members("access"), ids=ids("access"))
@settings(max_examples=60, deadline=None)
@given(
    budgets=st.lists(st.floats(0, 100, allow_nan=False), max_size=12),
    free=st.integers(0, 12),
    active=st.integers(0, 20),
)
def test_access_contract(name, access, budgets, free, active):
    assert isinstance(access, AccessMechanism)
    budgets = np.array(budgets)
    out = access.admit(budgets, free, active)
    assert out.admitted.shape == out.burn.shape == budgets.shape
    assert out.admitted.sum() <= free
    assert np.all(out.burn[~out.admitted] == 0) and np.all(out.burn >= 0)
    assert np.all(out.burn / UNITS_PER_TOKEN <= budgets + 1e-9)
    assert out.entry_cost >= 0


@pytest.mark.parametrize("name,governance", members("governance"), ids=ids("governance"))
@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**31), n=st.integers(2, 20))
def test_governance_contract(name, governance, seed, n):
    assert isinstance(governance, GovernanceMechanism)
    rng = np.random.default_rng(seed)
    balances = rng.uniform(0.1, 10, n)
    owner = np.zeros(n, bool)
    owner[0] = True
    assert governance.decide(np.ones(n), balances, owner).passed
    assert not governance.decide(-np.ones(n), balances, owner).passed
    assert not governance.decide(np.zeros(n), balances, owner).passed
    out = governance.decide(rng.integers(-1, 2, n), balances, owner)
    assert 0 <= out.turnout <= 1
    assert out.yes + out.no <= out.power.sum() + 1e-9


FAMILIES_CHECKED = (
    "market",
    "access",
    "incentive",
    "consensus",
    "aggregation",
    "governance",
    "scoring",
)


@pytest.mark.parametrize(
    "family,name,mechanism",
    [(f, name, m) for f in FAMILIES_CHECKED for name, m in members(f)],
    ids=[f"{f}-{name}" for f in FAMILIES_CHECKED for name in ids(f)],
)
def test_every_member_does_its_job(family, name, mechanism):
    check_mechanism(family, mechanism)


def test_check_mechanism_names_a_missing_method_and_an_unknown_family():
    with pytest.raises(ContractViolation, match="lacks the methods of MarketMechanism"):
        check_mechanism("market", object())
    with pytest.raises(ValueError, match="family must be one of"):
        check_mechanism("oracle", object())


class _DoesNothing:
    """One object that is a do-nothing member of every family."""

    price = 1.0

    def allocate(self, *args):
        if len(args) == 3:
            demand, capacity, _ = args
            return Allocation(
                np.zeros(len(demand)), np.zeros(len(capacity)), np.ones(len(capacity))
            )
        c = args[0]
        zeros = lambda x: np.zeros(len(x), dtype=np.int64)  # noqa: E731
        return Rewards(zeros(c.builders), zeros(c.validators), zeros(c.data_providers), 0, 0)

    def admit(self, budgets, free_slots, active_count):
        return Admission(np.zeros(len(budgets), bool), np.zeros(len(budgets), np.int64), 0.0)

    def init(self, n_validators, n_builders):
        return None

    def step(self, state, stake, weights, active=None):
        return state, halted(*weights.shape)

    def __call__(self, updates, weights=None):
        return np.zeros(np.asarray(updates).shape[1])

    def decide(self, votes, balances, owner):
        return GovernanceOutcome(False, np.zeros(len(votes)), 0.0, 0.0, 0.0)

    def weigh(self, scores, baseline):
        return np.zeros(np.shape(scores))


@pytest.mark.parametrize("family", FAMILIES_CHECKED)
def test_a_do_nothing_member_fails_every_family_contract(family):
    with pytest.raises(ContractViolation):
        check(family, _DoesNothing())


ROBUST = [(n, r) for n, r in members("aggregation") if getattr(r, "tolerated", lambda n: 0)(15)]


def test_the_robust_rules_are_the_ones_that_claim_tolerance():
    assert sorted(name for name, _ in ROBUST) == ["krum", "median", "multi_krum", "trimmed_mean"]


@pytest.mark.parametrize("name,rule", ROBUST, ids=[name for name, _ in ROBUST])
def test_a_robust_rule_replaced_by_the_mean_breaks_its_contract(name, rule):
    from mechanisms.aggregation.fedavg import FedAvg

    mean = FedAvg()
    mean.tolerated = rule.tolerated  # the claim without the rule
    with pytest.raises(ContractViolation, match="outside the honest range"):
        check("aggregation", mean)


@pytest.mark.parametrize("family", FAMILIES_CHECKED)
def test_every_member_built_from_its_own_defaults_does_its_job(family):
    """A mechanism used outside the YAML configs (``Yuma()``, ``StakeBond()``) starts from its
    constructor's defaults; those must be valid and meet the family's contract too."""
    for _, configured in members(family):
        mechanism = type(configured)()
        check(family, mechanism)


def test_scoring_rules_weigh_a_hand_computed_row():
    """One evaluator, baseline 0.50, scores 0.40, 0.52, 0.61, 0.60 and one missing."""
    from mechanisms.scoring.rules import Absolute, Improvement, RankTopK, Softmax, WinnerTakeAll

    scores, baseline = np.array([[0.40, 0.52, 0.61, 0.60, np.nan]]), np.array([0.50])
    np.testing.assert_allclose(Absolute(0.05).weigh(scores, baseline), [[0, 0.52, 0.61, 0.60, 0]])
    np.testing.assert_allclose(Improvement().weigh(scores, baseline), [[0, 0.02, 0.11, 0.10, 0]])
    np.testing.assert_allclose(RankTopK(2).weigh(scores, baseline), [[0, 0, 1, 1, 0]])
    soft = Softmax(0.01).weigh(scores, baseline)[0]
    assert soft[4] == 0 and soft.sum() == pytest.approx(1.0)
    assert soft[2] / soft[3] == pytest.approx(np.e)  # 0.01 apart at temperature 0.01
    # 0.61 beats the earlier 0.60 by only 0.01: with ε = 0.02 the earlier one (position 2) wins
    # anyway, being first; against a later copy within ε the earlier keeps the weight.
    np.testing.assert_allclose(WinnerTakeAll(0.005).weigh(scores, baseline), [[0, 0, 1, 0, 0]])
    copy = np.array([[0.60, 0.605, np.nan]])
    np.testing.assert_allclose(WinnerTakeAll(0.01).weigh(copy, baseline), [[1, 0, 0]])
    np.testing.assert_allclose(WinnerTakeAll(0.001).weigh(copy, baseline), [[0, 1, 0]])

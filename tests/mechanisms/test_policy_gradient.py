"""Policy gradients against closed forms: a learning monopolist reaches the monopoly price, two
learning Cournot competitors the Cournot quantities, learning first-price bidders bid half their
value, a learning newsvendor the critical-fractile order; the categorical adaptation member
finds the better arm.  Each runs with REINFORCE and with
PPO; flipping the gradient's sign makes each fail."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from mechanisms.adaptation import policy_gradient
from mechanisms.adaptation.policy_gradient import GaussianLearner, Objective, PolicyGradient
from tests.mechanisms.bandits import better_arm_share

ALGORITHMS = ["reinforce", "ppo"]


def learn(learner, n, batch, steps, reward, mean, seed=0):
    """``steps`` rounds of ``batch`` actions per agent (no observations); returns the policy
    means (n,) averaged over the last quarter of the rounds (Polyak averaging: the estimate of
    where noisy gradient steps settle)."""
    state = learner.init(n, 1, 1, mean=mean, std=1.0)
    key = jax.random.PRNGKey(seed)
    obs = jnp.zeros((n, batch, 1))
    means = []
    for _ in range(steps):
        key, draw_key, reward_key = jax.random.split(key, 3)
        actions, log_probs = learner.sample(state, obs, draw_key)
        rewards = reward(actions[..., 0], reward_key)
        state = learner.update(state, obs, actions, rewards, log_probs)
        means.append(np.asarray(state["params"]["b"]).reshape(-1))
    return np.mean(means[-(steps // 4) :], axis=0)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_learning_sellers_reach_the_monopoly_price(algorithm):
    """Demand 10 − p, unit cost 2: profit (p − 2)(10 − p) peaks at p* = (10 + 2)/2 = 6."""
    learner = GaussianLearner(Objective(algorithm, learning_rate=0.05))

    def profit(price, _):
        return (price - 2.0) * jnp.maximum(10.0 - price, 0.0)

    prices = learn(learner, n=8, batch=32, steps=400, reward=profit, mean=3.0)
    np.testing.assert_allclose(prices, 6.0, rtol=0.02)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_two_learning_competitors_reach_the_cournot_quantities(algorithm):
    """Inverse demand P = a − b(q₁ + q₂) with a = 10, b = 1, unit cost c = 1: the Cournot–Nash
    quantities are (a − c)/(3b) = 3 each (monopoly would be 4.5 in all, perfect competition 9);
    each firm learns its own quantity against the other's draws."""
    learner = GaussianLearner(Objective(algorithm, learning_rate=0.03))

    def profit(quantity, _):
        quantity = jnp.maximum(quantity, 0.0)
        price = 10.0 - quantity.sum(axis=0, keepdims=True)
        return (price - 1.0) * quantity

    quantities = learn(learner, n=2, batch=128, steps=800, reward=profit, mean=1.0)
    np.testing.assert_allclose(quantities, 3.0, rtol=0.05)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_learning_bidders_in_a_first_price_auction_bid_half_their_value(algorithm):
    """Two bidders, private values uniform on [0, 1], the higher bid wins and pays itself: the
    symmetric equilibrium bids (n − 1)/n · v = v/2 (Vickrey 1961).  Each bidder learns its own
    bid, linear in its value (observed centred, v − 1/2), from 256 auctions a round; the bid the
    policy means at each value ends within 0.04 of v/2."""
    learner = GaussianLearner(Objective(algorithm, learning_rate=0.01), min_std=0.02)
    state = learner.init(2, 1, 1, mean=0.3, std=0.2)
    key = jax.random.PRNGKey(0)
    slopes, intercepts = [], []
    for _ in range(4000):
        key, value_key, draw_key = jax.random.split(key, 3)
        centred = jax.random.uniform(value_key, (2, 256, 1)) - 0.5
        bids, log_probs = learner.sample(state, centred, draw_key)
        bid, value = bids[..., 0], centred[..., 0] + 0.5
        surplus = jnp.where(bid >= bid[::-1], value - bid, 0.0)
        state = learner.update(state, centred, bids, surplus, log_probs)
        slopes.append(np.asarray(state["params"]["w"]).reshape(-1))
        intercepts.append(np.asarray(state["params"]["b"]).reshape(-1))
    slope, intercept = np.mean(slopes[-1000:], axis=0), np.mean(intercepts[-1000:], axis=0)
    for value in np.linspace(0.2, 1.0, 5):
        np.testing.assert_allclose(slope * (value - 0.5) + intercept, value / 2, atol=0.04)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_a_learning_builder_buys_the_newsvendor_quantity(algorithm):
    """Compute bought at 1 a unit, worth 3 a unit used, need uniform on [0, 10]: the expected
    profit 3·E[min(q, D)] − q peaks at the critical fractile F⁻¹((3 − 1)/3) = 20/3 (one policy
    shared by 16 builders)."""
    # A noise floor keeps exploring (a quadratic's maximiser is unmoved by symmetric noise).
    learner = GaussianLearner(Objective(algorithm, learning_rate=0.05), shared=True, min_std=0.5)

    def profit(quantity, key):
        need = jax.random.uniform(key, quantity.shape) * 10.0
        return 3.0 * jnp.minimum(quantity, need) - quantity

    (quantity,) = learn(learner, n=16, batch=64, steps=800, reward=profit, mean=3.0)
    assert quantity == pytest.approx(20 / 3, rel=0.05)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("shared", [False, True], ids=["per_agent", "shared"])
def test_the_adaptation_member_finds_the_better_arm(algorithm, shared):
    """Bernoulli arms paying 0.3 and 0.7, bandit feedback only: 200 learners end up on the
    0.7 arm."""
    rule = PolicyGradient(algorithm=algorithm, learning_rate=0.05, shared=shared)
    share, state = better_arm_share(rule, rounds=300)
    assert share >= 0.95
    if shared:
        assert np.ptp(state.logits, axis=0).max() < 1e-9  # one policy for the role


@pytest.fixture
def fresh_compilations():
    """Compiled steps are cached by their static arguments: a test that patches the objective
    compiles anew, and leaves nothing compiled under its patch to later tests."""
    jax.clear_caches()
    yield
    jax.clear_caches()


def test_flipping_the_gradient_sign_breaks_learning(monkeypatch, fresh_compilations):
    """Descending instead of ascending the objective: the monopolist's price runs away from 6
    and the learners leave the better arm."""
    surrogate = Objective.surrogate
    monkeypatch.setattr(
        policy_gradient.Objective, "surrogate", lambda self, *a: -surrogate(self, *a)
    )
    learner = GaussianLearner(Objective("reinforce", learning_rate=0.05))

    def profit(price, _):
        return (price - 2.0) * jnp.maximum(10.0 - price, 0.0)

    prices = learn(learner, n=4, batch=32, steps=200, reward=profit, mean=3.0)
    assert np.all(np.abs(prices - 6.0) > 1.0)
    share, _ = better_arm_share(PolicyGradient(learning_rate=0.05), rounds=300)
    assert share < 0.5


def test_bad_parameters_are_named():
    from mechanisms.parameters import ParameterError

    with pytest.raises(ParameterError, match="algorithm"):
        PolicyGradient(algorithm="sarsa")
    with pytest.raises(ParameterError, match="clip"):
        PolicyGradient(algorithm="ppo", clip=1.5)

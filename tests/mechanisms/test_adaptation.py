"""The adaptation family: its contract on every member, and the closed forms of evolutionary
game theory and online learning that each rule must reproduce."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mechanisms.adaptation.base import AdaptationRule, draw
from mechanisms.adaptation.conditional_regret import ConditionalRegretMatching
from mechanisms.adaptation.fixed import Fixed
from mechanisms.adaptation.hedge import Hedge
from mechanisms.adaptation.imitation import Imitation
from mechanisms.adaptation.regret_matching import RegretMatching
from mechanisms.testing import check_mechanism
from tests.mechanisms.bandits import better_arm_share
from tests.mechanisms.registry import ids, members


def random_rows(rng, n, k):
    rows = rng.random((n, k)) + 0.05
    return rows / rows.sum(axis=1, keepdims=True)


def play(rule, rows, seed, rounds=5, informed=False):
    """A few steps with random payoffs; returns every policy seen."""
    rng = np.random.default_rng(seed)
    state = rule.init(rows)
    seen = [rule.policy(state)]
    for _ in range(rounds):
        chosen = draw(rule.policy(state), rng)
        counterfactual = rng.normal(size=rows.shape) if informed else None
        payoffs = (
            counterfactual[np.arange(len(rows)), chosen] if informed else rng.normal(size=len(rows))
        )
        state = rule.step(state, chosen, payoffs, rng, counterfactual)
        seen.append(rule.policy(state))
    return seen


@pytest.mark.parametrize("name,rule", members("adaptation"), ids=ids("adaptation"))
@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**31), n=st.integers(1, 30), k=st.integers(1, 5), informed=st.booleans()
)
def test_adaptation_contract(name, rule, seed, n, k, informed):
    assert isinstance(rule, AdaptationRule)
    rows = random_rows(np.random.default_rng(seed), n, k)
    seen = play(rule, rows, seed, informed=informed)
    for policy in seen:  # rows stay probability vectors
        assert policy.shape == (n, k)
        assert np.all(policy >= 0) and np.allclose(policy.sum(axis=1), 1.0)
    again = play(rule, rows, seed, informed=informed)  # deterministic given the rng
    assert all(np.array_equal(a, b) for a, b in zip(seen, again, strict=True))


@pytest.mark.parametrize("name,rule", members("adaptation"), ids=ids("adaptation"))
def test_every_member_meets_the_public_check(name, rule):
    check_mechanism("adaptation", rule)


def test_fixed_never_changes():
    rows = random_rows(np.random.default_rng(0), 10, 3)
    seen = play(Fixed(), rows, 0, rounds=20, informed=True)
    assert all(np.array_equal(p, rows) for p in seen)


def test_a_state_is_never_changed_in_place():
    rng = np.random.default_rng(1)
    for rule in (Hedge(), RegretMatching(), ConditionalRegretMatching(), Imitation(), Fixed()):
        state = rule.init(random_rows(rng, 6, 3))
        state = rule.step(state, rng.integers(0, 3, 6), rng.normal(size=6), rng)
        before = rule.policy(state).copy()
        rule.step(state, rng.integers(0, 3, 6), rng.normal(size=6), rng, rng.normal(size=(6, 3)))
        np.testing.assert_array_equal(rule.policy(state), before)


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="sum to 1"):
        Hedge().init(np.array([[0.5, 0.6]]))
    state = Hedge().init(np.full((3, 2), 0.5))
    with pytest.raises(ValueError, match="chosen strategies must lie in 0…1"):
        Hedge().step(state, np.array([0, 1, 2]), np.zeros(3), np.random.default_rng(0))
    with pytest.raises(ValueError, match="learning_rate must be > 0"):
        Hedge(learning_rate=0)


# ---------------------------------------------------------------- closed forms


def test_imitation_drives_hawk_dove_to_the_mixed_ess():
    """Hawk–Dove with V = 2, C = 3 and random pairing: the evolutionarily stable share of hawks is
    V/C = 2/3 (Maynard Smith & Price, Nature 1973); imitation's mean dynamics, the replicator
    dynamics, converge to it."""
    v, c, n = 2.0, 3.0, 4000
    payoff = np.array([[(v - c) / 2, v], [0.0, v / 2]])  # row: hawk (0), dove (1)
    rng = np.random.default_rng(0)
    rule = Imitation(rate=0.5)
    state = rule.init(np.tile([0.1, 0.9], (n, 1)))
    shares = []
    for _ in range(300):
        chosen = draw(rule.policy(state), rng)
        partner = rng.permutation(n).reshape(-1, 2)
        earned = np.empty(n)
        earned[partner[:, 0]] = payoff[chosen[partner[:, 0]], chosen[partner[:, 1]]]
        earned[partner[:, 1]] = payoff[chosen[partner[:, 1]], chosen[partner[:, 0]]]
        state = rule.step(state, chosen, earned, rng)
        shares.append(np.mean(chosen == 0))
    assert np.mean(shares[-150:]) == pytest.approx(v / c, abs=0.02)


def test_full_information_hedge_averages_to_the_rock_paper_scissors_equilibrium():
    """Two Hedge learners in rock–paper–scissors: their time-averaged strategies approach the
    unique equilibrium (1/3, 1/3, 1/3) (Freund & Schapire, Games Econ. Behav. 29, 1999)."""
    game = np.array([[0.0, -1.0, 1.0], [1.0, 0.0, -1.0], [-1.0, 1.0, 0.0]])
    rule = Hedge(learning_rate=0.02)
    state = rule.init(np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]]))
    rng = np.random.default_rng(0)
    total = np.zeros((2, 3))
    rounds = 20_000
    for _ in range(rounds):
        p = rule.policy(state)
        total += p
        counterfactual = np.stack([game @ p[1], game @ p[0]])
        chosen = draw(p, rng)
        state = rule.step(state, chosen, counterfactual[np.arange(2), chosen], rng, counterfactual)
    np.testing.assert_allclose(total / rounds, 1 / 3, atol=0.02)


def test_regret_matching_defects_in_the_prisoners_dilemma_with_shrinking_regret():
    """Defection strictly dominates, so regret matching plays it; the average regret falls at
    least as fast as O(1/√T) (Hart & Mas-Colell, Econometrica 2000)."""
    game = np.array([[3.0, 0.0], [5.0, 1.0]])  # row: cooperate (0), defect (1)
    rule = RegretMatching()
    rng = np.random.default_rng(0)
    state = rule.init(np.full((2, 2), 0.5))
    checkpoints = {}
    for t in range(1, 2001):
        chosen = draw(rule.policy(state), rng)
        counterfactual = np.stack([game[:, chosen[1]], game[:, chosen[0]]])
        state = rule.step(state, chosen, counterfactual[np.arange(2), chosen], rng, counterfactual)
        if t in (10, 100, 1000, 2000):
            checkpoints[t] = rule.average_regret(state).max()
    assert np.all(rule.policy(state)[:, 1] == 1.0)
    for t, regret in checkpoints.items():
        assert regret <= 5.0 / np.sqrt(t), (t, regret)


def test_exp3_concentrates_on_the_better_arm():
    """EXP3 (Hedge on importance-weighted bandit feedback; Auer et al. 2002) on Bernoulli arms
    paying 0.3 and 0.7: 200 independent learners end up playing the 0.7 arm."""
    share, _ = better_arm_share(Hedge(learning_rate=0.05, exploration=0.05), rounds=1500)
    assert share > 0.9


@pytest.mark.parametrize("rule", [Imitation(), RegretMatching()], ids=["imitation", "regret"])
def test_contributions_die_out_in_a_linear_public_goods_game(rule):
    """Groups of 4, endowment 1, multiplier r = 1.6 < 4: a contribution returns r/4 = 0.4 of
    itself to its contributor, so free riding is dominant and contributions die out."""
    n, size, r = 400, 4, 1.6
    rng = np.random.default_rng(0)
    state = rule.init(np.tile([0.2, 0.8], (n, 1)))  # strategy 1: contribute
    for _ in range(150):
        chosen = draw(rule.policy(state), rng)
        groups = rng.permutation(n).reshape(-1, size)
        pot = chosen[groups].sum(axis=1) * r / size
        earned = np.empty(n)
        earned[groups] = (1.0 - chosen[groups]) + pot[:, None]
        # What each strategy would have earned, the others' choices fixed.
        group_of = np.empty(n, dtype=np.int64)
        group_of[groups] = np.arange(len(groups))[:, None]
        others = pot[group_of] - chosen * r / size
        counterfactual = np.stack([1.0 + others, others + r / size], axis=1)
        state = rule.step(state, chosen, earned, rng, counterfactual)
    assert rule.policy(state)[:, 1].mean() < 0.05


# Shapley's game (Shapley 1964): each player scores 1 against one strategy of the other; its only
# Nash equilibrium is uniform play, and fictitious play cycles around it.
SHAPLEY_ROW = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
SHAPLEY_COLUMN = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])


def play_shapley(rule, rounds, seed, informed=True):
    """(rounds, 2) joint play of two learners of ``rule`` in Shapley's game, and the state."""
    rng = np.random.default_rng(seed)
    state = rule.init(np.full((2, 3), 1 / 3))
    history = np.empty((rounds, 2), dtype=np.int64)
    for t in range(rounds):
        chosen = draw(rule.policy(state), rng)
        history[t] = chosen
        counterfactual = np.stack([SHAPLEY_ROW[:, chosen[1]], SHAPLEY_COLUMN[chosen[0], :]])
        payoffs = counterfactual[np.arange(2), chosen]
        state = rule.step(state, chosen, payoffs, rng, counterfactual if informed else None)
    return history, state


def regrets_of_play(history):
    """(internal, external) regret of each player, from the joint play alone:
    internal max_{j≠k} (1/T) Σ_{s_t = j} [u(k, s₋) − u(j, s₋)], external
    max_k (1/T) Σ_t [u(k, s₋) − u(s_t, s₋)]."""
    internal, external = [], []
    for payoff, mine, other in ((SHAPLEY_ROW, 0, 1), (SHAPLEY_COLUMN.T, 1, 0)):
        against = payoff[:, history[:, other]]  # (3, T) what each strategy would have earned
        got = against[history[:, mine], np.arange(len(history))]
        switch = np.array(
            [[(against[k] - got)[history[:, mine] == j].sum() for k in range(3)] for j in range(3)]
        )
        internal.append(switch.max() / len(history))
        external.append((against.sum(axis=1) - got.sum()).max() / len(history))
    return np.array(internal), np.array(external)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_conditional_regret_matching_drives_internal_regret_down_where_unconditional_does_not(
    seed,
):
    """Hart & Mas-Colell (Econometrica 2000): conditional regret matching takes every internal
    regret to 0 (play approaches the correlated equilibria); the unconditional procedure takes
    only the external regret to 0 (coarse correlated equilibria).  The regrets measured here at
    T = 20,000 are the ones docs/mechanisms.md quotes, seed by seed."""
    rounds = 20_000
    history, state = play_shapley(ConditionalRegretMatching(), rounds, seed)
    internal, _ = regrets_of_play(history)
    assert internal.max() < 0.05
    np.testing.assert_allclose(
        ConditionalRegretMatching.internal_regret(state), internal, atol=1e-12
    )
    assert quoted_regrets("conditional_regret")[seed] == f"{internal.max():.3f}"
    history, _ = play_shapley(RegretMatching(), rounds, seed)
    internal, external = regrets_of_play(history)
    assert internal.max() > 0.08 and external.max() < 0.001
    assert quoted_regrets("regret_matching")[seed] == f"{internal.max():.3f}"


def quoted_regrets(rule: str) -> list[str]:
    """The internal regrets docs/mechanisms.md quotes for ``rule``, seeds 0, 1, 2."""
    import re
    from pathlib import Path

    doc = (Path(__file__).parents[2] / "docs" / "mechanisms.md").read_text()
    row = next(line for line in doc.splitlines() if line.startswith(f"| `{rule}` |"))
    return re.search(r"seeds 0, 1, 2: internal ([\d.]+), ([\d.]+), ([\d.]+)", row).groups()


def test_estimated_conditional_regrets_are_unbiased_without_counterfactual_payoffs():
    """The reinforcement procedure (Hart & Mas-Colell 2001) estimates D(j, k) from the played
    strategy alone, C(j, k) = 1(s = k)·p(j)/p(k)·u − 1(s = j)·u, whose expectation is
    p(j)(u(k) − u(j)) = E[D(j, k)]: over 40,000 agents after one round the two agree to sampling
    error."""
    n, payoff = 40_000, np.array([1.0, 3.0, 2.0])
    policy = np.array([0.2, 0.5, 0.3])
    rule = ConditionalRegretMatching()
    rng = np.random.default_rng(0)
    state = rule.init(np.tile(policy, (n, 1)))
    chosen = draw(rule.policy(state), rng)
    estimated = rule.step(state, chosen, payoff[chosen], rng).regret.mean(axis=0)
    expected = policy[:, None] * (payoff[None, :] - payoff[:, None])
    np.testing.assert_allclose(estimated, expected, atol=0.05)
    informed = rule.step(state, chosen, payoff[chosen], rng, np.tile(payoff, (n, 1)))
    np.testing.assert_allclose(informed.regret.mean(axis=0), expected, atol=0.05)

"""Incentive mechanisms against closed-form games and numbers worked out from their formulas."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mechanisms.incentive.base import Contributions
from mechanisms.incentive.bittensor import BittensorEmission
from mechanisms.incentive.numerai import NumeraiStake, numerai_payouts
from mechanisms.incentive.ocean import OceanDataFarming, data_farming_rewards
from mechanisms.incentive.proportional import ProportionalEmission
from mechanisms.incentive.shapley import ShapleyRewards, shapley_values


def test_symmetric_voting_game_gives_one_nth_each():
    n = 5
    phi = shapley_values(lambda mask: float(mask.sum() > n / 2), n)
    np.testing.assert_allclose(phi, np.full(n, 1 / n))


def test_shoes_game():
    # Player 0 holds the left shoe, players 1 and 2 a right shoe each: v = min(#left, #right).
    def pairs(mask):
        return float(min(mask[0], mask[1] + mask[2]))

    np.testing.assert_allclose(shapley_values(pairs, 3), [2 / 3, 1 / 6, 1 / 6])


games = st.lists(st.floats(-10, 10, allow_nan=False), min_size=2**4, max_size=2**4)


@settings(max_examples=40, deadline=None)
@given(worth=games)
def test_efficiency_symmetry_and_null_player(worth):
    n = 4
    table = np.array(worth)
    table[0] = 0.0

    def value(mask):
        return table[int(np.sum(mask * (1 << np.arange(n))))]

    phi = shapley_values(value, n)
    assert phi.sum() == pytest.approx(table[-1] - table[0], abs=1e-9)  # efficiency

    # Make player 3 a null player and players 0 and 1 symmetric, then check both properties.
    def shaped(mask):
        m = mask.copy()
        m[3] = False
        if m[0] != m[1]:
            m[0], m[1] = True, False  # coalitions with exactly one of them are worth the same
        return value(m)

    phi = shapley_values(shaped, n)
    assert phi[3] == pytest.approx(0.0, abs=1e-9)
    assert phi[0] == pytest.approx(phi[1], abs=1e-9)


def test_sampled_methods_approach_exact_values():
    rng = np.random.default_rng(0)
    weights = rng.uniform(0, 1, 6)

    def value(mask):  # a concave (diminishing returns) game
        return float(np.sqrt(weights[mask].sum()))

    exact = shapley_values(value, 6)
    tmc = shapley_values(value, 6, "tmc", n_permutations=3000, tolerance=0.0)
    np.testing.assert_allclose(tmc, exact, atol=0.01)
    gtg = shapley_values(value, 6, "gtg", n_permutations=3000, tolerance=0.0)
    np.testing.assert_allclose(gtg, exact, atol=0.01)


def test_gtg_skips_rounds_without_gain():
    assert np.all(shapley_values(lambda mask: 0.9 + 1e-4 * mask.sum(), 4, "gtg") == 0)


def test_shapley_rewards_pay_builders_by_marginal_value():
    # Builder 0 and 1 are duplicates (together worth one), builder 2 adds its own value.
    def utility(mask):
        return 0.5 * float(mask[0] or mask[1]) + 0.3 * float(mask[2])

    rewards = ShapleyRewards(emission_per_epoch=10.0, method="exact").allocate(
        Contributions(np.ones(3), np.ones(1), np.ones(1), 0, builder_utility=utility)
    )
    # φ = (0.25, 0.25, 0.3): builders' 5 tokens split 25:25:30.
    np.testing.assert_allclose(rewards.builders, [1_562_500, 1_562_500, 1_875_000])


def test_bittensor_owner_cut_then_41_41():
    out = BittensorEmission(emission_per_epoch=100.0, owner_cut=0.18).allocate(
        Contributions(np.array([0.75, 0.25]), np.array([0.5, 0.5]), np.zeros(2), revenue=0)
    )
    assert out.kept == 18_000_000 and out.minted == 100_000_000
    assert out.builders.sum() == out.validators.sum() == 41_000_000
    assert out.builders.tolist() == [30_750_000, 10_250_000]
    assert out.data_providers.tolist() == [0, 0]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(0.01, 1), min_size=1, max_size=8), st.integers(0, 10**8), st.floats(0, 500)
)
def test_emission_is_paid_out_exactly(contrib, revenue, emission):
    c = Contributions(np.array(contrib), np.array(contrib), np.array(contrib), revenue)
    for mechanism in (
        ProportionalEmission(emission),
        BittensorEmission(emission),
        ShapleyRewards(method="tmc", emission_per_epoch=emission),
    ):
        out = mechanism.allocate(c)
        assert out.total + out.kept == out.minted + revenue  # every unit minted or collected


def test_numerai_payouts_by_hand():
    # pf = min(1, 100 / 400) = 0.25; scores 0.5·0.1 + 2·0.05 = 0.15 → 0.0375; −0.5 → clip −0.05.
    payout = numerai_payouts([100, 300], [0.1, -0.2], [0.05, -0.2], threshold=100)
    np.testing.assert_allclose(payout, [100 * 0.0375, 300 * -0.05])
    out = NumeraiStake(threshold=100).allocate(
        Contributions(
            np.ones(2),
            np.zeros(1),
            np.zeros(1),
            0,
            builder_stake=np.array([100, 300.0]),
            builder_corr=np.array([0.1, -0.2]),
            builder_mmc=np.array([0.05, -0.2]),
        )
    )
    assert out.builders.tolist() == [3_750_000, 0]
    assert out.builder_burns.tolist() == [0, 15_000_000]
    assert out.minted == 3_750_000


def test_ocean_data_farming_by_hand():
    stakes = np.array([[100.0, 0.0], [300.0, 50.0]])  # two stakers, two assets
    volume = np.array([30.0, 10.0])
    rewards = data_farming_rewards(stakes, volume, budget=40.0)
    # Asset 0: p = 0.75, pro-rata 0.75·40 = 30 split 1:3 → 7.5, 22.5; APY caps 1.5717, 4.7151.
    # Asset 1: p = 0.25 → 10 to the single staker; APY cap 0.78585.
    np.testing.assert_allclose(rewards, [[1.5717, 0.0], [4.7151, 0.78585]])
    # With a loose APY cap, the DCV cap binds: asset 1 pays at most its volume 10 · M.
    loose = data_farming_rewards(stakes, volume, budget=400.0, apy_cap=10.0, multiplier=0.5)
    assert loose[1, 1] == pytest.approx(5.0)
    out = OceanDataFarming(emission_per_epoch=400.0, apy_cap=0.015717, record_value=1.0).allocate(
        Contributions(
            np.ones(1), np.ones(1), np.array([30.0, 10.0]), 0, data_stake=np.array([100.0, 50.0])
        )
    )
    assert out.data_providers.tolist() == [1_571_700, 785_850]


def test_exact_shapley_values_refuse_more_than_twenty_players_before_enumerating():
    def value(mask):
        raise AssertionError("no coalition may be valued")

    with pytest.raises(ValueError, match=r"2\^n coalitions; n = 21 is too many"):
        shapley_values(value, 21)

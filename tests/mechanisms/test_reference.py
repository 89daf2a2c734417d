"""Each mechanism against numbers worked out by hand from its docstring formula."""

import numpy as np
import pytest

from mechanisms.access.permissioned import Permissioned
from mechanisms.access.permissionless import RegistrationBurn
from mechanisms.aggregation.fedavg import FedAvg
from mechanisms.consensus.central_authority import CentralAuthority
from mechanisms.consensus.voting import Majority, StakeMajority
from mechanisms.governance.owner import OwnerDecides
from mechanisms.governance.token_vote import TokenVote
from mechanisms.incentive.base import Contributions
from mechanisms.incentive.platform_wages import PlatformWages
from mechanisms.incentive.proportional import ProportionalEmission
from mechanisms.market.posted_price import PostedPrice
from mechanisms.scoring.rules import Absolute

# Three validators with stake 5, 3, 2 score three submissions; each scores the current model 0.8.
STAKE = np.array([5.0, 3.0, 2.0])
SCORES = np.array([[0.9, 0.5, 0.7], [0.4, 0.9, 0.7], [0.4, 0.9, 0.7]])
BASELINE = np.full(3, 0.8)


def honest_weights(scores, baseline, tolerance):
    """The honest evaluator's weights: the default scoring rule."""
    return Absolute(tolerance).weigh(scores, baseline)


def test_honest_weights_keep_scores_within_tolerance():
    weights = honest_weights(SCORES, BASELINE, tolerance=0.15)
    np.testing.assert_allclose(weights, [[0.9, 0, 0.7], [0, 0.9, 0.7], [0, 0.9, 0.7]])
    with_missing = SCORES.copy()
    with_missing[:, 2] = np.nan
    assert np.all(honest_weights(with_missing, BASELINE, 0.15)[:, 2] == 0)


def test_stake_majority_by_hand():
    weights = honest_weights(SCORES, BASELINE, tolerance=0.0)  # support iff score ≥ 0.8
    # Support: j0 = 5/10, j1 = 5/10, j2 = 0.
    _, out = StakeMajority(threshold=0.5).step(None, STAKE, weights)
    assert out.accepted.tolist() == [False, False, False]  # 0.5 is not more than half
    _, out = StakeMajority(threshold=0.4).step(None, STAKE, weights)
    assert out.accepted.tolist() == [True, True, False]
    # Merit = stake-weighted mean weight: j0 5·0.9/10 = 0.45, j1 5·0.9/10 = 0.45.
    np.testing.assert_allclose(out.builder_weight, [0.5, 0.5, 0])
    # Every validator agrees with 2 of 3 outcomes, so credit follows stake.
    np.testing.assert_allclose(out.validator_weight, STAKE / STAKE.sum())


def test_one_agent_one_vote_ignores_stake():
    weights = honest_weights(SCORES, BASELINE, tolerance=0.0)
    _, out = Majority(threshold=0.5).step(None, STAKE, weights)
    assert out.accepted.tolist() == [False, True, False]  # j1 has 2 of 3 votes
    np.testing.assert_allclose(out.voting_power, [1, 1, 1])


def test_stake_majority_quorum_and_offline_stake():
    weights = honest_weights(SCORES, BASELINE, tolerance=0.0)
    mechanism = StakeMajority(threshold=0.5, quorum=0.5)
    online = np.array([False, True, True])  # only 5 of 10 stake online: quorum met exactly
    _, out = mechanism.step(None, STAKE, weights, online)
    assert out.committed and out.accepted.tolist() == [False, True, False]
    _, out = mechanism.step(None, STAKE, weights, np.array([False, True, False]))
    assert not out.committed and not out.accepted.any()


def test_central_authority_ignores_everyone_else():
    weights = honest_weights(SCORES, BASELINE, tolerance=0.0)
    _, out = CentralAuthority().step(None, STAKE, weights)
    assert out.accepted.tolist() == [True, False, False]
    assert out.voting_power.tolist() == [1.0, 0.0, 0.0]
    _, out = CentralAuthority().step(None, STAKE, weights, np.array([False, True, True]))
    assert not out.committed


def test_fedavg_is_the_sample_weighted_mean():
    updates = np.array([[1.0, 0.0], [0.0, 1.0], [3.0, 3.0]])
    np.testing.assert_allclose(FedAvg()(updates, np.array([1.0, 1.0, 2.0])), [1.75, 1.75])
    np.testing.assert_allclose(FedAvg()(updates), [4 / 3, 4 / 3])
    with pytest.raises(ValueError):
        FedAvg()(np.ones(3))


def test_proportional_emission_by_hand():
    mechanism = ProportionalEmission(10.0, 0.5, 0.25, 0.25, fee_share=1.0)
    out = mechanism.allocate(
        Contributions(
            np.array([3.0, 1.0]), np.array([1.0]), np.array([0.0, 0.0]), revenue=4_000_000
        )
    )
    # Budget 10 + 4 tokens: builders 7 split 3:1, validators 3.5, data providers unpaid.
    assert out.builders.tolist() == [5_250_000, 1_750_000]
    assert out.validators.tolist() == [3_500_000]
    assert out.data_providers.tolist() == [0, 0]
    assert out.minted == 7_500_000  # the data providers' 2.5 tokens of emission are not minted


def test_platform_wages_by_hand():
    out = PlatformWages(wage_per_update=2.0, price_per_record=0.01).allocate(
        Contributions(np.array([0.7, 0.0, 0.3]), np.array([1.0]), np.array([100.0, 0.0]), 10**9)
    )
    assert out.builders.tolist() == [2_000_000, 0, 2_000_000]  # quality beyond acceptance unpaid
    assert out.data_providers.tolist() == [1_000_000, 0]
    assert out.validators.tolist() == [0] and out.minted == 0


def test_posted_price_rations_pro_rata():
    market = PostedPrice(price=1.0)
    out = market.allocate(
        np.array([6.0, 2.0]), np.array([2.0, 2.0, 10.0]), np.array([0.5, 1.0, 1.5])
    )
    # Willing capacity 4 (the third provider's cost exceeds the price) < demand 8.
    np.testing.assert_allclose(out.units, [3.0, 1.0])
    np.testing.assert_allclose(out.sold, [2.0, 2.0, 0.0])
    out = market.allocate(np.array([1.0, 1.0]), np.array([2.0, 6.0]), np.array([0.1, 0.1]))
    np.testing.assert_allclose(out.sold, [0.5, 1.5])
    assert out.cost == pytest.approx(2.0)


def test_access_rules():
    burn = RegistrationBurn(burn=5.0)
    out = burn.admit(np.array([4.0, 6.0, 9.0, 7.0]), free_slots=2, active_count=0)
    assert out.admitted.tolist() == [False, True, True, False]
    assert out.burn.tolist() == [0, 5_000_000, 5_000_000, 0] and out.entry_cost == 5.0
    out = Permissioned(capacity=10).admit(np.ones(4), free_slots=5, active_count=8)
    assert out.admitted.tolist() == [True, True, False, False] and out.entry_cost == 0


def test_governance_rules():
    votes = np.array([1, -1, -1])
    balances = np.array([10.0, 4.0, 5.0])
    owner = np.array([True, False, False])
    assert OwnerDecides().decide(votes, balances, owner).passed  # 1 owner outweighs 2 others
    outcome = TokenVote().decide(votes, balances, owner)
    assert outcome.passed  # 10 > 9 tokens
    assert TokenVote().decide(np.array([1, -1, 0]), np.array([4.0, 5.0, 100.0]), owner).turnout == (
        pytest.approx(9 / 109)
    )


def test_stake_bond_locks_instead_of_burning():
    from mechanisms.access.bonded import StakeBond

    out = StakeBond(bond=10.0, slash_fraction=0.1).admit(np.array([5.0, 12.0, 30.0]), 5, 0)
    assert out.admitted.tolist() == [False, True, True]
    assert out.bond.tolist() == [0, 10_000_000, 10_000_000] and out.burn.sum() == 0


def test_quadratic_funding_by_hand():
    from mechanisms.governance.quadratic import quadratic_funding

    # Project 0: four donors of 1 → (4·1)² = 16; project 1: one donor of 4 → (2)² = 4 (no subsidy).
    c = np.array([[1.0, 4.0], [1.0, 0.0], [1.0, 0.0], [1.0, 0.0]])
    np.testing.assert_allclose(quadratic_funding(c, pool=100.0), [16.0, 4.0])
    # A pool of 6 covers half of the 12 of subsidy needed.
    np.testing.assert_allclose(quadratic_funding(c, pool=6.0), [4.0 + 6.0, 4.0])
    # An empty pool is allowed: contributions alone.
    np.testing.assert_allclose(quadratic_funding(c, pool=0.0), [4.0, 4.0])
    with pytest.raises(ValueError, match="non-negative"):
        quadratic_funding(c, pool=-1.0)


def test_quadratic_voting_counts_square_roots():
    from mechanisms.governance.quadratic import QuadraticVoting

    owner = np.zeros(3, bool)
    # One whale with 100 tokens (10 votes) against two holders of 36 (6 + 6 votes).
    out = QuadraticVoting().decide(np.array([1, -1, -1]), np.array([100.0, 36.0, 36.0]), owner)
    assert not out.passed and out.yes == 10 and out.no == 12


def test_quadratic_voting_below_one_token_uses_square_roots_too():
    from mechanisms.governance.quadratic import QuadraticVoting

    # 0.64 tokens cast 0.8 votes against 0.25 tokens' 0.5: passes.
    out = QuadraticVoting().decide(np.array([1, -1]), np.array([0.64, 0.25]), np.zeros(2, bool))
    assert out.passed and out.yes == pytest.approx(0.8) and out.no == pytest.approx(0.5)


def test_a_bid_exactly_at_the_ceiling_is_accepted():
    from mechanisms.market.auction import ReverseAuction

    # cost 1 with a 100 % markup bids 2.0, the ceiling itself.
    out = ReverseAuction(max_price=2.0, markup=1.0).allocate(
        np.array([3.0]), np.array([5.0]), np.array([1.0])
    )
    assert out.sold.tolist() == [3.0] and out.price.tolist() == [2.0]

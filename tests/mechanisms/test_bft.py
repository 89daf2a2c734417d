"""BFT quorum: liveness at one third offline, the committee failure probability."""

import numpy as np
import pytest

from mechanisms.consensus.bft import BFTQuorum, committee_failure_probability


@pytest.mark.parametrize("n", [3, 6, 9, 30])
def test_halts_at_one_third_offline_and_not_below(n):
    stake = np.ones(n)
    weights = np.ones((n, 2))
    bft = BFTQuorum()
    third = n // 3
    offline_third = np.arange(n) >= third  # exactly n/3 validators offline
    _, out = bft.step(None, stake, weights, offline_third)
    assert not out.committed and not out.accepted.any()
    one_fewer = np.arange(n) >= third - 1  # just under a third offline
    _, out = bft.step(None, stake, weights, one_fewer)
    assert out.committed and out.accepted.all()


def test_byzantine_third_withholding_precommits_blocks_commit():
    stake = np.array([1.0, 1.0, 1.0, 1.0])  # N = 3f + 1 with f = 1
    weights = np.array([[1.0], [1.0], [1.0], [0.0]])  # f = 1 withholds
    _, out = BFTQuorum().step(None, stake, weights)
    assert out.accepted.tolist() == [True]  # 3 of 4 > 2/3
    weights[2] = 0.0  # a second faulty validator: 2 of 4 is not > 2/3
    _, out = BFTQuorum().step(None, stake, weights)
    assert out.accepted.tolist() == [False]


def test_committee_failure_probability_closed_forms():
    assert committee_failure_probability(1, 0.2) == pytest.approx(0.2)
    # k = 3: a blocking third is 1 seat, so P = 1 − (1 − β)³.
    assert committee_failure_probability(3, 0.1) == pytest.approx(1 - 0.9**3)
    # Larger committees drive the risk down when β < 1/3 and up when β > 1/3.
    assert committee_failure_probability(300, 0.2) < committee_failure_probability(30, 0.2) < 0.2
    assert committee_failure_probability(300, 0.4) > 0.99


def test_committee_is_drawn_by_stake_and_reproducible():
    stake = np.array([90.0, 5.0, 5.0])
    weights = np.ones((3, 4))
    bft = BFTQuorum(committee_size=100, seed=7)
    power = bft.voting_power(stake, weights)
    assert power.sum() == 100 and power[0] > 70
    assert np.array_equal(power, bft.voting_power(stake, weights))
    assert not np.array_equal(
        power, BFTQuorum(committee_size=100, seed=8).voting_power(stake, weights)
    )


def test_a_quorum_of_stake_below_one_token_still_commits():
    # Stake is a share, not a count: 0.3 + 0.3 + 0.4 online is all of it.
    weights = np.array([[1.0, 0.0], [1.0, 0.0], [1.0, 0.0]])
    _, out = BFTQuorum(quorum=2 / 3).step(None, np.array([0.3, 0.3, 0.4]), weights)
    assert out.committed and out.accepted.tolist() == [True, False]


def test_merit_of_a_round_with_no_voting_power_is_zero():
    from mechanisms.consensus.base import merit_weights

    merit = merit_weights(np.ones((2, 3)), np.zeros(2), np.ones(3, bool))
    assert merit.tolist() == [0.0, 0.0, 0.0]

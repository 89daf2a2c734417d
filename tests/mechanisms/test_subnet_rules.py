"""The chain's subnet rules against hand-computed cases of their formulas (opentensor/subtensor:
coinbase/block_emission.rs, coinbase/block_step.rs, subnets/registration.rs, epoch/math.rs,
run_coinbase.rs)."""

import numpy as np
import pytest

from mechanisms.subnet.delegation import MAX_TAKE, split_dividends
from mechanisms.subnet.emission import (
    OWNER_CUT,
    block_emission,
    split_emission,
    tempo_emission,
)
from mechanisms.subnet.permits import validator_permits
from mechanisms.subnet.registration import (
    ADJUSTMENT_ALPHA,
    DynamicBurn,
    neuron_to_prune,
    upgraded_burn,
)


def test_block_emission_halves_by_issuance():
    # 1 τ until half the 21 M τ supply, 0.5 τ until three quarters, 0.25 τ after; 0 at the cap.
    assert block_emission(0.0) == 1.0
    assert block_emission(10_499_999.0) == 1.0
    assert block_emission(10_500_000.0) == 0.5
    assert block_emission(15_749_999.0) == 0.5
    assert block_emission(15_750_000.0) == 0.25
    assert block_emission(21_000_000.0) == 0.0
    # A tempo of 360 blocks straddling the first halving: 100 blocks at 1 τ, 260 at 0.5 τ.
    assert tempo_emission(10_500_000.0 - 100.0) == pytest.approx(100 + 260 * 0.5)
    # Before the halving a day is 7,200 τ, of which miners and validators share 82 %
    # (5,904 τ: opentensor/bits BIT-0002).
    day = split_emission(20 * tempo_emission(0.0))
    assert day["miners"] + day["validators"] == pytest.approx(5_904, abs=0.5)
    assert OWNER_CUT == pytest.approx(0.18, abs=1e-4) and day["miners"] == day["validators"]


def test_the_burn_follows_three_intervals_of_the_chains_formula():
    assert ADJUSTMENT_ALPHA == pytest.approx(0.97, abs=1e-12)
    price = DynamicBurn()
    assert price.burn == 0.1
    assert price.register(3) == pytest.approx(0.3)
    # 3 registrations against a target of 1: 0.97 · 0.1 + 0.03 · 0.1 · (3 + 1) / 2 = 0.103
    assert price.end_interval() == pytest.approx(0.103, rel=1e-12)
    # none: 0.103 · (0.97 + 0.03 · 1/2) = 0.101455
    assert price.end_interval() == pytest.approx(0.101455, rel=1e-12)
    # exactly the target: unchanged
    price.register(1)
    assert price.end_interval() == pytest.approx(0.101455, rel=1e-12)
    assert price.registrations == 0
    # Clamped to [0.0005, 100] τ.
    assert upgraded_burn(0.0005, 0) == 0.0005
    assert upgraded_burn(100.0, 50) == 100.0
    with pytest.raises(ValueError, match="count"):
        price.register(-1)


def test_pruning_picks_the_lowest_emission_outside_immunity():
    emission = np.array([5.0, 1.0, 1.0, 0.5, 9.0] + [3.0] * 10)
    registered = np.array([0, 40, 20, 9_000, 0] + [0] * 10)
    # UID 3 has the lowest emission but registered 1,000 blocks ago: immune (5,000 blocks).
    # Of UIDs 1 and 2 (emission 1.0) the earlier registration goes.
    assert neuron_to_prune(emission, registered, now=10_000) == 2
    # Once UID 3's immunity has run out it is the one.
    assert neuron_to_prune(emission, registered, now=14_000) == 3
    # The owner's immortal UID is never pruned.
    immortal = np.zeros(15, bool)
    immortal[2] = True
    assert neuron_to_prune(emission, registered, now=10_000, immortal=immortal) == 1
    # Equal emission and registration: the lower UID.
    assert neuron_to_prune(np.ones(12), np.zeros(12, int), now=10_000) == 0
    # With no more than 10 non-immune UIDs the lowest immune one goes instead.
    few = np.array([2.0, 1.0, 3.0])
    assert neuron_to_prune(few, np.array([0, 0, 9_990]), now=10_000) == 2
    assert neuron_to_prune(few, np.array([0, 0, 0]), now=10_000) is None


def test_permits_go_to_the_largest_non_zero_stakes_and_ties_to_the_higher_uid():
    stake = np.array([5.0, 1.0, 3.0, 3.0, 0.0, 2.0])
    # Two permits for stakes 5, 3, 3: UID 3 beats UID 2 at equal stake.
    assert validator_permits(stake, 2).tolist() == [True, False, False, True, False, False]
    assert validator_permits(stake, 3).tolist() == [True, False, True, True, False, False]
    assert validator_permits(stake, 10).tolist() == [True, True, True, True, False, True]
    # 256 UIDs, 64 permits: exactly the 64 largest stakes.
    rng = np.random.default_rng(0)
    stakes = rng.lognormal(0, 2, 256)
    permits = validator_permits(stakes)
    assert permits.sum() == 64 and stakes[permits].min() > stakes[~permits].max()


def test_take_and_pro_rata_split_to_the_unit():
    # 1,000,000 units of dividends; own stake 100, nominators 300 and 100: the delegated stake
    # earned 800,000, the validator keeps 15 % of it (120,000) and its own 200,000.
    validator, nominators = split_dividends(1_000_000, 100.0, np.array([300.0, 100.0]), 0.15)
    assert (validator, nominators.tolist()) == (320_000, [510_000, 170_000])
    # At the chain's maximum take, 11,796 / 65,535 of 800,000 = 143,996.3: 143,996 kept.
    validator, nominators = split_dividends(1_000_000, 100.0, np.array([300.0, 100.0]))
    assert (validator, nominators.tolist()) == (343_996, [492_003, 164_001])
    # Shares that do not divide the units: nothing lost, nothing made.
    validator, nominators = split_dividends(1_001, 1.0, np.array([1.0, 1.0]), MAX_TAKE)
    assert validator + nominators.sum() == 1_001 and abs(nominators[0] - nominators[1]) <= 1
    assert split_dividends(0, 1.0, np.array([1.0]))[0] == 0
    with pytest.raises(ValueError, match="take"):
        split_dividends(10, 1.0, np.array([1.0]), 0.5)

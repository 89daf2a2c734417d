"""The chain's subnet rules against hand-computed cases of their formulas (opentensor/subtensor:
coinbase/block_emission.rs, coinbase/block_step.rs, subnets/registration.rs, epoch/math.rs,
run_coinbase.rs)."""

import numpy as np
import pytest

from mechanisms.incentive.base import Contributions
from mechanisms.incentive.bittensor import BittensorEmission
from mechanisms.parameters import ParameterError
from mechanisms.subnet.delegation import MAX_TAKE, split_dividends
from mechanisms.subnet.emission import (
    OWNER_CUT,
    block_emission,
    tempo_emission,
)
from mechanisms.subnet.permits import validator_permits
from mechanisms.subnet.registration import (
    ADJUSTMENT_ALPHA,
    DynamicBurn,
    neuron_to_prune,
    upgraded_burn,
)
from sim.units import UNITS_PER_TOKEN


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
    assert 20 * tempo_emission(0.0) == 7_200
    day = BittensorEmission(emission_per_epoch=7_200, owner_cut=OWNER_CUT).allocate(
        Contributions(np.array([0.5, 0.5]), np.array([0.25, 0.75]), np.zeros(1), revenue=0)
    )
    paid = (day.builders.sum() + day.validators.sum()) / UNITS_PER_TOKEN
    assert paid == pytest.approx(5_904, abs=0.5)
    assert OWNER_CUT == pytest.approx(0.18, abs=1e-4)
    assert abs(int(day.builders.sum()) - int(day.validators.sum())) <= 1


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


def test_the_chain_schedule_mints_a_tempo_of_blocks_halves_at_its_block_and_recycles():
    """100 tokens before the first halving: 100 blocks of 1, then 260 of 0.5 = 230 tokens.
    Recycling 300 tokens of registration burns takes the issuance from 10,500,130 back to
    10,499,830, below the halving: 170 blocks of 1 and 190 of 0.5 = 265."""
    incentive = BittensorEmission(schedule="chain", issuance=10_500_000 - 100)
    assert incentive.governed == () and incentive.needs == frozenset({"recycled"})
    contributions = Contributions(np.ones(2), np.ones(2), np.zeros(1), revenue=0, recycled=0)
    first = incentive.allocate(contributions)
    assert first.minted == 230 * UNITS_PER_TOKEN
    recycled = Contributions(
        np.ones(2), np.ones(2), np.zeros(1), revenue=0, recycled=300 * UNITS_PER_TOKEN
    )
    assert incentive.issuance == 10_500_130
    assert incentive.allocate(recycled).minted == 265 * UNITS_PER_TOKEN
    assert incentive.issuance == pytest.approx(10_499_830 + 265)
    # 18 / 41 / 41: owner cut, then miners and validators by their normalised weights.
    rewards = BittensorEmission(schedule="chain").allocate(contributions)
    assert rewards.minted == 360 * UNITS_PER_TOKEN
    assert rewards.kept == int(np.floor(360 * UNITS_PER_TOKEN * 0.18))
    assert rewards.builders.sum() == rewards.validators.sum() == (360e6 - rewards.kept) / 2


def test_the_owner_burns_its_share_of_the_miners_half_only():
    """b = 0.7 of the miners' 41 % is burned; validators keep their 41 %."""
    contributions = Contributions(np.array([0.75, 0.25]), np.array([0.5, 0.5]), np.zeros(1), 0)
    rewards = BittensorEmission(emission_per_epoch=100.0, owner_burn=0.7).allocate(contributions)
    half = (100 * UNITS_PER_TOKEN - rewards.kept) / 2
    assert rewards.validators.sum() == half
    assert rewards.burned == pytest.approx(0.7 * half, abs=1)
    assert rewards.builders.tolist() == pytest.approx([0.3 * half * 0.75, 0.3 * half * 0.25], abs=1)
    with pytest.raises(ParameterError, match="owner_burn"):
        BittensorEmission(owner_burn=1.0)


def test_yuma_pays_validators_by_active_stake_when_no_miner_earns():
    """run_epoch.rs: "If emission is zero, replace emission with normalized stake".  Three
    validators each back a different miner: with κ = ½ no miner has consensus weight."""
    from mechanisms.consensus.yuma import Yuma

    yuma = Yuma()
    stake = np.array([2.0, 2.0, 1.5])  # nobody holds half
    _, outcome = yuma.step(yuma.init(3, 3), stake, np.eye(3))
    assert not outcome.incentive.any() and not outcome.dividends.any()
    np.testing.assert_allclose(outcome.validator_weight, stake / stake.sum())
    # With a miner in consensus, dividends as before.
    _, agreed = yuma.step(yuma.init(3, 3), stake, np.tile([1.0, 0.0, 0.0], (3, 1)))
    np.testing.assert_array_equal(agreed.validator_weight, agreed.dividends)

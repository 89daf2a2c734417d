"""Dynamic TAO against hand computations and the chain's formulas (opentensor/subtensor
@ 79010a36cdb8, coinbase/run_coinbase.rs; #2161 subnet_emissions.rs): swaps with the fee,
emission shares by price and by flow, the subsidy, the alpha split, halvings, lock costs,
pruning, registration and its immunity, dissolution refunds, and conservation of TAO and alpha over many blocks of random trading."""

from dataclasses import replace

import numpy as np
import pytest

from mechanisms.subnet.dtao import (
    FEE_RATE,
    NETWORK_IMMUNITY_BLOCKS,
    OWNER_CUT,
    Pools,
    Registrations,
    advance,
    block_emission,
    buy_alpha,
    coinbase,
    dissolution_refund,
    lock_cost,
    reopen,
    sell_alpha,
    shares_by_flow,
    shares_by_price,
    step_block,
    subnet_to_prune,
)


def test_a_swap_is_constant_product_on_the_input_less_the_fee():
    """τ = α = 1,000; stake 100 τ: net 100·(1 − 33/65,535) = 99.949645…, alpha bought
    1,000 · 99.949645 / 1,099.949645 = 90.867473…; selling it straight back returns
    1,100 · 90.8675(1 − f) / (909.1325 + 90.8675(1 − f)) = 99.908461… τ (two fees, no
    slippage left), and the product of the reserves only grows (the fees stay in them)."""
    assert FEE_RATE == pytest.approx(0.000503547722590982)
    pools = Pools.open([1_000.0])
    bought_pools, alpha = buy_alpha(pools, [100.0])
    assert alpha[0] == pytest.approx(90.86747348970385, rel=1e-12)
    assert bought_pools.tao[0] == 1_100.0 and bought_pools.alpha_out[0] == alpha[0]
    assert bought_pools.price[0] == pytest.approx(1_100 / (1_000 - 90.86747348970385))
    sold_pools, tao = sell_alpha(bought_pools, alpha)
    assert tao[0] == pytest.approx(99.9084605408514, rel=1e-12)
    k = [p.tao[0] * p.alpha_in[0] for p in (pools, bought_pools, sold_pools)]
    assert k[0] < k[1] < k[2]
    assert sold_pools.flow[0] == pytest.approx(100.0 - tao[0])  # net TAO staked this block
    with pytest.raises(ValueError, match="at most the alpha outstanding"):
        sell_alpha(pools, [1.0])


def test_three_subnets_split_a_block_as_the_chain_does():
    """Moving prices 0.2, 0.5, 0.3 give shares 0.2, 0.5, 0.3 of E = 1 τ.  Subnet 1 (price 0.1 <
    0.5 = T/E) is subsidised: 0.1 τ and 1 α enter its pool and the other 0.4 τ buys alpha;
    subnets 0 and 2 get T/P alpha: 0.2/0.5 = 0.4 and 0.3/1 = 0.3.  Each mints α_out = 1: 0.18
    to the owner, 0.41 to miners, 0.41 to validators (no root stake)."""
    shares = shares_by_price([0.2, 0.5, 0.3])
    np.testing.assert_allclose(shares, [0.2, 0.5, 0.3])
    pools = Pools.open([100.0, 100.0, 100.0])
    pools = Pools(pools.tao * [0.5, 0.1, 1.0], pools.alpha_in, pools.alpha_out,
                  pools.moving_price, pools.ema_flow, pools.flow, pools.started)  # fmt: skip
    after, injection = coinbase(pools, shares, emission=1.0)
    np.testing.assert_allclose(injection.tao_in, [0.2, 0.1, 0.3])
    np.testing.assert_allclose(injection.alpha_in, [0.4, 1.0, 0.3])
    np.testing.assert_allclose(injection.chain_buy, [0.0, 0.4, 0.0])
    np.testing.assert_allclose(injection.owner, OWNER_CUT)
    np.testing.assert_allclose(injection.miners, (1 - OWNER_CUT) / 2)
    np.testing.assert_allclose(injection.validators, (1 - OWNER_CUT) / 2)
    assert OWNER_CUT == pytest.approx(0.18, abs=5e-5)
    np.testing.assert_allclose(after.tao - pools.tao, [0.2, 0.5, 0.3])  # all of E entered
    # The chain's 0.4 τ bought alpha out of circulation: subnet 1 holds only the new 1 α out.
    np.testing.assert_allclose(after.alpha_out, [1.0, 1.0, 1.0])


def test_root_stake_takes_its_proportion_of_the_validators_half():
    """r = w·τ_root/(w·τ_root + alpha issuance): with 1,000 τ on root and 100 α issued,
    r = 52.68/(52.68 + 100) and the root stakers get r × 0.41 of a block's α_out."""
    pools = Pools.open([50.0])
    _, injection = coinbase(pools, [1.0], emission=1.0, root_tao=1_000.0)
    w = 971_718_665_099_567_868 / (2**64 - 1) * 1_000.0
    issued = 50.0 + 1.0  # the reserve and the α injected at price 1
    r = w / (w + issued)
    assert injection.root[0] == pytest.approx(r * (1 - OWNER_CUT) / 2)
    assert injection.validators[0] + injection.root[0] == pytest.approx((1 - OWNER_CUT) / 2)


def test_flow_shares_clip_at_the_cutoff():
    """L = max(cutoff, min(min_i F̄_i, 0)).  With the chain's cutoff 0, L = 0: flows −5, 10, 5
    give 0, 2/3, 1/3 (a subnet losing stake gets nothing).  With a cutoff of −10, L = −5:
    offsets 0, 15, 10 → 0, 0.6, 0.4.  All positive 2, 6, 2 → 0.2, 0.6, 0.2; p = 2 squares them."""
    np.testing.assert_allclose(shares_by_flow([-5.0, 10.0, 5.0]), [0.0, 2 / 3, 1 / 3])
    np.testing.assert_allclose(shares_by_flow([-5.0, 10.0, 5.0], cutoff=-10.0), [0.0, 0.6, 0.4])
    np.testing.assert_allclose(shares_by_flow([2.0, 6.0, 2.0]), [0.2, 0.6, 0.2])
    squared = np.array([4.0, 36.0, 4.0])
    np.testing.assert_allclose(shares_by_flow([2.0, 6.0, 2.0], exponent=2), squared / squared.sum())
    np.testing.assert_array_equal(shares_by_flow([0.0, 0.0]), [0.0, 0.0])


def test_emission_halves_with_issuance():
    issued = [0.0, 10_499_999.0, 10_500_000.0, 15_750_000.0, 18_375_000.0, 21_000_000.0]
    np.testing.assert_allclose(block_emission(issued), [1.0, 1.0, 0.5, 0.25, 0.125, 0.0])


def test_the_moving_price_follows_the_chains_schedule():
    """201,600 blocks after the start call a = 3·10⁻⁶ · ½; the price is capped at 1."""
    pools = Pools.open([10.0], started=1)
    pools = Pools(pools.tao * 4, pools.alpha_in, pools.alpha_out, np.array([0.5]),
                  pools.ema_flow, pools.flow, pools.started)  # fmt: skip
    moved = advance(pools, block=201_600)
    a = 0.000003 * 201_600 / (201_600 + 201_600)
    assert moved.moving_price[0] == pytest.approx(a * 1.0 + (1 - a) * 0.5)


def test_the_flow_ema_takes_the_chains_smoothing_factor():
    """c = 29,597,889,189,277 / 2⁶³ ≈ 3.2090·10⁻⁶ a block (``FlowEmaSmoothingFactor``, a
    month's half-life): one block of 1 τ net flow into an EMA of 0 gives c, and the block's
    flow starts again; n blocks compound to (1 − c)ⁿ⁻¹·c."""
    pools = Pools.open([10.0])
    pools = Pools(pools.tao, pools.alpha_in, pools.alpha_out, pools.moving_price,
                  pools.ema_flow, np.array([1.0]), pools.started)  # fmt: skip
    c = 29_597_889_189_277 / 2**63
    assert c == pytest.approx(3.20903e-6, rel=1e-5)
    once = advance(pools, block=1)
    assert once.ema_flow[0] == pytest.approx(c, rel=1e-12) and once.flow[0] == 0.0
    assert advance(pools, block=1, blocks=360).ema_flow[0] == pytest.approx((1 - c) ** 359 * c)


def test_lock_cost_doubles_and_decays_and_pruning_takes_the_cheapest_old_subnet():
    assert lock_cost(2_000.0, 50_400) == pytest.approx(4_000 - 2_000 / 100_800 * 50_400)
    assert lock_cost(2_000.0, 10**7) == 1_000.0
    assert lock_cost(1_000.0, 0, first=True) == 1_000.0
    registered = np.array([0, 100, 200, 2_000_000])
    assert subnet_to_prune([0.3, 0.1, 0.1, 0.01], registered, block=1_400_000) == 1
    assert subnet_to_prune([0.3], [1_000_000], block=1_400_000) is None


def test_a_registration_pays_the_decayed_double_lock_and_is_immune_for_180_days():
    """Two subnets registered long ago, the last lock 1,000 τ at block 0.  At block 7,200 (a
    day) subnet 1 (the lower moving price) is pruned; the new one locks 2 · 1,000 − 1,000 /
    100,800 · 7,200 = 1,928.57 τ and is immune, so the next prune is subnet 0 whatever its
    price; the next lock doubles 1,928.57 and decays from block 7,200."""
    registrations = Registrations.long_ago(2, lock=1_000.0)
    pools = Pools.open([10.0, 10.0])
    pools = replace(pools, moving_price=np.array([0.5, 0.2]))
    assert registrations.to_prune(pools.moving_price, 7_200) == 1
    pools, lock = registrations.register(pools, 1, 7_200)
    assert lock == pytest.approx(2_000 - 1_000 / 100_800 * 7_200)
    assert pools.tao[1] == pools.alpha_in[1] == lock and pools.started[1] == 7_200
    assert registrations.to_prune(np.array([0.5, 0.0]), 14_400) == 0
    assert registrations.lock_cost(14_400) == pytest.approx(2 * lock - lock / 100_800 * 7_200)
    immune_until = 7_200 + NETWORK_IMMUNITY_BLOCKS
    assert registrations.to_prune(np.array([0.5, 0.0]), immune_until) == 1


def test_a_dissolved_pool_refunds_its_tao_over_all_its_alpha_and_reopens_at_price_one():
    """A pool of 300 τ with 100 α in and 200 α out refunds 300 / (200 + 100) = 1 τ an alpha
    (the pool's own 100 α are the protocol's share: 100 τ recycled); the slot reopens with
    τ = α_in = the lock, nothing outstanding, no moving price or flow, started now; the other
    pool is untouched."""
    pools = Pools(
        tao=np.array([300.0, 50.0]), alpha_in=np.array([100.0, 40.0]),
        alpha_out=np.array([200.0, 10.0]), moving_price=np.array([0.2, 0.5]),
        ema_flow=np.array([3.0, -1.0]), flow=np.array([1.0, 2.0]), started=np.array([5, 7]),
    )  # fmt: skip
    assert dissolution_refund(pools, 0) == pytest.approx(1.0)
    opened = reopen(pools, 0, 2_500.0, block=9_000)
    assert opened.price[0] == 1.0 and opened.tao[0] == opened.alpha_in[0] == 2_500.0
    assert (opened.alpha_out[0], opened.moving_price[0], opened.ema_flow[0]) == (0, 0, 0)
    assert opened.flow[0] == 0 and opened.started[0] == 9_000
    for name in Pools.__dataclass_fields__:
        assert getattr(opened, name)[1] == getattr(pools, name)[1]
    assert pools.tao[0] == 300.0  # a new Pools: the old one is left as it was


@pytest.mark.parametrize("rule", ["price", "flow"])
def test_tao_and_alpha_are_conserved_over_blocks_of_random_trading(rule):
    """Stakers hold TAO and alpha; every block some stake or unstake at random.  Pools' TAO plus
    stakers' TAO is what they started with plus the TAO emitted; every subnet's alpha
    issuance (reserve + outstanding) is what the stakers and the block emissions hold."""
    rng = np.random.default_rng(0)
    pools = Pools.open([1_000.0, 1_000.0, 1_000.0])
    wallet_tao, wallet_alpha, minted = 3_000.0, np.zeros(3), np.zeros(3)
    start_tao = wallet_tao + pools.tao.sum()
    emitted = 0.0
    for block in range(1, 400):
        stake = rng.uniform(0, 5, 3) * (rng.random(3) < 0.5)
        stake *= min(1.0, wallet_tao / max(stake.sum(), 1e-12))
        pools, alpha = buy_alpha(pools, stake)
        wallet_tao -= stake.sum()
        wallet_alpha += alpha
        unstake = wallet_alpha * rng.uniform(0, 0.05, 3)
        pools, tao = sell_alpha(pools, unstake)
        wallet_tao += tao.sum()
        wallet_alpha -= unstake
        pools, injection, tao_emitted = step_block(pools, block, issuance=0.0, rule=rule)
        emitted += tao_emitted
        minted += injection.owner + injection.miners + injection.validators + injection.root
    assert wallet_tao + pools.tao.sum() == pytest.approx(start_tao + emitted, rel=1e-12)
    np.testing.assert_allclose(pools.alpha_out, wallet_alpha + minted, rtol=1e-9)
    if rule == "price":
        assert emitted == pytest.approx(399.0)  # every block's 1 τ, shared by moving prices
    else:
        assert 0 < emitted <= 399.0 + 1e-9  # blocks whose flows are all ≤ L emit nothing
    assert (pools.price > 0).all()

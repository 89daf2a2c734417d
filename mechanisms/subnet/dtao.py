"""Dynamic TAO: each subnet's alpha token trades against TAO in a pool, and the chain splits each
block's TAO emission across subnets by their moving prices (from 2025-02-13) or by their moving
net TAO flows (from 2025-11-04).  Amounts are in tokens (τ and α), vectorised over subnets.

Pools (``Pools``, one entry per subnet): TAO reserve τ, alpha reserve α_in and alpha outstanding
α_out (held by stakers); price = τ / α_in.  A swap is constant product on what is left after the
fee f = 33 / 65,535 of the input (``FeeRate``), and the fee stays in the reserves (the chain's
protocol position collects it and adds it back to liquidity each block):

    buy  (τ in):  α = α_in · τ(1 − f) / (τ_res + τ(1 − f));   τ_res += τ,  α_in −= α
    sell (α in):  τ = τ_res · α(1 − f) / (α_in + α(1 − f));   α_in += α,  τ_res −= τ

Emission per block (``coinbase``), with E the block emission for the TAO issuance
(``block_emission``: 1 τ halved each time issuance crosses 10.5 M, 15.75 M, … τ) and each
subnet's alpha emission E_α from the same function of its alpha issuance:

- shares s_i: by price, s_i = P̄_i / Σ P̄ with the moving price P̄ ← a·min(P, 1) + (1 − a)·P̄,
  a = 3·10⁻⁶ · b/(b + 201,600) (b blocks since the subnet started); or by flow,
  s_i ∝ max(F̄_i − L, 0)^p with the flow EMA F̄ ← (1 − c)·F̄ + c·F (F the block's net TAO staked,
  c = 29,597,889,189,277 / 2⁶³ ≈ 3.21·10⁻⁶), L = max(cutoff, min(min_i F̄_i, 0)) and p = 1:
  with the chain's cutoff 0, L = 0, so a subnet whose stake flows out gets nothing;
- the subnet's TAO emission T_i = E·s_i enters its pool with α_in = T_i / P_i, unless
  P_i < T_i / E: then τ injected = P_i·E, α injected = E and the rest, T_i − P_i·E, buys alpha
  from the pool (the bought alpha leaves circulation);
- α_out = E_α is minted to participants: the owner takes 11,796 / 65,535 (≈ 18 %), then of the
  rest half goes to miners and half to validators, less the root stakers' part
  r·rest/2 with r = w·τ_root / (w·τ_root + alpha issuance), w = 971,718,665,099,567,868 / 2⁶⁴
  (credited as alpha here; the chain sells it through the pool for the root stakers' TAO).

Sources: opentensor/subtensor @ 79010a36cdb8 (2025-09-30): pallets/subtensor/src/coinbase/
run_coinbase.rs (``run_coinbase`` steps 2–6), coinbase/block_emission.rs
(``get_block_emission_for_issuance``), staking/stake_utils.rs (``update_moving_price``),
pallets/swap/src/pallet (``DefaultFeeRate`` 33; ``calculate_fee_amount``; protocol fees added back
to liquidity), runtime/src/lib.rs (``InitialEmaPriceHalvingPeriod`` 201,600,
``SubtensorInitialTaoWeight``, ``SubtensorInitialMinLockCost`` 1,000 τ,
``SubtensorInitialNetworkLockReductionInterval`` 14 · 7,200); the flow rule: subtensor #2161
(6218ecc5c, merged 2025-11-04), coinbase/subnet_emissions.rs ``get_shares_flow``,
``get_lower_limit``, ``inplace_pow_normalize``.  Departures: the pool is the constant-product
equivalent of the chain's concentrated-liquidity pool while only protocol liquidity exists
(the chain's own description of it); amounts are floats, not rao.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

FEE_RATE = 33 / 65_535
OWNER_CUT = 11_796 / 65_535
TAO_WEIGHT = 971_718_665_099_567_868 / (2**64 - 1)
HALF_SUPPLY = 10_500_000.0  # τ: the first halving
BLOCK_EMISSION = 1.0  # τ a block before the first halving
MOVING_ALPHA = 0.000003
PRICE_HALVING_BLOCKS = 201_600
FLOW_SMOOTHING = 29_597_889_189_277 / 2**63
MIN_LOCK = 1_000.0  # τ
LOCK_REDUCTION_BLOCKS = 14 * 7_200
NETWORK_IMMUNITY_BLOCKS = 1_296_000  # 180 days
RULES = ("price", "flow")


def block_emission(issuance) -> np.ndarray:
    """E(I) = 1 τ / 2^⌊log₂(1 / (1 − I / 21 M))⌋, 0 from the total supply on."""
    issuance = np.asarray(issuance, dtype=np.float64)
    fraction = np.clip(issuance / (2 * HALF_SUPPLY), 0.0, 1.0)
    with np.errstate(divide="ignore"):
        halvings = np.floor(np.log2(1.0 / (1.0 - fraction)))
    return np.where(fraction < 1.0, BLOCK_EMISSION / 2.0 ** np.minimum(halvings, 1000), 0.0)


@dataclass(frozen=True)
class Pools:
    """(K,) per subnet: reserves, outstanding alpha, the moving price, the flow EMA and this
    block's net TAO staked, and the block each subnet started emitting."""

    tao: np.ndarray
    alpha_in: np.ndarray
    alpha_out: np.ndarray
    moving_price: np.ndarray
    ema_flow: np.ndarray
    flow: np.ndarray
    started: np.ndarray

    @classmethod
    def open(cls, locks, started=0) -> Pools:
        """Pools started with the subnet's lock: τ = α_in = lock (price 1)."""
        tao = np.asarray(locks, dtype=np.float64).copy()
        zeros = np.zeros_like(tao)
        return cls(tao, tao.copy(), zeros, zeros.copy(), zeros.copy(), zeros.copy(),
                   np.broadcast_to(np.asarray(started, dtype=np.int64), tao.shape).copy())  # fmt: skip

    @property
    def alpha_issued(self) -> np.ndarray:
        """The subnet's alpha issuance: reserve plus outstanding (the chain's
        ``get_alpha_issuance``)."""
        return self.alpha_in + self.alpha_out

    @property
    def price(self) -> np.ndarray:
        return np.divide(self.tao, self.alpha_in, out=np.zeros_like(self.tao),
                         where=self.alpha_in > 0)  # fmt: skip


def buy_alpha(pools: Pools, tao_in) -> tuple[Pools, np.ndarray]:
    """Stake ``tao_in`` (K,) τ into each pool; returns the pools and the alpha bought (K,)."""
    tao_in = np.asarray(tao_in, dtype=np.float64)
    if np.any(tao_in < 0):
        raise ValueError("tao_in must be ≥ 0 (sell alpha to unstake)")
    net = tao_in * (1.0 - FEE_RATE)
    alpha = pools.alpha_in * net / (pools.tao + net)
    return replace(
        pools,
        tao=pools.tao + tao_in,
        alpha_in=pools.alpha_in - alpha,
        alpha_out=pools.alpha_out + alpha,
        flow=pools.flow + tao_in,
    ), alpha


def sell_alpha(pools: Pools, alpha_in) -> tuple[Pools, np.ndarray]:
    """Unstake ``alpha_in`` (K,) α from each pool; returns the pools and the TAO received."""
    alpha_in = np.asarray(alpha_in, dtype=np.float64)
    if np.any(alpha_in < 0) or np.any(alpha_in > pools.alpha_out + 1e-9):
        raise ValueError("alpha_in must be ≥ 0 and at most the alpha outstanding")
    net = alpha_in * (1.0 - FEE_RATE)
    tao = pools.tao * net / (pools.alpha_in + net)
    return replace(
        pools,
        tao=pools.tao - tao,
        alpha_in=pools.alpha_in + alpha_in,
        alpha_out=pools.alpha_out - alpha_in,
        flow=pools.flow - tao,
    ), tao


def advance(pools: Pools, block: int, blocks: int = 1) -> Pools:
    """The moving price and the flow EMA over ``blocks`` blocks.  One block is the chain's
    update: P̄ ← a·min(P, 1) + (1 − a)·P̄ with a = 3·10⁻⁶ · b/(b + 201,600), b blocks since the
    subnet's start call (the block before its first emission), and F̄ ← (1 − c)·F̄ + c·F; the
    block's flow F then starts again at 0.  Several blocks compound them at the current price,
    with the flow arriving in the first: (1 − a)ⁿ and (1 − c)ⁿ, a held at its value for
    ``block``."""
    since = np.maximum(block - (pools.started - 1), 0).astype(np.float64)
    a = MOVING_ALPHA * since / (since + PRICE_HALVING_BLOCKS)
    keep = (1 - a) ** blocks
    moving = keep * pools.moving_price + (1 - keep) * np.minimum(pools.price, 1.0)
    c = FLOW_SMOOTHING
    ema = (1 - c) ** blocks * pools.ema_flow + c * (1 - c) ** (blocks - 1) * pools.flow
    return replace(pools, moving_price=moving, ema_flow=ema, flow=np.zeros_like(pools.flow))


def shares(pools: Pools, rule: str) -> np.ndarray:
    """This block's emission shares by ``rule`` (``price`` or ``flow``)."""
    if rule not in RULES:
        raise ValueError(f"rule={rule!r}: must be one of {', '.join(RULES)}")
    return shares_by_price(pools.moving_price) if rule == "price" else shares_by_flow(
        pools.ema_flow)  # fmt: skip


def shares_by_price(moving_price) -> np.ndarray:
    moving_price = np.asarray(moving_price, dtype=np.float64)
    total = moving_price.sum()
    return moving_price / total if total > 0 else np.zeros_like(moving_price)


def shares_by_flow(ema_flow, exponent: float = 1.0, cutoff: float = 0.0) -> np.ndarray:
    """s_i ∝ max(F̄_i − L, 0)^p, L = max(cutoff, min(min_i F̄_i, 0)); all 0 if every offset is."""
    ema_flow = np.asarray(ema_flow, dtype=np.float64)
    lower = max(cutoff, min(float(ema_flow.min(initial=0.0)), 0.0))
    offset = np.maximum(ema_flow - lower, 0.0) ** exponent
    total = offset.sum()
    return offset / total if total > 0 else np.zeros_like(offset)


def root_proportion(root_tao: float, alpha_issued) -> np.ndarray:
    """r = w·τ_root / (w·τ_root + alpha issuance)."""
    weight = TAO_WEIGHT * root_tao
    alpha_issued = np.asarray(alpha_issued, dtype=np.float64)
    return np.divide(weight, weight + alpha_issued, out=np.zeros_like(alpha_issued),
                     where=weight + alpha_issued > 0)  # fmt: skip


@dataclass(frozen=True)
class Injection:
    """One block's emission per subnet (K,): TAO and alpha into the pool, TAO that bought alpha
    (the subsidy), and the alpha minted to the owner, miners, validators and root stakers."""

    tao_in: np.ndarray
    alpha_in: np.ndarray
    chain_buy: np.ndarray
    owner: np.ndarray
    miners: np.ndarray
    validators: np.ndarray
    root: np.ndarray


def coinbase(pools: Pools, shares, emission: float, root_tao: float = 0.0, blocks: int = 1):
    """The emission of ``blocks`` blocks of ``emission`` τ each, split by ``shares``, in one
    step (``blocks`` > 1 is a coarser clock: prices move within a tempo only through the
    subsidy's buys); returns (pools, Injection).  Flow and moving price are updated by the
    caller (``step_block``)."""
    shares = np.asarray(shares, dtype=np.float64)
    price = pools.price
    total = emission * blocks
    tao_emission = total * shares
    subsidised = (price < shares) & (total > 0)  # P < T_i / E
    tao_in = np.where(subsidised, price * total, tao_emission)
    alpha_in = np.where(subsidised, total, np.divide(
        tao_emission, price, out=np.zeros_like(price), where=price > 0))  # fmt: skip
    chain_buy = np.where(subsidised, tao_emission - tao_in, 0.0)
    alpha_out = block_emission(pools.alpha_issued) * blocks
    pools = replace(pools, tao=pools.tao + tao_in, alpha_in=pools.alpha_in + alpha_in)
    if chain_buy.any():
        pools, bought = buy_alpha(pools, chain_buy)
        # The chain's purchase is not a staker's flow, and the alpha it buys leaves circulation.
        pools = replace(pools, flow=pools.flow - chain_buy, alpha_out=pools.alpha_out - bought)
    owner = alpha_out * OWNER_CUT
    rest = alpha_out - owner
    root = root_proportion(root_tao, pools.alpha_issued) * rest * 0.5
    injection = Injection(tao_in, alpha_in, chain_buy, owner, rest * 0.5, rest * 0.5 - root, root)
    pools = replace(pools, alpha_out=pools.alpha_out + alpha_out)
    return pools, injection


def step_block(pools: Pools, block: int, issuance: float, rule: str = "price", root_tao=0.0):
    """One block: moving prices and flow EMAs advance, shares by ``rule``, the coinbase.
    Returns (pools, Injection, TAO emitted)."""
    pools = advance(pools, block)
    split = shares(pools, rule)
    emission = float(block_emission(issuance))
    pools, injection = coinbase(pools, split, emission, root_tao)
    return pools, injection, emission * float(split.sum())


def lock_cost(last_lock: float, blocks_since: int, first: bool = False) -> float:
    """Subnet registration lock: 2·last − (last / 100,800)·blocks since the last registration
    (1 · last for the very first), at least 1,000 τ."""
    cost = (1.0 if first else 2.0) * last_lock - last_lock / LOCK_REDUCTION_BLOCKS * blocks_since
    return max(cost, MIN_LOCK)


def reopen(pools: Pools, index: int, lock: float, block: int) -> Pools:
    """Subnet ``index``'s pool opened anew for a newly registered subnet: τ = α_in = lock
    (price 1), nothing outstanding, no moving price or flow yet, emitting from ``block`` (the
    chain's ``do_register_network``)."""
    fields = {name: getattr(pools, name).copy() for name in Pools.__dataclass_fields__}
    for name, value in (("tao", lock), ("alpha_in", lock), ("alpha_out", 0.0),
                        ("moving_price", 0.0), ("ema_flow", 0.0), ("flow", 0.0),
                        ("started", block)):  # fmt: skip
        fields[name][index] = value
    return Pools(**fields)


@dataclass
class Registrations:
    """What the chain remembers of subnet registrations: the block each subnet registered (it
    is immune from dissolution for ``NETWORK_IMMUNITY_BLOCKS`` from there) and the last lock
    paid and when (``lock_cost`` doubles it and lets it decay)."""

    registered_at: np.ndarray  # (K,) block
    last_lock: float = MIN_LOCK
    last_lock_block: int = 0

    @classmethod
    def long_ago(cls, subnets: int, lock: float = MIN_LOCK) -> Registrations:
        """``subnets`` that registered long before (none immune), the last lock ``lock`` τ."""
        return cls(np.full(subnets, -10 * NETWORK_IMMUNITY_BLOCKS), lock, 0)

    def lock_cost(self, block: int) -> float:
        return lock_cost(self.last_lock, block - self.last_lock_block)

    def to_prune(self, moving_price, block: int) -> int | None:
        return subnet_to_prune(moving_price, self.registered_at, block)

    def register(self, pools: Pools, index: int, block: int) -> tuple[Pools, float]:
        """A new subnet takes slot ``index`` at ``block``: it locks the lock cost, its pool
        opens with it (``reopen``) and it is immune from now.  Returns (pools, lock)."""
        lock = self.lock_cost(block)
        self.registered_at[index] = block
        self.last_lock, self.last_lock_block = lock, block
        return reopen(pools, index, lock, block), lock


def dissolution_refund(pools: Pools, index: int) -> float:
    """TAO a unit of subnet ``index``'s outstanding alpha is refunded when the subnet is
    dissolved, τ / (α_out + α_in): the pool's TAO pro rata to alpha held, the pool's own alpha
    (α_in) counted as the protocol's share, which is recycled (opentensor/subtensor @ 14bc6f9f964b,
    pallets/subtensor/src/staking/remove_stake.rs ``destroy_alpha_in_out_stakes``, for subnets
    registered after the TAO-in refund deployment)."""
    alpha = pools.alpha_out[index] + pools.alpha_in[index]
    return float(pools.tao[index] / alpha) if alpha > 0 else 0.0


def subnet_to_prune(moving_price, registered_at, block: int, immunity=NETWORK_IMMUNITY_BLOCKS):
    """The non-immune subnet with the lowest moving price, ties to the earliest registered;
    None when every subnet is immune."""
    moving_price = np.asarray(moving_price, dtype=np.float64)
    registered_at = np.asarray(registered_at)
    candidates = np.flatnonzero(block - registered_at >= immunity)
    if not len(candidates):
        return None
    order = np.lexsort((registered_at[candidates], moving_price[candidates]))
    return int(candidates[order[0]])

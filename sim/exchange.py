"""Dynamic TAO under a federation's networks: each network is a subnet whose token is its alpha,
traded against TAO in a pool (mechanisms/subnet/dtao.py), and the chain's TAO emission is split
across the subnets' pools by moving price or by net flow.

Each network's ledger keeps its own token (alpha) as before: the model mints its emission in
alpha and pays its participants.  The exchange keeps one pool per subnet and, after every
epoch (one tempo, 360 blocks), sets each pool's outstanding alpha to the subnet's ledger supply,
advances the moving prices and flow EMAs over the tempo, and runs the coinbase for the tempo's
TAO (``coinbase`` with ``blocks=360``: TAO and alpha into the pools, the subsidy's buys).  What
a participant earns is compared across organisations in TAO (its token's pool price; a
platform's token counts as TAO), and a move sells the mover's alpha into the source pool and
buys the destination's alpha with the TAO: fees and slippage are part of the cost of moving,
and the trades are the subnets' net TAO flows.

Source: opentensor/subtensor @ 79010a36cdb8 (run_coinbase.rs) and #2161 (subnet_emissions.rs),
as in mechanisms/subnet/dtao.py; a tempo's emission at once is this module's simplification.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from mechanisms.subnet import dtao
from sim.units import UNITS_PER_TOKEN

TEMPO = 360


class SubnetExchange:
    """Pools for the ``subnets`` (organisation names) of a federation."""

    def __init__(self, subnets, rule: str = "price", lock: float = 1_000.0, price: float = 1.0):
        """Pools for the named subnets, each opened with ``lock`` τ at ``price`` τ per alpha;
        they registered long before (none immune from dissolution: ``registrations``)."""
        self.names = list(subnets)
        if not self.names:
            raise ValueError("an exchange needs at least one subnet")
        if rule not in dtao.RULES:
            raise ValueError(f"rule={rule!r}: must be one of {', '.join(dtao.RULES)}")
        self.rule = rule
        pools = dtao.Pools.open(np.full(len(self.names), lock), started=1)
        self.pools = replace(pools, alpha_in=pools.tao / price,
                             moving_price=np.full(len(self.names), min(price, 1.0)))  # fmt: skip
        self.block = 0
        self.emitted_tao = 0.0
        self.history: list[dict] = []
        # Registration: when each subnet registered, the last lock paid and when; TAO that
        # came in as locks, and TAO that left the pools at dissolutions (refunded to
        # participants who did not move on, or recycled as the protocol's share).
        self.registrations = dtao.Registrations.long_ago(len(self.names), lock)
        self.locked_tao = lock * len(self.names)
        self.withdrawn_tao = 0.0
        self.recycled_tao = 0.0

    def index(self, name: str) -> int | None:
        return self.names.index(name) if name in self.names else None

    def price(self, name: str) -> float:
        """TAO per unit of the organisation's token (1 for one that is not a subnet)."""
        i = self.index(name)
        return 1.0 if i is None else float(self.pools.price[i])

    def settle(self, models: dict) -> None:
        """After an epoch: outstanding alpha from the ledgers, EMAs over the tempo, the
        tempo's coinbase; records shares, prices, TAO in and flow EMAs."""
        supply = np.array([models[n].ledger.supply / UNITS_PER_TOKEN for n in self.names])
        self.pools = replace(self.pools, alpha_out=supply)
        self.pools = dtao.advance(self.pools, self.block, TEMPO)
        self.block += TEMPO
        split = dtao.shares(self.pools, self.rule)
        before = self.pools.tao.copy()
        self.pools, _ = dtao.coinbase(self.pools, split, 1.0, blocks=TEMPO)
        tao_in = self.pools.tao - before
        self.emitted_tao += float(tao_in.sum())
        # The ledgers mint the subnets' alpha emission themselves: outstanding alpha is theirs.
        self.pools = replace(self.pools, alpha_out=supply)
        self.history.append({
            "names": list(self.names),
            "shares": split.round(6).tolist(),
            "prices": self.pools.price.round(6).tolist(),
            "tao_in": tao_in.round(6).tolist(),
            "ema_flow": self.pools.ema_flow.round(6).tolist(),
        })  # fmt: skip

    def lock_cost(self) -> float:
        """TAO a registration locks now (``dtao.lock_cost``: 2·last − last/100,800 a block)."""
        return self.registrations.lock_cost(self.block)

    def to_dissolve(self) -> int | None:
        """The subnet a registration dissolves: the non-immune one with the lowest moving
        price (``dtao.subnet_to_prune``); None while every subnet is immune."""
        return self.registrations.to_prune(self.pools.moving_price, self.block)

    def reopen(self, index: int, name: str) -> float:
        """Subnet ``index``'s pool, emptied by its dissolution, opens for ``name`` with the
        lock cost at price 1, immune from now (``dtao.Registrations.register``); returns the
        lock."""
        self.pools, lock = self.registrations.register(self.pools, index, self.block)
        self.names[index] = name
        self.locked_tao += lock
        return lock

    def buy(self, destination: str, tao: float) -> int:
        """Units of the destination's token ``tao`` buys (its pool; a platform's token is
        TAO)."""
        j = self.index(destination)
        if j is None:
            return int(np.floor(tao * UNITS_PER_TOKEN))
        self.pools, bought = dtao.buy_alpha(self.pools, np.eye(len(self.names))[j] * tao)
        return int(np.floor(float(bought[j]) * UNITS_PER_TOKEN))

    def convert(self, source: str, destination: str, units: int) -> int:
        """Units of the destination's token that ``units`` of the source's buy through the
        pools (sell alpha for TAO, buy alpha with it); a platform's token is TAO."""
        tao = units / UNITS_PER_TOKEN
        i, k = self.index(source), len(self.names)
        if i is not None:
            self.pools, received = dtao.sell_alpha(self.pools, np.eye(k)[i] * tao)
            tao = float(received[i])
        return self.buy(destination, tao)

"""Block emission and its split (opentensor/subtensor, pallets/subtensor/src/coinbase/).

``block_emission(issuance)`` follows ``get_block_emission_for_issuance`` in block_emission.rs:
with a total supply of 21 M τ and a default block emission of 1 τ,

    residual = ⌊log₂(1 / (1 − issuance / (2 · 10.5 M τ)))⌋,   emission = 1 τ / 2^residual,

and 0 once the issuance reaches the total supply: 1 τ a block until 10.5 M τ are issued, 0.5 τ
until 15.75 M τ, then 0.25 τ, … (halving by issuance, not by block height).  One epoch of a
subnet is one tempo of 360 blocks (runtime/src/lib.rs ``INITIAL_SUBNET_TEMPO``).

The split (the owner cut ``SubnetOwnerCut`` = 11,796 / 65,535 ≈ 0.18 of the subnet's emission,
the rest half to miners and half to validators and their nominators: 18 / 41 / 41,
run_coinbase.rs) is mechanisms/incentive/bittensor.py's.
"""

from __future__ import annotations

import math

TOTAL_SUPPLY_TAO = 21_000_000.0
BLOCK_EMISSION_TAO = 1.0
BLOCKS_PER_TEMPO = 360
OWNER_CUT = 11_796 / 65_535


def block_emission(issuance_tao: float) -> float:
    """τ minted per block at this issuance (get_block_emission_for_issuance)."""
    if issuance_tao >= TOTAL_SUPPLY_TAO:
        return 0.0
    residual = math.log2(1.0 / (1.0 - issuance_tao / (2.0 * 10_500_000.0)))
    return BLOCK_EMISSION_TAO / 2 ** math.floor(residual)


def tempo_emission(issuance_tao: float, blocks: int = BLOCKS_PER_TEMPO) -> float:
    """τ minted over one tempo starting at this issuance, block by block (a halving inside the
    tempo takes effect at its block)."""
    total = 0.0
    for _ in range(blocks):
        minted = block_emission(issuance_tao)
        total += minted
        issuance_tao += minted
    return total

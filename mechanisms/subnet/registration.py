"""Registering into a subnet: the dynamic burn price and who is pruned to make room
(opentensor/subtensor, pallets/subtensor/src/).

**Burn** (coinbase/block_step.rs ``adjust_registration_terms_for_networks`` and
``upgraded_burn``, 2025 state @ 79010a36): every adjustment interval (360 blocks, one tempo),

    burn' = a · burn + (1 − a) · burn · (regs + target) / (2 · target),

clamped to [min_burn, max_burn], with a = ``AdjustmentAlpha`` = 17,893,341,751,498,265,066 /
(2⁶⁴ − 1) ≈ 0.97 and target = 1 registration per interval (subnets/subnet.rs), min 0.0005 τ,
max 100 τ, starting at 0.1 τ (runtime/src/lib.rs).  With burn registrations only (proof of work is
disabled) the chain applies it whenever the interval saw more registrations than its target or
none at all; with exactly ``target`` the formula is the identity, so applying it always is the
same.

**Pruning** (subnets/registration.rs ``get_neuron_to_prune``): a registration into a full
subnet replaces the UID with the lowest emission among those outside their immunity period (a UID
is immune while fewer than ``immunity_period`` blocks have passed since it registered;
utils/misc.rs ``get_neuron_is_immune``), ties to the earliest registration, then the lowest UID;
the owner's immortal UIDs are never pruned; when no UID is outside immunity, the lowest immune UID
is pruned instead (the state of 2025-09-30, @ 79010a36).  The refactor of 2025-10-28 (commit
704428700, "refactor neuron deregistration") added a floor: the immune are pruned instead
whenever no more than ``MinNonImmuneUids`` (default 10) UIDs are outside immunity.
``min_non_immune`` selects the version: 0 for the 2025 state the replica follows, 10 for later.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ADJUSTMENT_ALPHA = 17_893_341_751_498_265_066 / 18_446_744_073_709_551_615
TARGET_REGISTRATIONS = 1
INITIAL_BURN, MIN_BURN, MAX_BURN = 0.1, 0.0005, 100.0
IMMUNITY_BLOCKS = 5000
MIN_NON_IMMUNE_UIDS = 10  # the chain's DefaultMinNonImmuneUids since 2025-10-28
MIN_NON_IMMUNE_UIDS_2025 = 0  # no floor in the 2025-09-30 state


def upgraded_burn(
    burn: float,
    registrations: int,
    target: int = TARGET_REGISTRATIONS,
    alpha: float = ADJUSTMENT_ALPHA,
    low: float = MIN_BURN,
    high: float = MAX_BURN,
) -> float:
    """The next interval's burn in τ (upgraded_burn, clamped)."""
    updated = burn * (registrations + target) / (2 * target)
    return float(min(max(alpha * burn + (1 - alpha) * updated, low), high))


@dataclass
class DynamicBurn:
    """The price of a UID, moved once per adjustment interval by the registrations it saw."""

    burn: float = INITIAL_BURN
    registrations: int = 0  # in the interval so far
    target: int = TARGET_REGISTRATIONS
    alpha: float = ADJUSTMENT_ALPHA
    low: float = MIN_BURN
    high: float = MAX_BURN

    def register(self, count: int = 1) -> float:
        """Count ``count`` registrations at the current price; returns τ burned."""
        if count < 0:
            raise ValueError(f"count must be ≥ 0, got {count}")
        self.registrations += count
        return count * self.burn

    def end_interval(self) -> float:
        """Move the price by this interval's registrations and start the next; returns it."""
        self.burn = upgraded_burn(
            self.burn, self.registrations, self.target, self.alpha, self.low, self.high
        )
        self.registrations = 0
        return self.burn


def neuron_to_prune(
    emission: np.ndarray,
    registered_at: np.ndarray,
    now: int,
    immunity: int = IMMUNITY_BLOCKS,
    immortal: np.ndarray | None = None,
    min_non_immune: int = MIN_NON_IMMUNE_UIDS,
) -> int | None:
    """The UID a registration into a full subnet replaces (get_neuron_to_prune), or None."""
    emission = np.asarray(emission, dtype=float)
    registered_at = np.asarray(registered_at)
    n = len(emission)
    mortal = np.ones(n, bool) if immortal is None else ~np.asarray(immortal, bool)
    immune = (now - registered_at) < immunity
    uids = np.arange(n)

    def lowest(candidates: np.ndarray) -> int | None:
        if not candidates.any():
            return None
        order = np.lexsort((uids[candidates], registered_at[candidates], emission[candidates]))
        return int(uids[candidates][order[0]])

    free = mortal & ~immune
    if free.sum() > min_non_immune:
        return lowest(free)
    return lowest(mortal & immune)  # as the chain: the immune one, or nobody

"""Permissionless entry at the chain's moving registration price."""

from __future__ import annotations

from mechanisms.access.permissionless import RegistrationBurn
from mechanisms.parameters import at_least, positive, within
from mechanisms.subnet.registration import (
    ADJUSTMENT_ALPHA,
    INITIAL_BURN,
    MAX_BURN,
    MIN_BURN,
    TARGET_REGISTRATIONS,
    DynamicBurn,
)


class DynamicRegistrationBurn(RegistrationBurn):
    """Anyone who can pay the current burn joins (while a slot is free) and destroys it; once
    per interval (one epoch, a tempo) the burn moves by the registrations it saw:
    burn' = a·burn + (1 − a)·burn·(regs + target)/(2·target), clamped to [low, high].

    Source: opentensor/subtensor, pallets/subtensor/src/coinbase/block_step.rs
    ``adjust_registration_terms_for_networks`` and ``upgraded_burn`` (2025 state), with the
    values a new subnet gets (subnets/subnet.rs, runtime/src/lib.rs): a ≈ 0.97, target 1,
    start 0.1 τ, range [0.0005, 100] τ (mechanisms/subnet/registration.py).  The access phase
    reports each epoch's registrations of UIDs, builders' and validators' (``registered``), and
    closes the interval (``end_interval``); entrants of other roles pay the price without moving
    it (a subnet registers only neurons).
    """

    def __init__(
        self,
        burn: float = INITIAL_BURN,
        target: int = TARGET_REGISTRATIONS,
        alpha: float = ADJUSTMENT_ALPHA,
        low: float = MIN_BURN,
        high: float = MAX_BURN,
    ):
        positive("low", low)
        at_least("high", high, low)
        within("burn", burn, low, high)
        at_least("target", target, 1)
        within("alpha", alpha, 0.0, 1.0)
        self.price = DynamicBurn(burn, 0, int(target), alpha, low, high)

    @property
    def burn(self) -> float:
        """The current price (RegistrationBurn.admit charges it)."""
        return self.price.burn

    def registered(self, count: int) -> None:
        """``count`` applicants were admitted at the current burn."""
        self.price.register(count)

    def end_interval(self) -> float:
        return self.price.end_interval()

"""Phase 8b: delegation.  Each validator passes the dividends its delegated stake earned to its
nominators, keeping its take; then nominators who review their validator move their stake to the
best yield when the move pays.

A validator's stake is its own balance plus its nominators' (``Population.validator_stake``).
Of the D units it was paid this epoch, with own stake o and nominators' stakes d_j (S = o + Σ d_j,
all as they stood when consensus weighed it):

    nominator j = (1 − take) · D · d_j / S,     the validator keeps the rest,

in whole units (mechanisms/subnet/delegation.py ``split_dividends``; opentensor/subtensor,
pallets/subtensor/src/coinbase/run_coinbase.rs ``distribute_dividends_and_incentives``).  A
nominator's yield at validator v is (1 − take) · D_v / S_v tokens per token staked, which
nominators judge by its moving average over ``population.entry_horizon`` epochs.  A nominator
reviews with probability ``delegation.review_probability`` and moves everything to the
highest-yield validator when ``population.entry_horizon`` epochs of the extra yield exceed
``delegation.switching_cost``, the share of the moved stake it burns on the way (the chain's swap
fee on a move).

Reads the rewards paid and the stakes; returns ``Delegation``.
"""

from __future__ import annotations

import numpy as np

from mechanisms.subnet.delegation import MAX_TAKE, split_dividends
from sim.decisions import decided
from sim.epoch.results import Delegation
from sim.roles import Role


def delegate(world, paid_units: np.ndarray, stake_units: np.ndarray) -> Delegation:
    """``paid_units`` (V,) rewards each validator slot received this epoch and ``stake_units``
    (V,) their stakes (own + delegated) when they were weighed."""
    p = world.population
    # On a platform the coordinator alone evaluates: nobody's stake counts, nothing to share.
    if world.organisation.single_evaluator or not len(p.members(Role.NOMINATOR)):
        return Delegation(0, 0, 0)
    passed = pass_dividends(world, paid_units)
    yields = (1.0 - world.cfg.delegation.take) * paid_units / np.maximum(stake_units, 1)
    moved, fees = move_stake(world, estimate_yields(world, yields))
    return Delegation(passed, moved, fees)


def estimate_yields(world, yields: np.ndarray) -> np.ndarray:
    """Each validator's yield as nominators judge it: a moving average over
    ``population.entry_horizon`` epochs (weight 1/horizon on the latest), started at its first
    yield, so that one lucky epoch of a small validator does not draw everyone to it."""
    p = world.population
    slots = p.blocks[Role.VALIDATOR]
    rate = 1.0 / world.cfg.population.entry_horizon
    known = np.isfinite(p.yield_estimate[slots])
    p.yield_estimate[slots] = np.where(
        known, (1 - rate) * p.yield_estimate[slots] + rate * yields, yields
    )
    return p.yield_estimate[slots]


def pass_dividends(world, paid_units: np.ndarray) -> int:
    """Transfer each validator's nominators their share; returns the units passed on."""
    p, ledger = world.population, world.ledger
    take = min(world.cfg.delegation.take, MAX_TAKE)  # 0.18 is the chain's 11,796 / 65,535
    validators = p.blocks[Role.VALIDATOR]
    nominators = p.members(Role.NOMINATOR)
    passed = 0
    for v in np.flatnonzero(paid_units > 0):
        backers = nominators[p.delegate[nominators] == validators[v]]
        if not len(backers):
            continue
        own = ledger.balances[validators[v]] - paid_units[v]  # before this epoch's reward
        _, shares = split_dividends(
            int(paid_units[v]), float(own), ledger.balances[backers].astype(float), take
        )
        if shares.any():
            ledger.transfer([int(validators[v])], backers, shares, "nominator dividend")
            passed += int(shares.sum())
    return passed


def move_stake(world, yields: np.ndarray) -> tuple[int, int]:
    """Reviewing nominators move to the best active validator when the move pays; returns
    (nominators moved, units burned as switching costs)."""
    p, cfg = world.population, world.cfg
    validators = p.blocks[Role.VALIDATOR]
    live = p.active[validators]
    nominators = p.members(Role.NOMINATOR)
    if not live.any() or not len(nominators):
        return 0, 0
    # A validator that left no longer holds stake: its nominators must choose again.
    orphaned = ~p.active[np.maximum(p.delegate[nominators], 0)] | (p.delegate[nominators] < 0)
    reviewing = orphaned | (world.rng.random(len(nominators)) < cfg.delegation.review_probability)
    reviewing |= world.roles[Role.NOMINATOR].trait(nominators, "always_reviews")
    best = int(validators[live][np.argmax(yields[live])])
    position = p.delegate[nominators] - validators[0]
    current = np.where(orphaned, -np.inf, yields[np.clip(position, 0, len(validators) - 1)])
    moving = reviewing & (p.delegate[nominators] != best)
    moving &= world.roles[Role.NOMINATOR].moves(
        current,
        float(yields[validators == best][0]),
        cfg.delegation.switching_cost,
        cfg.population.entry_horizon,
    )
    # A nominator's ``move`` decision (sim.decisions) replaces the review and the yield test.
    move = decided(p, nominators, Role.NOMINATOR, "move")
    chosen = orphaned | ((move >= 0.5) & (p.delegate[nominators] != best))
    moving = np.where(np.isfinite(move), chosen, moving)
    movers = nominators[moving]
    if not len(movers):
        return 0, 0
    fees = np.floor(world.ledger.balances[movers] * cfg.delegation.switching_cost).astype(np.int64)
    world.ledger.burn(movers, fees, "restake fee")
    p.delegate[movers] = best
    world.ledger.decision("redelegation", public=world.public, nominators=len(movers), to=best)
    return len(movers), int(fees.sum())

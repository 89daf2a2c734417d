"""Phase 9: governance (every ``economy.governance_interval`` epochs).  A proposal moves one
governed parameter (``EconomyState.governed``: the consumer price, then those the incentive
declares, such as its emission per epoch) up or down by
``economy.price_step``, never beyond ``economy.governance_range`` times its starting value either
way; proposals cycle through the parameters, alternately raising and cutting.
Every account votes for what pays it more: on the consumer price, consumers by their surplus and
suppliers by the fee revenue (Participant.vote_on_price); on an emission parameter, by whether
the account receives a larger share of the rewards than it holds of the supply
(Participant.vote_on_emission, with the rewards paid since the last proposal).  The
organisation's owner, if any, casts its own vote; the governance mechanism decides with balances
as voting weight.

Returns ``Vote`` (None in epochs without a proposal).
"""

from __future__ import annotations

import numpy as np

from agents.base import Participant
from sim.epoch.results import Vote
from sim.units import UNITS_PER_TOKEN


def govern(world, payments) -> Vote | None:
    economy, p, state = world.cfg.economy, world.population, world.state
    state.rewards_since_vote = state.rewards_since_vote + payments.paid
    if (world.epoch + 1) % economy.governance_interval != 0:
        return None
    proposal = world.epoch // economy.governance_interval
    governed = world.state.governed
    parameters = list(governed)
    parameter = parameters[proposal % len(parameters)]
    raise_ = (proposal // len(parameters)) % 2 == 0
    current = governed[parameter]
    start = world.governed_start[parameter]
    proposed = float(
        np.clip(
            current * (1 + economy.price_step if raise_ else 1 - economy.price_step),
            start / economy.governance_range,
            start * economy.governance_range,
        )
    )
    if proposed == current:  # at its bound: there is nothing to propose
        return None
    balances = np.where(p.active, world.ledger.balances, 0) / UNITS_PER_TOKEN
    votes = np.where(
        p.active & p.online,
        interests(world, parameter, current, proposed, raise_, balances),
        0,
    )
    state.rewards_since_vote = np.zeros(p.size)
    is_owner = world.organisation.owner_votes(world, votes, proposed)
    outcome = world.mechanisms.governance.decide(votes, balances, is_owner)
    world.ledger.decision(
        "governance",
        public=world.public,
        parameter=parameter,
        current=current,
        proposed=proposed,
        passed=outcome.passed,
        yes=outcome.yes,
        no=outcome.no,
        turnout=outcome.turnout,
    )
    if outcome.passed:
        governed[parameter] = proposed
    return Vote(outcome.power, outcome.turnout, outcome.passed)


def interests(world, parameter, current, proposed, raise_, balances) -> np.ndarray:
    """(N,) each account's vote by what the proposal does to it."""
    p, state = world.population, world.state
    if parameter == "consumer_price":
        return Participant.vote_on_price(
            p.role, p.value, balances, state.test_accuracy, current, proposed
        )
    rewards = state.rewards_since_vote
    reward_share = rewards / rewards.sum() if rewards.sum() > 0 else np.zeros(p.size)
    held, supply = (
        world.ledger.balances,
        world.ledger.supply,
    )  # every token dilutes, the treasury's too
    supply_share = held / supply if supply > 0 else np.zeros(p.size)
    return Participant.vote_on_emission(reward_share, supply_share, raise_)

"""Phase 9: governance (every ``economy.governance_interval`` epochs).  A proposal moves one
governed parameter (the consumer price, or the incentive's emission per epoch) up or down by
``economy.price_step``; proposals cycle through the parameters, alternately raising and cutting.
Suppliers back raises and consumers cuts (Participant.vote_on_raise); the organisation's owner,
if any, casts its own vote; the governance mechanism decides with balances as voting weight.

Returns ``Vote`` (None in epochs without a proposal).
"""

from __future__ import annotations

import numpy as np

from agents.base import Participant
from mechanisms.capabilities import has_emission
from sim.epoch.results import Vote
from sim.units import UNITS_PER_TOKEN


def governed_parameters(world) -> list[str]:
    """Live parameters proposals may change."""
    incentive = world.mechanisms.incentive
    return ["consumer_price"] + (["emission_per_epoch"] if has_emission(incentive) else [])


def parameter_value(world, name: str) -> float:
    if name == "consumer_price":
        return world.state.consumer_price
    return world.mechanisms.incentive.emission_per_epoch


def set_parameter(world, name: str, value: float) -> None:
    if name == "consumer_price":
        world.state.consumer_price = value
    else:
        world.mechanisms.incentive.emission_per_epoch = value


def govern(world) -> Vote | None:
    economy, p = world.cfg.economy, world.population
    if (world.epoch + 1) % economy.governance_interval != 0:
        return None
    proposal = world.epoch // economy.governance_interval
    parameters = governed_parameters(world)
    parameter = parameters[proposal % len(parameters)]
    raise_ = (proposal // len(parameters)) % 2 == 0
    current = parameter_value(world, parameter)
    proposed = current * (1 + economy.price_step if raise_ else 1 - economy.price_step)
    votes = np.where(p.active & p.online, Participant.vote_on_raise(p.role, raise_), 0)
    is_owner = world.organisation.owner_votes(world, votes, proposed)
    balances = np.where(p.active, world.ledger.balances, 0) / UNITS_PER_TOKEN
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
        set_parameter(world, parameter, proposed)
    return Vote(outcome.power, outcome.turnout, outcome.passed)

"""Phase 9: governance (every ``economy.governance_interval`` epochs).  A proposal moves one
governed parameter (``EconomyState.governed``: the consumer price, then those the incentive
declares, such as its emission per epoch) up or down by
``economy.price_step``; proposals cycle through the parameters, alternately raising and cutting.
Suppliers back raises and consumers cuts (Participant.vote_on_raise); the organisation's owner,
if any, casts its own vote; the governance mechanism decides with balances as voting weight.

Returns ``Vote`` (None in epochs without a proposal).
"""

from __future__ import annotations

import numpy as np

from agents.base import Participant
from sim.epoch.results import Vote
from sim.units import UNITS_PER_TOKEN


def govern(world) -> Vote | None:
    economy, p = world.cfg.economy, world.population
    if (world.epoch + 1) % economy.governance_interval != 0:
        return None
    proposal = world.epoch // economy.governance_interval
    governed = world.state.governed
    parameters = list(governed)
    parameter = parameters[proposal % len(parameters)]
    raise_ = (proposal // len(parameters)) % 2 == 0
    current = governed[parameter]
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
        governed[parameter] = proposed
    return Vote(outcome.power, outcome.turnout, outcome.passed)

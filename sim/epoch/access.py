"""Phase 1a: churn and access.  Loss-making participants leave; candidates arrive and apply.

Reads the population's loss streaks and last profits, the access mechanism and the model's test
accuracy; returns ``Arrivals``.  A candidate applies when ``Participant.enters`` says the profit
incumbents made last epoch (a consumer: value × accuracy − price) covers the entry cost spread
over ``population.entry_horizon`` epochs; the access mechanism admits, burns and bonds.
"""

from __future__ import annotations

import numpy as np

from agents.base import Participant
from sim.epoch.results import Arrivals
from sim.network import attach
from sim.population import BONDS
from sim.roles import Role

SUPPLIER_ROLES = (Role.COMPUTE_PROVIDER, Role.DATA_PROVIDER, Role.BUILDER, Role.VALIDATOR)


def churn_and_access(world) -> Arrivals:
    p, patience = world.population, world.cfg.population.patience
    for role in SUPPLIER_ROLES:
        members = p.members(role)
        world.deactivate(members[~Participant.stays(p.loss_streak[members], patience)])
    consumers = p.members(Role.CONSUMER)
    world.deactivate(consumers[p.loss_streak[consumers] >= patience])
    applicants, admitted, entry_costs = 0, 0, []
    for role in (*SUPPLIER_ROLES, Role.CONSUMER):
        outcome = arrivals(world, role)
        if outcome is not None:
            applicants += outcome[0]
            admitted += outcome[1]
            entry_costs.append(outcome[2])
    # An access rule whose price moves with demand (a subnet's registration burn) closes its
    # interval: one epoch is one tempo, the chain's adjustment interval.
    end_interval = getattr(world.mechanisms.access, "end_interval", None)
    if end_interval is not None:
        end_interval()
    return Arrivals(applicants, admitted, tuple(entry_costs))


def arrivals(world, role: Role) -> tuple[int, int, float] | None:
    """Poisson(``population.arrival_rate``) candidates for the role's free slots; returns
    (applicants, admitted, entry cost) when any applied."""
    p, cfg, access = world.population, world.cfg, world.mechanisms.access
    free = p.free_slots(role)
    n_candidates = min(int(world.rng.poisson(cfg.population.arrival_rate)), len(free))
    if n_candidates == 0:
        return None
    candidates = free[:n_candidates]
    members = p.members(role)
    if role == Role.CONSUMER:
        expected = p.value[candidates] * world.state.test_accuracy - world.state.consumer_price
    else:
        expected = np.full(n_candidates, p.profit[members].mean() if len(members) else 0.0)
    probe = access.admit(world.endowment[candidates], len(free), len(members))
    applying = Participant.enters(expected, probe.entry_cost, cfg.population.entry_horizon)
    candidates = candidates[applying]
    if len(candidates) == 0:
        return None
    admission = access.admit(world.endowment[candidates], len(free), len(members))
    entering = candidates[admission.admitted]
    if len(entering):
        admit(world, entering, admission)
        registered = getattr(access, "registered", None)
        if registered is not None:
            registered(len(entering))
    return len(candidates), len(entering), admission.entry_cost


def admit(world, entering: np.ndarray, admission) -> None:
    """Activate the entrants, wire them into the graph, endow them, take burns and bonds."""
    for slot in entering.tolist():
        world.activate(slot)
        attach(
            world.graph, slot, world.cfg.scenario.peer_degree, world.rng, hub=world.organisation.hub
        )
    ledger = world.ledger
    ledger.mint(entering, world.endowment_units(entering), "genesis", newcomers=True)
    ledger.burn(entering, admission.burn[admission.admitted], "registration")
    if admission.bond is not None:
        bonds = np.asarray(admission.bond)[admission.admitted]
        ledger.transfer(entering, [BONDS], bonds, "bond")
        world.population.bonded[entering] += bonds

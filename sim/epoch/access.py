"""Phase 1a: churn and access.  Loss-making participants leave; candidates arrive and apply.

Reads the population's loss streaks and last profits, the access mechanism and the model's test
accuracy; returns ``Arrivals``.  A candidate applies when ``Participant.enters`` says the profit
incumbents made last epoch (a consumer: value × accuracy − price) covers the entry cost spread
over ``population.entry_horizon`` epochs; the access mechanism admits, burns and bonds.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from agents.base import Participant
from mechanisms.subnet.registration import MIN_NON_IMMUNE_UIDS_2025, neuron_to_prune
from sim.decisions import decided
from sim.epoch.results import Arrivals
from sim.network import attach
from sim.population import BONDS
from sim.roles import Role

SUPPLIER_ROLES = (Role.COMPUTE_PROVIDER, Role.DATA_PROVIDER, Role.BUILDER, Role.VALIDATOR)
# The roles that hold a subnet's UIDs (miners and validators).
UID_ROLES = (Role.BUILDER, Role.VALIDATOR)


def churn_and_access(world) -> Arrivals:
    p, patience = world.population, world.cfg.population.patience
    for role in SUPPLIER_ROLES:
        members = p.members(role)
        world.deactivate(members[~Participant.stays(p.loss_streak[members], patience)])
    consumers = p.members(Role.CONSUMER)
    world.deactivate(consumers[p.loss_streak[consumers] >= patience])
    applicants, admitted, pruned, entry_costs = 0, 0, 0, []
    for role in (*SUPPLIER_ROLES, Role.CONSUMER):
        outcome = arrivals(world, role)
        if outcome is not None:
            applicants += outcome[0]
            admitted += outcome[1]
            entry_costs.append(outcome[2])
            pruned += outcome[3]
    # An access rule whose price moves with demand (a subnet's registration burn) closes its
    # interval: one epoch is one tempo, the chain's adjustment interval.
    end_interval = getattr(world.mechanisms.access, "end_interval", None)
    if end_interval is not None:
        end_interval()
    return Arrivals(applicants, admitted, tuple(entry_costs), pruned)


def arrivals(world, role: Role) -> tuple[int, int, float, int] | None:
    """Poisson(``population.arrival_rate``) candidates for the role's free slots; returns
    (applicants, admitted, entry cost, UIDs pruned to make room) when any applied."""
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
    if role in UID_ROLES:  # a candidate's ``register_below`` decision replaces the rule
        bound = decided(p, candidates, role, "register_below")
        applying = np.where(np.isfinite(bound), probe.entry_cost <= bound, applying)
    candidates = candidates[applying]
    if len(candidates) == 0:
        return None
    admission = access.admit(world.endowment[candidates], len(free), len(members))
    entering = candidates[admission.admitted]
    room, pruned = make_room(world, len(entering)) if role in UID_ROLES else (len(entering), 0)
    if room < len(entering):  # a full network with nobody to replace admits no more
        admission = replace(admission, admitted=admission.admitted.copy())
        admission.admitted[np.flatnonzero(admission.admitted)[room:]] = False
        entering = entering[:room]
    if len(entering):
        admit(world, entering, admission)
        # A moving price counts the chain's registrations: of UIDs, by miners and validators.
        registered = getattr(access, "registered", None)
        if registered is not None and role in UID_ROLES:
            registered(len(entering))
    return len(candidates), len(entering), admission.entry_cost, pruned


def make_room(world, entrants: int) -> tuple[int, int]:
    """With ``scenario.max_uids``, free a UID for each entrant once builders and validators
    fill the cap: the one outside its ``scenario.immunity_epochs`` with the lowest emission last
    epoch, ties to the earliest registered, and the lowest immune one when every UID is immune
    (the chain's get_neuron_to_prune in its 2025-09-30 state: opentensor/subtensor @ 79010a36,
    pallets/subtensor/src/subnets/registration.rs).  The pruned participant leaves.
    Returns (entrants that get a UID, UIDs pruned for them)."""
    cap, p = world.cfg.scenario.max_uids, world.population
    if cap is None:
        return entrants, 0
    pruned = 0
    for admitted in range(entrants):
        uids = np.concatenate([p.members(role) for role in UID_ROLES])
        if len(uids) + admitted < cap:  # the entrants before this one take UIDs too
            continue
        victim = neuron_to_prune(
            p.emission[uids],
            p.joined[uids],
            world.epoch,
            immunity=world.cfg.scenario.immunity_epochs,
            min_non_immune=MIN_NON_IMMUNE_UIDS_2025,
        )
        if victim is None:
            return admitted, pruned
        slot = int(uids[victim])
        pruned += 1
        world.ledger.decision(
            "pruned", public=world.public, slot=slot, emission=float(p.emission[slot])
        )
        world.deactivate([slot])
    return entrants, pruned


def take_up(world, slot: int) -> None:
    """The participant at ``slot`` becomes active and is wired into the peer graph."""
    world.activate(slot)
    attach(world.graph, slot, world.cfg.scenario.peer_degree, world.rng, hub=world.organisation.hub)


def admit(world, entering: np.ndarray, admission) -> None:
    """Activate the entrants, wire them into the graph, endow them, take burns and bonds."""
    for slot in entering.tolist():
        take_up(world, slot)
    ledger = world.ledger
    ledger.mint(entering, world.endowment_units(entering), "genesis", newcomers=True)
    ledger.burn(entering, admission.burn[admission.admitted], "registration")
    if admission.bond is not None:
        bonds = np.asarray(admission.bond)[admission.admitted]
        ledger.transfer(entering, [BONDS], bonds, "bond")
        world.population.bonded[entering] += bonds

"""Phase 1d: hoarded UIDs.  Every builder playing
``uid_hoarder`` (agents.adversary.UidHoarder) holds ``adversaries.hoard_uids`` UIDs in all: for
each extra UID it lacks it registers an identity in a free builder slot, a SybilBuilder owned by
it that resubmits its model, paying the access mechanism's price from its own balance (a burn
under a registration burn, a bond under a stake bond) when it can afford it.  Into a full subnet
(``scenario.max_uids``) each identity prunes a UID as any registrant does (sim/epoch/access.py
``make_room``), and each registration moves a price that moves with demand.  An identity whose
owner no longer hoards (it switched strategy, or left) is deregistered at once.

On Bittensor the registration is per UID: a hotkey pays ``burned_register``'s burn for each
(opentensor/subtensor, pallets/subtensor/src/subnets/registration.rs), so holding k UIDs costs k
burns, and emission is paid per UID.
"""

from __future__ import annotations

import numpy as np

from agents.adversary import SybilBuilder, UidHoarder
from sim.epoch.access import make_room, take_up
from sim.population import BONDS
from sim.roles import Role
from sim.units import UNITS_PER_TOKEN


def hoarded_identities(population) -> np.ndarray:
    """Active builder slots that are a hoarder's extra UIDs: Sybil identities whose owner is not
    a configured Sybil group's primary (those are owned by a ``sybil`` slot)."""
    p = population
    builders = p.members(Role.BUILDER)
    identities = builders[
        (p.adversary[builders] == SybilBuilder.kind) & (p.owner[builders] != builders)
    ]
    return identities[p.adversary[p.owner[identities]] != SybilBuilder.kind]


def hold_uids(world) -> None:
    p = world.population
    identities = hoarded_identities(p)
    owners = p.owner[identities]
    keeping = p.active[owners] & (p.adversary[owners] == UidHoarder.kind)
    if (~keeping).any():
        world.deactivate(identities[~keeping])
    builders = p.members(Role.BUILDER)
    hoarders = builders[p.adversary[builders] == UidHoarder.kind]
    if not len(hoarders):
        return
    missing = (
        int(world.cfg.adversaries.hoard_uids)
        - 1
        - np.bincount(owners[keeping], minlength=len(p.role))
    )
    # Registrations are one at a time, as on the chain: each may prune a UID and move the price.
    for hoarder in hoarders[missing[hoarders] > 0].tolist():
        for _ in range(int(missing[hoarder])):
            if not register_identity(world, hoarder):
                break


def register_identity(world, hoarder: int) -> bool:
    """One more UID for ``hoarder``; False when no slot is free, it cannot pay, the full subnet
    has nobody to prune, or making room pruned the hoarder itself."""
    p, access, ledger = world.population, world.mechanisms.access, world.ledger
    free = p.free_slots(Role.BUILDER)
    if not len(free):
        return False
    budget = ledger.balances[[hoarder]] / UNITS_PER_TOKEN
    admission = access.admit(budget, len(free), len(p.members(Role.BUILDER)))
    if not admission.admitted[0]:
        return False
    room, _ = make_room(world, 1)
    if room == 0 or not p.active[hoarder]:
        return False
    slot = int(free[0])
    p.adversary[slot] = SybilBuilder.kind
    p.owner[slot] = hoarder
    take_up(world, slot)
    ledger.burn([hoarder], admission.burn[:1], "registration", uid=slot)
    if admission.bond is not None:
        bond = np.asarray(admission.bond)[:1]
        ledger.transfer([hoarder], [BONDS], bond, "bond", uid=slot)
        p.bonded[slot] += bond[0]
    registered = getattr(access, "registered", None)
    if registered is not None:
        registered(1)
    return True

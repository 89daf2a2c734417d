"""Phase 1b: faults.  Which nodes are reachable this epoch.

Independent failures hit each node (a platform's coordinator included) with
``faults.offline_probability``; a failure domain takes all its nodes down at once; a targeted
removal makes the best-connected (or richest) participants leave for good; a partition cuts a
share of participants off from the rest; the organisation applies its operator's scheduled outage.
Returns ``Faults`` (whether the operator is up).
"""

from __future__ import annotations

import numpy as np

from sim.epoch.results import Faults
from sim.population import TREASURY
from sim.roles import Role


def apply_faults(world) -> Faults:
    p, faults, rng = world.population, world.cfg.faults, world.rng
    p.online[:] = p.active & (rng.random(p.size) >= faults.offline_probability)
    if faults.domain_failure_probability > 0:
        down = rng.random(faults.failure_domains) < faults.domain_failure_probability
        p.online[down[np.arange(p.size) % faults.failure_domains]] = False
    if world.epoch == faults.targeted_removal_epoch and faults.targeted_removal_fraction > 0:
        remove_targets(world, faults.targeted_removal_fraction, faults.targeted_removal_by)
    start = faults.partition_start
    if start >= 0 and start <= world.epoch < start + faults.partition_length:
        members = np.flatnonzero(p.active & (p.role != Role.COORDINATOR))
        cut = rng.choice(
            members, int(round(faults.partition_fraction * len(members))), replace=False
        )
        p.online[cut] = False
    world.organisation.outage(world)
    return Faults(operator_up=world.organisation.is_up(world))


def remove_targets(world, fraction: float, by: str) -> None:
    """Remove the top ``fraction`` of active participants by graph degree or by stake
    (Albert, Jeong & Barabási, "Error and attack tolerance of complex networks", Nature 2000)."""
    p, graph = world.population, world.graph
    candidates = [n for n in graph.nodes if p.active[n] or n == TREASURY]
    if by == "degree":
        score = {n: graph.degree(n) for n in candidates}
    else:
        score = {n: int(world.ledger.balances[n]) for n in candidates}
    tie_break = dict(zip(candidates, world.rng.random(len(candidates)), strict=True))
    ranked = sorted(candidates, key=lambda n: (-score[n], tie_break[n]))
    targets = np.array(ranked[: int(round(fraction * len(ranked)))], dtype=np.int64)
    targets = world.organisation.removal_targets(world, targets)
    world.deactivate(targets)
    world.ledger.decision("targeted removal", removed=targets, by=by)

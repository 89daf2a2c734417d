"""Decisions as numbers: the quantities and prices each role sets, one bounded field of an
action array per decision, with the fixed rule as the default policy.

Each participant has a row of ``Population.decision`` (``DECISION_WIDTH`` columns); its role's
fields (``DECISIONS[role]``) name the leading columns.  NaN, the initial value, means "the fixed
rule decides": the economy runs exactly as it does without decisions.  A finite value replaces
the rule for that participant (every value is clipped to its field's bounds on the way in):

- compute providers: ``markup`` — ask per unit = unit cost × (1 + markup)
  (rule: its strategy's markup, 0 when honest);
- data providers: ``licence_price`` — tokens a builder pays per licensed shard; builders license
  the cheapest providers first, ties at random (rule: 0, a free licence paid by the incentive);
- builders: ``compute_share`` — the share of full local training's compute it asks for (rule:
  1, or 0 for a free rider); ``submit`` — submits iff ≥ 1/2 (rule: its strategy decides);
- validators: ``effort`` — the share of received submissions it scores (and pays for), weights
  on the rest set to 0 (rule: 1, a lazy validator's sample); ``sharpness`` s — its weights
  w ↦ wˢ, renormalised to the row's sum (rule: 1, the scoring rule's weights as they are);
- nominators: ``move`` — moves its stake to the best-yield validator iff ≥ 1/2 (rule: review
  with ``delegation.review_probability`` and move when the extra yield pays the fee);
- builders and validators as registrants: ``register_below`` — a candidate for the slot applies
  iff the entry cost (tokens) is at most this (rule: ``Participant.enters``, the incumbents'
  profit over ``population.entry_horizon`` covers the cost).

A learner acts in normalised units u ∈ [−1, 1] per field (``to_values`` maps them affinely onto
the bounds), the usual rescaling of continuous actions in RL (Raffin et al., Stable-Baselines3,
"rescale actions to [−1, 1]", JMLR 22(268), 2021).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.roles import Role


@dataclass(frozen=True)
class Decision:
    name: str
    low: float
    high: float
    honest: float  # the value the honest fixed rule amounts to (NaN: the rule depends on state)


REGISTER = Decision("register_below", 0.0, 100.0, np.nan)
DECISIONS: dict[Role, tuple[Decision, ...]] = {
    Role.COMPUTE_PROVIDER: (Decision("markup", 0.0, 4.0, 0.0),),
    Role.DATA_PROVIDER: (Decision("licence_price", 0.0, 2.0, 0.0),),
    Role.BUILDER: (
        Decision("compute_share", 0.0, 1.0, 1.0),
        Decision("submit", 0.0, 1.0, 1.0),
        REGISTER,
    ),
    Role.VALIDATOR: (
        Decision("effort", 0.0, 1.0, 1.0),
        Decision("sharpness", 0.25, 8.0, 1.0),
        REGISTER,
    ),
    Role.NOMINATOR: (Decision("move", 0.0, 1.0, np.nan),),
}
DECISION_WIDTH = max(len(fields) for fields in DECISIONS.values())


def field_index(role: Role, name: str) -> int:
    names = [d.name for d in DECISIONS.get(role, ())]
    if name not in names:
        known = ", ".join(f"{r.name.lower()}.{d.name}" for r, ds in DECISIONS.items() for d in ds)
        raise ValueError(f"{role.name.lower()}.{name}: no such decision (known: {known})")
    return names.index(name)


def parse(name: str) -> tuple[Role, str]:
    """``"validator.effort"`` → (Role.VALIDATOR, "effort"), else a ValueError naming them all."""
    role_name, _, field = name.partition(".")
    try:
        role = Role[role_name.upper()]
    except KeyError:
        role = None
    if role is None or role not in DECISIONS:
        roles = ", ".join(r.name.lower() for r in DECISIONS)
        raise ValueError(f"{name}: decisions are '<role>.<field>' with role one of {roles}")
    field_index(role, field)
    return role, field


def decided(population, slots: np.ndarray, role: Role, name: str) -> np.ndarray:
    """(len(slots),) the decision ``name`` of each slot (NaN where the rule decides)."""
    return population.decision[slots, field_index(role, name)]


def set_decisions(population, slots: np.ndarray, role: Role, name: str, values) -> None:
    """Set the decision ``name`` of ``slots`` (clipped to its bounds; NaN hands it back to the
    rule)."""
    d = DECISIONS[role][field_index(role, name)]
    values = np.broadcast_to(np.asarray(values, dtype=np.float64), (len(slots),))
    population.decision[slots, field_index(role, name)] = np.clip(values, d.low, d.high)


def to_values(role: Role, name: str, units: np.ndarray) -> np.ndarray:
    """Normalised actions u (clipped to [−1, 1]) → values low + (high − low)(u + 1)/2."""
    d = DECISIONS[role][field_index(role, name)]
    u = np.clip(np.asarray(units, dtype=np.float64), -1.0, 1.0)
    return d.low + (d.high - d.low) * (u + 1.0) / 2.0


def to_units(role: Role, name: str, values) -> np.ndarray:
    """The inverse of ``to_values``."""
    d = DECISIONS[role][field_index(role, name)]
    return 2.0 * (np.asarray(values, dtype=np.float64) - d.low) / (d.high - d.low) - 1.0


def honest_units(role: Role, names=None) -> np.ndarray:
    """The normalised action of the honest rule for ``names`` (all the role's fields by
    default): each field's constant honest value, or the middle of the range (0) for a field
    whose rule depends on state."""
    fields = {d.name: d for d in DECISIONS[role]}
    chosen = [fields[n] for n in (names or fields)]
    return np.array(
        [to_units(role, d.name, d.honest) if np.isfinite(d.honest) else 0.0 for d in chosen]
    )


def overrides(values: np.ndarray, rule: np.ndarray) -> np.ndarray:
    """Where a decision is set, it; elsewhere the rule's value."""
    return np.where(np.isfinite(values), values, rule)

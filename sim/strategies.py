"""Strategy sets of the adapting roles and their learning rules (the state behind
sim/epoch/adaptation.py, held by the World).

Each adapting role has a strategy set: honest play and every registered alternative of the role
that one participant can take up (agents.adversary).  Its rule (mechanisms.adaptation) keeps one
policy row per slot of the role.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from agents.adversary import behaviours_of
from mechanisms.adaptation.base import one_hot
from sim.roles import Role

ADAPTING_ROLES = (
    Role.COMPUTE_PROVIDER,
    Role.DATA_PROVIDER,
    Role.BUILDER,
    Role.VALIDATOR,
    Role.NOMINATOR,
)
# Roles whose alternatives to honest play cheat others (a markup or withheld data is a price).
CHEATING_ROLES = (Role.BUILDER, Role.VALIDATOR)


@dataclass
class RoleStrategies:
    """One role's strategy set (index 0: honest play), its adaptation rule and state."""

    classes: tuple
    rule: Any
    state: Any
    # The mean payoff of each strategy the last epoch anyone played it (NaN: never played).
    last_seen: np.ndarray | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(cls.kind or "honest" for cls in self.classes)

    @property
    def kinds(self) -> np.ndarray:
        """The population's ``adversary`` value of each strategy, by strategy index."""
        return np.array([cls.kind for cls in self.classes], dtype=object)

    def index_of(self, kinds: np.ndarray) -> np.ndarray:
        """Strategy index of each kind (one comparison per strategy, none per agent); a kind
        outside the set (a Sybil identity) maps to 0, honest play."""
        index = np.zeros(len(kinds), dtype=np.int64)
        for i, kind in enumerate(self.kinds):
            index[kinds == kind] = i
        return index


def strategy_classes(role_set) -> tuple:
    honest = role_set.agent_class("")
    return (honest, *(cls for cls in behaviours_of(role_set.role) if cls.adaptive))


def init_strategies(world, rules: dict, exploration: float) -> dict[Role, RoleStrategies]:
    """Every slot starts on the strategy it was given (one-hot), with ``exploration`` of its
    policy spread over the role's strategies when the role's rule adapts."""
    strategies = {}
    for role in ADAPTING_ROLES:
        rule = rules[role]
        classes = strategy_classes(world.roles[role])
        given = RoleStrategies(classes, rule, None).index_of(
            world.population.adversary[world.population.block(role)]
        )
        rows = one_hot(given, len(classes))
        if rule.adapts:
            rows = (1.0 - exploration) * rows + exploration / len(classes)
        strategies[role] = RoleStrategies(
            classes, rule, rule.init(rows), np.full(len(classes), np.nan)
        )
    return strategies


def share_keys() -> tuple[str, ...]:
    """The share columns of metrics.parquet, from the adversaries registered now."""
    keys = []
    for role in ADAPTING_ROLES:
        names = ["honest", *(cls.kind for cls in behaviours_of(role) if cls.adaptive)]
        keys += [f"share_{role.name.lower()}_{name}" for name in names]
    return (*keys, "honest_share", "honest_profit")


def adaptation_rules(cfg) -> dict[Role, Any]:
    """The rule of each adapting role: ``adaptation_by_role.<role>`` where given, else
    ``adaptation``."""
    from hydra.utils import instantiate

    by_role = cfg.adaptation_by_role or {}
    return {
        role: instantiate(by_role.get(role.name.lower()) or cfg.adaptation)
        for role in ADAPTING_ROLES
    }

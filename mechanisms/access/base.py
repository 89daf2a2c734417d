"""Contract of the access family.

Candidates of one role apply together; the mechanism admits some of them and states what each
admitted newcomer must burn.  ``entry_cost`` is what a newcomer faced in tokens (burn, bond or
fee), reported by the accessibility metrics.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np


@dataclass(frozen=True)
class Admission:
    """admitted (n,) bool; burn (n,) units destroyed on entry; bond (n,) units locked on entry
    (returned on exit, less slashing); entry_cost tokens each candidate faced."""

    admitted: np.ndarray
    burn: np.ndarray
    entry_cost: float
    bond: np.ndarray | None = None


@runtime_checkable
class AccessMechanism(Protocol):
    """``admit(budgets (n,) tokens, free_slots, active_count) -> Admission``.

    slash_fraction: share of a bond burned per proven fault (a rejected submission); 0 for a
    mechanism that takes no bonds (the default for a class that subclasses this Protocol).
    """

    slash_fraction: float = 0.0

    def admit(self, budgets: np.ndarray, free_slots: int, active_count: int) -> Admission: ...

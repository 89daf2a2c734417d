"""Numeric state of all participants, as arrays indexed by account slot.

Slots are laid out once per run: slot 0 is the treasury (the coordinator's wallet on a platform,
the protocol's account on a network), slot 1 the compute market's escrow, slot 2 the account
holding entry bonds, then one contiguous
block per role sized for its initial members plus ``newcomer_slots`` entrants, and last, where an
economy has nominators or ``nominator_slots``, their block: nominators do not arrive later, but
the free slots take in stakers moving from another organisation (sim/federation.py).  Fixed capacity
keeps array shapes, and so compiled JAX functions, the same for the whole run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.decisions import DECISION_WIDTH
from sim.roles import Role

TREASURY = 0
ESCROW = 1
BONDS = 2
ROLE_ORDER = (
    Role.COMPUTE_PROVIDER,
    Role.DATA_PROVIDER,
    Role.BUILDER,
    Role.VALIDATOR,
    Role.CONSUMER,
)


@dataclass
class Population:
    blocks: dict[Role, np.ndarray]
    size: int
    role: np.ndarray = field(init=False)
    active: np.ndarray = field(init=False)
    online: np.ndarray = field(init=False)
    capacity: np.ndarray = field(init=False)  # compute units per epoch
    unit_cost: np.ndarray = field(init=False)  # marginal cost per compute unit
    operating_cost: np.ndarray = field(init=False)  # tokens per epoch, off-ledger expenses
    value: np.ndarray = field(init=False)  # a consumer's value of a perfect model per epoch
    profit: np.ndarray = field(init=False)  # last epoch's profit in tokens
    capital: np.ndarray = field(init=False)  # tokens at stake at the start of the last epoch
    loss_streak: np.ndarray = field(init=False)
    joined: np.ndarray = field(init=False)  # epoch of entry (−1: never)
    first_reward: np.ndarray = field(init=False)  # epoch of first reward (−1: none yet)
    emission: np.ndarray = field(init=False)  # tokens paid as rewards last epoch (pruning score)
    delegate: np.ndarray = field(init=False)  # validator slot a nominator stakes to (−1: none)
    yield_estimate: np.ndarray = field(init=False)  # a validator's moving average yield per token
    bonded: np.ndarray = field(init=False)  # units of entry bond held in the BONDS account
    adversary: np.ndarray = field(init=False)  # "" for honest, else an agents.adversary kind
    owner: np.ndarray = field(init=False)  # who controls the account (Sybils share one owner)
    decision: np.ndarray = field(init=False)  # (n, DECISION_WIDTH) sim.decisions; NaN: the rule

    def __post_init__(self):
        n = self.size
        self.role = np.zeros(n, dtype=np.int8)
        for role, slots in self.blocks.items():
            self.role[slots] = role
        self.active = np.zeros(n, dtype=bool)
        self.online = np.zeros(n, dtype=bool)
        for name in ("capacity", "unit_cost", "operating_cost", "value", "profit", "capital"):
            setattr(self, name, np.zeros(n))
        self.loss_streak = np.zeros(n, dtype=np.int64)
        self.joined = np.full(n, -1, dtype=np.int64)
        self.first_reward = np.full(n, -1, dtype=np.int64)
        self.emission = np.zeros(n)
        self.delegate = np.full(n, -1, dtype=np.int64)
        self.yield_estimate = np.full(n, np.nan)
        self.bonded = np.zeros(n, dtype=np.int64)
        self.adversary = np.full(n, "", dtype=object)
        self.owner = np.arange(n, dtype=np.int64)
        self.decision = np.full((n, DECISION_WIDTH), np.nan)

    @classmethod
    def layout(
        cls, initial: dict[Role, int], newcomer_slots: int, nominator_slots: int = 0
    ) -> Population:
        blocks, start = {}, 3
        for role in ROLE_ORDER:
            width = initial[role] + newcomer_slots
            blocks[role] = np.arange(start, start + width)
            start += width
        width = initial.get(Role.NOMINATOR, 0) + nominator_slots
        if width:  # an economy without nominators may still take stakers in
            blocks[Role.NOMINATOR] = np.arange(start, start + width)
            start += width
        return cls(blocks=blocks, size=start)

    def block(self, role: Role) -> np.ndarray:
        """The role's slots; none for a role this economy does not have (nominators)."""
        return self.blocks.get(role, np.zeros(0, dtype=np.int64))

    def members(self, role: Role, online_only: bool = False) -> np.ndarray:
        """Active (and, if asked, online) slots of a role, in slot order."""
        slots = self.block(role)
        keep = self.active[slots] & (self.online[slots] if online_only else True)
        return slots[keep]

    def flagged(self, kind: str, role: Role) -> np.ndarray:
        """Boolean mask over the role's block: slots of that adversary kind."""
        return self.adversary[self.blocks[role]] == kind

    def free_slots(self, role: Role) -> np.ndarray:
        """Slots of the role that nobody has used yet (slots are not reused after an exit)."""
        slots = self.block(role)
        return slots[self.joined[slots] < 0]

    def validator_stake(self, balances: np.ndarray) -> np.ndarray:
        """(V,) each validator slot's stake in units: its own balance while active plus the
        balances of the active nominators who delegate to it."""
        validators = self.blocks[Role.VALIDATOR]
        stake = np.where(self.active[validators], balances[validators], 0).astype(np.int64)
        nominators = self.members(Role.NOMINATOR)
        backing = nominators[self.delegate[nominators] >= 0]
        if len(backing):
            position = self.delegate[backing] - validators[0]
            np.add.at(stake, position, balances[backing])
            stake *= self.active[validators]
        return stake

    def position(self, role: Role, slots: np.ndarray) -> np.ndarray:
        """Index of slots within their role's block (the row in per-role arrays)."""
        return np.asarray(slots) - self.blocks[role][0]

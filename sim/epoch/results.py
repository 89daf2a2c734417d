"""What each phase of an epoch returns: frozen, typed, and the only way phases pass things on."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Arrivals:
    """Churn and access: who applied to join and who was admitted (all roles)."""

    applicants: int
    admitted: int
    entry_costs: tuple[float, ...]  # the access mechanism's entry cost at each admission round
    pruned: int = 0  # UIDs a registration into a full network replaced (scenario.max_uids)


@dataclass(frozen=True)
class Faults:
    operator_up: bool  # the organisation's operator (a platform's coordinator) can act


@dataclass(frozen=True)
class MarketResult:
    steps: np.ndarray  # (B,) local training steps per builder position
    sold: np.ndarray  # (N,) compute units each account sold
    utilisation: float | None  # units sold / capacity online; None without a market
    operator_spend: int  # units the operator paid for compute (a platform's purchases)


@dataclass(frozen=True)
class TrainingData:
    records: np.ndarray  # (B, M) training-record indices per builder position, −1 padding
    raw_bytes_moved: int  # raw bytes that left their owners this epoch
    raw_bytes_total: int  # raw bytes of every provider that ever joined

    @property
    def sizes(self) -> np.ndarray:
        """Training records per builder position (the FedAvg weights)."""
        return (self.records >= 0).sum(axis=1).astype(np.float64)


@dataclass(frozen=True)
class Submissions:
    thetas: np.ndarray  # (B, D) submitted models by builder position
    submitted: np.ndarray  # (B,) bool


@dataclass(frozen=True)
class Evaluation:
    weights: np.ndarray  # (E, B) the evaluators' weights
    quality: np.ndarray  # (B,) test accuracy of each submission (0: none)
    peak_traffic: int  # bytes the busiest node received
    model_bytes: int  # model bytes moved this epoch
    scored: np.ndarray  # (N,) submissions each account scored at its own cost


@dataclass(frozen=True)
class Decision:
    outcome: object  # mechanisms.consensus.base.ConsensusOutcome
    evaluator_slots: np.ndarray
    submitted: int  # submissions in a committed round
    rejected: int  # of them, rejected


@dataclass(frozen=True)
class Update:
    applied: bool
    improvers: int | None  # builders whose updates entered the model (None: no update)
    previous_model: np.ndarray  # the network model before this update


@dataclass(frozen=True)
class Payments:
    revenue: int  # units of consumer fees this epoch
    buyers: int
    paid: np.ndarray  # (N,) tokens paid to each account
    emission: int  # units the incentive says it minted
    operator_spend: int  # units the operator paid out of its own wallet
    paid_out: bool  # whether anything was paid
    shortfall: int = 0  # units owed in rewards that the treasury could not pay
    delegation: Delegation | None = None  # what nominators received and did (if any)


@dataclass(frozen=True)
class Delegation:
    passed: int  # units validators passed to their nominators
    moved: int  # nominators who moved their stake
    switching_costs: int  # units those moves burned


@dataclass(frozen=True)
class Vote:
    power: np.ndarray  # (N,) voting power each account held in the proposal
    turnout: float
    passed: bool

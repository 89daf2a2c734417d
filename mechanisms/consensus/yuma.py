"""Yuma consensus of Bittensor, classic (Yuma 2) and Yuma 3.

Source: the ``epoch`` of opentensor/subtensor (pallets/subtensor/src/epoch/run_epoch.rs and
epoch/math.rs) and its tests, with the Yuma 3 changes of opentensor/subtensor's yuma3 work.  Validators i are rows,
miners (here: builders) j are columns.  One epoch:

1. Active stake ``A = normalize(S · permit · active)``; permits go to the ``max_validators``
   largest stakes (all when None).
2. Weights of validators without a permit are zeroed; rows are normalised to sum 1.
3. Consensus ``C_j = max{w ∈ {W_ij} : Σ_i A_i [W_ij ≥ w] ≥ κ}``, the stake-weighted κ-quantile.
4. Clipped weights ``W̄ = min(W, C)``; validator trust ``Tv_i = Σ_j W̄_ij``.
5. Rank ``R_j = Σ_i A_i W̄_ij``; incentive ``I = R / ΣR``.
6. Bond weights ``W̃ = (1 − β) W + β W̄``.
7. Bonds and dividends, with α = 1 − bonds_moving_average:
   - classic: ``ΔB_ij = A_i W̃_ij / Σ_k A_k W̃_kj``; ``B = colnorm(α ΔB + (1 − α) colnorm(B_prev))``;
     ``D_i = Σ_j B_ij I_j``;
   - Yuma 3: ``B = α W̃ + (1 − α) B_prev`` (per-pair proportions in [0, 1]); with liquid alpha the
     rate is per pair, ``a_ij = α_low + σ(s (d_ij − ½)) (α_high − α_low)`` with d the distance of
     W̃ from consensus when buying (W̃ ≥ B_prev) or from the old bond when selling, and
     ``B = min(1, (1 − a) B_prev + a W̃)``; liquid alpha applies only when some C_j ≠ 0.
     Dividends ``D_i = A_i Σ_j colnorm(B)_ij I_j``.
   Dividends are normalised to sum 1.
8. Emission shares: miners I_j, validators D_i; when both are zero everywhere (no miner has
   consensus weight: weights unset, outdated or all on disagreeing miners) validators share by
   active stake A_i instead (run_epoch.rs: "If emission is zero, replace emission with
   normalized stake"), so ``validator_weight`` is D, or A then.

``chain_precision=True`` quantises what the chain stores: weights arrive max-upscaled to u16
(row maximum 65535), classic bonds are kept column-max-upscaled as u16 and Yuma 3 bonds as
``floor(B · 65535)``.  Departures: arithmetic is float64 rather than I32F32 fixed point, so results
agree with the chain to within one u16 unit (classic) and about 1e-4 (Yuma 3), not bit for bit;
commit-reveal of weights is the economy's (economy.reveal_interval), not the mechanism's.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

import numpy as np

from mechanisms.consensus.base import ConsensusOutcome, check_round
from mechanisms.parameters import ParameterError, at_least_or_none, choice, within
from mechanisms.subnet.permits import validator_permits

U16_MAX = 65535


@dataclass(frozen=True)
class YumaState:
    """Bonds validators × miners kept between epochs (as the chain stores them when
    ``chain_precision`` is on)."""

    bonds: np.ndarray


@dataclass(frozen=True)
class YumaOutcome(ConsensusOutcome):
    """A consensus outcome with Yuma's own quantities.  ``builder_weight`` is the incentive I,
    ``validator_weight`` the dividends D, ``accepted`` marks miners with consensus C_j > 0."""

    consensus: np.ndarray
    incentive: np.ndarray
    dividends: np.ndarray
    validator_trust: np.ndarray
    rank: np.ndarray
    active_stake: np.ndarray
    bonds: np.ndarray

    def agreed_weights(self) -> np.ndarray:
        """Yuma's consensus vector C (the stake-weighted κ-quantile of the weights)."""
        return self.consensus


def _normalize(x: np.ndarray) -> np.ndarray:
    total = x.sum()
    return x / total if total > 0 else np.zeros_like(x)


def _scale_columns(m: np.ndarray, factor: float, sums: np.ndarray) -> np.ndarray:
    """In place: m_ij ← factor · m_ij / s_j where s_j > 0, else 0."""
    m *= np.divide(factor, sums, out=np.zeros_like(sums), where=sums > 0)[None, :]
    return m


def _scale_rows(m: np.ndarray, factor: float, sums: np.ndarray) -> np.ndarray:
    """In place: m_ij ← factor · m_ij / s_i where s_i > 0, else 0."""
    m *= np.divide(factor, sums, out=np.zeros_like(sums), where=sums > 0)[:, None]
    return m


def stake_weighted_quantile(weights: np.ndarray, stake: np.ndarray, kappa: float) -> np.ndarray:
    """Per column j of a validators × miners matrix: the largest w among W_ij whose supporting
    stake Σ_i A_i [W_ij ≥ w] reaches κ (0 if none)."""
    return _kappa_quantile(np.ascontiguousarray(np.asarray(weights, float).T), stake, kappa)


def _kappa_quantile(miner_major: np.ndarray, stake: np.ndarray, kappa: float) -> np.ndarray:
    """The same on a miners × validators array.  Sorting each miner's weights once makes it
    O(V log V) per miner with no Python loop: along the descending order, the first position
    whose cumulative stake reaches κ holds C_j.  Tied weights share their value, so the order
    among ties does not change the result.  Large problems are cut into blocks of miners sorted
    on all cores (NumPy's sort and cumsum release the GIL)."""
    stake = _normalize(np.asarray(stake, dtype=np.float64))
    if stake.sum() <= 0:
        return np.zeros(miner_major.shape[0])
    workers = min(_CORES, max(1, miner_major.size // _BLOCK))
    if workers == 1:
        return _quantile_of_rows(miner_major, stake, kappa)
    blocks = np.array_split(miner_major, workers)
    return np.concatenate(
        list(_pool().map(_quantile_of_rows, blocks, [stake] * workers, [kappa] * workers))
    )


_CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
_BLOCK = 1 << 18  # below about 260k weights one thread is faster than handing work out


@lru_cache(maxsize=1)
def _pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=_CORES, thread_name_prefix="yuma")


def _quantile_of_rows(rows: np.ndarray, stake: np.ndarray, kappa: float) -> np.ndarray:
    order = np.argsort(rows, axis=1)[:, ::-1]  # descending weight
    cumulative = stake[order]
    np.cumsum(cumulative, axis=1, out=cumulative)
    # Tolerance keeps κ = 0.5 reachable when two halves of the stake sum to 0.4999999999.
    reached = cumulative >= kappa - 1e-12
    first = np.argmax(reached, axis=1)
    index = np.arange(rows.shape[0])
    return np.where(reached[:, -1], rows[index, order[index, first]], 0.0)


class YumaVersion(str, Enum):
    classic = "classic"  # subtensor's epoch before Yuma 3: fixed-point bonds, u16 weights
    yuma3 = "yuma3"  # Yuma 3: bonds in [0, 1], optional liquid alpha


class Yuma:
    """Yuma consensus with explicit bond state (``init`` / ``step``); see the module docstring."""

    def __init__(
        self,
        kappa: float = 32767 / 65535,
        bonds_penalty: float = 1.0,
        bonds_moving_average: float = 0.9,
        version: str = "classic",
        liquid_alpha: tuple[float, float] | list[float] | None = None,
        alpha_sigmoid_steepness: float = 1000.0,
        chain_precision: bool = False,
        max_validators: int | None = None,
    ):
        within("kappa", kappa, 0, 1)
        within("bonds_penalty", bonds_penalty, 0, 1)
        within("bonds_moving_average", bonds_moving_average, 0, 1)
        version = choice("version", version, YumaVersion)
        if liquid_alpha is not None:
            low, high = (float(v) for v in liquid_alpha)
            if not 0.0 <= low <= high <= 1.0:
                raise ParameterError(
                    "liquid_alpha",
                    f"must be (low, high) with 0 ≤ low ≤ high ≤ 1, got {liquid_alpha}",
                )
            if version != YumaVersion.yuma3:
                raise ParameterError("liquid_alpha", "applies only to version=yuma3")
            liquid_alpha = (low, high)
        at_least_or_none("max_validators", max_validators, 1)
        self.kappa = kappa
        self.bonds_penalty = bonds_penalty
        self.alpha = 1.0 - bonds_moving_average
        self.version = version
        self.liquid_alpha = liquid_alpha
        self.steepness = alpha_sigmoid_steepness / 100.0
        self.chain_precision = chain_precision
        self.max_validators = max_validators

    # -- stored precision (arrays here are miner-major: rows j, columns i) ------------------
    def _stored_weights(self, weights: np.ndarray) -> np.ndarray:
        """Validator weights as the chain stores them: u16 with each validator's maximum at 65535."""
        if not self.chain_precision:
            return weights
        row_max = weights.max(axis=1, keepdims=True)
        scaled = np.divide(weights, row_max, out=np.zeros_like(weights), where=row_max > 0)
        return np.floor(scaled * U16_MAX)

    def _store_bonds(self, bonds_t: np.ndarray) -> np.ndarray:
        if not self.chain_precision:
            return bonds_t
        if self.version == "classic":
            return np.floor(_scale_rows(bonds_t.copy(), U16_MAX, bonds_t.max(axis=1)))
        return np.floor(bonds_t * U16_MAX)

    def _load_bonds(self, stored_t: np.ndarray) -> np.ndarray:
        if not self.chain_precision:
            return stored_t
        # Classic bonds are normalised per miner on load, so the u16 scale drops out.
        return stored_t if self.version == "classic" else stored_t / U16_MAX

    # -- the epoch --------------------------------------------------------------------------
    def permits(self, stake: np.ndarray) -> np.ndarray:
        """Validator permits: the ``max_validators`` largest positive stakes, as the chain's
        ``is_topk_nonzero`` (mechanisms/subnet/permits.py)."""
        if self.max_validators is None:
            return stake > 0
        return validator_permits(stake, self.max_validators)

    def init(self, n_validators: int, n_miners: int) -> YumaState:
        return YumaState(bonds=np.zeros((n_miners, n_validators)).T)

    def step(self, state: YumaState, stake, weights, active=None):
        stake, weights, active = check_round(stake, weights, active)
        permit = self.permits(stake)
        active_stake = _normalize(stake * permit * active)
        # Work miner-major (j, i): every per-miner sort, sum and scale reads contiguous memory,
        # and each step allocates as few subnet-sized temporaries as possible.
        w = np.ascontiguousarray(self._stored_weights(weights).T)
        if not permit.all():
            w[:, ~permit] = 0.0
        _scale_columns(w, 1.0, w.sum(axis=0))
        consensus = _kappa_quantile(w, active_stake, self.kappa)
        clipped = np.minimum(w, consensus[:, None])
        trust = clipped.sum(axis=0)
        rank = clipped @ active_stake
        incentive = _normalize(rank)
        beta = self.bonds_penalty
        bond_weights = clipped if beta == 1.0 else (1 - beta) * w + beta * clipped
        previous = self._load_bonds(state.bonds.T)
        if self.version == "classic":
            bonds = self._classic_bonds(previous, bond_weights, active_stake)
            dividends = _normalize(incentive @ bonds)
        else:
            bonds = self._yuma3_bonds(previous, bond_weights, consensus)
            per_miner = _scale_rows(bonds.copy(), 1.0, bonds.sum(axis=1))
            dividends = _normalize(active_stake * (incentive @ per_miner))
        # Nothing to share by merit: the chain pays validators by active stake instead.
        nothing_earned = incentive.sum() + dividends.sum() <= 0
        outcome = YumaOutcome(
            accepted=consensus > 0,
            builder_weight=incentive,
            validator_weight=active_stake if nothing_earned else dividends,
            voting_power=active_stake,
            committed=bool(active_stake.sum() > 0),
            consensus=consensus,
            incentive=incentive,
            dividends=dividends,
            validator_trust=trust,
            rank=rank,
            active_stake=active_stake,
            bonds=bonds.T,
        )
        return YumaState(bonds=self._store_bonds(bonds).T), outcome

    def _classic_bonds(self, previous, bond_weights, active_stake):
        """Per miner j: normalise(α ΔB + (1 − α) normalise(B_prev)), ΔB_ij ∝ A_i W̃_ij, built in
        place (at subnet sizes each temporary matrix costs as much as the arithmetic)."""
        bonds = bond_weights * active_stake[None, :]
        _scale_rows(bonds, self.alpha, bond_weights @ active_stake)
        bonds += _scale_rows(previous.copy(), 1 - self.alpha, previous.sum(axis=1))
        return _scale_rows(bonds, 1.0, bonds.sum(axis=1))

    def _yuma3_bonds(self, previous, bond_weights, consensus):
        if self.liquid_alpha is None or not np.any(consensus != 0):
            return self.alpha * bond_weights + (1 - self.alpha) * previous
        low, high = self.liquid_alpha
        # W̃, C and B_prev lie in [0, 1], so the spec's clamps to [0, 1] reduce to these maxima,
        # and σ ∈ (0, 1) keeps the rate inside [low, high] without the spec's final clamp.
        distance = np.where(
            bond_weights >= previous,
            np.maximum(bond_weights - consensus[:, None], 0.0),
            previous - bond_weights,
        )
        distance -= 0.5
        distance *= -self.steepness
        rate = np.exp(distance, out=distance)
        rate += 1.0
        np.divide(high - low, rate, out=rate)
        rate += low
        bonds = previous - rate * previous
        bonds += rate * bond_weights
        return np.minimum(bonds, 1.0, out=bonds)

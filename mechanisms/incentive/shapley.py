"""Shapley values of cooperative games, and rewards that follow them.

``shapley_values(value, n_players, method)`` takes the characteristic function as a map from a
boolean membership mask (n,) to a number.

- exact: ``φ_i = Σ_{S ⊆ N∖{i}} |S|!(n − |S| − 1)!/n! · (v(S ∪ {i}) − v(S))`` over all 2ⁿ
  coalitions (n ≤ 20).  Efficiency Σφ = v(N) − v(∅), symmetry and the null-player property hold
  exactly.
- tmc: Truncated Monte Carlo Shapley (Ghorbani & Zou, "Data Shapley", ICML 2019): average the
  marginal gains along random permutations; within a permutation, stop evaluating once the
  prefix's value is within ``tolerance`` · |v(N)| of v(N) and credit 0 to the rest.
- gtg: GTG-Shapley for federated rounds (Liu et al., "GTG-Shapley", ACM TIST 2022): as tmc, but
  skip the round (all zeros) when |v(N) − v(∅)| ≤ ``round_tolerance``, truncate within a
  permutation at ``tolerance`` (absolute, ε = 1e-3 in the paper), and rotate which player goes
  first so that every player leads equally often.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import replace
from enum import Enum
from math import factorial

import numpy as np

from mechanisms.incentive.base import Contributions, Rewards
from mechanisms.incentive.proportional import ProportionalEmission
from mechanisms.parameters import at_least, choice


class ShapleyMethod(str, Enum):
    exact = "exact"  # every coalition (n ≤ 20)
    tmc = "tmc"  # truncated Monte Carlo permutations
    gtg = "gtg"  # GTG-Shapley: guided truncation with leader rotation


METHODS = tuple(m.value for m in ShapleyMethod)


def shapley_values(
    value: Callable[[np.ndarray], float],
    n_players: int,
    method: str = "exact",
    n_permutations: int = 200,
    tolerance: float = 1e-3,
    round_tolerance: float = 1e-3,
    seed: int = 0,
) -> np.ndarray:
    """Shapley value of every player; see the module docstring for the three methods."""
    if method not in METHODS:
        raise ValueError(f"method must be one of: {', '.join(METHODS)}; got {method!r}")
    if n_players == 0:
        return np.zeros(0)
    if method == "exact":
        return _exact(value, n_players)
    return _sampled(value, n_players, method, n_permutations, tolerance, round_tolerance, seed)


def _exact(value, n: int) -> np.ndarray:
    if n > 20:
        raise ValueError(f"exact Shapley values enumerate 2^n coalitions; n = {n} is too many")
    bits = 1 << np.arange(n)
    coalitions = np.arange(1 << n)
    members = (coalitions[:, None] & bits[None, :]) > 0
    worth = np.array([value(mask) for mask in members], dtype=np.float64)
    sizes = members.sum(axis=1)
    weight = np.array([factorial(s) * factorial(n - s - 1) / factorial(n) for s in range(n)])
    phi = np.empty(n)
    for i in range(n):  # n ≤ 20 players; the sum over 2^n coalitions is vectorised
        without = coalitions[~members[:, i]]
        phi[i] = np.sum(weight[sizes[without]] * (worth[without | bits[i]] - worth[without]))
    return phi


def _sampled(value, n, method, n_permutations, tolerance, round_tolerance, seed) -> np.ndarray:
    rng = np.random.default_rng(seed)
    everyone = np.ones(n, dtype=bool)
    full = float(value(everyone))
    empty = float(value(np.zeros(n, dtype=bool)))
    if method == "gtg" and abs(full - empty) <= round_tolerance:
        return np.zeros(n)
    cutoff = tolerance if method == "gtg" else tolerance * abs(full)
    total = np.zeros(n)
    for t in range(n_permutations):
        order = rng.permutation(n)
        if method == "gtg":  # rotate the leader: permutation t starts with player t mod n
            lead = t % n
            order = np.concatenate(([lead], order[order != lead]))
        mask = np.zeros(n, dtype=bool)
        previous = empty
        for player in order:
            if abs(full - previous) <= cutoff:
                break  # the rest of this permutation adds (almost) nothing
            mask[player] = True
            current = float(value(mask))
            total[player] += current - previous
            previous = current
    return total / n_permutations


class ShapleyRewards(ProportionalEmission):
    """Proportional emission in which builders are paid by their Shapley value.

    Builder k's contribution is max(φ_k, 0), where φ is the Shapley value of the game "validation
    score of the network model rebuilt from a coalition's accepted updates" (GTG-Shapley's
    utility, no retraining).  Validators and data providers are paid as in ProportionalEmission.
    When no utility is supplied, the builders' contributions are treated as an additive game
    v(S) = Σ_{k∈S} c_k, whose Shapley values are the contributions themselves.

    Sources: Shapley (1953); Ghorbani & Zou 2019 (TMC); Liu et al. 2022 (GTG-Shapley).
    """

    needs = frozenset({"builder_utility"})

    def __init__(
        self,
        method: str = "gtg",
        n_permutations: int = 20,
        tolerance: float = 1e-3,
        **emission,
    ):
        """``emission`` takes ProportionalEmission's parameters (emission_per_epoch, shares)."""
        super().__init__(**emission)
        method = choice("method", method, ShapleyMethod).value
        at_least("n_permutations", n_permutations, 1)
        self.method = method
        self.n_permutations = n_permutations
        self.tolerance = tolerance

    def allocate(self, contributions: Contributions) -> Rewards:
        builders = np.asarray(contributions.builders, dtype=np.float64)
        # Players in a canonical order (by contribution, then index), so that sampled estimates
        # do not depend on how builders happen to be numbered.
        players = np.flatnonzero(builders > 0)
        players = players[np.argsort(-builders[players], kind="stable")]
        phi = np.zeros_like(builders)
        if contributions.builder_utility is not None and len(players):
            utility = contributions.builder_utility

            def coalition_value(mask: np.ndarray) -> float:
                full_mask = np.zeros(len(builders), dtype=bool)
                full_mask[players[mask]] = True
                return utility(full_mask)

            # Exact enumeration costs 2^n model evaluations: past 12 players, sample instead.
            method = "tmc" if self.method == "exact" and len(players) > 12 else self.method
            # Permutations are drawn from the round's own numbers: reproducible, new each round.
            seed = int.from_bytes(
                hashlib.sha256(builders[players].tobytes()).digest()[:8], "little"
            )
            phi[players] = shapley_values(
                coalition_value,
                len(players),
                method,
                self.n_permutations,
                self.tolerance,
                seed=seed,
            )
        else:
            phi = builders
        return super().allocate(replace(contributions, builders=np.maximum(phi, 0.0)))

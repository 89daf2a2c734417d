"""Conditional (internal-regret) regret matching: switch away from the last strategy in
proportion to the regret of having played it instead of each other one.

An agent that last played j keeps the conditional regrets

    D(j, k) = (1/t) Σ_{τ ≤ t, s_τ = j} [u_τ(k) − u_τ(j)],

what it would have gained over the rounds it played j by playing k instead, and plays

    p(k) = D(j, k)⁺ / μ  for k ≠ j,      p(j) = 1 − Σ_{k≠j} p(k).

The empirical distribution of joint play converges almost surely to the set of correlated
equilibria, and every internal regret max_{j,k} D(j, k)⁺ goes to 0 (Hart & Mas-Colell 2000,
Main Theorem).  Without counterfactual payoffs u_τ(k) is unknown; the reinforcement procedure
estimates D from the played strategy alone,

    C(j, k) = (1/t) Σ_τ [1(s_τ = k) · p_τ(j)/p_τ(k) · u_τ − 1(s_τ = j) · u_τ],

and plays p(k) = (1 − δ_t) min(C(j, k)⁺/μ, 1/(K − 1)) + δ_t/K with exploration δ_t = δ/t^γ
(Hart & Mas-Colell 2001), which converges to the same set.

Sources: Hart & Mas-Colell, "A Simple Adaptive Procedure Leading to Correlated Equilibrium",
Econometrica 68(5), 2000; Hart & Mas-Colell, "A Reinforcement Procedure Leading to Correlated
Equilibrium", in Economics Essays (Debreu, Neuefeind & Trockel, eds.), Springer 2001.
Departure: μ must exceed (K − 1) times the payoff range, which an economy does not know in advance
(profits are in tokens): each agent uses μ = 2(K − 1)·M with M the largest payoff difference
(full information) or twice the largest |payoff| (reinforcement) it has seen so far, which is
constant once payoffs stop growing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mechanisms.adaptation.base import AdaptationRule, check_play, check_probabilities
from mechanisms.parameters import within


@dataclass(frozen=True)
class ConditionalRegretState:
    regret: np.ndarray  # (n, K, K) Σ over rounds of the conditional regret of j against k
    last: np.ndarray  # (n,) the strategy each agent played last (−1 before any round)
    rounds: np.ndarray  # (n,) rounds each agent has played
    scale: np.ndarray  # (n,) the largest payoff range each agent has seen
    initial: np.ndarray  # (n, K) the policy before any round
    estimated: np.ndarray  # (n,) whether an agent's regrets were estimated (no counterfactual)


class ConditionalRegretMatching(AdaptationRule):
    adapts = True

    def __init__(self, exploration: float = 0.1, exploration_decay: float = 0.2):
        within("exploration", exploration, 0, 1)
        within("exploration_decay", exploration_decay, 0, 0.25)
        self.exploration = exploration
        self.exploration_decay = exploration_decay

    def init(self, probabilities) -> ConditionalRegretState:
        p = check_probabilities(probabilities)
        n, k = p.shape
        return ConditionalRegretState(
            np.zeros((n, k, k)),
            np.full(n, -1),
            np.zeros(n, np.int64),
            np.zeros(n),
            p.copy(),
            np.zeros(n, bool),
        )

    def _switching(self, state: ConditionalRegretState) -> np.ndarray:
        """(n, K) p(k) = D(last, k)⁺ / μ for k ≠ last (0 at last)."""
        n, k, _ = state.regret.shape
        rows = np.arange(n)
        last = np.maximum(state.last, 0)
        t = np.maximum(state.rounds, 1)[:, None]
        mu = 2.0 * max(k - 1, 1) * np.where(state.scale > 0, state.scale, 1.0)[:, None]
        switch = np.maximum(state.regret[rows, last], 0.0) / (t * mu)
        switch[rows, last] = 0.0
        return np.minimum(switch, 1.0 / max(k - 1, 1))

    def _mix(self, switch: np.ndarray, last: np.ndarray, delta: np.ndarray) -> np.ndarray:
        rows = np.arange(len(last))
        k = switch.shape[1]
        policy = (1.0 - delta)[:, None] * switch + (delta / k)[:, None]
        policy[rows, last] = 0.0
        policy[rows, last] = 1.0 - policy.sum(axis=1)
        return policy

    def policy(self, state: ConditionalRegretState) -> np.ndarray:
        """The next round's play: the initial policy before any round, else the switching rule
        from the last strategy (with exploration when the regrets are estimated)."""
        started = state.last >= 0
        if not started.any():
            return state.initial.copy()
        delta = np.zeros(len(state.last))
        if self.exploration > 0:
            t = np.maximum(state.rounds, 1).astype(np.float64)
            delta = np.where(state.estimated, self.exploration / t**self.exploration_decay, 0.0)
        policy = self._mix(self._switching(state), np.maximum(state.last, 0), delta)
        return np.where(started[:, None], policy, state.initial)

    def step(self, state, chosen, payoffs, rng, counterfactual=None) -> ConditionalRegretState:
        n, k, _ = state.regret.shape
        chosen, payoffs, counterfactual = check_play(n, k, chosen, payoffs, counterfactual)
        rows = np.arange(n)
        regret = state.regret.copy()
        if counterfactual is not None:
            regret[rows, chosen] += counterfactual - payoffs[:, None]
            seen = np.ptp(np.column_stack([counterfactual, payoffs]), axis=1)
        else:
            played = self.policy(state)
            ratio = played / np.maximum(played[rows, chosen], 1e-12)[:, None]
            regret[rows, :, chosen] += ratio * payoffs[:, None]
            regret[rows, chosen] -= payoffs[:, None]
            seen = 2.0 * np.abs(payoffs)
        return ConditionalRegretState(
            regret,
            chosen.copy(),
            state.rounds + 1,
            np.maximum(state.scale, seen),
            state.initial,
            state.estimated | (counterfactual is None),
        )

    @staticmethod
    def internal_regret(state: ConditionalRegretState) -> np.ndarray:
        """(n,) max_{j≠k} D(j, k)⁺ / t of each agent: 0 at a correlated equilibrium."""
        t = np.maximum(state.rounds, 1)[:, None, None]
        regret = state.regret / t
        k = regret.shape[1]
        regret[:, np.arange(k), np.arange(k)] = 0.0
        return np.maximum(regret.reshape(len(regret), -1).max(axis=1), 0.0)

"""Regret matching: play each strategy in proportion to its positive cumulative regret.

R_k accumulates u_k − u_played, the payoff strategy k would have brought minus what the played
one brought; p_k = R_k⁺ / Σ_j R_j⁺, uniform when no regret is positive.  This is the
unconditional procedure: every strategy's average (external) regret shrinks like O(1/√T), so the
empirical distribution of joint play converges to the set of *coarse* correlated equilibria (the
Hannan set; Hart & Mas-Colell 2000, Section 4(c)).  It does not in general reach correlated
equilibria: in Shapley's game at T = 20,000 its external regret is below 0.001 and its internal
regret stays near 0.1 (tests/mechanisms/test_adaptation.py).  The conditional procedure that does
is ConditionalRegretMatching (mechanisms/adaptation/conditional_regret.py).  Without counterfactual payoffs u_k is estimated from the played
strategy alone, û_k = u · 1[k = played] / p_k (Hart & Mas-Colell's reinforcement variant).

Sources: Hart & Mas-Colell, "A Simple Adaptive Procedure Leading to Correlated Equilibrium",
Econometrica 68, 2000; Hart & Mas-Colell, "A Reinforcement Procedure Leading to Correlated
Equilibrium", in Economics Essays, Springer 2001.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mechanisms.adaptation.base import AdaptationRule, check_play, check_probabilities


@dataclass(frozen=True)
class RegretState:
    regret: np.ndarray  # (n, K) cumulative regret per strategy
    initial: np.ndarray  # (n, K) the policy before any regret is positive
    rounds: int = 0


class RegretMatching(AdaptationRule):
    adapts = True

    def init(self, probabilities) -> RegretState:
        p = check_probabilities(probabilities)
        return RegretState(np.zeros_like(p), p.copy())

    def policy(self, state: RegretState) -> np.ndarray:
        positive = np.maximum(state.regret, 0.0)
        total = positive.sum(axis=1, keepdims=True)
        k = positive.shape[1]
        fallback = state.initial if state.rounds == 0 else np.full_like(positive, 1.0 / k)
        return np.where(total > 0, positive / np.where(total > 0, total, 1.0), fallback)

    def step(self, state, chosen, payoffs, rng, counterfactual=None) -> RegretState:
        n, k = state.regret.shape
        chosen, payoffs, counterfactual = check_play(n, k, chosen, payoffs, counterfactual)
        if counterfactual is None:
            played = self.policy(state)[np.arange(n), chosen]
            counterfactual = np.zeros((n, k))
            counterfactual[np.arange(n), chosen] = payoffs / np.maximum(played, 1e-12)
        regret = state.regret + counterfactual - payoffs[:, None]
        return RegretState(regret, state.initial, state.rounds + 1)

    @staticmethod
    def average_regret(state: RegretState) -> np.ndarray:
        """(n,) the largest average regret max_k R_k / T of each agent (0 before any round)."""
        if state.rounds == 0:
            return np.zeros(len(state.regret))
        return np.maximum(state.regret.max(axis=1), 0.0) / state.rounds

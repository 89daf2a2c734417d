"""Hedge (exponential weights) and its bandit form EXP3.

Each agent keeps a weight per strategy, w_k ∝ exp(η · Ĝ_k), where Ĝ_k is the strategy's
cumulative payoff, and plays p = (1 − γ) · w/Σw + γ/K.  With full information (a counterfactual
payoff for every strategy) Ĝ_k adds what strategy k would have earned; when only the played
strategy's payoff is known, Ĝ adds the importance-weighted estimate ĝ_k = g · 1[k = played] / p_k,
which is unbiased.

Sources: Freund & Schapire, "A Decision-Theoretic Generalization of On-Line Learning and an
Application to Boosting", J. Computer and System Sciences 55, 1997 (Hedge); Auer, Cesa-Bianchi,
Freund & Schapire, "The Nonstochastic Multiarmed Bandit Problem", SIAM J. Computing 32, 2002
(EXP3).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mechanisms.adaptation.base import AdaptationRule, check_play, check_probabilities
from mechanisms.parameters import positive, within


@dataclass(frozen=True)
class HedgeState:
    log_weights: np.ndarray  # (n, K): log of each agent's weight per strategy


class Hedge(AdaptationRule):
    """Exponential weights with learning rate η (per unit of payoff) and exploration γ."""

    adapts = True

    def __init__(self, learning_rate: float = 0.1, exploration: float = 0.0):
        positive("learning_rate", learning_rate)
        within("exploration", exploration, 0, 1)
        self.learning_rate = learning_rate
        self.exploration = exploration

    def init(self, probabilities) -> HedgeState:
        p = check_probabilities(probabilities)
        with np.errstate(divide="ignore"):
            return HedgeState(np.log(p))

    def policy(self, state: HedgeState) -> np.ndarray:
        logw = state.log_weights
        w = np.exp(logw - logw.max(axis=1, keepdims=True))
        p = w / w.sum(axis=1, keepdims=True)
        k = p.shape[1]
        return (1.0 - self.exploration) * p + self.exploration / k

    def step(self, state, chosen, payoffs, rng, counterfactual=None) -> HedgeState:
        n, k = state.log_weights.shape
        chosen, payoffs, counterfactual = check_play(n, k, chosen, payoffs, counterfactual)
        if counterfactual is not None:
            gains = counterfactual
        else:
            played = self.policy(state)[np.arange(n), chosen]
            gains = np.zeros((n, k))
            gains[np.arange(n), chosen] = payoffs / played
        logw = state.log_weights + self.learning_rate * gains
        # Keep the largest log-weight at 0: the policy is unchanged and nothing overflows.
        return HedgeState(logw - logw.max(axis=1, keepdims=True))

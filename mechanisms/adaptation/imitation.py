"""Pairwise proportional imitation.

Every agent looks at one other agent of the same call, drawn at random; if that agent earned
more, it switches to that agent's strategy with probability (π_other − π_own) / Δ, where Δ is the
range of payoffs in the call, and otherwise keeps its own.  The policy is the agent's current
strategy (one-hot).  In a large population the share of each strategy then follows the
replicator dynamics (ẋ_k = x_k (π_k − π̄)), so strategies spread in proportion to how much more
than average they pay.

Source: Schlag, "Why Imitate, and If So, How? A Boundedly Rational Approach to Multi-armed
Bandits", J. Economic Theory 78, 1998.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mechanisms.adaptation.base import AdaptationRule, check_play, check_probabilities, one_hot
from mechanisms.parameters import within


@dataclass(frozen=True)
class ImitationState:
    probabilities: np.ndarray  # (n, K): before the first step the given rows, after it one-hot


class Imitation(AdaptationRule):
    """``rate`` scales every switching probability (1: Schlag's rule as it stands)."""

    adapts = True

    def __init__(self, rate: float = 1.0):
        within("rate", rate, 0, 1)
        self.rate = rate

    def init(self, probabilities) -> ImitationState:
        return ImitationState(check_probabilities(probabilities).copy())

    def policy(self, state: ImitationState) -> np.ndarray:
        return state.probabilities

    def step(self, state, chosen, payoffs, rng, counterfactual=None) -> ImitationState:
        n, k = state.probabilities.shape
        chosen, payoffs, _ = check_play(n, k, chosen, payoffs, counterfactual)
        if n < 2:
            return ImitationState(one_hot(chosen, k))
        # Each agent's partner: uniform over the other n − 1 agents.
        partner = rng.integers(0, n - 1, n)
        partner += partner >= np.arange(n)
        spread = payoffs.max() - payoffs.min()
        gain = payoffs[partner] - payoffs
        switch_probability = np.where(gain > 0, gain / spread if spread > 0 else 0.0, 0.0)
        switch = rng.random(n) < self.rate * switch_probability
        return ImitationState(one_hot(np.where(switch, chosen[partner], chosen), k))

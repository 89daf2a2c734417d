"""Fixed: agents keep the strategy they were given (the economy's behaviour before adaptation)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mechanisms.adaptation.base import AdaptationRule, check_play, check_probabilities


@dataclass(frozen=True)
class FixedState:
    probabilities: np.ndarray


class Fixed(AdaptationRule):
    """policy(state) is always the initial probabilities; ``step`` returns the state unchanged."""

    adapts = False

    def init(self, probabilities) -> FixedState:
        return FixedState(check_probabilities(probabilities).copy())

    def policy(self, state: FixedState) -> np.ndarray:
        return state.probabilities

    def step(self, state, chosen, payoffs, rng, counterfactual=None) -> FixedState:
        check_play(*state.probabilities.shape, chosen, payoffs, counterfactual)
        return state

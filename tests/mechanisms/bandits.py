"""Two Bernoulli arms for adaptation rules learning from bandit feedback alone."""

import numpy as np

from mechanisms.adaptation.base import draw

ARM_MEANS = np.array([0.3, 0.7])


def better_arm_share(rule, rounds: int, agents: int = 200, seed: int = 0):
    """Mean probability on the 0.7 arm after ``rounds`` of play, and the final state."""
    rng = np.random.default_rng(seed)
    state = rule.init(np.full((agents, 2), 0.5))
    for _ in range(rounds):
        chosen = draw(rule.policy(state), rng)
        payoffs = (rng.random(agents) < ARM_MEANS[chosen]).astype(float)
        state = rule.step(state, chosen, payoffs, rng)
    return rule.policy(state)[:, 1].mean(), state

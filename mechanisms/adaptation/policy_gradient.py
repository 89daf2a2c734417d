"""Policy gradients: agents whose policies are differentiable distributions over actions,
learnt from their profit with REINFORCE with a baseline or PPO's clipped objective.

Two heads, both vectorised over all agents of a role (``jax.vmap``; no Python loop over agents):

- **Gaussian** (continuous actions, ``GaussianLearner``): action a ~ N(μ, σ²) per dimension with
  μ = W·o + b linear in the agent's observation o and a learnt log σ (floored at ``min_std``).
- **Categorical** (discrete actions, ``PolicyGradient``, the adaptation member): one logit per
  strategy, π = softmax(logits), for the economy's strategy sets (sim/epoch/adaptation.py).

Parameters are per agent, or one set shared by the role (``shared=True``: the gradient is the
mean over all agents' samples).  The objectives, for samples with advantage Â = r − baseline
(normalised by its standard deviation, so that the step does not depend on the payoff's units):

- REINFORCE: maximise E[log π(a) · Â] (Williams, "Simple statistical gradient-following
  algorithms for connectionist reinforcement learning", Machine Learning 8, 1992; the baseline
  reduces variance without bias, Sutton & Barto, *Reinforcement Learning*, 2nd ed., §13.4);
- PPO: maximise E[min(ρ·Â, clip(ρ, 1 − ε, 1 + ε)·Â)] with ρ = π(a)/π_old(a), for ``ppo_epochs``
  passes over the same samples (Schulman, Wolski, Dhariwal, Radford & Klimov, "Proximal Policy
  Optimization Algorithms", arXiv:1707.06347, 2017).

Gradients step with Adam (optax); the distributions are distrax's.  Every function is pure: a
state in, a new state out; random draws take an explicit JAX key.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial

import distrax
import jax
import jax.numpy as jnp
import numpy as np
import optax

from mechanisms.adaptation.base import AdaptationRule, check_play, check_probabilities
from mechanisms.parameters import ParameterError, positive, within
from sim.decisions import parse

ALGORITHMS = ("reinforce", "ppo")


@dataclass(frozen=True)
class Objective:
    """What a learner maximises and how it steps."""

    algorithm: str = "reinforce"
    learning_rate: float = 0.05
    clip: float = 0.2
    ppo_epochs: int = 4

    def __post_init__(self):
        if self.algorithm not in ALGORITHMS:
            raise ParameterError("algorithm", f"must be one of {', '.join(ALGORITHMS)}")
        positive("learning_rate", self.learning_rate)
        within("clip", self.clip, 0, 1)
        if self.ppo_epochs < 1:
            raise ParameterError("ppo_epochs", "must be ≥ 1")

    @property
    def optimizer(self):
        return optax.adam(self.learning_rate)

    def surrogate(self, log_prob, old_log_prob, advantage):
        """The per-sample objective (to maximise) of the chosen algorithm."""
        if self.algorithm == "reinforce":
            return log_prob * advantage
        ratio = jnp.exp(log_prob - old_log_prob)
        clipped = jnp.clip(ratio, 1.0 - self.clip, 1.0 + self.clip)
        return jnp.minimum(ratio * advantage, clipped * advantage)

    @property
    def passes(self) -> int:
        return self.ppo_epochs if self.algorithm == "ppo" else 1


def normalised(advantage, mask=None):
    """Â·m / (std of Â over the samples with m = 1 + ε), m = 1 everywhere by default: the step
    no longer depends on the payoff's units, and a masked-out sample counts for nothing."""
    mask = jnp.ones_like(advantage) if mask is None else mask
    count = jnp.maximum(mask.sum(), 1.0)
    mean = (advantage * mask).sum() / count
    spread = jnp.sqrt((mask * (advantage - mean) ** 2).sum() / count)
    return advantage * mask / (spread + 1e-8)


# ---------------------------------------------------------------------- Gaussian (continuous)
def gaussian(params, obs):
    """The policy of one agent (or of the shared parameters) at observations obs (B, d)."""
    mean = obs @ params["w"] + params["b"]
    std = jnp.exp(params["log_std"]) + params["min_std"]
    return distrax.MultivariateNormalDiag(mean, jnp.broadcast_to(std, mean.shape))


class GaussianLearner:
    """Gaussian policies for ``n_agents`` agents with ``obs_dim`` observations and ``act_dim``
    action dimensions.  ``init`` → state; ``sample(state, obs, key)`` → (actions, log-probs);
    ``update(state, obs, actions, rewards, log_probs)`` → state.  Shapes: obs (n, B, d),
    actions (n, B, m), rewards and log-probs (n, B); with ``shared`` the parameters have no
    agent axis."""

    def __init__(self, objective: Objective, shared: bool = False, min_std: float = 1e-3):
        self.objective, self.shared, self.min_std = objective, shared, min_std

    def init(self, n_agents, obs_dim, act_dim, mean=0.0, std=1.0):
        params = {
            "w": jnp.zeros((obs_dim, act_dim)),
            "b": jnp.broadcast_to(jnp.asarray(mean, dtype=jnp.float32), (act_dim,)),
            "log_std": jnp.full((act_dim,), jnp.log(std), dtype=jnp.float32),
        }
        if not self.shared:
            params = jax.tree.map(lambda x: jnp.broadcast_to(x, (n_agents, *x.shape)), params)
        optimizer = self.objective.optimizer
        opt_state = optimizer.init(params)
        return {"params": params, "opt_state": opt_state}

    def _with_floor(self, params):
        return {**params, "min_std": self.min_std}

    @partial(jax.jit, static_argnums=0)
    def sample(self, state, obs, key):
        params = state["params"]

        def one(p, o, k):
            policy = gaussian(self._with_floor(p), o)
            return policy.sample_and_log_prob(seed=k)

        keys = jax.random.split(key, obs.shape[0])
        if self.shared:
            return jax.vmap(lambda o, k: one(params, o, k))(obs, keys)
        return jax.vmap(one)(params, obs, keys)

    @partial(jax.jit, static_argnums=0)
    def update(self, state, obs, actions, rewards, old_log_probs, baseline=None, mask=None):
        """One learning step; the advantage is the reward less ``baseline`` (n, B) where given
        (one sample per agent a round needs one: a moving average of its rewards), else less
        the agent's batch mean.  With ``mask`` (n, B) only its samples count (an agent with
        none keeps its parameters and optimiser moments): fixed shapes while agents come and
        go, so the step compiles once."""
        objective = self.objective
        if baseline is None:
            baseline = rewards.mean(axis=-1, keepdims=True)
        advantage = normalised(rewards - baseline, mask)

        def loss(params, o, a, adv, old):
            log_prob = gaussian(self._with_floor(params), o).log_prob(a)
            return -objective.surrogate(log_prob, old, adv).mean()

        def shared_loss(params):
            return jax.vmap(lambda o, a, adv, old: loss(params, o, a, adv, old))(
                obs, actions, advantage, old_log_probs
            ).mean()

        def one_pass(state, _):
            params, opt_state = state["params"], state["opt_state"]
            if self.shared:
                grads = jax.grad(shared_loss)(params)
            else:
                grads = jax.vmap(jax.grad(loss))(params, obs, actions, advantage, old_log_probs)
            updates, opt_state = objective.optimizer.update(grads, opt_state, params)
            return {"params": optax.apply_updates(params, updates), "opt_state": opt_state}, None

        new, _ = jax.lax.scan(one_pass, state, None, length=objective.passes)
        if mask is None or self.shared:
            return new
        acted = mask.any(axis=-1)

        def keep(fresh, old):
            if fresh.ndim == 0:  # Adam's step count, shared by the call
                return fresh
            return jnp.where(acted.reshape(-1, *([1] * (fresh.ndim - 1))), fresh, old)

        return jax.tree.map(keep, new, state)


# ------------------------------------------------------------------- categorical (strategies)
@dataclass(frozen=True)
class PolicyGradientState:
    logits: np.ndarray  # (n, K): each agent's logits (equal rows when shared)
    baseline: np.ndarray  # (n,): each agent's moving average of its payoff
    adam_mu: np.ndarray  # (n, K): Adam's first moment of the logits' gradient
    adam_nu: np.ndarray  # (n, K): Adam's second moment
    steps: int = 0  # Adam's step count (shared by the call)


class PolicyGradient(AdaptationRule):
    """The adaptation member ``policy_gradient``: a categorical policy over the role's
    strategies per agent (or shared by the role), learnt from each agent's payoff alone (a
    bandit rule: the counterfactual is not used) with REINFORCE with a baseline or PPO's
    clipped objective.  The baseline is each agent's exponential moving average of its payoffs
    (weight ``baseline_rate`` on the newest); advantages are divided by their standard
    deviation over the call's agents."""

    adapts = True
    tolerance = 1e-5  # its steps run in float32 (JAX's default): symmetries hold to this

    def __init__(
        self,
        algorithm: str = "reinforce",
        learning_rate: float = 0.05,
        clip: float = 0.2,
        ppo_epochs: int = 4,
        baseline_rate: float = 0.1,
        shared: bool = False,
        learn_strategies: bool = True,
        decisions: tuple = (),
        decision_std: float = 0.3,
    ):
        self.objective = Objective(algorithm, learning_rate, clip, ppo_epochs)
        within("baseline_rate", baseline_rate, 0, 1)
        positive("decision_std", decision_std)
        self.baseline_rate, self.shared = baseline_rate, bool(shared)
        # Strategies learnt by the categorical head unless switched off (then only decisions).
        self.adapts = bool(learn_strategies)
        self.decisions = tuple(str(name) for name in decisions)
        for name in self.decisions:
            try:
                role, field = parse(name)
            except ValueError as error:
                raise ParameterError("decisions", str(error)) from None
            if field == "register_below":
                raise ParameterError(
                    "decisions",
                    f"{name} is a candidate's decision (made before it holds a slot, so its "
                    "profit says nothing about it): set it through sim.env instead",
                )
        self.decision_std = float(decision_std)

    def decision_learner(self) -> GaussianLearner:
        """The Gaussian head that learns the role's ``decisions`` (sim/epoch/decide.py)."""
        return GaussianLearner(self.objective, shared=self.shared, min_std=0.02)

    def init(self, probabilities) -> PolicyGradientState:
        p = check_probabilities(probabilities)
        with np.errstate(divide="ignore"):
            logits = np.maximum(np.log(p), -30.0)  # a strategy at 0 can still be learnt
        if self.shared:
            logits = np.broadcast_to(logits.mean(axis=0), logits.shape).copy()
        zeros = np.zeros_like(logits)
        return PolicyGradientState(logits, np.full(len(p), np.nan), zeros, zeros.copy())

    def policy(self, state: PolicyGradientState) -> np.ndarray:
        logits = state.logits - state.logits.max(axis=1, keepdims=True)
        weights = np.exp(logits)
        return weights / weights.sum(axis=1, keepdims=True)

    def step(self, state, chosen, payoffs, rng, counterfactual=None) -> PolicyGradientState:
        n, k = state.logits.shape
        chosen, payoffs, _ = check_play(n, k, chosen, payoffs, counterfactual)
        baseline = np.where(np.isnan(state.baseline), payoffs, state.baseline)
        advantage = payoffs - baseline
        spread = advantage.std()
        advantage = advantage / spread if spread > 0 else np.zeros_like(advantage)
        logits, mu, nu = _categorical_step(
            self.objective, self.shared, state.logits, state.adam_mu, state.adam_nu,
            state.steps, chosen, advantage,
        )  # fmt: skip
        return replace(
            state,
            logits=np.asarray(logits, dtype=np.float64),
            baseline=(1 - self.baseline_rate) * baseline + self.baseline_rate * payoffs,
            adam_mu=np.asarray(mu, dtype=np.float64),
            adam_nu=np.asarray(nu, dtype=np.float64),
            steps=state.steps + self.objective.passes,
        )


@partial(jax.jit, static_argnums=(0, 1))
def _categorical_step(objective, shared, logits, mu, nu, steps, chosen, advantage):
    """``objective.passes`` Adam steps on the logits; returns (logits, mu, nu)."""
    old = distrax.Categorical(logits=logits).log_prob(chosen)

    def loss(theta):
        log_prob = distrax.Categorical(logits=theta).log_prob(chosen)
        # Each row's gradient is its own sample's; shared, their mean is every row's step.
        return -objective.surrogate(log_prob, old, advantage).sum()

    optimizer = objective.optimizer
    template = optimizer.init(logits)
    adam, rest = template[0], template[1:]

    def one_pass(carry, _):
        theta, m, v, count = carry
        state = (adam._replace(count=count, mu=m, nu=v), *rest)
        grads = jax.grad(loss)(theta)
        if shared:
            grads = jnp.broadcast_to(grads.mean(axis=0), grads.shape)
        updates, state = optimizer.update(grads, state, theta)
        new = state[0]
        return (optax.apply_updates(theta, updates), new.mu, new.nu, new.count), None

    count = jnp.asarray(steps, dtype=jnp.int32)
    (logits, mu, nu, _), _ = jax.lax.scan(
        one_pass, (logits, mu, nu, count), None, length=objective.passes
    )
    return logits, mu, nu

"""The economy as a multi-agent reinforcement-learning environment: PettingZoo's Parallel API
and a Gymnasium single-agent wrapper.

    from sim.env import EconomyEnv, SingleAgentEnv
    env = EconomyEnv(["adversaries.free_riders=0.25"], max_epochs=30)
    observations, infos = env.reset(seed=0)
    while env.agents:
        actions = {agent: env.action_space(agent).sample() for agent in env.agents}
        observations, rewards, terminations, truncations, infos = env.step(actions)

An agent is one slot of an adapting role (compute provider, data provider, builder, validator,
nominator: ``"<role>_<slot>"``), present while its participant is active: newcomers join and
leavers are terminated as the population changes.  Its action (``actions=``) is

- ``"strategy"`` (the default): the strategy it plays this epoch, an index into its role's
  strategy set (``Discrete(k)``: 0 is honest play, then every registered alternative of the
  role, sim/strategies.py);
- ``"decisions"``: its role's decisions (sim.decisions: a provider's markup, a builder's compute
  share and whether it submits, a validator's effort and weight sharpness, …) as a
  ``Box(−1, 1, (fields,))`` in normalised units, mapped onto each field's bounds; a value set
  stays until the agent sends another (``default_action`` is the honest rule's);
- ``"both"``: ``Dict(strategy=…, decisions=…)``.

An agent that sends no action keeps its current strategy and decisions (at the start, the
fixed rules: every decision is the rule's until set).  Its observation (``Box``, float32) is ``OBSERVATION_FIELDS``: its balance,
capital, last profit and strategy, the market's compute price, the network model's test
accuracy and its role's honest share; its reward is its profit this epoch (tokens; a builder's
includes its hoarded UIDs').  The economy runs with ``adaptation=fixed`` underneath: the agents'
actions are its only strategy changes.  ``reset(seed=…)`` rebuilds the economy from the same
overrides with that seed, so a seed gives the same episode.

Sources: Terry et al., "PettingZoo: Gym for Multi-Agent Reinforcement Learning", NeurIPS 2021
(the Parallel API); Towers et al., "Gymnasium: A Standard Interface for Reinforcement Learning
Environments", arXiv:2407.17032, 2024.
"""

from __future__ import annotations

import functools

import gymnasium
import numpy as np
from pettingzoo import ParallelEnv

from sim.decisions import DECISIONS, honest_units, set_decisions, to_values
from sim.epoch.adaptation import identities_profit
from sim.observations import OBSERVATION_FIELDS, observation_table
from sim.roles import Role
from sim.strategies import ADAPTING_ROLES, strategy_classes

ACTION_KINDS = ("strategy", "decisions", "both")


def agent_name(role: Role, slot: int) -> str:
    return f"{role.name.lower()}_{slot}"


class EconomyEnv(ParallelEnv):
    """The decentralized economy (or the scenario the overrides choose) as a ParallelEnv."""

    metadata = {"name": "deai_sim_economy_v0", "render_modes": []}

    def __init__(self, overrides=(), max_epochs: int = 30, seed: int = 0, actions="strategy"):
        from sim.composition import compose

        if actions not in ACTION_KINDS:
            raise ValueError(f"actions={actions!r}: must be one of {', '.join(ACTION_KINDS)}")
        self.actions = actions
        self.overrides = [*overrides, "adaptation=fixed", "baseline=null"]
        self.max_epochs = int(max_epochs)
        self._seed = int(seed)
        configs = compose([*self.overrides, f"seed={self._seed}"])  # bad overrides stop here
        self.scenario = next(iter(configs))
        self.model = self._build(self._seed)
        world = self.model.world
        self._classes = {role: strategy_classes(world.roles[role]) for role in ADAPTING_ROLES}
        blocks = [world.population.block(role) for role in ADAPTING_ROLES]
        self._agent_slots = np.concatenate(blocks)
        roles = [role for role, block in zip(ADAPTING_ROLES, blocks, strict=True) for _ in block]
        pairs = list(zip(roles, self._agent_slots.tolist(), strict=True))
        self.possible_agents = [agent_name(role, slot) for role, slot in pairs]
        self._slots = dict(zip(self.possible_agents, pairs, strict=True))
        self._index = {agent: i for i, agent in enumerate(self.possible_agents)}
        self._known = np.array(
            sorted({c.kind for classes in self._classes.values() for c in classes}), dtype=object
        )
        self.agents = []

    def _build(self, seed: int):
        from sim.composition import compose
        from sim.model import EconomyModel

        cfg = compose([*self.overrides, f"seed={seed}"])[self.scenario]
        return EconomyModel.from_config(cfg)

    @functools.cache  # noqa: B019 (one space per agent, as PettingZoo asks)
    def observation_space(self, agent):
        return gymnasium.spaces.Box(-np.inf, np.inf, (len(OBSERVATION_FIELDS),), np.float32)

    @functools.cache  # noqa: B019
    def action_space(self, agent):
        role, _ = self._slots[agent]
        strategy = gymnasium.spaces.Discrete(len(self._classes[role]))
        decisions = gymnasium.spaces.Box(-1.0, 1.0, (len(DECISIONS[role]),), np.float32)
        if self.actions == "strategy":
            return strategy
        if self.actions == "decisions":
            return decisions
        return gymnasium.spaces.Dict({"strategy": strategy, "decisions": decisions})

    def decision_names(self, agent) -> tuple[str, ...]:
        """The fields of the agent's decisions action, in order (sim.decisions)."""
        role, _ = self._slots[agent]
        return tuple(d.name for d in DECISIONS[role])

    def default_action(self, agent):
        """The action that amounts to the honest fixed rule, in this env's action space, where
        the rule is a constant (a field whose rule depends on state, such as a nominator's
        move, gets the middle of its range: send no action to leave every field to the rule)."""
        role, _ = self._slots[agent]
        units = honest_units(role).astype(np.float32)
        if self.actions == "strategy":
            return 0
        if self.actions == "decisions":
            return units
        return {"strategy": 0, "decisions": units}

    def reset(self, seed=None, options=None):
        if seed is not None:
            self._seed = int(seed)
        self.model.finish()
        self.model = self._build(self._seed)
        self.agents = self._active()
        return self._observations(self.agents), {agent: {} for agent in self.agents}

    def step(self, actions):
        world = self.model.world
        p = world.population
        live = set(self.agents)
        decided: dict[Role, tuple[list, list]] = {}
        for agent, action in actions.items():
            if agent not in live:
                continue
            role, slot = self._slots[agent]
            strategy, decisions = self._split(action)
            if decisions is not None:
                slots, rows = decided.setdefault(role, ([], []))
                slots.append(slot)
                rows.append(decisions)
            if strategy is None:
                continue
            cls = self._classes[role][int(strategy)]
            # Only the agents that switch change class (mesa registers agents by class).
            if p.adversary[slot] != cls.kind:
                p.adversary[slot] = cls.kind
                world.recast(slot, cls)
        # One write per role and field, not per agent.
        for role, (slots, rows) in decided.items():
            units = np.asarray(rows, dtype=np.float64).reshape(len(slots), -1)
            for j, d in enumerate(DECISIONS[role]):
                set_decisions(p, np.asarray(slots), role, d.name,
                              to_values(role, d.name, units[:, j]))  # fmt: skip
        before = list(self.agents)
        self.model.step()
        active = self._active()
        present = set(active)
        # Every agent live before the step or after it (a newcomer) gets an entry.
        known = set(before)
        reported = before + [a for a in active if a not in known]
        profit = p.profit + identities_profit(p)
        rewards = {a: float(profit[self._slots[a][1]]) if a in before else 0.0 for a in reported}
        truncated = world.epoch >= self.max_epochs
        terminations = {a: a not in present for a in reported}
        truncations = {a: truncated and a in present for a in reported}
        self.agents = [] if truncated else active
        observations = self._observations(reported)
        infos = {a: {} for a in reported}
        return observations, rewards, terminations, truncations, infos

    def close(self):
        self.model.finish()

    def _split(self, action):
        """(strategy index or None, normalised decisions or None) of one agent's action."""
        if self.actions == "strategy":
            return action, None
        if self.actions == "decisions":
            return None, action
        return action.get("strategy"), action.get("decisions")

    def _active(self) -> list[str]:
        """The agents whose participant is active and plays a strategy (not a Sybil identity),
        from one mask over all slots."""
        p = self.model.world.population
        slots = self._agent_slots
        live = p.active[slots] & np.isin(p.adversary[slots], self._known)
        return [self.possible_agents[i] for i in np.flatnonzero(live)]

    def _observations(self, agents) -> dict[str, np.ndarray]:
        """One (agents, fields) matrix, then a row per agent."""
        rows = np.array([self._index[a] for a in agents], dtype=np.int64)
        table = observation_table(self.model.world, self._agent_slots[rows], self._classes)
        return dict(zip(agents, table, strict=True))


class SingleAgentEnv(gymnasium.Env):
    """One learning agent of the economy behind Gymnasium's API; every other agent keeps the
    strategy it was given (or ``others(observation) -> action`` decides for each)."""

    metadata = {"render_modes": []}

    def __init__(self, agent: str | None = None, others=None, **env_kwargs):
        self.env = EconomyEnv(**env_kwargs)
        self.agent = agent or next(a for a in self.env.possible_agents if a.startswith("builder"))
        if self.agent not in self.env.possible_agents:
            raise ValueError(f"{self.agent}: not an agent of this economy")
        self.others = others
        self.observation_space = self.env.observation_space(self.agent)
        self.action_space = self.env.action_space(self.agent)
        self._last = {}

    def reset(self, seed=None, options=None):
        super().reset(seed=seed)
        observations, infos = self.env.reset(seed=seed, options=options)
        self._last = observations
        blank = np.zeros(self.observation_space.shape, np.float32)
        return observations.get(self.agent, blank), infos.get(self.agent, {})

    def step(self, action):
        actions = {self.agent: action}
        if self.others is not None:
            actions |= {a: self.others(self._last[a]) for a in self.env.agents if a != self.agent}
        observations, rewards, terminations, truncations, infos = self.env.step(actions)
        self._last = observations
        blank = np.zeros(self.observation_space.shape, np.float32)
        return (
            observations.get(self.agent, blank),
            rewards.get(self.agent, 0.0),
            terminations.get(self.agent, True),
            truncations.get(self.agent, False),
            infos.get(self.agent, {}),
        )

    def close(self):
        self.env.close()

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
leavers are terminated as the population changes.  Its action is the strategy it plays this
epoch, an index into its role's strategy set (``Discrete(k)``: 0 is honest play, then every
registered alternative of the role, sim/strategies.py); an agent that sends no action keeps its
current strategy.  Its observation (``Box``, float32) is ``OBSERVATION_FIELDS``: its balance,
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

from sim.epoch.adaptation import identities_profit
from sim.roles import Role
from sim.strategies import ADAPTING_ROLES, RoleStrategies, strategy_classes
from sim.units import UNITS_PER_TOKEN

OBSERVATION_FIELDS = (
    "balance",
    "capital",
    "last_profit",
    "strategy",
    "compute_price",
    "test_accuracy",
    "role_honest_share",
)


def agent_name(role: Role, slot: int) -> str:
    return f"{role.name.lower()}_{slot}"


class EconomyEnv(ParallelEnv):
    """The decentralized economy (or the scenario the overrides choose) as a ParallelEnv."""

    metadata = {"name": "deai_sim_economy_v0", "render_modes": []}

    def __init__(self, overrides=(), max_epochs: int = 30, seed: int = 0):
        from sim.composition import compose

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
        return gymnasium.spaces.Discrete(len(self._classes[role]))

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
        for agent, action in actions.items():
            role, slot = self._slots[agent]
            cls = self._classes[role][int(action)]
            # Only the agents that switch change class (mesa registers agents by class).
            if agent in live and p.adversary[slot] != cls.kind:
                p.adversary[slot] = cls.kind
                world.recast(slot, cls)
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

    def _active(self) -> list[str]:
        """The agents whose participant is active and plays a strategy (not a Sybil identity),
        from one mask over all slots."""
        p = self.model.world.population
        slots = self._agent_slots
        live = p.active[slots] & np.isin(p.adversary[slots], self._known)
        return [self.possible_agents[i] for i in np.flatnonzero(live)]

    def _observations(self, agents) -> dict[str, np.ndarray]:
        """One (agents, fields) matrix computed per role, then a row per agent."""
        world = self.model.world
        p, state = world.population, world.state
        rows = np.array([self._index[a] for a in agents], dtype=np.int64)
        slots = self._agent_slots[rows]
        table = np.zeros((len(rows), len(OBSERVATION_FIELDS)), dtype=np.float32)
        table[:, 0] = world.ledger.balances[slots] / UNITS_PER_TOKEN
        table[:, 1], table[:, 2] = p.capital[slots], p.profit[slots]
        table[:, 4] = state.market_price
        table[:, 5] = state.test_accuracy if np.isfinite(state.test_accuracy) else 0.0
        for role, classes in self._classes.items():
            mine = p.role[slots] == role
            members = p.members(role)
            table[mine, 3] = RoleStrategies(classes, None, None).index_of(p.adversary[slots[mine]])
            honest = float((p.adversary[members] == "").mean()) if len(members) else 0.0
            table[mine, 6] = honest
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
        actions = {self.agent: int(action)}
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

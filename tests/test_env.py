"""The economy behind PettingZoo's Parallel API and Gymnasium's: the libraries' own API checks,
reproducible resets, and actions that are the strategies played."""

import numpy as np
from gymnasium.utils.env_checker import check_env
from pettingzoo.test import parallel_api_test

from sim.env import OBSERVATION_FIELDS, EconomyEnv, SingleAgentEnv
from sim.epoch.adaptation import identities_profit
from sim.roles import Role
from tests.conftest import SMALL


def test_the_parallel_env_passes_pettingzoos_api_test():
    env = EconomyEnv(SMALL, max_epochs=4)
    parallel_api_test(env, num_cycles=4)
    env.close()


def test_the_single_agent_env_passes_gymnasiums_check():
    env = SingleAgentEnv(overrides=SMALL, max_epochs=4)
    check_env(env, skip_render_check=True)
    env.close()


def play(env, seed, choose):
    observations, _ = env.reset(seed=seed)
    trace = []
    while env.agents:
        actions = {agent: choose(agent) for agent in env.agents}
        observations, rewards, *_ = env.step(actions)
        trace.append(sorted(rewards.items()))
    return trace


def test_a_seed_gives_the_same_episode_and_actions_are_the_strategies_played():
    env = EconomyEnv(SMALL, max_epochs=3)
    builders = [a for a in env.possible_agents if a.startswith("builder")]
    free_riding = 1  # the builders' strategy set: honest, then free_rider, …
    assert env.action_space(builders[0]).n == len(env._classes[Role.BUILDER])

    def choose(agent):
        return free_riding if agent == builders[0] else 0

    first, again = play(env, 7, choose), play(env, 7, choose)
    assert first == again and len(first) == 3
    slot = int(builders[0].split("_")[1])
    assert env.model.world.population.adversary[slot] == "free_rider"
    assert type(env.model.world.agent_at[slot]).kind == "free_rider"  # it plays as one
    other = play(env, 8, choose)
    assert other != first
    observation = env._observations([builders[0]])[builders[0]]
    assert observation.shape == (len(OBSERVATION_FIELDS),)
    assert observation[OBSERVATION_FIELDS.index("strategy")] == free_riding
    env.close()


def test_rewards_are_the_agents_profits():
    env = EconomyEnv(SMALL, max_epochs=2)
    env.reset(seed=0)
    _, rewards, *_ = env.step({})
    p = env.model.world.population
    profit = p.profit + identities_profit(p)
    assert rewards and all(
        reward == float(profit[int(agent.rsplit("_", 1)[1])]) for agent, reward in rewards.items()
    )
    assert np.isfinite(list(rewards.values())).all() and np.ptp(list(rewards.values())) > 0
    env.close()

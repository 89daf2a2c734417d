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
    """Rewards per step; ``choose(agent)`` returning None sends that agent no action."""
    observations, _ = env.reset(seed=seed)
    trace = []
    while env.agents:
        actions = {agent: choose(agent) for agent in env.agents}
        actions = {agent: action for agent, action in actions.items() if action is not None}
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


def test_mixed_actions_pass_both_api_checks():
    """``actions="both"``: a Dict of the strategy (Discrete) and the decisions (Box)."""
    env = EconomyEnv(SMALL, max_epochs=3, actions="both")
    parallel_api_test(env, num_cycles=3)
    env.close()
    single = SingleAgentEnv(overrides=SMALL, max_epochs=3, actions="both")
    check_env(single, skip_render_check=True)
    single.close()


def test_a_decision_action_sets_the_decision_and_the_default_action_is_the_rule():
    """A compute provider's action +1 is the top markup, 4: it asks 5 × its cost.  Every
    provider and data provider sending the default action (markup 0, licence price 0: their
    rules are constants) plays the same episode as sending nothing."""
    env = EconomyEnv(SMALL, max_epochs=3, actions="decisions")
    providers = [a for a in env.possible_agents if a.startswith(("compute", "data"))]
    assert env.decision_names(providers[0]) == ("markup",)
    silent = play(env, 3, lambda agent: None)
    default = play(env, 3, lambda agent: env.default_action(agent) if agent in providers else None)
    assert default == silent
    env.reset(seed=3)
    first = next(a for a in env.agents if a.startswith("compute"))
    env.step({first: np.array([1.0], dtype=np.float32)})
    world, slot = env.model.world, int(first.rsplit("_", 1)[1])
    asks = world.roles[Role.COMPUTE_PROVIDER].asks(np.array([slot]))
    np.testing.assert_allclose(asks, 5.0 * world.population.unit_cost[slot])
    env.close()


def test_an_unknown_action_kind_is_refused():
    import pytest

    with pytest.raises(ValueError, match="actions='prices': must be one of strategy"):
        EconomyEnv(SMALL, actions="prices")

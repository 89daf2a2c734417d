"""Train compute providers' asks with PPO on the economy's PettingZoo environment, and compare
their profit with the default policy's.

    python -m experiments.train_ppo [--iterations 40] [--out docs/rl --doc docs/rl.md]

The environment is ``sim.env.EconomyEnv`` with ``actions="decisions"`` on the decentralized
economy with Akash's reverse auction as the compute market (``market=reverse_auction
market.markup=0``: the learnt markup is the bid) and nobody leaving (``population.patience``
unbounded), ``EPISODE`` epochs an episode.  Every compute provider is a learning agent with one
policy shared by all of them (parameter sharing, as in multi-agent PPO: Yu et al., "The
Surprising Effectiveness of PPO in Cooperative Multi-Agent Games", NeurIPS 2022); everyone
else sends no action, so the fixed rules decide for them.  The policy is a Gaussian over the
provider's normalised decisions, linear in its observation (standardised over the providers,
and a constant), trained CleanRL-style (Huang et al., "CleanRL", JMLR 23(274), 2022): one
episode a rollout, the clipped objective of PPO (Schulman et al., arXiv:1707.06347) for
``ppo_epochs`` passes with Adam (optax), distributions from distrax
(mechanisms/adaptation/policy_gradient.py ``GaussianLearner``).  A provider's markup is paid in
the epoch it is set, so the return is the epoch's profit (γ = 0) and the advantage is the profit
less the providers' mean that epoch: no value network is needed.

The default policy is the honest fixed rule (``EconomyEnv.default_action``: ask the unit
cost, which pay-as-bid pays nothing over cost); the reverse auction's shipped bid rule, a fixed
markup of 0.2, is the second baseline.  Reported: the providers' mean profit per epoch under the default policy and under the
trained policy's mean action, each over ``--eval-seeds`` fresh seeds (mean ± 95 % CI), and the
learning curve (mean profit per training episode).
"""

from __future__ import annotations

import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from experiments import doc_blocks
from experiments.comparison import mean_ci
from mechanisms.adaptation.policy_gradient import GaussianLearner, Objective
from sim.decisions import to_units, to_values
from sim.observations import OBSERVATION_FIELDS, standardised
from sim.roles import Role

EPISODE = 20
OVERRIDES = (
    "market=reverse_auction",
    "market.markup=0",
    "population.patience=1000000",
)
SHIPPED_MARKUP = (
    0.2  # the reverse auction's own fixed bid markup (configs/market/reverse_auction.yaml)
)
EVAL_SEED = 1000  # evaluation seeds start here, clear of the training seeds


def providers_of(env) -> list[str]:
    return [a for a in env.possible_agents if a.startswith("compute_provider")]


def features(observations: dict, agents: list[str]) -> np.ndarray:
    """(agents, fields + 1): standardised observations and a constant."""
    table = np.array([observations[a] for a in agents])
    return np.column_stack([standardised(table), np.ones(len(agents))]).astype(np.float32)


def episode(env, seed: int, act) -> tuple[list, float]:
    """Play one episode; ``act(features, agents) -> (actions (n, m), extra)``.  Returns the
    rollout [(agents, features, actions, extra, rewards)] and the providers' mean profit per
    epoch."""
    observations, _ = env.reset(seed=seed)
    rollout, profits = [], []
    while env.agents:
        agents = [a for a in providers_of(env) if a in env.agents]
        if not agents:
            env.step({})
            continue
        x = features(observations, agents)
        actions, extra = act(x, agents)
        observations, rewards, *_ = env.step(dict(zip(agents, actions, strict=True)))
        r = np.array([rewards[a] for a in agents])
        rollout.append((agents, x, actions, extra, r))
        profits.append(r.mean())
    return rollout, float(np.mean(profits))


def train(iterations: int, eval_seeds: int, learning_rate: float = 0.05) -> dict:
    from sim.env import EconomyEnv

    env = EconomyEnv(OVERRIDES, max_epochs=EPISODE, actions="decisions")
    n_fields = env.action_space(providers_of(env)[0]).shape[0]
    learner = GaussianLearner(Objective("ppo", learning_rate, ppo_epochs=4), shared=True)
    default = np.asarray(env.default_action(providers_of(env)[0]))
    state = learner.init(1, len(OBSERVATION_FIELDS) + 1, n_fields, mean=default, std=0.3)
    key = jax.random.PRNGKey(0)

    def sample(x, agents):
        nonlocal key
        key, draw = jax.random.split(key)
        actions, log_probs = learner.sample(state, jnp.asarray(x)[:, None, :], draw)
        return np.asarray(actions)[:, 0, :], np.asarray(log_probs)[:, 0]

    curve = []
    for iteration in range(iterations):
        rollout, profit = episode(env, iteration, sample)
        curve.append(profit)
        print(f"train_ppo: episode {iteration}: providers' profit {profit:.3f}/epoch",
              file=sys.stderr, flush=True)  # fmt: skip
        obs = np.concatenate([x for _, x, _, _, _ in rollout])[:, None, :]
        actions = np.concatenate([a for _, _, a, _, _ in rollout])[:, None, :]
        log_probs = np.concatenate([lp for _, _, _, lp, _ in rollout])[:, None]
        rewards = np.concatenate([r for *_, r in rollout])[:, None]
        baseline = np.concatenate([np.full(len(r), r.mean()) for *_, r in rollout])[:, None]
        state = learner.update(
            state, jnp.asarray(obs), jnp.asarray(actions), jnp.asarray(rewards),
            jnp.asarray(log_probs), jnp.asarray(baseline),
        )  # fmt: skip

    def trained(x, agents):
        mean = x @ np.asarray(state["params"]["w"]) + np.asarray(state["params"]["b"])
        return np.clip(mean, -1.0, 1.0), None

    def honest(x, agents):
        return np.tile(default, (len(agents), 1)), None

    shipped = to_units(Role.COMPUTE_PROVIDER, "markup", SHIPPED_MARKUP)

    def fixed_markup(x, agents):
        return np.full((len(agents), n_fields), shipped, dtype=np.float32), None

    seeds = range(EVAL_SEED, EVAL_SEED + eval_seeds)
    policies = (
        ("default", honest),
        (f"markup {SHIPPED_MARKUP}", fixed_markup),
        ("trained", trained),
    )
    evaluation = {
        name: [episode(env, seed, policy)[1] for seed in seeds] for name, policy in policies
    }
    mean_markup = float(
        np.mean([np.asarray(a)[:, 0].mean() for *_, a, _, _ in episode(env, EVAL_SEED, trained)[0]])
    )
    env.close()
    return {
        "iterations": iterations,
        "episode": EPISODE,
        "curve": curve,
        "evaluation": evaluation,
        "trained_markup_units": mean_markup,
    }


def report_lines(result: dict) -> list[str]:
    rows = []
    for name, values in result["evaluation"].items():
        mean, half = mean_ci(values)
        rows.append(f"| {name} | {mean:.3f} ± {half:.3f} |")
    markup = float(to_values(Role.COMPUTE_PROVIDER, "markup", result["trained_markup_units"]))
    default, trained = (np.mean(result["evaluation"][k]) for k in ("default", "trained"))
    shipped = np.mean(result["evaluation"][f"markup {SHIPPED_MARKUP}"])
    return [
        f"{result['iterations']} training episodes of {result['episode']} epochs; evaluation "
        f"on {len(result['evaluation']['default'])} fresh seeds (mean ± 95 % CI).",
        "",
        "| compute providers' policy | mean profit per provider and epoch (tokens) |",
        "|---|---|",
        *rows,
        "",
        f"The trained policy asks a mean markup of {markup:.2f} over unit cost and earns "
        f"{trained - default:+.3f} tokens per provider and epoch more than the default policy "
        f"and {trained - shipped:+.3f} more than the market's shipped markup "
        f"{SHIPPED_MARKUP}.",
        "",
        "![PPO learning curve: providers' mean profit per training episode](rl/train_ppo.png)",
    ]


STYLES = ("--", "-.", ":")


def figure(result: dict, path: Path) -> None:
    fig, ax = doc_blocks.figure_canvas(1, (6.5, 3.4))
    curve = np.array(result["curve"])
    ax.plot(np.arange(1, len(curve) + 1), curve, label="training episode")
    for name, values in result["evaluation"].items():
        ax.axhline(np.mean(values), ls=STYLES[len(ax.lines) % 3], color="0.4",
                   label=f"{name} policy (evaluation)")  # fmt: skip
    ax.set(xlabel="training episode", ylabel="providers' mean profit / epoch")
    ax.legend(fontsize=8)
    doc_blocks.save_figure(fig, path)


def main(argv: list[str] | None = None) -> int:
    def options(parser):
        parser.add_argument("--iterations", type=int, default=40)
        parser.add_argument("--eval-seeds", type=int, default=5)

    def run(args):
        return train(args.iterations, args.eval_seeds)

    return doc_blocks.study_command(
        "train_ppo", __doc__.splitlines()[0], options, run, report_lines, argv, figure
    )


if __name__ == "__main__":
    sys.exit(main())

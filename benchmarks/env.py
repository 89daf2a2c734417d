"""The economy as an RL environment at scale, side by side in one run: PettingZoo steps per
second with about 10³ and 10⁴ learning agents, and the cost of an epoch at 10⁴ participants
with each adaptation rule (fixed, hedge, policy_gradient over strategies, policy_gradient
also learning decisions).

    python benchmarks/env.py [--steps 5] [--agents 1000 10000] [--doc docs/rl.md]
    python benchmarks/env.py --from-json benchmarks/results/env-MACHINE.json --doc docs/rl.md

Environment rows: ``EconomyEnv(actions="decisions")`` with ``population.builders`` set so that
the adapting slots (the env's agents) number about the target, as many consumers as builders
(so 10⁴ agents are about 2 · 10⁴ participants); every live agent sends a uniformly random action each step (numpy, one
draw for all), so the time is the env's and the economy's.  A bare ``model.step()`` of the same
economy is timed beside it: the difference is the env's overhead.  Nobody leaves
(``population.patience`` unbounded), so the agents stay the number at reset.  Adaptation rows: the
``scale=n10k`` economy (≈10⁴ participants) stepped with each rule.  Medians of ``--steps``
steps after a warm-up step (which compiles).  Prints a table and writes
$BENCH_RESULTS/env-<machine>.json (benchmarks/local/ by default; benchmarks/results/ with
`make bench-record`); with ``--doc`` also the doc's block ``env_benchmark`` (from a recorded
JSON with ``--from-json``, without measuring again).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from learning import machine_name, save_results  # noqa: E402  (shared by every benchmark)

from experiments import doc_blocks  # noqa: E402

BLOCK = "env_benchmark"

RULES = {
    "fixed": ("adaptation=fixed",),
    "hedge": ("adaptation=hedge",),
    "policy_gradient": ("adaptation=policy_gradient",),
    "policy_gradient + decisions": (
        "adaptation=policy_gradient",
        "adaptation.decisions=[compute_provider.markup,builder.compute_share,validator.effort]",
    ),
}


def population(agents: int) -> list[str]:
    builders = max(agents - 40, 10)  # the other adapting roles' defaults and newcomer slots
    # Nobody leaves: random actions lose money, and the agents timed should stay the target.
    return [
        f"population.builders={builders}",
        f"population.consumers={builders}",
        "population.patience=1000000",
    ]


def median_seconds(step, steps: int) -> float:
    samples = []
    for repeat in range(steps + 1):
        start = time.perf_counter()
        step()
        if repeat:
            samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def time_env(agents: int, steps: int) -> dict:
    from sim.env import EconomyEnv

    env = EconomyEnv(population(agents), max_epochs=10_000, actions="decisions")
    env.reset(seed=0)
    rng = np.random.default_rng(0)
    width = {a: env.action_space(a).shape[0] for a in env.possible_agents}

    def step():
        live = env.agents
        draws = rng.uniform(-1, 1, size=(len(live), 3)).astype(np.float32)
        env.step({a: draws[i, : width[a]] for i, a in enumerate(live)})

    learning = len(env.agents)
    seconds = median_seconds(step, steps)
    bare = median_seconds(env.model.step, steps)
    env.close()
    return {"learning_agents": learning, "env_s": seconds, "model_s": bare}


def time_rule(overrides, steps: int) -> float:
    from sim.composition import compose
    from sim.model import EconomyModel

    configs = compose(["scale=n10k", "baseline=null", *overrides])
    model = EconomyModel.from_config(next(iter(configs.values())))
    seconds = median_seconds(model.step, steps)
    model.finish()
    return seconds


def table_lines(record: dict) -> list[str]:
    """The doc's tables of one record."""
    lines = [
        f"Machine: {record['machine']}; median of {record['steps']} steps after a warm-up.",
        "",
        '| environment (`actions="decisions"`) | learning agents | env steps / s | '
        "bare model s / epoch | env ÷ bare |",
        "|---|---|---|---|---|",
    ]
    for row in record["env"]:
        lines.append(
            f"| about {row['target_agents']:,} agents | {row['learning_agents']:,} | "
            f"{1 / row['env_s']:.2f} | {row['model_s']:.3f} | {row['env_s'] / row['model_s']:.2f} |"
        )
    lines += [
        "",
        "| adaptation at `scale=n10k` | s / epoch | × fixed | × hedge |",
        "|---|---|---|---|",
    ]
    for row in record["adaptation"]:
        lines.append(
            f"| {row['rule']} | {row['s_per_epoch']:.3f} | {row['ratio_to_fixed']:.2f} | "
            f"{row['ratio_to_hedge']:.2f} |"
        )
    return lines


def measure(args) -> dict:
    print(f"machine: {machine_name()}; median of {args.steps} steps after a warm-up")
    env_rows = []
    for target in args.agents:
        env_rows.append({"target_agents": target, **time_env(target, args.steps)})
        print(f"environment, about {target} agents: {env_rows[-1]}", flush=True)
    times = {name: time_rule(overrides, args.steps) for name, overrides in RULES.items()}
    rule_rows = [
        {
            "rule": name,
            "s_per_epoch": seconds,
            "ratio_to_fixed": seconds / times["fixed"],
            "ratio_to_hedge": seconds / times["hedge"],
        }
        for name, seconds in times.items()
    ]
    record = {"machine": machine_name(), "steps": args.steps, "agents": args.agents}
    record |= {"env": env_rows, "adaptation": rule_rows}
    save_results(f"env-{machine_name()}.json", record)
    return record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--agents", type=int, nargs="+", default=[1_000, 10_000])
    doc_blocks.table_arguments(parser, BLOCK)
    args = parser.parse_args()
    doc_blocks.benchmark_table(args, BLOCK, measure, table_lines)


if __name__ == "__main__":
    main()

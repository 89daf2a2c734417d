"""The cost of one adaptation step, side by side in one run: Hedge, imitation and the
policy-gradient member (REINFORCE and PPO, per agent and shared) for a role of 10⁴ agents.

    python benchmarks/adaptation.py [--agents 10000] [--strategies 8] [--repeats 20]

Prints a table (milliseconds per step and the ratio to Hedge) and writes
$BENCH_RESULTS/adaptation-<machine>.json (benchmarks/local/ by default; benchmarks/results/ with
`make bench-record`).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from mechanisms.adaptation.base import draw
from mechanisms.adaptation.hedge import Hedge
from mechanisms.adaptation.imitation import Imitation
from mechanisms.adaptation.policy_gradient import PolicyGradient

sys.path.insert(0, str(Path(__file__).resolve().parent))
from learning import machine_name, save_results  # noqa: E402  (shared by every benchmark)

RULES = {
    "hedge": Hedge(learning_rate=0.1),
    "imitation": Imitation(),
    "policy_gradient (reinforce)": PolicyGradient(),
    "policy_gradient (reinforce, shared)": PolicyGradient(shared=True),
    "policy_gradient (ppo)": PolicyGradient(algorithm="ppo"),
}


def time_rule(rule, agents: int, strategies: int, repeats: int) -> float:
    """Median seconds of one ``step`` (with its draw of strategies) after a warm-up step."""
    rng = np.random.default_rng(0)
    state = rule.init(np.full((agents, strategies), 1.0 / strategies))
    means = rng.normal(size=strategies)
    samples = []
    for repeat in range(repeats + 1):
        start = time.perf_counter()
        chosen = draw(rule.policy(state), rng)
        payoffs = means[chosen] + rng.normal(size=agents)
        state = rule.step(state, chosen, payoffs, rng)
        if repeat:  # the first step compiles (JAX)
            samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=10_000)
    parser.add_argument("--strategies", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    print(
        f"machine: {machine_name()}; {args.agents} agents × {args.strategies} strategies; "
        f"median of {args.repeats} steps"
    )
    print(f"{'rule':<38} {'ms / step':>10} {'× hedge':>8}")
    rows, hedge = [], None
    for name, rule in RULES.items():
        seconds = time_rule(rule, args.agents, args.strategies, args.repeats)
        hedge = hedge or seconds
        rows.append(
            {"rule": name, "ms_per_step": 1000 * seconds, "ratio_to_hedge": seconds / hedge}
        )
        print(f"{name:<38} {1000 * seconds:>10.2f} {seconds / hedge:>8.2f}")
    save_results(
        f"adaptation-{machine_name()}.json", {"machine": machine_name(), **vars(args), "rows": rows}
    )


if __name__ == "__main__":
    main()

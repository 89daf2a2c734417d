"""Do compute providers that learn their asks reach the competitive price? Policy-gradient
sellers in the simulator's three compute markets.

    python -m experiments.learnt_markets [--seeds 5] [--rounds 600] \\
        [--out docs/rl --doc docs/rl.md]

Eight compute providers with unit costs evenly spaced from 0.20 to 0.40 tokens and 8 units of
capacity each (K = 64) face ten builders who want 4 units each (D = 40) and value a unit at
1 token.  The competitive (Walrasian) price clears D against the supply curve: the five
cheapest providers fill the 40 units, so it lies between the fifth cost and the sixth,
[0.314, 0.343] (any price in the band sells exactly D; below it supply falls short, above it
excess supply bids it down).  Each provider learns its markup m (ask = cost × (1 + m), the
``compute_provider.markup`` decision of sim.decisions) with its own Gaussian policy
(mechanisms/adaptation/policy_gradient.py: REINFORCE with the batch's mean profit as baseline,
Adam), started at the honest ask m = 0 with little exploration (σ = 0.1 in normalised units, a
markup of about 0.2 or less), from its profit sold × (price − cost) in ``batch``
independent markets a round.  The markets are the simulator's own classes:

- ``posted_price`` (PostedPrice, price 0.5): every provider asking at most 0.5 sells pro rata
  at 0.5;
- ``double_auction`` (DoubleAuction, Gode & Sunder's ZI-C traders): a provider's ask is the floor
  of its random asks, a builder bids up to its value;
- ``reverse_auction`` (ReverseAuction, Akash's lowest-bids-first, pay-as-bid; its own markup set
  to 0 so the learnt one is the bid).

Reported per market (mean ± 95 % CI over seeds, the last quarter of the rounds): the traded
price (quantity-weighted), the mean ask of the five providers in the money and of all eight,
how far the price ends from the band, and how fast it gets there (the first round whose price
is within 10 % of the band).

Sources: Bertrand competition with capacity and pay-as-bid pricing (Tirole, *The Theory of
Industrial Organization*, MIT Press 1988, ch. 5); Gode & Sunder, JPE 101(1), 1993; Williams,
Machine Learning 8, 1992.
"""

from __future__ import annotations

import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from experiments import doc_blocks
from experiments.comparison import mean_ci, seeds_missing
from mechanisms.adaptation.policy_gradient import GaussianLearner, Objective
from mechanisms.market.auction import ReverseAuction
from mechanisms.market.double_auction import DoubleAuction
from mechanisms.market.posted_price import PostedPrice
from sim.decisions import to_units, to_values
from sim.roles import Role

COSTS = np.linspace(0.20, 0.40, 8)
CAPACITY = np.full(8, 8.0)
DEMAND = np.full(10, 4.0)
POSTED = 0.5
IN_THE_MONEY = 5  # providers the competitive allocation uses
BAND = (float(COSTS[IN_THE_MONEY - 1]), float(COSTS[IN_THE_MONEY]))
MARKUP = (Role.COMPUTE_PROVIDER, "markup")
MARKETS = ("posted_price", "double_auction", "reverse_auction")
START_STD = 0.1  # exploration at the start, in normalised units: asks near cost at first


def market_of(name: str, seed: int):
    if name == "posted_price":
        return PostedPrice(POSTED)
    if name == "double_auction":
        return DoubleAuction(value_per_unit=1.0, max_price=2.0, seed=seed)
    if name == "reverse_auction":
        return ReverseAuction(max_price=1.0, markup=0.0)
    raise ValueError(f"{name}: not one of {', '.join(MARKETS)}")


def competitive_band() -> tuple[float, float]:
    """The prices at which supply (costs sorted up, 8 units each) meets D: [c₅, c₆]."""
    order = np.sort(COSTS)
    cumulative = np.cumsum(CAPACITY[np.argsort(COSTS)])
    marginal = int(np.searchsorted(cumulative, DEMAND.sum()))
    return float(order[marginal]), float(order[marginal + 1])


def learn(name: str, seed: int, rounds: int, batch: int, learning_rate: float = 0.05) -> dict:
    """One run: per round, the mean ask the policies mean (8,), and the traded price."""
    market = market_of(name, seed)
    learner = GaussianLearner(Objective("reinforce", learning_rate), min_std=0.02)
    n = len(COSTS)
    state = learner.init(n, 1, 1, mean=float(to_units(*MARKUP, 0.0)), std=START_STD)
    key = jax.random.PRNGKey(seed)
    obs = jnp.zeros((n, batch, 1))
    asks, prices = [], []
    for _ in range(rounds):
        key, draw = jax.random.split(key)
        actions, log_probs = learner.sample(state, obs, draw)
        markups = to_values(*MARKUP, np.asarray(actions)[..., 0])  # (n, batch)
        profits = np.zeros((n, batch))
        cost, sold = 0.0, 0.0
        for b in range(batch):
            allocation = market.allocate(DEMAND, CAPACITY, COSTS * (1.0 + markups[:, b]))
            profits[:, b] = allocation.sold * (allocation.price - COSTS)
            cost += float(np.sum(allocation.sold * allocation.price))
            sold += float(allocation.sold.sum())
        state = learner.update(state, obs, actions, jnp.asarray(profits), log_probs)
        mean_units = np.asarray(state["params"]["b"])[:, 0]
        asks.append(COSTS * (1.0 + to_values(*MARKUP, mean_units)))
        prices.append(cost / sold if sold > 0 else float("nan"))
    return {"asks": np.array(asks).tolist(), "prices": prices}


def first_near_band(prices: np.ndarray, tolerance: float = 0.10) -> int | None:
    """The first round whose traded price lies within ``tolerance`` of the competitive band
    (between (1 − tol)·c₅ and (1 + tol)·c₆), or None if none does."""
    near = (prices >= (1 - tolerance) * BAND[0]) & (prices <= (1 + tolerance) * BAND[1])
    return int(np.argmax(near)) + 1 if near.any() else None


def summarise(run: dict) -> dict:
    asks, prices = np.array(run["asks"]), np.array(run["prices"])
    tail = slice(-len(prices) // 4, None)
    cheapest = np.argsort(COSTS)[:IN_THE_MONEY]
    return {
        "price": float(np.nanmean(prices[tail])),
        "ask_in_the_money": float(asks[tail][:, cheapest].mean()),
        "ask_all": float(asks[tail].mean()),
        "first_near_band": first_near_band(prices),
    }


def study(seeds: int, rounds: int, batch: int) -> dict:
    """Per market: each seed's summary, and the curves the figure draws (means over seeds of
    the traded price and of the five cheapest providers' mean ask, per round)."""
    runs, curves = {}, {}
    for name in MARKETS:
        learnt = []
        for seed in range(seeds):
            print(f"learnt_markets: {name} seed {seed}", file=sys.stderr, flush=True)
            learnt.append(learn(name, seed, rounds, batch))
        runs[name] = [summarise(run) for run in learnt]
        cheapest = np.argsort(COSTS)[:IN_THE_MONEY]
        price = np.nanmean([run["prices"] for run in learnt], axis=0)
        ask = np.mean([np.array(run["asks"])[:, cheapest].mean(axis=1) for run in learnt], axis=0)
        curves[name] = {"price": np.round(price, 4).tolist(), "ask": np.round(ask, 4).tolist()}
    return {"seeds": seeds, "rounds": rounds, "batch": batch, "band": list(BAND), "runs": runs,
            "curves": curves}  # fmt: skip


def band_verdict(prices, low: float, high: float) -> str:
    """Where the mean traded price ends against the band: "inside", or its distance from the
    nearer edge; a seed whose markets traded nothing has no price and is named, not averaged
    in as if it were inside."""
    traded = [p for p in prices if np.isfinite(p)]
    if not traded:
        return "no trades"
    price = float(np.mean(traded))
    gap = price / high - 1 if price > high else (price / low - 1 if price < low else 0.0)
    words = f"{gap:+.0%}" if gap else "inside"
    return words + seeds_missing(prices, "traded nothing")


def report_lines(result: dict) -> list[str]:
    low, high = result["band"]
    lines = [
        f"{result['seeds']} seeds × {result['rounds']} rounds of {result['batch']} markets; "
        f"competitive price band [{low:.3f}, {high:.3f}]; posted price {POSTED}. Mean ± 95 % "
        "CI over seeds of the last quarter of the rounds.",
        "",
        "| market | traded price | mean ask, 5 cheapest | mean ask, all 8 | price vs band | "
        "first round within 10 % of the band |",
        "|---|---|---|---|---|---|",
    ]
    for name, runs in result["runs"].items():
        cells = []
        for key in ("price", "ask_in_the_money", "ask_all"):
            mean, half = mean_ci([r[key] for r in runs])
            cells.append(f"{mean:.3f} ± {half:.3f}")
        cells.append(band_verdict([r["price"] for r in runs], low, high))
        reached = [r["first_near_band"] for r in runs if r["first_near_band"] is not None]
        mean, half = mean_ci(reached)
        cells.append(
            "never" if not reached else f"{mean:.0f} ± {half:.0f} ({len(reached)} of {len(runs)})"
        )
        lines.append(f"| {name} | {' | '.join(cells)} |")
    lines += ["", "![Learnt asks and traded prices per market](rl/learnt_markets.png)"]
    return lines


def figure(result: dict, path: Path) -> None:
    fig, axes = doc_blocks.figure_canvas(len(MARKETS), (11, 3.4), sharey=True)
    low, high = result["band"]
    for ax, (name, curve) in zip(axes, result["curves"].items(), strict=True):
        rounds = np.arange(1, len(curve["price"]) + 1)
        ax.axhspan(low, high, color="0.85", label="competitive band")
        ax.plot(rounds, curve["price"], label="traded price")
        ax.plot(rounds, curve["ask"], label="mean ask, 5 cheapest")
        ax.set(title=name, xlabel="round", ylim=(0, 1.2))
    axes[0].set_ylabel("tokens per unit")
    axes[0].legend(fontsize=8)
    doc_blocks.save_figure(fig, path)


def main(argv: list[str] | None = None) -> int:
    def options(parser):
        parser.add_argument("--seeds", type=int, default=5)
        parser.add_argument("--rounds", type=int, default=600)
        parser.add_argument("--batch", type=int, default=8)

    def run(args):
        return study(args.seeds, args.rounds, args.batch)

    return doc_blocks.study_command(
        "learnt_markets", __doc__.splitlines()[0], options, run, report_lines, argv, figure
    )


if __name__ == "__main__":
    sys.exit(main())

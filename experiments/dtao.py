"""Emission by price or by flow: subnets' alpha pools under dynamic TAO, with stakers who
chase yield, investors who follow model quality and miners who sell what they earn.

    python -m experiments.dtao [--subnets 32] [--days 150] [--seeds 4] \\
        [--out docs/dtao --doc docs/dtao.md]

The market (mechanisms/subnet/dtao.py for every pool and emission formula): K subnets with a
model quality q_k ~ logN(0, 0.5) each, started as after a long run (every price 1/K, the
steady state of the price rule; each pool's TAO its 1,000 τ lock plus its stakers' TAO).  A
tempo (360 blocks, 20 a day) runs the coinbase once with the tempo's 360 blocks of emission,
shares from moving prices (the February 2025 rule) or from net-flow EMAs (the November 2025
rule), both EMAs compounded over the 360 blocks.  Each tempo:

- investors bring ``inflow`` τ a day split ∝ q_k, buying alpha they hold (the model's
  attraction);
- the coinbase pays the tempo's 360 blocks of TAO (halved from ``halving_day``; the alpha
  emission, which halves with each subnet's own alpha issuance, does not);
- miners sell the alpha they were paid (their half of α_out after the owner's cut): sell
  pressure, an outflow under the flow rule;
- the validators' half is paid to the stakers of the subnet pro rata to their alpha (stakers
  delegate to validators; the take is left out), and ``stakers`` stakers each holding one
  subnet review once a day on average, compare their subnet's dividend yield (alpha per alpha
  staked, the public figure) with three subnets drawn at random, and move to the best when 30
  days of the extra yield pay the two swap fees of the move.

Interventions: subnet 0's model quality triples on day ``improve_day`` (how fast does its
emission follow?); subnet 1's owner buys ``buy`` τ of its own alpha on day ``buy_day`` and sells
it ``hold_days`` (30) later (can a subnet buy its way up?).

Reported per rule (mean ± 95 % CI over seeds): the concentration of TAO emission over the last
30 days (Herfindahl index and the top decile's share); the days until subnet 0's emission share
has gone half the way from its level before the improvement to its level at the end; for the
buy, the TAO emission subnet 1's pool gains over the 60 days from the buy (against the same seed
without it) per TAO spent, and the net return (that gain plus what the sale recovers, less the
spend: an upper bound on what the owner earns, since the emission reaches it only through its
alpha's price and its 18 % cut); and the small-minus-big premium: the mean daily log return of
the alpha price of the third of subnets with the smallest pools (τ) minus the largest third's,
from day 30 (a burn-in) until a halving of the block emission on day ``halving_day``, and after.

Two more cells register a new subnet every 10 days into the full set (``register_subnet``: the
lock cost doubles and decays as on the chain, the non-immune subnet with the lowest moving
price is dissolved and its stakers refunded the pool's TAO pro rata, the pool's own alpha
counting as the protocol's share, the new pool opens at price 1), reporting besides the mean
lock paid and how many of the dissolved subnets were in the lowest third by model quality.
Six more run each rule with stakers reviewing once in 1.5, 2 and 30 days instead of once a day
(``Settings.review_days``): how much of the small-subnet premium the stakers' pace makes.

Compared with the real market: Maymin, "Common Risk Factors in Decentralized AI Subnets",
arXiv 2603.29751: a small-minus-big factor of 1.01 % a day over 128 subnets, falling from 1.17 %
to 0.51 % with the December 2025 halving.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from experiments import doc_blocks
from experiments.comparison import mean_ci
from mechanisms.subnet import dtao

TEMPO = 360
TEMPOS_PER_DAY = 20
LOCK = 1_000.0
HORIZON_DAYS = 30
CHOICES = 3  # subnets a reviewing staker compares (besides its own)


@dataclass
class Settings:
    subnets: int = 32
    days: int = 150
    stakers: int = 2_000
    stake_per_staker: float = 1_000.0  # τ: 2 M τ staked in all, 0.36 % a day of emission
    inflow: float = 5_000.0  # τ a day from investors, ∝ quality
    miner_sell: float = 1.0  # share of their alpha miners sell each tempo
    improve_day: int = 60
    buy_day: int = 60
    buy: float = 5_000.0  # τ
    hold_days: int = 30  # the owner sells what it bought this many days later
    halving_day: int = 105
    registration_days: int = 0  # a new subnet registers every this many days (0: never)
    review_days: float = 1.0  # a staker reviews its subnet once in this many days on average
    rule: str = "price"
    seed: int = 0


@dataclass
class Market:
    pools: dtao.Pools
    quality: np.ndarray
    holding: np.ndarray  # (S,) the subnet each staker stakes in
    alpha: np.ndarray  # (S,) its alpha
    block: int = 0
    emission_scale: float = 1.0
    emitted: list = field(default_factory=list)  # per tempo, (K,) TAO emission
    prices: list = field(default_factory=list)  # per day, (K,) pool prices
    yields: list = field(default_factory=list)  # per tempo, (K,) dividend per alpha staked
    reserves: list = field(default_factory=list)  # per day, (K,) pool TAO
    registry: dtao.Registrations | None = None  # when each registered; the last lock
    registrations: list = field(default_factory=list)  # per registration: what it cost, whom


def open_market(s: Settings, rng) -> Market:
    """Pools as after a long run at the price rule's steady state: every subnet's price 1/K
    (where a price equals its emission share), its TAO reserve the lock plus its stakers' TAO,
    and each staker holding the alpha its TAO bought at that price."""
    price = 1.0 / s.subnets
    quality = rng.lognormal(0.0, 0.5, s.subnets)
    holding = rng.integers(0, s.subnets, s.stakers)
    stake = np.bincount(holding, minlength=s.subnets) * s.stake_per_staker
    pools = dtao.Pools.open(LOCK + stake, started=1)
    alpha = np.full(s.stakers, s.stake_per_staker / price)
    pools = replace(pools, alpha_in=pools.tao / price,
                    alpha_out=np.bincount(holding, weights=alpha, minlength=s.subnets),
                    moving_price=np.full(s.subnets, price))  # fmt: skip
    # The subnets registered long before the run: none is immune from dissolution.
    registered = dtao.Registrations.long_ago(s.subnets, LOCK)
    return Market(pools, quality, holding, alpha, registry=registered)


def register_subnet(m: Market, rng) -> None:
    """A new subnet registers at the lock cost (2·last − last/100,800 per block since, at least
    1,000 τ).  The subnet limit is reached, so the non-immune subnet with the lowest moving
    price is dissolved first (subnets 0 and 1, the study's subjects, are kept): its stakers get
    the pool's TAO pro rata to their alpha (``dtao.dissolution_refund``: the pool's own alpha
    counts as the protocol's share), restake it in subnets drawn at random, and its
    slot reopens as the new subnet with a pool of τ = α_in = lock (price 1, the chain's
    ``do_register_network``) and a fresh model quality."""
    k = len(m.quality)
    protected = m.pools.moving_price.copy()
    protected[:2] = np.inf
    victim = m.registry.to_prune(protected, m.block)
    if victim is None:
        return
    members = np.flatnonzero(m.holding == victim)
    refund = m.alpha[members] * dtao.dissolution_refund(m.pools, victim)
    quality_rank = int((m.quality < m.quality[victim]).sum())
    m.pools, cost = m.registry.register(m.pools, victim, m.block)
    m.quality[victim] = rng.lognormal(0.0, 0.5)
    if len(members):
        others = np.setdiff1d(np.arange(k), [victim])
        to = rng.choice(others, len(members))
        buy = np.bincount(to, weights=refund, minlength=k)
        m.pools, alpha = dtao.buy_alpha(m.pools, buy)
        m.holding[members] = to
        m.alpha[members] = alpha[to] * np.divide(refund, buy[to])
    m.registrations.append({"block": m.block, "lock": cost, "quality_rank": quality_rank})


def tempo(m: Market, s: Settings, rng) -> None:
    k = s.subnets
    invest = s.inflow / TEMPOS_PER_DAY * m.quality / m.quality.sum()
    m.pools, _ = dtao.buy_alpha(m.pools, invest)  # investors hold what they buy
    m.pools = dtao.advance(m.pools, m.block, TEMPO)
    m.block += TEMPO
    shares = dtao.shares(m.pools, s.rule)
    emission = float(dtao.block_emission(0.0)) * m.emission_scale
    before = m.pools.tao.copy()
    m.pools, paid = dtao.coinbase(m.pools, shares, emission, blocks=TEMPO)
    m.emitted.append(m.pools.tao - before)
    m.pools, _ = dtao.sell_alpha(m.pools, s.miner_sell * paid.miners)
    staked = np.bincount(m.holding, weights=m.alpha, minlength=k)
    dividend = np.divide(paid.validators, staked, out=np.zeros(k), where=staked > 0)
    m.alpha = m.alpha * (1.0 + dividend[m.holding])
    m.yields.append(dividend)
    review(m, dividend, rng, s.review_days)


def review(m: Market, dividend: np.ndarray, rng, review_days: float = 1.0) -> None:
    """Each staker reviews with probability 1 / (20 · ``review_days``) a tempo, looks at
    ``CHOICES`` subnets drawn at random and moves to the one with the best dividend yield when
    30 days of the gain pay the fees of selling and buying."""
    k = len(dividend)
    chance = 1.0 / (TEMPOS_PER_DAY * review_days)
    reviewing = np.flatnonzero(rng.random(len(m.holding)) < chance)
    if not len(reviewing):
        return
    looked = rng.integers(0, k, (len(reviewing), CHOICES))
    best = looked[np.arange(len(reviewing)), np.argmax(dividend[looked], axis=1)]
    gain = (dividend[best] - dividend[m.holding[reviewing]]) * TEMPOS_PER_DAY * HORIZON_DAYS
    go = gain > 2 * dtao.FEE_RATE
    movers, to = reviewing[go], best[go]
    if not len(movers):
        return
    sold = np.bincount(m.holding[movers], weights=m.alpha[movers], minlength=k)
    m.pools, tao = dtao.sell_alpha(m.pools, sold)
    received = tao[m.holding[movers]] * np.divide(m.alpha[movers], sold[m.holding[movers]])
    buy = np.bincount(to, weights=received, minlength=k)
    m.pools, alpha = dtao.buy_alpha(m.pools, buy)
    m.holding[movers] = to
    m.alpha[movers] = alpha[to] * np.divide(received, buy[to])


def run(s: Settings, owner_buys: bool = True) -> dict:
    rng = np.random.default_rng(s.seed)
    m = open_market(s, rng)
    owned, recovered = np.zeros(s.subnets), 0.0
    for day in range(s.days):
        if day == s.improve_day:
            m.quality[0] *= 3.0
        if day == s.buy_day and owner_buys:
            m.pools, owned = dtao.buy_alpha(m.pools, np.eye(s.subnets)[1] * s.buy)
        if day == s.buy_day + s.hold_days and owner_buys:
            m.pools, tao = dtao.sell_alpha(m.pools, owned)
            recovered = float(tao.sum())
        if day == s.halving_day:
            m.emission_scale = 0.5
        if s.registration_days and day and day % s.registration_days == 0:
            register_subnet(m, rng)
        for _ in range(TEMPOS_PER_DAY):
            tempo(m, s, rng)
        m.prices.append(m.pools.price.copy())
        m.reserves.append(m.pools.tao.copy())
    emitted = np.array(m.emitted).reshape(s.days, TEMPOS_PER_DAY, s.subnets).sum(axis=1)
    growth = np.prod(1.0 + np.array(m.yields).reshape(s.days, TEMPOS_PER_DAY, s.subnets), axis=1)
    return {"emitted": emitted, "prices": np.array(m.prices), "reserves": np.array(m.reserves),
            "dividends": growth - 1.0, "recovered": recovered,
            "registrations": m.registrations}  # fmt: skip


def concentration(emitted: np.ndarray) -> tuple[float, float]:
    """(Herfindahl index, top decile's share) of the TAO emission summed over the rows."""
    total = emitted.sum(axis=0)
    share = total / total.sum()
    top = max(1, int(round(0.1 * len(share))))
    return float((share**2).sum()), float(np.sort(share)[::-1][:top].sum())


def daily_shares(emitted: np.ndarray) -> np.ndarray:
    """Each subnet's share of each day's TAO emission (0 on a day without any)."""
    total = emitted.sum(axis=1, keepdims=True)
    return np.divide(emitted, total, out=np.zeros_like(emitted), where=total > 0)


def follow_days(emitted: np.ndarray, day: int) -> float:
    """Days after ``day`` until subnet 0's daily emission share has gone half the way from its
    mean over the 10 days before to its mean over the last 10 days (NaN if it never does)."""
    share = daily_shares(emitted)[:, 0]
    old, new = share[day - 10 : day].mean(), share[-10:].mean()
    halfway = old + 0.5 * (new - old)
    after = share[day:]
    crossed = np.flatnonzero(after >= halfway) if new >= old else np.flatnonzero(after <= halfway)
    return float(crossed[0]) if len(crossed) else float("nan")


def small_minus_big(result: dict, days: slice) -> float:
    """Mean daily log return (%) of the alpha price of the smallest third of pools (by τ the
    day before) minus the largest third's (a factor on token prices, as Maymin's; log returns,
    so that a pool whose price collapses cannot dominate the mean)."""
    prices, reserves = result["prices"], result["reserves"]
    returns = np.log(prices[1:] / prices[:-1])
    size = reserves[:-1]
    third = size.shape[1] // 3
    order = np.argsort(size, axis=1)
    rows = np.arange(len(size))[:, None]
    small = returns[rows, order[:, :third]].mean(axis=1)
    big = returns[rows, order[:, -third:]].mean(axis=1)
    return float(100 * (small - big)[days].mean())


def summarise(s: Settings) -> dict:
    bought, plain = run(s), run(s, owner_buys=False)
    gained = (bought["emitted"][s.buy_day : s.buy_day + 60, 1]
              - plain["emitted"][s.buy_day : s.buy_day + 60, 1]).sum()  # fmt: skip
    hhi, top = concentration(bought["emitted"][-30:])
    return {
        "hhi": hhi,
        "top_decile": top,
        "follow_days": follow_days(plain["emitted"], s.improve_day),
        "buy_gain": float(gained / s.buy),
        "buy_net": float((gained + bought["recovered"] - s.buy) / s.buy),
        "smb_before": small_minus_big(plain, slice(30, s.halving_day - 1)),
        "smb_after": small_minus_big(plain, slice(s.halving_day, None)),
        # Quartiles (%) of the daily log price moves after the burn-in: how jumpy prices are.
        "price_move_quartiles": (
            100 * np.percentile(np.diff(np.log(plain["prices"]), axis=0)[30:], [25, 75])
        )
        .round(2)
        .tolist(),
        "dissolved": len(plain["registrations"]),
        "lock_paid": float(np.mean([r["lock"] for r in plain["registrations"]]))
        if plain["registrations"]
        else float("nan"),
        "dissolved_low_quality": float(
            np.mean([r["quality_rank"] < s.subnets // 3 for r in plain["registrations"]])
        )
        if plain["registrations"]
        else float("nan"),
        "daily_shares": np.column_stack(
            [daily_shares(plain["emitted"])[:, :2], daily_shares(bought["emitted"])[:, 1]]
        )
        .round(5)
        .tolist(),
    }


REGISTERING = 10  # the registration cells: a new subnet every this many days
SLOWER_REVIEWS = (1.5, 2, 30)  # the calibration cells: stakers review once in this many days


def cells(settings: Settings) -> dict[str, Settings]:
    """Each rule as set, then with a new subnet every ``REGISTERING`` days, then with stakers
    reviewing less often (how much of the small-subnet premium is theirs)."""
    chosen = {}
    for rule in dtao.RULES:
        chosen[rule] = replace(settings, rule=rule)
    for rule in dtao.RULES:
        every = f"{rule}, a new subnet every {REGISTERING} days"
        chosen[every] = replace(settings, rule=rule, registration_days=REGISTERING)
    for days in SLOWER_REVIEWS:
        for rule in dtao.RULES:
            slower = f"{rule}, stakers review every {days} days"
            chosen[slower] = replace(settings, rule=rule, review_days=float(days))
    return chosen


def study(seeds: int, settings: Settings) -> dict:
    """Every cell (``cells``) over ``seeds`` seeds."""
    runs = {}
    for cell, cell_settings in cells(settings).items():
        runs[cell] = []
        for seed in range(seeds):
            print(f"dtao: {cell} seed {seed}", file=sys.stderr, flush=True)
            summary = summarise(replace(cell_settings, seed=seed))
            if cell not in dtao.RULES:  # the figure draws the cells as set
                summary.pop("daily_shares")
            runs[cell].append(summary)
    return {"seeds": seeds, "settings": vars(settings), "runs": runs}


COLUMNS = (
    ("hhi", "HHI of emission", "{:.3f}"),
    ("top_decile", "top decile's share", "{:.2f}"),
    ("follow_days", "days to follow a better model", "{:.0f}"),
    ("buy_gain", "buy: emission gained / TAO spent", "{:.2f}"),
    ("buy_net", "buy: net return after selling", "{:+.2f}"),
    ("smb_before", "SMB % a day", "{:.2f}"),
    ("smb_after", "SMB % a day after halving", "{:.2f}"),
    ("lock_paid", "mean lock paid (τ)", "{:,.0f}"),
    ("dissolved_low_quality", "dissolved from the lowest-quality third", "{:.2f}"),
)


def seeds_without(values, key: str) -> str:
    """ " (k of n)" when only k of the n seeds have a value (a better model that was never
    followed half way), so that the mean does not pass for all of them."""
    finite = sum(bool(np.isfinite(v)) for v in values)
    if key != "follow_days" or finite in (0, len(values)):
        return ""
    return f" ({finite} of {len(values)})"


def report_lines(result: dict) -> list[str]:
    s = result["settings"]
    lines = [
        f"{s['subnets']} subnets, {s['stakers']:,} stakers, {s['days']} days, "
        f"{result['seeds']} seeds (mean ± 95 % CI); model improves and owner buys "
        f"{s['buy']:,.0f} τ on day {s['buy_day']}, emission halves on day {s['halving_day']}.",
        "",
        "| emission by | " + " | ".join(title for _, title, _ in COLUMNS) + " |",
        "|---|" + "---|" * len(COLUMNS),
    ]
    for rule, runs in result["runs"].items():
        cells = []
        for key, _, fmt in COLUMNS:
            values = [r[key] for r in runs]
            mean, half = mean_ci(values)
            cells.append("—" if np.isnan(mean) else f"{fmt.format(mean)} ± {fmt.format(half)}"
                         + seeds_without(values, key))  # fmt: skip
        lines.append(f"| {rule} | " + " | ".join(cells) + " |")
    lines += ["", "![Emission shares of the improved subnet and the buyer](dtao/dtao.png)"]
    return lines


def figure(result: dict, path: Path) -> None:
    fig, axes = doc_blocks.figure_canvas(2, (10, 3.4), sharey=False)
    s = result["settings"]
    plain = [(rule, result["runs"][rule]) for rule in dtao.RULES]
    for (rule, runs), colour in zip(plain, ("C0", "C1"), strict=True):
        shares = np.mean([r["daily_shares"] for r in runs], axis=0)
        days = np.arange(len(shares))
        axes[0].plot(days, shares[:, 0], colour, label=f"by {rule}")
        axes[1].plot(days, shares[:, 1], colour, ls=":", label=f"by {rule}, no buy")
        axes[1].plot(days, shares[:, 2], colour, label=f"by {rule}, owner buys")
    axes[0].axvline(s["improve_day"], color="0.6", ls=":")
    axes[1].axvspan(s["buy_day"], s["buy_day"] + s["hold_days"], color="0.9")
    axes[0].set(
        title="subnet 0 (model ×3 on the dotted day)", xlabel="day", ylabel="emission share"
    )
    axes[1].set(title="subnet 1 (its owner holds its buy in the band)", xlabel="day")
    axes[0].legend(fontsize=8)
    axes[1].legend(fontsize=7)
    doc_blocks.save_figure(fig, path)


def run_experiment(cfg, overrides: list[str], run_dir: Path, progress: bool) -> dict:
    """``deai-sim experiment=dtao``: the study over ``experiment.seeds`` seeds with its own
    market settings (``Settings``; the economy's keys do not apply to it).  Writes dtao.md,
    .json and .png and a summary.json of the table's means to the run folder."""
    from sim.outputs import write_summary

    result = study(cfg.experiment.seeds, Settings())
    lines = report_lines(result)
    doc_blocks.write_study(run_dir, "dtao", result, lines, figure)
    summary = {
        "experiment": "dtao",
        "overrides": overrides,
        "seeds": result["seeds"],
        **{f"{rule}/{key}": float(np.nanmean([r[key] for r in runs]))
           for rule, runs in result["runs"].items() for key, _, _ in COLUMNS},
    }  # fmt: skip
    write_summary(run_dir, summary)
    print("\n".join(lines))
    return summary


def main(argv: list[str] | None = None) -> int:
    def options(parser):
        parser.add_argument("--seeds", type=int, default=4)
        parser.add_argument("--subnets", type=int, default=32)
        parser.add_argument("--days", type=int, default=150)

    def run_study(args):
        return study(args.seeds, Settings(subnets=args.subnets, days=args.days))

    return doc_blocks.study_command(
        "dtao", __doc__.splitlines()[0], options, run_study, report_lines, argv, figure
    )


if __name__ == "__main__":
    sys.exit(main())

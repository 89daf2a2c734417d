"""The dynamic-TAO study: what docs/dtao.md quotes is what the study recorded, and the market it
runs responds as its report says on a small economy."""

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from experiments import doc_blocks
from experiments.dtao import Settings, daily_shares, report_lines, run, summarise

DOC = Path(__file__).resolve().parent.parent / "docs" / "dtao.md"
SMALL = Settings(subnets=12, days=90, stakers=400, improve_day=30, buy_day=30, halving_day=60)


def test_the_doc_block_is_what_the_study_recorded():
    result = json.loads((DOC.with_suffix("") / "dtao.json").read_text())
    expected = "\n".join(report_lines(result)).strip()
    assert doc_blocks.block(DOC, "dtao").strip() == expected, "stale: rerun experiments.dtao"


def test_a_better_model_draws_emission_under_both_rules():
    """Subnet 0's quality triples on day 30: its share of the daily TAO emission over the last
    ten days exceeds its share over the ten days before."""
    for rule in ("price", "flow"):
        shares = daily_shares(run(replace(SMALL, rule=rule), owner_buys=False)["emitted"])
        assert shares[-10:, 0].mean() > shares[20:30, 0].mean(), rule


def test_buying_in_counts_as_inflow_under_the_flow_rule_only_through_the_price_otherwise():
    """The owner's buy is net TAO flow: under the flow rule its pool gains more emission per TAO
    spent than under the price rule, where only the (capped, slow) moving price carries it."""
    gains = {rule: summarise(replace(SMALL, rule=rule))["buy_gain"] for rule in ("price", "flow")}
    assert gains["flow"] > gains["price"]
    assert gains["flow"] > 0


def test_a_seed_gives_the_same_market():
    first, again = run(SMALL), run(SMALL)
    np.testing.assert_array_equal(first["prices"], again["prices"])


def test_a_registration_dissolves_the_lowest_moving_price_and_refunds_its_stakers():
    """Subnets 0 and 1 are kept; of the rest, the one with the lowest moving price goes: its
    stakers get the pool's TAO pro rata and hold alpha elsewhere, its slot reopens at price 1
    with the lock as its TAO, and the lock cost is 2·1,000 − 1,000/100,800 · 72,000."""
    from experiments.dtao import open_market, register_subnet
    from mechanisms.subnet import dtao

    rng = np.random.default_rng(0)
    market = open_market(SMALL, rng)
    moving = np.linspace(0.5, 0.1, SMALL.subnets)
    moving[0] = moving[1] = 0.0  # the lowest, but protected
    market.pools = replace(market.pools, moving_price=moving)
    market.block = 72_000
    victim = SMALL.subnets - 1
    stakers = np.flatnonzero(market.holding == victim)
    # The chain's refund: pot × α / (α_out + α_in), the pool's own alpha the protocol's share.
    pool = market.pools
    refund = pool.tao[victim] * market.alpha[stakers] / (pool.alpha_out + pool.alpha_in)[victim]
    others_before = market.pools.tao.sum() - market.pools.tao[victim]
    register_subnet(market, rng)
    others_after = market.pools.tao.sum() - market.pools.tao[victim]
    assert others_after - others_before == pytest.approx(refund.sum())  # restaked elsewhere
    cost = 2 * 1_000 - 1_000 / 100_800 * 72_000
    assert market.registrations[0]["lock"] == pytest.approx(cost)
    assert market.pools.tao[victim] == pytest.approx(cost)
    assert market.pools.price[victim] == pytest.approx(1.0) and market.pools.alpha_out[victim] == 0
    assert len(stakers) and (market.holding[stakers] != victim).all()
    assert refund.sum() > 0 and dtao.NETWORK_IMMUNITY_BLOCKS == 1_296_000


def test_seeds_that_never_follow_are_counted_not_dropped():
    from experiments.dtao import seeds_without

    assert seeds_without([12.0, float("nan"), 20.0], "follow_days") == " (2 of 3)"
    assert seeds_without([12.0, 20.0], "follow_days") == ""
    assert seeds_without([float("nan")], "lock_paid") == ""


def test_the_prose_quotes_what_the_study_recorded():
    """Every number the doc's prose quotes is recomputed from docs/dtao/dtao.json."""
    from experiments.comparison import mean_ci

    text = " ".join(DOC.read_text().split())
    runs = json.loads((DOC.with_suffix("") / "dtao.json").read_text())["runs"]

    def m(cell, key):
        return mean_ci([r[key] for r in runs[cell]])[0]

    def minus(value, fmt):
        return format(value, fmt).replace("-", "−")

    registering = "flow, a new subnet every 10 days"
    shares = {rule: np.mean([r["daily_shares"] for r in runs[rule]], axis=0) for rule in runs
              if "daily_shares" in runs[rule][0]}  # fmt: skip
    flow = shares["flow"]
    quartiles = np.mean([r["price_move_quartiles"] for r in runs["price"]], axis=0)
    dissolved = {r["dissolved"] for cell in runs if "new subnet" in cell for r in runs[cell]}
    phrases = [
        f"(HHI {m('price', 'hhi'):.3f} against 1/32 = {1 / 32:.3f} for equal shares; the top "
        f"three subnets take {100 * m('price', 'top_decile'):.0f} %)",
        f"(HHI {m('flow', 'hhi'):.3f}, top three {100 * m('flow', 'top_decile'):.0f} %)",
        f"about {m('flow', 'follow_days'):.0f} days after its model improves under the flow rule "
        f"and about {m('price', 'follow_days'):.0f} days under the price rule",
        f"share is {flow[60:90, 2].mean() / flow[60:90, 1].mean():.2f} times the no-buy share",
        f"gains {m('flow', 'buy_gain'):.2f} τ of emission per τ spent, "
        f"{m('flow', 'buy_net'):.2f} τ net of the round trip",
        f"to {flow[90:150, 2].mean() / flow[90:150, 1].mean():.2f} of the no-buy level",
        f"the same buy gains {m('price', 'buy_gain'):.2f} τ per τ spent",
        f"by {m('price', 'smb_before'):.1f} % a day in log price under the price rule and "
        f"{m('flow', 'smb_before'):.1f} % under the flow rule",
        f"(to {m('price', 'smb_after'):.1f} % and {m('flow', 'smb_after'):.1f} %)",
        f"quartiles of {minus(quartiles[0], '.1f')} % and +{quartiles[1]:.1f} %",
        f"×{2 - 72_000 / 100_800:.2f} a registration",
        f"{m(registering, 'lock_paid'):,.0f} τ on average over the {dissolved.pop()} registrations",
        "lowest third by model quality "
        f"{100 * m('price, a new subnet every 10 days', 'dissolved_low_quality'):.0f} % of the "
        f"time by price and {100 * m(registering, 'dissolved_low_quality'):.0f} % by flow",
        f"({minus(m('price, a new subnet every 10 days', 'smb_before'), '.1f')} % and "
        f"{minus(m(registering, 'smb_before'), '.1f')} % a day)",
        f"(HHI {m(registering, 'hhi'):.2f}, the top three subnets "
        f"{100 * m(registering, 'top_decile'):.0f} %)",
    ]
    slow, slower, monthly = (f"stakers review every {d} days" for d in ("1.5", "2", "30"))
    calm = np.mean([r["price_move_quartiles"] for r in runs[f"price, {slower}"]], axis=0)
    phrases += [
        f"once every 1.5 days the premium is {m(f'price, {slow}', 'smb_before'):.1f} % a day "
        f"by price and {m(f'flow, {slow}', 'smb_before'):.1f} % by flow before the halving, and "
        f"{minus(m(f'price, {slow}', 'smb_after'), '.1f')} % and "
        f"{m(f'flow, {slow}', 'smb_after'):.1f} % after it",
        f"it is gone ({minus(m(f'price, {slower}', 'smb_before'), '.1f')} % a day under either "
        "rule)",
        f"(quartiles {minus(calm[0], '.1f')} % and +{calm[1]:.1f} % by price)",
        f"(HHI {m(f'flow, {monthly}', 'hhi'):.3f} against {m('flow', 'hhi'):.3f} daily",
        f"an owner's buy gains {m(f'flow, {monthly}', 'buy_gain'):.2f} τ of emission per τ spent",
    ]
    for cell in (slower, monthly):  # "(or 30) ... under either rule"
        for rule in ("price", "flow"):
            assert round(m(f"{rule}, {cell}", "smb_before"), 1) == round(
                m(f"price, {slower}", "smb_before"), 1
            )
    missing = [phrase for phrase in phrases if phrase not in text]
    assert not missing, missing
    assert not dissolved  # every registering run dissolved the same number of subnets
    for cell in ("price, a new subnet every 10 days", registering):  # "(a third by chance)"
        assert m(cell, "dissolved_low_quality") > 1 / 3

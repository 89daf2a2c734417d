"""Economies that run as long as asked: amounts that would leave int64 stop the run with a line
naming the cause before anything wraps; a treasury that cannot pay pays pro rata and records the
shortfall; voters weigh what a proposal does to them; governed parameters stay in their range."""

from __future__ import annotations

import numpy as np
import pytest

from agents.base import Participant
from sim.ledger import Ledger
from sim.roles import Role
from sim.units import MAX_UNITS, UNITS_PER_TOKEN, TokenOverflow, split_units, tokens_to_units
from tests.flows import ledger_entries


def test_amounts_past_what_float64_holds_exactly_are_refused_before_they_wrap():
    assert MAX_UNITS == 2**53  # every whole unit up to here is exact in float64
    assert tokens_to_units(9.0e9)[()] == 9_000_000_000_000_000
    with pytest.raises(TokenOverflow, match="1e\\+10 tokens is past the 9.01e\\+09 tokens"):
        tokens_to_units(1e10)
    with pytest.raises(TokenOverflow, match="compute cost"):
        tokens_to_units([1.0, float("inf")], "compute cost")
    with pytest.raises(TokenOverflow, match="a split of"):
        split_units(MAX_UNITS + 1, np.ones(3))


def test_a_mint_past_the_range_is_refused_and_writes_nothing(tmp_path):
    ledger = Ledger(tmp_path / "l.jsonl", 3, {"run": "test"})
    ledger.mint([0], [MAX_UNITS - 10], "genesis")
    with pytest.raises(TokenOverflow, match="emission: the token supply would reach"):
        ledger.mint([1], [11], "emission")
    assert ledger.supply == MAX_UNITS - 10 and ledger.balances[1] == 0
    ledger.mint([1], [10], "emission")  # up to the range is fine
    assert ledger.supply == MAX_UNITS


def test_an_economy_whose_emission_overflows_says_so_with_the_governed_values(compose, tmp_path):
    from sim.model import EconomyModel

    model = EconomyModel.from_config(compose("baseline=null")["decentralized"], tmp_path / "l")
    model.world.state.governed["emission_per_epoch"] = 1e13
    with pytest.raises(TokenOverflow) as caught:
        for _ in range(3):
            model.step()
    notes = " ".join(getattr(caught.value, "__notes__", []))
    assert "emission_per_epoch=1e+13" in notes and "starting from" in notes


def test_a_treasury_that_cannot_pay_pays_pro_rata_and_records_the_shortfall(compose, tmp_path):
    from sim.model import EconomyModel
    from sim.population import TREASURY

    model = EconomyModel.from_config(
        compose("baseline=null", "incentive=platform_wages", "faults.offline_probability=0")[
            "decentralized"
        ],
        tmp_path / "l.jsonl",
    )
    drained = model.ledger.balances[TREASURY]
    model.ledger.burn([TREASURY], [drained], "test drain")
    shortfalls = []
    for _ in range(4):
        model.step()
        shortfalls.append(model.record["reward_shortfall"])
    model.finish()
    assert sum(shortfalls) > 0
    entries = ledger_entries(tmp_path / "l.jsonl")
    recorded = [e["detail"] for e in entries if e["reason"] == "treasury shortfall"]
    assert recorded and all(r["owed"] == r["paid"] + r["shortfall"] for r in recorded)
    assert sum(r["shortfall"] for r in recorded) == round(sum(shortfalls) * UNITS_PER_TOKEN)
    by_epoch = {e["epoch"]: e["detail"] for e in entries if e["reason"] == "treasury shortfall"}
    for epoch, detail in by_epoch.items():
        rewards = [e for e in entries if e["reason"] == "reward" and e["epoch"] == epoch]
        assert sum(sum(e["amount"]) for e in rewards) == detail["paid"]


def test_voters_weigh_a_price_by_their_surplus_and_the_fee_revenue():
    roles = np.array([Role.CONSUMER] * 4 + [Role.BUILDER, Role.VALIDATOR])
    value = np.array([1.0, 2.0, 3.0, 10.0, 0.0, 0.0])
    balances = np.full(6, 100.0)
    # Price 1 → 2 at accuracy 1: buyers {1, 2, 3, 10} → {2, 3, 10}, revenue 4 → 6: suppliers
    # back it; the consumer of value 1 had no surplus to lose, the others lose 1 each.
    votes = Participant.vote_on_price(roles, value, balances, 1.0, 1.0, 2.0)
    np.testing.assert_array_equal(votes, [0, -1, -1, -1, 1, 1])
    # 2 → 4: buyers {10} alone, revenue 6 → 4: suppliers oppose; a cut back is backed by all.
    votes = Participant.vote_on_price(roles, value, balances, 1.0, 2.0, 4.0)
    np.testing.assert_array_equal(votes, [0, 0, -1, -1, -1, -1])
    np.testing.assert_array_equal(
        Participant.vote_on_price(roles, value, balances, 1.0, 4.0, 2.0), [0, 0, 1, 1, 1, 1]
    )
    # An empty wallet cannot buy: its surplus is zero at any price.
    broke = balances.copy()
    broke[3] = 0.5
    assert Participant.vote_on_price(roles, value, broke, 1.0, 1.0, 2.0)[3] == 0


def test_voters_back_emission_when_they_receive_more_of_it_than_they_hold():
    reward_share = np.array([0.5, 0.5, 0.0, 0.1])
    supply_share = np.array([0.2, 0.6, 0.1, 0.1])
    np.testing.assert_array_equal(
        Participant.vote_on_emission(reward_share, supply_share, True), [1, -1, -1, 0]
    )
    np.testing.assert_array_equal(
        Participant.vote_on_emission(reward_share, supply_share, False), [-1, 1, 1, 0]
    )


def test_the_share_rule_is_the_sign_of_the_change_in_share_of_supply():
    """(b + ρE) / (S + E) rises with E iff ρ > b/S: checked against a finite difference."""
    rng = np.random.default_rng(0)
    for _ in range(200):
        b, s = rng.uniform(0, 50), rng.uniform(50, 500)
        rho, e = rng.uniform(0, 1), rng.uniform(1, 20)
        change = (b + rho * (e + 1)) / (s + e + 1) - (b + rho * e) / (s + e)
        vote = Participant.vote_on_emission(np.array([rho]), np.array([b / s]), True)[0]
        if abs(rho - b / s) > 1e-6:
            assert vote == np.sign(change)


def test_governed_parameters_stay_within_their_range(compose, tmp_path):
    from sim.run import run_scenarios

    run_scenarios(
        compose(
            "baseline=null",
            "epochs=40",
            "economy.governance_interval=1",
            "economy.governance_range=1.5",
            "economy.price_step=0.6",
            "governance.threshold=0.0",
        ),
        tmp_path,
    )
    votes = [
        e["detail"]
        for e in ledger_entries(tmp_path / "ledger" / "decentralized.jsonl")
        if e["reason"] == "governance"
    ]
    start = {"consumer_price": 1.0, "emission_per_epoch": 20.0}
    assert votes
    for vote in votes:
        low, high = start[vote["parameter"]] / 1.5, start[vote["parameter"]] * 1.5
        assert low - 1e-12 <= vote["proposed"] <= high + 1e-12
    # A raise of 60 % from the start is clipped to the bound.
    assert any(v["proposed"] == pytest.approx(1.5) for v in votes)


def test_the_long_runs_doc_quotes_what_the_benchmarks_wrote():
    """docs/long_runs.md's soak and fuzz numbers are those of the committed
    benchmarks/results files (rerun the benchmarks, then the doc, together)."""
    import json
    from pathlib import Path

    root = Path(__file__).parents[1]
    doc = " ".join((root / "docs" / "long_runs.md").read_text().split())
    machine = "cpu-Intel(R)_Xeon(R)_Processor-2cores"
    soak = json.loads((root / "benchmarks" / "results" / f"soak-{machine}.json").read_text())
    scenarios = [soak[s] for s in ("decentralized", "centralized")]
    assert all(s["epochs_run"] == soak["epochs"] for s in scenarios)
    assert all(s["ledger_verified"] and not s["conservation_problems"] for s in scenarios)
    seconds = round(sum(s["seconds"] for s in scenarios) / len(scenarios))
    assert f"{soak['epochs']:,} epochs each, **no conservation problem after any epoch" in doc
    assert f"{seconds} s per scenario" in doc
    for seed in (0, 1):
        path = root / "benchmarks" / "results" / f"fuzz-configs-seed{seed}-{machine}.json"
        fuzz = json.loads(path.read_text())
        row = (
            f"| {fuzz['draws']} | {seed}, after | {fuzz['counts']['ran']} | "
            f"{fuzz['counts']['refused']} | {len(fuzz['findings'])} | {round(fuzz['wall_seconds'])} s"
        )
        assert row in doc, row


def test_splits_near_the_limit_hand_out_exactly_the_total():
    """Float shares of a total near 2⁵³ units can floor a part one unit high; the split takes it
    back where least was lost, so the parts still sum to the total and none is negative."""
    rng = np.random.default_rng(0)
    for _ in range(200):
        total = int(rng.integers(MAX_UNITS // 2, MAX_UNITS))
        shares = rng.random(int(rng.integers(1, 40))) * 10.0 ** rng.integers(-3, 6)
        parts = split_units(total, shares)
        assert int(parts.sum()) == total and (parts >= 0).all()
        exact = shares / shares.sum() * total
        assert np.abs(parts - exact).max() <= 2


def test_an_emission_past_what_float64_holds_exactly_stops_with_token_overflow(compose, tmp_path):
    """2.2·10¹² tokens of emission per epoch used to overdraw the treasury ("reward: account 0
    would go negative") under a 2⁶² limit; now it is refused as an overflow."""
    from sim.run import run_scenarios

    cfg = compose("incentive.emission_per_epoch=2.2e12", "epochs=2", "baseline=null")
    with pytest.raises(TokenOverflow):
        run_scenarios(cfg, tmp_path, progress=False)

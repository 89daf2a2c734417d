"""Token flows in a short economy for every mechanism member, and named economic behaviours."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from agents.base import Role
from sim.run import run_scenarios
from tests.flows import bond_problems, flow_problems, ledger_entries
from tests.mechanisms.registry import CONFIG_ROOT

MEMBERS = sorted(
    (family.name, path.stem)
    for family in CONFIG_ROOT.iterdir()
    if family.is_dir()
    and family.name in ("consensus", "incentive", "aggregation", "market", "access", "governance")
    for path in family.glob("*.yaml")
)


@pytest.mark.parametrize("family,member", MEMBERS, ids=[f"{f}={m}" for f, m in MEMBERS])
def test_every_member_runs_in_an_economy_with_lawful_flows(family, member, compose, tmp_path):
    # Every member inside the decentralized economy (the one that exercises fees, emission,
    # newcomers and governance), with arrivals and a governance vote in 6 epochs.
    run_scenarios(
        compose(
            f"{family}={member}",
            "baseline=null",
            "economy.governance_interval=2",
            "population.arrival_rate=2",
        ),
        tmp_path,
    )
    assert flow_problems(tmp_path, "decentralized") == []
    table = pd.read_parquet(tmp_path / "metrics.parquet")
    assert table["submitted"].sum() > 0 and table["committed"].sum() > 0


@pytest.fixture(scope="module")
def governed_run(tmp_path_factory):
    """A network whose every vote passes and whose every group contributes, with votes every
    other epoch: the fee and the emission change as the votes say."""
    from sim import compose
    from tests.conftest import SMALL

    out = tmp_path_factory.mktemp("governed")
    configs = compose(
        [
            *SMALL,
            "epochs=8",
            "baseline=null",
            "economy.governance_interval=2",
            "governance.threshold=0.0",
            "faults.offline_probability=0",
        ]
    )
    run_scenarios(configs, out)
    return out


def test_governance_changes_the_fee_consumers_pay_and_the_emission_minted(governed_run):
    entries = ledger_entries(governed_run / "ledger" / "decentralized.jsonl")
    votes = [e["detail"] for e in entries if e["reason"] == "governance"]
    assert [v["parameter"] for v in votes] == ["consumer_price", "emission_per_epoch"] * 2
    assert all(v["passed"] for v in votes)
    fees = {e["epoch"]: set(e["amount"]) for e in entries if e["reason"] == "access fee"}
    emission = {e["epoch"]: sum(e["amount"]) for e in entries if e["reason"] == "emission"}
    price_vote, emission_vote = (
        next(e for e in entries if e["reason"] == "governance" and e["detail"]["parameter"] == p)
        for p in ("consumer_price", "emission_per_epoch")
    )
    # The vote at the end of epoch 1 raised the price 20 %: epoch 2's fees are the new price.
    assert fees[1] == {1_000_000} and fees[2] == {round(price_vote["detail"]["proposed"] * 1e6)}
    # The vote at the end of epoch 3 raised emission 20 % from the configured 20 tokens per epoch
    # (every group contributed, so the proportional rule mints all of it).
    assert price_vote["epoch"] == 1 and emission_vote["epoch"] == 3
    assert emission_vote["detail"]["proposed"] == pytest.approx(24.0)
    assert emission[3] == 20_000_000 and emission[4] == 24_000_000
    assert flow_problems(governed_run, "decentralized") == []


def _model(compose, tmp_path, *overrides):
    """A fresh decentralized EconomyModel, built as run_scenarios builds it."""
    from sim.config import validate
    from sim.model import EconomyModel, build_mechanisms
    from sim.run import load_data

    cfg = compose("baseline=null", *overrides)["decentralized"]
    typed = validate(cfg)
    _, model_seed = np.random.SeedSequence(typed.seed).spawn(2)
    return EconomyModel(
        typed, build_mechanisms(cfg), load_data(typed), model_seed, Path(tmp_path) / "l.jsonl"
    )


def test_bonds_locked_equal_bonds_slashed_plus_bonds_returned_in_an_economy(compose, tmp_path):
    # Newcomers bond every epoch, and one loss-making epoch is enough to leave (so bonds come
    # back); slashing in an economy needs a bonded newcomer rejected, which is not certain in a
    # short run, so the hand-stepped test below covers it.
    run_scenarios(
        compose(
            "access=stake_bond",
            "access.slash_fraction=0.5",
            "population.patience=1",
            "population.arrival_rate=2",
            "baseline=null",
            "epochs=8",
        ),
        tmp_path,
    )
    reasons = {e["reason"] for e in ledger_entries(tmp_path / "ledger" / "decentralized.jsonl")}
    assert {"bond", "bond returned"} <= reasons
    assert flow_problems(tmp_path, "decentralized") == []


def test_slashing_burns_its_share_of_a_bond_and_exit_returns_the_rest(compose, tmp_path):
    from sim.epoch.consensus import slash
    from sim.population import BONDS
    from sim.units import UNITS_PER_TOKEN

    model = _model(compose, tmp_path, "access=stake_bond", "access.slash_fraction=0.25")
    builder = int(model.population.members(Role.BUILDER)[0])
    bond = 10 * UNITS_PER_TOKEN
    model.ledger.transfer([builder], [BONDS], [bond], "bond")
    model.population.bonded[builder] = bond
    burned_before, held_before = model.ledger.burned, int(model.ledger.balances[builder])
    slash(model.world, [builder])
    assert model.ledger.burned - burned_before == bond // 4  # ⌊0.25 · bond⌋ burned
    assert model.population.bonded[builder] == bond - bond // 4
    slash(model.world, [builder])  # a second fault slashes a quarter of what is left
    left = bond - bond // 4
    assert model.population.bonded[builder] == left - left // 4
    remaining = int(model.population.bonded[builder])
    model.world.deactivate(np.array([builder]))
    assert int(model.ledger.balances[builder]) == held_before + remaining  # the rest returned
    assert model.population.bonded[builder] == 0 and model.ledger.balances[BONDS] == 0
    model.ledger.close()
    entries = ledger_entries(tmp_path / "l.jsonl")
    assert {"bond", "slashing", "bond returned"} <= {e["reason"] for e in entries}
    assert bond_problems(entries) == []


def test_aggregation_weighs_each_update_by_its_samples(compose, tmp_path):
    from mechanisms.consensus.base import ConsensusOutcome
    from sim.epoch.results import Decision, Submissions, TrainingData
    from sim.epoch.update import update_model

    model = _model(compose, tmp_path, "aggregation=fedavg")
    theta = np.asarray(model.engine.theta, dtype=np.float64)
    n_builders = len(model.population.blocks[Role.BUILDER])
    thetas = np.tile(theta, (n_builders, 1))
    thetas[0] += 1.0
    thetas[1] -= 1.0
    accepted = np.zeros(n_builders, bool)
    accepted[:2] = True
    records = np.full((n_builders, 40), -1)
    records[0, :30] = np.arange(30)  # builder 0 trained on 30 records, builder 1 on 10
    records[1, :10] = np.arange(10)
    outcome = ConsensusOutcome(accepted, accepted / 2.0, np.zeros(1), np.zeros(1), True)
    update_model(
        model.world,
        Submissions(thetas, accepted),
        Decision(outcome, np.zeros(1, int), 2, 0),
        TrainingData(records, 0, 0),
    )
    # FedAvg: Δ = (30 · 1 + 10 · (−1)) / 40 = 0.5 in every coordinate.
    np.testing.assert_allclose(np.asarray(model.engine.theta) - theta, 0.5, atol=1e-6)

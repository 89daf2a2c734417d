"""The chain's subnet rules inside the economy: the registration burn moves with the
registrations each epoch saw, and only permitted validators' stake counts."""

import numpy as np
import pandas as pd
import pytest

import sim
from mechanisms.subnet.emission import BLOCKS_PER_TEMPO
from mechanisms.subnet.registration import IMMUNITY_BLOCKS, upgraded_burn
from sim.epoch.access import make_room
from sim.epoch.delegation import estimate_yields, move_stake, pass_dividends
from sim.model import EconomyModel
from sim.roles import Role
from sim.units import UNITS_PER_TOKEN
from tests.fingerprints import ledger_events


def test_the_burn_follows_the_registrations_of_each_epoch(compose, tmp_path):
    """The chain moves the price by the UIDs registered in the interval: builders' and
    validators' registrations count, other roles' entries do not."""
    configs = compose(
        "access=dynamic_burn", "population.arrival_rate=2", "epochs=6", "baseline=null"
    )
    model = EconomyModel.from_config(configs["decentralized"], tmp_path / "ledger.jsonl")
    access, p = model.world.mechanisms.access, model.world.population
    uid_slots = np.concatenate([p.blocks[Role.BUILDER], p.blocks[Role.VALIDATOR]])
    model.step()  # epoch 0: genesis members joined then too
    burn, seen, others = access.burn, [], 0
    for _ in range(5):
        epoch = model.world.epoch
        admitted_before = model.records.counters["admitted"]
        model.step()
        registered = int((p.joined[uid_slots] == epoch).sum())
        others += model.records.counters["admitted"] - admitted_before - registered
        # The price the epoch's entrants paid, then the chain's update by their number.
        assert access.burn == pytest.approx(upgraded_burn(burn, registered), rel=1e-12)
        seen.append(registered)
        burn = access.burn
    assert max(seen) > 1 and access.burn != 0.1  # demand above the target moved the price
    assert others > 0  # entrants of other roles came and did not move it
    model.finish()


def test_only_the_permitted_validators_stake_counts(compose, tmp_path):
    """scenario.max_validators=3: consensus sees the three largest stakes and zeros; the
    others' weights count for nothing.  Without it, every active validator's stake."""
    configs = compose("scenario.max_validators=3", "epochs=3", "baseline=null")
    model = EconomyModel.from_config(configs["decentralized"], tmp_path / "ledger.jsonl")
    for _ in range(3):
        model.step()
        world = model.world
        stake = world.organisation.evaluator_stake(world)
        slots = world.population.blocks[Role.VALIDATOR]
        balances = np.where(world.population.active[slots], world.ledger.balances[slots], 0)
        top = np.argsort(balances, kind="stable")[-3:]
        assert np.count_nonzero(stake) == 3 and set(np.flatnonzero(stake)) == set(top)
    model.finish()
    everyone = compose("epochs=1", "baseline=null")["decentralized"]
    model = EconomyModel.from_config(everyone, tmp_path / "all.jsonl")
    model.step()
    world = model.world
    slots = world.population.blocks[Role.VALIDATOR]
    active = world.population.active[slots] & (world.ledger.balances[slots] > 0)
    assert active.sum() > 3
    assert np.count_nonzero(world.organisation.evaluator_stake(world)) == active.sum()
    model.finish()


def small_model(compose, tmp_path, *overrides):
    config = compose(*overrides, "baseline=null")["decentralized"]
    return EconomyModel.from_config(config, tmp_path / "ledger.jsonl")


def test_a_registrant_into_a_full_network_prunes_the_lowest_emission_outside_immunity(
    compose, tmp_path
):
    """Fourteen builder and validator UIDs with the cap at fourteen: make room for one entrant.
    The immune UIDs (joined less than 3 epochs ago) are skipped even when they earn least; among
    the rest the lowest emission goes, ties to the earliest registered.  When every UID is
    immune, the lowest immune one goes (the chain's 2025 rule, no floor of non-immune UIDs)."""
    model = small_model(
        compose,
        tmp_path,
        "population.builders=8",
        "population.validators=6",
        "scenario.max_uids=14",
        "scenario.immunity_epochs=3",
    )
    world = model.world
    p = world.population
    world.epoch = 5
    uids = np.concatenate([p.members(Role.BUILDER), p.members(Role.VALIDATOR)])
    assert len(uids) == 14
    p.joined[uids] = [0, 0, 4, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0, 0]  # uids[2], uids[9] immune
    p.emission[uids] = [5.0, 3.0, 0.0, 2.0, 9.0, 2.0, 8.0, 7.0, 6.0, 0.0, 4, 4, 4, 4]
    assert make_room(world, 1) == (1, 1)
    # Lowest non-immune emission is 2.0, held by uids[3] (joined 0) and uids[5] (joined 1).
    assert not p.active[uids[3]] and p.active[np.delete(uids, 3)].all()
    # Under the cap nobody goes.
    assert make_room(world, 1) == (1, 0)
    # Two entrants into 13 UIDs: room for the first, the second prunes uids[5].
    assert make_room(world, 2) == (2, 1)
    assert not p.active[uids[5]]
    # Now 12 UIDs, 10 outside immunity: still one of those (the 2025 rule has no floor).
    assert make_room(world, 3) == (3, 1)
    assert not p.active[uids[1]]  # emission 3.0, the lowest left outside immunity
    # Everyone immune: the lowest immune emission goes, ties to the earliest registered.
    left = uids[p.active[uids]]
    p.joined[left] = 5
    p.joined[uids[9]] = 4
    assert make_room(world, 4) == (4, 1)  # 11 UIDs: the fourth entrant fills the cap
    assert not p.active[uids[9]] and p.active[uids[2]]  # both earn 0; uids[9] joined first
    model.finish()


def test_the_cap_holds_every_epoch_of_a_run_with_many_registrants(compose, tmp_path):
    model = small_model(
        compose,
        tmp_path,
        "scenario.max_uids=10",
        "scenario.immunity_epochs=1",
        "access=dynamic_burn",
        "incentive=bittensor",
        "incentive.emission_per_epoch=200",
        "population.arrival_rate=3",
        "population.newcomer_slots=6",
        "epochs=6",
    )
    p, pruned = model.world.population, 0
    for _ in range(6):
        model.step()
        assert len(p.members(Role.BUILDER)) + len(p.members(Role.VALIDATOR)) <= 10
        pruned += model.records.rows[-1]["uids_pruned"]
    assert pruned > 0, model.records.counters
    model.finish()


def test_validators_pass_their_nominators_share_to_the_unit(compose, tmp_path):
    """1,000 units of dividends to a validator with own stake 300 and nominators holding 100
    and 600 at a take of 0.15: own stake earned 300, the delegated 700 units 700, the validator keeps
    ⌊0.15 · 700⌋ = 105 of it and the nominators share 595 as 1 : 6 → 85 and 510."""
    model = small_model(compose, tmp_path, "population.nominators=3", "delegation.take=0.15")
    world = model.world
    p, ledger = world.population, world.ledger
    validators, nominators = p.blocks[Role.VALIDATOR], p.members(Role.NOMINATOR)
    v = validators[0]
    p.delegate[nominators] = [v, v, validators[1]]
    ledger.balances[v] = 300 + 1_000  # its own 300 and this epoch's reward
    ledger.balances[nominators] = [100, 600, 50]
    paid = np.zeros(len(validators), dtype=np.int64)
    paid[0] = 1_000
    assert pass_dividends(world, paid) == 595
    assert ledger.balances[nominators].tolist() == [185, 1_110, 50]
    # Its own stake's 300 of the 1,000 plus its take: 300 + 300 + 105.
    assert ledger.balances[v] == 300 + 300 + 105
    model.finish()


def test_nominators_move_to_the_best_yield_only_when_it_pays_for_the_move(compose, tmp_path):
    overrides = ("population.nominators=4", "delegation.review_probability=1")
    model = small_model(compose, tmp_path, *overrides, "delegation.switching_cost=0.01")
    world = model.world
    p, ledger = world.population, world.ledger
    validators, nominators = p.blocks[Role.VALIDATOR], p.members(Role.NOMINATOR)
    p.delegate[nominators] = validators[0]
    ledger.balances[nominators] = 1_000_000
    yields = np.zeros(len(validators))  # the block has newcomer slots after the four
    yields[:3] = [0.0010, 0.0011, 0.0030]
    # horizon 20 × (0.003 − 0.001) = 0.04 > 0.01: all move to validator 2 and burn 1 %.
    assert move_stake(world, yields) == (4, 40_000)
    assert (p.delegate[nominators] == validators[2]).all()
    assert (ledger.balances[nominators] == 990_000).all()
    # A gap worth less than the cost over the horizon: nobody moves.
    p.delegate[nominators] = validators[0]
    model.world.cfg.delegation.switching_cost = 0.5
    yields[2] += 0.02  # 20 × 0.022 = 0.44 < 0.5
    assert move_stake(world, yields) == (0, 0)
    assert (p.delegate[nominators] == validators[0]).all()
    # Nominators judge a yield by its moving average over entry_horizon (20) epochs.
    first = estimate_yields(world, yields).copy()
    np.testing.assert_array_equal(first, yields)
    np.testing.assert_allclose(estimate_yields(world, np.zeros(len(yields))), 0.95 * yields)
    model.finish()


def test_stake_is_own_plus_delegated_and_the_cap_clips_at_the_percentile(compose, tmp_path):
    model = small_model(compose, tmp_path, "population.nominators=2")
    world = model.world
    p, ledger = world.population, world.ledger
    validators, nominators = p.blocks[Role.VALIDATOR], p.members(Role.NOMINATOR)
    ledger.balances[validators[:4]] = np.array([1, 2, 3, 4]) * UNITS_PER_TOKEN
    ledger.balances[nominators] = np.array([10, 20]) * UNITS_PER_TOKEN
    p.delegate[nominators] = [validators[0], validators[3]]
    stake = world.organisation.evaluator_stake(world)
    assert stake[:4].tolist() == [11.0, 2.0, 3.0, 24.0]
    world.cfg.scenario.stake_cap_percentile = 50.0
    capped = world.organisation.evaluator_stake(world)
    assert capped[:4].tolist() == [7.0, 2.0, 3.0, 7.0]  # the median of 2, 3, 11, 24 is 7
    model.finish()


def test_the_replica_runs_its_ledger_verifies_and_supply_is_conserved(tmp_path):
    """scenario=bittensor_subnet at full size, a few tempos beside its baseline: every
    movement (nominator dividends, restake fees, owner cut, registration burns, emission) is on
    a ledger that verifies, and supply = minted − burned every epoch."""
    from sim.ledger import verify_run
    from sim.run import run_scenarios

    configs = sim.compose(
        ["scenario=bittensor_subnet", "epochs=4", "output.figures=false", "output.progress=false"]
    )
    assert set(configs) == {"bittensor_subnet", "centralized"}
    cfg = configs["bittensor_subnet"]
    assert (cfg.scenario.max_uids, cfg.scenario.max_validators) == (256, 64)
    assert cfg.economy.reveal_interval == 2  # commit-reveal: weights seen one tempo late
    # The chain's immunity of 5,000 blocks in tempos of 360.
    assert cfg.scenario.immunity_epochs == round(IMMUNITY_BLOCKS / BLOCKS_PER_TEMPO) == 14
    run_scenarios(configs, tmp_path, progress=False)
    assert all(check.ok for check in verify_run(tmp_path))
    table = pd.read_parquet(tmp_path / "metrics.parquet")
    replica = table[table["scenario"] == "bittensor_subnet"]
    np.testing.assert_allclose(replica["supply"], replica["minted"] - replica["burned"], rtol=1e-12)
    assert (replica["emission_minted"] == 360.0).all()  # 360 blocks × 1 token before halving
    events = ledger_events(tmp_path / "ledger" / "bittensor_subnet.jsonl")["counts"]
    assert events["mint/emission/public"] == events["decision/issuance/public"] == 4
    assert events["transfer/nominator dividend/public"] >= 4
    assert (replica["nominator_dividends"] > 0).all()
    assert (replica["active_builder"] + replica["active_validator"] <= 256).all()


def test_the_scaling_doc_quotes_what_the_replica_benchmark_wrote():
    """docs/scaling.md's replica numbers are those of the committed benchmarks/results file
    (rerun the benchmark, then the doc, together)."""
    import json
    from pathlib import Path

    root = Path(__file__).parents[1]
    doc = " ".join((root / "docs" / "scaling.md").read_text().split())
    machine = "cpu-Intel(R)_Xeon(R)_Processor-2cores"
    bench = json.loads(
        (root / "benchmarks" / "results" / f"subnet-replica-{machine}.json").read_text()
    )
    one, sweep = bench["one_subnet"], bench["sweep"]
    per_epoch = one["seconds_per_epoch"]
    start = one["wall_s"]["2 epochs"] - 2 * per_epoch
    core_s = sweep["wall_s"] * bench["cores"] / sweep["subnets"]
    alone = start + bench["epochs"] * per_epoch
    for quoted in (
        f"{per_epoch:.2f} s an epoch after a {start:.1f} s start",
        f"{one['peak_mib']:.0f} MiB",
        f"{sweep['subnets']} subnets × {bench['epochs']} epochs",
        f"{sweep['wall_s']:.0f} s ({sweep['subnet_epochs_per_s']:.1f} subnet-epochs a second)",
        f"{sweep['wall_s'] / sweep['subnets']:.1f} s",
        f"{sweep['peak_mib_largest_process']:,.0f} MiB in the largest process",
        f"about {core_s:.1f} s of a core",
        f"{alone:.1f} s of a subnet run alone ({start:.1f} s to start, "
        f"{bench['epochs']} × {per_epoch:.2f} s)",
    ):
        assert quoted in doc, quoted

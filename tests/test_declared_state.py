"""State and capabilities are explicit: aggregation runs as init/step, governed parameters reach
the incentive as values, and an incentive gets only the measurements it declares."""

import numpy as np
import pytest

from mechanisms.aggregation.base import AggregationState, stateful
from mechanisms.aggregation.fedavg import FedAvg
from mechanisms.aggregation.gossip import Gossip
from mechanisms.incentive.base import MEASUREMENTS, Contributions
from mechanisms.incentive.bittensor import BittensorEmission
from mechanisms.incentive.proportional import ProportionalEmission
from tests.mechanisms.registry import members


def test_a_plain_rule_adds_its_weighted_update_and_keeps_no_state():
    rule = stateful(FedAvg())
    model = np.zeros(3)
    state = rule.init(model, 4)
    assert state == AggregationState()
    submissions = np.array([[1.0, 1, 1], [3, 3, 3], [9, 9, 9], [0, 0, 0]])
    accepted = np.array([True, True, False, False])
    sizes = np.array([30.0, 10.0, 5.0, 0.0])
    nothing = rule.step(state, model, submissions, np.zeros(4, bool), sizes, np.arange(4), [])
    assert nothing.delta is None and nothing.model is None and nothing.weights is None
    merge = rule.step(state, model, submissions, accepted, sizes, np.arange(4), [])
    np.testing.assert_allclose(merge.delta, (30 * 1 + 10 * 3) / 40)  # FedAvg: 1.5
    np.testing.assert_array_equal(merge.weights, [30.0, 10.0])
    assert merge.state is state


def test_gossip_keeps_peer_models_as_state_and_mixing_keeps_their_mean():
    gossip = Gossip(rounds=2, degree=2)
    rng = np.random.default_rng(0)
    state = gossip.init(np.zeros(5), 8)
    assert state.peer_models.shape == (8, 5) and not state.peer_models.any()
    submissions = rng.normal(size=(8, 5))
    accepted = np.arange(8) % 2 == 0
    before = state.peer_models.copy()
    merge = gossip.step(
        state, np.zeros(5), submissions, accepted, np.ones(8), np.arange(8), range(10, 18)
    )
    np.testing.assert_array_equal(state.peer_models, before)  # the old state is untouched
    replaced = np.where(accepted[:, None], submissions, 0.0)
    # Metropolis–Hastings mixing is doubly stochastic: the peers' mean is what it was.
    np.testing.assert_allclose(merge.model, replaced.mean(axis=0), atol=1e-12)
    np.testing.assert_allclose(merge.state.peer_models.mean(axis=0), merge.model, atol=1e-12)
    spread = ((replaced - replaced.mean(axis=0)) ** 2).sum(axis=1).mean()
    assert 0 < merge.disagreement < spread  # mixing brings peers closer


@pytest.mark.parametrize("cls", [ProportionalEmission, BittensorEmission])
def test_a_governed_emission_reaches_the_incentive_as_a_value(cls):
    incentive = cls(emission_per_epoch=100.0)
    assert incentive.governed == ("emission_per_epoch",)
    contributions = Contributions(np.ones(3), np.ones(2), np.ones(2), revenue=0)
    own = incentive.allocate(contributions)
    halved = incentive.allocate(
        Contributions(
            np.ones(3), np.ones(2), np.ones(2), revenue=0, parameters={"emission_per_epoch": 50.0}
        )
    )
    assert own.minted == 100_000_000 and halved.minted == 50_000_000
    assert incentive.emission_per_epoch == 100.0  # the built mechanism is not changed


@pytest.mark.parametrize("name,incentive", members("incentive"))
def test_every_incentive_declares_known_measurements(name, incentive):
    assert set(incentive.needs) <= MEASUREMENTS
    for parameter in incentive.governed:
        assert isinstance(getattr(incentive, parameter), float | int)


def test_prediction_scores_are_computed_only_for_an_incentive_that_needs_them(compose, tmp_path):
    from sim.config import validate
    from sim.inputs import load_data
    from sim.model import EconomyModel, build_mechanisms

    calls = {}
    for name in ("proportional", "numerai"):
        cfg = compose("baseline=null", f"incentive={name}")["decentralized"]
        typed = validate(cfg)
        model = EconomyModel(
            typed,
            build_mechanisms(cfg),
            load_data(typed),
            np.random.SeedSequence(0),
            tmp_path / f"{name}.jsonl",
        )
        engine, count = model.engine, []
        original = engine.prediction_scores
        engine.prediction_scores = lambda *a, _o=original, _c=count: (_c.append(1), _o(*a))[1]
        for _ in range(3):
            model.step()
        calls[name] = len(count)
        model.finish()
    assert calls["proportional"] == 0 and calls["numerai"] > 0

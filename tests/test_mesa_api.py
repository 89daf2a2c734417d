"""Mesa's own ways of running a model: keyword construction, ``run_model()`` that ends after
``epochs``, ``mesa.batch_run`` over a parameter grid with the DataCollector's model and agent
tables (the Boltzmann wealth tutorial's workflow)."""

from __future__ import annotations

import mesa
import numpy as np
import pandas as pd
import pytest

from sim.config import ConfigError
from sim.model import EconomyModel
from tests.conftest import SMALL

# The small population of the other tests, as keyword parameters.
SMALL_PARAMETERS = {
    key: value for key, value in (item.split("=") for item in SMALL) if key != "epochs"
}


def test_run_model_ends_after_the_configured_epochs():
    model = EconomyModel(seed=3, epochs=3, **SMALL_PARAMETERS)
    assert model.running
    model.run_model()
    assert not model.running and model.steps == 3 and model.epoch == 3
    table = model.datacollector.get_model_vars_dataframe()
    assert len(table) == 3 and table["epoch"].tolist() == [0.0, 1.0, 2.0]
    agents = model.datacollector.get_agent_vars_dataframe()
    assert {"role", "strategy", "active", "balance"} <= set(agents.columns)
    assert set(agents["role"]) >= {"builder", "validator", "consumer"}
    model.finish()


def test_keywords_give_the_numbers_of_the_composed_config(compose):
    by_keywords = EconomyModel(seed=2, epochs=2, **SMALL_PARAMETERS)
    by_config = EconomyModel.from_config(
        compose("seed=2", "epochs=2", "baseline=null")["decentralized"]
    )
    for model in (by_keywords, by_config):
        model.run_model()
    a = by_keywords.datacollector.get_model_vars_dataframe()
    b = by_config.datacollector.get_model_vars_dataframe()
    pd.testing.assert_frame_equal(a, b)
    # ``population__builders`` is the Python spelling of ``population.builders``.
    spelled = EconomyModel(
        seed=2,
        epochs=1,
        population__builders=5,
        **{k: v for k, v in SMALL_PARAMETERS.items() if k != "population.builders"},
    )
    assert spelled.cfg.population.builders == 5


def test_a_bad_keyword_is_refused_with_one_line_naming_it():
    with pytest.raises(ConfigError, match="population.bilders"):
        EconomyModel(**{"population.bilders": 3})
    with pytest.raises(TypeError, match="config keys as keywords"):
        EconomyModel(3)


def test_mesa_batch_run_sweeps_two_parameters():
    parameters = {
        **SMALL_PARAMETERS,
        "epochs": 2,
        "consensus": ["stake_majority", "yuma"],
        "population.builders": [4, 6],
        "seed": 1,
    }
    results = pd.DataFrame(
        mesa.batch_run(
            EconomyModel,
            parameters=parameters,
            iterations=1,
            max_steps=100,
            number_processes=1,
            data_collection_period=1,
            display_progress=False,
        )
    )
    assert results["RunId"].nunique() == 4
    assert set(zip(results["consensus"], results["population.builders"], strict=True)) == {
        ("stake_majority", 4),
        ("stake_majority", 6),
        ("yuma", 4),
        ("yuma", 6),
    }
    assert sorted(results["Step"].unique()) == [0, 1]  # two epochs, then running is False
    # One row per participant and epoch, with the model's columns beside the agent's.
    assert {"AgentID", "role", "balance", "test_accuracy", "supply"} <= set(results.columns)
    builders = results[(results["role"] == "builder") & (results["Step"] == 0)]
    assert sorted(builders.groupby("RunId").size().unique()) == [4, 6]
    # The same run built by hand gives the same model numbers.
    alone = EconomyModel(
        seed=1, epochs=2, **{**SMALL_PARAMETERS, "consensus": "yuma", "population.builders": 6}
    )
    alone.run_model()
    expected = alone.datacollector.get_model_vars_dataframe()["test_accuracy"].to_numpy()
    run = results[(results["consensus"] == "yuma") & (results["population.builders"] == 6)]
    got = run.groupby("Step")["test_accuracy"].first().to_numpy()
    np.testing.assert_array_equal(got, expected)

"""Shared fixtures: small, fast configurations composed exactly as the CLI composes them."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("JAX_PLATFORMS", "cpu")

import sim  # noqa: E402
from sim.config import register_schema  # noqa: E402

# A population and horizon small enough for a test, large enough for every phase to act.
SMALL = [
    "epochs=6",
    "population.compute_providers=4",
    "population.data_providers=8",
    "population.builders=6",
    "population.validators=4",
    "population.consumers=20",
    "population.newcomer_slots=2",
    "output.figures=false",
    "output.progress=false",
]


@pytest.fixture(scope="session", autouse=True)
def _schema():
    register_schema()


@pytest.fixture
def compose():
    """Compose the scenarios of a run from CLI-style overrides, checked like the CLI does."""

    def _compose(*overrides: str):
        return sim.compose([*SMALL, *overrides])

    return _compose

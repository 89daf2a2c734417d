"""Designs and sensitivity (sim.design) against closed forms."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.design import DesignError, parse_range, sample, sensitivity


def ishigami(table, a=7.0, b=0.1):
    x1, x2, x3 = (table[f"x{i}"].to_numpy() for i in (1, 2, 3))
    return np.sin(x1) + a * np.sin(x2) ** 2 + b * x3**4 * np.sin(x1)


def test_ishigami_sobol_indices_match_their_closed_form():
    """Ishigami & Homma (1990), a = 7, b = 0.1: S1 = (0.314, 0.442, 0), ST = (0.558, 0.442,
    0.244) (Saltelli et al., Global Sensitivity Analysis: The Primer, 2008)."""
    space = {f"x{i}": ("uniform", -np.pi, np.pi) for i in (1, 2, 3)}
    table = sample(space, method="sobol", n=1024, seed=0)
    assert len(table) == 1024 * 5
    table["y"] = ishigami(table)
    result = sensitivity(table, inputs=list(space), output="y", method="sobol")
    np.testing.assert_allclose(result["S1"], [0.314, 0.442, 0.000], atol=0.05)
    np.testing.assert_allclose(result["ST"], [0.558, 0.442, 0.244], atol=0.05)
    assert (result["S1_conf"] > 0).all() and (result["ST_conf"] > 0).all()
    # The bootstrap intervals are the same on every call with the same seed (seed 0 included).
    again = sensitivity(table, inputs=list(space), output="y", method="sobol")
    pd.testing.assert_frame_equal(result, again)


def test_morris_ranks_a_linear_functions_inputs_by_their_coefficients():
    coefficients = {"a": 5.0, "b": -3.0, "c": 1.0, "d": 0.0}
    space = {name: ("uniform", 0, 1) for name in coefficients}
    table = sample(space, method="morris", n=20, seed=1)
    assert len(table) == 20 * 5
    table["y"] = sum(c * table[name] for name, c in coefficients.items())
    result = sensitivity(table, inputs=list(space), output="y", method="morris")
    # Every elementary effect of a linear function is its coefficient: μ* = |c|, σ = 0.
    np.testing.assert_allclose(result["mu_star"], np.abs(list(coefficients.values())), atol=1e-9)
    np.testing.assert_allclose(result["sigma"], 0, atol=1e-9)
    assert list(result["mu_star"].sort_values(ascending=False).index) == ["a", "b", "c", "d"]


@given(st.integers(2, 200), st.integers(1, 5), st.integers(0, 2**31 - 1))
@settings(max_examples=40, deadline=None)
def test_every_lhs_stratum_of_every_input_is_hit_exactly_once(n, dimensions, seed):
    space = {f"p{i}": ("uniform", -1.0 - i, 2.0 + i) for i in range(dimensions)}
    table = sample(space, method="lhs", n=n, seed=seed)
    for name, (_, lo, hi) in space.items():
        strata = np.floor((table[name] - lo) / (hi - lo) * n).astype(int)
        assert sorted(strata) == list(range(n)), name


def test_integers_and_choices_cover_their_ranges_evenly():
    space = {"k": ("int", 1, 4), "rule": ("choice", ["yuma", "yuma3"])}
    table = sample(space, method="lhs", n=400, seed=2)
    assert table["k"].value_counts().sort_index().tolist() == [100] * 4
    assert table["rule"].value_counts().tolist() == [200, 200]


@pytest.mark.parametrize(
    "text,expected",
    [
        ("uniform(10,200)", ("uniform", 10.0, 200.0)),
        ("int(1, 5)", ("int", 1, 5)),
        ("choice(yuma,yuma3)", ("choice", ["yuma", "yuma3"])),
        ("choice(0.1,0.2)", ("choice", [0.1, 0.2])),
    ],
)
def test_ranges_read_from_the_command_line(text, expected):
    assert parse_range("space.x", text) == expected


@pytest.mark.parametrize(
    "text,message",
    [
        ("uniform(5)", "space.x: uniform needs two numbers lo < hi, got 'uniform(5)'"),
        ("uniform(5,1)", "space.x: uniform needs lo < hi"),
        ("normal(0,1)", "space.x: expected uniform(lo,hi), int(lo,hi) or choice"),
        ("int(a,b)", "space.x: int needs numbers"),
        ("choice(yuma)", "space.x: choice needs at least two values"),
    ],
)
def test_malformed_ranges_name_the_parameter(text, message):
    with pytest.raises(DesignError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_range("space.x", text)


def test_analyses_refuse_what_is_not_their_design():
    table = sample({"a": ("uniform", 0, 1), "b": ("uniform", 0, 1)}, method="lhs", n=9)
    table["y"] = table["a"]
    with pytest.raises(DesignError, match="not a Sobol design of 2 inputs"):
        sensitivity(table, ["a", "b"], "y", method="sobol")
    with pytest.raises(DesignError, match="zz: not a column"):
        sensitivity(table, ["a", "zz"], "y")
    with pytest.raises(DesignError, match="method: must be one of"):
        sample({"a": ("uniform", 0, 1)}, method="grid")

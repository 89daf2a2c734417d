"""Concentration metrics against published vectors, closed forms and invariants."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.metrics.concentration import (
    concentration_ratio,
    effective_number,
    evenness,
    gini,
    hhi,
    nakamoto_coefficient,
    shannon_entropy,
    theil,
)

# Amounts from 0 to 10⁶ whose total is not vanishingly small (rescaling a total near the smallest
# float underflows to zero, which is arithmetic, not the metric).
amounts = st.lists(
    st.floats(0, 1e6, allow_nan=False, allow_subnormal=False), min_size=1, max_size=50
).filter(lambda xs: sum(xs) > 1e-6)


# Test vectors of the Blockchain Technology Lab's consensus-decentralization tests
# (the published values cited beside each case).
def test_published_vectors():
    assert gini([5, 4, 3, 2, 1]) == pytest.approx(0.26667, abs=1e-5)
    assert hhi([8, 6, 3, 3]) == pytest.approx(2950)
    assert nakamoto_coefficient([3, 2, 1, 1, 1, 1]) == 2
    assert theil([3, 2, 1]) == pytest.approx(0.087, abs=5e-4)
    assert shannon_entropy([3, 2, 1]) == pytest.approx(1.459, abs=5e-4)


def test_nakamoto_counts_until_share_reaches_threshold():
    assert nakamoto_coefficient([3, 2, 1]) == 1  # 3/6 = 0.5 reaches τ = 0.5
    assert nakamoto_coefficient([1, 1]) == 1
    assert nakamoto_coefficient([1, 1, 1], threshold=2 / 3) == 2
    assert nakamoto_coefficient([1, 1, 1, 1], threshold=1 / 3) == 2
    assert nakamoto_coefficient([0, 0]) == 0


def test_closed_forms_for_equal_and_monopoly():
    n = 8
    equal, monopoly = np.ones(n), np.eye(n)[0]
    assert gini(equal) == pytest.approx(0)
    assert gini(monopoly) == pytest.approx((n - 1) / n)
    assert hhi(equal) == pytest.approx(1e4 / n)
    assert hhi(monopoly) == pytest.approx(1e4)
    assert theil(monopoly) == pytest.approx(np.log(n))
    assert effective_number(equal) == pytest.approx(n)
    assert effective_number(equal, order=2) == pytest.approx(n)
    assert evenness(equal) == pytest.approx(1)
    assert concentration_ratio([5, 3, 2], 2) == pytest.approx(0.8)


def test_pairwise_gini_definition():
    x = np.array([7.0, 0.0, 3.0, 3.0, 11.0])
    pairwise = np.abs(x[:, None] - x[None, :]).sum() / (2 * len(x) * x.sum())
    assert gini(x) == pytest.approx(pairwise)


def test_negative_amounts_rejected():
    with pytest.raises(ValueError):
        gini([1, -1])


@given(amounts, st.floats(0.01, 1e3))
def test_scale_invariance(xs, factor):
    x = np.array(xs)
    assert gini(x * factor) == pytest.approx(gini(x), abs=1e-9)
    assert hhi(x * factor) == pytest.approx(hhi(x), rel=1e-9)
    assert nakamoto_coefficient(x * factor) == nakamoto_coefficient(x)


@given(amounts)
def test_bounds_and_permutation_invariance(xs):
    x = np.array(xs)
    n = len(x)
    assert 0 <= gini(x) <= 1
    assert 1e4 / n - 1e-6 <= hhi(x) <= 1e4 + 1e-6
    assert 1 <= nakamoto_coefficient(x) <= n
    assert 1 - 1e-9 <= effective_number(x, order=2) <= n + 1e-9
    assert effective_number(x, order=2) <= effective_number(x) + 1e-9  # Hill numbers decrease
    assert gini(x[::-1]) == pytest.approx(gini(x))

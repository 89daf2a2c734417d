"""Concentration of non-negative amounts over entities (stake, rewards, compute, votes).

For amounts x_i ≥ 0 over N entities, shares p_i = x_i / Σx sorted p_(1) ≥ p_(2) ≥ ….  Formulas and
conventions follow the decentralization literature (Ovezik et al., "SoK: Measuring Blockchain
Decentralization", arXiv:2501.18279) and the reference implementation of the Blockchain Technology
Lab (github.com/Blockchain-Technology-Lab/consensus-decentralization), whose test vectors the
tests reproduce.  Every function raises ValueError on negative amounts; an all-zero vector has no
shares and gives NaN, except where noted.
"""

from __future__ import annotations

import numpy as np


def _amounts(x) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64).reshape(-1)
    if np.any(x < 0) or np.any(~np.isfinite(x)):
        raise ValueError("concentration metrics need finite, non-negative amounts")
    return x


def _shares(x) -> np.ndarray | None:
    x = _amounts(x)
    total = x.sum()
    return None if total <= 0 else x / total


def gini(x) -> float:
    """Gini = Σ_i Σ_j |x_i − x_j| / (2 N Σx).  0 = perfect equality; lower is more decentralized.

    Computed from the sorted amounts in O(N log N): G = Σ_i (2i − N − 1) x_(i) / (N Σx), i = 1..N
    ascending, which equals the pairwise form.
    """
    x = np.sort(_amounts(x))
    n, total = x.size, x.sum()
    if n == 0 or total <= 0:
        return float("nan")
    ranks = np.arange(1, n + 1)
    # Clamped because rounding can leave −1e-17 for equal amounts.
    return max(0.0, float(np.sum((2 * ranks - n - 1) * x) / (n * total)))


def hhi(x) -> float:
    """Herfindahl–Hirschman index Σ(100 p_i)², from 10⁴/N (equal) to 10⁴ (monopoly); lower is
    more decentralized."""
    p = _shares(x)
    return float("nan") if p is None else float(np.sum((100 * p) ** 2))


def nakamoto_coefficient(x, threshold: float = 0.5) -> int:
    """Smallest number of entities whose combined share reaches ``threshold``:
    NC_τ = min{k : Σ_{j≤k} p_(j) ≥ τ}.  Counting stops at ≥ τ, so [3, 2, 1] has NC = 1.
    Higher is more decentralized.  An all-zero vector gives 0 (nobody controls anything)."""
    if not 0 < threshold <= 1:
        raise ValueError("threshold must lie in (0, 1]")
    p = _shares(x)
    if p is None:
        return 0
    cumulative = np.cumsum(np.sort(p)[::-1])
    # A tiny tolerance so that exact ties such as [1, 1] at τ = 0.5 are not lost to rounding.
    return int(np.searchsorted(cumulative, threshold - 1e-12) + 1)


def shannon_entropy(x) -> float:
    """H = −Σ p_i log₂ p_i in bits (terms with p_i = 0 contribute 0); higher is more decentralized."""
    p = _shares(x)
    if p is None:
        return float("nan")
    p = p[p > 0]
    return float(-np.sum(p * np.log2(p)))


def evenness(x) -> float:
    """Normalised entropy H / log₂ N in [0, 1] (N counts all entities, including zeros)."""
    n = _amounts(x).size
    return float("nan") if n < 2 else shannon_entropy(x) / np.log2(n)


def theil(x) -> float:
    """Theil T = (1/N) Σ (x_i/μ) ln(x_i/μ), 0 = equality, ln N = one holder; lower is more
    decentralized.  Zero amounts contribute 0 (the limit of t ln t)."""
    x = _amounts(x)
    if x.size == 0 or x.sum() <= 0:
        return float("nan")
    ratio = x / x.mean()
    positive = ratio[ratio > 0]
    return max(0.0, float(np.sum(positive * np.log(positive)) / x.size))


def effective_number(x, order: int = 1) -> float:
    """Hill number of the shares: 2^H for order 1 (entropy in bits), 1 / Σ p_i² for order 2.
    It is N when all N entities hold equal shares; higher is more decentralized."""
    if order == 1:
        h = shannon_entropy(x)
        return float("nan") if np.isnan(h) else float(2.0**h)
    if order == 2:
        p = _shares(x)
        return float("nan") if p is None else float(1.0 / np.sum(p**2))
    raise ValueError("order must be 1 or 2")


def concentration_ratio(x, k: int) -> float:
    """CR_k = combined share of the k largest entities; lower is more decentralized."""
    p = _shares(x)
    return float("nan") if p is None else float(np.sum(np.sort(p)[::-1][:k]))

"""Designs beyond the grid: sample a parameter space and measure which inputs drive an output.

    from sim.design import sample, sensitivity
    space = {"incentive.emission_per_epoch": ("uniform", 10, 200),
             "adversaries.free_riders": ("uniform", 0, 0.4),
             "consensus": ("choice", ["yuma", "yuma3"])}
    table = sample(space, method="sobol", n=1024, seed=0)      # one row per job
    result = sensitivity(table, inputs=list(space), output="y", method="sobol")

A space maps names to ``("uniform", lo, hi)``, ``("int", lo, hi)`` (both ends included) or
``("choice", [values])``; on the command line the same reads ``uniform(lo,hi)``, ``int(lo,hi)``,
``choice(a,b,…)`` (``parse_range``).  Designs are drawn on the unit hypercube and mapped to each
range: an input's unit coordinate u becomes lo + u (hi − lo), ⌊lo + u (hi − lo + 1)⌋ or the
⌊u k⌋-th of k choices.

- ``lhs``: Latin hypercube (McKay, Beckman & Conover, Technometrics 1979) from
  ``scipy.stats.qmc.LatinHypercube``: each input's n strata hit exactly once; n rows.
- ``sobol``: Saltelli's scheme on a Sobol' sequence (Saltelli et al., Computer Physics
  Communications 2010) from ``SALib.sample.sobol``: n (D + 2) rows for D inputs, analysed with
  ``SALib.analyze.sobol`` into first-order S1 and total-order ST indices with bootstrap
  confidence intervals.
- ``morris``: n elementary-effect trajectories (Morris, Technometrics 1991; Campolongo,
  Cariboni & Saltelli 2007 for μ*) from ``SALib.sample.morris``: n (D + 1) rows, analysed into
  μ*, its confidence interval and σ.

The table keeps its design's order: the analyses read the rows in the order they were drawn.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

METHODS = ("lhs", "sobol", "morris")
KINDS = ("uniform", "int", "choice")


class DesignError(ValueError):
    """A parameter space or design that cannot be used; the message names the parameter."""


def parse_range(name: str, text: str) -> tuple:
    """``uniform(lo,hi)``, ``int(lo,hi)`` or ``choice(a,b,…)`` as a space entry; raises
    ``DesignError`` naming ``name`` for anything else."""
    match = re.fullmatch(r"\s*(\w+)\((.*)\)\s*", str(text))
    if not match or match.group(1) not in KINDS:
        raise DesignError(
            f"{name}: expected uniform(lo,hi), int(lo,hi) or choice(a,b,...), got {text!r}"
        )
    kind, items = match.group(1), [i.strip() for i in match.group(2).split(",") if i.strip()]
    if kind == "choice":
        return check_entry(name, ("choice", [_plain(i) for i in items]))
    if len(items) != 2:
        raise DesignError(f"{name}: {kind} needs two numbers lo < hi, got {text!r}")
    try:
        lo, hi = (int(i) if kind == "int" else float(i) for i in items)
    except ValueError:
        raise DesignError(f"{name}: {kind} needs numbers, got {text!r}") from None
    return check_entry(name, (kind, lo, hi))


def _plain(item: str):
    for cast in (int, float):
        try:
            return cast(item)
        except ValueError:
            pass
    return item


def check_entry(name: str, entry) -> tuple:
    if not isinstance(entry, tuple | list) or not entry or entry[0] not in KINDS:
        raise DesignError(f"{name}: a range is (kind, ...) with kind in {', '.join(KINDS)}")
    if entry[0] == "choice":
        if len(entry) != 2 or len(entry[1]) < 2:
            raise DesignError(f"{name}: choice needs at least two values")
        return ("choice", list(entry[1]))
    if len(entry) != 3 or not entry[1] < entry[2]:
        raise DesignError(f"{name}: {entry[0]} needs lo < hi, got {tuple(entry[1:])}")
    return tuple(entry)


def unit_design(method: str, dimensions: int, n: int, seed: int) -> np.ndarray:
    """Rows of the design on [0, 1)^D (see the module docstring for the row counts)."""
    if method not in METHODS:
        raise DesignError(f"method: must be one of: {', '.join(METHODS)}; got {method!r}")
    if n < 2:
        raise DesignError(f"n: must be at least 2, got {n}")
    if method == "lhs":
        from scipy.stats import qmc

        return qmc.LatinHypercube(d=dimensions, seed=seed).random(n)
    problem = {"num_vars": dimensions, "names": [f"x{i}" for i in range(dimensions)],
               "bounds": [[0.0, 1.0]] * dimensions}  # fmt: skip
    if method == "sobol":
        from SALib.sample import sobol

        return sobol.sample(problem, n, calc_second_order=False, seed=seed)
    from SALib.sample import morris

    # Morris levels sit on {0, 1/(p−1), …, 1}; 1 maps past the top stratum, so it is pulled in.
    return np.minimum(morris.sample(problem, n, num_levels=4, seed=seed), 1 - 1e-12)


def sample(space: dict, method: str = "lhs", n: int = 64, seed: int = 0) -> pd.DataFrame:
    """One row per job: the design's points mapped to each range, in the design's order."""
    space = {name: check_entry(name, entry) for name, entry in space.items()}
    if not space:
        raise DesignError("space: no parameters to sample")
    unit = unit_design(method, len(space), n, seed)
    columns = {name: _map(entry, unit[:, i]) for i, (name, entry) in enumerate(space.items())}
    table = pd.DataFrame(columns)
    table.attrs.update(method=method, n=n, seed=seed)
    return table


def _map(entry: tuple, u: np.ndarray):
    kind = entry[0]
    if kind == "uniform":
        return entry[1] + u * (entry[2] - entry[1])
    if kind == "int":
        lo, hi = entry[1], entry[2]
        return np.minimum(np.floor(lo + u * (hi - lo + 1)), hi).astype(int)
    values = entry[1]
    picks = np.minimum((u * len(values)).astype(int), len(values) - 1)
    return [values[i] for i in picks]


def _numeric(table: pd.DataFrame, inputs: list[str]) -> np.ndarray:
    """Inputs as numbers: numeric columns as they are, choices as their codes in sorted order."""
    columns = []
    for name in inputs:
        column = table[name]
        if not pd.api.types.is_numeric_dtype(column):
            column = pd.Series(pd.Categorical(column.astype(str)).codes, index=column.index)
        columns.append(column.to_numpy(dtype=float))
    return np.column_stack(columns)


def _salib_seed(seed: int) -> int:
    """SALib's Sobol analysis seeds its bootstrap only when ``if seed:`` holds, so seed 0 drew
    different intervals on every call: shift by one, keeping every seed distinct."""
    return int(seed) + 1


def sensitivity(
    table: pd.DataFrame, inputs: list[str], output: str, method: str = "sobol", seed: int = 0
) -> pd.DataFrame:
    """Sobol indices (S1, S1_conf, ST, ST_conf) or Morris measures (mu_star, mu_star_conf,
    sigma) of ``output`` with respect to each input, a DataFrame indexed by input.  The rows
    must be a whole design of that method in its own order (as ``sample`` returns it)."""
    missing = [c for c in [*inputs, output] if c not in table.columns]
    if missing:
        raise DesignError(f"{', '.join(missing)}: not a column of the table")
    y = table[output].to_numpy(dtype=float)
    if not np.all(np.isfinite(y)):
        raise DesignError(f"{output}: has missing values; analyse complete designs only")
    x = _numeric(table, inputs)
    bounds = [[float(c.min()), float(c.max()) if c.max() > c.min() else float(c.min()) + 1]
              for c in x.T]  # fmt: skip
    problem = {"num_vars": len(inputs), "names": list(inputs), "bounds": bounds}
    if method == "sobol":
        from SALib.analyze import sobol

        if len(y) % (len(inputs) + 2):
            raise DesignError(f"{len(y)} rows: not a Sobol design of {len(inputs)} inputs")
        found = sobol.analyze(problem, y, calc_second_order=False, seed=_salib_seed(seed))
        keys = ("S1", "S1_conf", "ST", "ST_conf")
    elif method == "morris":
        from SALib.analyze import morris

        if len(y) % (len(inputs) + 1):
            raise DesignError(f"{len(y)} rows: not a Morris design of {len(inputs)} inputs")
        found = morris.analyze(problem, x, y, num_levels=4, seed=seed)
        keys = ("mu_star", "mu_star_conf", "sigma")
    else:
        raise DesignError(f"method: sobol or morris, got {method!r}")
    return pd.DataFrame({k: np.asarray(found[k], dtype=float) for k in keys}, index=list(inputs))

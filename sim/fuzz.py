"""Any valid configuration runs: whole configurations drawn from the config schema and the YAML
members of every family, each run for a few epochs and checked.

``configurations()`` is a hypothesis strategy of command-line overrides.  It is generated from the
schema (sim/config.py): every field of the population, learning, validation, economy and fault
sections, and every adversary share, gets a strategy from its type and default (booleans, enum
members, integers and floats around the default, 0 and the off-sentinel −1 included, ``None``
where the type allows it); every mechanism family draws one of its YAML members
(configs/<family>/), and the scenario one of the two organisations.  A few fields have ranges of
their own (``FIELD_STRATEGIES``) where the generic one would only ask for gigabytes (memory
budgets, sample counts) or a file that is not there.

``check(overrides, folder)`` composes the draw as ``deai-sim`` does.  A draw the schema or a
mechanism refuses must be refused with one line naming the key; one that composes must run its
epochs with every ledger verified (replayed from its hash chain: no balance negative, closing
balances equal to the supply) and no NaN in metrics.parquet outside the columns that are
undefined by construction in some epochs (``MAY_BE_NAN``).  Anything else is a finding.

    python benchmarks/fuzz_configs.py --draws 300     # the measured sweep
"""

from __future__ import annotations

import dataclasses
import enum
import math
import traceback
import types
import typing
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from hypothesis import strategies as st

from mechanisms import FAMILIES as MECHANISM_FAMILIES
from sim import config as schema
from sim.composition import compose, override
from sim.config import ConfigError
from sim.ledger import verify_run
from sim.run import run_scenarios

CONFIG_ROOT = Path(__file__).resolve().parents[1] / "configs"
SECTIONS = {
    "population": schema.PopulationConfig,
    "learning": schema.LearningConfig,
    "validation": schema.ValidationConfig,
    "economy": schema.EconomyConfig,
    "faults": schema.FaultConfig,
    "delegation": schema.DelegationConfig,
}
FAMILIES = (*MECHANISM_FAMILIES, "adaptation")

# Fields whose generic range would ask for something no run here should: memory budgets of
# gigabytes, data sets of a million samples, a file that does not exist.
FIELD_STRATEGIES = {
    "learning.dataset": st.sampled_from(["digits", "gaussian_mixture", "mnist1d"]),
    "learning.samples": st.one_of(st.none(), st.integers(100, 3000)),
    "learning.data_path": st.none(),
    "learning.evaluation_memory_mb": st.integers(1, 64),
    "learning.training_memory_mb": st.integers(1, 64),
    "learning.quality_sample": st.integers(0, 500),
    "learning.hidden": st.integers(1, 24),
    "learning.hidden_layers": st.integers(0, 2),
    "learning.max_local_steps": st.integers(0, 6),
    "population.consumers": st.integers(0, 40),
    "population.data_providers": st.integers(0, 16),
    "population.compute_providers": st.integers(0, 8),
    "population.builders": st.integers(0, 12),
    "population.validators": st.integers(0, 8),
    "population.nominators": st.integers(0, 8),
    "population.newcomer_slots": st.integers(0, 4),
    "population.nominator_slots": st.integers(0, 4),
}

# Columns undefined by construction in some epochs: the Gini and Nakamoto coefficient of rewards
# when nobody was paid, a strategy's share of a role with no active member (benchmarks/soak.py
# sees roles empty out).
MAY_BE_NAN = frozenset({"reward_gini", "reward_nakamoto", "honest_share", "honest_profit"})
MAY_BE_NAN_PREFIXES = ("share_",)


def _field_strategy(key: str, kind, default):
    """A strategy for one schema field from its type and default."""
    if key in FIELD_STRATEGIES:
        return FIELD_STRATEGIES[key]
    if typing.get_origin(kind) in (typing.Union, types.UnionType):
        inner = [k for k in typing.get_args(kind) if k is not type(None)]
        return st.one_of(st.none(), _field_strategy(key, inner[0], 8))
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return st.sampled_from(list(kind))
    if kind is bool:
        return st.booleans()
    if kind is int:
        if default is not None and default < 0:  # −1 switches the feature off
            return st.one_of(st.just(default), st.integers(0, 6))
        return st.integers(0, max(2 * int(default or 0), 4))
    if kind is float:
        if 0 < default <= 1:
            return st.floats(0.0, 1.0)
        return st.floats(0.0, max(2.0 * default, 1.0))
    return None


def _resolved(cls) -> dict:
    return typing.get_type_hints(cls, vars(schema))


def schema_fields() -> dict:
    """``{key: strategy}`` for every drawable field of the schema's sections and adversaries."""
    fields = {}
    for section, cls in SECTIONS.items():
        hints = _resolved(cls)
        for f in dataclasses.fields(cls):
            default = f.default if f.default is not dataclasses.MISSING else None
            strategy = _field_strategy(f"{section}.{f.name}", hints[f.name], default)
            if strategy is not None:
                fields[f"{section}.{f.name}"] = strategy
    for f in dataclasses.fields(schema.adversary_config_class()):
        share = f.default == 0.0
        fields[f"adversaries.{f.name}"] = (
            st.one_of(st.just(0.0), st.floats(0.0, 0.6)) if share else st.floats(0.0, 8.0)
        )
    return fields


def members(family: str) -> list[str]:
    return sorted(p.stem for p in (CONFIG_ROOT / family).glob("*.yaml"))


def _rounded(value):
    """Floats to 6 decimals, so that a drawn override reads as a person would type it."""
    return round(value, 6) if isinstance(value, float) else value


@st.composite
def configurations(draw, epochs: int = 3, fields_per_draw: int = 12) -> list[str]:
    """Command-line overrides of one whole configuration: a scenario, one member of every
    family, and ``fields_per_draw`` schema fields set away from their defaults."""
    fields = schema_fields()
    chosen = draw(
        st.lists(st.sampled_from(sorted(fields)), min_size=0, max_size=fields_per_draw, unique=True)
    )
    overrides = [f"scenario={draw(st.sampled_from(['decentralized', 'centralized']))}"]
    overrides += [f"{family}={draw(st.sampled_from(members(family)))}" for family in FAMILIES]
    overrides += [override(key, _rounded(draw(fields[key]))) for key in chosen]
    overrides += [
        f"seed={draw(st.integers(0, 2**16))}",
        f"epochs={epochs}",
        "baseline=null",
        "output.figures=false",
        "output.progress=false",
    ]
    return overrides


@dataclass(frozen=True)
class Outcome:
    """What one draw did: ``ran`` or ``refused`` (with the one-line reason), or ``failed`` with
    what went wrong."""

    status: str
    detail: str = ""


def check(overrides: list[str], folder: Path) -> Outcome:
    """Compose, run and check one drawn configuration (see the module docstring)."""
    try:
        configs = compose(overrides)
    except ConfigError as error:
        message = str(error)
        if "\n" in message or ":" not in message:
            return Outcome("failed", f"refusal not one line naming a key: {message!r}")
        return Outcome("refused", message)
    except Exception:  # noqa: BLE001 - any other exception is the finding
        return Outcome("failed", "compose raised " + traceback.format_exc(limit=3))
    try:
        run_scenarios(configs, folder, progress=False)
    except ConfigError as error:  # refused before any epoch ran, with one line
        message = str(error)
        if "\n" in message:
            return Outcome("failed", f"refusal not one line: {message!r}")
        return Outcome("refused", message)
    except Exception:  # noqa: BLE001
        return Outcome("failed", "run raised " + traceback.format_exc(limit=6))
    problems = [p for v in verify_run(folder) for p in v.problems]
    if problems:
        return Outcome("failed", "ledger: " + "; ".join(problems[:3]))
    metrics = pd.read_parquet(folder / "metrics.parquet")
    nan = sorted(
        c
        for c in metrics.columns
        if c not in MAY_BE_NAN
        and not c.startswith(MAY_BE_NAN_PREFIXES)
        and metrics[c].dtype.kind == "f"
        and metrics[c].map(lambda v: isinstance(v, float) and math.isnan(v)).any()
    )
    if nan:
        return Outcome("failed", f"NaN in metrics columns {nan}")
    return Outcome("ran")

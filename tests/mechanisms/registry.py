"""Every mechanism shipped in configs/<family>/*.yaml, built as the CLI builds it."""

from __future__ import annotations

from pathlib import Path

from hydra.utils import instantiate

from sim.composition import load_option

CONFIG_ROOT = Path(__file__).resolve().parents[2] / "configs"


def members(family: str) -> list[tuple[str, object]]:
    paths = sorted((CONFIG_ROOT / family).glob("*.yaml"))
    return [(p.stem, instantiate(load_option(p))) for p in paths]


def ids(family: str) -> list[str]:
    return [name for name, _ in members(family)]

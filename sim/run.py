"""Run one or more scenarios side by side and write their outputs to a run directory."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from omegaconf import DictConfig, OmegaConf
from tqdm.auto import tqdm

from sim import interrupts
from sim.composition import compose_scenarios
from sim.config import validate
from sim.inputs import check_population_fits_data, describe_data, load_data, run_seeds
from sim.metrics.adversaries import adversary_report
from sim.metrics.scorecard import score
from sim.model import EconomyModel, build_mechanisms
from sim.outputs import write_outputs
from sim.stalls import StallWatch

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScenarioResult:
    frame: pd.DataFrame  # metrics.parquet rows of the scenario
    scorecard: list[dict]
    adversaries: dict
    stalls: list[dict]  # every stretch in which the model could not improve (sim.stalls)
    seconds: float  # set-up, epochs and scoring
    warmup_seconds: float  # set-up and the first epoch (which compiles the JAX functions)


def simulate(name, cfg, mechanisms, splits, seed, run_dir: Path, progress: bool) -> ScenarioResult:
    """One scenario: build the model, step it ``cfg.epochs`` times, save and score its record."""
    started = time.perf_counter()
    model = EconomyModel(cfg, mechanisms, splits, seed, run_dir / "ledger" / f"{name}.jsonl")
    log.info(
        "%s: %d epochs, %d participants at the start, seed %d",
        name,
        cfg.epochs,
        int(model.population.active.sum()),
        cfg.seed,
    )
    watch, warmup = StallWatch(name), 0.0
    for epoch in tqdm(
        range(cfg.epochs), desc=name, unit="epoch", disable=not progress, leave=False
    ):
        model.step()
        interrupts.check()
        watch.observe(model.record)
        if epoch == 0:  # the first epoch compiles every JAX function of the run
            warmup = time.perf_counter() - started
    record = model.run_record()
    record.save(run_dir / "records" / f"{name}.npz")
    card, adversaries = [m.as_dict() for m in score(record)], adversary_report(record)
    model.finish()
    frame = model.datacollector.get_model_vars_dataframe()
    frame.insert(0, "scenario", name)
    seconds = time.perf_counter() - started
    log.info(
        "%s: final test accuracy %.3f, %d of %d epochs available, %.1f s",
        name,
        frame["test_accuracy"].iloc[-1],
        int(frame["available"].sum()),
        cfg.epochs,
        seconds,
    )
    return ScenarioResult(frame, card, adversaries, watch.summary(), seconds, warmup)


def run_scenarios(configs: dict[str, DictConfig], run_dir: Path, progress: bool = True) -> dict:
    """Simulate every scenario with the same seed, population and data; write outputs.

    All scenarios share the run's seed: their participants' traits, the data partition and the
    random streams start equal (common random numbers), so differences come from mechanisms.
    """
    run_dir = Path(run_dir)
    typed = {name: validate(cfg) for name, cfg in configs.items()}
    mechanisms = {name: build_mechanisms(cfg) for name, cfg in configs.items()}
    first = next(iter(typed.values()))
    _, model_seed = run_seeds(first.seed)
    splits = load_data(first)
    for cfg in typed.values():
        check_population_fits_data(cfg, splits)
    results = {}
    for name, cfg in typed.items():
        seed = np.random.SeedSequence(model_seed.entropy, spawn_key=model_seed.spawn_key)
        results[name] = simulate(name, cfg, mechanisms[name], splits, seed, run_dir, progress)
    summary = {
        "seed": first.seed,
        "epochs": first.epochs,
        "scenarios": list(typed),
        "data": describe_data(first.learning.dataset, splits),
        "config": {
            name: OmegaConf.to_container(cfg, resolve=True) for name, cfg in configs.items()
        },
        "scorecard": {name: r.scorecard for name, r in results.items()},
        "adversaries": {name: r.adversaries for name, r in results.items()},
        # Every stretch of epochs in which a scenario's model could not improve, and why
        # (sim.stalls; an empty list: none).
        "stalls": {name: r.stalls for name, r in results.items()},
        # Wall-clock seconds per scenario: the whole run (set-up, epochs, scoring) and its
        # warm-up (set-up and the first epoch, which compiles the JAX functions).
        "seconds": {name: r.seconds for name, r in results.items()},
        "warmup_seconds": {name: r.warmup_seconds for name, r in results.items()},
    }
    frames = {name: r.frame for name, r in results.items()}
    write_outputs(run_dir, summary, frames, figures=first.output.figures)
    log.info("outputs written to %s", run_dir)
    return summary


def run_single(cfg: DictConfig, overrides: list[str], run_dir: Path, progress: bool) -> dict:
    """The default experiment (``experiment=single``): the chosen scenario beside its baseline,
    one seed, into ``run_dir``.  Every experiment is a function of this signature named by
    ``experiment._target_``."""
    return run_scenarios(compose_scenarios(cfg, overrides), run_dir, progress=progress)

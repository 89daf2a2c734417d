"""``hydra/sweeper=search``: mechanism-design search with Optuna's ask/tell API.

    deai-sim -m hydra/sweeper=search hydra.sweeper.n_trials=48 \\
        'hydra.sweeper.objectives=[test_accuracy:maximize,reward_nakamoto_accounts:maximize]' \\
        +space.incentive.emission_per_epoch='uniform(10,200)' +space.consensus='choice(yuma,yuma3)'

Each trial is one job (its number is the job's number): Optuna proposes the ``+space`` values
(``ask``), the launcher runs the batch, and each objective is read from the job's outputs
(``sim.sweep.job_value``: a scorecard metric of ``hydra.sweeper.scenario`` by name, else a
metrics.parquet column at the last epoch) and told back (``tell``); a failed job is a failed
trial.  One objective: TPE (Bergstra, Bardenet, Bengio & Kégl, "Algorithms for Hyper-Parameter
Optimization", NeurIPS 2011); several: NSGA-II (Deb et al., IEEE TEC 2002); no pruning.  The
study lives in ``optuna.db`` (SQLite) in the sweep folder: running the same command again
resumes it up to ``n_trials`` (trials a killed sweep left running are marked failed first).
``trials.parquet`` holds every trial's parameters, values and state, ``pareto.parquet`` the
best trials (the Pareto front with several objectives).

Hydra's own optuna sweeper (hydra-optuna-sweeper 1.3) requires optuna < 3, no longer maintained;
this plugin uses the maintained Optuna's public API instead.
"""

# No ``from __future__ import annotations``: Hydra's plugin scan executes this module without
# registering it in sys.modules, where dataclasses look up string annotations.
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from hydra.core.config_store import ConfigStore
from hydra.core.plugins import Plugins
from hydra.core.utils import JobStatus
from hydra.plugins.sweeper import Sweeper
from omegaconf import DictConfig, OmegaConf

from hydra_plugins.deai_sim_design_sweeper.design_sweeper import flatten, override_value


@dataclass
class SearchSweeperConf:
    _target_: str = "hydra_plugins.deai_sim_search_sweeper.search_sweeper.SearchSweeper"
    objectives: list[str] = field(default_factory=lambda: ["test_accuracy:maximize"])
    scenario: str = "decentralized"  # whose outputs the objectives read
    n_trials: int = 16
    seed: int = 0
    space: dict[str, Any] = field(default_factory=dict)
    max_batch_size: int | None = None  # trials proposed and run at once (the launcher's width)


ConfigStore.instance().store(
    group="hydra/sweeper", name="search", node=SearchSweeperConf, provider="deai-sim"
)


def parse_objectives(objectives) -> list[tuple[str, str]]:
    """``name:maximize|minimize`` entries as (name, direction)."""
    parsed = []
    for entry in objectives:
        name, _, direction = str(entry).partition(":")
        if direction not in ("maximize", "minimize") or not name:
            raise ValueError(f"hydra.sweeper.objectives: {entry!r} is not NAME:maximize|minimize")
        parsed.append((name, direction))
    if not parsed:
        raise ValueError("hydra.sweeper.objectives: name at least one NAME:maximize|minimize")
    return parsed


def distributions(space: dict) -> dict:
    """Optuna distributions of the space's ranges (sim.design.parse_range)."""
    from optuna.distributions import (
        CategoricalDistribution,
        FloatDistribution,
        IntDistribution,
    )

    from sim.design import parse_range

    result = {}
    for name, text in flatten(space).items():
        kind, *bounds = parse_range(f"space.{name}", text)
        if kind == "uniform":
            result[name] = FloatDistribution(bounds[0], bounds[1])
        elif kind == "int":
            result[name] = IntDistribution(bounds[0], bounds[1])
        else:
            result[name] = CategoricalDistribution(bounds[0])
    return result


class SearchSweeper(Sweeper):
    """Asks Optuna for trials in batches and runs them.  Hydra's composition check of each
    batch is left out: ``deai-sim -m`` checked the ends of every range before the search
    (sim/sweep_check.py), and a trial that fails is told to Optuna as failed."""

    def __init__(self, objectives, scenario, n_trials, seed, space, max_batch_size=None):
        if isinstance(space, DictConfig):
            space = OmegaConf.to_container(space, resolve=True)
        self.objectives = parse_objectives(list(objectives))
        self.scenario, self.n_trials, self.seed = scenario, int(n_trials), int(seed)
        self.space = dict(space or {})
        self.max_batch_size = max_batch_size

    def setup(self, *, hydra_context, task_function, config) -> None:
        self.config, self.hydra_context = config, hydra_context
        self.launcher = Plugins.instance().instantiate_launcher(
            hydra_context=hydra_context, task_function=task_function, config=config
        )

    def study(self, sweep_dir: Path):
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        directions = [direction for _, direction in self.objectives]
        sampler = (
            optuna.samplers.TPESampler(seed=self.seed)
            if len(directions) == 1
            else optuna.samplers.NSGAIISampler(seed=self.seed)
        )
        study = optuna.create_study(
            study_name="deai-sim", storage=f"sqlite:///{sweep_dir / 'optuna.db'}",
            sampler=sampler, directions=directions, load_if_exists=True,
        )  # fmt: skip
        for trial in study.get_trials(deepcopy=False, states=[optuna.trial.TrialState.RUNNING]):
            study.tell(trial.number, state=optuna.trial.TrialState.FAIL)  # left by a kill
        return study

    def sweep(self, arguments: list[str]) -> Any:
        from optuna.trial import TrialState

        from sim.sweep import job_value

        sweep_dir = Path(self.config.hydra.sweep.dir)
        sweep_dir.mkdir(parents=True, exist_ok=True)
        study, space = self.study(sweep_dir), distributions(self.space)
        width = self.max_batch_size or 1
        while len(done := study.get_trials(deepcopy=False)) < self.n_trials:
            trials = [study.ask(space) for _ in range(min(width, self.n_trials - len(done)))]
            batch = [
                (*arguments, *(f"{k}={override_value(v)}" for k, v in trial.params.items()))
                for trial in trials
            ]
            returns = self.launcher.launch(batch, initial_job_idx=trials[0].number)
            for trial, job in zip(trials, returns, strict=True):
                if job.status != JobStatus.COMPLETED:
                    study.tell(trial, state=TrialState.FAIL)
                    continue
                job_dir = Path(job.hydra_cfg.hydra.runtime.output_dir)
                values = [job_value(job_dir, name, self.scenario) for name, _ in self.objectives]
                study.tell(trial, values if len(values) > 1 else values[0])
        write_tables(study, self.objectives, sweep_dir)
        return study


def write_tables(study, objectives, sweep_dir: Path) -> None:
    """trials.parquet (every trial) and pareto.parquet (the best trials) in the sweep folder."""
    names = [name for name, _ in objectives]

    def rows(trials):
        return pd.DataFrame(
            [
                {"job": t.number, "state": t.state.name, **t.params,
                 **dict(zip(names, t.values or [None] * len(names), strict=True))}
                for t in trials
            ]
        )  # fmt: skip

    rows(study.get_trials(deepcopy=False)).to_parquet(sweep_dir / "trials.parquet", index=False)
    rows(study.best_trials).to_parquet(sweep_dir / "pareto.parquet", index=False)

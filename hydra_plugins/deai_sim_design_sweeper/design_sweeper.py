"""``hydra/sweeper=design``: the jobs of a sweep are the points of a design (sim.design).

    deai-sim -m hydra/sweeper=design hydra.sweeper.method=lhs hydra.sweeper.n=64 \\
        +space.incentive.emission_per_epoch='uniform(10,200)' \\
        +space.adversaries.free_riders='uniform(0,0.4)' +space.consensus='choice(yuma,yuma3)'

The command line (sim.cli) moves each ``+space.KEY=RANGE`` into ``hydra.sweeper.space`` after
checking it; the sweeper draws the design, writes it to ``design.parquet`` in the sweep folder
(one row per job, in job order), and sends every job, its sampled values as overrides beside the
fixed ones, through the launcher the sweep chose (joblib by default, SLURM, Ray), batch by batch.
The usual bookkeeping follows (job.json, sweep.parquet, ``resume=true``): the same design seed
gives the same jobs, so a resumed sweep skips the finished ones.
"""

# No ``from __future__ import annotations``: Hydra's plugin scan executes this module without
# registering it in sys.modules, where dataclasses look up string annotations.
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from hydra.core.config_store import ConfigStore
from hydra.core.plugins import Plugins
from hydra.plugins.sweeper import Sweeper
from omegaconf import DictConfig, OmegaConf


@dataclass
class DesignSweeperConf:
    _target_: str = "hydra_plugins.deai_sim_design_sweeper.design_sweeper.DesignSweeper"
    method: str = "lhs"  # lhs | sobol | morris
    n: int = 16  # LHS points; Sobol base samples (n (D + 2) jobs); Morris trajectories (n (D + 1))
    seed: int = 0
    space: dict[str, Any] = field(default_factory=dict)  # KEY: "uniform(lo,hi)" | int | choice
    max_batch_size: int | None = None


ConfigStore.instance().store(
    group="hydra/sweeper", name="design", node=DesignSweeperConf, provider="deai-sim"
)


def flatten(space: dict, prefix: str = "") -> dict[str, str]:
    """{incentive: {emission_per_epoch: r}} → {"incentive.emission_per_epoch": r}."""
    flat = {}
    for key, value in space.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = str(value)
    return flat


def design_jobs(space: dict, method: str, n: int, seed: int, fixed: list[str]):
    """The design's table and each job's overrides: the fixed ones, then the sampled values."""
    from sim.design import parse_range, sample

    ranges = {name: parse_range(f"space.{name}", text) for name, text in flatten(space).items()}
    table = sample(ranges, method=method, n=n, seed=seed)
    jobs = [
        [*fixed, *(f"{name}={override_value(row[name])}" for name in ranges)]
        for _, row in table.iterrows()
    ]
    return table, jobs


def override_value(value) -> str:
    """A sampled value as Hydra reads it back: plain Python numbers (NumPy's repr would not
    parse), floats to 10 decimals."""
    if isinstance(value, np.integer | int) and not isinstance(value, bool):
        return str(int(value))
    if isinstance(value, np.floating | float):
        return repr(round(float(value), 10))
    return str(value)


class DesignSweeper(Sweeper):
    """Runs a design's jobs in batches.  Hydra's own check that a batch composes
    (``validate_batch_is_legal``, a full Hydra composition per job: minutes for thousands of jobs) is left
    out: ``deai-sim -m`` has composed and checked every job before the sweep starts
    (sim/sweep_check.py), in seconds."""

    def __init__(self, method, n, seed, space, max_batch_size=None):
        self.method, self.n, self.seed = method, int(n), int(seed)
        if isinstance(space, DictConfig):
            space = OmegaConf.to_container(space, resolve=True)
        self.space = dict(space or {})
        self.max_batch_size = max_batch_size
        self.config = self.launcher = None

    def setup(self, *, hydra_context, task_function, config) -> None:
        self.config = config
        self.hydra_context = hydra_context
        self.launcher = Plugins.instance().instantiate_launcher(
            hydra_context=hydra_context, task_function=task_function, config=config
        )

    def sweep(self, arguments: list[str]) -> Any:
        table, jobs = design_jobs(self.space, self.method, self.n, self.seed, list(arguments))
        sweep_dir = Path(self.config.hydra.sweep.dir)
        sweep_dir.mkdir(parents=True, exist_ok=True)
        table.assign(job=range(len(table))).to_parquet(sweep_dir / "design.parquet", index=False)
        described = {"method": self.method, "n": self.n, "seed": self.seed,
                     "space": flatten(self.space)}  # fmt: skip
        (sweep_dir / "design.json").write_text(json.dumps(described, indent=2) + "\n")
        size = self.max_batch_size or len(jobs)
        returns = []
        for start in range(0, len(jobs), size):
            batch = [tuple(job) for job in jobs[start : start + size]]
            returns.append(self.launcher.launch(batch, initial_job_idx=start))
        return returns

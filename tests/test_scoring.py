"""The scoring rule is the subnet's incentive mechanism: it decides whether a resubmitted
network model earns anything."""

import numpy as np
import pandas as pd

from sim.records import RunRecord
from sim.roles import Role
from sim.run import run_scenarios


def free_rider_rewards(compose, tmp_path, scoring: str) -> tuple[float, float]:
    """(tokens paid to free riders, to honest builders) over a short decentralized run."""
    configs = compose(
        f"scoring={scoring}", "adversaries.free_riders=0.25", "epochs=4", "baseline=null",
        "output.figures=false",
    )  # fmt: skip
    run_scenarios(configs, tmp_path / scoring, progress=False)
    record = RunRecord.load(tmp_path / scoring / "records" / "decentralized.npz")
    builders = record.blocks[Role.BUILDER]
    kind = record.final["adversary"][builders]
    reward = record.totals["reward"][builders]
    joined = record.final["joined"][builders] >= 0
    return float(reward[(kind == "free_rider") & joined].sum()), float(
        reward[(kind == "") & joined].sum()
    )


def test_improvement_pays_a_resubmitted_model_nothing_where_absolute_pays_it(compose, tmp_path):
    free_absolute, honest_absolute = free_rider_rewards(compose, tmp_path, "absolute")
    free_improvement, honest_improvement = free_rider_rewards(compose, tmp_path, "improvement")
    assert free_absolute > 0 and honest_absolute > 0  # within the tolerance: paid
    assert free_improvement == 0.0 and honest_improvement > 0  # no margin, no weight
    table = pd.read_parquet(tmp_path / "improvement" / "metrics.parquet")
    assert np.isfinite(table["test_accuracy"]).all()

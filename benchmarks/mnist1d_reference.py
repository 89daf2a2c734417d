"""MNIST-1D reference accuracies: each model trained centrally on the package's own 4,000 /
1,000 split (Adam at 10⁻², batches of 100, 6,000 steps), against the published numbers
(Greydanus & Kobak, ICML 2024, arXiv:2011.14439): logistic regression 32 %, MLP 68 %, CNN 94 %.

    python benchmarks/mnist1d_reference.py [--seeds 5]

Each model is trained once per seed (initialisation and batches); one MLP training lands
anywhere in 0.62–0.68 by its seed alone, so the mean and spread over seeds are reported.
Prints a table and writes $BENCH_RESULTS/mnist1d-<machine>.json.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

RESULTS = Path(os.environ.get("BENCH_RESULTS", Path(__file__).resolve().parent / "local"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

PUBLISHED = {"logreg": 0.32, "mlp": 0.68, "cnn1d": 0.94}


def main() -> None:
    import argparse

    import numpy as np
    from learning import machine_name, save_results
    from mnist1d.data import get_dataset_args, make_dataset

    from sim.learning.centralized import test_accuracy, train_centrally
    from sim.learning.models import make_model

    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=5)
    seeds = parser.parse_args().seeds
    data = make_dataset(get_dataset_args())
    name = machine_name()
    print(f"machine: {name}; MNIST-1D 4,000 train / 1,000 test, Adam 1e-2, batch 100, 6,000 "
          f"steps, {seeds} seeds")  # fmt: skip
    print(f"{'model':>8} {'params':>7} {'mean acc.':>9} {'sd':>6} {'published':>9} {'s/seed':>7}")
    rows = []
    for model_name in PUBLISHED:
        model = make_model(model_name, 40, 10, hidden=100, layers=2)
        start = time.perf_counter()
        accuracies = [
            test_accuracy(
                model,
                train_centrally(model, data["x"], data["y"], 6000, 100, 1e-2, seed=seed),
                data["x_test"],
                data["y_test"],
            )
            for seed in range(seeds)
        ]
        seconds = (time.perf_counter() - start) / seeds
        mean, spread = float(np.mean(accuracies)), float(np.std(accuracies))
        rows.append(
            {"model": model_name, "params": model.n_params, "test_accuracy": mean,
             "test_accuracy_sd": spread, "per_seed": accuracies,
             "published": PUBLISHED[model_name], "seconds_per_seed": seconds}
        )  # fmt: skip
        print(
            f"{model_name:>8} {model.n_params:>7} {mean:>9.3f} {spread:>6.3f} "
            f"{PUBLISHED[model_name]:>9.2f} {seconds:>7.1f}",
            flush=True,
        )
    save_results(f"mnist1d-{name}.json", {"machine": name, "seeds": seeds, "rows": rows})


if __name__ == "__main__":
    main()

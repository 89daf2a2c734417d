"""MNIST-1D reference accuracies: each model trained centrally on the package's own 4,000 /
1,000 split (Adam at 10⁻², batches of 100, 6,000 steps), against the published numbers
(Greydanus & Kobak, ICML 2024, arXiv:2011.14439): logistic regression 32 %, MLP 68 %, CNN 94 %.

    python benchmarks/mnist1d_reference.py

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
    from learning import machine_name, save_results
    from mnist1d.data import get_dataset_args, make_dataset

    from sim.learning.centralized import test_accuracy, train_centrally
    from sim.learning.models import make_model

    data = make_dataset(get_dataset_args())
    name = machine_name()
    print(f"machine: {name}; MNIST-1D 4,000 train / 1,000 test, Adam 1e-2, batch 100, 6,000 steps")
    print(f"{'model':>8} {'params':>7} {'test acc.':>9} {'published':>9} {'seconds':>8}")
    rows = []
    for model_name in PUBLISHED:
        model = make_model(model_name, 40, 10, hidden=100, layers=2)
        start = time.perf_counter()
        theta = train_centrally(model, data["x"], data["y"], 6000, 100, 1e-2)
        seconds = time.perf_counter() - start
        accuracy = test_accuracy(model, theta, data["x_test"], data["y_test"])
        rows.append(
            {"model": model_name, "params": model.n_params, "test_accuracy": accuracy,
             "published": PUBLISHED[model_name], "seconds": seconds}
        )  # fmt: skip
        print(
            f"{model_name:>8} {model.n_params:>7} {accuracy:>9.3f} {PUBLISHED[model_name]:>9.2f} "
            f"{seconds:>8.1f}",
            flush=True,
        )
    save_results(f"mnist1d-{name}.json", {"machine": name, "rows": rows})


if __name__ == "__main__":
    main()

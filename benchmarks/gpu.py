"""The scale benchmarks on the first visible accelerator (or the CPU, by the same code path).

    make bench-gpu                       # python benchmarks/gpu.py --scale full
    python benchmarks/gpu.py --scale tiny  # seconds, on any machine (the test suite runs it)

Each row is one decentralized economy (learning on MNIST-1D, no baseline) of a given size and
model (the default MLP with the ``scale=n100k`` options, or the reference MLP 2 × 100),
stepped in this process: the first epoch (which compiles every JAX function) is timed apart
from the steady epochs after it, and peak resident memory is read at the end (a process's
peak: rows after a larger one report at least its peak).
Rows run in order and the next one is skipped when the time already spent plus the last row's
time would pass ``--budget`` seconds (10 minutes by default).  The machine, platform and device
(``jax.devices()[0]``) are recorded with the rows in $BENCH_RESULTS/gpu-<device>.json
(benchmarks/local/ by default; benchmarks/results/ with BENCH_RESULTS=benchmarks/results).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

RESULTS = Path(os.environ.get("BENCH_RESULTS", Path(__file__).resolve().parent / "local"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

# MNIST-1D's reference MLP, and the default MLP, with the options of the scale=n100k preset.
REFERENCE_MLP = ("learning.model=mlp", "learning.hidden=100", "learning.hidden_layers=2")
OPTIONS = ("learning.batch_size=32", "validation.sample_size=256")
SCALED = ("learning.model=mlp", *OPTIONS)

# (builders, validators, data providers, consumers, MNIST-1D samples, epochs, settings)
SCALES = {
    "tiny": [(20, 4, 20, 40, 1_000, 3, REFERENCE_MLP)],
    "full": [
        (1_000, 64, 200, 8_700, 20_000, 5, SCALED),
        (10_000, 256, 2_000, 87_730, 200_000, 5, SCALED),  # 10⁵ participants: scale=n100k
        (10_000, 256, 2_000, 87_730, 200_000, 3, (*REFERENCE_MLP, *OPTIONS)),
    ],
}


def economy(builders, validators, data, consumers, samples, epochs, settings=REFERENCE_MLP) -> dict:
    """Step one decentralized economy of this size in this process; ``samples`` is a number of
    MNIST-1D samples or the path of an .npz; ``settings`` are further overrides (the model,
    minibatches, sampled validation)."""
    import numpy as np

    import sim
    from sim.config import validate
    from sim.inputs import load_data
    from sim.model import EconomyModel, build_mechanisms

    cfg = sim.compose(
        [
            f"population.builders={builders}",
            f"population.validators={validators}",
            f"population.data_providers={data}",
            f"population.consumers={consumers}",
            "population.compute_providers=14",
            *(
                ["learning.dataset=npz", f"learning.data_path={samples}"]
                if isinstance(samples, str)
                else ["learning.dataset=mnist1d", f"learning.samples={samples}"]
            ),
            *settings,
            "baseline=null",
            "output.ledger=summary",
        ]
    )["decentralized"]
    typed = validate(cfg)
    started = time.perf_counter()
    splits = load_data(typed)
    data_s = time.perf_counter() - started
    folder = Path("/tmp") / f"deai-sim-gpu-bench-{builders}"
    model = EconomyModel(
        typed, build_mechanisms(cfg), splits, np.random.SeedSequence(0), folder / "ledger.jsonl"
    )
    import hashlib

    digest = hashlib.sha256()  # of every epoch's metrics: same seed, same numbers
    first = time.perf_counter()
    model.step()
    first = time.perf_counter() - first
    digest.update(repr(sorted(model.record.items())).encode())
    steady = time.perf_counter()
    for _ in range(epochs - 1):
        model.step()
        digest.update(repr(sorted(model.record.items())).encode())
    steady = (time.perf_counter() - steady) / max(epochs - 1, 1)
    model.finish()
    return {
        "builders": builders,
        "validators": validators,
        "data_providers": data,
        "participants": builders + validators + data + consumers + 14,
        "samples": samples,
        "epochs": epochs,
        "data_seconds": data_s,
        "first_epoch_seconds": first,
        "seconds_per_epoch": steady,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "final_test_accuracy": float(model.record["test_accuracy"]),
        "metrics_digest": digest.hexdigest()[:16],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="full")
    parser.add_argument("--budget", type=float, default=600.0, help="seconds for all rows")
    args = parser.parse_args(argv)
    import jax
    from learning import machine_name, save_results

    device = jax.devices()[0]
    name = machine_name()
    print(f"machine: {name}; device {device.platform}: {device.device_kind}", flush=True)
    print(f"{'builders':>9} {'validators':>10} {'data':>6} {'participants':>12} {'samples':>8} "
          f"{'1st epoch s':>11} {'s/epoch':>8} {'peak MB':>8}")  # fmt: skip
    rows, start, last = [], time.perf_counter(), 0.0
    for size in SCALES[args.scale]:
        if rows and time.perf_counter() - start + last > args.budget:
            print(f"skipped {size[0]:,} builders: it would pass the {args.budget:.0f} s budget")
            break
        began = time.perf_counter()
        row = economy(*size[:-1], settings=size[-1]) | {"settings": list(size[-1])}
        last = time.perf_counter() - began
        rows.append(row)
        print(
            f"{row['builders']:>9,} {row['validators']:>10} {row['data_providers']:>6,} "
            f"{row['participants']:>12,} {row['samples']:>8,} {row['first_epoch_seconds']:>11.1f} "
            f"{row['seconds_per_epoch']:>8.2f} {row['peak_rss_mb']:>8.0f}",
            flush=True,
        )
    result = {"machine": name, "platform": device.platform, "device": device.device_kind,
              "scale": args.scale, "rows": rows}  # fmt: skip
    save_results(f"gpu-{name}.json", result)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Training shards the builder axis across devices when several are visible (checked on two
simulated CPU devices in a fresh process) and gives the same models as on one device."""

import os
import subprocess
import sys

SCRIPT = """
import jax, numpy as np
from sim.learning.data import load_digits_splits
from sim.learning.engine import make_engine
splits = load_digits_splits(np.random.default_rng(0), 0.2, 0.15)
engine = make_engine(splits, np.random.default_rng(1), n_data_slots=8,
                     n_evaluators=2, alpha=0.5, licenses_per_builder=1, learning_rate=0.5,
                     max_local_steps=5)
from sim.learning.engine import shard_builders
(spread,) = shard_builders(jax.numpy.ones((8, 3)))
table = engine.shard_table
models = engine.train(table, np.full(8, 5))
print(len(spread.sharding.device_set), float(np.abs(models).sum()))
"""


def run(devices: int) -> tuple[int, float]:
    env = {
        **os.environ,
        "JAX_PLATFORMS": "cpu",
        "XLA_FLAGS": f"--xla_force_host_platform_device_count={devices}",
    }
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    count, total = done.stdout.split()
    return int(count), float(total)


def test_sharded_training_matches_one_device():
    one, two = run(1), run(2)
    assert one[0] == 1 and two[0] == 2  # the builder axis really spans both devices
    assert abs(one[1] - two[1]) <= 1e-4 * abs(one[1])

"""Behaviour fingerprints: six whole runs whose every number is kept, so that a redesign that
should change nothing can be shown to change nothing.

Each case is a default run (the decentralized scenario beside its centralized baseline, the
default population) with a few overrides, 8 epochs.  Its fingerprint is, per scenario, every
column of ``metrics.parquet``, every scorecard value and the number of ledger events by kind,
reason and visibility with the ledger's final hash.  ``python -m tests.fingerprints`` rewrites ``expected.json`` from the current code;
do that only in the commit of a deliberate behaviour change, and say why in its message.

Floats are kept bit for bit, but the last bits of float32 JAX results depend on the machine (its
vector instructions) and on the versions of the numerical libraries.  ``environment()`` is kept
beside the fingerprints: on the same environment every value and the ledger hash must match
exactly; on another, floats must match to a relative 10⁻⁶ (far above float32 rounding, far
below any change of behaviour) and counts exactly, and the hash, which no tolerance can read,
is not compared.
"""

from __future__ import annotations

import json
import math
import sys
from collections import Counter
from pathlib import Path

EXPECTED = Path(__file__).with_name("expected.json")

BASE = ["epochs=8", "output.figures=false", "output.progress=false"]

CASES = {
    "default": [],
    "yuma3_bittensor": ["consensus=yuma3", "incentive=bittensor"],
    "gossip_free_riders": ["aggregation=gossip", "adversaries.free_riders=0.25"],
    "bft_double_auction_bond_quadratic": [
        "consensus=bft",
        "market=double_auction",
        "access=stake_bond",
        "governance=quadratic",
    ],
    "numerai_coordinator_outage": [
        "incentive=numerai",
        "faults.coordinator_outage_start=2",
        "faults.coordinator_outage_length=3",
    ],
    "multi_krum_sign_flippers": ["aggregation=multi_krum", "adversaries.sign_flippers=0.25"],
}


def environment() -> dict:
    """What decides the last bits of a float: CPU vector extensions and library versions."""
    import platform
    from importlib.metadata import version

    flags: set[str] = set()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("flags"):
                flags = {
                    f for f in line.split(":")[1].split() if f.startswith(("avx", "fma", "amx"))
                }
                break
    packages = ("numpy", "jax", "jaxlib", "scipy")
    return {
        "machine": platform.machine(),
        "vector_extensions": sorted(flags),
        **{name: version(name) for name in packages},
    }


def ledger_events(path: Path) -> dict:
    """Events of one ledger file counted by ``kind/reason/visibility``, and the hash that ends
    its chain (it covers every account, amount and detail of every event)."""
    counts: Counter[str] = Counter()
    last = {}
    with open(path) as lines:
        for line in lines:
            last = json.loads(line)
            visibility = "public" if last["public"] else "private"
            counts[f"{last['kind']}/{last['reason']}/{visibility}"] += 1
    return {"counts": dict(sorted(counts.items())), "final_hash": last.get("hash")}


def _plain(value):
    """JSON-safe and exact: floats keep every bit (repr round-trips); NaN becomes "nan"."""
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    return value


def fingerprint(overrides: list[str], run_dir: Path) -> dict:
    """Run one case into ``run_dir`` and return its fingerprint."""
    import pandas as pd

    from sim import compose
    from sim.run import run_scenarios

    summary = run_scenarios(compose([*BASE, *overrides]), run_dir, progress=False)
    table = pd.read_parquet(run_dir / "metrics.parquet")
    result = {}
    for name in summary["scenarios"]:
        rows = table[table["scenario"] == name].drop(columns="scenario")
        result[name] = {
            "metrics": {
                column: [_plain(float(v)) for v in rows[column].to_numpy()]
                for column in rows.columns
            },
            "scorecard": {m["name"]: _plain(m["value"]) for m in summary["scorecard"][name]},
            "ledger_events": ledger_events(run_dir / "ledger" / f"{name}.jsonl"),
        }
    return result


def main() -> int:
    import tempfile

    from sim.config import register_schema

    register_schema()
    expected = {}
    for case, overrides in CASES.items():
        with tempfile.TemporaryDirectory() as folder:
            expected[case] = fingerprint(overrides, Path(folder))
        print(case, "done", file=sys.stderr)
    expected["_environment"] = environment()
    EXPECTED.write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n")
    print(f"wrote {EXPECTED}")
    return 0

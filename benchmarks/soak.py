"""Soak: the default economy, governance on, stepped for thousands of epochs with every token
checked on the way.

Each scenario of the default run (the decentralized network with token voting, its centralized
baseline with the owner deciding) is stepped ``--epochs`` times.  After every epoch the ledger
must conserve tokens (supply = minted − burned, no balance negative or past the int64 range);
at the end the ledger file is replayed from its hash chain (sim.ledger.verify_ledger).  Every
``--report`` epochs a row shows who is still active, the governed parameters, the supply and the
rewards the treasury could not pay.

    python benchmarks/soak.py                       # 5,000 epochs, both scenarios
    python benchmarks/soak.py --epochs 500 population.consumers=20

Results are printed and written to $BENCH_RESULTS/soak-<machine>.json (benchmarks/local/ by
default; benchmarks/results/ with BENCH_RESULTS=benchmarks/results).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from learning import machine_name, save_results  # noqa: E402

from sim.composition import compose  # noqa: E402
from sim.ledger import verify_ledger  # noqa: E402
from sim.model import EconomyModel  # noqa: E402
from sim.population import ROLE_ORDER  # noqa: E402
from sim.units import MAX_UNITS, UNITS_PER_TOKEN  # noqa: E402


def conserved(model: EconomyModel) -> str | None:
    """What is wrong with the ledger's books after an epoch, or None."""
    ledger = model.ledger
    if ledger.supply != ledger.minted - ledger.burned:
        return f"supply {ledger.supply} ≠ minted {ledger.minted} − burned {ledger.burned}"
    if np.any(ledger.balances < 0):
        return f"account {int(np.argmin(ledger.balances))} is negative"
    if ledger.supply > MAX_UNITS:
        return f"supply {ledger.supply} is past the int64 range"
    return None


def soak(name: str, cfg, epochs: int, report: int, folder: Path) -> dict:
    model = EconomyModel.from_config(cfg, ledger_path=folder / f"{name}.jsonl")
    rows, problems, nan_columns = [], [], set()
    shortfall = 0.0
    started = time.perf_counter()
    for epoch in range(epochs):
        model.step()
        problem = conserved(model)
        if problem:
            problems.append(f"epoch {epoch}: {problem}")
            break
        shortfall += model.record["reward_shortfall"]
        nan_columns |= {k for k, v in model.record.items() if isinstance(v, float) and np.isnan(v)}
        if (epoch + 1) % report == 0 or epoch == epochs - 1:
            p = model.population
            row = {
                "epoch": epoch + 1,
                "seconds": round(time.perf_counter() - started, 1),
                "test_accuracy": round(float(model.record["test_accuracy"]), 3),
                "supply_tokens": round(model.ledger.supply / UNITS_PER_TOKEN, 1),
                "shortfall_tokens": round(shortfall, 3),
                **{k: round(v, 4) for k, v in model.world.state.governed.items()},
                **{
                    f"active_{r.name.lower()}": int((p.active & (p.role == r)).sum())
                    for r in ROLE_ORDER
                },
            }
            rows.append(row)
            print(name, row, flush=True)
    model.finish()
    verification = verify_ledger(folder / f"{name}.jsonl")
    return {
        "epochs_run": int(model.world.epoch),
        "seconds": round(time.perf_counter() - started, 1),
        "conservation_problems": problems,
        "ledger_verified": verification.ok,
        "ledger_problems": verification.problems[:5],
        "columns_ever_nan": sorted(nan_columns),
        "rows": rows,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5000)
    parser.add_argument("--report", type=int, default=500, help="epochs between printed rows")
    parser.add_argument("overrides", nargs="*", help="Hydra overrides, as deai-sim takes them")
    args = parser.parse_args(argv)
    configs = compose([*args.overrides, f"epochs={args.epochs}", "output.figures=false"])
    result = {"epochs": args.epochs, "overrides": args.overrides, "machine": machine_name()}
    with tempfile.TemporaryDirectory(prefix="deai-sim-soak-") as folder:
        for name, cfg in configs.items():
            result[name] = soak(name, cfg, args.epochs, args.report, Path(folder))
    failed = [
        name
        for name in configs
        if result[name]["conservation_problems"] or not result[name]["ledger_verified"]
    ]
    save_results(f"soak-{result['machine']}.json", result)
    for name in configs:
        r = result[name]
        print(
            f"{name}: {r['epochs_run']} epochs in {r['seconds']} s, ledger verified: "
            f"{r['ledger_verified']}, conservation problems: {len(r['conservation_problems'])}"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

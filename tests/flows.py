"""Token flows of a finished run, checked epoch by epoch against what the economy's rules say
should have moved (not against the ledger's own totals, which agree with themselves by
construction)."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pandas as pd

from sim.population import BONDS, TREASURY
from sim.units import to_units

# New supply comes from endowments and emission only; burns from registration, slashing and
# stake at risk.
MINTS = ("genesis", "emission")
BURNS = ("registration", "slashing", "stake at risk")


def ledger_entries(path: Path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text().splitlines()]


def flow_problems(run_dir: Path, scenario: str) -> list[str]:
    """Every way the run's ledger departs from its rules, as sentences (empty: none).

    - fees: each consumer pays exactly the price in force (the configured price, then each
      passed governance vote's), and as many pay as the epoch recorded buyers;
    - emission: what was minted as emission each epoch is what the incentive mechanism reported
      minting (``emission_minted``), into the treasury alone;
    - genesis: after the first epoch, endowments go only to accounts joining in that epoch, once;
    - bonds: per account, what is slashed never exceeds what it has locked, and what is returned
      on exit is exactly what it locked less what was slashed.
    """
    run_dir = Path(run_dir)
    summary = json.loads((run_dir / "summary.json").read_text())
    config = summary["config"][scenario]
    metrics = pd.read_parquet(run_dir / "metrics.parquet")
    record = metrics[metrics["scenario"] == scenario].set_index("epoch")
    entries = ledger_entries(run_dir / "ledger" / f"{scenario}.jsonl")
    problems = []
    price = config["economy"]["consumer_price"]
    by_epoch = defaultdict(list)
    for entry in entries:
        by_epoch[entry["epoch"]].append(entry)
    endowed: set[int] = set()
    for epoch in sorted(by_epoch):
        fees, emission, next_price = [], 0, price
        for entry in by_epoch[epoch]:
            kind, reason = entry["kind"], entry["reason"]
            if kind == "mint" and reason not in MINTS:
                problems.append(f"epoch {epoch}: a {kind} for {reason!r}, which no rule makes")
            if kind == "transfer" and reason == "access fee":
                fees += entry["amount"]
                if set(entry["dst"]) - {TREASURY}:
                    problems.append(f"epoch {epoch}: access fees paid to someone but the treasury")
            elif kind == "burn" and reason not in BURNS:
                problems.append(f"epoch {epoch}: a burn for {reason!r}, which no rule makes")
            elif kind == "mint" and reason == "emission":
                emission += sum(entry["amount"])
                if set(entry["dst"]) != {TREASURY}:
                    problems.append(f"epoch {epoch}: emission minted outside the treasury")
            elif kind == "mint" and reason == "genesis":
                again = endowed & set(entry["dst"])
                if again:
                    problems.append(f"epoch {epoch}: accounts {sorted(again)} endowed twice")
                endowed |= set(entry["dst"])
                if epoch > 0 and not entry["detail"].get("newcomers"):
                    problems.append(f"epoch {epoch}: an endowment minted to no newcomer")
            elif kind == "decision" and reason == "governance":
                detail = entry["detail"]
                if detail["passed"] and detail["parameter"] == "consumer_price":
                    next_price = detail["proposed"]
        if epoch in record.index:
            if any(amount != to_units(price) for amount in fees):
                problems.append(
                    f"epoch {epoch}: a consumer paid other than the price in force {price}"
                )
            if len(fees) != record.loc[epoch, "buyers"]:
                problems.append(
                    f"epoch {epoch}: {len(fees)} fees for {record.loc[epoch, 'buyers']:.0f} buyers"
                )
            reported = to_units(record.loc[epoch, "emission_minted"])
            if abs(emission - reported) > 1:  # the record holds tokens as floats
                problems.append(
                    f"epoch {epoch}: {emission} units minted as emission, the incentive "
                    f"reported {reported}"
                )
        price = next_price
    return problems + bond_problems(entries)


def bond_problems(entries: list[dict]) -> list[str]:
    """Per account, bonds locked = bonds slashed + bonds returned (+ what is still locked): no
    slash beyond what an account has locked, and a return on exit of exactly the rest."""
    problems = []
    locked: dict[int, int] = defaultdict(int)
    for entry in entries:
        kind, reason, epoch = entry["kind"], entry["reason"], entry["epoch"]
        if kind == "transfer" and reason == "bond":
            for src, dst, amount in zip(entry["src"], entry["dst"], entry["amount"], strict=True):
                if dst != BONDS:
                    problems.append(f"epoch {epoch}: a bond paid to {dst}, not the bonds")
                locked[src] += amount
        elif kind == "burn" and reason == "slashing":
            offenders = entry["detail"]["offenders"]
            for offender, amount in zip(offenders, entry["amount"], strict=True):
                if amount > locked[offender]:
                    problems.append(
                        f"epoch {epoch}: {amount} slashed from {offender}, "
                        f"which had {locked[offender]} locked"
                    )
                locked[offender] -= amount
        elif kind == "transfer" and reason == "bond returned":
            for dst, amount in zip(entry["dst"], entry["amount"], strict=True):
                if amount != locked[dst]:
                    problems.append(
                        f"epoch {epoch}: {amount} of a bond returned to {dst}, which had "
                        f"{locked[dst]} locked after slashing"
                    )
                locked[dst] = 0
    return problems

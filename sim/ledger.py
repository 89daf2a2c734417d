"""Append-only, hash-chained ledger of every token movement and decision.

Amounts are integers in micro-tokens (1 token = 10⁶ units) so that conservation is exact.  Each line
of the JSON-lines file is one entry::

    {"seq", "epoch", "kind", "reason", "src", "dst", "amount", "public", "detail", "prev", "hash"}

``kind`` is one of ``open`` (header: scenario, accounts), ``mint`` (new supply: ``genesis``
endowments brought from outside the economy and protocol ``emission``), ``burn`` (supply destroyed:
registration burns), ``transfer`` (``src`` → ``dst``), ``decision`` (an accept/reject or governance
outcome, no tokens) and ``close`` (final balances).  A token entry carries parallel lists, so a
phase that pays a thousand accounts is one entry.  ``hash = sha256(prev ‖ canonical JSON of the
entry without its hash)``: editing, inserting or deleting any line breaks every later link.

Verification (``deai-sim-verify RUN_DIR`` or ``python -m sim.ledger verify RUN_DIR``) recomputes the
chain, replays every token entry into balances, and checks that no balance went negative, that the
supply equals mints minus burns, and that the replayed balances equal the closing ones.  RUN_DIR
may hold several runs (a comparison table's seed folders, a sweep): every ledger below it is
checked.

A ledger written with ``detail="summary"`` (``output.ledger=summary``, for very large runs) keeps
the chain, the header, one ``epoch`` entry per epoch with the units minted, burned and transferred
per reason and the supply after the epoch, and the closing balances; its verification checks the
chain, that every epoch's supply is the previous one plus its mints minus its burns, and that the
closing balances are non-negative and add up to the supply.  Individual movements are not kept, so
they cannot be replayed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sim.units import (  # noqa: F401 (re-exported)
    MAX_TOKENS,
    MAX_UNITS,
    UNITS_PER_TOKEN,
    TokenOverflow,
    split_units,
    to_units,
    tokens_to_units,
)

GENESIS_HASH = "0" * 64
TOKEN_KINDS = ("mint", "burn", "transfer")
DETAIL_LEVELS = ("full", "summary")


RECENT_ENTRIES = 40


def _digest(prev: str, body: dict) -> str:
    payload = json.dumps(body, sort_keys=True, separators=(",", ":"), default=_plain)
    return hashlib.sha256((prev + payload).encode()).hexdigest()


def _plain(value):
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot write {type(value).__name__} to the ledger")


class Ledger:
    """Writes entries and keeps the balances they imply.

    ``balances`` is indexed by account number (the model's agent slot); it is the single place where
    token amounts change, so the model's wallets are views of it.
    """

    def __init__(self, path: Path, n_accounts: int, header: dict, detail: str = "full"):
        if detail not in DETAIL_LEVELS:
            raise ValueError(f"detail must be one of: {', '.join(DETAIL_LEVELS)}; got {detail!r}")
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = self.path.open("w", encoding="utf-8")
        self.balances = np.zeros(n_accounts, dtype=np.int64)
        self.minted = 0
        self.burned = 0
        self.burned_this_epoch: dict[str, int] = {}  # reason -> units burned in this epoch
        self._epoch = 0
        self._seq = 0
        self._prev = GENESIS_HASH
        self.summary = detail == "summary"
        self._pending: dict[str, dict[str, int]] = _empty_tally()
        self.counts: dict[str, dict[bool, int]] = {}  # reason -> {public?: entries}
        # The last entries in brief (epoch, kind, reason, movements, units, public), for views.
        self.recent: deque = deque(maxlen=RECENT_ENTRIES)
        self._append("open", "header", [], [], [], public=True, detail={**header, "ledger": detail})

    @property
    def epoch(self) -> int:
        return self._epoch

    @epoch.setter
    def epoch(self, value: int) -> None:
        if value != self._epoch:
            self._flush_epoch()
            self.burned_this_epoch = {}
        self._epoch = value

    # -- token movements -------------------------------------------------------------------
    def mint(self, dst: Iterable[int], amount: Iterable[int], reason: str, public=True, **detail):
        dst, amount = self._flows(dst, amount)
        supply = self.supply + int(amount.sum())
        if supply > MAX_UNITS:
            raise TokenOverflow(
                f"{reason}: the token supply would reach {supply / UNITS_PER_TOKEN:.3g} tokens, "
                f"past the {MAX_TOKENS:.3g} tokens that whole micro-token units hold in int64"
            )
        np.add.at(self.balances, dst, amount)
        self.minted += int(amount.sum())
        self._append("mint", reason, [], dst, amount, public, detail)

    def burn(self, src: Iterable[int], amount: Iterable[int], reason: str, public=True, **detail):
        src, amount = self._flows(src, amount)
        self._debit(src, amount, reason)
        self.burned += int(amount.sum())
        self.burned_this_epoch[reason] = self.burned_this_epoch.get(reason, 0) + int(amount.sum())
        self._append("burn", reason, src, [], amount, public, detail)

    def transfer(
        self,
        src: Iterable[int],
        dst: Iterable[int],
        amount: Iterable[int],
        reason: str,
        public=True,
        **detail,
    ):
        """Move ``amount[k]`` from ``src[k]`` to ``dst[k]``; a single src or dst is broadcast."""
        src, dst, amount = self._flows(src, dst, amount)
        self._debit(src, amount, reason)
        np.add.at(self.balances, dst, amount)
        self._append("transfer", reason, src, dst, amount, public, detail)

    def decision(self, reason: str, public=True, **detail):
        self._append("decision", reason, [], [], [], public, detail)

    def close(self) -> None:
        self._flush_epoch()
        live = np.flatnonzero(self.balances)
        self._append(
            "close",
            "final balances",
            [],
            live,
            self.balances[live],
            True,
            {"supply": int(self.balances.sum()), "minted": self.minted, "burned": self.burned},
        )
        self._file.close()

    @property
    def supply(self) -> int:
        return int(self.balances.sum())

    # -- internals ---------------------------------------------------------------------------
    @staticmethod
    def _flows(*columns):
        """Broadcast account and amount columns to one length; drop zero amounts."""
        arrays = [np.asarray(c, dtype=np.int64).reshape(-1) for c in columns]
        n = 0 if any(a.size == 0 for a in arrays) else max(a.size for a in arrays)
        if any(a.size not in (1, n) for a in arrays):
            raise ValueError("ledger columns differ in length")
        arrays = [np.repeat(a, n) if a.size == 1 and n != 1 else a for a in arrays]
        if np.any(arrays[-1] < 0):
            raise ValueError("ledger amounts must be non-negative")
        keep = arrays[-1] > 0
        return [a[keep] for a in arrays]

    def _debit(self, src, amount, reason):
        after = self.balances.copy()
        np.subtract.at(after, src, amount)
        if np.any(after < 0):
            short = int(np.flatnonzero(after < 0)[0])
            raise ValueError(f"{reason}: account {short} would go negative")
        self.balances = after

    def _flush_epoch(self) -> None:
        """In summary mode, write the epoch's totals as one entry (nothing if nothing moved)."""
        if not self.summary or not any(self._pending.values()):
            return
        totals, self._pending = self._pending, _empty_tally()
        self._write("epoch", "totals", [], [], [], True, {**totals, "supply": self.supply})

    def _append(self, kind, reason, src, dst, amount, public, detail):
        if kind in TOKEN_KINDS and len(amount) == 0:
            return
        tally = self.counts.setdefault(reason, {True: 0, False: 0})
        tally[bool(public)] += 1
        movements = max(len(src), len(dst))
        self.recent.append((self.epoch, kind, reason, movements, int(np.sum(amount)), public))
        if self.summary and kind in (*TOKEN_KINDS, "decision"):
            moved = self._pending[kind]
            moved[reason] = moved.get(reason, 0) + (
                1 if kind == "decision" else int(np.sum(amount))
            )
            return
        self._write(kind, reason, src, dst, amount, public, detail)

    def _write(self, kind, reason, src, dst, amount, public, detail):
        body = {
            "seq": self._seq,
            "epoch": self.epoch,
            "kind": kind,
            "reason": reason,
            "src": list(src),
            "dst": list(dst),
            "amount": list(amount),
            "public": bool(public),
            "detail": detail,
            "prev": self._prev,
        }
        digest = _digest(self._prev, body)
        self._file.write(json.dumps({**body, "hash": digest}, default=_plain) + "\n")
        self._prev = digest
        self._seq += 1


def _empty_tally() -> dict[str, dict[str, int]]:
    """Units moved per kind and reason in one epoch (decisions count entries, not units)."""
    return {kind: {} for kind in (*TOKEN_KINDS, "decision")}


@dataclass
class Verification:
    path: Path
    entries: int = 0
    problems: list[str] = field(default_factory=list)
    supply: int = 0
    minted: int = 0
    burned: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class _Replay:
    """Balances and supply rebuilt entry by entry while a ledger is verified."""

    result: Verification
    balances: dict[int, int] = field(default_factory=dict)
    supply: int = 0  # running supply in a summary ledger
    summary: bool = False
    closed: dict[int, int] | None = None

    def apply(self, number: int, entry: dict) -> None:
        kind, result = entry["kind"], self.result
        amounts = [int(a) for a in entry["amount"]]
        if kind == "open":
            self.summary = entry["detail"].get("ledger") == "summary"
        elif kind == "epoch":
            self.apply_epoch(number, entry)
        elif kind == "mint":
            result.minted += sum(amounts)
            for dst, a in zip(entry["dst"], amounts, strict=True):
                self.balances[dst] = self.balances.get(dst, 0) + a
        elif kind in ("burn", "transfer"):
            if kind == "burn":
                result.burned += sum(amounts)
            for i, (src, a) in enumerate(zip(entry["src"], amounts, strict=True)):
                self.balances[src] = self.balances.get(src, 0) - a
                if kind == "transfer":
                    dst = entry["dst"][i]
                    self.balances[dst] = self.balances.get(dst, 0) + a
            if any(self.balances.get(s, 0) < 0 for s in entry["src"]):
                result.problems.append(f"line {number}: a balance goes negative")
        elif kind == "close":
            self.closed = dict(zip(entry["dst"], (int(a) for a in entry["amount"]), strict=True))

    def apply_epoch(self, number: int, entry: dict) -> None:
        """A summary ledger's epoch entry: its supply must follow from its mints and burns."""
        minted = sum(entry["detail"]["mint"].values())
        burned = sum(entry["detail"]["burn"].values())
        self.result.minted += minted
        self.result.burned += burned
        self.supply += minted - burned
        if entry["detail"]["supply"] != self.supply:
            self.result.problems.append(
                f"line {number}: epoch {entry['epoch']} supply {entry['detail']['supply']} is "
                f"not the previous supply plus mints minus burns ({self.supply})"
            )

    def conclude(self) -> Verification:
        result, balances, closed = self.result, self.balances, self.closed
        if self.summary and closed is not None:
            balances = dict(closed)  # movements are not kept: the closing balances are the replay
            if any(b < 0 for b in closed.values()):
                result.problems.append("a closing balance is negative")
        result.supply = sum(balances.values())
        if result.problems:
            return result
        if result.supply != result.minted - result.burned:
            result.problems.append(
                f"supply {result.supply} differs from minted − burned "
                f"{result.minted - result.burned}"
            )
        if closed is None:
            result.problems.append("ledger has no closing entry (run did not finish)")
        elif {a: b for a, b in balances.items() if b} != closed:
            result.problems.append("replayed balances differ from the closing balances")
        return result


def verify_ledger(path: Path) -> Verification:
    """Recompute the hash chain and replay balances; collect every problem found."""
    replay = _Replay(Verification(Path(path)))
    prev = GENESIS_HASH
    with Path(path).open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            try:
                entry = json.loads(line)
                claimed = entry.pop("hash")
            except (json.JSONDecodeError, KeyError):
                replay.result.problems.append(f"line {number}: not a ledger entry")
                break
            if entry.get("prev") != prev or _digest(prev, entry) != claimed:
                replay.result.problems.append(
                    f"line {number}: hash chain broken (entry edited or moved)"
                )
                break
            prev = claimed
            replay.result.entries += 1
            replay.apply(number, entry)
    return replay.conclude()


def verify_run(run_dir: Path) -> list[Verification]:
    """Verify every ledger below a folder (``**/ledger/*.jsonl``): one run, the seed folders of
    a comparison table, or a whole sweep."""
    paths = sorted(Path(run_dir).glob("**/ledger/*.jsonl"))
    if not paths:
        raise FileNotFoundError(f"no ledger/*.jsonl under {run_dir}")
    return [verify_ledger(p) for p in paths]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="deai-sim-verify", description="Recompute a run's ledger chain and token supply."
    )
    if argv is None:
        argv = sys.argv[1:]
    if argv and argv[0] == "verify":
        argv = argv[1:]
    parser.add_argument("run_dir", type=Path, help="run directory holding ledger/*.jsonl")
    args = parser.parse_args(argv)
    try:
        results = verify_run(args.run_dir)
    except FileNotFoundError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for r in results:
        status = "OK" if r.ok else "FAILED"
        print(
            f"{status} {r.path.relative_to(args.run_dir)}: {r.entries} entries, supply {r.supply / UNITS_PER_TOKEN:,.6f}"
            f" = minted {r.minted / UNITS_PER_TOKEN:,.6f} − burned {r.burned / UNITS_PER_TOKEN:,.6f}"
        )
        for problem in r.problems:
            print(f"  {problem}")
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())

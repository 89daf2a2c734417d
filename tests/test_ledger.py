"""The ledger: exact splits, conservation, verification and tamper detection."""

import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.ledger import Ledger, main, split_units, verify_ledger


@given(
    st.integers(0, 10**12),
    st.lists(st.floats(0, 1e6, allow_nan=False), min_size=1, max_size=40),
)
def test_split_units_is_exact_and_proportional(total, shares):
    parts = split_units(total, np.array(shares))
    if sum(shares) == 0:
        assert parts.sum() == 0
        return
    assert parts.sum() == total
    assert np.all(parts >= 0)
    exact = np.array(shares) / np.sum(shares) * total
    assert np.all(np.abs(parts - exact) < 1 + 1e-6 * total)


def _small_ledger(path):
    ledger = Ledger(path, 4, header={"scenario": "test"})
    ledger.mint([0, 1], [1000, 500], "genesis")
    ledger.transfer([1], [2, 3], [100, 50], "reward")
    ledger.burn([0], [300], "registration")
    ledger.decision("consensus", accepted=[2])
    ledger.close()
    return ledger


def test_balances_and_supply(tmp_path):
    ledger = _small_ledger(tmp_path / "l.jsonl")
    assert ledger.balances.tolist() == [700, 350, 100, 50]
    assert ledger.supply == 1500 - 300
    result = verify_ledger(tmp_path / "l.jsonl")
    assert result.ok, result.problems
    assert (result.minted, result.burned, result.supply) == (1500, 300, 1200)


def test_overdraft_refused(tmp_path):
    ledger = Ledger(tmp_path / "l.jsonl", 2, header={})
    ledger.mint([0], [10], "genesis")
    with pytest.raises(ValueError, match="negative"):
        ledger.transfer([0], [1], [11], "reward")
    assert ledger.balances.tolist() == [10, 0]


@pytest.mark.parametrize(
    "edit",
    [
        lambda e: e.update(amount=[e["amount"][0] + 1, *e["amount"][1:]]),  # inflate a payment
        lambda e: e.update(dst=[3, 2]),  # redirect it
        lambda e: e.update(reason="wage"),  # relabel it
    ],
)
def test_editing_one_line_breaks_verification(tmp_path, edit):
    path = tmp_path / "l.jsonl"
    _small_ledger(path)
    lines = path.read_text().splitlines()
    entry = json.loads(lines[2])
    assert entry["kind"] == "transfer"
    edit(entry)
    lines[2] = json.dumps(entry)
    path.write_text("\n".join(lines) + "\n")
    result = verify_ledger(path)
    assert not result.ok
    assert "line 3" in result.problems[0]


def test_verify_command_marks_a_tampered_ledger_failed(tmp_path, capsys):
    path = tmp_path / "ledger" / "x.jsonl"
    _small_ledger(path)
    assert main([str(tmp_path)]) == 0
    assert capsys.readouterr().out == (
        "OK ledger/x.jsonl: 6 entries, supply 0.001200 = minted 0.001500 − burned 0.000300\n"
    )
    lines = path.read_text().splitlines()
    entry = json.loads(lines[2])
    entry["amount"] = [a + 1 for a in entry["amount"]]
    lines[2] = json.dumps(entry)
    path.write_text("\n".join(lines) + "\n")
    assert main([str(tmp_path)]) == 1
    assert capsys.readouterr().out == (
        "FAILED ledger/x.jsonl: 2 entries, supply 0.001500 = minted 0.001500 − burned 0.000000\n"
        "  line 3: hash chain broken (entry edited or moved)\n"
    )


def test_verify_command_reads_its_arguments_and_explains_itself(tmp_path, capsys, monkeypatch):
    _small_ledger(tmp_path / "ledger" / "x.jsonl")
    monkeypatch.setattr("sys.argv", ["python -m sim.ledger", "--help"])  # its name is its own
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    help_text = capsys.readouterr().out
    assert help_text.startswith("usage: deai-sim-verify [-h] run_dir")
    assert "Recompute a run's ledger chain and token supply." in help_text
    assert "run directory holding ledger/*.jsonl" in help_text
    monkeypatch.setattr("sys.argv", ["deai-sim-verify", str(tmp_path)])
    assert main() == 0
    assert capsys.readouterr().out.startswith("OK ledger/x.jsonl")
    assert main([str(tmp_path / "missing")]) == 2
    assert capsys.readouterr() == ("", f"error: no ledger/*.jsonl under {tmp_path / 'missing'}\n")


def test_deleting_a_line_breaks_verification(tmp_path):
    path = tmp_path / "l.jsonl"
    _small_ledger(path)
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines[:2] + lines[3:]) + "\n")
    assert not verify_ledger(path).ok


def test_truncated_ledger_reported(tmp_path):
    path = tmp_path / "l.jsonl"
    _small_ledger(path)
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines[:-1]) + "\n")
    result = verify_ledger(path)
    assert any("closing" in p for p in result.problems)


def test_verify_command(tmp_path, capsys):
    _small_ledger(tmp_path / "ledger" / "x.jsonl")
    assert main(["verify", str(tmp_path)]) == 0
    assert capsys.readouterr().out.startswith("OK ledger/x.jsonl")
    assert main([str(tmp_path / "missing")]) == 2


def _summary_ledger(path):
    ledger = Ledger(path, 4, header={"scenario": "test"}, detail="summary")
    ledger.mint([0, 1], [1000, 500], "genesis")
    ledger.transfer([1], [2, 3], [100, 50], "reward")
    ledger.epoch = 1
    ledger.burn([0], [300], "registration")
    ledger.decision("consensus", accepted=[2])
    ledger.decision("consensus", accepted=[3])
    ledger.close()
    return ledger


def test_a_summary_ledger_keeps_epoch_totals_and_verifies(tmp_path):
    path = tmp_path / "l.jsonl"
    ledger = _summary_ledger(path)
    assert ledger.balances.tolist() == [700, 350, 100, 50]
    entries = [json.loads(line) for line in path.read_text().splitlines()]
    assert [e["kind"] for e in entries] == ["open", "epoch", "epoch", "close"]
    first, second = entries[1]["detail"], entries[2]["detail"]
    assert first["mint"] == {"genesis": 1500} and first["transfer"] == {"reward": 150}
    assert first["supply"] == 1500
    assert second["burn"] == {"registration": 300} and second["decision"] == {"consensus": 2}
    assert second["supply"] == 1200
    assert ledger.counts["consensus"] == {True: 2, False: 0}  # the scorecard still sees events
    result = verify_ledger(path)
    assert result.ok, result.problems
    assert (result.minted, result.burned, result.supply) == (1500, 300, 1200)


def test_a_summary_ledger_whose_totals_disagree_fails(tmp_path):
    path = tmp_path / "l.jsonl"
    _summary_ledger(path)
    lines = path.read_text().splitlines()
    # Re-chain a forged ledger whose second epoch burns less than its supply implies.
    from sim.ledger import GENESIS_HASH, _digest

    prev, forged = GENESIS_HASH, []
    for line in lines:
        entry = json.loads(line)
        entry.pop("hash")
        if entry["kind"] == "epoch" and entry["epoch"] == 1:
            entry["detail"]["burn"] = {"registration": 200}
        entry["prev"] = prev
        prev = _digest(prev, entry)
        forged.append(json.dumps({**entry, "hash": prev}))
    path.write_text("\n".join(forged) + "\n")
    problems = verify_ledger(path).problems
    assert any("previous supply plus mints minus burns" in p for p in problems), problems


def test_verify_checks_every_ledger_below_a_folder(tmp_path, capsys):
    for seed in ("seed-0", "seed-1"):
        _small_ledger(tmp_path / seed / "ledger" / "decentralized.jsonl")
    assert main([str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "OK seed-0/ledger/decentralized.jsonl" in out
    assert "OK seed-1/ledger/decentralized.jsonl" in out
    broken = tmp_path / "seed-1" / "ledger" / "decentralized.jsonl"
    broken.write_text(broken.read_text().replace('"reward"', '"wage"', 1))
    assert main([str(tmp_path)]) == 1


def test_a_run_with_summary_ledgers_verifies_and_scores_the_same(compose, tmp_path):
    from sim.ledger import verify_run
    from sim.run import run_scenarios

    full = run_scenarios(compose(), tmp_path / "full", progress=False)
    brief = run_scenarios(compose("output.ledger=summary"), tmp_path / "brief", progress=False)
    assert all(r.ok for r in verify_run(tmp_path / "brief"))
    for scenario in full["scenarios"]:
        size = (tmp_path / "brief" / "ledger" / f"{scenario}.jsonl").stat().st_size
        assert size < (tmp_path / "full" / "ledger" / f"{scenario}.jsonl").stat().st_size / 2
    # The ledger's detail changes no number (compared as text: NaN != NaN as floats).
    assert json.dumps(brief["scorecard"]) == json.dumps(full["scorecard"])


def _chained(path, entries):
    """Write ``(kind, reason, src, dst, amount, detail)`` entries as a correctly hashed ledger."""
    from sim.ledger import GENESIS_HASH, _digest

    prev, lines = GENESIS_HASH, []
    for seq, (kind, reason, src, dst, amount, detail) in enumerate(entries):
        body = {
            "seq": seq,
            "epoch": 0,
            "kind": kind,
            "reason": reason,
            "src": src,
            "dst": dst,
            "amount": amount,
            "public": True,
            "detail": detail,
            "prev": prev,
        }
        prev = _digest(prev, body)
        lines.append(json.dumps({**body, "hash": prev}))
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_forged_but_hash_consistent_ledger_with_a_negative_balance_fails(tmp_path):
    # A chain whose every hash is right, in which account 1 pays out more than it ever held.
    entries = [
        ("open", "header", [], [], [], {}),
        ("mint", "genesis", [], [0, 1], [1000, 10], {}),
        ("transfer", "reward", [1], [2], [50], {}),
        ("transfer", "reward", [0], [1], [40], {}),  # back to 0 by the end
        ("close", "final balances", [], [0, 2], [960, 50], {"supply": 1010}),
    ]
    path = _chained(tmp_path / "forged.jsonl", entries)
    problems = verify_ledger(path).problems
    assert problems == ["line 3: a balance goes negative"]


def test_closing_balances_that_differ_from_the_replay_fail(tmp_path):
    entries = [
        ("open", "header", [], [], [], {}),
        ("mint", "genesis", [], [0, 1], [100, 100], {}),
        # The close claims 150 / 50 although nothing moved: the supply still adds up.
        ("close", "final balances", [], [0, 1], [150, 50], {"supply": 200}),
    ]
    path = _chained(tmp_path / "forged.jsonl", entries)
    assert verify_ledger(path).problems == ["replayed balances differ from the closing balances"]


def test_split_units_gives_the_leftover_units_by_largest_remainder():
    # 10 units at 61 % / 39 %: 6.1 and 3.9 round down to 6 and 3; the unit left goes to the
    # larger remainder (0.9), not to the larger share.
    assert split_units(10, np.array([0.61, 0.39])).tolist() == [6, 4]


def test_tokens_become_whole_units_by_rounding_down():
    from sim.ledger import tokens_to_units

    assert tokens_to_units([0.0000007, 1.5, 0.3]).tolist() == [0, 1_500_000, 300_000]


def test_the_closing_entry_states_supply_minted_and_burned(tmp_path):
    ledger = _small_ledger(tmp_path / "l.jsonl")
    assert ledger.burned == 300
    closing = json.loads((tmp_path / "l.jsonl").read_text().splitlines()[-1])
    assert (closing["kind"], closing["reason"]) == ("close", "final balances")
    assert closing["detail"] == {"supply": 1200, "minted": 1500, "burned": 300}


def test_burns_add_up(tmp_path):
    ledger = Ledger(tmp_path / "l.jsonl", 2, header={"scenario": "test"})
    ledger.mint([0, 1], [100, 100], "genesis")
    ledger.burn([0], [30], "registration")
    ledger.burn([1], [20], "registration")
    assert ledger.burned == 50 and ledger.supply == 150

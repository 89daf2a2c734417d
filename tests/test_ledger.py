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
    assert capsys.readouterr().out.startswith("OK x.jsonl")
    assert main([str(tmp_path / "missing")]) == 2

"""Every number of six whole runs stays what it was (tests/fingerprints/expected.json).

A refactor must reproduce them bit for bit; new outputs (a column, a metric) may be added beside
them.  A deliberate change of behaviour (a bug fixed)
rewrites them with ``python -m tests.fingerprints`` in the same commit, which says why.
"""

import json
import math

import pytest

from tests.fingerprints import CASES, EXPECTED, environment, fingerprint

# Across machines float32 results differ in their last bits (tests/fingerprints/__init__.py).
RELATIVE_TOLERANCE = 1e-6


def same(expected, actual, exact: bool) -> bool:
    floats = isinstance(expected, float) and isinstance(actual, float)
    if exact or not floats:
        return expected == actual
    return math.isclose(expected, actual, rel_tol=RELATIVE_TOLERANCE, abs_tol=1e-12)


def differences(expected, actual, path="", additions=False, exact=True) -> list[str]:
    """Readable paths of every value that differs (the first few are enough to debug); keys
    only ``actual`` has count unless ``additions`` allows them.  Not ``exact``: floats within
    ``RELATIVE_TOLERANCE`` are equal, and ledger hashes are not compared."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        found = [f"{path}/{k}: missing" for k in expected.keys() - actual.keys()]
        if not additions:
            found += [f"{path}/{k}: unexpected" for k in actual.keys() - expected.keys()]
        for key in sorted(expected.keys() & actual.keys()):
            if key == "final_hash" and not exact:
                continue
            found += differences(expected[key], actual[key], f"{path}/{key}", additions, exact)
        return found
    if isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        found = []
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            found += differences(e, a, f"{path}[{i}]", additions, exact)
        return found
    if same(expected, actual, exact):
        return []
    return [f"{path}: expected {expected!r}, got {actual!r}"]


@pytest.mark.parametrize("case", sorted(CASES))
def test_run_reproduces_its_fingerprint(case, tmp_path):
    recorded = json.loads(EXPECTED.read_text())
    exact = recorded.get("_environment") == environment()
    actual = json.loads(json.dumps(fingerprint(CASES[case], tmp_path)))
    found = differences(recorded[case], actual, additions=True, exact=exact)
    where = "this environment" if exact else "another environment (floats to 1e-6, no hash)"
    assert not found, f"{len(found)} numbers changed, recorded on {where}:\n" + "\n".join(
        found[:20]
    )


def test_differences_name_what_changed():
    expected = {"a": {"x": [1.0, 2.0]}, "b": 3}
    actual = {"a": {"x": [1.0, 2.5]}, "c": 3}
    assert sorted(differences(expected, actual)) == [
        "/a/x[1]: expected 2.0, got 2.5",
        "/b: missing",
        "/c: unexpected",
    ]
    assert sorted(differences(expected, actual, additions=True)) == [
        "/a/x[1]: expected 2.0, got 2.5",
        "/b: missing",
    ]


def test_other_environments_forgive_float_rounding_and_nothing_else():
    expected = {"x": [1.0, 2.0], "n": 3, "final_hash": "a"}
    rounding = {"x": [1.0 + 1e-9, 2.0], "n": 3, "final_hash": "b"}
    assert differences(expected, rounding, exact=False) == []
    assert len(differences(expected, rounding, exact=True)) == 2
    changed = {"x": [1.0, 2.0001], "n": 4, "final_hash": "a"}
    assert sorted(differences(expected, changed, exact=False)) == [
        "/n: expected 3, got 4",
        "/x[1]: expected 2.0, got 2.0001",
    ]

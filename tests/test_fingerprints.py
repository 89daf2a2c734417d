"""Every number of six whole runs stays what it was (tests/fingerprints/expected.json).

A refactor must reproduce them bit for bit; new outputs (a column, a metric) may be added beside
them.  A deliberate change of behaviour (a bug fixed)
rewrites them with ``python -m tests.fingerprints`` in the same commit, which says why.
"""

import json

import pytest

from tests.fingerprints import CASES, EXPECTED, fingerprint


def differences(expected, actual, path="", additions=False) -> list[str]:
    """Readable paths of every value that differs (the first few are enough to debug); keys
    only ``actual`` has count unless ``additions`` allows them."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        found = [f"{path}/{k}: missing" for k in expected.keys() - actual.keys()]
        if not additions:
            found += [f"{path}/{k}: unexpected" for k in actual.keys() - expected.keys()]
        for key in sorted(expected.keys() & actual.keys()):
            found += differences(expected[key], actual[key], f"{path}/{key}", additions)
        return found
    if isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        found = []
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            found += differences(e, a, f"{path}[{i}]", additions)
        return found
    return [] if expected == actual else [f"{path}: expected {expected!r}, got {actual!r}"]


@pytest.mark.parametrize("case", sorted(CASES))
def test_run_reproduces_its_fingerprint(case, tmp_path):
    expected = json.loads(EXPECTED.read_text())[case]
    actual = json.loads(json.dumps(fingerprint(CASES[case], tmp_path)))
    found = differences(expected, actual, additions=True)
    assert not found, f"{len(found)} numbers changed:\n" + "\n".join(found[:20])


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

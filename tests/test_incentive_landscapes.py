"""docs/validation.md's incentive-landscape rows are what the study produces now."""

from pathlib import Path

from experiments.doc_blocks import block
from experiments.incentive_landscapes import report_lines, study

DOC = Path(__file__).resolve().parents[1] / "docs" / "validation.md"


def test_the_validation_doc_quotes_what_the_landscape_study_produces(tmp_path):
    rerun = report_lines(study(3, 30, 64, tmp_path, rules=("absolute", "winner_take_all")))
    written = block(DOC, "incentive_landscapes")
    assert rerun[0] in written  # the design sentence
    for row in rerun[4:]:
        assert row in written, f"stale: the study now gives\n{row}"
    # The flat rule pays nearly every miner; winner-take-all nearly none.
    flat, steep = (float(r.split("|")[2].split("±")[0]) for r in rerun[4:])
    assert flat < 0.2 and steep > 0.9


def test_the_validation_doc_quotes_what_the_weight_copying_study_produces(tmp_path):
    from experiments.weight_copying import report_lines as copying_lines
    from experiments.weight_copying import study as copying_study

    result = copying_study(5, 40)
    assert block(DOC, "weight_copying").strip() == "\n".join(copying_lines(result)).strip()
    gains = result["gains"]
    # Without commit-reveal a copier gains (Opentensor: G > 1 in 29 of 30 subnets) …
    assert all(min(by_lag["0"]) > 1 for by_lag in gains.values())
    # … with 19 tempos of concealment it loses where quality churns, below 0.82 at the most.
    assert max(gains["0.1"]["19"]) < 1 and sorted(gains["0.3"]["19"])[2] < 0.82

"""docs/validation.md's incentive-landscape rows are what the study produces now."""

from pathlib import Path

import numpy as np
import pytest

from experiments.doc_blocks import block
from experiments.incentive_landscapes import report_lines, study

DOC = Path(__file__).resolve().parents[1] / "docs" / "validation.md"


@pytest.mark.slow
def test_the_validation_doc_quotes_what_the_landscape_study_produces(tmp_path):
    """The replica subnet's rows for the flat and the winner-take-all rule (validators' own
    data) are what the study gives now, and say what the prose says."""
    rules = ("absolute", "winner_take_all")
    rerun = report_lines(study(3, 20, tmp_path, rules=rules, data=("own",)))
    written = block(DOC, "incentive_landscapes")
    assert rerun[0] in written  # the design sentence
    rows = [line for line in rerun if line.startswith(("| absolute", "| winner_take_all"))]
    for row in rows:
        assert row in written, f"stale: the study now gives\n{row}"
    # The flat rule pays nearly every miner; winner-take-all nearly none.
    flat, steep = (float(r.split("|")[3].split("±")[0]) for r in rows)
    assert flat < 0.2 and steep > 0.9


def test_the_validation_doc_quotes_what_the_weight_copying_study_produces(tmp_path):
    from experiments.weight_copying import report_lines as copying_lines
    from experiments.weight_copying import study as copying_study

    result = copying_study(5, 40)  # the synthetic subnets (the replica's rows cost minutes)
    written = block(DOC, "weight_copying")
    table = [line for line in copying_lines(result) if line.startswith("| 0.")]
    assert len(table) == 3
    for row in table:
        assert row in written, f"stale: the study now gives\n{row}"
    gains = result["gains"]
    # Without commit-reveal a copier gains (Opentensor: G > 1 in 29 of 30 subnets) …
    assert all(min(by_lag["0"]) > 1 for by_lag in gains.values())
    # … with 19 tempos of concealment it loses where quality churns, below 0.82 at the most.
    assert max(gains["0.1"]["19"]) < 1 and sorted(gains["0.3"]["19"])[2] < 0.82


def test_the_two_team_networks_are_built_as_the_chains_test_builds_them():
    import numpy as np

    from experiments.consensus_guarantees import two_teams

    stake, weights, honest_v, honest_s = two_teams(0.6, 0.7, 0.9, 0.4)
    assert weights.shape == (64, 448) and honest_v.sum() == 38 and honest_s.sum() == 269
    assert stake[honest_v].sum() == pytest.approx(0.6) and stake.sum() == pytest.approx(1.0)
    # Honest validators put 0.7 of their weight on honest servers, the cabal 0.9 on its own.
    np.testing.assert_allclose(weights[honest_v][:, honest_s].sum(axis=1), 0.7)
    np.testing.assert_allclose(weights[~honest_v][:, ~honest_s].sum(axis=1), 0.9)


def test_yumas_guarantee_at_the_chains_settings_is_the_published_one():
    """docs/consensus.md: at S_H = 0.6, σ_W = 0.4, β = 1, ξ = ½ Yuma needs 73 % honest utility;
    the doc's row is what the study gives now."""
    from experiments.consensus_guarantees import report_lines, required_utility
    from mechanisms.consensus.yuma import Yuma

    ours = required_utility(Yuma(bonds_penalty=1.0), 0.6, 0.4, 0.5)
    assert abs(ours - 0.73) <= 0.03
    lines = report_lines({"rows": {"sigma=0.4": {"published": 0.73, "ours": ours}}})
    row = next(line for line in lines if line.startswith("| sigma=0.4 |"))
    written = block(DOC, "consensus_guarantees")
    assert row in written
    # The doc's prose holds the whole table to 0.03: so must the block it reads.
    largest = next(line for line in written.splitlines() if line.startswith("Largest"))
    assert float(largest.split(": ")[1].rstrip(".")) <= 0.03


def test_concentration_measures_of_the_stake_study_by_hand():
    from experiments.stake_rewards import coalition_size, top_share

    # 51 % of 10: 5 + 3 = 8 > 5.1 takes two holders; an equal split of 4 takes three.
    assert coalition_size([5, 3, 1, 1]) == 2 and coalition_size([1, 1, 1, 1]) == 3
    assert coalition_size([6, 4]) == 1 and np.isnan(coalition_size([0, 0]))  # nobody: n/a
    assert top_share(np.arange(1, 101)) == 100 / 5050  # the top 1 % of 100 is one holder
    assert top_share([3, 1]) == 0.75  # at least one holder


def test_the_validation_doc_quotes_what_the_stake_study_produces(tmp_path):
    """Subnet 0's row (with and without the cap) is what the study gives now."""
    from experiments.stake_rewards import report_lines, run_one

    plain, capped = run_one(0, 20, None, tmp_path), run_one(0, 20, 88.0, tmp_path)
    rerun = report_lines({"subnets": 1, "epochs": 20, "runs": {"none": [plain], "88": [capped]}})
    row = next(line for line in rerun if line.startswith("| 0 |"))
    assert row in block(DOC, "stake_rewards"), f"stale: the study now gives\n{row}"


def test_the_replica_copying_prose_says_what_its_block_holds():
    """docs/validation.md's reading of the replica's G row: inside the published lag-0 range a
    tempo late, about 1 after ten tempos, under the published low end (0.41) after 19."""
    written = block(DOC, "weight_copying").splitlines()
    header = next(i for i, line in enumerate(written) if "revealed 1 tempo late" in line)
    medians = [float(cell.split("[")[0]) for cell in written[header + 2].strip("|").split("|")]
    late_1, late_2, _, late_10, late_19 = medians
    assert 1.0 <= late_1 <= 1.32 and 1.0 <= late_2 <= 1.32
    assert abs(late_10 - 1.0) <= 0.05 and late_19 < 0.41


def test_the_stake_prose_says_what_its_block_holds():
    """docs/validation.md's reading of study (c): stake more concentrated than rewards (Gini
    and top 1 %) in every subnet but the winner-take-all ones, rewards following stake more than
    quality on average, and the cap raising the coalition in every subnet."""
    rows = [line.strip("|").split("|") for line in block(DOC, "stake_rewards").splitlines()]
    subnets = [[cell.strip() for cell in row] for row in rows if row[0].strip().isdigit()]
    assert len(subnets) == 10
    for row in subnets:
        less_unequal = float(row[3]) < float(row[2]) and float(row[5]) < float(row[4])
        assert less_unequal == (row[1] != "winner_take_all"), row
        assert int(row[9]) > int(row[6])  # the capped coalition is larger
    mean = next([c.strip() for c in row] for row in rows if row[0].strip().startswith("mean"))
    by_stake, by_quality = (float(mean[i].split("±")[0]) for i in (7, 8))
    assert by_stake > by_quality + 0.1


def test_the_landscape_prose_says_what_its_block_holds():
    """docs/validation.md's reading of study (d): with validators' own data the steep rules pay
    no miner in a quarter to a third of the epochs; with the shared pool every epoch pays one."""
    rows = {}
    for line in block(DOC, "incentive_landscapes").splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) == 5 and cells[1] in ("own", "shared"):
            rows[(cells[0], cells[1])] = cells
    for rule in ("rank_top_k", "winner_take_all"):
        unpaid, epochs = (int(n) for n in rows[(rule, "own")][4].split(" of "))
        assert 0.2 <= unpaid / epochs <= 0.4
        assert rows[(rule, "shared")][4].startswith("0 of")
        assert float(rows[(rule, "shared")][2].split("±")[0]) > 0.9
    assert float(rows[("softmax", "shared")][2].split("±")[0]) < 0.1

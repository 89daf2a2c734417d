"""The browser view in a real browser (tests/browser.py walks it): another consensus member
picked, three steps drawn for both scenarios, the graph and scorecard present, a bad value
refused with the command line's message while the model carries on, no console error.  Step
times are printed here and measured on an idle machine by benchmarks/view.py."""

from pathlib import Path

import numpy as np
import pytest

from tests.browser import CHROMIUM, view_server, walk

needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium: install it with `apt-get install -y chromium`"
)
SCREENSHOTS = Path(__file__).resolve().parent.parent / "benchmarks" / "local" / "view"


def solara_servers() -> set[int]:
    import subprocess

    listed = subprocess.run(
        ["pgrep", "-f", "solara run sim.view.page"], capture_output=True, text=True
    )
    return {int(pid) for pid in listed.stdout.split()}


@needs_chromium
def test_the_view_steps_both_scenarios_and_refuses_bad_input():
    before = solara_servers()
    with view_server("epochs=10") as url:
        assert solara_servers() - before  # the server the view started
        seen = walk(url, SCREENSHOTS)
    import time

    time.sleep(1)
    assert not solara_servers() - before, "stopping deai-sim-view left its server running"
    print(f"seconds per step: default {seen['default_steps']}, 1,000 {seen['thousand_steps']}")
    assert seen["points"] == {"decentralized": 3, "centralized": 3}
    assert "epoch 3 of 10" in seen["status"]
    assert seen["panels"] == dict.fromkeys(seen["panels"], 1)
    assert "epoch 3 of 10" in seen["after_bad_input"][0] and seen["after_bad_input"][1] == 3
    assert len(seen["thousand_steps"]) == 3  # the 1,000-participant model stepped and drew
    assert not seen["errors"], seen["errors"]


def test_a_finished_run_replays_from_its_files_and_bad_starts_stop(tmp_path, capsys):
    import sim
    from sim.view import panels
    from sim.view.economy import ReplayedRun
    from sim.view.serve import main
    from tests.conftest import SMALL

    run = sim.simulate(SMALL, run_dir=tmp_path / "run")
    replay = ReplayedRun.of(str(tmp_path / "run"))()
    assert replay.epochs == 6 and replay.scorecards() == {}
    for k in range(1, 7):
        replay.step()
        shown = replay.metrics()
        assert sorted(shown["epoch"].unique()) == list(range(k))
    assert not replay.running
    assert replay.scorecards() == run.summary["scorecard"]  # at the end: the run's own
    for draw in (panels.accuracy, panels.balances, panels.rewards, panels.strategies,
                 panels.graphs, panels.scorecard):  # fmt: skip
        draw(replay)
    assert main(["adversaries.free_riders=1.5"]) == 2
    assert "adversaries.free_riders: must be a fraction in [0, 1]" in capsys.readouterr().err
    assert main(["--replay", str(tmp_path)]) == 2
    assert "not a finished run" in capsys.readouterr().err


def test_the_radar_shows_relative_advantage_and_live_scoring_skips_large_graphs():
    import networkx as nx

    from sim.metrics.scorecard import HEADLINES, exact_graphs_up_to
    from sim.metrics.scorecard import small_graph_metric as _small
    from sim.view.panels import _advantage

    def cards(a, b, better):
        entry = {"name": HEADLINES[1], "better": better}
        return {"decentralized": [{**entry, "value": a}], "centralized": [{**entry, "value": b}]}

    # r = (a − b) / (|a| + |b|), sign flipped when lower is better; undefined: a tie.
    assert _advantage(cards(3.0, 1.0, "higher"), 1) == 0.5
    assert _advantage(cards(3.0, 1.0, "lower"), 1) == -0.5
    assert _advantage(cards(None, 1.0, "higher"), 1) == 0.0
    assert _advantage(cards(0.0, 0.0, "higher"), 1) == 0.0
    graph = nx.cycle_graph(8)
    assert _small(graph, nx.node_connectivity) == 2
    with exact_graphs_up_to(5):
        assert np.isnan(_small(graph, nx.node_connectivity))
    assert _small(graph, nx.node_connectivity) == 2

"""The browser view in a real browser (tests/browser.py walks it): another consensus member
picked, three steps drawn for both scenarios, the graph and scorecard present, a bad value
refused with the command line's message while the model carries on, no console error.  Step
times are printed here and measured on an idle machine by benchmarks/view.py."""

from pathlib import Path

import numpy as np
import pytest

from tests.browser import CHROMIUM, view_server, walk, walk_replay

needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium: install it with `apt-get install -y chromium`"
)
SCREENSHOTS = Path(__file__).resolve().parent.parent / "benchmarks" / "local" / "view"


def running(pids: list[int]) -> list[int]:
    import os

    alive = []
    for pid in pids:
        try:
            os.kill(pid, 0)
            alive.append(pid)
        except ProcessLookupError:
            pass
    return alive


@needs_chromium
def test_the_view_steps_both_scenarios_and_refuses_bad_input():
    servers: list[int] = []
    with view_server("epochs=10", "--compete", "0.3", servers=servers) as url:
        assert running(servers)  # the Solara server this view started
        seen = walk(url, SCREENSHOTS)
    import time

    time.sleep(1)
    assert not running(servers), "stopping deai-sim-view left its server running"
    print(f"seconds per step: default {seen['default_steps']}, 1,000 {seen['thousand_steps']}")
    assert seen["members_at_start"] == {"scenario": "decentralized", "consensus": "stake_majority"}
    assert seen["members_after_apply"] == {"consensus": "yuma3", "incentive": "proportional"}
    assert seen["points"] == {"decentralized": 3, "centralized": 3}
    assert "epoch 3 of 10" in seen["status"]
    assert seen["panels"] == dict.fromkeys(seen["panels"], 1)
    assert seen["overlaps"] == []
    # Two browsers, two models: the second starts at epoch 0 and steps its own; a reload of
    # the first finds its model where it was.
    assert "epoch 0 of 10" in seen["other_at_start"] and "epoch 1 of 10" in seen["other_after_step"]
    assert "epoch 3 of 10" in seen["first_after_reload"][0] and seen["first_after_reload"][1] == 3
    assert "epoch 3 of 10" in seen["after_bad_input"][0] and seen["after_bad_input"][1] == 3
    assert len(seen["thousand_steps"]) == 3  # the 1,000-participant model stepped and drew
    assert not seen["errors"], seen["errors"]


@needs_chromium
def test_a_replay_draws_every_panel_from_the_runs_files(tmp_path):
    import sim
    from tests.conftest import SMALL

    sim.simulate(SMALL, run_dir=tmp_path / "run")
    with view_server("--replay", str(tmp_path / "run")) as url:
        seen = walk_replay(url, 3)
    assert "epoch 3 of 6" in seen["status"]
    assert seen["marks"] == dict.fromkeys(seen["marks"], 1)
    assert seen["lorenz"] == 2 and 0 < seen["ledger_rows"] <= 8
    assert "the scorecard and the peer graph are the run's final ones" in seen["note"]
    assert not seen["errors"], seen["errors"]


def test_a_finished_run_replays_from_its_files_and_bad_starts_stop(tmp_path, capsys):
    import shutil

    import sim
    from sim.records import RunRecord
    from sim.view import panels
    from sim.view.economy import ReplayedRun
    from sim.view.serve import main
    from tests.conftest import SMALL

    run = sim.simulate(SMALL, run_dir=tmp_path / "run")
    replay = ReplayedRun.of(str(tmp_path / "run"))()
    assert replay.epochs == 6 and replay.missing == []
    assert replay.scorecards() == run.summary["scorecard"]  # the run's own, from the start
    paid_per_epoch = run.metrics.groupby(["scenario", "epoch"])["rewards_paid"].sum()
    for k in range(1, 7):
        replay.step()
        shown = replay.metrics()
        assert sorted(shown["epoch"].unique()) == list(range(k))
        for name, paid in replay.rewards().items():  # the ledger's rewards of the epochs shown
            assert paid.sum() == pytest.approx(paid_per_epoch[name].iloc[:k].sum())
        assert all(entry[0] < k for rows in replay.ledgers().values() for entry in rows)
    assert not replay.running
    for name in ("decentralized", "centralized"):
        record = RunRecord.load(tmp_path / "run" / "records" / f"{name}.npz")
        joined = record.final["joined"] >= 0
        np.testing.assert_allclose(replay.rewards()[name], record.totals["reward"][joined])
        assert set(replay.graphs()[name]["graph"].nodes) == set(record.graph.nodes)
    assert replay.graphs()["centralized"]["hub"] and not replay.graphs()["decentralized"]["hub"]
    for draw in (panels.accuracy, panels.balances, panels.rewards, panels.strategies,
                 panels.graphs, panels.scorecard):  # fmt: skip
        draw(replay)
    # A folder without its ledgers and records says what it cannot show.
    shutil.rmtree(tmp_path / "run" / "ledger")
    shutil.rmtree(tmp_path / "run" / "records")
    bare = ReplayedRun.of(str(tmp_path / "run"))()
    assert len(bare.missing) == 4 and bare.rewards() == {} and bare.graphs() == {}
    texts = [t.get_text() for t in panels.graphs(bare).axes[0].texts]
    assert texts == ["no peer graph to show: the run's folder holds no records/"]
    assert main(["adversaries.free_riders=1.5"]) == 2
    assert "adversaries.free_riders: must be a fraction in [0, 1]" in capsys.readouterr().err
    assert main(["--replay", str(tmp_path)]) == 2
    assert f"is not a run but holds one: load {tmp_path / 'run'}" in capsys.readouterr().err


def test_competing_scenarios_show_where_their_members_work(capsys):
    """With --compete the view's scenarios share one population: members move, each role's
    shares add up to one every epoch and the panel draws them; with 0 nobody moves and the
    shares are each scenario's own members (entries and exits alone change them)."""
    from sim.config import ConfigError
    from sim.roles import Role
    from sim.view import panels
    from sim.view.economy import PairedEconomy
    from sim.view.serve import main
    from tests.conftest import SMALL

    roles = panels.SHARED_ROLES
    competing = PairedEconomy.with_settings([*SMALL, "population.newcomer_slots=10"], 1.0)
    apart = PairedEconomy.with_settings([*SMALL, "population.newcomer_slots=10"])
    for _ in range(4):
        competing.step()
        apart.step()
    moved = competing.shares()
    assert len(moved) == 4 and competing.federation.moves
    for row in moved:
        for role in roles:
            assert row[f"decentralized/{role}"] + row[f"centralized/{role}"] == pytest.approx(1)
    assert not apart.federation.moves
    counts = {
        name: {role: len(e.population.members(Role[role.upper()])) for role in roles}
        for name, e in apart.economies.items()
    }
    for role in roles:
        total = counts["decentralized"][role] + counts["centralized"][role]
        assert apart.shares()[-1][f"decentralized/{role}"] == counts["decentralized"][role] / total
    assert moved[-1] != apart.shares()[-1]
    lines = {line.get_gid() for line in panels.shares(competing).axes[0].lines}
    assert lines == {f"{name}-{role}" for name in ("shares-decentralized", "shares-centralized")
                     for role in roles}  # fmt: skip
    with pytest.raises(ConfigError, match=r"compete=1.5: must be a probability in \[0, 1\]"):
        PairedEconomy.with_settings(SMALL, 1.5)
    assert main(["--compete", "often"]) == 2
    assert "compete='often': must be a probability" in capsys.readouterr().err


def test_a_port_that_already_answers_is_refused_before_the_server_starts(capsys):
    import socket

    from sim.view.serve import main

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["--port", str(port)]) == 2
    said = capsys.readouterr()
    assert f"port {port} is in use" in said.err and "serving on" not in said.out


def test_the_settings_name_the_members_the_model_runs_with():
    from sim.composition import chosen_members
    from sim.view.page import form_defaults, overrides_from

    members = chosen_members([])
    form = form_defaults([], members)
    assert (form["scenario"], form["consensus"], form["incentive"]) == (
        "decentralized", "stake_majority", "proportional",
    )  # fmt: skip
    defaults = form_defaults([])
    # Nothing changed: no overrides; one member picked: only that one.
    assert overrides_from(form, defaults, members, []) == []
    picked = {**form, "consensus": "yuma3"}
    assert overrides_from(picked, defaults, members, []) == ["consensus=yuma3"]
    # After that Apply the dropdown shows yuma3, which the next Apply keeps.
    applied = chosen_members(["consensus=yuma3"])
    again = {**form_defaults(["consensus=yuma3"], applied), "seed": "4"}
    assert overrides_from(again, defaults, applied, ["consensus=yuma3"]) == [
        "consensus=yuma3", "seed=4",
    ]  # fmt: skip
    central = chosen_members(["scenario=centralized"])
    assert (central["consensus"], central["governance"]) == ("central_authority", "owner")


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

"""The browser view in a real browser: Debian's chromium driven by Playwright.

The server is ``deai-sim-view`` as a user starts it; the test picks another consensus member,
steps three times, and reads the panels' inline SVG (each panel's marks carry a ``gid``) to
count points; it also times a step of the default economy and of one of 1,000 participants, and
checks that a bad value shows the command line's message and leaves the model running.
"""

import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium: install it with `apt-get install -y chromium`"
)
SCREENSHOTS = Path(__file__).resolve().parent.parent / "benchmarks" / "local" / "view"


@pytest.fixture(scope="module")
def server():
    from sim.view.serve import free_port

    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "sim.view.serve", "epochs=10", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    lines = []
    for line in process.stdout:
        lines.append(line)
        if "serving on" in line:
            break
    else:
        pytest.fail("the view did not start:\n" + "".join(lines[-30:]))
    yield f"http://127.0.0.1:{port}/"
    process.terminate()
    process.wait(timeout=30)


def points(page, scenario: str) -> int:
    return page.locator(f".panel-accuracy g#accuracy-{scenario} use").count()


def status(page) -> str:
    return page.locator("text=/epoch \\d+ of \\d+/").first.inner_text()


def choose(page, label: str, option: str) -> None:
    page.locator(".v-select", has=page.locator(f"label:text-is('{label}')")).click()
    page.locator(".v-menu__content .v-list-item", has_text=re.compile(f"^{option}$")).click()


def field(page, label: str):
    return page.locator(".v-text-field", has=page.locator(f"label:text-is('{label}')")).locator(
        "input"
    )


def step_and_time(page, expected: int) -> float:
    started = time.perf_counter()
    page.get_by_role("button", name="Step").click()
    page.wait_for_function(
        "n => document.querySelectorAll('.panel-accuracy g#accuracy-decentralized use').length"
        " >= n && document.querySelectorAll('.panel-accuracy g#accuracy-centralized use')"
        ".length >= n",
        arg=expected,
        timeout=60_000,
    )
    return time.perf_counter() - started


@needs_chromium
def test_the_view_steps_both_scenarios_and_refuses_bad_input(server):
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    errors = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1600, "height": 1200})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(server)
        page.wait_for_selector(".panel-accuracy svg", timeout=120_000)
        choose(page, "consensus", "yuma3")
        page.get_by_role("button", name="Apply").click()
        page.wait_for_selector("text=consensus=yuma3", timeout=60_000)
        seconds = [step_and_time(page, k) for k in (1, 2, 3)]
        assert points(page, "decentralized") == 3 and points(page, "centralized") == 3
        assert "epoch 3 of 10" in status(page)
        assert page.locator(".panel-graphs g#graph-decentralized").count() == 1
        assert page.locator(".panel-graphs g#graph-centralized").count() == 1
        assert page.locator(".panel-scorecard g#scorecard-decentralized").count() == 1
        page.screenshot(path=str(SCREENSHOTS / "stepped.png"), full_page=True)

        field(page, "adversaries.free_riders").fill("1.5")
        page.get_by_role("button", name="Apply").click()
        message = "adversaries.free_riders: must be a fraction in [0, 1]"
        page.wait_for_selector(f"text={message}", timeout=30_000)
        assert "epoch 3 of 10" in status(page) and points(page, "decentralized") == 3
        page.screenshot(path=str(SCREENSHOTS / "bad_input.png"), full_page=True)

        field(page, "adversaries.free_riders").fill("0.0")
        for key, value in [
            ("population.builders", "100"),
            ("population.validators", "16"),
            ("population.data_providers", "100"),
            ("population.consumers", "770"),
        ]:
            field(page, key).fill(value)  # fmt: skip
        page.get_by_role("button", name="Apply").click()
        page.wait_for_selector("text=population.consumers=770", timeout=120_000)
        large = [step_and_time(page, k) for k in (1, 2, 3)]
        page.screenshot(path=str(SCREENSHOTS / "thousand.png"), full_page=True)
        browser.close()
    print(f"seconds per step in the browser: default {seconds}, 1,000 participants {large}")
    assert not errors, errors
    # The first step of a model compiles its JAX functions (and lays out its graph).
    assert max(seconds[1:]) < 1.0
    assert max(large[1:]) < 3.0


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

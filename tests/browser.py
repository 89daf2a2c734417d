"""Driving the browser view: start ``deai-sim-view`` as a user does, and walk a page through
the checks the browser test makes (benchmarks/view.py times the same walk on an idle machine).

Debian's chromium (``apt-get install -y chromium``) driven by Playwright; each panel is inline
SVG whose marks carry a ``gid``, which is how points are counted.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
BAD_SHARE = "adversaries.free_riders: must be a fraction in [0, 1]"
THOUSAND = [("population.builders", "100"), ("population.validators", "16"),
            ("population.data_providers", "100"), ("population.consumers", "770")]  # fmt: skip


@contextmanager
def view_server(*overrides: str, servers: list | None = None):
    """``deai-sim-view OVERRIDES`` on a free port; yields its address.  ``servers``, if given,
    receives the process ids of the Solara server this view started (its children), so that a
    test can check that they stop with it without counting other suites' servers."""
    from sim.view.serve import free_port

    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "sim.view.serve", *overrides, "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    lines = []
    try:
        for line in process.stdout:
            lines.append(line)
            if "serving on" in line:
                break
        else:
            raise RuntimeError("the view did not start:\n" + "".join(lines[-30:]))
        if servers is not None:
            children = subprocess.run(
                ["pgrep", "-P", str(process.pid)], capture_output=True, text=True
            )
            servers.extend(int(pid) for pid in children.stdout.split())
        yield f"http://127.0.0.1:{port}/"
    finally:
        process.terminate()
        process.wait(timeout=30)


PANELS = ("accuracy", "scorecard", "balances", "rewards", "strategies", "graphs", "shares")


def overlapping_panels(page) -> list[tuple[str, str]]:
    """Pairs of panels whose drawn boxes (each figure's SVG, the ledger's card) intersect."""
    boxes = {name: page.locator(f".panel-{name} svg").first.bounding_box() for name in PANELS}
    ledger = page.locator(".v-card", has=page.locator("text=Last ledger entries")).last
    boxes["ledger"] = ledger.bounding_box()
    names = [n for n, box in boxes.items() if box]
    pairs = []
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            p, q = boxes[a], boxes[b]
            if (
                p["x"] < q["x"] + q["width"] - 1
                and q["x"] < p["x"] + p["width"] - 1
                and p["y"] < q["y"] + q["height"] - 1
                and q["y"] < p["y"] + p["height"] - 1
            ):
                pairs.append((a, b))
    return pairs


def selected(page, label: str) -> str:
    """The member a dropdown shows."""
    box = page.locator(".v-select", has=page.locator(f"label:text-is('{label}')"))
    return box.locator(".v-select__selection").first.inner_text().strip()


def points(page, scenario: str) -> int:
    return page.locator(f".panel-accuracy g#accuracy-{scenario} use").count()


def status(page) -> str:
    return page.locator("text=/epoch \\d+ of \\d+/").first.inner_text()


def choose(page, label: str, option: str) -> None:
    page.locator(".v-select", has=page.locator(f"label:text-is('{label}')")).click()
    page.locator(".v-menu__content .v-list-item", has_text=re.compile(f"^{option}$")).click()


def field(page, label: str):
    box = page.locator(".v-text-field", has=page.locator(f"label:text-is('{label}')"))
    return box.locator("input")


def apply(page, *expected: str) -> None:
    """Press Apply once the server holds the form's new values (its "Apply runs" line names
    each of ``expected``): a typed value reaches the server a moment after it is typed, later
    still under load, and an Apply pressed before would compose the old one."""
    pending = page.locator(".deai-sim-pending")
    for text in expected:
        pending.filter(has_text=text).wait_for(timeout=60_000)
    page.get_by_role("button", name="Apply").click()


def wait_status(page, text: str, timeout: float) -> None:
    """Wait until the status line (the running model's epoch and overrides) contains ``text``."""
    page.locator("p", has_text=re.compile(r"epoch \d+ of \d+")).filter(
        has_text=text
    ).first.wait_for(timeout=timeout)


def step_and_time(page, expected: int) -> float:
    """Press Step; seconds until both scenarios' accuracy panels show ``expected`` points."""
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


def open_page(browser, url: str, seen: dict):
    """A page in a browser context of its own (its own cookies: its own Solara session)."""
    context = browser.new_context(viewport={"width": 1600, "height": 2400})
    page = context.new_page()
    page.on("console", lambda m: seen["errors"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.goto(url)
    page.wait_for_selector(".panel-accuracy svg", timeout=120_000)
    return page


def walk(url: str, screenshots: Path) -> dict:
    """Pick yuma3, step three times, open a second browser context and step it once, reload the
    first, try a bad share, grow to 1,000 participants and step three times; returns what was
    seen: dropdowns, step seconds, points, panels present and overlapping, both contexts'
    epochs, console errors."""
    from playwright.sync_api import sync_playwright

    screenshots.mkdir(parents=True, exist_ok=True)
    seen: dict = {"errors": []}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = open_page(browser, url, seen)
        seen["members_at_start"] = {g: selected(page, g) for g in ("scenario", "consensus")}
        choose(page, "consensus", "yuma3")
        apply(page, "consensus=yuma3", "--compete 0.3")  # the view started competing
        wait_status(page, "consensus=yuma3", timeout=60_000)
        seen["members_after_apply"] = {g: selected(page, g) for g in ("consensus", "incentive")}
        seen["default_steps"] = [step_and_time(page, k) for k in (1, 2, 3)]
        seen["points"] = {s: points(page, s) for s in ("decentralized", "centralized")}
        seen["status"] = status(page)
        seen["overlaps"] = overlapping_panels(page)
        other = open_page(browser, url, seen)  # another browser: a model of its own
        seen["other_at_start"] = status(other)
        step_and_time(other, 1)
        seen["other_after_step"] = status(other)
        page.reload()
        page.wait_for_selector(".panel-accuracy svg", timeout=120_000)
        seen["first_after_reload"] = (status(page), points(page, "decentralized"))
        other.context.close()
        seen["panels"] = {
            gid: page.locator(f"g#{gid}").count()
            for gid in ("graph-decentralized", "graph-centralized", "scorecard-decentralized",
                        "scorecard-centralized", "shares-decentralized-builder",
                        "shares-centralized-consumer")
        }  # fmt: skip
        page.screenshot(path=str(screenshots / "stepped.png"))
        field(page, "adversaries.free_riders").fill("1.5")
        apply(page, "adversaries.free_riders=1.5")
        page.wait_for_selector(f"text={BAD_SHARE}", timeout=90_000)  # slow under a loaded CI
        seen["after_bad_input"] = (status(page), points(page, "decentralized"))
        page.screenshot(path=str(screenshots / "bad_input.png"))
        field(page, "adversaries.free_riders").fill("0.0")
        for key, value in THOUSAND:
            field(page, key).fill(value)
        apply(page, *(f"{key}={value}" for key, value in THOUSAND))
        wait_status(page, "population.consumers=770", timeout=120_000)
        seen["thousand_steps"] = [step_and_time(page, k) for k in (1, 2, 3)]
        page.screenshot(path=str(screenshots / "thousand.png"))
        browser.close()
    return seen


def walk_replay(url: str, steps: int) -> dict:
    """Step a replay ``steps`` times; returns which panels drew marks and the page's notes."""
    from playwright.sync_api import sync_playwright

    seen: dict = {"errors": []}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = open_page(browser, url, seen)
        for k in range(1, steps + 1):
            step_and_time(page, k)
        seen["status"] = status(page)
        seen["marks"] = {
            gid: page.locator(f"g#{gid}").count()
            for gid in ("graph-decentralized", "graph-centralized", "scorecard-decentralized",
                        "scorecard-centralized")
        }  # fmt: skip
        seen["lorenz"] = page.locator(".panel-rewards svg text", has_text="Gini").count()
        seen["ledger_rows"] = page.locator(".v-card", has=page.locator(
            "text=Last ledger entries")).last.locator("tbody tr").count()  # fmt: skip
        seen["note"] = page.locator(".replay-note").inner_text()
        browser.close()
    return seen

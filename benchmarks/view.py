"""The browser view's step time on an idle machine: tests/browser.py's walk (Debian's chromium,
Playwright), from pressing Step to both scenarios' accuracy panels showing the new point.

    python benchmarks/view.py

Targets (issue): one step of the default economy (about 110 participants per scenario) under
1 s, one of 1,000 participants under 3 s, the first step of a model excepted (it compiles the
JAX functions and lays out the graph).  Prints a table and writes
$BENCH_RESULTS/view-<machine>.json (benchmarks/local/ by default).
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))


def main() -> int:
    from learning import machine_name, save_results

    from tests.browser import CHROMIUM, view_server, walk

    if CHROMIUM is None:
        print("no chromium: install it with `apt-get install -y chromium`", file=sys.stderr)
        return 2
    with view_server("epochs=10") as url:
        seen = walk(url, HERE / "local" / "view")
    name = machine_name()
    rows = {"default economy": (seen["default_steps"], 1.0),
            "1,000 participants": (seen["thousand_steps"], 3.0)}  # fmt: skip
    print(f"machine: {name}; seconds from Step to the new point drawn, in chromium")
    print(f"{'economy':>20} {'1st step':>9} {'2nd':>6} {'3rd':>6} {'target':>7} {'met':>4}")
    for label, (steps, target) in rows.items():
        met = max(steps[1:]) < target
        print(f"{label:>20} {steps[0]:>9.2f} {steps[1]:>6.2f} {steps[2]:>6.2f} {target:>7.1f} "
              f"{'yes' if met else 'no':>4}")  # fmt: skip
    save_results(f"view-{name}.json", {"machine": name, "console_errors": seen["errors"],
                                       **{k: {"seconds": v[0], "target": v[1]}
                                          for k, v in rows.items()}})  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``deai-sim-view``: serve the browser view on 127.0.0.1.

    deai-sim-view [OVERRIDES ...] [--port 8765]     the chosen scenario beside its baseline
    deai-sim-view [OVERRIDES ...] --compete 0.1     ... competing for one population
    deai-sim-view --replay RUN_DIR [--port 8765]    a finished run, from its files

Overrides are checked as ``deai-sim`` checks them before the server starts (a bad one stops with
the same one-line message, status 2); the address is printed once the server answers.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_in_use(port: int) -> bool:
    """Whether something already answers on 127.0.0.1:``port`` (another view, say): the
    readiness check would otherwise reach it and announce the wrong server."""
    with socket.socket() as probe:
        probe.settimeout(1.0)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="deai-sim-view", description=__doc__.splitlines()[0])
    parser.add_argument("overrides", nargs="*", help="KEY=VALUE, as for deai-sim")
    parser.add_argument("--port", type=int, default=8765, help="0: any free port")
    parser.add_argument("--replay", metavar="RUN_DIR", help="replay a finished run")
    parser.add_argument(
        "--compete", default="0", metavar="P",
        help="the scenarios compete for one population: each member reviews a move with "
        "probability P an epoch (sim/federation.py); 0: they run apart",
    )  # fmt: skip
    return parser.parse_args(argv)


def check(args) -> dict:
    """The starting point for the page, checked; raises ConfigError or FileNotFoundError."""
    if args.replay:
        from sim.api import load

        load(args.replay)  # a folder that is not a finished run stops here
        return {"replay": str(Path(args.replay).resolve())}
    from sim import compose
    from sim.config import register_schema
    from sim.view.economy import check_compete

    register_schema()
    compose(list(args.overrides))
    return {"overrides": list(args.overrides), "compete": check_compete(args.compete)}


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    from sim.config import ConfigError

    try:
        start = check(args)
    except (ConfigError, FileNotFoundError) as error:
        print(f"deai-sim-view: error: {error}", file=sys.stderr)
        return 2
    port = args.port or free_port()
    if port_in_use(port):
        print(
            f"deai-sim-view: error: port {port} is in use on 127.0.0.1 (another view?); "
            "stop it or choose another with --port (--port 0: any free port)",
            file=sys.stderr,
        )
        return 2
    env = {**os.environ, "DEAI_SIM_VIEW": json.dumps(start)}
    command = [sys.executable, "-m", "solara", "run", "sim.view.page", "--host", "127.0.0.1",
               "--port", str(port), "--no-open", "--production"]  # fmt: skip
    server = subprocess.Popen(command, env=env)
    # Stopping this process stops the server with it: a terminated parent must not leave a
    # server holding its port.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    url = f"http://127.0.0.1:{port}/"
    try:
        if wait_until_up(url, server):
            print(f"deai-sim-view: serving on {url} (Ctrl-C stops)", flush=True)
        elif server.poll() is not None:
            print("deai-sim-view: error: the server stopped before it answered", file=sys.stderr)
        return server.wait()
    except KeyboardInterrupt:
        return 130
    finally:
        if server.poll() is None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()


def wait_until_up(url: str, server: subprocess.Popen, timeout: float = 120.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return server.poll() is None  # an answer counts only while ours still runs
        except OSError:
            time.sleep(0.5)
    return False


if __name__ == "__main__":
    sys.exit(main())

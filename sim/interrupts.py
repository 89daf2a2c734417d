"""Ctrl-C that cannot be lost.

Python raises KeyboardInterrupt wherever the main thread happens to be when SIGINT arrives.
Raised inside a finaliser or a callback, it is printed as "Exception ignored in …" and dropped,
and a run carries on to its end as if nothing happened.  The handler installed here raises as
usual and also records the request; long loops call ``check()`` between steps, so an interrupt
takes effect at the next step at the latest.
"""

from __future__ import annotations

import signal

_requested = False


def _on_sigint(signum, frame) -> None:
    global _requested
    _requested = True
    raise KeyboardInterrupt


def install() -> None:
    """Handle SIGINT here, unless something other than Python's default handler owns it (a
    process started with SIGINT ignored keeps ignoring it)."""
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _on_sigint)


def check() -> None:
    """Raise KeyboardInterrupt if Ctrl-C was pressed, even if its first raise was swallowed."""
    if _requested:
        raise KeyboardInterrupt

"""Say when an economy cannot learn, once per scenario, with the reason.

An economy learns only if compute is sold, turned into training, submitted, and accepted.  When
one of these links stays broken for ``STALL_EPOCHS`` consecutive epochs, accuracy is frozen and a
sweep would report the frozen number as a result; this module names the broken link.
"""

from __future__ import annotations

import logging

log = logging.getLogger("sim.run")

# As many epochs as a supplier tolerates losses by default (population.patience): a stall this
# long already drives participants out.
STALL_EPOCHS = 5


def broken_link(record: dict) -> str | None:
    """The first link of the learning chain that failed this epoch, or None if an update was
    accepted."""
    if record["accepted"] > 0:
        return None
    if not record["coordinator_online"]:
        return "the coordinator was offline"
    if record["compute_sold"] <= 0:
        return "no compute was sold"
    if record["trained"] <= 0:
        return "compute was sold but no builder trained"
    if record["submitted"] <= 0:
        return "no builder submitted a model"
    return "submissions arrived but consensus accepted none"


class StallWatch:
    """Feeds on one epoch record at a time; reports the first stall of ``epochs`` epochs."""

    def __init__(self, scenario: str, epochs: int = STALL_EPOCHS):
        self.scenario = scenario
        self.epochs = epochs
        self.reasons: list[str] = []
        self.start: int | None = None
        self.message: str | None = None

    def observe(self, record: dict) -> None:
        reason = broken_link(record)
        if reason is None:
            self.reasons, self.start = [], None
            return
        if self.start is None:
            self.start = int(record["epoch"])
        self.reasons.append(reason)
        if len(self.reasons) == self.epochs and self.message is None:
            # The most frequent broken link over the window is its cause.
            cause = max(dict.fromkeys(self.reasons), key=self.reasons.count)
            self.message = (
                f"{self.scenario}: cannot learn: no update accepted for {self.epochs} epochs "
                f"in a row from epoch {self.start}; {cause}"
            )
            log.warning(self.message)

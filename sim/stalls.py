"""Say when an economy stops learning, with the reason, for every stretch in which it did.

An economy learns only if compute is bought, turned into training, submitted, accepted, and the
accepted submissions change the network model.  An epoch in which one of these links is broken
cannot improve the model, whatever the economy pays for it: free riders who resubmit the network
model are accepted and paid while no compute is sold and test accuracy stands still.  A **stall**
is a stretch of at least ``STALL_EPOCHS`` consecutive such epochs; each is reported with the
links that broke, the test accuracy at its start and end, and the rewards paid meanwhile.

Flat test accuracy alone is not a stall: a model that has converged is flat within the test set's
sampling noise too (the default run's platform stays within ±2σ = ±0.03 of 0.91 for its last 14
epochs while every link holds), so flatness is reported beside the broken links, never instead of
them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

log = logging.getLogger("sim.run")

# As many epochs as a supplier tolerates losses by default (population.patience): a stall this
# long already drives participants out.
STALL_EPOCHS = 5

# Relative change ‖θ_t − θ_{t−1}‖ / ‖θ_{t−1}‖ below which an accepted update left the model as it
# was: float32 averaging of identical models moves it by ~1e-7; one step of training by ≫ 1e-4.
UNCHANGED_MODEL = 1e-6


def broken_link(record: dict) -> str | None:
    """The first link of the learning chain that failed this epoch, or None if an accepted update
    changed the network model."""
    if not record["coordinator_online"]:
        return "the coordinator was offline"
    if record["trained"] <= 0:
        if record["compute_sold"] <= 0:
            return "no compute was sold"
        return "compute was sold but no builder trained"
    if record["submitted"] <= 0:
        return "no builder submitted a model"
    if record["accepted"] <= 0:
        return "submissions arrived but consensus accepted none"
    if record.get("model_change", 1.0) < UNCHANGED_MODEL:
        return "the accepted submissions left the model unchanged"
    return None


@dataclass
class Stall:
    """One stretch of epochs in which the model could not improve."""

    scenario: str
    start: int  # first epoch of the stretch
    reasons: list[str] = field(default_factory=list)  # the broken link of each epoch
    accuracy: list[float] = field(default_factory=list)  # test accuracy at each epoch's end
    rewards: float = 0.0  # tokens paid to contributors during the stretch

    @property
    def end(self) -> int:
        return self.start + len(self.reasons) - 1

    def describe(self, still_running: bool = False) -> str:
        counts = {r: self.reasons.count(r) for r in dict.fromkeys(self.reasons)}
        causes = "; ".join(
            f"{reason} ({n} epoch{'s' if n > 1 else ''})"
            for reason, n in sorted(counts.items(), key=lambda item: -item[1])
        )
        until = "on" if still_running else f"to {self.end}"
        return (
            f"{self.scenario}: cannot learn from epoch {self.start} {until} "
            f"({len(self.reasons)} epochs): {causes}; test accuracy {self.accuracy[0]:.3f} → "
            f"{self.accuracy[-1]:.3f}, while {self.rewards:.1f} tokens of rewards were paid"
        )


class StallWatch:
    """Feeds on one epoch record at a time; collects every stall of at least ``epochs`` epochs
    and logs each once, when it reaches that length."""

    def __init__(self, scenario: str, epochs: int = STALL_EPOCHS):
        self.scenario = scenario
        self.epochs = epochs
        self.stalls: list[Stall] = []
        self._open: Stall | None = None

    def observe(self, record: dict) -> None:
        reason = broken_link(record)
        if reason is None:
            self._open = None
            return
        if self._open is None:
            self._open = Stall(self.scenario, int(record["epoch"]))
        stall = self._open
        stall.reasons.append(reason)
        stall.accuracy.append(float(record["test_accuracy"]))
        stall.rewards += float(record["rewards_paid"])
        if len(stall.reasons) == self.epochs:
            self.stalls.append(stall)
            log.warning(stall.describe(still_running=True))

    @property
    def messages(self) -> list[str]:
        """One line per stall, in the order they began (the last may run to the final epoch)."""
        return [stall.describe() for stall in self.stalls]

    @property
    def message(self) -> str | None:
        """The first stall's line, or None."""
        return self.messages[0] if self.stalls else None

    def summary(self) -> list[dict]:
        """The stalls as summary.json stores them: first and last epoch, epochs per broken
        link, test accuracy at the start and end, rewards paid meanwhile, and the line."""
        return [
            {
                "start": stall.start,
                "end": stall.end,
                "causes": {r: stall.reasons.count(r) for r in dict.fromkeys(stall.reasons)},
                "accuracy": [stall.accuracy[0], stall.accuracy[-1]],
                "rewards_paid": stall.rewards,
                "message": stall.describe(),
            }
            for stall in self.stalls
        ]

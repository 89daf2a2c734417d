"""What adversaries captured, against honest participants of the same role.

For each registered adversary kind present (agents.adversary): its members, their mean total
reward, the honest peers' median total reward and the gain = adversary mean / honest median
(≈ 0 is good; aspect 16 of docs/model.md).  Sybils are counted per owner: the owner's reward
summed over all its identities.  Validators are also compared per unit of initial stake, since
stake drives their rewards.  Computed from a RunRecord (sim.records).
"""

from __future__ import annotations

import numpy as np

from agents.adversary import ADVERSARIES
from sim.roles import Role


def adversary_report(run) -> dict:
    final, rewards = run.final, run.totals["reward"]
    report = {}
    for cls in ADVERSARIES.values():
        slots = run.slots(cls.role)
        flagged = final["adversary"][slots] == cls.kind
        if not flagged.any():
            continue
        ever = final["joined"][slots] >= 0
        honest = slots[ever & (final["adversary"][slots] == "")]
        if cls.kind == "sybil":
            owners = np.unique(final["owner"][slots[flagged]])
            per_member = np.array([rewards[final["owner"] == owner].sum() for owner in owners])
        else:
            per_member = rewards[slots[flagged]]
        honest_median = float(np.median(rewards[honest])) if len(honest) else float("nan")
        entry = {
            "role": cls.role.name.lower(),
            "members": int(flagged.sum()),
            "mean_reward": float(per_member.mean()),
            "honest_median_reward": honest_median,
            "gain": float(per_member.mean() / honest_median) if honest_median > 0 else float("nan"),
        }
        if cls.role == Role.VALIDATOR:
            entry |= stake_comparison(
                final["endowment"], rewards, slots[flagged], honest, slots[ever]
            )
        report[cls.kind] = entry
    friend = run.facts.get("cabal_friend")
    if friend is not None and "cabal" in report:  # a platform has no validators to collude
        report["cabal"]["friend_reward"] = float(rewards[run.slots(Role.BUILDER)[friend]])
    return report


def stake_comparison(stake, rewards, adversaries, honest, ever) -> dict:
    """Reward per unit of initial stake, adversaries against honest validators."""
    adversary_rate = _ratio(rewards[adversaries].sum(), stake[adversaries].sum())
    honest_rate = _ratio(rewards[honest].sum(), stake[honest].sum())
    return {
        "reward_per_stake_ratio": _ratio(adversary_rate, honest_rate),
        "stake_share": _ratio(stake[adversaries].sum(), stake[ever].sum()),
    }


def _ratio(numerator: float, denominator: float) -> float:
    """numerator / denominator, NaN where the denominator is not positive (no stake at all)."""
    return float(numerator / denominator) if denominator > 0 else float("nan")

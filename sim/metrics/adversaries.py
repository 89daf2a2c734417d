"""What adversaries captured, against honest participants of the same role.

For each adversary kind present: its members, their mean total reward, the honest peers' median
total reward and the gain = adversary mean / honest median (the spec's free-rider gain, ≈ 0 is
good; aspect 16 of docs/model.md).  Sybils are counted per owner: the owner's reward summed
over all its identities.  Validators are also compared per unit of initial stake, since stake
drives their rewards.
"""

from __future__ import annotations

import numpy as np

from agents.adversary import Adversary
from agents.base import Role

ROLE_OF = {
    Adversary.free_rider: Role.BUILDER,
    Adversary.sybil: Role.BUILDER,
    Adversary.sign_flipper: Role.BUILDER,
    Adversary.noise_injector: Role.BUILDER,
    Adversary.little_is_enough: Role.BUILDER,
    Adversary.label_flipper: Role.BUILDER,
    Adversary.weight_copier: Role.VALIDATOR,
    Adversary.cabal: Role.VALIDATOR,
}


def adversary_report(model) -> dict:
    p = model.population
    report = {}
    for kind, role in ROLE_OF.items():
        slots = p.blocks[role]
        flagged = p.adversary[slots] == kind.value
        ever = p.joined[slots] >= 0
        if not flagged.any():
            continue
        honest = slots[ever & (p.adversary[slots] == "")]
        rewards = model.total_reward
        if kind == Adversary.sybil:
            per_member = np.array(
                [rewards[p.owner == owner].sum() for owner in np.unique(p.owner[slots[flagged]])]
            )
        else:
            per_member = rewards[slots[flagged]]
        honest_median = float(np.median(rewards[honest])) if len(honest) else float("nan")
        entry = {
            "role": role.name.lower(),
            "members": int(flagged.sum()),
            "mean_reward": float(per_member.mean()),
            "honest_median_reward": honest_median,
            "gain": float(per_member.mean() / honest_median) if honest_median > 0 else float("nan"),
        }
        if role == Role.VALIDATOR:
            stake = model.endowment
            adversary_rate = rewards[slots[flagged]].sum() / stake[slots[flagged]].sum()
            honest_rate = (
                rewards[honest].sum() / stake[honest].sum() if len(honest) else float("nan")
            )
            entry["reward_per_stake_ratio"] = (
                float(adversary_rate / honest_rate) if honest_rate > 0 else float("nan")
            )
            entry["stake_share"] = float(stake[slots[flagged]].sum() / stake[slots[ever]].sum())
        report[kind.value] = entry
    if model.friend is not None:
        friend = p.blocks[Role.BUILDER][model.friend]
        report["cabal"]["friend_reward"] = float(model.total_reward[friend])
    return report

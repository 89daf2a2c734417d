"""Public checks for a mechanism, in the manner of scikit-learn's ``check_estimator``.

``check_mechanism(family, instance)`` checks that the instance has its family's methods (the
Protocol in ``mechanisms/<family>/base.py``) and then runs the family's liveness and sufficiency
contract (mechanisms.contracts) on small inputs whose right outcome is not in doubt, and the
family's metamorphic properties (mechanisms.metamorphic: relabelling, units, outliers) over
derandomized hypothesis draws.  It raises
``ContractViolation`` with a sentence naming what is wrong, and returns nothing when the
mechanism passes.  The repository's tests run it over every YAML of configs/<family>/; a
mechanism written in another package checks itself the same way (docs/extending.md)::

    from mechanisms.testing import check_mechanism
    check_mechanism("consensus", MyConsensus())
"""

from __future__ import annotations

from mechanisms.access.base import AccessMechanism
from mechanisms.adaptation.base import AdaptationRule
from mechanisms.aggregation.base import AggregationRule
from mechanisms.consensus.base import ConsensusMechanism
from mechanisms.contracts import CHECKS, ContractViolation
from mechanisms.governance.base import GovernanceMechanism
from mechanisms.incentive.base import IncentiveMechanism
from mechanisms.market.base import MarketMechanism
from mechanisms.scoring.base import ScoringRule

PROTOCOLS = {
    "consensus": ConsensusMechanism,
    "incentive": IncentiveMechanism,
    "aggregation": AggregationRule,
    "market": MarketMechanism,
    "access": AccessMechanism,
    "governance": GovernanceMechanism,
    "adaptation": AdaptationRule,
    "scoring": ScoringRule,
}

__all__ = ["ContractViolation", "check_mechanism"]


def check_mechanism(family: str, mechanism) -> None:
    """Check ``mechanism`` against the Protocol and the contract of ``family``."""
    if family not in PROTOCOLS:
        raise ValueError(f"family must be one of: {', '.join(PROTOCOLS)}; got {family!r}")
    protocol = PROTOCOLS[family]
    if not isinstance(mechanism, protocol):
        raise ContractViolation(
            f"{type(mechanism).__name__} lacks the methods of {protocol.__name__} "
            f"(mechanisms/{family}/base.py)"
        )
    CHECKS[family](mechanism)

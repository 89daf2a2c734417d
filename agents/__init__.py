"""Participants of the economy as mesa agents (identity and decision rules)."""

from agents.base import Participant, Role
from agents.roles import (
    ComputeProvider,
    Consumer,
    Coordinator,
    DataProvider,
    ModelBuilder,
    Validator,
)

AGENT_CLASSES = {
    Role.COORDINATOR: Coordinator,
    Role.COMPUTE_PROVIDER: ComputeProvider,
    Role.DATA_PROVIDER: DataProvider,
    Role.BUILDER: ModelBuilder,
    Role.VALIDATOR: Validator,
    Role.CONSUMER: Consumer,
}

__all__ = [
    "AGENT_CLASSES",
    "ComputeProvider",
    "Consumer",
    "Coordinator",
    "DataProvider",
    "ModelBuilder",
    "Participant",
    "Role",
    "Validator",
]

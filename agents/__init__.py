"""Participants of the economy as mesa agents (identity and decision rules) and their role sets."""

from agents.base import Participant
from agents.roles import (
    ComputeProvider,
    Consumer,
    Coordinator,
    DataProvider,
    ModelBuilder,
    Validator,
)
from agents.sets import AGENT_CLASSES, ROLE_SETS
from sim.roles import Role

__all__ = [
    "AGENT_CLASSES",
    "ROLE_SETS",
    "ComputeProvider",
    "Consumer",
    "Coordinator",
    "DataProvider",
    "ModelBuilder",
    "Participant",
    "Role",
    "Validator",
]

"""The roles an account plays in an economy (a leaf module: every layer names roles)."""

from __future__ import annotations

from enum import IntEnum


class Role(IntEnum):
    PROTOCOL = 0
    COORDINATOR = 1
    COMPUTE_PROVIDER = 2
    DATA_PROVIDER = 3
    BUILDER = 4
    VALIDATOR = 5
    CONSUMER = 6
    NOMINATOR = 7  # delegates stake to validators, does no work (only where configured)

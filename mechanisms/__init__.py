"""Pluggable rules of an AI economy, one family per sub-package.

Each family defines its contract as a Protocol in ``<family>/base.py``.  Mechanisms see NumPy arrays
indexed by participant, never agents, and are built by Hydra from ``configs/<family>/<name>.yaml``
through ``_target_``.
"""

FAMILIES = (
    "consensus",
    "incentive",
    "aggregation",
    "market",
    "access",
    "governance",
    "scoring",
)

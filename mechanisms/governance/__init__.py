"""Governance: how parameter changes are decided."""

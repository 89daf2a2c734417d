"""Consensus: turn evaluators' scores of submissions into agreed accept/reject decisions."""

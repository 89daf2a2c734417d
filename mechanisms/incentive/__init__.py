"""Incentives: split emission and collected fees among contributors."""

"""Metrics: the concentration toolkit and the 16-aspect scorecard."""

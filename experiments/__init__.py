"""Experiments: sweeps and studies built on the simulator."""

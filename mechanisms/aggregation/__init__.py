"""Aggregation: combine accepted model updates into the network model's update."""

"""Adaptation: learning rules by which agents choose their strategies from what they earned."""

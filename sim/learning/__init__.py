"""Real learning for the economy: data sets, partitions, JAX models and vectorised local training."""

"""deai-sim's mechanism-design search for Hydra (``hydra/sweeper=search``), on Optuna."""

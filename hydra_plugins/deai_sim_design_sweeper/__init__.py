"""deai-sim's design sweeper for Hydra (``hydra/sweeper=design``): sim.design's samples as jobs."""

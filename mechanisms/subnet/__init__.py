"""The rules a Bittensor subnet runs by, as the chain computes them (opentensor/subtensor,
pallets/subtensor): emission and its halving, the registration burn, pruning, validator permits
and delegation.  Pure functions and small state objects over arrays, each citing the code it
follows; the network organisation of a subnet replica composes them."""

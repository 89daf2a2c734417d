"""How an evaluator turns the scores it measured into weights (a subnet's incentive mechanism:
every validator of a subnet uses the same rule)."""

"""Markets: how model builders obtain compute from compute providers."""

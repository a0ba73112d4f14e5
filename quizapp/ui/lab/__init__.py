"""The training lab page: live training of a small network, K optimizers at once."""

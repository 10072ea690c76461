"""The background work of `serve` and `worker`: which rounds of which domain services run,
how often, and how they stop."""

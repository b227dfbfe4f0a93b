"""Scale a Sieve function version's replicas from CI, wait for it, and report."""

__version__ = "1.0.0"

"""Reproducible load benchmarks of the trainee form; run with ``python -m bench`` (see bench/README.md)."""

"""Benchmarks against the issue's targets: ``python -m bench.intake``, ``python -m bench.photos``."""

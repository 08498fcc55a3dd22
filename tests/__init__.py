"""Test suite package (lets ``python -m tests.benchmarks.run`` and ``tests.support`` import)."""

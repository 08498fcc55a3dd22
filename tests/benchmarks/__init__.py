"""Performance suite: ``make bench`` → ``python -m tests.benchmarks.run``.

A small runner of our own (no pytest-benchmark): every case is measured against a
baseline in the same run, repeats are interleaved, each repeat starts from a fresh state.
"""

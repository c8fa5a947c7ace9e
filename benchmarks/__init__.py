"""Benchmarks: each module `bench_<area>.py` measures against a baseline taken in the same run."""

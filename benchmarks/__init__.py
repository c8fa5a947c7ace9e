"""Benchmarks: each module `bench_<area>.py` measures against a baseline taken in the same run."""

import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def wall(argv: list[str]) -> float:
    """Wall seconds of one run of `argv` in the project root (output discarded)."""
    start = time.perf_counter()
    subprocess.run(argv, cwd=ROOT, capture_output=True, check=False)
    return time.perf_counter() - start

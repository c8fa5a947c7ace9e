"""Benchmarks: each module `bench_<area>.py` measures against a baseline taken in the same run."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def wall(argv: list[str]) -> float:
    """Wall seconds of one run of `argv` in the project root (output discarded)."""
    start = time.perf_counter()
    subprocess.run(argv, cwd=ROOT, capture_output=True, check=False)
    return time.perf_counter() - start


def docker_engine_up(image: str) -> bool:
    """A Docker engine answers and holds `image` (the Docker benchmarks skip without one)."""
    try:
        import docker

        client = docker.from_env(timeout=5)
        client.ping()
        client.images.get(image)
        client.close()
    except Exception:
        return False
    return True


def row(
    name: str, value: float, baseline: float, target: float | None, unit: str
) -> dict[str, Any]:
    """One line of the table: a measured value against its same-run baseline."""
    return {
        "name": name,
        "value": value,
        "baseline": baseline,
        "ratio": value / baseline if baseline else None,
        "target": target,
        "unit": unit,
    }

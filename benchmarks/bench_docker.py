"""Docker backend overhead: workflows through the engine vs the same containers by `docker run`.

Two shapes, each measured both ways in the same run on the same engine and image: a 10-task
fan-out (one group per task, all started together) and a 5-task chain (each task reads its
predecessor's output). The baseline starts the same command in the same image with plain
`docker run --rm` (concurrently for the fan-out, one after another for the chain), so the ratio is
what osmo-tui adds: the engine, the barrier wrapper, mounts, placement, log streaming,
outputs and cleanup. Target: under 1.3x. Skipped (no rows) when no Docker engine answers.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from benchmarks import docker_engine_up
from simulator.backends.docker.data import safe_rmtree
from simulator.backends.docker.options import DockerOptions

IMAGE = "ubuntu:24.04"
FANOUT = 10
CHAIN = 5
REPEATS = 3
TARGET = 1.3


def _fanout_yaml() -> str:
    tasks = "".join(
        f"  - name: t{i}\n    image: {IMAGE}\n    command: [sh, -c, 'echo task {i}']\n"
        for i in range(FANOUT)
    )
    return f"workflow:\n  name: bench-fanout\n  tasks:\n{tasks}"


def _chain_yaml() -> str:
    tasks = []
    for i in range(CHAIN):
        inputs = f"    inputs:\n    - task: c{i - 1}\n" if i else ""
        tasks.append(
            f"  - name: c{i}\n    image: {IMAGE}\n"
            f"    command: [sh, -c, 'echo step {i} > {{{{output}}}}/step.txt']\n{inputs}"
        )
    return "workflow:\n  name: bench-chain\n  tasks:\n" + "".join(tasks)


def _docker_run(command: str) -> None:
    subprocess.run(
        ["docker", "run", "--rm", IMAGE, "sh", "-c", command],
        check=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
    )


def _baseline_fanout() -> float:
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=FANOUT) as pool:
        list(pool.map(_docker_run, [f"echo task {i}" for i in range(FANOUT)]))
    return time.perf_counter() - started


def _baseline_chain() -> float:
    started = time.perf_counter()
    for i in range(CHAIN):
        _docker_run(f"mkdir -p /out && echo step {i} > /out/step.txt")
    return time.perf_counter() - started


def _osmo(text: str, work: Path, index: int) -> float:
    """Seconds to run the workflow to COMPLETED on DockerBackend, cleanup included."""
    from simulator.backends.docker import DockerBackend
    from simulator.engine.from_spec import plan_from_spec
    from simulator.engine.realtime import RealtimeRun
    from simulator.spec.loader import load_workflow

    path = work / f"workflow-{index}.yaml"
    path.write_text(text, encoding="utf-8")
    plan = plan_from_spec(load_workflow(path), workflow_id=f"bench-{index}")
    run_dir = work / "runs" / f"bench-{os.getpid()}-{index}"
    run_dir.mkdir(parents=True)
    finished: list[Any] = []
    started = time.perf_counter()
    backend = DockerBackend(DockerOptions(grace_period=2))
    run = RealtimeRun(plan, backend, run_dir=run_dir)
    asyncio.run(run.run(lambda e: finished.append(e) if e.kind == "run_finished" else None))
    elapsed = time.perf_counter() - started
    status = finished[-1].status.value if finished else "no RunFinished"
    if status != "COMPLETED":
        raise RuntimeError(f"benchmark workflow ended {status}")
    return elapsed


def run() -> list[dict[str, Any]]:
    if not docker_engine_up(IMAGE):
        print(f"bench_docker: skipped, no Docker engine with {IMAGE}", file=sys.stderr)
        return []
    rows = []
    tmp_root = Path(tempfile.gettempdir()).resolve()
    work = Path(tempfile.mkdtemp(prefix="osmo-tui-bench-", dir=tmp_root))
    try:
        os.environ.setdefault("OSMO_TUI_RUNS_DIR", str(work / "runs"))
        shapes = (
            (f"docker {FANOUT}-task fan-out", _fanout_yaml(), _baseline_fanout),
            (f"docker {CHAIN}-task chain", _chain_yaml(), _baseline_chain),
        )
        index = 0
        for name, text, baseline_fn in shapes:
            _osmo(text, work, index)  # warm-up: page cache, network driver, image layers
            index += 1
            ours, base = [], []
            for _ in range(REPEATS):  # interleaved, so drift on a shared machine hits both
                ours.append(_osmo(text, work, index))
                index += 1
                base.append(baseline_fn())
            value, baseline = min(ours), min(base)
            rows.append(
                {
                    "name": name,
                    "value": round(value, 3),
                    "baseline": round(baseline, 3),
                    "ratio": round(value / baseline, 3),
                    "target": TARGET,
                    "unit": "s",
                }
            )
    finally:
        safe_rmtree(work, tmp_root)  # only ever the directory made above
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)

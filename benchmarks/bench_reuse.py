"""Reuse of finished groups on Docker: the edit-the-last-step loop (docs/reuse.md).

A chain of four groups (each task writes 1 MiB its successor reads) is run once with an empty
reuse store, then again after editing only the last task, through the run pipeline exactly as
`run --watch --backend docker` does. Rows, each measured in the same run, interleaved:

* the re-run against the first run (target: at most half of it);
* the warm re-run's own reuse overhead (the three reused groups' key computation and restore,
  plus keeping the changed group) against a plain `docker run` of the changed task's command;
* the whole re-run against that plain `docker run`.

Skipped (no rows) when no Docker engine answers.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks import docker_engine_up, row
from simulator.backends.docker.data import safe_rmtree
from simulator.engine.plan import GroupPlan
from simulator.engine.port import ReuseHit, Reuser

IMAGE = "ubuntu:24.04"
GROUPS = 4
REPEATS = 3
TARGET = 0.5
WRITE = "head -c 1048576 /dev/zero > {{output}}/data.bin"


def _yaml(edit: str) -> str:
    tasks = []
    for i in range(GROUPS):
        read = "cat {{input:0}}/data.bin > /dev/null; " if i else ""
        tail = f"echo {edit}; " if i == GROUPS - 1 else ""
        inputs = f"      inputs: [{{task: s{i - 1}}}]\n" if i else ""
        tasks.append(
            f"  - name: g{i}\n    tasks:\n    - name: s{i}\n      image: {IMAGE}\n"
            f"      command: [sh, -c, '{read}{tail}{WRITE}']\n{inputs}"
        )
    return "workflow:\n  name: bench-reuse\n  groups:\n" + "".join(tasks)


class _Timed(Reuser):
    """The run's own ReuseSession, timed: what reuse adds to a run."""

    def __init__(self, inner: Reuser) -> None:
        self.inner = inner
        self.seconds = 0.0
        self.hits = 0

    async def lookup(self, group: GroupPlan) -> ReuseHit | None:
        started = time.perf_counter()
        try:
            hit = await self.inner.lookup(group)
        finally:
            self.seconds += time.perf_counter() - started
        self.hits += hit is not None
        return hit

    def observe(self, event: Any) -> None:
        self.inner.observe(event)

    async def finish(self) -> list[str]:
        started = time.perf_counter()
        try:
            return await self.inner.finish()
        finally:
            self.seconds += time.perf_counter() - started


def _run(path: Path) -> tuple[float, _Timed]:
    from simulator.backends.docker.options import DockerOptions
    from simulator.run import prepare, start
    from simulator.run.live import LiveRun
    from simulator.run.request import RunRequest

    started = time.perf_counter()
    request = RunRequest(path=path, backend=DockerOptions(grace_period=2), reuse=True)
    execution = start(prepare(request))
    assert isinstance(execution.run, LiveRun) and execution.run.realtime.reuser is not None
    timed = _Timed(execution.run.realtime.reuser)
    execution.run.realtime.reuser = timed
    report = asyncio.run(execution.run_to_end())
    elapsed = time.perf_counter() - started
    if report["workflow"]["status"] != "COMPLETED":
        raise RuntimeError(f"benchmark workflow ended {report['workflow']['status']}")
    return elapsed, timed


def _docker_run(edit: str) -> float:
    started = time.perf_counter()
    command = f"mkdir -p /out && cat /etc/hostname > /dev/null; echo {edit}; "
    command += WRITE.replace("{{output}}", "/out")
    subprocess.run(
        ["docker", "run", "--rm", IMAGE, "sh", "-c", command],
        check=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def run() -> list[dict[str, Any]]:
    if not docker_engine_up(IMAGE):
        print(f"bench_reuse: skipped, no Docker engine with {IMAGE}", file=sys.stderr)
        return []
    from simulator.reuse import ReuseStore, reuse_root

    tmp_root = Path(tempfile.gettempdir()).resolve()
    work = Path(tempfile.mkdtemp(prefix="osmo-tui-bench-reuse-", dir=tmp_root))
    old = os.environ.get("OSMO_TUI_RUNS_DIR")
    os.environ["OSMO_TUI_RUNS_DIR"] = str(work / "runs")
    try:
        path = work / "workflow.yaml"
        store = ReuseStore(reuse_root(work / "runs"))
        path.write_text(_yaml("warm-up"))
        _run(path)  # warm-up: page cache, image layers, imports
        firsts, reruns, overheads, plain = [], [], [], []
        for n in range(REPEATS):
            store.clear()
            path.write_text(_yaml(f"first-{n}"))
            first, _ = _run(path)
            path.write_text(_yaml(f"edited-{n}"))
            again, timed = _run(path)
            if timed.hits != GROUPS - 1:
                raise RuntimeError(f"expected {GROUPS - 1} reused groups, got {timed.hits}")
            firsts.append(first)
            reruns.append(again)
            overheads.append(timed.seconds)
            plain.append(_docker_run(f"edited-{n}"))
        docker_run = min(plain)
        rerun, first, overhead = min(reruns), min(firsts), min(overheads)
        rows = [
            _rounded(
                row(
                    f"reuse: {GROUPS}-group chain, last group edited, re-run vs first run",
                    rerun,
                    first,
                    TARGET,
                    "s",
                )
            ),
            _rounded(
                row(
                    "reuse: warm re-run's reuse overhead (keys, restore, keep) vs docker run",
                    overhead,
                    docker_run,
                    None,
                    "s",
                )
            ),
            _rounded(
                row(
                    "reuse: whole warm re-run vs docker run of the changed task",
                    rerun,
                    docker_run,
                    None,
                    "s",
                )
            ),
        ]
    finally:
        if old is None:
            os.environ.pop("OSMO_TUI_RUNS_DIR", None)
        else:
            os.environ["OSMO_TUI_RUNS_DIR"] = old
        safe_rmtree(work, tmp_root)  # only ever the directory made above
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)


def _rounded(line: dict[str, Any]) -> dict[str, Any]:
    """Value, baseline and ratio to the millisecond (the table this bench has always printed)."""
    return {k: round(v, 3) if k in ("value", "baseline", "ratio") else v for k, v in line.items()}

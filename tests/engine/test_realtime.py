"""The asyncio driver over a small but real backend: each task is a local `sh -c` process."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from simulator.engine.events import (
    Event,
    TaskExited,
    TaskInitializing,
    TaskLog,
    TaskReady,
    TaskRunning,
    TaskScheduling,
)
from simulator.engine.plan import GroupPlan, Plan
from simulator.engine.port import Capabilities
from simulator.engine.realtime import RealtimeRun
from simulator.engine.snapshot import RunSnapshot, fold
from tests.engine.plans import make_plan


class ProcessBackend:
    """Runs each task's shell command as a subprocess of this test (no mocks: real processes)."""

    capabilities = Capabilities(name="process")

    def __init__(self, commands: dict[str, str]) -> None:
        self.commands = commands
        self.procs: dict[str, asyncio.subprocess.Process] = {}
        self.calls: list[str] = []
        self.closed = 0
        self._emit: Callable[[Any], None] = lambda e: None
        self._watchers: set[asyncio.Task[None]] = set()

    async def prepare(self, plan: Plan, run_dir: Path, emit: Callable[[Any], None]) -> None:
        self._emit = emit

    async def start_group(self, group: GroupPlan, retries: dict[str, int]) -> None:
        self.calls.append(f"start_group {group.name}")
        for task in group.tasks:
            await self.start_attempt(task, retries[task])

    async def start_attempt(self, task: str, retry: int) -> None:
        self._emit(TaskScheduling(0.0, task, retry))
        self._emit(TaskInitializing(0.0, task, retry, node="localhost"))
        self._emit(TaskReady(0.0, task, retry))

    async def release(self, task: str, retry: int) -> None:
        self.calls.append(f"release {task}")
        proc = await asyncio.create_subprocess_exec(
            "sh",
            "-c",
            self.commands[task],
            stdout=asyncio.subprocess.PIPE,
            start_new_session=True,  # own process group: a kill reaches `sleep` too
        )
        self.procs[task] = proc
        self._emit(TaskRunning(0.0, task, retry))
        watcher = asyncio.create_task(self._watch(task, retry, proc))
        self._watchers.add(watcher)
        watcher.add_done_callback(self._watchers.discard)

    async def _watch(self, task: str, retry: int, proc: asyncio.subprocess.Process) -> None:
        assert proc.stdout is not None
        async for raw in proc.stdout:
            self._emit(TaskLog(0.0, task, retry, raw.decode().rstrip("\n")))
        code = await proc.wait()
        if self.procs.get(task) is proc:
            self._emit(TaskExited(0.0, task, retry, code))

    async def kill(self, task: str, retry: int, reason: str) -> None:
        self.calls.append(f"kill {task}")
        proc = self.procs.pop(task, None)
        if proc is not None and proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            await proc.wait()

    async def restart(self, task: str, retry: int) -> None:
        await self.kill(task, retry, "restart")
        self._emit(TaskReady(0.0, task, retry))

    async def cleanup_group(self, group: str) -> None:
        self.calls.append(f"cleanup {group}")

    async def close(self) -> None:
        self.closed += 1
        for task in list(self.procs):
            await self.kill(task, 0, "close")


def _run(plan: Plan, backend: ProcessBackend, cancel_after: float | None = None) -> RunSnapshot:
    snap = RunSnapshot.from_plan(plan)
    events: list[Event] = []

    def on_event(event: Event) -> None:
        events.append(event)
        fold(snap, event)

    async def main() -> None:
        run = RealtimeRun(plan, backend, user="tester")
        if cancel_after is not None:
            asyncio.get_running_loop().call_later(cancel_after, run.cancel, "workflow", "", "bye")
        await asyncio.wait_for(run.run(on_event), timeout=30)

    asyncio.run(main())
    return snap


pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs sh")


def test_lead_finishing_kills_worker_and_downstream_runs() -> None:
    plan = make_plan({"g": ["lead", "worker"], "h": ["after"]}, upstream={"h": ["g"]})
    backend = ProcessBackend(
        {"lead": "echo hi; sleep 0.2", "worker": "sleep 30", "after": "exit 0"}
    )
    snap = _run(plan, backend)
    assert snap.status == "COMPLETED"
    assert snap.tasks["worker"].status == "COMPLETED"
    assert snap.tasks["worker"].message == "Lead task finished"
    assert "kill worker" in backend.calls and "cleanup g" in backend.calls
    assert backend.calls.index("start_group h") > backend.calls.index("kill worker")
    assert backend.closed == 1
    assert 0.1 < (snap.tasks["lead"].end_time or 0) < 10


def test_real_exit_code_fails_and_propagates() -> None:
    plan = make_plan({"a": ["a1"], "b": ["b1"]}, upstream={"b": ["a"]})
    snap = _run(plan, ProcessBackend({"a1": "sleep 0.1; exit 3", "b1": "exit 0"}))
    assert (snap.tasks["a1"].status, snap.tasks["a1"].exit_code) == ("FAILED", 3)
    assert snap.tasks["b1"].status == "FAILED_UPSTREAM" and snap.status == "FAILED"


def test_exec_timeout_fires_on_the_wall_clock() -> None:
    plan = make_plan({"a": ["a1"]}, exec_timeout=0.3, exec_timeout_text="300ms")
    backend = ProcessBackend({"a1": "sleep 30"})
    snap = _run(plan, backend)
    assert snap.tasks["a1"].status == "FAILED_EXEC_TIMEOUT"
    assert snap.tasks["a1"].message == "Task ran longer than the set limit of 300ms."
    assert "kill a1" in backend.calls and backend.closed == 1


def test_cancel_while_running() -> None:
    plan = make_plan({"a": ["a1"]})
    backend = ProcessBackend({"a1": "sleep 30"})
    snap = _run(plan, backend, cancel_after=0.3)
    assert snap.status == "FAILED_CANCELED"
    assert snap.tasks["a1"].message == "Task was canceled by user: tester. bye"
    assert backend.closed == 1 and not backend.procs


def test_backend_close_runs_when_the_run_is_interrupted() -> None:
    plan = make_plan({"a": ["a1"]})
    backend = ProcessBackend({"a1": "sleep 30"})

    async def main() -> None:
        run = RealtimeRun(plan, backend)
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(run.run(lambda e: None), timeout=0.3)

    asyncio.run(main())
    assert backend.closed == 1 and not backend.procs


def test_a_live_run_is_recorded_in_the_run_store_by_the_pipeline() -> None:
    from simulator.run import Execution, RunRequest, prepare_plan
    from simulator.run.live import LiveRun
    from simulator.runs import RunStore

    plan = make_plan({"a": ["a1"]})
    recorder = RunStore().create(plan, backend="process", spec="workflow: {}", track=False)
    live = LiveRun(RealtimeRun(plan, ProcessBackend({"a1": "echo one; echo two"})))
    execution = Execution(prepare_plan(RunRequest(), plan), live, recorder)

    async def main() -> None:
        await asyncio.wait_for(execution.run_to_end(), timeout=30)

    asyncio.run(main())
    recorded = RunStore().load("latest")
    assert recorded.events[0].kind == "run_started" and recorded.events[-1].kind == "run_finished"
    assert recorded.logs == {"a1.log": "one\ntwo\n"}
    assert recorded.report is not None and recorded.report["workflow"]["status"] == "COMPLETED"


class ThreadedBackend(ProcessBackend):
    """Reports from worker threads, as backends wrapping blocking clients do."""

    async def start_attempt(self, task: str, retry: int) -> None:
        for event in (
            TaskScheduling(0.0, task, retry),
            TaskInitializing(0.0, task, retry, node="localhost"),
            TaskReady(0.0, task, retry),
        ):
            await asyncio.to_thread(self._emit, event)


def test_reports_from_threads_are_safe() -> None:
    plan = make_plan({"g": ["lead", "w"]})
    snap = _run(plan, ThreadedBackend({"lead": "sleep 0.2", "w": "exit 0"}))
    assert snap.status == "COMPLETED"
    assert snap.tasks["lead"].node == "localhost"


def test_injected_clock_stamps_every_event() -> None:
    ticks = iter(range(1000))
    plan = make_plan({"a": ["a1"]})
    times: list[float] = []

    async def main() -> None:
        run = RealtimeRun(plan, ProcessBackend({"a1": "exit 0"}), clock=lambda: float(next(ticks)))
        await asyncio.wait_for(run.run(lambda e: times.append(e.time)), timeout=30)

    asyncio.run(main())
    assert times == sorted(times) and times[0] == 0.0 and times[-1] >= 3.0


class RefusingBackend(ProcessBackend):
    async def prepare(self, plan: Plan, run_dir: Path, emit: Callable[[Any], None]) -> None:
        from simulator.errors import BackendError

        raise BackendError("Docker engine is not running")


class BrokenCreateBackend(ProcessBackend):
    async def start_attempt(self, task: str, retry: int) -> None:
        raise RuntimeError("create failed")


def test_a_backend_that_cannot_prepare_is_closed_and_reported() -> None:
    from simulator.errors import BackendError

    backend = RefusingBackend({})
    with pytest.raises(BackendError, match="not running"):
        asyncio.run(RealtimeRun(make_plan({"a": ["a1"]}), backend).run(lambda e: None))
    assert backend.closed == 1


def test_a_failing_backend_call_becomes_a_backend_error_status() -> None:
    plan = make_plan({"a": ["a1"], "b": ["b1"]}, upstream={"b": ["a"]})
    snap = _run(plan, BrokenCreateBackend({"a1": "exit 0"}))
    assert snap.tasks["a1"].status == "FAILED_BACKEND_ERROR" and snap.tasks["a1"].exit_code == 3001
    assert snap.tasks["b1"].status == "FAILED_UPSTREAM" and str(snap.status) == "FAILED"
    assert any("backend error during create_group" in w for w in snap.warnings)


class SlowStartBackend(ProcessBackend):
    """Tasks named in `stuck` are placed (INITIALIZING) but never get ready: an image pull or a
    container create that hangs."""

    def __init__(self, commands: dict[str, str], stuck: set[str]) -> None:
        super().__init__(commands)
        self.stuck = stuck

    async def start_attempt(self, task: str, retry: int) -> None:
        if task not in self.stuck:
            await super().start_attempt(task, retry)
            return
        self._emit(TaskScheduling(0.0, task, retry))
        self._emit(TaskInitializing(0.0, task, retry, node="localhost"))


def test_start_timeout_fails_an_attempt_that_never_starts() -> None:
    """OSMO's max_pod_restart_limit on a real backend: the stuck task is killed and fails
    FAILED_START_TIMEOUT (3005). As in the simulator, that opens the barrier for its ready lead,
    which runs; a non-lead failure does not fail the group, and the downstream group runs."""
    plan = make_plan(
        {"g": ["lead", "stuck"], "h": ["after"]},
        upstream={"h": ["g"]},
        start_timeout=0.4,
        start_timeout_text="400ms",
    )
    backend = SlowStartBackend({"lead": "sleep 0.2", "after": "exit 0"}, stuck={"stuck"})
    snap = _run(plan, backend)
    stuck = snap.tasks["stuck"]
    assert (stuck.status, stuck.exit_code) == ("FAILED_START_TIMEOUT", 3005)
    assert stuck.message == "Task did not start within 400ms (still initializing)."
    assert 0.3 < (stuck.end_time or 0) < 5
    assert "kill stuck" in backend.calls
    lead = snap.tasks["lead"]
    assert (lead.status, lead.exit_code) == ("COMPLETED", 0)
    assert (lead.end_time or 0) >= (stuck.end_time or 0) + 0.15  # released when `stuck` failed
    assert snap.tasks["after"].status == "COMPLETED" and snap.status == "COMPLETED"
    assert backend.closed == 1 and not backend.procs


def test_start_timeout_spares_attempts_that_started() -> None:
    plan = make_plan({"a": ["a1"]}, start_timeout=0.2, start_timeout_text="200ms")
    snap = _run(plan, ProcessBackend({"a1": "sleep 0.6"}))
    assert (snap.tasks["a1"].status, snap.tasks["a1"].exit_code) == ("COMPLETED", 0)

"""The app over a real-time run: RealtimeRun driving real local processes (the engine's own test
backend), so the live path (wall clock, streamed logs, cancel, close before re-run) is exercised
without Docker."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from osmo_tui.app.app import make_app
from simulator.engine.realtime import RealtimeRun
from simulator.engine.status import TaskStatus, WorkflowStatus
from simulator.run import RunRequest
from simulator.run.live import LiveRun
from tests.engine.test_realtime import ProcessBackend
from tests.tui.conftest import settle
from tests.tui.screen_text import screen_text

pytestmark = pytest.mark.anyio

WORKFLOW = """\
workflow:
  name: live
  groups:
  - name: first
    tasks:
    - name: hello
      image: alpine
      command: [sh, -c, "echo one; sleep 0.2; echo two"]
  - name: second
    tasks:
    - name: slow
      image: alpine
      command: [sh, -c, "sleep 30"]
      inputs:
      - task: hello
"""
COMMANDS = {"hello": "echo one; sleep 0.2; echo two", "slow": "sleep 30"}


class LoggedBackend(ProcessBackend):
    """Writes when it prepares and closes into a log shared by the runs of one test."""

    def __init__(self, name: str, log: list[str]) -> None:
        super().__init__(COMMANDS)
        self.name, self.log = name, log

    async def prepare(self, plan: object, run_dir: Path, emit: object) -> None:
        self.log.append(f"prepare {self.name}")
        await super().prepare(plan, run_dir, emit)  # type: ignore[arg-type]

    async def close(self) -> None:
        await super().close()
        self.log.append(f"close {self.name}")


def _driver(
    app: object, name: str = "run", log: list[str] | None = None
) -> tuple[LiveRun, ProcessBackend]:
    plan = app.session.plan  # type: ignore[attr-defined]
    backend = LoggedBackend(name, log if log is not None else [])
    return LiveRun(RealtimeRun(plan, backend)), backend


async def test_live_run_streams_logs_and_cancel_stops_the_processes(tmp_path: Path) -> None:
    wf = tmp_path / "live.yaml"
    wf.write_text(WORKFLOW)
    app = make_app(RunRequest(path=wf, record=False), autostart=False, keymap={})
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        driver, backend = _driver(app)
        app.main_screen.runs.start_run(driver)
        for _ in range(100):  # wall clock: wait for `slow` to be running
            await pilot.pause(0.05)
            snap = app.session.snapshot
            if snap is not None and snap.tasks["slow"].status is TaskStatus.RUNNING:
                break
        assert app.session.logs.get("hello") == ["one", "two"]
        assert "[live]" in screen_text(app) and " real" in screen_text(app)
        assert "on process (amd64 · 0 GPUs · no storage limits)" in screen_text(app)
        await pilot.press("c", "y")  # c asks first
        await settle(pilot)
        snap = app.session.snapshot
        assert snap is not None and snap.status is WorkflowStatus.FAILED_CANCELED
        assert snap.tasks["hello"].status is TaskStatus.COMPLETED
        assert backend.closed >= 1 and not backend.procs


async def test_rerun_closes_the_live_backend_before_the_next_run(tmp_path: Path) -> None:
    wf = tmp_path / "live.yaml"
    wf.write_text(WORKFLOW)
    app = make_app(RunRequest(path=wf, record=False), autostart=False, keymap={})
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        log: list[str] = []
        first, first_backend = _driver(app, "first", log)
        app.main_screen.runs.start_run(first)
        await pilot.pause(0.6)
        second, second_backend = _driver(app, "second", log)
        app.main_screen.runs.start_run(second)
        for _ in range(100):
            await pilot.pause(0.05)
            if second_backend.calls:
                break
        # the old run was canceled and its backend closed before the new one started anything
        assert log[:3] == ["prepare first", "close first", "prepare second"]
        assert not first_backend.procs
        assert second_backend.calls and app.session.run is second
        app.main_screen.workers.cancel_group(app.main_screen, "run")
        await asyncio.sleep(0.1)

"""Hot reload through the real watcher: edits to the workflow or a localpath file start a new run."""

from __future__ import annotations

import asyncio
import math
from pathlib import Path

import pytest
from textual.message import Message
from textual.pilot import Pilot

from osmo_tui.app.app import OsmoApp, make_app
from osmo_tui.app.controller import RunController
from osmo_tui.app.widgets.error_list import ErrorList
from osmo_tui.app.widgets.graph import GroupGraph
from simulator.engine.status import WorkflowStatus
from simulator.run import RunRequest
from tests.tui.conftest import settle
from tests.tui.screen_text import screen_text

pytestmark = pytest.mark.anyio

WORKFLOW = """\
workflow:
  name: reload-me
  groups:
  - name: work
    tasks:
    - name: step
      image: alpine:3.20
      command: [sh, /tmp/run.sh]
      files:
      - path: /tmp/run.sh
        localpath: run.sh
{extra}
"""
EXTRA_TASK = """\
  - name: check
    tasks:
    - name: verify
      image: alpine:3.20
      command: [sh, -c, "sleep 2"]
      inputs:
      - task: step
"""


def _write(tmp: Path, extra: str = "", script: str = "sleep 3\necho v1\n") -> Path:
    (tmp / "run.sh").write_text(script)
    path = tmp / "workflow.yaml"
    path.write_text(WORKFLOW.format(extra=extra))
    return path


async def _next_reload(
    pilot: Pilot[object], seen: list[Message], timeout: float = 8.0
) -> RunController.Reloaded:
    before = len([m for m in seen if isinstance(m, RunController.Reloaded)])
    waited = 0.0
    while waited < timeout:
        await pilot.pause(0.05)
        waited += 0.05
        reloads = [m for m in seen if isinstance(m, RunController.Reloaded)]
        if len(reloads) > before:
            return reloads[-1]
    raise AssertionError("no reload within the timeout")


def _step_script(app: OsmoApp) -> str:
    assert app.session.plan is not None
    spec = app.session.plan.tasks["step"].spec
    return "".join(f.contents or "" for f in spec.files)


async def test_editing_a_localpath_file_and_the_workflow_starts_new_runs(tmp_path: Path) -> None:
    path = _write(tmp_path)
    seen: list[Message] = []
    app = make_app(RunRequest(path=path, record=False), speed=math.inf, watch=True, keymap={})
    async with app.run_test(size=(100, 30), message_hook=seen.append) as pilot:
        await settle(pilot)
        assert "echo v1" in _step_script(app)
        await asyncio.sleep(0.2)  # the watcher is armed
        (tmp_path / "run.sh").write_text("sleep 4\necho v2\n")
        reload = await _next_reload(pilot, seen)
        assert reload.outcome.ok and reload.outcome.diff is not None
        assert reload.outcome.diff.changed == ("step",)
        await settle(pilot)
        assert "echo v2" in _step_script(app)
        assert app.main_screen.runs.run_count == 2
        snap = app.session.snapshot
        assert snap is not None and snap.status is WorkflowStatus.COMPLETED
        assert snap.time == 4.0  # the new script's sleep, not the old one's
        assert "run.sh changed; step: files" in screen_text(app)

        path.write_text(WORKFLOW.format(extra=EXTRA_TASK))
        reload = await _next_reload(pilot, seen)
        assert reload.outcome.diff is not None and reload.outcome.diff.added == ("verify",)
        await settle(pilot)
        assert app.main_screen.runs.run_count == 3
        assert app.session.snapshot is not None and "verify" in app.session.snapshot.tasks


async def test_saving_an_invalid_version_shows_errors_and_keeps_the_last_graph(
    tmp_path: Path,
) -> None:
    path = _write(tmp_path)
    seen: list[Message] = []
    app = make_app(RunRequest(path=path, record=False), speed=math.inf, watch=True, keymap={})
    async with app.run_test(size=(100, 30), message_hook=seen.append) as pilot:
        await settle(pilot)
        good_plan = app.session.plan
        await asyncio.sleep(0.2)
        path.write_text(WORKFLOW.format(extra="") + "    timeout: 5\n")
        reload = await _next_reload(pilot, seen)
        assert not reload.outcome.ok
        await pilot.pause(0.2)
        errors = app.main_screen.query_one(ErrorList)
        assert errors.display and errors.current is not None
        assert errors.current.location is not None and errors.current.location.line == 13
        assert "Extra inputs are not permitted" in errors.current.message
        assert app.session.plan is good_plan  # the last good graph stays
        assert app.main_screen.query_one(GroupGraph).snapshot is not None
        text = screen_text(app)
        assert "workflow.yaml:13" in text and "step" in text
        assert app.main_screen.runs.run_count == 1  # no run of the broken version

        path.write_text(WORKFLOW.format(extra=""))  # fixed again: errors go, a run starts
        reload = await _next_reload(pilot, seen)
        assert reload.outcome.ok
        await settle(pilot)
        assert not errors.errors and app.main_screen.runs.run_count == 2


async def test_a_scenario_change_reruns_with_the_new_scenario(tmp_path: Path) -> None:
    path = _write(tmp_path)
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text("tasks:\n  step: {duration: 7}\n")
    seen: list[Message] = []
    options = RunRequest(path=path, scenario=scenario, record=False)
    app = make_app(options, speed=math.inf, watch=True, keymap={})
    async with app.run_test(size=(100, 30), message_hook=seen.append) as pilot:
        await settle(pilot)
        assert app.session.snapshot is not None and app.session.snapshot.time == 7.0
        await asyncio.sleep(0.2)
        scenario.write_text("tasks:\n  step: {duration: 9, exit_code: 3}\n")
        reload = await _next_reload(pilot, seen)
        assert reload.outcome.ok and reload.outcome.diff is not None and reload.outcome.diff.empty
        await settle(pilot)
        snap = app.session.snapshot
        assert snap is not None and snap.time == 9.0 and snap.status is WorkflowStatus.FAILED
        assert "scenario.yaml changed; no task changed" in screen_text(app)

        scenario.write_text("tasks:\n  step: {duration: -1}\n")  # invalid: listed, no new run
        reload = await _next_reload(pilot, seen)
        assert not reload.outcome.ok
        assert "scenario.yaml" in reload.outcome.errors[0].message
        assert app.main_screen.runs.run_count == 2


async def test_a_reload_that_hits_a_bug_is_shown_and_the_next_save_still_reloads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Hot reload survives anything: even an internal error in one reload (simulated here by
    making the pipeline's prepare raise once) is an error on screen, never a dead watcher."""
    import simulator.run.reload as reload_module

    path = _write(tmp_path)
    seen: list[Message] = []
    app = make_app(RunRequest(path=path, record=False), speed=math.inf, watch=True, keymap={})
    real_prepare = reload_module.prepare
    calls: list[int] = []

    def broken_once(request: RunRequest) -> object:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("a bug in the loader")
        return real_prepare(request)

    async with app.run_test(size=(100, 30), message_hook=seen.append) as pilot:
        await settle(pilot)
        await asyncio.sleep(0.3)  # the watcher is armed
        monkeypatch.setattr(reload_module, "prepare", broken_once)
        _write(tmp_path, script="sleep 3\necho v2\n")
        bad = await _next_reload(pilot, seen)
        assert not bad.outcome.ok
        assert (
            "internal error: RuntimeError('a bug in the loader')" in bad.outcome.errors[0].message
        )
        errors = app.main_screen.query_one(ErrorList)
        assert errors.display and "internal error" in screen_text(app)
        assert app.main_screen.runs.run_count == 1  # the last good run stays on screen
        _write(tmp_path, script="sleep 3\necho v3\n")
        good = await _next_reload(pilot, seen)
        assert good.outcome.ok and "echo v3" in _step_script(app)
        await settle(pilot)
        assert app.main_screen.runs.run_count == 2


async def test_closing_the_editor_without_a_save_keeps_the_run(tmp_path: Path) -> None:
    path = _write(tmp_path)
    app = make_app(RunRequest(path=path, record=False), speed=math.inf, keymap={})
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.main_screen
        screen.editor_closed()  # the editor saved nothing
        await pilot.pause(0.2)
        assert screen.runs.run_count == 1
        assert any("No change saved" in n.message for n in app._notifications)
        _write(tmp_path, script="sleep 3\necho v2\n")
        screen.editor_closed()
        await settle(pilot)
        assert screen.runs.run_count == 2 and "echo v2" in _step_script(app)


async def test_a_reload_mid_run_does_not_announce_the_replaced_run_as_failed(
    tmp_path: Path,
) -> None:
    path = _write(tmp_path, script="sleep 300\n")
    seen: list[Message] = []
    app = make_app(RunRequest(path=path, record=False), speed=1.0, watch=True, keymap={})
    async with app.run_test(size=(100, 30), message_hook=seen.append) as pilot:
        await pilot.pause(0.5)  # running, far from its end
        _write(tmp_path, script="sleep 200\n")
        outcome = await _next_reload(pilot, seen)
        assert outcome.outcome.ok
        await pilot.pause(0.5)
        assert app.main_screen.runs.run_count == 2
        assert not [m for m in seen if isinstance(m, RunController.RunEnded)]
        assert not any("Run finished" in n.message for n in app._notifications)

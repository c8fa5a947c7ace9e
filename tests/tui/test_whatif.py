"""What-if on a task (`i`): fail with an exit code, be preempted or take longer; the run is
re-simulated at once, and the scenario can be saved as a file `--scenario` reads."""

from __future__ import annotations

import math
from pathlib import Path

import anyio
import pytest

from osmo_tui.app.app import make_app
from osmo_tui.app.screens.whatif import WhatIfDialog
from osmo_tui.cli.main import main
from simulator.backends.scenario import load_scenario
from simulator.engine.status import TaskStatus, WorkflowStatus
from simulator.run import RunRequest
from tests.conftest import EXAMPLES
from tests.tui.conftest import settle, wait_for
from tests.tui.screen_text import screen_text

pytestmark = pytest.mark.anyio
SERIAL = EXAMPLES / "serial.yaml"


def app_on(path: Path = SERIAL, scenario: Path | None = None) -> object:
    return make_app(
        RunRequest(path=path, scenario=scenario, record=False), speed=math.inf, keymap={}
    )


async def open_on_generate(pilot: object, app: object) -> None:
    await settle(pilot)  # type: ignore[arg-type]
    await pilot.press("down")  # type: ignore[attr-defined]
    assert app.main_screen.selected == "generate"  # type: ignore[attr-defined]
    await pilot.press("i")  # type: ignore[attr-defined]
    await wait_for(pilot, lambda: isinstance(app.screen, WhatIfDialog))  # type: ignore[arg-type, attr-defined]


async def test_i_then_enter_makes_the_task_fail_and_resimulates_at_once() -> None:
    app = app_on()
    async with app.run_test(size=(100, 30)) as pilot:  # type: ignore[attr-defined]
        await open_on_generate(pilot, app)
        await pilot.press("tab", "backspace", "3", "enter")  # exit code 3
        await settle(pilot)
        snap = app.session.snapshot  # type: ignore[attr-defined]
        assert snap.tasks["generate"].status is TaskStatus.FAILED
        assert snap.tasks["generate"].exit_code == 3
        assert snap.tasks["square"].status is TaskStatus.FAILED_UPSTREAM
        assert "what-if: generate fails with exit 3" in screen_text(app)  # type: ignore[arg-type]
        assert app.session.request.path == SERIAL  # type: ignore[attr-defined]


async def test_preempted_and_longer_and_dropping_the_what_if() -> None:
    app = app_on()
    async with app.run_test(size=(100, 30)) as pilot:  # type: ignore[attr-defined]
        await open_on_generate(pilot, app)
        await pilot.press("down", "enter")  # the second choice: preempted
        await settle(pilot)
        snap = app.session.snapshot  # type: ignore[attr-defined]
        assert snap.tasks["generate"].status is TaskStatus.FAILED_PREEMPTED
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, WhatIfDialog))  # type: ignore[attr-defined]
        await pilot.press("down", "tab", "tab")  # third choice, then the seconds
        await pilot.press("ctrl+u", *"100", "enter")
        await settle(pilot)
        snap = app.session.snapshot  # type: ignore[attr-defined]
        assert snap.status is WorkflowStatus.COMPLETED and snap.time == 100 + 15 + 5
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, WhatIfDialog))  # type: ignore[attr-defined]
        await pilot.press("down", "enter")  # the last choice: as the scenario says
        await settle(pilot)
        assert app.session.snapshot.time == 30  # type: ignore[attr-defined]


async def test_the_what_if_is_saved_as_a_scenario_that_simulate_reads(
    tmp_path: Path, scenario: object
) -> None:
    base = scenario("default: {queue: 1}\ntasks:\n  total: {duration: 7}\n")  # type: ignore[operator]
    saved = tmp_path / "whatif.yaml"
    app = app_on(scenario=base)
    async with app.run_test(size=(100, 30)) as pilot:  # type: ignore[attr-defined]
        await open_on_generate(pilot, app)
        await pilot.press("tab", "tab", "tab", *str(saved), "enter")
        await settle(pilot)
    written = load_scenario(saved)
    assert written.tasks["generate"].exit_code == 1
    assert written.tasks["total"].duration == 7 and written.default.queue == 1  # base kept
    assert "what-if: generate fails with exit 1" in saved.read_text()
    assert "queue: 1" in base.read_text() and "generate" not in base.read_text()  # untouched
    argv = ["simulate", str(SERIAL), "--scenario", str(saved), "--no-record"]
    assert await anyio.to_thread.run_sync(main, argv) == 1  # the CLI reads it: generate fails


async def test_a_base_scenario_broken_since_the_start_is_reported_not_a_crash(
    scenario: object,
) -> None:
    base = scenario("tasks:\n  total: {duration: 7}\n")  # type: ignore[operator]
    app = app_on(scenario=base)
    async with app.run_test(size=(100, 30)) as pilot:  # type: ignore[attr-defined]
        await open_on_generate(pilot, app)
        base.write_text("tasks: [unclosed\n")
        runs = app.main_screen.runs.run_count  # type: ignore[attr-defined]
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert app.main_screen.runs.run_count == runs  # type: ignore[attr-defined]
        assert app.session.snapshot.status is WorkflowStatus.COMPLETED  # type: ignore[attr-defined]

"""The task detail: `w` jumps to the root cause; the log follows until scrolled up, counts what
arrives below and End follows again; error lines stand out; start, duration and attempts."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import Static, TabbedContent

from osmo_tui.app.app import make_app
from osmo_tui.app.widgets.task_detail import ERROR_STYLE, LogView, TaskDetail, is_error_line
from simulator.run import RunRequest
from tests.tui.conftest import settle, wait_for
from tests.tui.plans import small_plan
from tests.tui.screen_text import screen_text

SIZE = (100, 30)
pytestmark = pytest.mark.anyio
Scenario = Callable[[str], Path]

FAILING = """
tasks:
  train-model:
    duration: 30
    exit_code: 3
    logs: ["loading the data", "epoch 1", "ERROR: CUDA out of memory", "giving up"]
"""


def static_text(app: object, selector: str) -> str:
    widget = app.main_screen.query_one(selector, Static)  # type: ignore[attr-defined]
    return str(widget.render())


async def test_w_from_a_failed_upstream_task_jumps_to_the_first_failure(
    scenario: Scenario,
) -> None:
    options = RunRequest(scenario=scenario(FAILING), record=False)
    app = make_app(options, plan=small_plan(), speed=math.inf, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.main_screen
        screen.selected = "publish"
        await pilot.press("w")
        await pilot.pause(0.2)
        assert screen.selected == "train-model"
        assert screen.query_one("#views", TabbedContent).active == "task"
        cause = static_text(app, "#task-cause")
        assert "publish is FAILED_UPSTREAM because train-model failed first" in cause
        assert "FAILED exit 3 at t+31s" in cause
        assert "exit code 3 from scenario" in cause  # the simulator's --explain reason
        log = screen.query_one(LogView)
        assert log.lines[log.first_error() or 0] == "ERROR: CUDA out of memory"
        assert not log.follow  # parked on the error line, not at the end
        assert "tries" not in static_text(app, "#task-info")  # one attempt: no list


async def test_w_with_nothing_failed_says_so() -> None:
    app = make_app(plan=small_plan(), speed=math.inf, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("w")
        await pilot.pause(0.1)
        assert app.main_screen.query_one("#views", TabbedContent).active == "graph"


def test_error_lines_are_recognised_and_styled() -> None:
    for line in ("ERROR: boom", "x error: no such", "Traceback (most recent", "ValueError: v"):
        assert is_error_line(line), line
    assert not is_error_line("errors=0 terror")
    view = LogView()
    view.lines = ["fine", "ERROR: boom"]
    assert view.line(1)[0].style == ERROR_STYLE and view.line(0)[0].style is None


async def test_the_log_follows_until_scrolled_up_and_end_follows_again(
    scenario: Scenario,
) -> None:
    lines = ", ".join(f'"line {n}"' for n in range(120))
    path = scenario(f"tasks:\n  download:\n    duration: 40\n    logs: [{lines}]\n")
    options = RunRequest(scenario=path, record=False)
    app = make_app(options, plan=small_plan(), speed=1.0, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen
        await pilot.press("down")  # prep header -> download
        await pilot.press("5")
        log = screen.query_one(LogView)
        await wait_for(pilot, lambda: len(log.lines) > 25, timeout=10)
        assert log.follow and log.scroll_y >= log.max_scroll_y - 2
        await pilot.press("pageup")
        await wait_for(pilot, lambda: log.unseen > 0, timeout=5)
        assert not log.follow
        # waits, not pauses: a loaded machine draws late (the run goes on meanwhile)
        await wait_for(pilot, lambda: "new lines ↓" in screen_text(app), timeout=5)
        status = static_text(app, "#log-status")
        assert "new lines ↓" in status and "(End to follow)" in status
        await pilot.press("end")
        await wait_for(pilot, lambda: log.follow and log.unseen == 0, timeout=5)
        await wait_for(
            pilot, lambda: not screen.query_one("#log-status", Static).display, timeout=5
        )
        await pilot.press("pageup")
        await wait_for(pilot, lambda: not log.follow, timeout=5)
        await pilot.press("G")  # the vi way back to following
        await wait_for(
            pilot, lambda: log.follow and log.scroll_y >= log.max_scroll_y - 2, timeout=5
        )


async def test_the_detail_shows_start_duration_and_every_attempt(scenario: Scenario) -> None:
    from tests.conftest import EXAMPLES

    path = scenario(
        "pool: {max_retry_per_task: 2}\ntasks:\n  leader:\n    duration: 10\n    attempts:\n"
        "    - {status: FAILED_PREEMPTED}\n    - {exit_code: 0}\n"
    )
    options = RunRequest(path=EXAMPLES / "exit_actions.yaml", scenario=path, record=False)
    app = make_app(options, speed=math.inf, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.main_screen
        screen.selected = "leader"
        await pilot.press("5")
        screen._show_task(fresh=True)
        await pilot.pause(0.1)
        info = static_text(app, "#task-info")
        assert "started t+" in info and "ran 10s" in info
        tries = next(line for line in info.splitlines() if line.startswith("tries"))
        assert "#0 ↻ RESCHEDULED exit 3006" in tries and "#1 ✔ COMPLETED exit 0" in tries
        assert screen.query_one(TaskDetail).task_name == "leader"

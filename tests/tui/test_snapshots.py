"""SVG snapshots of the main screens (fixed size, finished deterministic runs, no toasts).

Update with `pytest tests/tui --snapshot-update` after looking at the new SVGs.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot

from osmo_tui.app.app import make_app
from simulator.run import RunRequest
from tests.tui.conftest import settle
from tests.tui.plans import big_plan, small_plan

SIZE = (100, 30)
INSTANT = math.inf
Compare = Callable[..., bool]
Scenario = Callable[[str], Path]


def _then(*keys: str) -> Callable[[Pilot[object]], Awaitable[None]]:
    async def run_before(pilot: Pilot[object]) -> None:
        await settle(pilot)
        if keys:
            await pilot.press(*keys)
            await pilot.pause(0.2)

    return run_before


def test_small_workflow_completed(snap_compare: Compare) -> None:
    app = make_app(plan=small_plan(), speed=INSTANT, keymap={})
    assert snap_compare(app, terminal_size=SIZE, run_before=_then())


def test_failed_run_propagates_upstream_failure(snap_compare: Compare, scenario: Scenario) -> None:
    path = scenario("tasks:\n  train-model: {exit_code: 1, duration: 30}\n")
    app = make_app(
        RunRequest(scenario=path, record=False), plan=small_plan(), speed=INSTANT, keymap={}
    )
    assert snap_compare(app, terminal_size=SIZE, run_before=_then("2"))


def test_lead_finished_ends_its_group(snap_compare: Compare, scenario: Scenario) -> None:
    path = scenario("tasks:\n  download: {duration: 5}\n  clean: {duration: 100}\n")
    app = make_app(
        RunRequest(scenario=path, record=False), plan=small_plan(), speed=INSTANT, keymap={}
    )
    # cursor onto `clean` (prep header -> download -> clean), enter opens its detail
    assert snap_compare(app, terminal_size=SIZE, run_before=_then("down", "down", "enter"))


def test_invalid_spec_lists_errors(
    snap_compare: Compare, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # relative paths keep the snapshot free of temp dir names
    Path("workflow.yaml").write_text(
        "workflow:\n  name: broken\n  tasks:\n  - name: a\n    image: alpine\n"
        "    command: [sh]\n    timeout: 5\n"
    )
    app = make_app(RunRequest(path=Path("workflow.yaml"), record=False), keymap={})
    assert app.session.errors

    async def run_before(pilot: Pilot[object]) -> None:
        await pilot.pause(0.3)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_four_hundred_tasks_overview(snap_compare: Compare) -> None:
    app = make_app(plan=big_plan(400), speed=INSTANT, keymap={})
    assert snap_compare(app, terminal_size=SIZE, run_before=_then())


@pytest.mark.parametrize("tab", ["3", "4"])
def test_timeline_and_events(snap_compare: Compare, tab: str) -> None:
    app = make_app(plan=small_plan(), speed=INSTANT, keymap={})
    assert snap_compare(app, terminal_size=SIZE, run_before=_then(tab))


def test_running_workflow_at_80x24(snap_compare: Compare, scenario: Scenario) -> None:
    """The smallest terminal we promise: mid-run (paused after a few steps), header and graph."""
    path = scenario("default: {duration: 20}\n")
    options = RunRequest(scenario=path, record=False)
    app = make_app(options, plan=small_plan(), speed=1.0, paused=True, keymap={})

    async def run_before(pilot: Pilot[object]) -> None:
        await pilot.pause(0.2)
        for _ in range(3):
            seen = len(app.session.events)
            await pilot.press("n")
            while len(app.session.events) == seen:  # the worker took the step
                await pilot.pause(0.02)
        await pilot.pause(0.2)
        pilot.app.clear_notifications()

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


# --- round two: the Gantt timeline, the wide layout, 80x24 ------------------------------------

SMALL, WIDE = (80, 24), (200, 50)
EXIT_ACTIONS = Path(__file__).parents[2] / "examples" / "exit_actions.yaml"
RETRIES = (
    "pool: {max_retry_per_task: 3}\n"
    "tasks:\n"
    "  leader:\n"
    "    attempts:\n"
    "      - {exit_code: 137, duration: 10}\n"
    "      - {exit_code: 137, duration: 5}\n"
    "      - {exit_code: 16, duration: 20}\n"
)


@pytest.mark.parametrize("size", [SMALL, WIDE], ids=["80x24", "200x50"])
def test_timeline_with_retries(
    snap_compare: Compare, scenario: Scenario, size: tuple[int, int]
) -> None:
    """Every attempt its own segment with its exit mark, the axis, the critical path, the legend;
    the cursor on the retried task (its attempts in full on the details line)."""
    request = RunRequest(path=EXIT_ACTIONS, scenario=scenario(RETRIES), record=False)
    app = make_app(request, speed=INSTANT, keymap={})
    assert snap_compare(app, terminal_size=size, run_before=_then("3", "down"))


@pytest.mark.parametrize("size", [SMALL, WIDE], ids=["80x24", "200x50"])
def test_timeline_four_hundred_tasks_folded(snap_compare: Compare, size: tuple[int, int]) -> None:
    app = make_app(plan=big_plan(400), speed=INSTANT, keymap={})
    assert snap_compare(app, terminal_size=size, run_before=_then("escape", "3"))


def test_timeline_scrubbing_shows_now(snap_compare: Compare) -> None:
    app = make_app(plan=small_plan(), speed=INSTANT, keymap={})
    keys = ("3", "left_curly_bracket", *["right_square_bracket"] * 3)  # from the start
    assert snap_compare(app, terminal_size=SMALL, run_before=_then(*keys))


def test_wide_layout_graph_beside_the_task(snap_compare: Compare, scenario: Scenario) -> None:
    """200 columns: the graph and the selected task's detail side by side."""
    request = RunRequest(path=EXIT_ACTIONS, scenario=scenario(RETRIES), record=False)
    app = make_app(request, speed=INSTANT, keymap={})
    assert snap_compare(app, terminal_size=WIDE, run_before=_then("down", "enter"))


@pytest.mark.parametrize("tab", ["2", "5"], ids=["table", "task"])
def test_small_terminal_table_and_task(snap_compare: Compare, scenario: Scenario, tab: str) -> None:
    """80x24: the table shows the message column; the task tab leaves the log room."""
    path = scenario("tasks:\n  train-model: {exit_code: 1, duration: 30}\n")
    request = RunRequest(scenario=path, record=False)
    app = make_app(request, plan=small_plan(), speed=INSTANT, keymap={})
    keys = ("down", "down", "down", "down") if tab == "5" else ()
    assert snap_compare(app, terminal_size=SMALL, run_before=_then(*keys, tab))

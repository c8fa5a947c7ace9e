"""`c` asks before it cancels the workflow; `C` (or the palette) cancels the selected task's
group, through the same `Run.cancel(Cancel(scope=...))` path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from osmo_tui.app.app import make_app
from osmo_tui.app.keys import palette_entries
from osmo_tui.app.screens.dialogs import ConfirmDialog
from simulator.engine.events import CancelRequested
from simulator.engine.status import TaskStatus, WorkflowStatus
from simulator.run import RunRequest
from tests.tui.conftest import settle, wait_for
from tests.tui.plans import small_plan
from tests.tui.screen_text import screen_text

SIZE = (100, 30)
pytestmark = pytest.mark.anyio
Scenario = Callable[[str], Path]


def cancels(app: object) -> list[CancelRequested]:
    events = app.session.events  # type: ignore[attr-defined]
    return [e for e in events if isinstance(e, CancelRequested)]


async def test_c_asks_first_and_n_keeps_the_run(scenario: Scenario) -> None:
    options = RunRequest(scenario=scenario("default: {duration: 100}\n"), record=False)
    app = make_app(options, plan=small_plan(), speed=1.0, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.3)
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        assert "Cancel workflow train-pipeline-1?" in screen_text(app)
        await pilot.press("n")
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmDialog))
        await pilot.press("plus", "plus", "plus")
        await settle(pilot)
        assert not cancels(app)
        snap = app.session.snapshot
        assert snap is not None and snap.status is WorkflowStatus.COMPLETED


async def test_c_then_y_cancels_the_workflow(scenario: Scenario) -> None:
    options = RunRequest(scenario=scenario("default: {duration: 100}\n"), record=False)
    app = make_app(options, plan=small_plan(), speed=1.0, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.3)
        await pilot.press("c", "y", "plus", "plus", "plus")
        await settle(pilot)
        assert [(c.scope, c.name) for c in cancels(app)] == [("workflow", "")]
        snap = app.session.snapshot
        assert snap is not None and snap.status is WorkflowStatus.FAILED_CANCELED


async def test_capital_c_cancels_the_selected_tasks_group(scenario: Scenario) -> None:
    options = RunRequest(scenario=scenario("default: {duration: 100}\n"), record=False)
    app = make_app(options, plan=small_plan(), speed=1.0, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.3)
        await pilot.press("down")  # prep header -> download
        assert app.main_screen.selected == "download"
        await pilot.press("C")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        assert "Cancel group prep?" in screen_text(app)
        await pilot.press("y", "plus", "plus", "plus")
        await settle(pilot)
        assert [(c.scope, c.name) for c in cancels(app)] == [("group", "prep")]
        snap = app.session.snapshot
        assert snap is not None
        assert snap.tasks["download"].status is TaskStatus.FAILED_CANCELED
        assert snap.tasks["clean"].status is TaskStatus.FAILED_CANCELED
        assert snap.tasks["publish"].status is TaskStatus.FAILED_UPSTREAM


async def test_group_cancel_is_in_the_palette_and_needs_a_selection() -> None:
    titles = {title: action for title, _help, action in palette_entries({})}
    assert titles["Cancel the selected task's group (asks first)"] == "cancel_group"
    app = make_app(plan=small_plan(), speed=1.0, paused=True, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.2)
        app.main_screen.selected = None
        await app.main_screen.run_action("cancel_group")
        await pilot.pause(0.1)
        assert not isinstance(app.screen, ConfirmDialog)
        assert not cancels(app)

"""The app marks reused tasks (graph, table, legend) and R re-runs the selected task fresh."""

from __future__ import annotations

import io
import math

import pytest

from osmo_tui.app.app import make_app
from osmo_tui.app.screens.help import HelpScreen
from osmo_tui.app.widgets.graph import GroupGraph
from osmo_tui.app.widgets.task_table import TaskTable
from simulator.engine.events import Event, TaskReused, TaskStatusChanged
from tests.tui.conftest import settle
from tests.tui.plans import completed_events, small_plan
from tests.tui.screen_text import screen_text

pytestmark = pytest.mark.anyio
SIZE = (120, 60)


def reused_events(source: str) -> tuple[list[Event], str]:
    """A recorded run whose first group was restored from run `source` (as the engine emits)."""
    plan = small_plan()
    first = next(iter(plan.groups.values()))
    out: list[Event] = []
    for event in completed_events(plan):
        if (
            isinstance(event, TaskStatusChanged)
            and event.task in first.tasks
            and str(event.status) == "RUNNING"
        ):
            out.append(TaskReused(event.time, event.task, source))
        out.append(event)
    return out, first.tasks[0]


async def test_reused_tasks_are_marked_in_the_graph_table_and_legend() -> None:
    events, task = reused_events("20261202-150000-demo-1")
    plan = small_plan()
    app = make_app(plan=plan, replay_events=events, speed=math.inf, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        snapshot = app.session.snapshot
        assert snapshot is not None
        assert snapshot.tasks[task].reused_from == "20261202-150000-demo-1"
        graph = app.main_screen.query_one(GroupGraph)
        row = "".join(s.text for s in graph._task_row(task, 30, False))
        assert row.rstrip().endswith("↺")
        others = [t for t in plan.tasks if snapshot.tasks[t].reused_from is None]
        assert "↺" not in "".join(s.text for s in graph._task_row(others[0], 30, False))
        await pilot.press("2")
        table = app.main_screen.query_one(TaskTable)
        cells = dict(
            zip(
                [key for key, _label, _width in table.columns],
                [text for text, _ in table._cells(snapshot.tasks[task])],
                strict=True,
            )
        )
        assert cells["status"] == "↺ COMPLETED"
        assert cells["message"] == "reused from 20261202-150000-demo-1"
        assert "↺ COMPLETED" in screen_text(app)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        # the help screen scrolls: read its tables whole, not the visible part
        from rich.console import Console

        from osmo_tui.app.screens.help import help_table, legend_table

        console = Console(width=200, record=True, file=io.StringIO())
        console.print(help_table({}))
        console.print(legend_table())
        help_text = console.export_text()
        assert "↺" in help_text and "Re-run, the selected task" in help_text


async def test_R_asks_for_a_task_then_reruns_it_fresh() -> None:
    app = make_app(plan=small_plan(), speed=math.inf, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        runs = app.main_screen.runs.run_count
        await pilot.press("R")  # nothing selected: a warning, no new run
        await settle(pilot)
        assert app.main_screen.runs.run_count == runs
        await pilot.press("2", "down", "enter")
        selected = app.main_screen.selected
        assert selected is not None
        await pilot.press("R")
        await settle(pilot)
        assert app.main_screen.runs.run_count == runs + 1
        assert app.session.snapshot is not None and app.session.snapshot.finished

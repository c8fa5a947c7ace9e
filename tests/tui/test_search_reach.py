"""Pilot tests: a search and a status filter reach every view, say so, and never blank one.

(Issue 14, "the app, round two".)
"""

from __future__ import annotations

import math

import pytest

from osmo_tui.app.app import make_app
from osmo_tui.app.widgets.event_list import EventList
from osmo_tui.app.widgets.graph import GroupGraph
from osmo_tui.app.widgets.task_table import TaskTable
from osmo_tui.app.widgets.timeline import Timeline
from simulator.engine.events import RunFinished, RunStarted
from tests.tui.conftest import settle
from tests.tui.plans import big_plan, small_plan
from tests.tui.screen_text import screen_text

INSTANT = math.inf
SIZE = (100, 30)
pytestmark = pytest.mark.anyio


async def test_a_search_narrows_the_timeline_and_the_events_list() -> None:
    app = make_app(plan=small_plan(), speed=INSTANT, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.main_screen
        timeline, events = screen.query_one(Timeline), screen.query_one(EventList)
        every_row = len(timeline.rows)
        every_event = len(app.session.events)
        await pilot.press("slash", *"train", "enter")
        # timeline: only the matching task's row
        assert [r.task for r in timeline.rows if r.kind == "task"] == ["train-model"]
        assert len(timeline.rows) < every_row
        # events: the matching task's, and the run's own (started, finished) stay
        listed = [events.events[i] for i in events.shown or []]
        assert 0 < len(listed) < every_event
        tasks = {getattr(e, "task", "") for e in listed} - {""}
        assert tasks == {"train-model"}
        assert any(isinstance(e, RunFinished) for e in listed)
        assert any(isinstance(e, RunStarted) for e in listed)
        await pilot.press("4")
        await pilot.pause(0.1)
        text = screen_text(app)
        assert "train-model" in text and "download" not in text
        await pilot.press("3")
        await pilot.pause(0.1)
        text = screen_text(app)
        assert "train-model" in text and "download" not in text
        # clearing the search brings everything back
        await pilot.press("slash", *["backspace"] * 5, "enter")
        assert len(timeline.rows) == every_row and events.shown is None


async def test_a_folded_group_says_how_many_of_its_tasks_match() -> None:
    app = make_app(plan=big_plan(400), speed=INSTANT, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.main_screen
        graph, timeline = screen.query_one(GroupGraph), screen.query_one(Timeline)
        assert "g007" in graph.collapsed  # 400 tasks: a folded overview
        await pilot.press("slash", *"t007-0", "enter")
        await pilot.pause(0.1)
        assert graph.matches == {"g007": 10}
        assert "10 match" in screen_text(app)
        # the timeline folds the same groups and marks them the same way
        assert [r.group for r in timeline.rows] == ["g007"]
        assert timeline.matches == {"g007": 10}
        await pilot.press("3")
        await pilot.pause(0.1)
        assert "10 match" in screen_text(app)
        # unfolded, the timeline lists only the matching tasks
        await pilot.press("enter")
        await pilot.pause(0.1)
        tasks = [r.task for r in timeline.rows if r.kind == "task"]
        assert len(tasks) == 10 and all(t.startswith("t007-0") for t in tasks)


async def test_a_filter_that_keeps_nothing_says_why_in_every_view() -> None:
    app = make_app(plan=small_plan(), speed=INSTANT, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.main_screen
        graph = screen.query_one(GroupGraph)
        await pilot.press("f")  # active: nothing is active in a finished run
        await pilot.pause(0.1)
        assert graph.status_filter == "active" and not graph.boxes
        note = "no task is active · f: next filter · esc: show all"
        for tab in ("1", "2", "3", "4"):
            await pilot.press(tab)
            await pilot.pause(0.1)
            lines = screen_text(app).splitlines()
            hits = [line for line in lines if note in line]
            assert hits, f"tab {tab}: {lines}"
            assert hits[0].strip() == note  # one centred line, nothing else on it
            left = len(hits[0]) - len(hits[0].lstrip())
            assert left > 5  # centred, not at the left edge
        # a search that matches nothing says so as well
        await pilot.press("escape", "1", "slash", *"zzz", "enter")
        await pilot.pause(0.1)
        assert "no task matches 'zzz' · f: next filter · esc: clear search" in screen_text(app)
        await pilot.press("f")
        await pilot.pause(0.1)
        assert "no active task matches 'zzz'" in screen_text(app)


async def test_escape_clears_the_search_and_the_filter_from_every_tab() -> None:
    app = make_app(plan=small_plan(), speed=INSTANT, keymap={})
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        screen = app.main_screen
        graph, table = screen.query_one(GroupGraph), screen.query_one(TaskTable)
        timeline = screen.query_one(Timeline)
        every_row = len(timeline.rows)
        for tab in ("1", "2", "3", "4", "5"):
            await pilot.press("1", "slash", "t", "enter", "f", "f", "f")  # completed tasks
            await pilot.press(tab)  # the task tab (5) too: the header says esc works there
            await pilot.pause(0.1)
            assert graph.search == "t" and graph.status_filter == "completed"
            assert "esc: show all" in screen_text(app)  # the header says how to get out
            await pilot.press("escape")
            await pilot.pause(0.1)
            assert graph.search == table.search == ""
            assert graph.status_filter == table.status_filter == "all"
            assert len(timeline.rows) == every_row
            text = screen_text(app)
            assert "search:" not in text and "esc: show all" not in text


async def test_a_filter_on_a_large_graph_computes_the_matching_set_once() -> None:
    """The timeline and events list are handed one set per search change, not one per row."""
    app = make_app(plan=big_plan(400), speed=INSTANT, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.main_screen
        timeline = screen.query_one(Timeline)
        calls: list[object] = []
        original = timeline.narrow

        def counting(matching: set[str] | None, note: str = "") -> None:
            calls.append(matching)
            original(matching, note)

        timeline.narrow = counting  # type: ignore[method-assign]
        await pilot.press("slash", *"t01", "enter")
        await pilot.pause(0.4)
        assert calls and calls[-1] is not None
        assert all(t.startswith("t01") for t in calls[-1])  # type: ignore[union-attr]
        assert len(calls) <= 4  # per applied search, not per row or frame

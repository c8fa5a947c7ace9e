"""The Gantt timeline, the wide layout, width-aware graph boxes and the 80x24 fixes: pure parts on
real event streams, then Pilot tests for every key they add (over real simulator runs)."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import TabbedContent

from osmo_tui.app.app import make_app
from osmo_tui.app.attempts import AttemptLog, critical_path
from osmo_tui.app.widgets.error_list import ErrorList
from osmo_tui.app.widgets.graph import BOX, GroupGraph
from osmo_tui.app.widgets.task_detail import LogView
from osmo_tui.app.widgets.task_table import TaskTable
from osmo_tui.app.widgets.timeline import Timeline, ticks
from simulator.engine.snapshot import RunSnapshot, fold
from simulator.engine.status import TaskStatus
from simulator.run import RunRequest
from tests.tui.conftest import settle, wait_for
from tests.tui.plans import big_plan, completed_events, small_plan
from tests.tui.screen_text import screen_text

INSTANT = math.inf
pytestmark = pytest.mark.anyio
Scenario = Callable[[str], Path]
RETRIES = (
    "pool: {max_retry_per_task: 3}\n"
    "tasks:\n"
    "  leader:\n"
    "    attempts:\n"
    "      - {exit_code: 137, duration: 10}\n"
    "      - {exit_code: 137, duration: 5}\n"
    "      - {exit_code: 16, duration: 20}\n"
)
EXIT_ACTIONS = Path(__file__).parents[2] / "examples" / "exit_actions.yaml"


def _text(timeline: Timeline, row: int) -> str:
    return "".join(seg.text for seg in timeline.line(row))


# --- pure parts ------------------------------------------------------------------------------


def test_ticks_are_nice_readable_and_never_overlap() -> None:
    for span, width in ((40.0, 60), (7.0, 30), (3600.0, 150), (86400 * 3, 100), (0.5, 10)):
        marks = ticks(span, width)
        assert marks and marks[0] == (0, "0s")
        ends = [col + len(label) for col, label in marks]
        assert all(end <= width for end in ends)
        assert all(marks[i + 1][0] > ends[i] for i in range(len(marks) - 1))  # a space between
    assert [label for _c, label in ticks(40.0, 80)] == ["0s", "10s", "20s", "30s", "40s"]
    assert [label for _c, label in ticks(3600.0, 60)][:3] == ["0s", "15m00s", "30m00s"]
    assert [label for _c, label in ticks(1.0, 60)] == ["0s", "0.2s", "0.4s", "0.6s", "0.8s", "1s"]


def test_attempt_log_keeps_every_attempt_and_restarts_on_a_new_stream() -> None:
    events = completed_events(small_plan())
    log = AttemptLog()
    assert log.absorb(events)
    attempts = log.of("train-model")
    assert len(attempts) == 1 and attempts[0].status is TaskStatus.COMPLETED
    assert attempts[0].start is not None and attempts[0].end is not None
    assert not log.absorb(events)  # nothing new
    half = AttemptLog()
    half.absorb(events, upto=3)
    assert half.seen == 3
    half.absorb(list(events))  # another list: starts over
    assert half.seen == len(events)


def test_critical_path_follows_the_upstream_that_ended_last() -> None:
    plan = small_plan()
    snap = RunSnapshot.from_plan(plan)
    for event in completed_events(plan):
        fold(snap, event)
    chain, deciding = critical_path(snap)
    assert chain == ["report", "eval", "train", "prep"]
    assert deciding["train"] == "train-model"
    assert deciding["prep"] in ("download", "clean")
    assert critical_path(RunSnapshot.from_plan(plan)) == ([], {})  # nothing ran yet


# --- the timeline in the app -----------------------------------------------------------------


async def test_timeline_draws_every_attempt_with_its_exit(scenario: Scenario) -> None:
    request = RunRequest(path=EXIT_ACTIONS, scenario=scenario(RETRIES), record=False)
    app = make_app(request, speed=INSTANT, keymap={})
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        timeline = app.main_screen.query_one(Timeline)
        assert timeline.has_focus
        assert [len(timeline.attempts.of(t)) for t in ("leader", "helper", "finish")] == [3, 1, 1]
        leader = next(i for i, r in enumerate(timeline.rows) if r.task == "leader")
        text = _text(timeline, leader)
        assert text.count("↻") == 2 + 2  # two retried attempts: their marks, and in the note
        assert "↻137 ↻137 ✔16" in text
        screen = screen_text(app)
        assert "░ queued" in screen and "▌ critical path" in screen  # the legend
        assert "0s" in screen and "40s" in screen  # the axis, first and last tick


async def test_timeline_cursor_moves_and_enter_opens_the_task() -> None:
    app = make_app(plan=small_plan(), speed=INSTANT, keymap={})
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        screen = app.main_screen
        timeline = screen.query_one(Timeline)
        assert [r.kind for r in timeline.rows][:3] == ["group", "task", "task"]
        await pilot.press("down")
        assert timeline.current is not None and timeline.current.task == "download"
        assert screen.selected == "download"
        await pilot.press("j", "k", "end")
        assert timeline.current is not None and timeline.current.task == "publish"
        await pilot.press("home", "down", "down", "enter")
        assert screen.selected == "clean"
        assert screen.query_one(TabbedContent).active == "task"
        assert "clean" in screen_text(app)


async def test_folding_in_the_timeline_folds_the_graph_and_back() -> None:
    app = make_app(plan=small_plan(), speed=INSTANT, keymap={})
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.main_screen
        graph, timeline = screen.query_one(GroupGraph), screen.query_one(Timeline)
        await pilot.press("3", "enter")  # the cursor is on the prep group: fold it
        await pilot.pause()
        assert "prep" in timeline.collapsed and "prep" in graph.collapsed
        assert timeline.rows[0].kind == "group" and len(timeline.rows) == 4
        assert "✔2" in _text(timeline, 0)  # the folded row counts its tasks per status
        await pilot.press("1", "enter")  # unfold it in the graph: the timeline follows
        await pilot.pause()
        assert not graph.collapsed and not timeline.collapsed and len(timeline.rows) == 6
        await pilot.press("3", "z")
        await pilot.pause()
        assert graph.collapsed == {"prep"} and len(timeline.rows) == 4
        await pilot.press("z")
        await pilot.pause()
        assert not graph.collapsed


async def test_four_hundred_tasks_are_forty_timeline_rows_and_the_axis_stays() -> None:
    app = make_app(plan=big_plan(400), speed=INSTANT, keymap={})
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        timeline = app.main_screen.query_one(Timeline)
        assert len(timeline.rows) == 40  # folded with the graph
        await pilot.press("end")
        await pilot.pause()
        assert timeline.scroll_offset.y > 0
        first_line = "".join(seg.text for seg in timeline.render_line(0))
        assert "0s" in first_line and "40 rows" in first_line  # the axis did not scroll away
        assert timeline.current is not None and timeline.current.group == "g039"
        assert "g039" in screen_text(app)


async def test_now_line_while_scrubbing_and_not_after_the_run() -> None:
    app = make_app(plan=small_plan(), speed=INSTANT, keymap={})
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        timeline = app.main_screen.query_one(Timeline)
        assert "▼" not in "".join(s.text for s in timeline.render_line(0))
        await pilot.press("left_square_bracket", "left_square_bracket")
        await pilot.pause()
        assert timeline.scrubbing
        axis = "".join(s.text for s in timeline.render_line(0))
        assert "▼" in axis  # "now" where the scrub is, on the whole run's scale
        assert timeline.raw_span == app.session.snapshot.time  # type: ignore[union-attr]
        await pilot.press("right_curly_bracket")
        await pilot.pause()
        assert not timeline.scrubbing


async def test_timeline_rows_carry_a_mark_for_reused_tasks() -> None:
    app = make_app(plan=small_plan(), speed=INSTANT, keymap={})
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        timeline = app.main_screen.query_one(Timeline)

        class Reused:
            reused_from = "run-1"

        assert Timeline.mark(Reused()) == "↺"  # type: ignore[arg-type]
        assert Timeline.mark(app.session.snapshot.tasks["clean"]) == ""  # type: ignore[union-attr]
        assert timeline.rows


# --- layout: wide screens, width-aware boxes, 80x24 -----------------------------------------


async def test_wide_screen_puts_the_task_detail_beside_the_views() -> None:
    app = make_app(plan=small_plan(), speed=INSTANT, keymap={})
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        screen = app.main_screen
        assert screen.has_class("-wide")
        side = screen.query_one("#side")
        views = screen.query_one("#views")
        assert side.display and side.region.x > views.region.x and side.region.width > 60
        await pilot.press("down", "enter")  # a task: its detail beside the graph, log focused
        assert screen.selected == "download"
        assert screen.query_one(TabbedContent).active == "graph"
        assert isinstance(app.focused, LogView)
        await pilot.press("5")
        assert isinstance(app.focused, LogView)
        await pilot.resize_terminal(100, 30)
        await pilot.pause()
        assert not screen.has_class("-wide") and not screen.query_one("#side").display
        await pilot.press("5")
        await pilot.pause()
        assert screen.query_one("#side").display and screen.has_class("-task-tab")
        text = screen_text(app)
        assert "1 Graph" in text and "download" in text  # the tab strip, then the detail


async def test_graph_boxes_grow_with_the_screen_and_long_names(tmp_path: Path) -> None:
    long = "a-task-with-a-rather-long-descriptive-name"
    wf = tmp_path / "wf.yaml"
    wf.write_text(
        "workflow:\n  name: w\n  groups:\n"
        + "".join(
            f"  - name: g{i}\n    tasks:\n    - {{name: {long}-{i}, image: i, command: [sh]}}\n"
            for i in range(2)
        )
    )
    app = make_app(RunRequest(path=wf, record=False), speed=INSTANT, keymap={})
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        graph = app.main_screen.query_one(GroupGraph)
        wide = graph.box
        assert wide > BOX + 16
        text = screen_text(app)
        assert f"{long}-0" in text and f"{long}-1" in text  # side by side, names whole
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert BOX <= graph.box < wide and 2 * graph.box + 2 <= 80  # both boxes still on screen
        text = screen_text(app)
        assert f"{long}-1" not in text and "…" in text  # cut with an ellipsis
        await pilot.press("down", "right")  # the status line shows the cursor's full name
        await pilot.pause()
        assert f"{long}-1" in screen_text(app).splitlines()[-2]


async def test_graph_tooltip_names_the_row_under_the_pointer() -> None:
    app = make_app(plan=small_plan(), speed=INSTANT, keymap={})
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        graph = app.main_screen.query_one(GroupGraph)
        assert graph.plan is not None
        x, y = graph.plan.pos["prep"]
        await pilot.hover(GroupGraph, offset=(x + 5, y + 1))
        await pilot.pause()
        assert graph.tooltip == "download"


async def test_task_table_scrolls_sideways_with_the_name_column_fixed(scenario: Scenario) -> None:
    path = scenario("tasks:\n  train-model: {exit_code: 1, duration: 30}\n")
    request = RunRequest(scenario=path, record=False)
    app = make_app(request, plan=small_plan(), speed=INSTANT, keymap={})
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        table = app.main_screen.query_one(TaskTable)
        assert [k for k, _l, _w in table.columns][:3] == ["name", "status", "exit"]
        assert "Message" in screen_text(app)  # the useful text is on screen at 80 columns
        await pilot.press("right", "right")
        await pilot.pause()
        assert table.scroll_offset.x == 16
        header = "".join(seg.text for seg in table.render_line(0))
        assert header.startswith("Task")  # the name column stayed
        await pilot.press("l", "h", "left", "left")
        await pilot.pause()
        assert table.scroll_offset.x == 0


async def test_escape_hides_the_warnings_until_they_change() -> None:
    app = make_app(plan=big_plan(400), speed=INSTANT, keymap={})
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        problems = app.main_screen.query_one(ErrorList)
        problems.show([], ["Workflow has 400 tasks"])
        await pilot.pause()
        assert problems.display and "esc hides" in str(problems.border_title)
        await pilot.press("escape")
        assert not problems.display
        problems.show([], ["Workflow has 400 tasks"])  # the same warnings: stay hidden
        assert not problems.display
        problems.show([], ["another warning"])
        assert problems.display
        problems.show(["an error"], [])
        await pilot.press("escape")  # errors are never hidden
        assert problems.display


async def test_now_line_follows_playback_between_events(scenario: Scenario) -> None:
    path = scenario("default: {duration: 20}\n")
    request = RunRequest(scenario=path, record=False)
    app = make_app(request, plan=small_plan(), speed=1.0, paused=True, keymap={})
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.2)
        for _ in range(3):
            seen = len(app.session.events)
            await pilot.press("n")
            await wait_for(pilot, lambda seen=seen: len(app.session.events) > seen)  # type: ignore[misc]
        await pilot.press("3")
        await pilot.pause(0.2)
        timeline = app.main_screen.query_one(Timeline)
        snap = app.session.snapshot
        assert snap is not None and not snap.finished
        timeline.tick(snap.time + 15)
        assert timeline.now == snap.time + 15
        label, bar, span = timeline.geometry()
        axis = "".join(s.text for s in timeline.render_line(0))
        assert axis.index("▼") == label + 3 + int(timeline.now / span * bar)
        assert span >= snap.time + 15  # the chart grew to the playback's time


async def test_timeline_pages_clicks_and_follows_the_graph_cursor() -> None:
    app = make_app(plan=big_plan(400), speed=INSTANT, keymap={})
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.main_screen
        timeline = screen.query_one(Timeline)
        await pilot.press("enter", "down")  # graph: unfold g000, cursor on its first task
        assert screen.selected == "t000-00"
        assert timeline.current is not None and timeline.current.task == "t000-00"
        await pilot.press("3", "pagedown")
        assert timeline.cursor == 11
        await pilot.press("pageup")
        assert timeline.cursor == 1
        await pilot.click(Timeline, offset=(5, 4))  # below the axis: the 4th row
        await pilot.pause()
        assert timeline.cursor == timeline.scroll_offset.y + 3
        assert screen.selected == timeline.rows[timeline.cursor].task


async def test_folded_rows_drawn_from_cache_match_a_fresh_drawing() -> None:
    """A folded group's row is kept until one of its tasks changes: step a live run and compare
    every row with a drawing from scratch."""
    app = make_app(plan=big_plan(100, 10, 2), speed=1.0, paused=True, keymap={})
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.2)
        await pilot.press("3", "z")  # fold every group
        timeline = app.main_screen.query_one(Timeline)
        for _ in range(6):
            seen = len(app.session.events)
            await pilot.press("n")
            await wait_for(pilot, lambda seen=seen: len(app.session.events) > seen)  # type: ignore[misc]
            await pilot.pause(0.1)
            rows = [_text(timeline, i) for i in range(len(timeline.rows))]
            timeline._summaries.clear()
            assert rows == [_text(timeline, i) for i in range(len(timeline.rows))]
        assert any("█" in row for row in rows)


async def test_every_view_keeps_its_cursor_on_the_task_the_keys_act_on() -> None:
    app = make_app(plan=small_plan(), speed=INSTANT, keymap={})
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.main_screen
        graph, table = screen.query_one(GroupGraph), screen.query_one(TaskTable)
        await pilot.press("3", "down", "down")  # in the timeline: prep, download, clean
        assert screen.selected == "clean"
        assert graph.current is not None and graph.current.task == "clean"
        assert table.shown[table.cursor] == "clean"
        await pilot.press("1", "down", "down")  # the graph goes on from there: train, its task
        assert screen.selected == "train-model"
        assert table.shown[table.cursor] == "train-model"


async def test_a_move_in_another_view_leaves_the_graph_folded() -> None:
    app = make_app(plan=big_plan(400), speed=INSTANT, keymap={})
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.main_screen
        graph, table = screen.query_one(GroupGraph), screen.query_one(TaskTable)
        folded = set(graph.collapsed)
        assert len(folded) == 40
        await pilot.press("2", "end")  # a task of another group than the graph's cursor's
        task = table.shown[table.cursor]
        assert not task.startswith("t000")
        assert screen.selected == task
        assert graph.collapsed == folded  # browsing the table does not unfold the graph
        assert graph.current is not None
        assert graph.snapshot is not None
        group = graph.snapshot.tasks[task].group
        assert (graph.current.kind, graph.current.group) == ("head", group)

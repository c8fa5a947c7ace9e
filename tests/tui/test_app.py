"""Pilot tests: drive the app's keys over real simulator runs and assert on state and messages."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.message import Message
from textual.widgets import TabbedContent

from osmo_tui.app.app import make_app
from osmo_tui.app.controller import RunController
from osmo_tui.app.editor import editor_command
from osmo_tui.app.screens.help import HelpScreen
from osmo_tui.app.widgets.graph import BOX, GroupGraph
from osmo_tui.app.widgets.task_table import TaskTable
from simulator.engine.events import CancelRequested, TaskLog
from simulator.engine.snapshot import RunSnapshot
from simulator.engine.status import TaskStatus, WorkflowStatus
from simulator.run import RunRequest
from tests.tui.conftest import settle, wait_for
from tests.tui.plans import big_plan, completed_events, make_plan, small_plan
from tests.tui.screen_text import screen_text

INSTANT = math.inf
SIZE = (100, 30)
pytestmark = pytest.mark.anyio
Scenario = Callable[[str], Path]


async def test_small_workflow_runs_to_completion_and_every_event_is_folded() -> None:
    seen: list[Message] = []
    app = make_app(plan=small_plan(), speed=INSTANT, keymap={})
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await settle(pilot)
        snap = app.session.snapshot
        assert snap is not None and snap.status is WorkflowStatus.COMPLETED
        assert {t.status for t in snap.tasks.values()} == {TaskStatus.COMPLETED}
        # batching: fewer messages than events, and no event lost on the way
        batches = [m for m in seen if isinstance(m, RunController.EventsArrived)]
        assert 0 < len(batches) < len(app.session.events)
        assert snap.events == len(app.session.events)
        assert "COMPLETED" in screen_text(app).splitlines()[0]
        assert any(isinstance(m, RunController.RunEnded) for m in seen)


async def test_pause_and_step_advance_one_time_point_per_key() -> None:
    app = make_app(plan=small_plan(), speed=1.0, paused=True, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.2)
        assert app.session.events == []
        await pilot.press("n")
        await wait_for(pilot, lambda: bool(app.session.events))
        await pilot.pause(0.1)
        first = len(app.session.events)
        assert {e.time for e in app.session.events} == {0.0}
        await pilot.press("n")
        await wait_for(pilot, lambda: len(app.session.events) > first)
        await pilot.pause(0.1)
        times = sorted({e.time for e in app.session.events})
        assert len(app.session.events) > first and len(times) == 2
        assert "paused" in screen_text(app).splitlines()[0]
        await pilot.press("space", "plus", "plus", "plus")  # resume at instant speed
        await settle(pilot)
        assert app.session.snapshot is not None and app.session.snapshot.finished


async def test_cancel_workflow_then_rerun(scenario: Scenario) -> None:
    path = scenario("default: {duration: 100}\n")
    options = RunRequest(scenario=path, record=False)
    app = make_app(options, plan=small_plan(), speed=1.0, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.3)
        await pilot.press("c", "y")  # c asks first
        await pilot.press("plus", "plus", "plus")  # 1x -> instant
        await settle(pilot)
        snap = app.session.snapshot
        assert snap is not None and snap.status is WorkflowStatus.FAILED_CANCELED
        assert any(isinstance(e, CancelRequested) for e in app.session.events)
        first_run = app.main_screen.runs.run_count
        await pilot.press("r")
        await settle(pilot)
        assert app.main_screen.runs.run_count == first_run + 1
        snap = app.session.snapshot
        assert snap is not None and snap.status is WorkflowStatus.COMPLETED


async def test_cancel_selected_task_fails_it_and_its_downstream(scenario: Scenario) -> None:
    path = scenario("default: {duration: 50}\n")
    options = RunRequest(scenario=path, record=False)
    app = make_app(options, plan=small_plan(), speed=1.0, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.3)
        await pilot.press("down")  # cursor: prep header -> download
        assert app.main_screen.selected == "download"
        await pilot.press("x", "plus", "plus", "plus")
        await settle(pilot)
        snap = app.session.snapshot
        assert snap is not None
        assert snap.tasks["download"].status is TaskStatus.FAILED_CANCELED
        assert snap.tasks["publish"].status is TaskStatus.FAILED_UPSTREAM
        assert snap.status.failed


async def test_scrub_back_rebuilds_the_snapshot_from_a_prefix_of_events() -> None:
    plan = small_plan()
    app = make_app(plan=plan, replay_events=completed_events(plan), speed=INSTANT, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        total = len(app.session.events)
        await pilot.press("left_square_bracket")
        screen = app.main_screen
        assert screen.scrub is not None and screen.scrub < total
        await pilot.press("left_curly_bracket")
        assert screen.scrub == 0
        snap = screen.view_snapshot()
        assert snap is not None and snap.status is WorkflowStatus.PENDING
        await pilot.press("right_square_bracket", "right_square_bracket")
        partial = screen.view_snapshot()
        assert partial is not None and 0 < partial.events < total
        assert "scrub" in screen_text(app).splitlines()[0]
        await pilot.press("right_curly_bracket")
        assert screen.scrub is None
        assert screen.view_snapshot() is app.session.snapshot


async def test_filter_and_search_limit_graph_and_table() -> None:
    app = make_app(plan=big_plan(400), speed=INSTANT, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        graph = app.main_screen.query_one(GroupGraph)
        assert app.session.plan is not None
        assert graph.collapsed == set(app.session.plan.groups)  # 400 tasks: folded overview
        await pilot.press("slash", *"t007-0", "enter")
        assert graph.search == "t007-0"
        await pilot.press("z")  # unfold everything: only the matching tasks remain
        tasks = [row.task for _y, row in graph._targets if row.kind == "task"]
        assert tasks and all(t.startswith("t007-0") for t in tasks)
        table = app.main_screen.query_one(TaskTable)
        await pilot.press("2")  # the table fills when its tab is shown
        assert table.row_count == 10
        await pilot.press("f", "f", "f")  # all -> active -> failed -> completed
        assert graph.status_filter == "completed" and table.row_count == 10
        await pilot.press("f")  # waiting: nothing waits in a finished run
        assert table.row_count == 0


async def test_the_graph_scrolls_sideways_to_keep_the_cursor_in_view() -> None:
    app = make_app(plan=big_plan(400), speed=INSTANT, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        graph = app.main_screen.query_one(GroupGraph)
        assert graph.plan is not None
        assert graph.virtual_size.width > SIZE[0] and graph.scroll_offset.x == 0
        await pilot.press("down", "down", "down", "down")  # folded heads g000..g004: one band
        row = graph.current
        assert row is not None and row.group == "g004"
        x, y = graph.plan.pos["g004"]
        left, view = graph.scroll_offset.x, graph.scrollable_content_region.width
        assert 0 < left <= x and x + BOX <= left + view
        await pilot.press("down")  # g005 starts the next band, at the left edge
        assert graph.scroll_offset.x == 0
        await pilot.press("up")  # back to g004: scrolled right again
        left = graph.scroll_offset.x
        assert 0 < left <= x
        await pilot.click(GroupGraph, offset=(x - left + 3, y - graph.scroll_offset.y))
        row = graph.current
        assert row is not None and row.group == "g004" and graph.scroll_offset.x == left
        gx, gy = graph.plan.pos["g003"]  # a click on the box to its left, still in view
        await pilot.click(GroupGraph, offset=(gx - left + BOX - 1, gy - graph.scroll_offset.y))
        row = graph.current
        assert row is not None and row.group == "g003"


async def test_edges_are_drawn_only_between_groups_left_visible() -> None:
    plan = small_plan()  # prep -> train -> eval -> report
    app = make_app(plan=plan, replay_events=completed_events(plan), speed=INSTANT, keymap={})
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        graph = app.main_screen.query_one(GroupGraph)
        assert screen_text(app).count("▼") == 3
        whole = graph.plan
        graph.search = "a"  # every task but `publish`: the `report` group disappears
        graph.relayout()
        await pilot.pause()
        assert graph.plan is not None and set(graph.plan.ports) == {"prep", "train"}
        assert screen_text(app).count("▼") == 2 and "report" not in screen_text(app)
        graph.search = "ev"  # only `eval`: no edges at all
        graph.relayout()
        await pilot.pause()
        text = screen_text(app)
        assert "eval" in text and "▼" not in text and "┬" not in text
        graph.search = ""  # back to the whole graph: its layout is reused, not made again
        graph.relayout()
        assert graph.plan is whole
        await pilot.press("enter")  # fold `prep`: same groups, shorter box, same layout
        assert graph.plan is whole and graph.plan.pos["train"][1] == 2 + 1  # head, foot, ▼
        graph.show(RunSnapshot.from_plan(plan))  # a re-run of the same plan: same graph
        assert graph.plan is whole


async def test_the_graph_renders_only_what_is_in_view_and_the_same_as_the_whole_line() -> None:
    app = make_app(plan=big_plan(400), speed=INSTANT, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        graph = app.main_screen.query_one(GroupGraph)
        await pilot.press("z")  # unfold: boxes of different heights, ports under short boxes
        width = graph.size.width
        for sx, sy in ((0, 0), (7, 3), (40, 11), (graph.max_scroll_x, graph.max_scroll_y)):
            graph.scroll_to(x=sx, y=sy, animate=False)
            await pilot.pause()
            sx, sy = graph.scroll_offset
            for y in range(graph.size.height):
                whole = "".join(seg.text for seg in graph.line(sy + y))
                shown = "".join(seg.text for seg in graph.render_line(y))
                assert shown == whole.ljust(sx + width)[sx : sx + width], (sx, sy, y)


async def test_task_detail_shows_logs_and_resources() -> None:
    plan = small_plan()
    app = make_app(plan=plan, replay_events=completed_events(plan), speed=INSTANT, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2")  # the table, focused
        await pilot.press("down", "down", "enter")
        assert app.main_screen.selected == "train-model"
        text = screen_text(app)
        assert "train-model: starting" in text and "train-model: halfway" in text
        assert "gpu 8" in text
        logs = [e for e in app.session.events if isinstance(e, TaskLog)]
        assert len(logs) == 2 * len(plan.tasks)
        await pilot.press("slash", *"half", "enter")  # search inside the log
        assert "train-model: halfway" in screen_text(app)
        assert "train-model: starting" not in screen_text(app)


async def test_help_lists_every_key_and_keys_are_configurable(tmp_path: Path) -> None:
    (tmp_path / "keys.toml").write_text('[keys]\nquit = "Q"\nrerun = "R"\n')
    app = make_app(plan=small_plan(), speed=INSTANT, keys_dir=tmp_path)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        assert "Cancel the selected task" in text and "Scrub back" in text
        assert "Q " in text
        await pilot.press("escape")
        await pilot.press("q")  # rebound: q no longer quits
        assert app.is_running
        await pilot.press("Q")
    assert not app.is_running


def test_editor_command_opens_the_error_line() -> None:
    assert editor_command("wf.yaml", 12, "vim") == ["vim", "+12", "wf.yaml"]
    assert editor_command("wf.yaml", None, "nano -w") == ["nano", "-w", "wf.yaml"]
    assert editor_command("wf.yaml", 3, "code --wait") == ["code", "--wait", "-g", "wf.yaml:3"]


async def test_rerun_ends_the_old_run_canceled_in_the_run_store(scenario: Scenario) -> None:
    from simulator.runs import RunStore

    path = scenario("default: {duration: 100}\n")
    app = make_app(RunRequest(scenario=path), plan=small_plan(), speed=1.0, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.3)
        await pilot.press("r", "plus", "plus", "plus")
        await settle(pilot)
        assert app.session.run_dir is not None
        log = app.session.log_path("download")
        assert log is not None and log.parent == app.session.run_dir / "logs"
    runs = RunStore().list()
    assert [r.status for r in runs] == ["FAILED_CANCELED", "COMPLETED"]
    recorded = RunStore().load(runs[-1].id)
    assert len(recorded.events) == len(app.session.events)


async def test_run_warnings_are_listed_with_the_errors() -> None:
    from osmo_tui.app.widgets.error_list import ErrorList
    from simulator.engine.events import RunWarning

    plan = small_plan()
    events = completed_events(plan)
    events.insert(3, RunWarning(0.0, "docker cannot honour hostNetwork; ignored", "download"))
    app = make_app(plan=plan, replay_events=events, speed=INSTANT, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        problems = app.main_screen.query_one(ErrorList)
        assert problems.display and not problems.errors
        assert [p.message for p in problems.problems] == [
            "docker cannot honour hostNetwork; ignored"
        ]
        assert "1 warning(s)" in screen_text(app)


async def test_e_targets_the_error_line_or_the_selected_task(tmp_path: Path) -> None:
    wf = tmp_path / "w.yaml"
    good = "workflow:\n  name: w\n  tasks:\n  - name: a\n    image: alpine\n    command: [sh]\n"
    wf.write_text(good + "    timeout: 5\n")
    app = make_app(RunRequest(path=wf, record=False), speed=INSTANT, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.2)
        assert app.main_screen.edit_target() == (str(wf), 7)
        await pilot.press("e")  # a headless terminal cannot suspend: a message, no crash
        await pilot.pause(0.1)
        assert app.is_running
    wf.write_text(good)
    app = make_app(RunRequest(path=wf, record=False), speed=INSTANT, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("down")  # the task `a`
        assert app.main_screen.selected == "a"
        assert app.main_screen.edit_target() == (str(wf), 4)


async def test_v_shows_the_rendered_spec_with_tokens_substituted() -> None:
    from tests.conftest import EXAMPLES

    options = RunRequest(path=EXAMPLES / "train_pipeline.yaml", record=False)
    app = make_app(options, speed=INSTANT, keymap={})
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        app.main_screen.query_one(GroupGraph).select_task("master")
        await pilot.press("enter", "v")
        text = screen_text(app)
        assert "train-pipeline-1" in text and "{{workflow_id}}" not in text
        assert "/osmo/data/output" in text  # {{output}} as the backend sees it


async def test_mouse_selects_in_the_graph_and_table() -> None:
    plan = small_plan()
    app = make_app(plan=plan, replay_events=completed_events(plan), speed=INSTANT, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        # graph: a chain, one box per band; `train` is under `prep` (4 lines) and the `▼` line,
        # its task line is 2 lines below its head
        await pilot.click(GroupGraph, offset=(5, 4 + 1 + 2))
        assert app.main_screen.selected == "train-model"
        await pilot.double_click(GroupGraph, offset=(5, 2))  # `clean`, opened
        assert app.main_screen.selected == "clean"
        views = app.main_screen.query_one("#views", TabbedContent)
        await wait_for(pilot, lambda: views.active == "task")
        await pilot.press("2")
        await pilot.click(TaskTable, offset=(3, 4))  # line 0 is the header; line 4: 4th task
        assert app.main_screen.selected == "evaluate"


async def test_search_of_a_large_graph_waits_for_a_pause_in_typing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Thousands of groups: one re-layout for a burst of keys, not one per key; enter applies a
    pending search at once."""
    from osmo_tui.app.screens import main as main_screen

    monkeypatch.setattr(main_screen, "SEARCH_DEBOUNCE_GROUPS", 30)  # big_plan(400) has 40 groups
    # a debounce far longer than five key presses take even on a loaded machine (0.15 s was not)
    monkeypatch.setattr(main_screen, "SEARCH_DEBOUNCE", 2.0)
    app = make_app(plan=big_plan(400), speed=INSTANT, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        graph = app.main_screen.query_one(GroupGraph)
        layouts: list[str] = []
        original = graph.relayout

        def counting() -> None:
            layouts.append(graph.search)
            original()

        monkeypatch.setattr(graph, "relayout", counting)
        await pilot.press("slash", *"t007")
        assert layouts == []  # typed faster than the debounce
        await pilot.pause(main_screen.SEARCH_DEBOUNCE + 0.2)
        assert layouts == ["t007"]
        await pilot.press("backspace", "enter")  # the search box still has the focus
        await pilot.pause()
        assert layouts[-1] == "t00" and graph.search == "t00"
        assert "t00" not in layouts[:-1]  # applied on enter, not after the debounce


async def test_left_and_right_move_between_boxes_of_a_band() -> None:
    plan = make_plan(
        "wide",
        {
            "src": (["s1"], []),
            "left": (["l1", "l2", "l3"], ["src"]),
            "right": (["r1"], ["src"]),
            "sink": (["k1"], ["left", "right"]),
        },
    )
    app = make_app(plan=plan, speed=INSTANT, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        graph = app.main_screen.query_one(GroupGraph)
        graph.focus()

        def at() -> tuple[str, str]:
            row = graph.current
            assert row is not None
            return row.group, row.task

        graph.select_task("l2")
        assert at() == ("left", "l2")
        await pilot.press("l")  # right: the row at the same height of `right` is its task r1
        assert at() == ("right", "r1")
        await pilot.press("right")  # the band's last box: stay
        assert at() == ("right", "r1")
        await pilot.press("h")
        assert at() == ("left", "l1")  # the row at the height of r1
        await pilot.press("left", "k", "k")
        assert at() == ("src", "s1")
        await pilot.press("l")  # alone in its band
        assert at() == ("src", "s1")


async def test_the_command_palette_offers_every_action_and_runs_it() -> None:
    from osmo_tui.app import keys

    app = make_app(plan=small_plan(), speed=1.0, paused=True, keymap={"osmo.step": "N"})
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        commands = {c.title: c.help for c in app.get_system_commands(app.main_screen)}
        assert {description for *_, description in keys.KEYS} <= set(commands)
        assert commands["Step to the next event"] == "key: N"  # the user's own key
        before = len(app.session.events)
        await pilot.press("ctrl+p")
        await pilot.pause(0.2)
        for char in "Step to the next event":
            await pilot.press("space" if char == " " else char)
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(app.session.events) > before)
        assert app.playback.paused  # a step, not a resume


async def test_the_header_says_what_narrows_the_views() -> None:
    app = make_app(plan=small_plan(), speed=INSTANT, keymap={})
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("slash", "b", "enter")
        await pilot.pause(0.2)
        assert "search: 'b'" in screen_text(app)
        await pilot.press("f")
        await pilot.pause(0.2)
        assert "showing active tasks (f: next)" in screen_text(app)


async def test_a_group_whose_tasks_all_failed_counts_none_completed(tmp_path: Path) -> None:
    wf = tmp_path / "wf.yaml"
    wf.write_text(
        "workflow:\n  name: w\n  groups:\n  - name: pair\n    tasks:\n"
        "    - {name: a-very-long-task-name-that-cannot-fit-in-a-box, image: i,"
        " command: [sh, -c, 'exit 3'], lead: true}\n"
        "    - {name: b, image: i, command: [sh, -c, 'exit 3']}\n"
    )
    app = make_app(RunRequest(path=wf, record=False), speed=INSTANT, keymap={})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "0/2" in text and "2/2" not in text
        assert "★✖ a-very-long-task-name… x3" in text  # cut with an ellipsis, exit code kept

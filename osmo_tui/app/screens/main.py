"""MainScreen: header, errors, the graph/table/timeline/events/task tabs, and every key's action.

The screen shows; its `RunController` runs (the run worker, hot reload, run control).
"""

from __future__ import annotations

import subprocess
from typing import TYPE_CHECKING

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Container
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input, TabbedContent, TabPane
from textual.worker import Worker, WorkerState

from osmo_tui.app import hints, keys, narrow
from osmo_tui.app import style as st
from osmo_tui.app.controller import RunController
from osmo_tui.app.editor import editor_command
from osmo_tui.app.playback import scrub_index
from osmo_tui.app.screens.help import HelpScreen
from osmo_tui.app.shell import TaskAttach
from osmo_tui.app.widgets.error_list import ErrorList
from osmo_tui.app.widgets.event_list import EventList
from osmo_tui.app.widgets.footer import HintsFooter
from osmo_tui.app.widgets.graph import GroupGraph
from osmo_tui.app.widgets.header import RunHeader
from osmo_tui.app.widgets.lines import TaskSelected
from osmo_tui.app.widgets.task_detail import LogView, TaskDetail
from osmo_tui.app.widgets.task_table import TaskTable
from osmo_tui.app.widgets.timeline import Timeline
from simulator.engine.snapshot import RunSnapshot

if TYPE_CHECKING:
    from osmo_tui.app.app import OsmoApp

REFRESH_HZ = 20
WIDE = 160
SHORT = 30
"""Below this many lines the task detail keeps its facts short (the log gets the room)."""
"""From this many columns on, the graph (or any view) and the task detail sit side by side."""
SEARCH_DEBOUNCE = 0.15
"""Seconds of quiet typing before a search re-lays out a large graph."""
SEARCH_DEBOUNCE_GROUPS = 500
"""Graphs with more groups than this are searched after the debounce, smaller ones per key."""
"""Views repaint at most this often however fast events arrive (coalescing)."""


class MainScreen(Screen[None]):
    """Hands every view the snapshot to show; its `runs` controller does the running."""

    BINDINGS = keys.bindings()  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.runs = RunController(self)
        self.attach = TaskAttach(self)
        self.selected: str | None = None
        self.scrub: int | None = None
        """Events folded into the shown snapshot while scrubbing (None: live)."""
        self.log_search = ""
        self._warned = 0
        self._search_timer: Timer | None = None

    @property
    def osmo(self) -> OsmoApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield RunHeader(clock=self.osmo.clock, id="header")
        yield ErrorList(id="errors")
        with Container(id="body"):
            with TabbedContent(id="views"):
                with TabPane("1 Graph", id="graph"):
                    yield GroupGraph(id="group-graph")
                with TabPane("2 Tasks", id="tasks"):
                    yield TaskTable(id="task-table")
                with TabPane("3 Timeline", id="timeline"):
                    yield Timeline(id="time-line")
                with TabPane("4 Events", id="events"):
                    yield EventList(id="event-list")
                yield TabPane("5 Task", id="task")  # the detail is in #side, shown under it
            with Container(id="side"):
                yield TaskDetail(id="task-detail")
        yield Input(placeholder="search task names", id="search")
        yield HintsFooter()

    # --- layout: side by side from WIDE columns on, else the detail is the Task tab -------------

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.height < SHORT, "-short")
        self.set_wide(event.size.width >= WIDE)
        hints.refresh(self)

    def set_wide(self, wide: bool) -> None:
        """Wide: the views and the selected task's detail (log, spec) side by side, the Task
        tab hidden; narrow: the detail is what the Task tab shows."""
        if wide == self.has_class("-wide"):
            return
        views = self.query_one("#views", TabbedContent)
        self.set_class(wide, "-wide")
        if wide:
            if views.active == "task":
                views.active = "graph"
            views.hide_tab("task")
        else:
            views.show_tab("task")
        self._task_tab_shown(views.active)

    def _task_tab_shown(self, tab: str) -> None:
        self.set_class(tab == "task" and not self.has_class("-wide"), "-task-tab")

    def on_mount(self) -> None:
        self.query_one("#search").display = False
        self.watch(self.query_one("#views", TabbedContent), "active", self._task_tab_shown)
        self.set_interval(1 / REFRESH_HZ, self._flush)
        self.show_errors()
        if self.osmo.session.plan is not None:
            self.show_plan()
            if self.osmo.replay_events is not None:
                self.runs.start_run(replay=self.osmo.replay_events)
            elif self.osmo.autostart:
                self.runs.start_run()
        else:
            self.update_header()
        if self.osmo.hot_reload:
            self.runs.watch()
        self.query_one(GroupGraph).focus()
        self.call_after_refresh(self._offer_values)

    def _offer_values(self) -> None:
        from osmo_tui.app import template_values

        template_values.offer(self)

    # --- what the controller reports ---------------------------------------------------------

    def on_run_controller_events_arrived(self, _message: RunController.EventsArrived) -> None:
        self.runs.absorb_pending()

    def on_run_controller_run_ended(self, message: RunController.RunEnded) -> None:
        status = message.snapshot.status
        if status.failed:
            self.notify(f"Run finished: {status}", severity="error", timeout=4)
        else:
            self.notify(f"Run finished: {status}", timeout=4)

    def run_started(self) -> None:
        self.scrub = None
        self.query_one(RunHeader).started_at = self.osmo.clock()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place a worker's failure becomes a message to the user."""
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            error = event.worker.error
            render = getattr(error, "render", None)
            text = render() if callable(render) else f"{type(error).__name__}: {error}"
            self.notify(text, title=f"{event.worker.group} failed", severity="error", timeout=8)

    # --- showing -----------------------------------------------------------------------------

    def view_snapshot(self) -> RunSnapshot | None:
        session = self.osmo.session
        if self.scrub is not None and session.plan is not None:
            return session.snapshot_at(self.scrub)
        return session.snapshot or session.idle_snapshot()

    def show_plan(self) -> None:
        """A new plan, a new run or a scrub: hand every view the snapshot to show."""
        session = self.osmo.session
        snap = self.view_snapshot()
        if snap is None:
            return
        graph = self.query_one(GroupGraph)
        graph.show(snap, self.osmo.badges())
        self.query_one(TaskTable).show(snap)
        live = session.snapshot
        self.query_one(Timeline).show(
            snap,
            session.attempts if self.scrub is None else session.attempts_at(self.scrub),
            scrubbing=self.scrub is not None,
            collapsed=graph.collapsed,
            full_span=max(live.time, live.end_time or 0.0) if live is not None else None,
        )
        events = self.query_one(EventList)
        events.marker = self.scrub
        events.show(session.events)
        self.narrow_views()
        if self.selected not in snap.tasks:
            self.selected = None
        self._show_task(fresh=True)
        self._warned = len(snap.warnings)
        self.show_errors()
        self.update_header()

    def show_errors(self) -> None:
        """Spec errors; else the spec's warnings and the run's (e.g. a field a backend ignores)."""
        session = self.osmo.session
        warnings: list[object] = []
        if not session.errors:
            warnings += getattr(session.loaded, "warnings", None) or []
            snap = session.snapshot
            warnings += snap.warnings if snap is not None else []
        self.query_one(ErrorList).show(session.errors, warnings)

    def update_header(self) -> None:
        session = self.osmo.session
        run = session.run
        finished = run is None or run.finished
        mode = self.osmo.playback.label(finished, self.scrub, len(session.events))
        live = run is not None and not run.stepped
        if live:
            mode = "[finished]" if finished else "[live]"
        self.query_one(RunHeader).show(
            self.view_snapshot(),
            title=str(session.request.path or "workflow"),
            mode=mode,
            realtime=live,
            note=self._view_state(),
            virtual_now=self.virtual_now(),
            capabilities=run.capabilities() if run is not None else ("", ()),
            ended=session.unfinished_end() if self.scrub is None else "",
        )
        hints.refresh(self)

    def _view_state(self) -> str:
        """The reload note, what narrows the views (a search, a status filter) and the run id:
        a filtered graph must say so."""
        graph = self.query_one(GroupGraph)
        parts = [self.runs.note] if self.runs.note else []
        if graph.search:
            parts.append(f"search: {graph.search!r}")
        if graph.status_filter != "all":
            parts.append(f"showing {graph.status_filter} tasks (f: next)")
        if narrow.narrowing(graph.search, graph.status_filter):
            parts.append("esc: show all")
        run_dir = self.osmo.session.run_dir
        if run_dir is not None:
            parts.append(f"run {run_dir.name}")
        return " · ".join(parts)

    def virtual_now(self) -> float | None:
        """Virtual time between events while playing (the header's clock moves smoothly)."""
        return None if self.scrub is not None else self.runs.position()

    def _show_task(self, *, fresh: bool) -> None:
        session = self.osmo.session
        snap = self.view_snapshot()
        name = self.selected
        if name is None or snap is None or session.plan is None:
            return
        detail = self.query_one(TaskDetail)
        detail.note = self.attach.note(name)
        log_file = session.log_path(name)
        log_path = str(log_file) if log_file is not None else ""
        badge, plan, logs = self.osmo.badges().get(name, ""), session.plan.tasks[name], session.logs
        if fresh or detail.task_name != name:
            lines = logs.get_with_note(name, log_path)
            total = logs.total.get(name, 0)
            detail.show(
                snap,
                plan,
                badge=badge,
                log_lines=lines,
                log_total=total,
                log_path=log_path,
                needle=self.log_search,
            )
        else:
            new, total = logs.since(name, detail.log_seen)
            detail.refresh_info(
                snap, plan, badge=badge, new_lines=new, log_total=total, log_path=log_path
            )

    def _flush(self) -> None:
        """Repaint what changed since the last tick (at most REFRESH_HZ times a second)."""
        runs = self.runs
        if not runs.dirty:
            run = self.osmo.session.run
            if run is not None and not run.finished and not self.osmo.playback.paused:
                self.update_header()  # the clock ticks on between events
                if self.query_one("#views", TabbedContent).active == "timeline":
                    self.query_one(Timeline).tick(self.virtual_now())
            return
        runs.dirty = False
        changed, runs.changed = runs.changed, set()
        self.refresh_views(changed)

    def refresh_views(self, changed: set[str]) -> None:
        if self.scrub is not None:
            return  # a scrubbed view stays put until scrubbing ends
        session = self.osmo.session
        if session.snapshot is not None and len(session.snapshot.warnings) != self._warned:
            self._warned = len(session.snapshot.warnings)
            self.show_errors()
        graph = self.query_one(GroupGraph)
        graph.updated()
        self.query_one(TaskTable).updated(changed)
        if graph.status_filter != "all":
            self.narrow_views()  # statuses moved: the filter may keep other tasks now
        self.query_one(Timeline).updated()
        self.query_one(EventList).updated()
        if self.selected is not None:
            self._show_task(fresh=False)
        self.update_header()

    # --- selection, search, scrubbing --------------------------------------------------------

    @on(GroupGraph.TaskSelected)
    @on(TaskTable.TaskSelected)
    @on(Timeline.TaskSelected)
    def _task_selected(self, message: TaskSelected) -> None:
        self.selected = message.task
        self._show_task(fresh=True)
        # Every view's cursor on the task the keys act on; a move elsewhere does not unfold.
        if not isinstance(message, GroupGraph.TaskSelected):
            self.query_one(GroupGraph).select_task(message.task, unfold=False)
        if not isinstance(message, TaskTable.TaskSelected):
            self.query_one(TaskTable).select_task(message.task)
        if not isinstance(message, Timeline.TaskSelected):
            self.query_one(Timeline).select_task(message.task)
        hints.refresh(self)
        if message.activated:
            self.open_task()

    def open_task(self) -> None:
        """Show the selected task's detail: its tab, or (wide layout) focus the side pane."""
        if self.has_class("-wide"):
            self.query_one(LogView).focus()
        else:
            self.query_one(TabbedContent).active = "task"

    @on(GroupGraph.Folded)
    def _graph_folded(self, message: GroupGraph.Folded) -> None:
        self.query_one(Timeline).set_collapsed(message.groups)

    @on(Timeline.FoldToggled)
    def _timeline_folded(self, message: Timeline.FoldToggled) -> None:
        graph = self.query_one(GroupGraph)
        graph.collapsed = set(message.groups)
        graph.relayout()

    @on(TabbedContent.TabActivated, "#views")
    def _view_changed(self) -> None:
        hints.refresh(self)

    @on(Input.Changed, "#search")
    def _search_changed(self, message: Input.Changed) -> None:
        text = message.value
        if self.query_one(TabbedContent).active == "task":
            self.log_search = text
            self._show_task(fresh=True)
            return
        if self._search_timer is not None:
            self._search_timer.stop()
            self._search_timer = None
        snapshot = self.osmo.session.snapshot
        if snapshot is not None and len(snapshot.groups) > SEARCH_DEBOUNCE_GROUPS:
            # a re-layout of thousands of groups per keystroke would lag the typing
            self._search_timer = self.set_timer(SEARCH_DEBOUNCE, lambda: self._apply_search(text))
        else:
            self._apply_search(text)

    def _apply_search(self, text: str) -> None:
        self._search_timer = None
        graph, table = self.query_one(GroupGraph), self.query_one(TaskTable)
        graph.search = table.search = text
        graph.relayout()
        table.rebuild()
        self.narrow_views()
        self.update_header()

    def narrow_views(self) -> None:
        """Hand the timeline and the events list the tasks the search and the status filter
        keep: worked out once here (O(tasks)), not per row or per frame."""
        graph = self.query_one(GroupGraph)
        search, status_filter = graph.search, graph.status_filter
        snap = self.view_snapshot()
        keep = narrow.matching(snap, search, status_filter)
        note = narrow.empty_note(search, status_filter) if keep is not None else ""
        groups = narrow.groups_of(snap, keep) if keep and snap is not None else None
        self.query_one(Timeline).narrow(keep, note)
        self.query_one(EventList).narrow(keep, groups, note)

    def clear_narrowing(self) -> bool:
        """Esc in a view: drop the search and the status filter (whether there was any)."""
        graph, table = self.query_one(GroupGraph), self.query_one(TaskTable)
        if not narrow.narrowing(graph.search, graph.status_filter):
            return False
        if self._search_timer is not None:
            self._search_timer.stop()
            self._search_timer = None
        self.query_one("#search", Input).value = ""  # its Changed is ignored: nothing pending
        graph.status_filter = table.status_filter = "all"
        self._apply_search("")
        self.notify("Showing every task", timeout=2)
        return True

    @on(Input.Submitted, "#search")
    def _search_done(self, message: Input.Submitted) -> None:
        if self._search_timer is not None:  # enter applies a pending search at once
            self._search_timer.stop()
            self._apply_search(message.value)
        self._close_search()

    def _close_search(self) -> None:
        self.query_one("#search", Input).display = False
        self.focus_view()

    def focus_view(self) -> None:
        """Focus the active tab's main widget (so its keys work at once)."""
        tab = self.query_one(TabbedContent).active
        views = {"graph": GroupGraph, "tasks": TaskTable, "timeline": Timeline, "events": EventList}
        target = views.get(tab)
        if target is not None:
            self.query_one(target).focus()
        else:
            self.query_one(LogView).focus()

    def key_escape(self) -> None:
        """Close the search box; else clear a search and status filter (from any tab: the header
        says `esc: show all` on each); else hide the warnings panel (until the warnings change)."""
        if self.query_one("#search").display:
            self._close_search()
            return
        if self.clear_narrowing():
            return
        problems = self.query_one(ErrorList)
        if problems.display and not problems.errors:
            problems.dismiss()
            self.focus_view()

    def scrub_to(self, index: int | None) -> None:
        total = len(self.osmo.session.events)
        self.scrub = None if index is None or index >= total else max(0, index)
        self.show_plan()

    def scrub_step(self, direction: int) -> None:
        events = self.osmo.session.events
        current = len(events) if self.scrub is None else self.scrub
        self.scrub_to(scrub_index(events, current, direction))

    # --- actions (every `action_*` named in `keys.KEYS`) -------------------------------------

    async def action_quit(self) -> None:
        await self.osmo.action_quit()

    def on_unmount(self) -> None:
        self.attach.stop_forward()

    def action_shell(self) -> None:
        self.attach.shell(self.selected)

    def action_port_forward(self) -> None:
        self.attach.toggle_forward(self.selected)

    def forward_changed(self) -> None:
        self._show_task(fresh=False)

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(self.osmo.keymap))

    def action_rerun(self) -> None:
        self.runs.rerun()

    def action_rerun_fresh(self) -> None:
        if self.selected is None:
            self.notify("Select a task first (graph or table)", severity="warning", timeout=3)
            return
        self.runs.rerun(fresh=(self.selected,))

    def action_cancel_workflow(self) -> None:
        self.runs.confirm_cancel("workflow")

    def action_cancel_group(self) -> None:
        snap = self.view_snapshot()
        if self.selected is None or snap is None or self.selected not in snap.tasks:
            self.notify("Select a task of the group first", severity="warning", timeout=3)
            return
        self.runs.confirm_cancel("group", snap.tasks[self.selected].group)

    def action_cancel_task(self) -> None:
        if self.selected is None:
            self.notify("Select a task first (graph or table)", severity="warning", timeout=3)
            return
        self.runs.cancel("task", self.selected, self.runs.position())

    def action_root_cause(self) -> None:
        from osmo_tui.app import rootcause

        rootcause.jump(self)

    def action_what_if(self) -> None:
        from osmo_tui.app import whatif

        whatif.open_dialog(self)

    def action_template_values(self) -> None:
        from osmo_tui.app import template_values

        template_values.prompt(self)

    def action_pause(self) -> None:
        self.runs.toggle_pause()

    def action_step(self) -> None:
        self.runs.step_once()

    def action_speed(self, delta: int) -> None:
        self.runs.change_speed(delta)

    def action_scrub(self, direction: int) -> None:
        self.runs.pause_live()
        self.scrub_step(direction)

    def action_scrub_to(self, index: int) -> None:
        self.scrub_to(None if index < 0 else index)

    def action_search(self) -> None:
        box = self.query_one("#search", Input)
        on_task = self.query_one(TabbedContent).active == "task"
        box.placeholder = "search this task's log" if on_task else "search task and group names"
        box.value = self.log_search if on_task else self.query_one(GroupGraph).search
        box.display = True
        box.focus()

    def action_filter(self) -> None:
        graph, table = self.query_one(GroupGraph), self.query_one(TaskTable)
        filters = st.STATUS_FILTERS
        graph.status_filter = filters[(filters.index(graph.status_filter) + 1) % len(filters)]
        table.status_filter = graph.status_filter
        graph.relayout()
        table.rebuild()
        self.narrow_views()
        self.update_header()
        self.notify(f"Showing {graph.status_filter} tasks", timeout=2)

    def action_tab(self, tab: str) -> None:
        if tab == "task" and self.has_class("-wide"):
            self.query_one(LogView).focus()  # the detail is beside the views
            return
        self.query_one(TabbedContent).active = tab
        self.focus_view()

    def action_log_or_spec(self) -> None:
        """Show the selected task's tab, flipping between its log and its rendered spec."""
        views = self.query_one("#views", TabbedContent)
        inner = self.query_one("#task-tabs", TabbedContent)
        if views.active == "task" or self.has_class("-wide"):
            inner.active = "tab-spec" if inner.active == "tab-log" else "tab-log"
        else:
            views.active = "task"

    def action_focus_errors(self) -> None:
        errors = self.query_one(ErrorList)
        if errors.display:
            errors.focus()

    def edit_target(self) -> tuple[str, int | None]:
        """The highlighted error's file and line, else the selected task's line in the workflow."""
        session = self.osmo.session
        problems = self.query_one(ErrorList)
        problem = problems.current if problems.display else None
        if problem is not None and problem.location is not None and not problem.location.rendered:
            return problem.location.path, problem.location.line
        path = str(session.request.path or "")
        loaded = session.loaded
        if self.selected is not None and loaded is not None:
            where = loaded.location_of_task(self.selected)
            if not where.rendered:
                return where.path, where.line
        return path, None

    def action_edit(self) -> None:
        path, line = self.edit_target()
        if path:
            self.open_editor(editor_command(path, line))

    def open_editor(self, argv: list[str]) -> None:
        """Suspend the app, run the editor, then reload if a watched file changed (the watcher
        may also fire; harmless)."""
        from textual.app import SuspendNotSupported

        try:
            with self.app.suspend():
                subprocess.call(argv)
        except SuspendNotSupported:
            self.notify("This terminal cannot suspend the app", severity="warning")
            return
        except OSError as exc:
            self.notify(f"Cannot start the editor: {exc}", severity="error")
            return
        self.editor_closed()

    def editor_closed(self) -> None:
        """Reload what the editor saved; if it saved nothing, the run being inspected stays."""
        if self.osmo.session.reloader.changed_since_load():
            self.runs.reload()
        else:
            self.notify("No change saved: the run stays as it is", timeout=3)

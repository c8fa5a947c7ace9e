"""MainScreen: header, errors, the graph/table/timeline/events/task tabs; what the user sees."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.timer import Timer
from textual.widgets import Footer, Input, TabbedContent, TabPane

from osmo_tui.app import keys
from osmo_tui.app.playback import scrub_index
from osmo_tui.app.screens.runner import RunnerScreen
from osmo_tui.app.widgets.error_list import ErrorList
from osmo_tui.app.widgets.event_list import EventList
from osmo_tui.app.widgets.graph import GroupGraph
from osmo_tui.app.widgets.header import RunHeader
from osmo_tui.app.widgets.task_detail import LogView, TaskDetail
from osmo_tui.app.widgets.task_table import TaskTable
from osmo_tui.app.widgets.timeline import Timeline
from simulator.engine.snapshot import RunSnapshot

REFRESH_HZ = 20
SEARCH_DEBOUNCE = 0.15
"""Seconds of quiet typing before a search re-lays out a large graph."""
SEARCH_DEBOUNCE_GROUPS = 500
"""Graphs with more groups than this are searched after the debounce, smaller ones per key."""
"""Views repaint at most this often however fast events arrive (coalescing)."""


class MainScreen(RunnerScreen):
    """Hands every view the snapshot to show; the workers live in RunnerScreen."""

    BINDINGS = keys.bindings()  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.selected: str | None = None
        self.scrub: int | None = None
        self.note = ""
        self.log_search = ""
        self._warned = 0
        self._search_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield RunHeader(clock=self.osmo.clock, id="header")
        yield ErrorList(id="errors")
        with TabbedContent(id="views"):
            with TabPane("1 Graph", id="graph"):
                yield GroupGraph(id="group-graph")
            with TabPane("2 Tasks", id="tasks"):
                yield TaskTable(id="task-table")
            with TabPane("3 Timeline", id="timeline"):
                yield Timeline(id="time-line")
            with TabPane("4 Events", id="events"):
                yield EventList(id="event-list")
            with TabPane("5 Task", id="task"):
                yield TaskDetail(id="task-detail")
        yield Input(placeholder="search task names", id="search")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#search").display = False
        self.set_interval(1 / REFRESH_HZ, self._flush)
        self._show_errors()
        if self.osmo.session.plan is not None:
            self._show_plan()
            if self.osmo.replay_events is not None:
                self.start_run(self.osmo.replay_driver())
            elif self.osmo.autostart:
                self.start_run()
        else:
            self._update_header()
        if self.osmo.hot_reload:
            self.run_worker(
                self._watch(), name="watch", group="watch", exclusive=True, exit_on_error=False
            )
        self.query_one(GroupGraph).focus()

    # --- showing -----------------------------------------------------------------------------

    def view_snapshot(self) -> RunSnapshot | None:
        session = self.osmo.session
        if self.scrub is not None and session.plan is not None:
            return session.snapshot_at(self.scrub)
        return session.snapshot

    def _show_plan(self) -> None:
        """A new plan, a new run or a scrub: hand every view the snapshot to show."""
        session = self.osmo.session
        if session.snapshot is None and session.plan is not None:
            session.snapshot = RunSnapshot.from_plan(session.plan)
        snap = self.view_snapshot()
        if snap is None:
            return
        self.query_one(GroupGraph).show(snap, self.osmo.badges())
        self.query_one(TaskTable).show(snap)
        self.query_one(Timeline).show(snap, session.phases)
        events = self.query_one(EventList)
        events.marker = self.scrub
        events.show(session.events)
        if self.selected not in snap.tasks:
            self.selected = None
        self._show_task(fresh=True)
        self._warned = len(snap.warnings)
        self._show_errors()
        self._update_header()

    def _show_errors(self) -> None:
        """Spec errors; else the spec's warnings and the run's (e.g. a field a backend ignores)."""
        session = self.osmo.session
        warnings: list[object] = []
        if not session.errors:
            warnings += getattr(session.loaded, "warnings", None) or []
            snap = session.snapshot
            warnings += snap.warnings if snap is not None else []
        self.query_one(ErrorList).show(session.errors, warnings)

    def _update_header(self) -> None:
        session = self.osmo.session
        driver = session.driver
        finished = driver is None or driver.finished
        mode = self.playback.label(finished, self.scrub, len(session.events))
        if driver is not None and driver.realtime:
            mode = "[finished]" if driver.finished else "[live]"
        self.query_one(RunHeader).show(
            self.view_snapshot(),
            title=str(session.options.path or "workflow"),
            mode=mode,
            realtime=bool(driver and driver.realtime),
            note=self.note,
            virtual_now=self.virtual_now(),
        )

    def virtual_now(self) -> float | None:
        """Virtual time between events while playing (the header's clock moves smoothly)."""
        driver = self.osmo.session.driver
        if driver is None or driver.realtime or driver.finished or self.scrub is not None:
            return None
        return self.playback.position(self.osmo.clock(), driver.now, driver.next_time)

    def retime(self) -> None:
        driver = self.osmo.session.driver
        if driver is not None and not driver.realtime:
            self.playback.retime(self.osmo.clock(), driver.now, driver.next_time)

    def _show_task(self, *, fresh: bool) -> None:
        session = self.osmo.session
        snap = self.view_snapshot()
        name = self.selected
        if name is None or snap is None or session.plan is None:
            return
        detail = self.query_one(TaskDetail)
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
        if not self._dirty:
            driver = self.osmo.session.driver
            if driver is not None and not driver.finished and not self.playback.paused:
                self._update_header()  # the clock ticks on between events
            return
        self._dirty = False
        changed, self._changed = self._changed, set()
        self.refresh_views(changed)

    def refresh_views(self, changed: set[str]) -> None:
        if self.scrub is not None:
            return  # a scrubbed view stays put until scrubbing ends
        session = self.osmo.session
        if session.snapshot is not None and len(session.snapshot.warnings) != self._warned:
            self._warned = len(session.snapshot.warnings)
            self._show_errors()
        self.query_one(GroupGraph).updated()
        self.query_one(TaskTable).updated(changed)
        self.query_one(Timeline).updated()
        self.query_one(EventList).updated()
        if self.selected is not None:
            self._show_task(fresh=False)
        self._update_header()

    # --- selection, search, scrubbing --------------------------------------------------------

    @on(GroupGraph.TaskSelected)
    @on(TaskTable.TaskSelected)
    def _task_selected(self, message: GroupGraph.TaskSelected | TaskTable.TaskSelected) -> None:
        self.selected = message.task
        self._show_task(fresh=True)
        if message.activated:
            self.query_one(TabbedContent).active = "task"

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
        if self.query_one("#search").display:
            self._close_search()

    def scrub_to(self, index: int | None) -> None:
        total = len(self.osmo.session.events)
        self.scrub = None if index is None or index >= total else max(0, index)
        self._show_plan()

    def scrub_step(self, direction: int) -> None:
        events = self.osmo.session.events
        current = len(events) if self.scrub is None else self.scrub
        self.scrub_to(scrub_index(events, current, direction))
